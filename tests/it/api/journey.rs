//! The whole way, over HTTP and real mail: a customer's mail into Dovecot →
//! the ticket listed over HTTP → an agent's reply from a template → the
//! customer's mailbox holds it with the signature → the customer's reply
//! lands on the same ticket.
use super::{ADMIN_TOKEN, Api};
use crate::harness::{SECOND, config_text, customer_inbox, customer_mail, eventually, header};
use crate::mailstack::{CUSTOMER, SUPPORT, SUPPORT_PASSWORD};
use postdesk::config::Config;
use postdesk::domain::Role;
use reqwest::Method;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn mail_in_listed_over_http_answered_from_a_template_and_the_answer_threads() {
    let stack = crate::harness::stack();
    let dir = tempfile::tempdir().expect("temp dir");
    let db = format!("sqlite://{}", dir.path().join("journey.db").display());
    let extra = format!("admin_token = \"{ADMIN_TOKEN}\"\n[acknowledgement]\nenabled = false");
    let text = config_text(&stack, &db, SUPPORT, SUPPORT_PASSWORD, &extra);
    let config = Config::parse(&text, &[]).expect("config");
    let api = Api::start_config(dir, &config).await;

    let mail = customer_mail(
        "journey-1@customer.example.net",
        "Parcel lost",
        "Where is my parcel?",
        "",
    );
    stack.send(CUSTOMER, SUPPORT, &mail).expect("send");
    let listed = eventually("the ticket is listed", 10 * SECOND, || async {
        let page = api
            .get("/api/v1/tickets?status=open&assignee=none")
            .await
            .expect(200);
        (page["total"] == 1).then_some(page)
    })
    .await;
    let ticket = &listed["items"][0];
    let id = ticket["id"].as_i64().expect("id");
    assert_eq!(ticket["subject"], "Parcel lost");
    assert_eq!(ticket["requester"]["email"], CUSTOMER);

    api.post(
        "/api/v1/templates",
        &json!({"name": "parcel", "body": "Hello {{ requester.name }},\n\nyour parcel {{ vars.tracking }} is on its way."}),
    )
    .await
    .expect(201);
    let agent = api.token(Role::Agent, Some("dana@example.com")).await;
    let agent_id: i64 =
        sqlx::query_scalar("SELECT id FROM agents WHERE email = 'dana@example.com'")
            .fetch_one(api.store().pool())
            .await
            .expect("agent");
    api.patch(
        &format!("/api/v1/agents/{agent_id}"),
        &json!({"signature": "Dana\nExample Support"}),
    )
    .await
    .expect(200);
    let queued = api
        .call(
            Method::POST,
            &format!("/api/v1/tickets/{id}/replies"),
            Some(&agent),
            Some(&json!({"template": "parcel", "vars": {"tracking": "TRK-889"}})),
        )
        .await
        .expect(202);
    assert!(queued["outbox_id"].is_number(), "{queued}");

    let answer = eventually(
        "the reply in the customer's mailbox",
        10 * SECOND,
        || async { customer_inbox(&stack).await.into_iter().next() },
    )
    .await;
    let text = String::from_utf8_lossy(&answer);
    assert!(text.contains("your parcel TRK-889 is on its way"), "{text}");
    assert!(text.contains("-- \r\nDana\r\nExample Support"), "{text}");
    let their_id = header(&answer, "Message-ID").expect("Message-ID");
    let subject = header(&answer, "Subject").expect("Subject");

    let reply = customer_mail(
        "journey-2@customer.example.net",
        &subject,
        "Thanks, it arrived.\r\n\r\nOn Sat, Nov 21, 2026 at 10:05 AM Example Support <support@example.com> wrote:\r\n> your parcel TRK-889 is on its way.",
        &format!("In-Reply-To: {their_id}\r\nReferences: {their_id}\r\n"),
    );
    stack
        .send(CUSTOMER, SUPPORT, &reply)
        .expect("send the reply");
    let thread = eventually(
        "the customer's reply on the ticket",
        10 * SECOND,
        || async {
            let thread = api
                .get(&format!("/api/v1/tickets/{id}/messages"))
                .await
                .expect(200);
            let messages: Vec<_> = thread["items"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|i| i["type"] == "message")
                .cloned()
                .collect();
            (messages.len() == 3).then_some(messages)
        },
    )
    .await;
    assert_eq!(thread[2]["direction"], "inbound");
    assert_eq!(thread[2]["reply_text"], "Thanks, it arrived.");
    let all = api.get("/api/v1/tickets").await.expect(200);
    assert_eq!(all["total"], 1, "no second ticket: {all}");
    api.stop().await;
}

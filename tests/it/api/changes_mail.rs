//! An outbound ticket end to end against the real mail stack: opened over
//! HTTP, its first email in the customer's mailbox with the agent's
//! signature, and the customer's answer threaded back onto it.
use super::ADMIN_TOKEN;
use crate::harness::{Gateway, SECOND, customer_inbox, customer_mail, eventually, header, stack};
use crate::mailstack::{CUSTOMER, SUPPORT};
use serde_json::{Value, json};

/// A token acting for a new agent with this signature.
pub(super) async fn agent_token(gw: &Gateway, signature: &str) -> String {
    super::agent_with_token(gw.store(), "ann@example.com", signature)
        .await
        .1
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_outbound_ticket_reaches_the_customer_signed_and_their_reply_threads_onto_it() {
    let stack = tokio::task::spawn_blocking(stack)
        .await
        .expect("mail stack");
    let gw = Gateway::start(&stack, &format!("admin_token = \"{ADMIN_TOKEN}\"")).await;
    let token = agent_token(&gw, "Ann from {{ email_domain.name }}").await;
    let domain = gw.store().email_domains().await.unwrap().remove(0);
    let addr = gw.running.as_ref().expect("running").addr;
    let body = json!({"subject": "Your invoice", "email_domain_id": domain.id, "to": CUSTOMER,
        "body": "Your invoice is ready."});
    let resp = reqwest::Client::new()
        .post(format!("http://{addr}/api/v1/tickets"))
        .bearer_auth(&token)
        .json(&body)
        .send()
        .await
        .expect("HTTP");
    assert_eq!(resp.status(), 201);
    let ticket: Value = resp.json().await.expect("JSON");
    assert_eq!(
        ticket["teams"][0]["name"], "Support",
        "the domain's default team"
    );
    let short = ticket["short_id"].as_str().unwrap();

    let inbox = eventually("the first email", 10 * SECOND, || async {
        let inbox = customer_inbox(&stack).await;
        (!inbox.is_empty()).then_some(inbox)
    })
    .await;
    let first = &inbox[0];
    assert_eq!(
        header(first, "Subject").unwrap(),
        format!("Your invoice [#{short}]")
    );
    assert!(header(first, "From").unwrap().contains(SUPPORT));
    let parsed = mail_parser::MessageParser::default()
        .parse(first.as_slice())
        .unwrap();
    let text = parsed.body_text(0).unwrap().replace("\r\n", "\n");
    assert!(text.contains("Your invoice is ready."), "{text}");
    assert!(
        text.contains("-- \nAnn from Example Support"),
        "signed: {text}"
    );

    let sent_id = header(first, "Message-ID").unwrap();
    let answer = customer_mail(
        "thanks@customer.example.net",
        &format!("Re: Your invoice [#{short}]"),
        "Thanks, paid it.\r\n\r\n> Your invoice is ready.\r\n",
        &format!("In-Reply-To: {sent_id}\r\nReferences: {sent_id}\r\n"),
    );
    tokio::task::block_in_place(|| stack.send(CUSTOMER, SUPPORT, &answer)).expect("sent");
    let id = ticket["id"].as_i64().unwrap();
    let messages = eventually("the answer on the ticket", 10 * SECOND, || async {
        let m = gw.store().messages_of(id).await.unwrap();
        (m.len() == 2).then_some(m)
    })
    .await;
    assert_eq!(messages[1].reply_text, "Thanks, paid it.");
    assert_eq!(
        gw.ticket_count().await,
        1,
        "the answer threads, no new ticket"
    );
}

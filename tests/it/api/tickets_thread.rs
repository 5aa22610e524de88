//! GET tickets/{id}/messages: emails, notes and events in time order.
use super::tickets_support::Desk;
use crate::support::fixture;
use postdesk::domain::{EmailAddress, Mailbox};
use postdesk::ingest::Limits;
use postdesk::store::messages::Outbound;
use serde_json::{Value, json};

async fn note(desk: &Desk, ticket: i64, author: i64, body: &str) {
    sqlx::query(
        "INSERT INTO notes (ticket_id, author_id, body, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)",
    )
    .bind(ticket)
    .bind(author)
    .bind(body)
    .bind(postdesk::store::now())
    .execute(desk.api.store().writer())
    .await
    .unwrap();
}

async fn assigned_event(desk: &Desk, ticket: i64, agent: i64) {
    sqlx::query(
        "INSERT INTO ticket_events (ticket_id, actor, agent_id, kind, data, created_at) VALUES ($1, 'agent', $2, 'assigned', $3, $4)",
    )
    .bind(ticket)
    .bind(agent)
    .bind(json!({"to": agent}).to_string())
    .bind(postdesk::store::now())
    .execute(desk.api.store().writer())
    .await
    .unwrap();
}

fn outbound(ticket: i64, agent: i64) -> Outbound {
    Outbound {
        ticket_id: ticket,
        message_id: "out-1@example.com".into(),
        in_reply_to: Some("att-1@souza.example".into()),
        references: vec!["att-1@souza.example".into()],
        from_address: "support@example.com".into(),
        from_name: Some("Support".into()),
        to: vec![Mailbox {
            address: EmailAddress::parse("ana@souza.example").unwrap(),
            name: None,
        }],
        cc: Vec::new(),
        subject: "Re: Screenshot of the error".into(),
        body_text: "We are looking into it.".into(),
        auto_kind: None,
        author_id: Some(agent),
    }
}

/// A ticket with: the customer's mail (two attachments, the larger one
/// not kept), a note, the customer's reply quoting the first mail, an
/// agent's answer and an assignment event, in that order in time.
async fn busy_ticket() -> (Desk, i64, i64) {
    let desk = Desk::with_limits(Limits {
        max_attachment_bytes: 75,
    })
    .await;
    let agent = desk
        .api
        .store()
        .create_agent("kim@example.com", "Kim", "agent", "")
        .await
        .unwrap();
    let ticket = desk.ingest(fixture("attachments.eml")).await;
    note(&desk, ticket, agent, "Customer is on the gold plan.").await;
    let reply = crate::support::mail(
        "ana@souza.example",
        "Re: Screenshot of the error",
        "att-2@souza.example",
        "In-Reply-To: <att-1@souza.example>\r\n",
        "It happens again today.\r\n\r\nOn Mon, Jan 1, 2024 at 10:00 AM Ana Souza <ana@souza.example> wrote:\r\n> See the image below",
    );
    assert_eq!(desk.ingest(reply).await, ticket);
    desk.api
        .store()
        .add_outbound(&outbound(ticket, agent))
        .await
        .unwrap();
    assigned_event(&desk, ticket, agent).await;
    (desk, ticket, agent)
}

fn kinds(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|i| match i["type"].as_str().unwrap() {
            "event" => format!("event:{}", i["kind"].as_str().unwrap()),
            "message" => format!("message:{}", i["direction"].as_str().unwrap()),
            other => other.to_string(),
        })
        .collect()
}

#[tokio::test]
async fn the_thread_merges_emails_notes_and_events_oldest_first() {
    let (desk, ticket, _) = busy_ticket().await;
    let got = desk
        .api
        .get(&format!("/api/v1/tickets/{ticket}/messages"))
        .await
        .expect(200);
    let items = got["items"].as_array().unwrap();
    assert_eq!(
        kinds(items),
        [
            "message:inbound",
            "event:created",
            "note",
            "message:inbound",
            "event:customer_replied",
            "message:outbound",
            "event:assigned"
        ]
    );
    let times: Vec<&str> = items
        .iter()
        .map(|i| i["created_at"].as_str().unwrap())
        .collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");
    desk.api.stop().await;
}

#[tokio::test]
async fn an_inbound_email_shows_its_people_text_and_attachments() {
    let (desk, ticket, _) = busy_ticket().await;
    let got = desk
        .api
        .get(&format!("/api/v1/tickets/{ticket}/messages"))
        .await
        .expect(200);
    let first = &got["items"][0];
    assert_eq!(
        first["from"],
        json!({"address": "ana@souza.example", "name": "Ana Souza"})
    );
    assert_eq!(first["to"][0]["address"], "support@example.com");
    assert_eq!(first["cc"][0]["address"], "bruno@souza.example");
    assert_eq!(first["subject"], "Screenshot of the error");
    assert_eq!(first["delivery_status"], "received");
    assert_eq!(first["auto_kind"], Value::Null);
    assert!(
        first["body_text"]
            .as_str()
            .unwrap()
            .contains("invoice attached")
    );
    assert_eq!(
        first["reply_text"], first["body_text"],
        "nothing cut: the whole text"
    );
    let files = first["attachments"].as_array().unwrap();
    assert_eq!(files.len(), 2, "{files:?}");
    assert_eq!(files[0]["filename"], "screen.png");
    assert_eq!(files[0]["content_type"], "image/png");
    assert_eq!(files[0]["size"], 70);
    assert_eq!(files[0]["omitted_reason"], Value::Null);
    assert_eq!(files[1]["filename"], "fatura março.pdf");
    assert!(
        files[1]["omitted_reason"]
            .as_str()
            .unwrap()
            .contains("limit")
    );
    assert!(files[0]["id"].is_i64());
    let reply = &got["items"][3];
    assert_eq!(reply["reply_text"], "It happens again today.");
    assert!(
        reply["body_text"]
            .as_str()
            .unwrap()
            .contains("> See the image")
    );
    assert_eq!(reply["attachments"], json!([]));
    desk.api.stop().await;
}

#[tokio::test]
async fn replies_notes_and_events_show_who_acted() {
    let (desk, ticket, agent) = busy_ticket().await;
    let got = desk
        .api
        .get(&format!("/api/v1/tickets/{ticket}/messages"))
        .await
        .expect(200);
    let kim = json!({"id": agent, "name": "Kim", "email": "kim@example.com"});
    let created = &got["items"][1];
    assert_eq!(created["actor"], "customer");
    assert_eq!(created["agent"], Value::Null);
    assert_eq!(created["data"], json!({"via": "email"}));
    let note = &got["items"][2];
    assert_eq!(note["body"], "Customer is on the gold plan.");
    assert_eq!(note["author"], kim);
    assert_eq!(
        (note["colour"].as_str(), note["edited"].as_bool()),
        (Some("yellow"), Some(false))
    );
    assert_eq!(got["items"][4]["kind"], "customer_replied");
    let answer = &got["items"][5];
    assert_eq!(answer["author"], kim);
    assert_eq!(answer["delivery_status"], "queued");
    assert_eq!(answer["delivery_error"], Value::Null);
    assert_eq!(answer["sent_at"], Value::Null);
    assert_eq!(
        answer["to"],
        json!([{"address": "ana@souza.example", "name": null}])
    );
    let assigned = &got["items"][6];
    assert_eq!(assigned["actor"], "agent");
    assert_eq!(assigned["agent"], kim);
    assert_eq!(assigned["data"], json!({"to": agent}));
    desk.api.stop().await;
}

#[tokio::test]
async fn the_thread_of_a_missing_ticket_is_404_and_a_bad_id_400() {
    let desk = Desk::start().await;
    let missing = desk.api.get("/api/v1/tickets/999/messages").await;
    assert_eq!(
        (missing.status.as_u16(), missing.code()),
        (404, "not_found")
    );
    let bad = desk.api.get("/api/v1/tickets/x/messages").await;
    assert_eq!(bad.status, 400);
    desk.api.stop().await;
}

/// Every time in every answer is written one way: UTC to the microsecond,
/// `Z` (stored times come back the same whichever way they were read).
#[tokio::test]
async fn times_are_utc_to_the_microsecond_everywhere() {
    let (desk, ticket, _) = busy_ticket().await;
    let mut seen = 0;
    for path in [
        format!("/api/v1/tickets/{ticket}"),
        format!("/api/v1/tickets/{ticket}/messages"),
        "/api/v1/tickets".to_string(),
        "/api/v1/agents".to_string(),
        "/api/v1/teams".to_string(),
        "/api/v1/tags".to_string(),
    ] {
        let got = desk.api.get(&path).await.expect(200);
        seen += check_times(&got, &path);
    }
    assert!(seen >= 10, "only {seen} times seen");
    desk.api.stop().await;
}

/// Checks every `*_at` string under `v`; returns how many there were.
fn check_times(v: &serde_json::Value, path: &str) -> usize {
    match v {
        serde_json::Value::Object(map) => map
            .iter()
            .map(|(key, value)| match value.as_str() {
                Some(t) if key.ends_with("_at") => {
                    let ok = t.len() == 27
                        && t.ends_with('Z')
                        && chrono::DateTime::parse_from_rfc3339(t).is_ok();
                    assert!(ok, "{path}: {key} = {t:?}");
                    1
                }
                _ => check_times(value, path),
            })
            .sum(),
        serde_json::Value::Array(items) => items.iter().map(|i| check_times(i, path)).sum(),
        _ => 0,
    }
}

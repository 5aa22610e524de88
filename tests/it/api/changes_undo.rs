//! Undo send against the real mail stack: a reply held for the window is
//! taken back by its author (never by another agent) and never reaches the
//! customer; one left alone waits out the window, across a restart of
//! `serve`, then arrives, and can no longer be taken back.
use super::ADMIN_TOKEN;
use crate::harness::{Gateway, SECOND, customer_inbox, customer_mail, eventually, stack};
use crate::mailstack::{CUSTOMER, SUPPORT};
use serde_json::{Value, json};

const WINDOW: u64 = 3;

/// An agent and a token acting for them: (agent id, token).
async fn agent(gw: &Gateway, email: &str) -> (i64, String) {
    super::agent_with_token(gw.store(), email, "{{ agent.name }}, Support").await
}

async fn post(gw: &Gateway, token: &str, path: &str, body: Value) -> (u16, Value) {
    let addr = gw.running.as_ref().expect("running").addr;
    let resp = reqwest::Client::new()
        .post(format!("http://{addr}/api/v1{path}"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("HTTP");
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

async fn message_count(gw: &Gateway, ticket: i64) -> usize {
    gw.store()
        .thread(ticket)
        .await
        .unwrap()
        .unwrap()
        .messages
        .len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_reply_taken_back_in_the_window_never_reaches_the_customer_and_one_left_arrives_after_it()
{
    let stack = tokio::task::spawn_blocking(stack)
        .await
        .expect("mail stack");
    let extra = format!("admin_token = \"{ADMIN_TOKEN}\"\n[acknowledgement]\nenabled = false");
    let mut gw = Gateway::start_with_undo(&stack, &extra, WINDOW).await;
    let (ann, ann_token) = agent(&gw, "ann@example.com").await;
    let (_, bo_token) = agent(&gw, "bo@example.com").await;
    let mail = customer_mail(
        "undo-1@customer.example.net",
        "Broken kettle",
        "It leaks.",
        "",
    );
    stack.send(CUSTOMER, SUPPORT, &mail).unwrap();
    let ticket = eventually("the mail is a ticket", 10 * SECOND, || async {
        gw.store().tickets().await.unwrap().first().map(|t| t.id)
    })
    .await;

    let (status, first) = post(
        &gw,
        &ann_token,
        &format!("/tickets/{ticket}/replies"),
        json!({"body": "Sorry, the wrong answer."}),
    )
    .await;
    assert_eq!(status, 202, "{first}");
    let until = chrono::DateTime::parse_from_rfc3339(first["undo_until"].as_str().unwrap())
        .expect("undo_until is a time");
    let wait = until.signed_duration_since(chrono::Utc::now());
    assert!(
        wait > chrono::Duration::seconds(1) && wait <= chrono::Duration::seconds(3),
        "held for the window: {wait}"
    );
    let id = first["message_id"].as_i64().unwrap();
    assert_eq!(message_count(&gw, ticket).await, 2, "the held reply shows");

    let (status, refused) = post(&gw, &bo_token, &format!("/messages/{id}/undo"), json!({})).await;
    assert_eq!(status, 403, "another agent's reply: {refused}");
    let (status, undone) = post(&gw, &ann_token, &format!("/messages/{id}/undo"), json!({})).await;
    assert_eq!(status, 200, "{undone}");
    assert_eq!(undone["ticket_id"], ticket);
    assert_eq!(
        undone["body"], "Sorry, the wrong answer.",
        "what she wrote, without the signature"
    );
    let (status, _) = post(&gw, &ann_token, &format!("/messages/{id}/undo"), json!({})).await;
    assert_eq!(status, 404, "taken back once");
    assert_eq!(message_count(&gw, ticket).await, 1, "gone from the thread");
    let thread = gw.store().thread(ticket).await.unwrap().unwrap();
    assert!(
        thread.events.iter().all(|e| e.kind != "replied"),
        "{:?}",
        thread.events
    );
    let draft = gw
        .store()
        .draft(ticket, ann)
        .await
        .unwrap()
        .expect("a draft");
    assert_eq!(draft.body, "Sorry, the wrong answer.");

    let (status, second) = post(
        &gw,
        &ann_token,
        &format!("/tickets/{ticket}/replies"),
        json!({"body": "A new kettle is on its way."}),
    )
    .await;
    assert_eq!(status, 202, "{second}");
    let second_id = second["message_id"].as_i64().unwrap();
    // The hold is in the database: it outlives the process.
    gw.restart().await;
    let inbox = eventually("the reply left alone arrives", 15 * SECOND, || async {
        let inbox = customer_inbox(&stack).await;
        (!inbox.is_empty()).then_some(inbox)
    })
    .await;
    let arrived = chrono::Utc::now();
    let until =
        chrono::DateTime::parse_from_rfc3339(second["undo_until"].as_str().unwrap()).unwrap();
    assert!(arrived >= until, "not before the window ended");
    let text = String::from_utf8_lossy(&inbox[0]).to_string();
    assert!(text.contains("A new kettle is on its way."), "{text}");
    let (status, late) = post(
        &gw,
        &ann_token,
        &format!("/messages/{second_id}/undo"),
        json!({}),
    )
    .await;
    assert_eq!(status, 409, "{late}");
    assert_eq!(late["error"]["code"], "already_sent");
    tokio::time::sleep(SECOND).await;
    let inbox = customer_inbox(&stack).await;
    assert_eq!(inbox.len(), 1, "only the reply left alone");
    assert!(
        !inbox
            .iter()
            .any(|m| String::from_utf8_lossy(m).contains("wrong answer")),
        "the reply taken back never went out"
    );
    gw.stop().await;
}

//! `POST tickets/{id}/replies`: queued with the agent's signature, from a
//! body or a template, and the reply service's refusals as 4xx.
use super::Api;
use super::changes::{SENDING_DOMAIN, agent, events, seed_ticket};
use postdesk::store::replies::TemplateRow;
use reqwest::Method;
use serde_json::json;

async fn stored_reply(api: &Api, message_id: i64) -> (String, Vec<u8>, i64) {
    sqlx::query_as(
        "SELECT m.body_text, s.raw, o.id FROM messages m
         JOIN message_sources s ON s.message_id = m.id JOIN outbox o ON o.message_id = m.id
         WHERE m.id = $1 AND m.direction = 'outbound'",
    )
    .bind(message_id)
    .fetch_one(api.store().pool())
    .await
    .expect("the reply, its source and its outbox row")
}

#[tokio::test]
async fn a_reply_is_queued_in_the_outbox_with_the_agents_signature() {
    let api = Api::start_with(SENDING_DOMAIN).await;
    let id = seed_ticket(&api, "Printer on fire").await;
    let (ann, token) = agent(&api, "ann@example.com", "Ann Agent\nExample Support").await;
    let attachment = json!({"filename": "steps.txt", "content_type": "text/plain",
        "content_base64": "VHVybiBpdCBvZmYu"});
    let body = json!({"body": "We are on our way.", "attachments": [attachment]});
    let path = format!("/api/v1/tickets/{id}/replies");
    let queued = api
        .call(Method::POST, &path, Some(&token), Some(&body))
        .await
        .expect(202);
    assert_eq!(queued["status"], "queued");
    let header_id = queued["header_message_id"].as_str().unwrap();
    assert!(header_id.ends_with("@example.com"), "{header_id}");
    let (text, raw, outbox) = stored_reply(&api, queued["message_id"].as_i64().unwrap()).await;
    assert_eq!(json!(outbox), queued["outbox_id"]);
    assert!(
        text.starts_with("We are on our way.\n\n-- \nAnn Agent\nExample Support"),
        "{text}"
    );
    let raw = String::from_utf8_lossy(&raw);
    assert!(
        raw.contains("Ann Agent"),
        "the sent source is signed: {raw}"
    );
    assert!(raw.contains("steps.txt"), "with the attachment");
    let replied: Vec<_> = events(&api, id)
        .await
        .into_iter()
        .filter(|e| e.0 == "replied")
        .collect();
    assert_eq!(replied.len(), 1);
    assert_eq!(replied[0].1, Some(ann));
    api.stop().await;
}

#[tokio::test]
async fn a_reply_shows_its_attachments_in_the_thread_and_a_delimited_signature_once() {
    let api = Api::start_with(SENDING_DOMAIN).await;
    let id = seed_ticket(&api, "Printer on fire").await;
    let (_, token) = agent(&api, "ann@example.com", "-- \nAnn Agent").await;
    let attachment = json!({"filename": "steps.txt", "content_type": "text/plain",
        "content_base64": "VHVybiBpdCBvZmYu"});
    let body = json!({"body": "Here are the steps.", "attachments": [attachment]});
    let path = format!("/api/v1/tickets/{id}/replies");
    let queued = api
        .call(Method::POST, &path, Some(&token), Some(&body))
        .await
        .expect(202);
    let (text, _, _) = stored_reply(&api, queued["message_id"].as_i64().unwrap()).await;
    assert_eq!(
        text, "Here are the steps.\n\n-- \nAnn Agent",
        "one delimiter"
    );
    let thread = api
        .call(
            Method::GET,
            &format!("/api/v1/tickets/{id}/messages"),
            Some(&token),
            None,
        )
        .await
        .expect(200);
    let sent = thread["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == queued["message_id"])
        .cloned()
        .unwrap_or_else(|| panic!("the reply in {thread}"));
    assert_eq!(sent["attachments"][0]["filename"], "steps.txt", "{sent}");
    assert_eq!(sent["attachments"][0]["size"], 12, "{sent}");
    api.stop().await;
}

#[tokio::test]
async fn a_requester_no_mail_can_carry_is_a_409_not_a_500() {
    let api = Api::start_with(SENDING_DOMAIN).await;
    let id = seed_ticket(&api, "Broken sender").await;
    let (_, token) = agent(&api, "ann@example.com", "").await;
    for (email, name) in [
        ("'carla' || char(0) || '@customer.example.net'", "'Carla'"),
        (
            "'carla@customer.example.net'",
            "'Car' || char(0) || 'la' || char(10) || 'Bcc: x@y.z'",
        ),
    ] {
        sqlx::query(&format!(
            "UPDATE contacts SET email = {email}, name = {name}"
        ))
        .execute(api.store().writer())
        .await
        .unwrap();
        let answer = api
            .call(
                Method::POST,
                &format!("/api/v1/tickets/{id}/replies"),
                Some(&token),
                Some(&json!({"body": "Hello"})),
            )
            .await;
        assert!(
            answer.status.as_u16() == 202 || answer.status.as_u16() == 409,
            "{email} / {name}: {} {}",
            answer.status,
            answer.body
        );
    }
    api.stop().await;
}

#[tokio::test]
async fn a_reply_from_a_template_renders_the_ticket_and_the_vars() {
    let api = Api::start_with(SENDING_DOMAIN).await;
    let id = seed_ticket(&api, "Order 1234").await;
    let short_id = api.get(&format!("/api/v1/tickets/{id}")).await.expect(200)["short_id"]
        .as_str()
        .unwrap()
        .to_string();
    for (name, subject) in [
        ("shipped", None),
        (
            "refund",
            Some("Refund for {{ ticket.subject }} ({{ vars.parcel }})"),
        ),
        ("blank", Some("  ")),
    ] {
        let template = TemplateRow {
            name: name.into(),
            subject: subject.map(String::from),
            body: "Hello {{ requester.name }}, parcel {{ vars.parcel }} is on its way.".into(),
            body_html: None,
        };
        api.store().put_template(&template).await.unwrap();
    }
    let mut subjects = Vec::new();
    for name in ["shipped", "refund", "blank"] {
        let body = json!({"template": name, "vars": {"parcel": "ES123"}});
        let queued = api
            .post(&format!("/api/v1/tickets/{id}/replies"), &body)
            .await
            .expect(202);
        let message = queued["message_id"].as_i64().unwrap();
        let (text, raw, _) = stored_reply(&api, message).await;
        assert_eq!(text, "Hello Carla Customer, parcel ES123 is on its way.");
        let subject: String = sqlx::query_scalar("SELECT subject FROM messages WHERE id = $1")
            .bind(message)
            .fetch_one(api.store().pool())
            .await
            .unwrap();
        let raw = String::from_utf8_lossy(&raw).to_string();
        assert!(raw.contains(&format!("Subject: {subject}\r\n")), "{raw}");
        subjects.push(subject);
    }
    // A template's own subject is sent as written, with the ticket's tag;
    // without one (or a blank one) it is the ticket's subject (`Re: ` once
    // the thread has mail: the seeded ticket starts with none).
    assert_eq!(
        subjects,
        [
            format!("Order 1234 [#{short_id}]"),
            format!("Refund for Order 1234 (ES123) [#{short_id}]"),
            format!("Re: Order 1234 [#{short_id}]"),
        ]
    );
    api.stop().await;
}

#[tokio::test]
async fn refused_replies_are_4xx_naming_the_field_and_queue_nothing() {
    let api = Api::start_with(SENDING_DOMAIN).await;
    let id = seed_ticket(&api, "Order 1234").await;
    let broken = TemplateRow {
        name: "broken".into(),
        subject: None,
        body: "Line one\n{{ vars.missing.deeper }}".into(),
        body_html: None,
    };
    api.store().put_template(&broken).await.unwrap();
    let blank = TemplateRow {
        name: "blank".into(),
        subject: None,
        body: "{% if false %}never{% endif %}  ".into(),
        body_html: None,
    };
    api.store().put_template(&blank).await.unwrap();
    let path = format!("/api/v1/tickets/{id}/replies");
    let cases = [
        (json!({"template": "nope"}), 409, "template"),
        // What is stored renders to nothing: the request is not at fault.
        (json!({"template": "blank"}), 409, "template"),
        (json!({"template": "broken"}), 422, "template"),
        (json!({"body": "hi", "template": "broken"}), 422, "template"),
        (json!({}), 422, "body"),
        (json!({"body": "   "}), 422, "body"),
        (json!({"body": "x".repeat(100_001)}), 422, "body"),
        (json!({"body": "hi", "vars": {"a": 1}}), 422, "vars"),
        (json!({"body": 5}), 400, "body"),
        (json!({"body": "hi", "cc": "x"}), 400, ""),
        (
            json!({"body": "hi", "attachments": [{"filename": "a", "content_type": "text/plain", "content_base64": "!!"}]}),
            422,
            "attachments[0].content_base64",
        ),
        (
            json!({"body": "hi", "attachments": [{"filename": "a", "content_type": "no type", "content_base64": "aGk="}]}),
            422,
            "attachments",
        ),
    ];
    for (body, status, field) in cases {
        let got = api.post(&path, &body).await;
        assert_eq!(got.status.as_u16(), status, "{body}: {}", got.text);
        if !field.is_empty() {
            assert_eq!(got.field(), field, "{body}");
        }
    }
    let unknown = api
        .post("/api/v1/tickets/999/replies", &json!({"body": "hi"}))
        .await;
    assert_eq!(
        (unknown.status.as_u16(), unknown.code()),
        (404, "not_found")
    );
    assert_eq!(api.store().count("outbox").await.unwrap(), 0);
    assert_eq!(api.store().count("messages").await.unwrap(), 0);
    api.stop().await;
}

#[tokio::test]
async fn without_an_email_domain_that_can_send_a_reply_is_409() {
    let api = Api::start().await;
    let id = seed_ticket(&api, "Nowhere to send from").await;
    let got = api
        .post(
            &format!("/api/v1/tickets/{id}/replies"),
            &json!({"body": "hi"}),
        )
        .await;
    assert_eq!(
        (got.status.as_u16(), got.field()),
        (409, "email_domain_id"),
        "{}",
        got.text
    );
    api.stop().await;
}

/// The collision check: a reply that names the newest message its agent
/// had seen is refused (409 `stale_ticket`, nothing queued) when another
/// agent replied or wrote a note since, and lists them; the agent's own
/// messages do not count, and naming the newest one sends.
#[tokio::test]
async fn a_reply_after_someone_elses_is_stopped_and_shown_them() {
    let api = Api::start_with(SENDING_DOMAIN).await;
    let id = seed_ticket(&api, "Door off its hinges").await;
    let (_, ann) = agent(&api, "ann@example.com", "Ann").await;
    let (_, bob) = agent(&api, "bob@example.com", "Bob").await;
    let path = format!("/api/v1/tickets/{id}/replies");
    let seen: i64 = sqlx::query_scalar("SELECT MAX(id) FROM messages WHERE ticket_id = $1")
        .bind(id)
        .fetch_one(api.store().pool())
        .await
        .unwrap();
    let send = |token: &str, text: &str, seen: i64| {
        let body = json!({"body": text, "seen_message_id": seen});
        let token = token.to_string();
        let path = path.clone();
        let api = &api;
        async move {
            api.call(Method::POST, &path, Some(&token), Some(&body))
                .await
        }
    };
    let first = send(&ann, "A carpenter comes on Monday.", seen)
        .await
        .expect(202);
    let notes = format!("/api/v1/tickets/{id}/notes");
    api.call(
        Method::POST,
        &notes,
        Some(&ann),
        Some(&json!({"body": "Monday, 9:00"})),
    )
    .await
    .expect(201);
    let queued_before = api.store().count("outbox").await.unwrap();
    let stale = send(&bob, "I will send someone.", seen).await;
    assert_eq!(stale.status, 409, "{}", stale.text);
    assert_eq!(stale.code(), "stale_ticket");
    let newer = stale.body["error"]["newer"].as_array().unwrap().clone();
    let kinds: Vec<&str> = newer.iter().map(|n| n["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["outbound", "note"], "{}", stale.text);
    assert_eq!(newer[0]["author"], "Agent ann@example.com");
    assert!(
        newer[0]["text"]
            .as_str()
            .unwrap()
            .starts_with("A carpenter comes on Monday.")
    );
    assert_eq!(newer[1]["text"], "Monday, 9:00");
    assert_eq!(
        api.store().count("outbox").await.unwrap(),
        queued_before,
        "nothing queued"
    );
    // Ann's own reply and note are not news to Ann.
    let newest = send(&ann, "Or Tuesday.", seen).await.expect(202);
    assert!(newest["message_id"].as_i64() > first["message_id"].as_i64());
    // Bob, having seen the newest message, sends.
    let newest = newest["message_id"].as_i64().unwrap();
    let sent = send(&bob, "I will send someone.", newest).await;
    assert_eq!(sent.status, 202, "{}", sent.text);
    api.stop().await;
}

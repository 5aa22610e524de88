//! `POST tickets`: an agent opens an outbound ticket; the first email is
//! queued through the reply service, or no ticket is left behind.
use super::Api;
use super::changes::{SENDING_DOMAIN, agent, events, exec};
use reqwest::Method;
use serde_json::{Value, json};

async fn domain_id(api: &Api) -> i64 {
    exec(
        api,
        "SELECT id FROM email_domains WHERE address = 'support@example.com'",
    )
    .await
}

fn opening(domain: i64) -> Value {
    json!({"subject": "Your order 1234", "email_domain_id": domain,
        "to": "Dana@Customer.Example.NET", "body": "Your parcel left today."})
}

#[tokio::test]
async fn an_agent_opens_a_ticket_and_its_first_email_is_queued_signed() {
    let api = Api::start_with(SENDING_DOMAIN).await;
    let domain = domain_id(&api).await;
    let team = exec(&api, "INSERT INTO teams (name, created_at) VALUES ('Sales', '2026-01-01T00:00:00Z') RETURNING id").await;
    exec(&api, "INSERT INTO custom_fields (key, label, field_type, created_at) VALUES ('order', 'Order', 'number', '2026-01-01T00:00:00Z') RETURNING id").await;
    let (ann, token) = agent(&api, "ann@example.com", "Ann from Sales").await;
    let mut body = opening(domain);
    let extra = json!({"assignee_id": ann, "team_ids": [team], "tags": ["outbound"],
        "fields": {"order": 1234}, "priority": "high"});
    body.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    let t = api
        .call(Method::POST, "/api/v1/tickets", Some(&token), Some(&body))
        .await
        .expect(201);
    assert_eq!(t["subject"], "Your order 1234");
    assert_eq!(t["status"], "open");
    assert_eq!(t["priority"], "high");
    assert_eq!(t["requester"]["email"], "dana@customer.example.net");
    assert_eq!(t["from_domain"], "customer.example.net");
    assert_eq!(t["email_domain_id"], domain);
    assert_eq!(t["created_by"], ann);
    assert_eq!(t["assignee"]["id"], ann);
    assert_eq!(t["teams"], json!([{"id": team, "name": "Sales"}]));
    assert_eq!(t["tags"], json!(["outbound"]));
    assert_eq!(t["fields"], json!({"order": 1234}));
    let id = t["id"].as_i64().unwrap();
    let kinds: Vec<(String, Option<i64>)> = events(&api, id)
        .await
        .into_iter()
        .map(|(k, a, _)| (k, a))
        .collect();
    assert_eq!(
        kinds,
        [
            ("created".to_string(), Some(ann)),
            ("replied".to_string(), Some(ann))
        ]
    );
    let (subject, text, to): (String, String, String) = sqlx::query_as(
        "SELECT m.subject, m.body_text, m.to_addrs FROM messages m JOIN outbox o ON o.message_id = m.id
         WHERE m.ticket_id = $1",
    )
    .bind(id)
    .fetch_one(api.store().pool())
    .await
    .expect("the first email, queued");
    assert_eq!(
        subject,
        format!("Your order 1234 [#{}]", t["short_id"].as_str().unwrap())
    );
    assert!(text.ends_with("-- \nAnn from Sales"), "{text}");
    assert!(to.contains("dana@customer.example.net"), "{to}");
    api.stop().await;
}

#[tokio::test]
async fn bad_input_is_4xx_naming_the_field_and_leaves_no_ticket() {
    let api = Api::start_with(SENDING_DOMAIN).await;
    let domain = domain_id(&api).await;
    let with = |key: &str, value: Value| {
        let mut b = opening(domain);
        b[key] = value;
        b
    };
    let without = |key: &str| {
        let mut b = opening(domain);
        b.as_object_mut().unwrap().remove(key);
        b
    };
    let cases = [
        (with("to", json!("not-an-address")), 422, "to"),
        (with("email_domain_id", json!(999)), 409, "email_domain_id"),
        (with("subject", json!("  ")), 422, "subject"),
        (with("subject", json!("s".repeat(501))), 422, "subject"),
        (without("body"), 422, "body"),
        (with("template", json!("no-such-template")), 422, "template"),
        (
            json!({"subject": "s", "email_domain_id": domain, "to": "a@example.com",
                   "template": "no-such-template"}),
            409,
            "template",
        ),
        (with("assignee_id", json!(999)), 409, "assignee_id"),
        (with("team_ids", json!([999])), 409, "team_ids"),
        (with("priority", json!("asap")), 422, "priority"),
        (with("fields", json!({"nope": 1})), 409, "fields.nope"),
        (with("tags", json!([""])), 422, "tags[0]"),
        (with("body", json!("x".repeat(100_001))), 422, "body"),
        (with("body", json!(" ")), 422, "body"),
        (without("subject"), 400, ""),
        (
            with("email_domain_id", json!("one")),
            400,
            "email_domain_id",
        ),
        (with("status", json!("open")), 400, ""),
    ];
    for (body, status, field) in cases {
        let got = api.post("/api/v1/tickets", &body).await;
        assert_eq!(got.status.as_u16(), status, "{body}: {}", got.text);
        if !field.is_empty() {
            assert_eq!(got.field(), field, "{body}");
        }
    }
    // Ticket and first email are one transaction: nothing stays behind,
    // not even the contact it made for the address.
    for table in ["tickets", "messages", "outbox", "ticket_events", "contacts"] {
        let left = api.store().count(table).await.unwrap();
        assert_eq!(left, 0, "{table}");
    }
    api.stop().await;
}

#[tokio::test]
async fn a_domain_that_cannot_send_is_refused() {
    let api = Api::start_with(SENDING_DOMAIN).await;
    let domain = domain_id(&api).await;
    exec(
        &api,
        &format!("UPDATE email_domains SET enabled = FALSE WHERE id = {domain} RETURNING id"),
    )
    .await;
    let got = api.post("/api/v1/tickets", &opening(domain)).await;
    assert_eq!(
        (got.status.as_u16(), got.field()),
        (409, "email_domain_id"),
        "{}",
        got.text
    );
    assert_eq!(api.store().count("tickets").await.unwrap(), 0);
    api.stop().await;
}

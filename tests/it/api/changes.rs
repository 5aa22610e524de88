//! `PATCH tickets/{id}`: attribute changes, the events they record, and the
//! 4xx answers to bad input. Also the fixtures the other `changes_*`
//! modules share (tickets, agents, teams, fields written with SQL).
use super::{ADMIN_TOKEN, Api};
use postdesk::domain::ShortId;
use reqwest::Method;
use serde_json::{Value, json};

/// An email domain that can send (to a port where nothing listens: the
/// outbox keeps what is queued).
pub const SENDING_DOMAIN: &str = r#"
[[email_domain]]
address = "support@example.com"
name = "Example Support"

[email_domain.smtp]
host = "127.0.0.1"
port = 9
tls = "none"
"#;

/// A ticket from carla@customer.example.net, opened as if by mail.
pub async fn seed_ticket(api: &Api, subject: &str) -> i64 {
    let pool = api.store().writer();
    let now = postdesk::store::now();
    let contact: i64 = sqlx::query_scalar(
        "INSERT INTO contacts (email, name, from_domain, created_at, updated_at)
         VALUES ('carla@customer.example.net', 'Carla Customer', 'customer.example.net', $1, $1)
         ON CONFLICT (email) DO UPDATE SET email = excluded.email RETURNING id",
    )
    .bind(now)
    .fetch_one(pool)
    .await
    .expect("contact");
    let short = ShortId::random(&mut rand::rng());
    sqlx::query_scalar(
        "INSERT INTO tickets (short_id, subject, status, priority, requester_id, from_domain,
            email_domain_id, created_at, updated_at, last_message_at)
         VALUES ($1, $2, 'open', 'normal', $3, 'customer.example.net',
            (SELECT MIN(id) FROM email_domains), $4, $4, $4) RETURNING id",
    )
    .bind(short.as_str())
    .bind(subject)
    .bind(contact)
    .bind(now)
    .fetch_one(pool)
    .await
    .expect("ticket")
}

/// An agent with a signature and a token acting for them: (agent id, token).
pub async fn agent(api: &Api, email: &str, signature: &str) -> (i64, String) {
    super::agent_with_token(api.store(), email, signature).await
}

pub async fn exec(api: &Api, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(api.store().writer())
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// (kind, agent_id, data) of a ticket's events, oldest first.
pub async fn events(api: &Api, ticket: i64) -> Vec<(String, Option<i64>, Value)> {
    let rows: Vec<(String, String, Option<i64>, String)> = sqlx::query_as(
        "SELECT kind, actor, agent_id, data FROM ticket_events WHERE ticket_id = $1 ORDER BY id",
    )
    .bind(ticket)
    .fetch_all(api.store().pool())
    .await
    .expect("events");
    rows.into_iter()
        .map(|(kind, actor, agent, data)| {
            assert_eq!(actor, "agent", "{kind} is by an agent");
            (
                kind,
                agent,
                serde_json::from_str(&data).expect("event JSON"),
            )
        })
        .collect()
}

pub async fn patch_as(api: &Api, token: &str, path: &str, body: Value) -> super::Answer {
    api.call(Method::PATCH, path, Some(token), Some(&body))
        .await
}

#[tokio::test]
async fn status_priority_assignee_and_description_changes_are_events_by_the_agent() {
    let api = Api::start().await;
    let id = seed_ticket(&api, "Printer on fire").await;
    let (ann, token) = agent(&api, "ann@example.com", "").await;
    let (bob, _) = agent(&api, "bob@example.com", "").await;
    let path = format!("/api/v1/tickets/{id}");
    let change = json!({"status": "resolved", "priority": "high", "assignee_id": bob,
        "description": "Fire brigade called."});
    let got = patch_as(&api, &token, &path, change.clone())
        .await
        .expect(200);
    assert_eq!(got["status"], "resolved");
    assert_eq!(got["priority"], "high");
    assert_eq!(got["assignee"]["id"], bob);
    assert_eq!(got["description"], "Fire brigade called.");
    let resolved_at = |api: &Api| {
        let pool = api.store().pool().clone();
        async move {
            sqlx::query_scalar::<_, Option<String>>("SELECT resolved_at FROM tickets WHERE id = $1")
                .bind(id)
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    assert!(resolved_at(&api).await.is_some());
    let kinds = events(&api, id).await;
    let expected = [
        ("status_changed", json!({"from": "open", "to": "resolved"})),
        ("priority_changed", json!({"from": "normal", "to": "high"})),
        ("assigned", json!({"from": null, "to": bob})),
        (
            "description_changed",
            json!({"from": "", "to": "Fire brigade called."}),
        ),
    ];
    assert_eq!(kinds.len(), expected.len(), "{kinds:?}");
    for ((kind, by, data), (want_kind, want_data)) in kinds.iter().zip(expected) {
        assert_eq!((kind.as_str(), *by), (want_kind, Some(ann)));
        assert_eq!(data, &want_data, "{kind}");
    }

    let again = patch_as(&api, &token, &path, change).await.expect(200);
    assert_eq!(
        events(&api, id).await.len(),
        4,
        "no-op changes record nothing"
    );
    assert_eq!(
        again["updated_at"], got["updated_at"],
        "nor bump updated_at"
    );

    let reopened = patch_as(
        &api,
        &token,
        &path,
        json!({"status": "open", "assignee_id": null}),
    )
    .await
    .expect(200);
    assert_eq!(reopened["status"], "open");
    assert!(reopened["assignee"].is_null());
    assert_ne!(reopened["updated_at"], got["updated_at"]);
    assert_eq!(
        resolved_at(&api).await,
        None,
        "reopening clears resolved_at"
    );
    let kinds: Vec<String> = events(&api, id).await.into_iter().map(|e| e.0).collect();
    assert_eq!(&kinds[4..], ["status_changed", "unassigned"]);
    api.stop().await;
}

#[tokio::test]
async fn teams_tags_topic_and_fields_replace_their_sets_and_record_the_difference() {
    let api = Api::start().await;
    let id = seed_ticket(&api, "Invoice wrong").await;
    let now = "'2026-01-01T00:00:00Z'";
    let sales = exec(
        &api,
        &format!("INSERT INTO teams (name, created_at) VALUES ('Sales', {now}) RETURNING id"),
    )
    .await;
    let billing = exec(
        &api,
        &format!("INSERT INTO teams (name, created_at) VALUES ('Billing', {now}) RETURNING id"),
    )
    .await;
    exec(&api, &format!("INSERT INTO custom_fields (key, label, field_type, options, created_at) VALUES ('plan', 'Plan', 'select', '[\"gold\",\"silver\"]', {now}) RETURNING id")).await;
    exec(&api, &format!("INSERT INTO custom_fields (key, label, field_type, created_at) VALUES ('seats', 'Seats', 'number', {now}) RETURNING id")).await;
    let path = format!("/api/v1/tickets/{id}");
    let first = json!({"team_ids": [sales], "tags": ["vip", " billing "], "topic": "Refunds",
        "fields": {"plan": "gold", "seats": 3}});
    let got = api.patch(&path, &first).await.expect(200);
    assert_eq!(got["teams"], json!([{"id": sales, "name": "Sales"}]));
    assert_eq!(got["tags"], json!(["billing", "vip"]));
    assert_eq!(got["topic"]["name"], "Refunds");
    assert_eq!(got["fields"], json!({"plan": "gold", "seats": 3}));

    let second = json!({"team_ids": [billing], "tags": ["vip", "urgent"], "fields": {"plan": null},
        "topic_id": got["topic"]["id"]});
    let got = api.patch(&path, &second).await.expect(200);
    assert_eq!(got["teams"], json!([{"id": billing, "name": "Billing"}]));
    assert_eq!(got["tags"], json!(["urgent", "vip"]));
    assert_eq!(got["fields"], json!({"seats": 3}));
    let all = events(&api, id).await;
    let later: Vec<(&str, &Value)> = all[5..].iter().map(|(k, _, d)| (k.as_str(), d)).collect();
    assert_eq!(
        later,
        [
            (
                "teams_changed",
                &json!({"added": [billing], "removed": [sales]})
            ),
            (
                "tags_changed",
                &json!({"added": ["urgent"], "removed": ["billing"]})
            ),
            (
                "field_changed",
                &json!({"key": "plan", "from": "gold", "to": null})
            ),
        ],
        "the same topic again is no change: {all:?}"
    );
    assert_eq!(all[0].1, None, "an admin token acting for no agent");
    let tags = exec(&api, "SELECT COUNT(*) FROM tags").await;
    assert_eq!(tags, 3, "unknown tags were created once each");
    api.stop().await;
}

#[tokio::test]
async fn invalid_values_are_422_naming_the_field_and_change_nothing() {
    let api = Api::start().await;
    let id = seed_ticket(&api, "Broken").await;
    let (gone, _) = agent(&api, "gone@example.com", "").await;
    exec(
        &api,
        &format!("UPDATE agents SET active = FALSE WHERE id = {gone} RETURNING id"),
    )
    .await;
    exec(&api, "INSERT INTO custom_fields (key, label, field_type, options, created_at) VALUES ('plan', 'Plan', 'select', '[\"gold\"]', '2026-01-01T00:00:00Z') RETURNING id").await;
    // Values the document can describe are 422; names of records that do
    // not exist (or cannot be used) are 409, as what is stored decides.
    let (bad, missing, unusable) = ("invalid_value", "invalid_reference", "conflict");
    let cases = [
        (json!({"status": "overdue"}), "status", bad),
        (json!({"status": "closed"}), "status", bad),
        (json!({"priority": "asap"}), "priority", bad),
        (json!({"assignee_id": 999}), "assignee_id", missing),
        (json!({"assignee_id": gone}), "assignee_id", unusable),
        (json!({"team_ids": [999]}), "team_ids", missing),
        (json!({"topic_id": 999}), "topic_id", missing),
        (json!({"topic_id": 1, "topic": "Both"}), "topic", bad),
        (json!({"topic": "  "}), "topic", bad),
        (json!({"tags": ["ok", ""]}), "tags[1]", bad),
        (json!({"tags": ["x".repeat(201)]}), "tags[0]", bad),
        (json!({"fields": {"nope": 1}}), "fields.nope", missing),
        (json!({"fields": {"plan": "bronze"}}), "fields.plan", bad),
        (
            json!({"description": "d".repeat(10_001)}),
            "description",
            bad,
        ),
        (json!({"email_domain_id": 999}), "email_domain_id", missing),
    ];
    let path = format!("/api/v1/tickets/{id}");
    for (body, field, code) in cases {
        let got = api.patch(&path, &body).await;
        let status = if code == bad { 422 } else { 409 };
        assert_eq!(got.status, status, "{body}: {}", got.text);
        assert_eq!((got.code(), got.field()), (code, field), "{body}");
    }
    assert!(events(&api, id).await.is_empty());
    api.stop().await;
}

#[tokio::test]
async fn unreadable_bodies_are_400_empty_ones_change_nothing_and_unknown_tickets_404() {
    let api = Api::start().await;
    let id = seed_ticket(&api, "Hello").await;
    let path = format!("/api/v1/tickets/{id}");
    let before = api.get(&path).await.expect(200);
    assert_eq!(api.patch(&path, &json!({})).await.expect(200), before);
    let missing = api.patch("/api/v1/tickets/424242", &json!({})).await;
    assert_eq!(missing.status, 404, "{}", missing.text);
    let cases = [
        (json!({"colour": "red"}), ""),
        (json!({"status": 5}), "status"),
        (json!({"team_ids": "all"}), "team_ids"),
        (json!({"assignee_id": "bob"}), "assignee_id"),
        (json!({"fields": [1]}), "fields"),
        (json!([1, 2]), ""),
    ];
    for (body, field) in cases {
        let got = api.patch(&path, &body).await;
        assert_eq!(got.status, 400, "{body}: {}", got.text);
        assert_eq!(got.code(), "bad_request");
        if !field.is_empty() {
            assert_eq!(got.field(), field, "{body}");
        }
    }
    let broken = reqwest::Client::new()
        .patch(format!("{}{path}", api.base))
        .bearer_auth(ADMIN_TOKEN)
        .header("content-type", "application/json")
        .body("{\"status\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(broken.status(), 400);
    let missing = api
        .patch("/api/v1/tickets/999", &json!({"priority": "high"}))
        .await;
    assert_eq!(
        (missing.status.as_u16(), missing.code()),
        (404, "not_found")
    );
    let bad_id = api
        .patch("/api/v1/tickets/x", &json!({"priority": "high"}))
        .await;
    assert_eq!(bad_id.status, 400);
    api.stop().await;
}

#[tokio::test]
async fn the_openapi_document_lists_the_ticket_changes() {
    let api = Api::start().await;
    let doc = api.get("/api/v1/openapi.json").await.expect(200);
    let paths = &doc["paths"];
    let one = &paths["/api/v1/tickets/{id}"];
    for method in ["get", "patch", "delete"] {
        assert!(one[method].is_object(), "{method} tickets/{{id}}: {one}");
    }
    assert!(paths["/api/v1/tickets"]["post"].is_object());
    assert!(paths["/api/v1/tickets/bulk-delete"]["post"].is_object());
    assert!(paths["/api/v1/tickets/{id}/replies"]["post"].is_object());
    assert!(paths["/api/v1/tickets/{id}/notes"]["post"].is_object());
    assert!(paths["/api/v1/notes/{id}"]["patch"].is_object());
    assert!(paths["/api/v1/notes/{id}"]["delete"].is_object());
    api.stop().await;
}

#[tokio::test]
async fn an_agent_setting_the_status_stops_the_clock_so_a_reopened_ticket_is_not_overdue() {
    let api = Api::start().await;
    let id = seed_ticket(&api, "Late answer").await;
    let (_, token) = agent(&api, "ann@example.com", "").await;
    let hour_ago = postdesk::store::now() - chrono::Duration::hours(1);
    sqlx::query("UPDATE tickets SET due_at = $1 WHERE id = $2")
        .bind(hour_ago)
        .bind(id)
        .execute(api.store().writer())
        .await
        .expect("a deadline in the past");
    let path = format!("/api/v1/tickets/{id}");
    for status in ["resolved", "open"] {
        patch_as(&api, &token, &path, json!({ "status": status }))
            .await
            .expect(200);
    }
    let now = postdesk::store::now();
    let flipped = postdesk::service::sla::mark_overdue(api.store(), now)
        .await
        .expect("mark overdue");
    assert_eq!(flipped, 0);
    let got = api.get(&path).await.expect(200);
    assert_eq!(got["status"], "open");
    assert_eq!(got["due_at"], serde_json::Value::Null);
}

//! `DELETE tickets/{id}` and `POST tickets/bulk-delete`: admins only; a
//! ticket goes with everything hanging off it.
use super::Api;
use super::changes::{SENDING_DOMAIN, agent, exec, seed_ticket};
use reqwest::Method;
use serde_json::json;

/// Rows of `table` that belong to ticket `id` (through `via`).
async fn rows_of(api: &Api, table: &str, via: &str, id: i64) -> i64 {
    let sql = format!("SELECT COUNT(*) FROM {table} WHERE {via}");
    sqlx::query_scalar(&sql)
        .bind(id)
        .fetch_one(api.store().pool())
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

const OF_MESSAGES: &str = "message_id IN (SELECT id FROM messages WHERE ticket_id = $1)";

#[tokio::test]
async fn an_admin_deletes_a_ticket_with_its_messages_notes_events_and_outbox() {
    let api = Api::start_with(SENDING_DOMAIN).await;
    let id = seed_ticket(&api, "Delete me").await;
    let keep = seed_ticket(&api, "Keep me").await;
    for t in [id, keep] {
        api.post(
            &format!("/api/v1/tickets/{t}/replies"),
            &json!({"body": "Hello"}),
        )
        .await
        .expect(202);
        api.post(
            &format!("/api/v1/tickets/{t}/notes"),
            &json!({"body": "Note"}),
        )
        .await
        .expect(201);
        api.patch(&format!("/api/v1/tickets/{t}"), &json!({"tags": ["x"]}))
            .await
            .expect(200);
    }
    let blob =
        "INSERT INTO attachment_blobs (sha256, size, data) VALUES ('abc', 1, x'00') RETURNING size";
    exec(&api, blob).await;
    let piece =
        "INSERT INTO attachment_chunks (sha256, seq, data) VALUES ('abc', 1, x'01') RETURNING seq";
    exec(&api, piece).await;
    let attach = format!(
        "INSERT INTO attachments (message_id, blob_sha256, content_type, size)
        SELECT id, 'abc', 'text/plain', 1 FROM messages WHERE ticket_id = {id} RETURNING id"
    );
    exec(&api, &attach).await;
    let record = format!("INSERT INTO ingest_records (source, source_key, outcome, ticket_id, stored_message_id, created_at)
        SELECT 'import', 'sha256:x', 'created', {id}, id, '2026-01-01T00:00:00Z' FROM messages WHERE ticket_id = {id} RETURNING id");
    let record = exec(&api, &record).await;

    assert_eq!(
        api.delete(&format!("/api/v1/tickets/{id}")).await.status,
        204
    );
    let owned = [
        ("tickets", "id = $1"),
        ("messages", "ticket_id = $1"),
        ("notes", "ticket_id = $1"),
        ("ticket_events", "ticket_id = $1"),
        ("ticket_tags", "ticket_id = $1"),
        ("outbox", OF_MESSAGES),
        ("message_sources", OF_MESSAGES),
        ("attachments", OF_MESSAGES),
    ];
    for (table, via) in owned {
        assert_eq!(
            rows_of(&api, table, via, id).await,
            0,
            "{table} of the deleted ticket"
        );
        if table != "attachments" {
            assert!(
                rows_of(&api, table, via, keep).await > 0,
                "{table} of the other ticket"
            );
        }
    }
    assert_eq!(
        api.store().count("attachment_blobs").await.unwrap(),
        0,
        "unused bytes go"
    );
    assert_eq!(
        api.store().count("attachment_chunks").await.unwrap(),
        0,
        "with their pieces"
    );
    let kept: (Option<i64>, Option<i64>) =
        sqlx::query_as("SELECT ticket_id, stored_message_id FROM ingest_records WHERE id = $1")
            .bind(record)
            .fetch_one(api.store().pool())
            .await
            .unwrap();
    assert_eq!(kept, (None, None), "the ingest record stays, unlinked");
    assert_eq!(api.get(&format!("/api/v1/tickets/{id}")).await.status, 404);
    assert_eq!(
        api.delete(&format!("/api/v1/tickets/{id}")).await.status,
        404
    );
    api.stop().await;
}

#[tokio::test]
async fn agents_may_not_delete_tickets() {
    let api = Api::start().await;
    let id = seed_ticket(&api, "Mine").await;
    let (_, token) = agent(&api, "ann@example.com", "").await;
    let one = api
        .call(
            Method::DELETE,
            &format!("/api/v1/tickets/{id}"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!((one.status.as_u16(), one.code()), (403, "forbidden"));
    let bulk = api
        .call(
            Method::POST,
            "/api/v1/tickets/bulk-delete",
            Some(&token),
            Some(&json!({"ids": [id]})),
        )
        .await;
    assert_eq!(bulk.status, 403);
    assert_eq!(api.store().count("tickets").await.unwrap(), 1);
    api.stop().await;
}

#[tokio::test]
async fn bulk_delete_counts_what_it_deleted_and_checks_its_ids() {
    let api = Api::start().await;
    let a = seed_ticket(&api, "A").await;
    let b = seed_ticket(&api, "B").await;
    let c = seed_ticket(&api, "C").await;
    let got = api
        .post(
            "/api/v1/tickets/bulk-delete",
            &json!({"ids": [a, b, a, 999]}),
        )
        .await
        .expect(200);
    assert_eq!(got, json!({"deleted": 2}));
    let left: Vec<i64> = sqlx::query_scalar("SELECT id FROM tickets")
        .fetch_all(api.store().pool())
        .await
        .unwrap();
    assert_eq!(left, [c]);
    let too_many: Vec<i64> = (1..=1001).collect();
    let cases = [
        (json!({"ids": []}), 422, "ids"),
        (json!({"ids": too_many}), 422, "ids"),
        (json!({"ids": ["x"]}), 400, "ids[0]"),
        (json!({"ids": 5}), 400, "ids"),
        (json!({}), 400, ""),
    ];
    for (body, status, field) in cases {
        let got = api.post("/api/v1/tickets/bulk-delete", &body).await;
        assert_eq!(got.status.as_u16(), status, "{body}: {}", got.text);
        if !field.is_empty() {
            assert_eq!(got.field(), field, "{body}");
        }
    }
    assert_eq!(api.store().count("tickets").await.unwrap(), 1);
    api.stop().await;
}

/// (message id, outbox id) of a reply queued on ticket `t`.
async fn reply_ids(api: &Api, t: i64) -> (i64, i64) {
    let q = api
        .post(
            &format!("/api/v1/tickets/{t}/replies"),
            &json!({"body": "Hi"}),
        )
        .await
        .expect(202);
    (
        q["message_id"].as_i64().unwrap(),
        q["outbox_id"].as_i64().unwrap(),
    )
}

#[tokio::test]
async fn a_deleted_tickets_ids_are_never_given_again() {
    let api = Api::start_with(SENDING_DOMAIN).await;
    let gone = seed_ticket(&api, "The newest, deleted").await;
    let (gone_message, gone_outbox) = reply_ids(&api, gone).await;
    assert_eq!(
        api.delete(&format!("/api/v1/tickets/{gone}")).await.status,
        204
    );
    let next = seed_ticket(&api, "Another customer").await;
    let (message, outbox) = reply_ids(&api, next).await;
    assert!(next > gone, "ticket {next} after deleted {gone}");
    assert!(
        message > gone_message,
        "message {message} after deleted {gone_message}"
    );
    assert!(
        outbox > gone_outbox,
        "outbox row {outbox} after deleted {gone_outbox}"
    );
    assert_eq!(
        api.get(&format!("/api/v1/tickets/{gone}")).await.status,
        404
    );
    api.stop().await;
}

//! Internal notes: written, edited and deleted by their author (or an
//! admin), never emailed.
use super::Api;
use super::changes::{SENDING_DOMAIN, agent, patch_as, seed_ticket};
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn a_note_carries_its_author_and_never_reaches_the_outbox() {
    let api = Api::start_with(SENDING_DOMAIN).await;
    let id = seed_ticket(&api, "Printer on fire").await;
    let (ann, token) = agent(&api, "ann@example.com", "Ann").await;
    let body = json!({"body": "Customer is on the premium plan."});
    let path = format!("/api/v1/tickets/{id}/notes");
    let note = api
        .call(Method::POST, &path, Some(&token), Some(&body))
        .await
        .expect(201);
    assert_eq!(note["ticket_id"], id);
    assert_eq!(
        note["author"],
        json!({"id": ann, "name": "Agent ann@example.com"})
    );
    assert_eq!(note["body"], "Customer is on the premium plan.");
    assert_eq!(note["colour"], "yellow");
    assert_eq!(note["edited"], false);
    assert!(note["created_at"].as_str().is_some_and(|t| t.contains('T')));
    let red = api
        .call(
            Method::POST,
            &path,
            Some(&token),
            Some(&json!({"body": "Careful", "colour": "red"})),
        )
        .await
        .expect(201);
    assert_eq!(red["colour"], "red");
    for table in ["outbox", "messages"] {
        assert_eq!(api.store().count(table).await.unwrap(), 0, "{table}");
    }
    assert_eq!(api.store().count("notes").await.unwrap(), 2);
    api.stop().await;
}

#[tokio::test]
async fn only_the_author_or_an_admin_may_edit_or_delete_a_note() {
    let api = Api::start().await;
    let id = seed_ticket(&api, "Refund").await;
    let (_, ann) = agent(&api, "ann@example.com", "").await;
    let (_, bob) = agent(&api, "bob@example.com", "").await;
    let note = api
        .call(
            Method::POST,
            &format!("/api/v1/tickets/{id}/notes"),
            Some(&ann),
            Some(&json!({"body": "Draft"})),
        )
        .await
        .expect(201);
    let path = format!("/api/v1/notes/{}", note["id"]);
    let by_bob = patch_as(&api, &bob, &path, json!({"body": "Mine now"})).await;
    assert_eq!((by_bob.status.as_u16(), by_bob.code()), (403, "forbidden"));
    let bob_deletes = api.call(Method::DELETE, &path, Some(&bob), None).await;
    assert_eq!(bob_deletes.status, 403);

    let edited = patch_as(
        &api,
        &ann,
        &path,
        json!({"body": "Final", "colour": "blue"}),
    )
    .await
    .expect(200);
    assert_eq!(
        (&edited["body"], &edited["colour"]),
        (&json!("Final"), &json!("blue"))
    );
    assert_eq!(edited["edited"], true);
    assert_eq!(edited["author"], note["author"], "editing keeps the author");
    let by_admin = api
        .patch(&path, &json!({"colour": "green"}))
        .await
        .expect(200);
    assert_eq!(
        (&by_admin["body"], &by_admin["colour"]),
        (&json!("Final"), &json!("green"))
    );

    assert_eq!(api.delete(&path).await.status, 204);
    assert_eq!(api.store().count("notes").await.unwrap(), 0);
    let gone = patch_as(&api, &ann, &path, json!({"body": "again"})).await;
    assert_eq!(gone.status, 404);
    assert_eq!(
        api.call(Method::DELETE, &path, Some(&ann), None)
            .await
            .status,
        404
    );

    let own = api
        .call(
            Method::POST,
            &format!("/api/v1/tickets/{id}/notes"),
            Some(&ann),
            Some(&json!({"body": "Mine"})),
        )
        .await
        .expect(201);
    let own_path = format!("/api/v1/notes/{}", own["id"]);
    assert_eq!(
        api.call(Method::DELETE, &own_path, Some(&ann), None)
            .await
            .status,
        204,
        "the author may delete"
    );
    api.stop().await;
}

#[tokio::test]
async fn bad_notes_are_4xx_naming_the_field() {
    let api = Api::start().await;
    let id = seed_ticket(&api, "Refund").await;
    let path = format!("/api/v1/tickets/{id}/notes");
    let cases = [
        (json!({"body": "  "}), 422, "body"),
        (json!({"body": "x".repeat(100_001)}), 422, "body"),
        (json!({"body": "ok", "colour": "pink"}), 422, "colour"),
        (json!({"body": 5}), 400, "body"),
        (json!({"colour": "red"}), 400, ""),
        (json!({"body": "ok", "pinned": true}), 400, ""),
    ];
    for (body, status, field) in cases {
        let got = api.post(&path, &body).await;
        assert_eq!(got.status.as_u16(), status, "{body}: {}", got.text);
        if !field.is_empty() {
            assert_eq!(got.field(), field, "{body}");
        }
    }
    let longest = api.post(&path, &json!({"body": "x".repeat(100_000)})).await;
    assert_eq!(longest.status, 201, "100,000 characters are allowed");
    let note_path = format!("/api/v1/notes/{}", longest.body["id"]);
    let untouched = api.patch(&note_path, &json!({})).await.expect(200);
    assert_eq!(untouched["edited"], false, "nothing asked, nothing edited");
    assert_eq!(
        api.patch(&note_path, &json!({"colour": "teal"}))
            .await
            .field(),
        "colour"
    );
    let missing = api
        .post("/api/v1/tickets/999/notes", &json!({"body": "hi"}))
        .await;
    assert_eq!(
        (missing.status.as_u16(), missing.code()),
        (404, "not_found")
    );
    assert_eq!(
        api.patch("/api/v1/notes/999", &json!({"body": "x"}))
            .await
            .status,
        404
    );
    assert_eq!(api.delete("/api/v1/notes/999").await.status, 404);
    assert_eq!(api.store().count("notes").await.unwrap(), 1);
    api.stop().await;
}

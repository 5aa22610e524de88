//! `bans` over HTTP, and a ban made there stopping the very next mail.
use super::Api;
use super::settings::{created, refused};
use postdesk::ingest::{Incoming, Ingestor, Limits, Outcome, Source};
use serde_json::{Value, json};

async fn ingest(api: &Api, from: &str, message_id: &str) -> Outcome {
    let ingestor = Ingestor::new(api.store().clone(), Limits::default())
        .await
        .expect("ingestor");
    let raw = crate::support::mail(from, "Hello", message_id, "", "Anyone there?");
    let mut out = ingestor
        .ingest(vec![Incoming {
            source: Source::Import,
            raw,
        }])
        .await
        .expect("ingest");
    out.remove(0).outcome
}

#[tokio::test]
async fn bans_are_created_normalised_changed_and_lifted() {
    let api = Api::start().await;
    let ban = api
        .post(
            "/api/v1/bans",
            &json!({"pattern": " @Spam.Example ", "reason": "abuse", "expires_at": "2099-01-01T00:00:00+02:00"}),
        )
        .await
        .expect(201);
    assert_eq!(ban["pattern"], "@spam.example");
    assert_eq!(ban["reason"], "abuse");
    assert_eq!(ban["expires_at"], "2098-12-31T22:00:00.000000Z");
    assert_eq!(ban["hits"], 0);
    assert_eq!(ban["active"], true);
    let path = format!("/api/v1/bans/{}", ban["id"]);
    let forever = api
        .patch(&path, &json!({"expires_at": null}))
        .await
        .expect(200);
    assert_eq!(forever["expires_at"], Value::Null);
    assert_eq!(forever["reason"], "abuse", "left out, kept");
    let past = api
        .patch(&path, &json!({"expires_at": "2001-01-01T00:00:00Z"}))
        .await
        .expect(200);
    assert_eq!(past["active"], false);
    let list = api.get("/api/v1/bans").await.expect(200);
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(api.delete(&path).await.status, 204);
    refused(&api.get(&path).await, 404, "not_found", "");
    refused(&api.delete(&path).await, 404, "not_found", "");
    api.stop().await;
}

#[tokio::test]
async fn bad_bans_get_the_right_4xx_naming_the_field() {
    let api = Api::start().await;
    created(
        api.post("/api/v1/bans", &json!({"pattern": "eve@example.com"}))
            .await,
    );
    let cases = [
        (json!({"pattern": "EVE@example.com"}), 409, "pattern"),
        (json!({"pattern": "example.com"}), 422, "pattern"),
        (json!({"pattern": "@"}), 422, "pattern"),
        (json!({"pattern": "a b@example.com"}), 422, "pattern"),
        (
            json!({"pattern": "@x.test", "expires_at": "tomorrow"}),
            422,
            "expires_at",
        ),
        (
            json!({"pattern": "@x.test", "reason": "r".repeat(1001)}),
            422,
            "reason",
        ),
        (
            json!({"pattern": "@x.test", "expires_at": 5}),
            400,
            "expires_at",
        ),
    ];
    for (body, status, field) in cases {
        let got = api.post("/api/v1/bans", &body).await;
        assert_eq!(got.status.as_u16(), status, "{body}: {}", got.text);
        assert_eq!(got.field(), field, "{body}: {}", got.text);
    }
    let read_only = api
        .post("/api/v1/bans", &json!({"pattern": "@x.test", "hits": 5}))
        .await;
    assert_eq!(read_only.status, 400, "{}", read_only.text);
    assert!(read_only.text.contains("hits"), "{}", read_only.text);
    refused(
        &api.patch("/api/v1/bans/404", &json!({"reason": "x"})).await,
        404,
        "not_found",
        "",
    );
    api.stop().await;
}

#[tokio::test]
async fn a_ban_made_over_the_api_refuses_the_next_mail_and_counts_it() {
    let api = Api::start().await;
    assert_eq!(
        ingest(&api, "mallory@spam.example", "before@spam.example").await,
        Outcome::Created
    );
    let ban = created(
        api.post(
            "/api/v1/bans",
            &json!({"pattern": "@spam.example", "reason": "spam"}),
        )
        .await,
    );
    assert_eq!(
        ingest(&api, "mallory@mail.spam.example", "after@spam.example").await,
        Outcome::Banned
    );
    let path = format!("/api/v1/bans/{ban}");
    assert_eq!(api.get(&path).await.expect(200)["hits"], 1);
    assert_eq!(api.store().count("tickets").await.unwrap(), 1);
    assert_eq!(api.delete(&path).await.status, 204);
    assert_eq!(
        ingest(&api, "mallory@spam.example", "lifted@spam.example").await,
        Outcome::Created,
        "a lifted ban no longer applies"
    );
    api.stop().await;
}

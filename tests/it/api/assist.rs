//! `POST tickets/{id}/assist` against a small OpenAI-compatible server the
//! test starts: a draft rewritten or translated, the model and key sent,
//! and every failure a clear answer (404 without `[assist]`, 502 when the
//! assistant fails or is too slow, 422 for a translation into nothing).
use super::Api;
use crate::assistant::Assistant;
use serde_json::json;

async fn a_ticket(api: &Api) -> i64 {
    let raw = crate::support::mail(
        "jo@customer.example",
        "Lamp",
        "as1@customer.example",
        "",
        "Hi",
    );
    crate::support::imported_ticket(api.store(), raw).await
}

#[tokio::test]
async fn without_an_assistant_assist_is_disabled() {
    let api = Api::start().await;
    let id = a_ticket(&api).await;
    let off = api
        .post(
            &format!("/api/v1/tickets/{id}/assist"),
            &json!({"text": "hello", "action": "rewrite"}),
        )
        .await;
    assert_eq!(
        (off.status.as_u16(), off.code()),
        (404, "assist_disabled"),
        "{}",
        off.text
    );
    api.stop().await;
}

#[tokio::test]
async fn a_draft_is_rewritten_or_translated_and_failures_are_clear() {
    let assistant = Assistant::default();
    let api = Api::start_with(&assistant.config(1).await).await;
    let id = a_ticket(&api).await;
    let path = format!("/api/v1/tickets/{id}/assist");

    let rewritten = api
        .post(
            &path,
            &json!({"text": "ur parcel is coming", "action": "rewrite"}),
        )
        .await
        .expect(200);
    assert_eq!(rewritten, json!({"text": "Rewritten: ur parcel is coming"}));
    let (auth, body) = assistant.seen.lock().unwrap()[0].clone();
    assert_eq!(auth, "Bearer sk-test");
    assert_eq!(body["model"], "test-model");
    assert_eq!(
        body["messages"][1],
        json!({"role": "user", "content": "ur parcel is coming"})
    );
    let translated = api
        .post(
            &path,
            &json!({"text": "Your parcel is coming.", "action": "translate", "language": "German"}),
        )
        .await
        .expect(200);
    assert_eq!(translated["text"], "GERMAN: Your parcel is coming.");

    let failed = api
        .post(&path, &json!({"text": "fail", "action": "rewrite"}))
        .await;
    assert_eq!(
        (failed.status.as_u16(), failed.code()),
        (502, "assist_failed")
    );
    assert!(
        failed.text.contains("answered 500") && failed.text.contains("model overloaded"),
        "{}",
        failed.text
    );
    let started = std::time::Instant::now();
    let slow = api
        .post(&path, &json!({"text": "slow", "action": "rewrite"}))
        .await;
    assert_eq!(slow.status.as_u16(), 502);
    assert!(
        slow.text.contains("did not answer within 1 s"),
        "{}",
        slow.text
    );
    assert!(
        started.elapsed() < std::time::Duration::from_millis(2500),
        "the timeout held"
    );

    for (body, status, field) in [
        (
            json!({"text": "hi", "action": "translate"}),
            422,
            "language",
        ),
        (json!({"text": "  ", "action": "rewrite"}), 422, "text"),
        (json!({"text": "hi", "action": "summarise"}), 422, "action"),
    ] {
        let answer = api.post(&path, &body).await;
        assert_eq!(
            (answer.status.as_u16(), answer.field()),
            (status, field),
            "{body}: {}",
            answer.text
        );
    }
    let missing = api
        .post(
            "/api/v1/tickets/999999/assist",
            &json!({"text": "hi", "action": "rewrite"}),
        )
        .await;
    assert_eq!(missing.status.as_u16(), 404);
    assert_eq!(
        assistant.seen.lock().unwrap().len(),
        4,
        "refused requests never reached the assistant"
    );
    api.stop().await;
}

//! The webhook dispatcher driven step by step: its place in the event log
//! survives a restart, so no event is fanned out twice or missed.
use super::hooks::Receiver;
use crate::support::{TestDb, mail};
use postdesk::service::webhooks::WebhookSettings;
use postdesk::service::webhooks::dispatch::Dispatcher;
use postdesk::store::webhooks::NewWebhook;
use std::time::Duration;

fn settings() -> WebhookSettings {
    WebhookSettings {
        retry_base: Duration::from_millis(10),
        ..WebhookSettings::default()
    }
}

fn question(n: u32) -> Vec<u8> {
    let id = format!("q{n}@customer.example");
    mail(
        "ann@customer.example",
        &format!("Question {n}"),
        &id,
        "",
        "Hello?",
    )
}

#[tokio::test]
async fn a_restarted_dispatcher_sends_each_event_once_and_misses_none() {
    let db = TestDb::new().await;
    db.ingest_one(&question(1)).await; // before any webhook: not sent
    let (receiver, url) = Receiver::start(&[]).await;
    let hook = NewWebhook {
        url,
        secret: "a-secret-of-enough-length".into(),
        events: Vec::new(),
        enabled: true,
    };
    db.store.create_webhook(&hook).await.unwrap();
    let first = Dispatcher::new(db.store.clone(), settings()).unwrap();
    assert_eq!(first.fan_out().await.unwrap(), 0);
    db.ingest_one(&question(2)).await;
    assert_eq!(first.fan_out().await.unwrap(), 1);
    drop(first);

    let again = Dispatcher::new(db.store.clone(), settings()).unwrap();
    assert_eq!(again.fan_out().await.unwrap(), 0, "already fanned out");
    db.ingest_one(&question(3)).await;
    assert_eq!(
        again.step().await.unwrap(),
        2,
        "both waiting deliveries sent"
    );
    assert_eq!(again.deliver_due().await.unwrap(), 0);
    let subjects: Vec<String> = receiver
        .seen()
        .iter()
        .map(|s| {
            let body: serde_json::Value = serde_json::from_slice(&s.body).unwrap();
            body["ticket"]["subject"].as_str().unwrap().to_string()
        })
        .collect();
    let mut sorted = subjects.clone();
    sorted.sort();
    assert_eq!(sorted, ["Question 2", "Question 3"], "{subjects:?}");
}

#[tokio::test]
async fn a_disabled_webhook_hears_nothing() {
    let db = TestDb::new().await;
    let hook = NewWebhook {
        url: "http://127.0.0.1:9/".into(),
        secret: "a-secret-of-enough-length".into(),
        events: Vec::new(),
        enabled: false,
    };
    db.store.create_webhook(&hook).await.unwrap();
    let dispatcher = Dispatcher::new(db.store.clone(), settings()).unwrap();
    db.ingest_one(&question(1)).await;
    assert_eq!(dispatcher.step().await.unwrap(), 0);
    assert_eq!(db.store.count("webhook_deliveries").await.unwrap(), 0);
}

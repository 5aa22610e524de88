//! The webhook dispatcher driven step by step: its place in the event log
//! survives a restart, so no event is fanned out twice or missed.
use super::hooks::Receiver;
use crate::support::{TestDb, mail};
use postdesk::service::webhooks::WebhookSettings;
use postdesk::service::webhooks::dispatch::Dispatcher;
use postdesk::service::webhooks::targets::Targets;
use postdesk::store::webhooks::NewWebhook;
use std::sync::Arc;
use std::time::Duration;

/// The receivers listen on loopback, which only an allow list opens.
fn settings() -> WebhookSettings {
    WebhookSettings {
        retry_base: Duration::from_millis(10),
        allow_targets: Arc::new(Targets::parse(&["127.0.0.1".into()]).unwrap()),
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

/// A webhook aimed at a private address (stored before the allow list
/// changed, or by name) is never sent to: the delivery fails with the
/// reason and the target sees nothing, so it can answer nothing either.
#[tokio::test]
async fn a_private_target_outside_the_allow_list_gets_no_request() {
    let db = TestDb::new().await;
    let (receiver, url) = Receiver::start(&[]).await;
    let by_name = url.replace("127.0.0.1", "localhost");
    for url in [url, by_name] {
        let hook = NewWebhook {
            url,
            secret: "a-secret-of-enough-length".into(),
            events: Vec::new(),
            enabled: true,
        };
        db.store.create_webhook(&hook).await.unwrap();
    }
    let strict = WebhookSettings {
        max_attempts: 1,
        ..WebhookSettings::default()
    };
    let dispatcher = Dispatcher::new(db.store.clone(), strict).unwrap();
    dispatcher.fan_out().await.unwrap();
    db.ingest_one(&question(1)).await;
    assert_eq!(dispatcher.step().await.unwrap(), 2);
    for hook in db.store.webhooks().await.unwrap() {
        let rows = db.store.webhook_deliveries(hook.id, 10).await.unwrap();
        assert_eq!(rows[0].status, "failed", "{rows:?}");
        assert_eq!(rows[0].response_code, None);
        let error = rows[0].last_error.as_deref().unwrap_or_default();
        assert!(error.contains("webhooks.allow_targets"), "{error}");
    }
    assert!(receiver.seen().is_empty(), "{:?}", receiver.seen());
}

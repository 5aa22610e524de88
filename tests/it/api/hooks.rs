//! Webhooks: the admin endpoints, and deliveries to a receiver started here.
use super::Api;
use crate::harness::eventually;
use crate::support::mail;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use hmac::{Hmac, Mac};
use postdesk::domain::{Role, Status};
use postdesk::ingest::{Incoming, Ingestor, Limits, Source};
use reqwest::Method;
use serde_json::{Value, json};
use sha2::Sha256;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Fast retries, so a test sees several attempts within a second.
pub const FAST: &str = "[webhooks]\nretry_base = \"50ms\"\nretry_max = \"200ms\"\npoll_interval = \"50ms\"\nmax_attempts = 4\nallow_targets = [\"127.0.0.1\"]\n";
const SECRET: &str = "a-secret-of-enough-length";
const WAIT: Duration = Duration::from_secs(10);

/// One request the receiver got.
#[derive(Debug, Clone)]
pub struct Seen {
    pub event: String,
    pub delivery: String,
    pub signature: String,
    pub body: Vec<u8>,
}

/// An HTTP receiver on port 0 that records every request and answers with
/// the statuses of its script, then 200.
#[derive(Clone, Default)]
pub struct Receiver {
    seen: Arc<Mutex<Vec<Seen>>>,
    script: Arc<Mutex<VecDeque<u16>>>,
}

impl Receiver {
    pub async fn start(script: &[u16]) -> (Receiver, String) {
        let receiver = Receiver::default();
        receiver.script.lock().unwrap().extend(script);
        let app = axum::Router::new()
            .route("/hook", axum::routing::post(record))
            .with_state(receiver.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        (receiver, url)
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    /// Waits for at least `n` requests.
    pub async fn wait_for(&self, n: usize) -> Vec<Seen> {
        eventually(&format!("{n} webhook requests"), WAIT, || async {
            let seen = self.seen();
            (seen.len() >= n).then_some(seen)
        })
        .await
    }
}

async fn record(
    State(r): State<Receiver>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> StatusCode {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    r.seen.lock().unwrap().push(Seen {
        event: header("x-postdesk-event"),
        delivery: header("x-postdesk-delivery"),
        signature: header("x-postdesk-signature"),
        body: body.to_vec(),
    });
    let code = r.script.lock().unwrap().pop_front().unwrap_or(200);
    StatusCode::from_u16(code).unwrap()
}

pub fn hmac_hex(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    format!(
        "sha256={}",
        data_encoding::HEXLOWER.encode(&mac.finalize().into_bytes())
    )
}

/// Mail in, as the poller would store it: opens a ticket (`created`).
pub async fn ingest(api: &Api, raw: Vec<u8>) -> i64 {
    let ingestor = Ingestor::new(api.store().clone(), Limits::default())
        .await
        .unwrap();
    let inputs = vec![Incoming {
        source: Source::Import,
        raw,
    }];
    ingestor.ingest(inputs).await.unwrap()[0]
        .ticket_id
        .expect("a ticket")
}

fn question() -> Vec<u8> {
    mail(
        "Ann <ann@customer.example>",
        "Printer on fire",
        "q1@customer.example",
        "",
        "Help!",
    )
}

fn follow_up() -> Vec<u8> {
    mail(
        "Ann <ann@customer.example>",
        "Re: Printer on fire",
        "q1-2@customer.example",
        "In-Reply-To: <q1@customer.example>\r\n",
        "Still burning.",
    )
}

async fn create(api: &Api, url: &str, events: &[&str]) -> Value {
    api.post(
        "/api/v1/webhooks",
        &json!({"url": url, "secret": SECRET, "events": events}),
    )
    .await
    .expect(201)
}

#[tokio::test]
async fn a_delivery_is_signed_with_the_webhook_secret() {
    let api = Api::start_with(FAST).await;
    let (receiver, url) = Receiver::start(&[]).await;
    let hook = create(&api, &url, &["ticket.created"]).await;
    assert_eq!(hook["secret"], SECRET);
    let ticket = ingest(&api, question()).await;

    let seen = receiver.wait_for(1).await.remove(0);
    assert_eq!(seen.event, "ticket.created");
    assert_eq!(seen.signature, hmac_hex(SECRET, &seen.body));
    assert_ne!(
        seen.signature,
        hmac_hex("another secret entirely", &seen.body)
    );
    let body: Value = serde_json::from_slice(&seen.body).unwrap();
    assert_eq!(body["event"], "ticket.created");
    assert_eq!(body["ticket"]["id"], ticket);
    assert_eq!(body["ticket"]["subject"], "Printer on fire");
    assert_eq!(body["ticket"]["requester_email"], "ann@customer.example");
    assert_eq!(body["ticket"]["status"], "open");
    assert!(body["event_id"].as_i64().unwrap() > 0);
    assert!(body["occurred_at"].is_string());

    let path = format!("/api/v1/webhooks/{}/deliveries", hook["id"]);
    let list = eventually("the delivery recorded", WAIT, || async {
        let list = api.get(&path).await.expect(200);
        (list["items"][0]["status"] == "delivered").then_some(list)
    })
    .await;
    let d = &list["items"][0];
    assert_eq!(d["id"].to_string(), seen.delivery);
    assert_eq!(
        (d["attempts"].as_i64(), d["response_code"].as_i64()),
        (Some(1), Some(200))
    );
    assert_eq!(d["event"], "ticket.created");
    api.stop().await;
}

#[tokio::test]
async fn a_receiver_failing_twice_gets_the_delivery_on_the_third_attempt() {
    let api = Api::start_with(FAST).await;
    let (receiver, url) = Receiver::start(&[500, 500]).await;
    let hook = create(&api, &url, &[]).await;
    ingest(&api, question()).await;

    let seen = receiver.wait_for(3).await;
    assert!(
        seen.iter()
            .all(|s| s.delivery == seen[0].delivery && s.body == seen[0].body)
    );
    let path = format!("/api/v1/webhooks/{}/deliveries", hook["id"]);
    let d = eventually("delivered on the third attempt", WAIT, || async {
        let list = api.get(&path).await.expect(200);
        let d = list["items"][0].clone();
        (d["status"] == "delivered").then_some(d)
    })
    .await;
    assert_eq!(d["attempts"], 3);
    assert_eq!(receiver.seen().len(), 3, "nothing sent after delivery");
    api.stop().await;
}

#[tokio::test]
async fn a_delivery_that_keeps_failing_is_given_up_with_the_last_error() {
    let api = Api::start_with(FAST).await;
    let (receiver, url) = Receiver::start(&[503; 10]).await;
    let hook = create(&api, &url, &["ticket.created"]).await;
    ingest(&api, question()).await;

    let path = format!("/api/v1/webhooks/{}/deliveries", hook["id"]);
    let d = eventually("the delivery given up", WAIT, || async {
        let list = api.get(&path).await.expect(200);
        let d = list["items"][0].clone();
        (d["status"] == "failed").then_some(d)
    })
    .await;
    assert_eq!(d["attempts"], 4);
    assert_eq!(d["response_code"], 503);
    let error = d["last_error"].as_str().unwrap();
    assert!(
        error.starts_with("gave up after 4 attempts: HTTP 503"),
        "{error}"
    );
    assert_eq!(receiver.seen().len(), 4);
    api.stop().await;
}

#[tokio::test]
async fn customer_replies_and_reopenings_reach_the_webhooks_that_want_them() {
    let api = Api::start_with(FAST).await;
    let (receiver, url) = Receiver::start(&[]).await;
    create(&api, &url, &["ticket.replied", "ticket.reopened"]).await;
    let ticket = ingest(&api, question()).await;
    api.store()
        .set_status(ticket, Status::Resolved)
        .await
        .unwrap();
    ingest(&api, follow_up()).await;

    let seen = receiver.wait_for(2).await;
    let mut events: Vec<&str> = seen.iter().map(|s| s.event.as_str()).collect();
    events.sort_unstable();
    assert_eq!(
        events,
        ["ticket.reopened", "ticket.replied"],
        "no ticket.created"
    );
    api.stop().await;
}

#[tokio::test]
async fn agents_get_403_on_every_webhook_endpoint() {
    let api = Api::start().await;
    let hook = create(&api, "https://hooks.example.com/in", &[]).await;
    let agent = api.token(Role::Agent, Some("ann@example.com")).await;
    let one = format!("/api/v1/webhooks/{}", hook["id"]);
    let calls = [
        (Method::GET, "/api/v1/webhooks".to_string(), None),
        (
            Method::POST,
            "/api/v1/webhooks".into(),
            Some(json!({"url": "https://x.example/"})),
        ),
        (Method::GET, one.clone(), None),
        (Method::PATCH, one.clone(), Some(json!({"enabled": false}))),
        (Method::DELETE, one.clone(), None),
        (Method::GET, format!("{one}/deliveries"), None),
    ];
    for (method, path, body) in calls {
        let got = api
            .call(method.clone(), &path, Some(&agent), body.as_ref())
            .await;
        assert_eq!(got.status, 403, "{method} {path}: {}", got.text);
        assert_eq!(got.code(), "forbidden");
    }
    api.get(&one).await.expect(200);
    api.stop().await;
}

#[tokio::test]
async fn webhooks_are_managed_and_their_secret_is_shown_only_at_creation() {
    let api = Api::start().await;
    let made = api
        .post(
            "/api/v1/webhooks",
            &json!({"url": "https://hooks.example.com/in"}),
        )
        .await
        .expect(201);
    let secret = made["secret"].as_str().unwrap();
    assert!(
        secret.starts_with("whsec_") && secret.len() > 30,
        "{secret}"
    );
    assert_eq!(made["events"], json!([]));
    assert_eq!(made["enabled"], true);
    let one = format!("/api/v1/webhooks/{}", made["id"]);

    let got = api.get(&one).await;
    assert!(!got.text.contains(secret), "{}", got.text);
    let listed = api.get("/api/v1/webhooks").await.expect(200);
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    assert!(!listed.to_string().contains(secret));

    let changed = api
        .patch(
            &one,
            &json!({"events": ["ticket.resolved", "ticket.created"], "enabled": false}),
        )
        .await
        .expect(200);
    assert_eq!(
        changed["events"],
        json!(["ticket.created", "ticket.resolved"])
    );
    assert_eq!(changed["enabled"], false);
    assert_eq!(changed["url"], "https://hooks.example.com/in");

    api.delete(&one).await.expect(204);
    assert_eq!(api.get(&one).await.code(), "not_found");
    assert_eq!(api.delete(&one).await.status, 404);
    assert_eq!(api.get("/api/v1/webhooks/999/deliveries").await.status, 404);
    api.stop().await;
}

#[tokio::test]
async fn bad_values_are_422_naming_the_field_and_bad_types_400() {
    let api = Api::start().await;
    let cases = [
        (json!({"url": "ftp://files.example.com/"}), "url"),
        (json!({"url": "not a url"}), "url"),
        (
            json!({"url": "https://x.example/", "events": ["ticket.deleted"]}),
            "events",
        ),
        (
            json!({"url": "https://x.example/", "secret": "short"}),
            "secret",
        ),
    ];
    // Hosts the configuration does not allow are refused as such (403).
    for url in [
        "http://169.254.169.254/latest/",
        "http://127.0.0.1:8080/api",
        "http://localhost/",
    ] {
        let got = api.post("/api/v1/webhooks", &json!({"url": url})).await;
        assert_eq!(got.status, 403, "{url}: {}", got.text);
        assert_eq!((got.code(), got.field()), ("forbidden_target", "url"));
    }
    for (body, field) in cases {
        let got = api.post("/api/v1/webhooks", &body).await;
        assert_eq!(got.status, 422, "{body}: {}", got.text);
        assert_eq!(
            (got.code(), got.field()),
            ("invalid_value", field),
            "{body}"
        );
    }
    let events = api
        .post(
            "/api/v1/webhooks",
            &json!({"url": "https://x.example/", "events": ["ticket.deleted"]}),
        )
        .await;
    assert!(events.text.contains("ticket.deleted"), "{}", events.text);
    let typed = api.post("/api/v1/webhooks", &json!({"url": 5})).await;
    assert_eq!((typed.status.as_u16(), typed.field()), (400, "url"));
    let made = create(&api, "https://x.example/", &[]).await;
    let one = format!("/api/v1/webhooks/{}", made["id"]);
    let patch = api.patch(&one, &json!({"url": "gopher://x"})).await;
    assert_eq!((patch.status.as_u16(), patch.field()), (422, "url"));
    let limit = api.get(&format!("{one}/deliveries?limit=0")).await;
    assert_eq!((limit.status.as_u16(), limit.field()), (422, "limit"));
    assert_eq!(
        api.call(Method::GET, "/api/v1/webhooks", Some("pd_wrong"), None)
            .await
            .status,
        401
    );
    api.stop().await;
}

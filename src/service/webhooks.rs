//! Webhooks: what happens to tickets, POSTed as signed JSON to URLs an
//! admin registers. The rules are here (which ticket events become which
//! webhook events, how a body is signed, what a valid URL is); the
//! [`dispatch::Dispatcher`] moves events into deliveries and sends them.
pub mod dispatch;
pub mod targets;

use crate::domain::Invalid;
use hmac::{Hmac, Mac};
use rand::RngCore;
use serde_json::Value;
use sha2::Sha256;
use std::time::Duration;

/// Longest webhook URL accepted.
pub const MAX_URL_CHARS: usize = 2048;
/// Bounds of a secret given by the admin.
pub const MIN_SECRET_CHARS: usize = 16;
pub const MAX_SECRET_CHARS: usize = 256;

/// What a webhook can subscribe to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum WebhookEvent {
    Created,
    Replied,
    Assigned,
    Resolved,
    Reopened,
}

impl WebhookEvent {
    pub const ALL: [WebhookEvent; 5] = [
        WebhookEvent::Created,
        WebhookEvent::Replied,
        WebhookEvent::Assigned,
        WebhookEvent::Resolved,
        WebhookEvent::Reopened,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            WebhookEvent::Created => "ticket.created",
            WebhookEvent::Replied => "ticket.replied",
            WebhookEvent::Assigned => "ticket.assigned",
            WebhookEvent::Resolved => "ticket.resolved",
            WebhookEvent::Reopened => "ticket.reopened",
        }
    }

    pub fn parse(s: &str) -> Result<Self, Invalid> {
        Self::ALL
            .into_iter()
            .find(|e| e.as_str() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = Self::ALL.iter().map(|e| e.as_str()).collect();
                Invalid(format!("{s:?} is not an event ({})", names.join(", ")))
            })
    }
}

/// The webhook events one ticket event stands for. `replied` (an agent's
/// answer) and `customer_replied` are replies; ingest's `reopened` is the
/// customer's reply that reopened the ticket, so it is a reply too, and a
/// reopening when the ticket had been resolved (not when it was pending).
pub fn events_for(kind: &str, actor: &str, data: &Value) -> Vec<WebhookEvent> {
    let from = data["from"].as_str().unwrap_or_default();
    let to = data["to"].as_str().unwrap_or_default();
    match kind {
        "created" => vec![WebhookEvent::Created],
        "replied" | "customer_replied" => vec![WebhookEvent::Replied],
        "assigned" => vec![WebhookEvent::Assigned],
        "reopened" => {
            let mut events = Vec::new();
            if from == "resolved" {
                events.push(WebhookEvent::Reopened);
            }
            if actor == "customer" {
                events.push(WebhookEvent::Replied);
            }
            events
        }
        "status_changed" if to == "resolved" && from != "resolved" => {
            vec![WebhookEvent::Resolved]
        }
        "status_changed" if from == "resolved" && to != "resolved" => {
            vec![WebhookEvent::Reopened]
        }
        _ => Vec::new(),
    }
}

/// Whether a webhook subscribed to `events` (by name; none means all)
/// wants `event`.
pub fn wants(events: &[String], event: WebhookEvent) -> bool {
    events.is_empty() || events.iter().any(|e| e == event.as_str())
}

/// `sha256=<hex HMAC-SHA256 of body under secret>`: the
/// `X-Postdesk-Signature` header.
pub fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
    mac.update(body);
    format!(
        "sha256={}",
        data_encoding::HEXLOWER.encode(&mac.finalize().into_bytes())
    )
}

/// A fresh secret: `whsec_` and 48 hex characters.
pub fn generate_secret() -> String {
    let mut bytes = [0u8; 24];
    rand::rng().fill_bytes(&mut bytes);
    format!("whsec_{}", data_encoding::HEXLOWER.encode(&bytes))
}

/// Why a webhook URL is not taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UrlError {
    /// Not an absolute http(s) URL with a host.
    Malformed(String),
    /// A host the configuration (`[webhooks] allow_targets`) does not
    /// permit.
    Refused(String),
}

impl UrlError {
    pub fn message(&self) -> &str {
        match self {
            UrlError::Malformed(m) | UrlError::Refused(m) => m,
        }
    }
}

/// An absolute http(s) URL with a host that `targets` permits as far as
/// that shows without DNS, normalised.
pub fn parse_url(text: &str, targets: &targets::Targets) -> Result<String, UrlError> {
    let text = text.trim();
    if text.chars().count() > MAX_URL_CHARS {
        return Err(UrlError::Malformed(format!(
            "the URL is longer than {MAX_URL_CHARS} characters"
        )));
    }
    let url = reqwest::Url::parse(text)
        .map_err(|e| UrlError::Malformed(format!("{text:?} is not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(UrlError::Malformed(format!(
            "the URL must start with http:// or https://, not {}:",
            url.scheme()
        )));
    }
    let host = url.host_str().unwrap_or_default();
    if host.is_empty() {
        return Err(UrlError::Malformed("the URL has no host".into()));
    }
    if let Some(refused) = targets.refuse_host(host) {
        return Err(UrlError::Refused(refused));
    }
    Ok(url.to_string())
}

/// A secret the admin chose.
pub fn check_secret(secret: &str) -> Result<(), Invalid> {
    let n = secret.chars().count();
    if !(MIN_SECRET_CHARS..=MAX_SECRET_CHARS).contains(&n) {
        return Err(Invalid(format!(
            "the secret must be {MIN_SECRET_CHARS} to {MAX_SECRET_CHARS} characters long"
        )));
    }
    Ok(())
}

/// Event names, checked, without repeats, in the order of [`WebhookEvent::ALL`].
pub fn parse_events(names: &[String]) -> Result<Vec<String>, Invalid> {
    let mut events = names
        .iter()
        .map(|n| WebhookEvent::parse(n.trim()))
        .collect::<Result<Vec<_>, _>>()?;
    events.sort_unstable();
    events.dedup();
    Ok(events.iter().map(|e| e.as_str().to_string()).collect())
}

/// How deliveries are sent and retried (`[webhooks]` in the config).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookSettings {
    /// Attempts before a delivery is given up as failed.
    pub max_attempts: u32,
    /// Wait after the first failed attempt; doubled per attempt, ±20 % jitter.
    pub retry_base: Duration,
    /// Longest wait between attempts.
    pub retry_max: Duration,
    /// A whole request (connect, send, answer) may take this long.
    pub timeout: Duration,
    /// How often new ticket events are looked for.
    pub poll_interval: Duration,
    /// What may be targeted besides public addresses.
    pub allow_targets: std::sync::Arc<targets::Targets>,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        Self {
            max_attempts: 8,
            retry_base: Duration::from_secs(30),
            retry_max: Duration::from_secs(3600),
            timeout: Duration::from_secs(10),
            poll_interval: Duration::from_secs(2),
            allow_targets: Default::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use WebhookEvent::*;
    use serde_json::json;

    #[test]
    fn ticket_events_map_to_webhook_events() {
        let cases: [(&str, &str, Value, &[WebhookEvent]); 10] = [
            ("created", "customer", json!({"via": "email"}), &[Created]),
            ("replied", "agent", json!({}), &[Replied]),
            ("customer_replied", "customer", json!({}), &[Replied]),
            ("acknowledged", "system", json!({}), &[]),
            (
                "assigned",
                "agent",
                json!({"from": null, "to": 3}),
                &[Assigned],
            ),
            (
                "reopened",
                "customer",
                json!({"from": "resolved", "to": "open"}),
                &[Reopened, Replied],
            ),
            (
                "reopened",
                "customer",
                json!({"from": "pending", "to": "open"}),
                &[Replied],
            ),
            (
                "status_changed",
                "agent",
                json!({"from": "open", "to": "resolved"}),
                &[Resolved],
            ),
            (
                "status_changed",
                "agent",
                json!({"from": "resolved", "to": "pending"}),
                &[Reopened],
            ),
            (
                "status_changed",
                "system",
                json!({"from": "overdue", "to": "open"}),
                &[],
            ),
        ];
        for (kind, actor, data, expected) in cases {
            assert_eq!(events_for(kind, actor, &data), expected, "{kind} {data}");
        }
    }

    #[test]
    fn the_signature_is_the_hmac_of_the_exact_body() {
        // RFC 4231 test case 2.
        let sig = sign("Jefe", b"what do ya want for nothing?");
        assert_eq!(
            sig,
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert_ne!(sign("Jefe", b"what do ya want for nothing? "), sig);
    }

    #[test]
    fn urls_must_be_absolute_http_with_a_public_or_allowed_host() {
        let none = targets::Targets::default();
        let parse_url = |text: &str| parse_url(text, &none);
        assert_eq!(
            parse_url(" https://hooks.example.com/in?x=1 ").unwrap(),
            "https://hooks.example.com/in?x=1"
        );
        for bad in [
            "ftp://example.com/",
            "example.com/hook",
            "https://",
            "mailto:a@b.c",
            "",
            "http://127.0.0.1:9000",
            "http://localhost:9000/",
            "http://169.254.169.254/latest/meta-data/",
            "http://[::1]/",
        ] {
            assert!(parse_url(bad).is_err(), "{bad:?} should be refused");
        }
        let long = format!("https://example.com/{}", "a".repeat(MAX_URL_CHARS));
        assert!(parse_url(&long).unwrap_err().message().contains("2048"));
        assert!(matches!(
            parse_url("http://localhost:9000/"),
            Err(UrlError::Refused(_))
        ));
        let loopback = targets::Targets::parse(&["127.0.0.1".into()]).unwrap();
        assert!(super::parse_url("http://127.0.0.1:9000", &loopback).is_ok());
    }

    #[test]
    fn events_are_checked_and_deduplicated_and_empty_means_all() {
        let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            parse_events(&names(&[
                "ticket.resolved",
                "ticket.created",
                "ticket.resolved"
            ]))
            .unwrap(),
            ["ticket.created", "ticket.resolved"]
        );
        let err = parse_events(&names(&["ticket.deleted"])).unwrap_err();
        assert!(err.0.contains("ticket.deleted"), "{err}");
        assert!(wants(&[], Assigned));
        assert!(!wants(&names(&["ticket.created"]), Assigned));
        assert!(generate_secret().starts_with("whsec_"));
        assert_ne!(generate_secret(), generate_secret());
        assert!(check_secret("short").is_err());
    }
}

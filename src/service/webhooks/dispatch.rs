//! The dispatcher: tails `ticket_events` by id and turns each event into
//! one delivery row per interested webhook (moving its persisted cursor in
//! the same transaction, so no event is fanned out twice or missed), then
//! POSTs due deliveries with their signature and records what happened:
//! 2xx is delivered, anything else is retried with backoff until
//! `max_attempts`, then failed with the last error.
use super::targets::{guarded_client, refuse_url};
use super::{WebhookSettings, events_for, sign, wants};
use crate::outbound::sender::backoff;
use crate::store::Store;
use crate::store::webhook_deliveries::{ClaimedDelivery, DeliveryResult};
use crate::store::webhooks::{self, EventRow, Listener, NewDelivery, TicketSummary};
use anyhow::Context;
use chrono::{DateTime, Utc};
use futures::StreamExt;
use std::time::Duration;
use tokio::sync::watch;

/// Ticket events read per fan-out transaction.
const FAN_OUT_BATCH: i64 = 500;
/// Deliveries claimed per round, and sent at once.
const DELIVERY_BATCH: i64 = 50;
const IN_FLIGHT: usize = 8;
/// After a store error, `run` tries again after this pause.
const ERROR_PAUSE: Duration = Duration::from_secs(5);
const MIN_PAUSE: Duration = Duration::from_millis(10);
/// Of an answer that is not 2xx, this much of the body goes into the error.
const ERROR_BODY_CHARS: usize = 200;

/// The JSON body of a delivery.
#[derive(serde::Serialize)]
struct Payload<'a> {
    event: &'static str,
    event_id: i64,
    #[serde(serialize_with = "crate::api::time::utc")]
    occurred_at: DateTime<Utc>,
    ticket: &'a TicketSummary,
}

/// What one POST came to, before the retry policy.
#[derive(Debug)]
enum Attempt {
    Delivered(u16),
    Refused { code: Option<u16>, error: String },
}

pub struct Dispatcher {
    store: Store,
    settings: WebhookSettings,
    client: reqwest::Client,
}

impl Dispatcher {
    pub fn new(store: Store, settings: WebhookSettings) -> anyhow::Result<Self> {
        anyhow::ensure!(
            settings.max_attempts >= 1,
            "max_attempts must be at least 1"
        );
        let client = guarded_client(
            settings.allow_targets.clone(),
            settings.timeout,
            concat!("Postdesk-Webhooks/", env!("CARGO_PKG_VERSION")),
        )
        .context("building the webhook HTTP client")?;
        Ok(Self {
            store,
            settings,
            client,
        })
    }

    /// Fans every ticket event after the cursor out into deliveries.
    /// Returns how many deliveries were queued.
    pub async fn fan_out(&self) -> anyhow::Result<usize> {
        if !self.store.webhook_events_waiting().await? {
            return Ok(0);
        }
        let mut queued = 0;
        loop {
            let (n, more) = self.fan_out_batch().await?;
            queued += n;
            if !more {
                return Ok(queued);
            }
        }
    }

    /// One transaction: (deliveries queued, whether events are left).
    async fn fan_out_batch(&self) -> anyhow::Result<(usize, bool)> {
        let now = crate::store::now();
        let mut tx = self.store.begin_write().await?;
        let cursor = webhooks::cursor(&mut tx).await?;
        let hooks = webhooks::enabled_webhooks(&mut tx).await?;
        if hooks.is_empty() {
            // Nobody listens: skip ahead, so a webhook made later hears
            // only of what happens after it.
            let last = webhooks::last_event_id(&mut tx).await?;
            if last > cursor {
                webhooks::set_cursor(&mut tx, last, now).await?;
                tx.commit().await?;
            }
            return Ok((0, false));
        }
        let events = webhooks::events_after(&mut tx, cursor, FAN_OUT_BATCH).await?;
        let Some(last) = events.last().map(|e| e.id) else {
            return Ok((0, false));
        };
        let rows = deliveries(&events, &hooks)?;
        webhooks::queue_deliveries(&mut tx, &rows, now).await?;
        webhooks::set_cursor(&mut tx, last, now).await?;
        tx.commit().await?;
        let more = i64::try_from(events.len()).unwrap_or(i64::MAX) >= FAN_OUT_BATCH;
        Ok((rows.len(), more))
    }

    /// One round: claims due deliveries, POSTs them and records every
    /// result. Returns how many were attempted.
    pub async fn deliver_due(&self) -> anyhow::Result<usize> {
        let lease = chrono::Duration::from_std(self.settings.timeout * 2 + Duration::from_secs(30))
            .context("the webhook timeout is too long")?;
        let claimed = self
            .store
            .claim_webhook_deliveries(DELIVERY_BATCH, lease)
            .await?;
        if claimed.is_empty() {
            return Ok(0);
        }
        let results: Vec<(ClaimedDelivery, DeliveryResult)> = futures::stream::iter(claimed)
            .map(|c| async move {
                let attempt = self.attempt(&c).await;
                let result = settle(attempt, c.attempts, &self.settings, crate::store::now());
                log_result(&c, &result);
                (c, result)
            })
            .buffer_unordered(IN_FLIGHT)
            .collect()
            .await;
        self.store.record_webhook_deliveries(&results).await?;
        Ok(results.len())
    }

    /// Fans out, then delivers what is due.
    pub async fn step(&self) -> anyhow::Result<usize> {
        self.fan_out().await?;
        self.deliver_due().await
    }

    /// Runs [`Dispatcher::step`] every `poll_interval` (sooner when a retry
    /// falls due) until `shutdown` turns true.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        loop {
            let pause = match self.step().await {
                Ok(_) => self.idle_time().await,
                Err(e) => {
                    tracing::error!(error = %format!("{e:#}"), "webhook dispatch failed");
                    ERROR_PAUSE
                }
            };
            tokio::select! {
                _ = shutdown.wait_for(|stop| *stop) => return,
                _ = tokio::time::sleep(pause) => {}
            }
        }
    }

    async fn idle_time(&self) -> Duration {
        let poll = self.settings.poll_interval;
        match self.store.next_webhook_due().await {
            Ok(Some(at)) => (at - crate::store::now())
                .to_std()
                .unwrap_or(Duration::ZERO)
                .clamp(MIN_PAUSE, poll.max(MIN_PAUSE)),
            _ => poll,
        }
    }

    async fn attempt(&self, c: &ClaimedDelivery) -> Attempt {
        if let Some(error) = refuse_url(&self.settings.allow_targets, &c.url) {
            return Attempt::Refused { code: None, error };
        }
        let sent = self
            .client
            .post(&c.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("X-Postdesk-Event", &c.event)
            .header("X-Postdesk-Delivery", c.id.to_string())
            .header(
                "X-Postdesk-Signature",
                sign(&c.secret, c.payload.as_bytes()),
            )
            .body(c.payload.clone())
            .send()
            .await;
        let mut response = match sent {
            Ok(r) => r,
            Err(e) => {
                return Attempt::Refused {
                    code: None,
                    error: format!("{:#}", anyhow::Error::from(e)),
                };
            }
        };
        let status = response.status();
        if status.is_success() {
            return Attempt::Delivered(status.as_u16());
        }
        let head = match response.chunk().await {
            Ok(Some(bytes)) => String::from_utf8_lossy(&bytes)
                .chars()
                .take(ERROR_BODY_CHARS)
                .collect::<String>(),
            _ => String::new(),
        };
        let error = format!("HTTP {status}: {}", head.trim());
        Attempt::Refused {
            code: Some(status.as_u16()),
            error: error.trim_end_matches([':', ' ']).to_string(),
        }
    }
}

/// One delivery per (event, webhook event, interested webhook); a webhook
/// is not told of what happened before it was made.
fn deliveries(events: &[EventRow], hooks: &[Listener]) -> anyhow::Result<Vec<NewDelivery>> {
    let mut rows = Vec::new();
    for e in events {
        let data: serde_json::Value = serde_json::from_str(&e.data).unwrap_or_default();
        for event in events_for(&e.kind, &e.actor, &data) {
            let interested: Vec<i64> = hooks
                .iter()
                .filter(|h| h.since <= e.created_at && wants(&h.events, event))
                .map(|h| h.id)
                .collect();
            if interested.is_empty() {
                continue;
            }
            let payload = serde_json::to_string(&Payload {
                event: event.as_str(),
                event_id: e.id,
                occurred_at: e.created_at,
                ticket: &e.ticket,
            })?;
            rows.extend(interested.into_iter().map(|webhook_id| NewDelivery {
                webhook_id,
                event_id: e.id,
                ticket_id: e.ticket.id,
                event: event.as_str(),
                payload: payload.clone(),
            }));
        }
    }
    Ok(rows)
}

/// The retry policy: `attempts` counts this one.
fn settle(
    attempt: Attempt,
    attempts: i64,
    settings: &WebhookSettings,
    now: DateTime<Utc>,
) -> DeliveryResult {
    let (code, error) = match attempt {
        Attempt::Delivered(code) => return DeliveryResult::Delivered { code },
        Attempt::Refused { code, error } => (code, error),
    };
    let attempts = u32::try_from(attempts.max(1)).unwrap_or(u32::MAX);
    if attempts >= settings.max_attempts {
        return DeliveryResult::Failed {
            code,
            error: format!("gave up after {attempts} attempts: {error}"),
        };
    }
    let wait =
        jitter(backoff(attempts, settings.retry_base, settings.retry_max)).min(settings.retry_max);
    let wait = chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::MAX);
    DeliveryResult::Retry {
        code,
        error,
        at: now
            .checked_add_signed(wait)
            .unwrap_or(DateTime::<Utc>::MAX_UTC),
    }
}

/// ±20 %, so deliveries that failed together do not retry together.
fn jitter(wait: Duration) -> Duration {
    let factor: f64 = rand::random_range(0.8..=1.2);
    Duration::try_from_secs_f64(wait.as_secs_f64() * factor).unwrap_or(wait)
}

fn log_result(c: &ClaimedDelivery, result: &DeliveryResult) {
    let (delivery, webhook) = (c.id, c.webhook_id);
    match result {
        DeliveryResult::Delivered { code } => {
            tracing::debug!(delivery, webhook, code, "webhook delivered")
        }
        DeliveryResult::Retry { error, at, .. } => {
            tracing::info!(delivery, webhook, %at, error, "webhook delivery deferred")
        }
        DeliveryResult::Failed { error, .. } => {
            tracing::warn!(delivery, webhook, error, "webhook delivery failed")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::webhooks::WebhookEvent;

    fn settings() -> WebhookSettings {
        WebhookSettings {
            max_attempts: 3,
            retry_base: Duration::from_secs(10),
            retry_max: Duration::from_secs(60),
            ..WebhookSettings::default()
        }
    }

    fn refused() -> Attempt {
        Attempt::Refused {
            code: Some(500),
            error: "HTTP 500 Internal Server Error".into(),
        }
    }

    #[test]
    fn a_refusal_is_retried_with_backoff_until_the_last_attempt() {
        let now = crate::store::now();
        match settle(refused(), 2, &settings(), now) {
            DeliveryResult::Retry { code, at, .. } => {
                assert_eq!(code, Some(500));
                let wait = (at - now).num_milliseconds();
                assert!((16_000..=24_000).contains(&wait), "{wait} ms: 20 s ± 20 %");
            }
            other => panic!("{other:?}"),
        }
        match settle(refused(), 3, &settings(), now) {
            DeliveryResult::Failed { error, .. } => {
                assert_eq!(
                    error,
                    "gave up after 3 attempts: HTTP 500 Internal Server Error"
                )
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            settle(Attempt::Delivered(204), 3, &settings(), now),
            DeliveryResult::Delivered { code: 204 }
        );
    }

    #[test]
    fn only_interested_webhooks_get_a_delivery_with_the_signed_body_shape() {
        let event = EventRow {
            id: 7,
            kind: "reopened".into(),
            actor: "customer".into(),
            data: r#"{"from":"resolved","to":"open"}"#.into(),
            created_at: crate::store::now(),
            ticket: TicketSummary {
                id: 3,
                short_id: "ABC234".into(),
                subject: "Help".into(),
                status: "open".into(),
                priority: "normal".into(),
                requester_email: "ann@example.com".into(),
                assignee_id: None,
            },
        };
        let listener = |id, events: &[WebhookEvent], since| Listener {
            id,
            events: events.iter().map(|e| e.as_str().to_string()).collect(),
            since,
        };
        let before = event.created_at - chrono::Duration::seconds(1);
        let after = event.created_at + chrono::Duration::seconds(1);
        let hooks = vec![
            listener(1, &[], before),
            listener(2, &[WebhookEvent::Created], before),
            listener(3, &[WebhookEvent::Reopened], before),
            listener(4, &[], after),
        ];
        let rows = deliveries(&[event], &hooks).unwrap();
        let got: Vec<(i64, &str)> = rows.iter().map(|r| (r.webhook_id, r.event)).collect();
        assert_eq!(
            got,
            [
                (1, "ticket.reopened"),
                (3, "ticket.reopened"),
                (1, "ticket.replied")
            ]
        );
        let body: serde_json::Value = serde_json::from_str(&rows[0].payload).unwrap();
        assert_eq!(body["event"], "ticket.reopened");
        assert_eq!(body["event_id"], 7);
        assert_eq!(body["ticket"]["short_id"], "ABC234");
        assert_eq!(body["ticket"]["requester_email"], "ann@example.com");
        assert!(body["occurred_at"].as_str().unwrap().ends_with('Z'));
    }
}

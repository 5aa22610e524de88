//! The outbox sender: claims due outbox rows with a lease, sends them over
//! SMTP with no transaction open, and records what became of each one as
//! soon as the server answered (see [`super::recorder`]).
//!
//! Each email domain has one relay (rebuilt when the domain's SMTP settings
//! change) with at most `connections_per_domain` connections, so as many
//! messages in flight. Delivery outcome is data ([`Delivery`]): a 5xx is the
//! message's failure in the server's words; a 4xx, a network or TLS error or
//! a timeout is retried with backoff until `max_attempts`, then given up with
//! the last error.
use super::recorder;
use super::relay::{Refusal, Relay};
use crate::store::Store;
use crate::store::outbox::{Claimed, Delivery};
use anyhow::Context;
use chrono::{DateTime, Utc};
use lettre::address::{Address, Envelope};
use rustls_pki_types::CertificateDer;
use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::sync::{Notify, SemaphorePermit, watch};
use tokio::time::Instant;

/// After a store error, `run` tries again after this pause.
const ERROR_PAUSE: Duration = Duration::from_secs(5);
/// `run` looks at the outbox at least this often, even without a wake-up
/// (rows queued by another instance, a lease that ran out).
const MAX_IDLE: Duration = Duration::from_secs(60);
/// Shortest sleep of `run`, so a row that is due but not claimable (another
/// instance holds it) cannot make it spin.
const MIN_PAUSE: Duration = Duration::from_millis(20);
/// A send may take, besides twice `timeout`, the upload at this rate.
const MIN_UPLOAD_BYTES_PER_SEC: f64 = 1024.0 * 1024.0;
/// A longer lease would only delay the resending of a crashed round.
const MAX_LEASE: Duration = Duration::from_secs(24 * 3600);

#[derive(Debug, Clone)]
pub struct SenderConfig {
    /// Attempts before a message that keeps failing temporarily is given up.
    pub max_attempts: u32,
    /// Wait after the first failed attempt; doubled per attempt, ±20 % jitter.
    pub retry_base: Duration,
    /// Longest wait between attempts.
    pub retry_max: Duration,
    /// How long a claimed row is ours: a round ends well within it.
    pub lease: Duration,
    /// Rows claimed per round.
    pub batch: usize,
    /// SMTP connections (and messages in flight) per email domain.
    pub connections_per_domain: u32,
    /// Opening an SMTP session (connect, TLS, greeting, EHLO, login) may take
    /// this long; a whole send twice this plus the upload at 1 MiB/s.
    pub timeout: Duration,
    /// CAs trusted besides the webpki roots (self-hosted relays, tests).
    pub extra_ca: Vec<CertificateDer<'static>>,
}

impl Default for SenderConfig {
    fn default() -> Self {
        Self {
            max_attempts: 8,
            retry_base: Duration::from_secs(30),
            retry_max: Duration::from_secs(3600),
            lease: Duration::from_secs(120),
            batch: 200,
            connections_per_domain: 4,
            timeout: Duration::from_secs(30),
            extra_ca: Vec::new(),
        }
    }
}

/// Where the rows of one email domain go this round.
enum Route {
    Relay(Arc<Relay>),
    /// No way to send them, ever: fail them with this reason.
    Fail(String),
    /// Not now: retry them with this reason.
    Retry(String),
}

/// What one SMTP attempt came to, before the retry policy is applied.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Attempt {
    Sent,
    /// Refused for good (5xx), in the server's words, or unsendable.
    Refused(String),
    /// Worth another try: 4xx, network, TLS, timeout.
    Deferred(String),
    /// Not tried: the round ran out of lease.
    NotTried,
}

/// Sends the outbox. Drive it with [`Sender::send_due`] (tests) or
/// [`Sender::run`] (the `serve` worker).
pub struct Sender {
    store: Store,
    config: SenderConfig,
    relays: Mutex<HashMap<i64, Arc<Relay>>>,
}

impl Sender {
    pub fn new(store: Store, config: SenderConfig) -> anyhow::Result<Self> {
        anyhow::ensure!(config.max_attempts >= 1, "max_attempts must be at least 1");
        anyhow::ensure!(config.batch >= 1, "batch must be at least 1");
        anyhow::ensure!(
            config.connections_per_domain >= 1,
            "connections_per_domain must be at least 1"
        );
        anyhow::ensure!(
            !config.lease.is_zero() && config.lease <= MAX_LEASE,
            "lease must be longer than zero and at most {MAX_LEASE:?}"
        );
        Ok(Self {
            store,
            config,
            relays: Mutex::default(),
        })
    }

    /// One round: claims up to `batch` due rows, sends them (up to
    /// `connections_per_domain` at a time per domain) and records each
    /// result before its connection takes the next row. Returns how many
    /// were settled (sent, retrying or failed); 0 when nothing was due.
    pub async fn send_due(&self) -> anyhow::Result<usize> {
        let started = Instant::now();
        let lease = chrono::Duration::from_std(self.config.lease).context("lease is too long")?;
        let limit = i64::try_from(self.config.batch).unwrap_or(i64::MAX);
        let claimed = self.store.claim_outbox(limit, lease).await?;
        if claimed.is_empty() {
            return Ok(0);
        }
        // Leave a tenth of the lease to record the round before it runs out.
        let deadline = started + self.config.lease * 9 / 10;
        let mut routes = HashMap::new();
        for c in &claimed {
            if let Entry::Vacant(slot) = routes.entry(c.email_domain_id) {
                slot.insert(self.route(c.email_domain_id).await);
            }
        }
        let (handle, outcomes) = recorder::channel();
        let routes = &routes;
        let sending = async move {
            let handle = &handle;
            let sends = claimed.into_iter().map(|c| async move {
                let route = &routes[&c.email_domain_id];
                let (attempt, slot) = self.attempt(&c, route, deadline).await;
                if attempt == Attempt::Sent {
                    crate::inbound::fault::point("after_send");
                }
                let delivery = settle(attempt, c.attempts, &self.config, Utc::now());
                log_delivery(&c, &delivery);
                let settled = delivery != Delivery::Unattempted;
                // The connection takes its next row only once this one is recorded.
                handle.record(c, delivery).await;
                drop(slot);
                settled
            });
            futures::future::join_all(sends).await
        };
        let (results, recorded) = tokio::join!(sending, recorder::run(&self.store, outcomes));
        recorded?;
        let settled = results.iter().filter(|s| **s).count();
        tracing::debug!(claimed = results.len(), settled, "outbox round done");
        Ok(settled)
    }

    /// Sends until shutdown: rounds until nothing is due, then sleeps until
    /// the next row falls due, `wake` is notified (use `notify_one`, so a
    /// wake-up during a round is not lost) or shutdown is signalled. Store
    /// errors are logged and retried after a pause. On shutdown the round in
    /// flight is finished, then the SMTP connections are closed.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>, wake: Arc<Notify>) {
        tracing::info!("outbox sender started");
        loop {
            let pause = match self.drain(&shutdown).await {
                Ok(()) => self.idle_time().await,
                Err(e) => {
                    tracing::error!(error = format!("{e:#}"), "outbox sender: a round failed");
                    ERROR_PAUSE
                }
            };
            if *shutdown.borrow() {
                break;
            }
            tokio::select! {
                changed = shutdown.changed() => {
                    if changed.is_err() {
                        break;
                    }
                }
                () = wake.notified() => {}
                () = tokio::time::sleep(pause) => {}
            }
        }
        let relays: Vec<Arc<Relay>> = lock(&self.relays).drain().map(|(_, r)| r).collect();
        for relay in relays {
            relay.close().await;
        }
        tracing::info!("outbox sender stopped");
    }

    /// Rounds until one finds nothing due, or shutdown.
    async fn drain(&self, shutdown: &watch::Receiver<bool>) -> anyhow::Result<()> {
        while !*shutdown.borrow() {
            if self.send_due().await? == 0 {
                break;
            }
        }
        Ok(())
    }

    async fn idle_time(&self) -> Duration {
        match self.store.next_outbox_due().await {
            Ok(Some(due)) => (due - Utc::now())
                .to_std()
                .unwrap_or(Duration::ZERO)
                .clamp(MIN_PAUSE, MAX_IDLE),
            Ok(None) => MAX_IDLE,
            Err(e) => {
                tracing::error!(
                    error = format!("{e:#}"),
                    "outbox sender: reading the outbox"
                );
                ERROR_PAUSE
            }
        }
    }

    /// The relay of an email domain, built (or rebuilt after a settings
    /// change) as needed.
    async fn route(&self, domain_id: Option<i64>) -> Route {
        let Some(id) = domain_id else {
            return Route::Fail("no email domain to send it from".into());
        };
        let domain = match self.store.email_domain(id).await {
            Ok(Some(domain)) => domain,
            Ok(None) => return Route::Fail(format!("its email domain (id {id}) no longer exists")),
            Err(e) => return Route::Retry(format!("{e:#}")),
        };
        let Some(smtp) = domain.smtp else {
            return Route::Fail(format!(
                "email domain {} has no SMTP settings",
                domain.address
            ));
        };
        let mut relays = lock(&self.relays);
        if let Some(relay) = relays.get(&id)
            && *relay.settings() == smtp
        {
            return Route::Relay(relay.clone());
        }
        let c = &self.config;
        match Relay::new(smtp, c.connections_per_domain, c.timeout, &c.extra_ca) {
            Ok(relay) => {
                let relay = Arc::new(relay);
                relays.insert(id, relay.clone());
                Route::Relay(relay)
            }
            Err(e) => Route::Retry(format!("setting up SMTP for {}: {e:#}", domain.address)),
        }
    }

    /// One attempt at one claimed row, and the connection slot it used
    /// (held until its outcome is recorded).
    async fn attempt<'r>(
        &self,
        c: &Claimed,
        route: &'r Route,
        deadline: Instant,
    ) -> (Attempt, Option<SemaphorePermit<'r>>) {
        let relay = match route {
            Route::Relay(relay) => relay,
            Route::Fail(reason) => return (Attempt::Refused(reason.clone()), None),
            Route::Retry(reason) => return (Attempt::Deferred(reason.clone()), None),
        };
        let envelope = match envelope(c) {
            Ok(envelope) => envelope,
            Err(reason) => return (Attempt::Refused(reason), None),
        };
        let Some(slot) = relay.slot().await else {
            return (Attempt::NotTried, None);
        };
        let left = deadline.saturating_duration_since(Instant::now());
        if left < self.config.timeout.min(self.config.lease / 10) {
            return (Attempt::NotTried, Some(slot));
        }
        // Opening a session and the transaction, each within `timeout`, and the upload.
        let upload = Duration::from_secs_f64(c.raw.len() as f64 / MIN_UPLOAD_BYTES_PER_SEC);
        let budget = self.config.timeout.saturating_mul(2).saturating_add(upload);
        let budget = budget.min(left);
        let attempt = match tokio::time::timeout(budget, relay.send(&envelope, &c.raw)).await {
            Ok(Ok(())) => Attempt::Sent,
            Ok(Err(Refusal::Permanent(words))) => Attempt::Refused(words),
            Ok(Err(Refusal::Transient(words))) => Attempt::Deferred(words),
            Err(_) => Attempt::Deferred(format!(
                "the SMTP server did not finish within {budget:.1?}"
            )),
        };
        (attempt, Some(slot))
    }
}

/// The SMTP envelope: MAIL FROM the row's sender, RCPT TO each recipient once.
fn envelope(c: &Claimed) -> Result<Envelope, String> {
    let from: Address = c
        .envelope_from
        .parse()
        .map_err(|e| format!("unusable sender address {:?}: {e}", c.envelope_from))?;
    let mut seen = HashSet::new();
    let mut to = Vec::new();
    for recipient in &c.recipients {
        let address: Address = recipient
            .parse()
            .map_err(|e| format!("unusable recipient address {recipient:?}: {e}"))?;
        if seen.insert(recipient.to_ascii_lowercase()) {
            to.push(address);
        }
    }
    if to.is_empty() {
        return Err("the message has no recipients".into());
    }
    Envelope::new(Some(from), to).map_err(|e| e.to_string())
}

/// The retry policy: what an attempt means for the row, `attempts` counting it.
fn settle(attempt: Attempt, attempts: i64, config: &SenderConfig, now: DateTime<Utc>) -> Delivery {
    match attempt {
        Attempt::Sent => Delivery::Sent,
        Attempt::NotTried => Delivery::Unattempted,
        Attempt::Refused(error) => Delivery::Failed { error },
        Attempt::Deferred(error) => {
            let attempts = u32::try_from(attempts.max(1)).unwrap_or(u32::MAX);
            if attempts >= config.max_attempts {
                return Delivery::Failed {
                    error: format!("gave up after {attempts} attempts: {error}"),
                };
            }
            let wait = jitter(backoff(attempts, config.retry_base, config.retry_max))
                .min(config.retry_max);
            let wait = chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::MAX);
            Delivery::Retry {
                error,
                at: now
                    .checked_add_signed(wait)
                    .unwrap_or(DateTime::<Utc>::MAX_UTC),
            }
        }
    }
}

/// `base · 2^(attempts−1)`, at most `max`.
pub fn backoff(attempts: u32, base: Duration, max: Duration) -> Duration {
    let doublings = attempts.saturating_sub(1).min(31);
    base.checked_mul(1 << doublings).unwrap_or(max).min(max)
}

/// ±20 %, so rows that failed together do not retry together.
fn jitter(wait: Duration) -> Duration {
    let factor: f64 = rand::random_range(0.8..=1.2);
    Duration::try_from_secs_f64(wait.as_secs_f64() * factor).unwrap_or(wait)
}

fn log_delivery(c: &Claimed, delivery: &Delivery) {
    let (outbox_id, message_id) = (c.outbox_id, c.message_id);
    match delivery {
        Delivery::Sent => tracing::debug!(outbox_id, message_id, "sent"),
        Delivery::Retry { error, at } => {
            tracing::info!(outbox_id, message_id, %at, error, "delivery deferred")
        }
        Delivery::Failed { error } => {
            tracing::warn!(outbox_id, message_id, error, "delivery failed")
        }
        Delivery::Unattempted => tracing::debug!(outbox_id, message_id, "not attempted this round"),
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> SenderConfig {
        SenderConfig {
            max_attempts: 3,
            retry_base: Duration::from_secs(30),
            retry_max: Duration::from_secs(100),
            ..SenderConfig::default()
        }
    }

    #[test]
    fn backoff_doubles_per_attempt_up_to_the_maximum() {
        let (base, max) = (Duration::from_secs(30), Duration::from_secs(3600));
        let waits: Vec<u64> = (1..=9).map(|n| backoff(n, base, max).as_secs()).collect();
        assert_eq!(waits, [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]);
        assert_eq!(backoff(u32::MAX, base, max), max);
        assert_eq!(backoff(0, base, max), base);
    }

    #[test]
    fn jitter_stays_within_a_fifth() {
        for _ in 0..1000 {
            let ms = jitter(Duration::from_secs(10)).as_millis();
            assert!((8000..=12000).contains(&ms), "{ms}");
        }
    }

    #[test]
    fn a_deferred_attempt_retries_later_until_the_last_attempt() {
        let now = Utc::now();
        let deferred = || Attempt::Deferred("451 4.3.0 Try again later".into());
        let Delivery::Retry { error, at } = settle(deferred(), 2, &config(), now) else {
            panic!("not a retry");
        };
        assert_eq!(error, "451 4.3.0 Try again later");
        let wait = (at - now).num_milliseconds();
        assert!((48_000..=72_000).contains(&wait), "{wait}");
        assert_eq!(
            settle(deferred(), 3, &config(), now),
            Delivery::Failed {
                error: "gave up after 3 attempts: 451 4.3.0 Try again later".into()
            }
        );
    }

    #[test]
    fn waits_never_exceed_the_maximum_even_with_jitter() {
        let now = Utc::now();
        let config = SenderConfig {
            max_attempts: 100,
            ..config()
        };
        for _ in 0..100 {
            let Delivery::Retry { at, .. } =
                settle(Attempt::Deferred("x".into()), 50, &config, now)
            else {
                panic!("not a retry");
            };
            assert!(at - now <= chrono::Duration::seconds(100));
        }
    }

    #[test]
    fn refusals_sends_and_untried_rows_map_straight_through() {
        let now = Utc::now();
        let refused = Attempt::Refused("550 5.1.1 <x@y> User doesn't exist".into());
        assert_eq!(
            settle(refused, 1, &config(), now),
            Delivery::Failed {
                error: "550 5.1.1 <x@y> User doesn't exist".into()
            }
        );
        assert_eq!(settle(Attempt::Sent, 7, &config(), now), Delivery::Sent);
        assert_eq!(
            settle(Attempt::NotTried, 3, &config(), now),
            Delivery::Unattempted
        );
    }

    fn claimed(from: &str, recipients: &[&str]) -> Claimed {
        Claimed {
            outbox_id: 1,
            message_id: 1,
            ticket_id: 1,
            email_domain_id: Some(1),
            attempts: 1,
            locked_until: Utc::now(),
            envelope_from: from.into(),
            recipients: recipients.iter().map(|r| r.to_string()).collect(),
            raw: Vec::new(),
        }
    }

    #[test]
    fn the_envelope_names_each_recipient_once() {
        let c = claimed(
            "support@example.com",
            &["a@example.net", "A@example.net", "b@example.net"],
        );
        let envelope = envelope(&c).unwrap();
        let to: Vec<String> = envelope.to().iter().map(|a| a.to_string()).collect();
        assert_eq!(to, ["a@example.net", "b@example.net"]);
        assert_eq!(envelope.from().unwrap().to_string(), "support@example.com");
    }

    #[test]
    fn unsendable_envelopes_say_why() {
        let none = envelope(&claimed("support@example.com", &[])).unwrap_err();
        assert_eq!(none, "the message has no recipients");
        let bad = envelope(&claimed("support@example.com", &["not an address"])).unwrap_err();
        assert!(
            bad.starts_with("unusable recipient address \"not an address\""),
            "{bad}"
        );
        let from = envelope(&claimed("", &["a@example.net"])).unwrap_err();
        assert!(from.starts_with("unusable sender address"), "{from}");
    }
}

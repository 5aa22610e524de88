//! The outbox sender against a real SMTP receiver that delivers into Dovecot
//! and a real SQLite database: what the customer receives, and what the
//! ticket says about it.
mod tls;

use crate::mailstack::{CUSTOMER, CUSTOMER_PASSWORD, MailStack, SUPPORT};
use crate::support::{TestDb, fixture, queue_reply};
use postdesk::domain::{EmailAddress, SmtpSettings, TlsMode};
use postdesk::outbound::sender::{Sender, SenderConfig};
use postdesk::store::domains::DomainSpec;
use postdesk::store::outbox;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A ticket with an email domain whose SMTP is the mail stack.
struct Desk {
    stack: Arc<MailStack>,
    db: TestDb,
    domain_id: i64,
    ticket_id: i64,
}

/// What the outbox and the message say about one reply.
#[derive(Debug)]
struct Delivered {
    outbox_status: String,
    attempts: i64,
    last_error: Option<String>,
    message_status: String,
    message_error: Option<String>,
    sent_at: Option<String>,
}

async fn desk() -> Desk {
    let stack = tokio::task::spawn_blocking(MailStack::start)
        .await
        .unwrap()
        .expect("mail stack");
    let db = TestDb::new().await;
    let smtp = smtp_settings(stack.smtp_port(), TlsMode::None);
    let domain_id = set_domain(&db, Some(smtp)).await;
    let ticket_id = db.ingest_one(&fixture("gmail_new.eml")).await.ticket_id;
    Desk {
        stack: Arc::new(stack),
        db,
        domain_id,
        ticket_id: ticket_id.expect("the fixture opens a ticket"),
    }
}

fn smtp_settings(port: u16, tls: TlsMode) -> SmtpSettings {
    SmtpSettings {
        host: "127.0.0.1".into(),
        port,
        tls,
        username: None,
        password: None,
    }
}

async fn set_domain(db: &TestDb, smtp: Option<SmtpSettings>) -> i64 {
    let spec = DomainSpec {
        address: EmailAddress::parse(SUPPORT).unwrap(),
        name: "Example Support".into(),
        imap: None,
        smtp,
        default_team: None,
        enabled: true,
    };
    let domains = db.store.sync_email_domains(&[spec]).await.unwrap();
    domains[0].id
}

fn config() -> SenderConfig {
    SenderConfig {
        retry_base: Duration::from_millis(200),
        retry_max: Duration::from_secs(2),
        timeout: Duration::from_secs(5),
        ..SenderConfig::default()
    }
}

fn sender(desk: &Desk, config: SenderConfig) -> Sender {
    Sender::new(desk.db.store.clone(), config).unwrap()
}

async fn queue(desk: &Desk, to: &str, tag: &str) -> i64 {
    queue_reply(&desk.db.store, desk.ticket_id, desk.domain_id, to, tag).await
}

async fn delivered(desk: &Desk, message: i64) -> Delivered {
    let (outbox_status, attempts, last_error): (String, i64, Option<String>) =
        sqlx::query_as("SELECT status, attempts, last_error FROM outbox WHERE message_id = $1")
            .bind(message)
            .fetch_one(desk.db.store.pool())
            .await
            .unwrap();
    let (message_status, message_error, sent_at): (String, Option<String>, Option<String>) =
        sqlx::query_as(
            "SELECT delivery_status, delivery_error, sent_at FROM messages WHERE id = $1",
        )
        .bind(message)
        .fetch_one(desk.db.store.pool())
        .await
        .unwrap();
    Delivered {
        outbox_status,
        attempts,
        last_error,
        message_status,
        message_error,
        sent_at,
    }
}

/// How often the customer's INBOX holds the reply tagged `tag`.
async fn copies_received(desk: &Desk, tag: &str) -> usize {
    let stack = desk.stack.clone();
    let inbox = tokio::task::spawn_blocking(move || {
        stack.inbox(CUSTOMER, CUSTOMER_PASSWORD).expect("inbox")
    });
    let needle = format!("Message-ID: <{tag}@postdesk.example.com>");
    inbox.await.unwrap().matches(&needle).count()
}

/// Runs `stack_call` (a blocking mail-stack call) off the runtime's threads.
async fn on_stack(desk: &Desk, stack_call: impl FnOnce(&MailStack) + Send + 'static) {
    let stack = desk.stack.clone();
    tokio::task::spawn_blocking(move || stack_call(&stack))
        .await
        .unwrap();
}

/// Polls `step` until it yields Some, for at most `limit`.
async fn within<T, F: Future<Output = Option<T>>>(
    limit: Duration,
    mut step: impl FnMut() -> F,
) -> T {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(value) = step().await {
            return value;
        }
        assert!(Instant::now() < deadline, "not within {limit:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Rounds until one settles something (its retry time came), for at most 5 s.
async fn next_round(sender: &Sender) -> usize {
    within(Duration::from_secs(5), || async {
        let settled = sender.send_due().await.unwrap();
        (settled > 0).then_some(settled)
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_queued_reply_arrives_in_the_customers_inbox_and_is_marked_sent() {
    let desk = desk().await;
    let message = queue(&desk, CUSTOMER, "sent-1").await;

    assert_eq!(sender(&desk, config()).send_due().await.unwrap(), 1);

    assert_eq!(copies_received(&desk, "sent-1").await, 1);
    let d = delivered(&desk, message).await;
    assert_eq!((d.outbox_status.as_str(), d.attempts), ("sent", 1), "{d:?}");
    assert_eq!(d.message_status, "sent", "{d:?}");
    assert!(d.sent_at.is_some() && d.message_error.is_none(), "{d:?}");
    assert_eq!(desk.db.store.next_outbox_due().await.unwrap(), None);
}

#[tokio::test(flavor = "multi_thread")]
async fn with_the_smtp_server_down_a_reply_waits_and_is_delivered_once_it_is_back() {
    let desk = desk().await;
    let message = queue(&desk, CUSTOMER, "down-1").await;
    let sender = sender(&desk, config());
    on_stack(&desk, |s| s.stop_smtp().expect("stop_smtp")).await;

    assert_eq!(sender.send_due().await.unwrap(), 1);
    let d = delivered(&desk, message).await;
    assert_eq!(d.outbox_status, "retrying", "{d:?}");
    assert_eq!(d.message_status, "retrying", "{d:?}");
    let error = d.last_error.unwrap();
    assert!(error.contains("Connection refused"), "{error}");
    assert_eq!(d.message_error.as_deref(), Some(error.as_str()));
    assert_eq!(
        sender.send_due().await.unwrap(),
        0,
        "not before its retry time"
    );

    on_stack(&desk, |s| s.start_smtp().expect("start_smtp")).await;
    assert_eq!(next_round(&sender).await, 1);

    assert_eq!(copies_received(&desk, "down-1").await, 1);
    let d = delivered(&desk, message).await;
    assert_eq!((d.outbox_status.as_str(), d.attempts), ("sent", 2), "{d:?}");
    assert_eq!((d.message_status.as_str(), d.message_error), ("sent", None));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_temporary_refusal_is_retried_with_the_servers_words() {
    let desk = desk().await;
    let message = queue(&desk, CUSTOMER, "later-1").await;
    let sender = sender(&desk, config());
    on_stack(&desk, |s| {
        s.fail_smtp("DATA", "451 4.3.0 Try again later")
            .expect("fail_smtp")
    })
    .await;

    assert_eq!(sender.send_due().await.unwrap(), 1);
    let d = delivered(&desk, message).await;
    assert_eq!(d.outbox_status, "retrying", "{d:?}");
    assert_eq!(d.last_error.as_deref(), Some("451 4.3.0 Try again later"));
    assert_eq!(
        d.message_error.as_deref(),
        Some("451 4.3.0 Try again later")
    );
    assert_eq!(copies_received(&desk, "later-1").await, 0);

    on_stack(&desk, |s| s.heal_smtp().expect("heal_smtp")).await;
    assert_eq!(next_round(&sender).await, 1);
    assert_eq!(copies_received(&desk, "later-1").await, 1);
    assert_eq!(delivered(&desk, message).await.message_status, "sent");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_recipient_fails_the_message_with_the_servers_words_on_the_ticket() {
    let desk = desk().await;
    let message = queue(&desk, "nobody@example.com", "lost-1").await;

    assert_eq!(sender(&desk, config()).send_due().await.unwrap(), 1);

    let d = delivered(&desk, message).await;
    assert_eq!(
        (d.outbox_status.as_str(), d.attempts),
        ("failed", 1),
        "{d:?}"
    );
    assert_eq!(d.message_status, "failed", "{d:?}");
    let error = d.message_error.unwrap();
    assert!(error.starts_with("550 5.1.1 "), "{error}");
    assert!(
        error.contains("<nobody@example.com> User doesn't exist"),
        "{error}"
    );
    let events = desk.db.store.event_kinds(desk.ticket_id).await.unwrap();
    assert!(
        events.contains(&"delivery_failed".to_string()),
        "{events:?}"
    );
    assert_eq!(
        desk.db.store.next_outbox_due().await.unwrap(),
        None,
        "never retried"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reply_that_keeps_failing_is_given_up_after_max_attempts() {
    let desk = desk().await;
    let message = queue(&desk, CUSTOMER, "never-1").await;
    let sender = sender(
        &desk,
        SenderConfig {
            max_attempts: 2,
            ..config()
        },
    );
    on_stack(&desk, |s| s.stop_smtp().expect("stop_smtp")).await;

    assert_eq!(sender.send_due().await.unwrap(), 1);
    assert_eq!(delivered(&desk, message).await.outbox_status, "retrying");
    assert_eq!(next_round(&sender).await, 1);

    let d = delivered(&desk, message).await;
    assert_eq!(
        (d.outbox_status.as_str(), d.attempts),
        ("failed", 2),
        "{d:?}"
    );
    let error = d.message_error.unwrap();
    assert!(error.starts_with("gave up after 2 attempts: "), "{error}");
    assert!(error.contains("Connection refused"), "{error}");
    let events = desk.db.store.event_kinds(desk.ticket_id).await.unwrap();
    assert!(
        events.contains(&"delivery_failed".to_string()),
        "{events:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_row_claimed_by_a_crashed_sender_is_sent_once_its_lease_runs_out() {
    let desk = desk().await;
    let message = queue(&desk, CUSTOMER, "lease-1").await;
    let lease = chrono::Duration::milliseconds(700);
    let crashed = desk.db.store.claim_outbox(10, lease).await.unwrap();
    assert_eq!(crashed.len(), 1);
    let sender = sender(&desk, config());

    let claimed_at = Instant::now();
    assert_eq!(sender.send_due().await.unwrap(), 0, "the lease holds");
    assert_eq!(next_round(&sender).await, 1);
    assert!(claimed_at.elapsed() >= Duration::from_millis(600));

    assert_eq!(copies_received(&desk, "lease-1").await, 1);
    let d = delivered(&desk, message).await;
    assert_eq!((d.outbox_status.as_str(), d.attempts), ("sent", 2), "{d:?}");
    // The crashed sender comes back and reports: too late, nothing changes.
    let late = outbox::Delivery::Retry {
        error: "stale".into(),
        at: chrono::Utc::now(),
    };
    let late = [(crashed[0].clone(), late)];
    desk.db.store.record_deliveries(&late).await.unwrap();
    let d = delivered(&desk, message).await;
    assert_eq!(
        (d.outbox_status.as_str(), d.message_status.as_str()),
        ("sent", "sent")
    );
    assert_eq!(sender.send_due().await.unwrap(), 0);
    assert_eq!(copies_received(&desk, "lease-1").await, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn run_sends_when_woken_and_stops_on_shutdown() {
    let desk = desk().await;
    let (stop, shutdown) = tokio::sync::watch::channel(false);
    let wake = Arc::new(tokio::sync::Notify::new());
    let worker = tokio::spawn(sender(&desk, config()).run(shutdown, wake.clone()));
    // Let it find the outbox empty and go to sleep (for a minute, unwoken).
    tokio::time::sleep(Duration::from_millis(200)).await;

    let message = queue(&desk, CUSTOMER, "woken-1").await;
    wake.notify_one();
    let queued = Instant::now();
    within(Duration::from_secs(3), || async {
        (copies_received(&desk, "woken-1").await == 1).then_some(())
    })
    .await;
    let latency = queued.elapsed();
    assert!(latency < Duration::from_millis(1500), "{latency:?}");
    within(Duration::from_secs(2), || async {
        (delivered(&desk, message).await.outbox_status == "sent").then_some(())
    })
    .await;

    stop.send(true).unwrap();
    let stopped = tokio::time::timeout(Duration::from_secs(2), worker).await;
    stopped.expect("run ends promptly").unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn messages_that_cannot_be_sent_fail_with_a_clear_reason() {
    let desk = desk().await;
    let no_smtp = queue(&desk, CUSTOMER, "nosmtp-1").await;
    set_domain(&desk.db, None).await;
    let sender = sender(&desk, config());

    assert_eq!(sender.send_due().await.unwrap(), 1);
    let d = delivered(&desk, no_smtp).await;
    assert_eq!(d.outbox_status, "failed", "{d:?}");
    let error = d.message_error.unwrap();
    assert_eq!(
        error,
        "email domain support@example.com has no SMTP settings"
    );

    let smtp = smtp_settings(desk.stack.smtp_port(), TlsMode::None);
    set_domain(&desk.db, Some(smtp)).await;
    let nobody = queue(&desk, CUSTOMER, "nobody-1").await;
    sqlx::query("UPDATE messages SET to_addrs = '[]' WHERE id = $1")
        .bind(nobody)
        .execute(desk.db.store.writer())
        .await
        .unwrap();
    assert_eq!(sender.send_due().await.unwrap(), 1);
    let d = delivered(&desk, nobody).await;
    assert_eq!(
        d.message_error.as_deref(),
        Some("the message has no recipients")
    );
    assert_eq!(copies_received(&desk, "nobody-1").await, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn tls_that_cannot_be_set_up_is_retried_and_a_changed_setting_takes_effect() {
    let desk = desk().await;
    let message = queue(&desk, CUSTOMER, "tls-1").await;
    let sender = sender(&desk, config());
    let port = desk.stack.smtp_port();

    // Implicit TLS against a plain-text server: the handshake fails.
    set_domain(&desk.db, Some(smtp_settings(port, TlsMode::Tls))).await;
    assert_eq!(sender.send_due().await.unwrap(), 1);
    let d = delivered(&desk, message).await;
    assert_eq!(d.outbox_status, "retrying", "{d:?}");
    eprintln!("implicit TLS to a plain server: {:?}", d.last_error);

    // Required STARTTLS from a server that does not offer it.
    set_domain(&desk.db, Some(smtp_settings(port, TlsMode::Starttls))).await;
    assert_eq!(next_round(&sender).await, 1);
    let d = delivered(&desk, message).await;
    assert_eq!(d.outbox_status, "retrying", "{d:?}");
    let error = d.last_error.unwrap();
    assert!(error.contains("STARTTLS"), "{error}");

    set_domain(&desk.db, Some(smtp_settings(port, TlsMode::None))).await;
    assert_eq!(next_round(&sender).await, 1);
    assert_eq!(copies_received(&desk, "tls-1").await, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_that_never_answers_is_given_up_on_within_the_timeout() {
    let desk = desk().await;
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = silent.local_addr().unwrap().port();
    let listener = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((connection, _)) = silent.accept().await {
            held.push(connection);
        }
    });
    set_domain(&desk.db, Some(smtp_settings(port, TlsMode::None))).await;
    let message = queue(&desk, CUSTOMER, "silent-1").await;
    let timeout = Duration::from_millis(300);
    let sender = sender(
        &desk,
        SenderConfig {
            timeout,
            ..config()
        },
    );

    let started = Instant::now();
    assert_eq!(sender.send_due().await.unwrap(), 1);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );

    let d = delivered(&desk, message).await;
    assert_eq!(d.outbox_status, "retrying", "{d:?}");
    let error = d.last_error.unwrap();
    assert_eq!(
        error,
        format!("no SMTP session with 127.0.0.1:{port} within {timeout:?}")
    );
    listener.abort();
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unattempted_claim_goes_back_to_the_queue_without_counting_an_attempt() {
    let desk = desk().await;
    let message = queue(&desk, CUSTOMER, "back-1").await;
    let store = &desk.db.store;
    let claimed = store
        .claim_outbox(10, chrono::Duration::minutes(2))
        .await
        .unwrap();

    let back = [(claimed[0].clone(), outbox::Delivery::Unattempted)];
    store.record_deliveries(&back).await.unwrap();

    let d = delivered(&desk, message).await;
    assert_eq!(
        (d.outbox_status.as_str(), d.attempts),
        ("queued", 0),
        "{d:?}"
    );
    assert_eq!((d.message_status.as_str(), d.last_error), ("queued", None));
    assert_eq!(sender(&desk, config()).send_due().await.unwrap(), 1);
    let d = delivered(&desk, message).await;
    assert_eq!((d.outbox_status.as_str(), d.attempts), ("sent", 1), "{d:?}");
}

/// Many replies over several pooled connections each arrive exactly once
/// (the rates are `postdesk bench smtp`'s business).
#[tokio::test(flavor = "multi_thread")]
async fn many_replies_arrive_once_each_on_one_and_on_four_connections() {
    const REPLIES: usize = 120;
    for connections in [1, 4] {
        let desk = desk().await;
        for n in 0..REPLIES {
            queue(&desk, CUSTOMER, &format!("bulk-{n}")).await;
        }
        let config = SenderConfig {
            connections_per_domain: connections,
            ..config()
        };
        let sender = sender(&desk, config);
        let mut settled = 0;
        while settled < REPLIES {
            let round = sender.send_due().await.unwrap();
            assert!(round > 0, "stalled after {settled}");
            settled += round;
        }
        let counts = desk.db.store.outbox_counts().await.unwrap();
        assert_eq!(counts, [("sent".to_string(), REPLIES as i64)]);
        let stack = desk.stack.clone();
        let inbox = tokio::task::spawn_blocking(move || {
            stack.inbox(CUSTOMER, CUSTOMER_PASSWORD).expect("inbox")
        });
        let inbox = inbox.await.unwrap();
        assert_eq!(inbox.matches("Message-ID: <bulk-").count(), REPLIES);
        for n in [0, REPLIES / 2, REPLIES - 1] {
            let needle = format!("Message-ID: <bulk-{n}@postdesk.example.com>");
            assert_eq!(inbox.matches(&needle).count(), 1, "bulk-{n}");
        }
    }
}

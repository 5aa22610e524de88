//! The IMAP client layer against a real Dovecot (tests/it/mailstack.rs).
//! Each test starts its own stack outside the runtime (the stack's API
//! blocks) and runs its body on a small multi-thread runtime.
use crate::mailstack::{CUSTOMER, MailStack, SUPPORT, SUPPORT_PASSWORD};
use futures::TryStreamExt;
use postdesk::domain::{AfterAction, ImapSettings, Secret, TlsMode};
use postdesk::inbound::{Capabilities, IdleOutcome, ImapSession, LoginRefused, TlsConfig};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::TcpStream;

mod tls;

const TIMEOUT: Duration = Duration::from_secs(10);

/// Starts a mail stack, runs `test` with it, then stops the stack.
fn with_stack<F, Fut>(test: F)
where
    F: FnOnce(Arc<MailStack>) -> Fut,
    Fut: Future<Output = ()>,
{
    let stack = Arc::new(MailStack::start().expect("mail stack"));
    runtime().block_on(test(stack.clone()));
}

fn runtime() -> tokio::runtime::Runtime {
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    builder.worker_threads(2).enable_all();
    builder.build().expect("a tokio runtime")
}

fn settings(port: u16, password: &str) -> ImapSettings {
    ImapSettings {
        host: "127.0.0.1".into(),
        port,
        tls: TlsMode::None,
        username: SUPPORT.into(),
        password: Secret::new(password),
        folder: "INBOX".into(),
        after: AfterAction::Seen,
        quarantine_folder: None,
    }
}

async fn connect(stack: &MailStack) -> ImapSession {
    let settings = settings(stack.imap_port(), SUPPORT_PASSWORD);
    let tls = TlsConfig::webpki().expect("webpki roots");
    let session = ImapSession::connect(&settings, &tls, TIMEOUT).await;
    session.expect("logged in")
}

/// A session with INBOX selected.
async fn inbox(stack: &MailStack) -> ImapSession {
    let mut session = connect(stack).await;
    session.select("INBOX").await.expect("INBOX selected");
    session
}

/// A ~3 KB message from the customer to support, CRLF line ends.
fn message(n: usize) -> String {
    let line = format!("Line of message {n}, long enough to make the body weigh something.\r\n");
    format!(
        "From: {CUSTOMER}\r\nTo: {SUPPORT}\r\nSubject: Help {n}\r\n\
         Message-ID: <m{n}@example.net>\r\n\r\n{}",
        line.repeat(40)
    )
}

/// Sends over SMTP (blocking) from the runtime; the mail is in the mailbox
/// when this returns. `MailStack::send` ends the data with CRLF "." itself,
/// so the message goes without its last CRLF to arrive unchanged.
async fn send(stack: &Arc<MailStack>, n: usize) -> String {
    let (stack, mail) = (stack.clone(), message(n));
    tokio::task::spawn_blocking(move || {
        let data = mail.strip_suffix("\r\n").unwrap_or(&mail);
        stack.send(CUSTOMER, SUPPORT, data).expect("delivered");
        mail
    })
    .await
    .expect("the send task")
}

/// A second connection, through async-imap alone, to check what the
/// server holds without trusting the code under test.
async fn raw(stack: &MailStack) -> async_imap::Session<TcpStream> {
    let tcp = TcpStream::connect(("127.0.0.1", stack.imap_port())).await;
    let tcp = tcp.expect("connect");
    tcp.set_nodelay(true).expect("nodelay");
    let mut client = async_imap::Client::new(tcp);
    client.read_response().await.expect("greeting");
    let login = client.login(SUPPORT, SUPPORT_PASSWORD).await;
    login.map_err(|(e, _)| e).expect("raw login")
}

/// Whether the message is flagged \Seen, as the server says.
async fn seen(raw: &mut async_imap::Session<TcpStream>, folder: &str, uid: u32) -> bool {
    raw.select(folder).await.expect("select");
    let fetched = raw
        .uid_fetch(uid.to_string(), "FLAGS")
        .await
        .expect("fetch");
    let fetched: Vec<_> = fetched.try_collect().await.expect("flags");
    assert_eq!(fetched.len(), 1, "uid {uid} in {folder}");
    fetched[0]
        .flags()
        .any(|f| matches!(f, async_imap::types::Flag::Seen))
}

async fn count(raw: &mut async_imap::Session<TcpStream>, folder: &str) -> u32 {
    raw.select(folder).await.expect("select").exists
}

#[test]
fn logging_in_finds_idle_move_and_uidplus() {
    with_stack(|stack| async move {
        let session = connect(&stack).await;
        let caps = session.capabilities().clone();
        assert!(caps.idle && caps.move_ && caps.uidplus, "{caps:?}");
        session.logout().await.expect("logged out");
    });
}

#[test]
fn a_wrong_password_is_refused_in_the_servers_words_without_the_password() {
    with_stack(|stack| async move {
        let settings = settings(stack.imap_port(), "wrong-horse-battery");
        let tls = TlsConfig::webpki().expect("webpki roots");
        let error = ImapSession::connect(&settings, &tls, TIMEOUT)
            .await
            .unwrap_err();
        let text = format!("{error:#} {error:?}");
        assert!(!text.contains("wrong-horse-battery"), "{text}");
        let refused = error
            .downcast_ref::<LoginRefused>()
            .expect("a LoginRefused");
        let shown = refused.to_string();
        assert!(
            shown.starts_with("login refused for support@example.com by "),
            "{shown}"
        );
        assert!(shown.contains("[AUTHENTICATIONFAILED]"), "{shown}");
    });
}

#[test]
fn selecting_gives_the_uidvalidity_and_counts() {
    with_stack(|stack| async move {
        send(&stack, 1).await;
        let mut session = connect(&stack).await;
        let selected = session.select("INBOX").await.expect("selected");
        assert!(selected.uidvalidity > 0, "{selected:?}");
        assert_eq!((selected.exists, selected.uid_next), (1, Some(2)));
        let missing = session.select("Nowhere").await.unwrap_err();
        let missing = format!("{missing:#}");
        assert!(
            missing.contains("SELECT \"Nowhere\" refused for support@"),
            "{missing}"
        );
        assert!(missing.contains("Mailbox doesn't exist"), "{missing}");
    });
}

#[test]
fn new_mail_is_fetched_byte_for_byte_and_stays_unseen() {
    with_stack(|stack| async move {
        let mut sent = Vec::new();
        for n in 1..=3 {
            sent.push(send(&stack, n).await);
        }
        let mut session = inbox(&stack).await;
        let uids = session.new_uids(0).await.expect("uids");
        assert_eq!(uids.len(), 3, "{uids:?}");
        let fetched = session.fetch(&uids).await.expect("fetched");
        let fetched_uids: Vec<u32> = fetched.iter().map(|(uid, _)| *uid).collect();
        assert_eq!(fetched_uids, uids);
        for ((_, raw), mail) in fetched.iter().zip(&sent) {
            // Delivery adds Return-Path and Delivered-To above the message.
            assert!(
                raw.ends_with(mail.as_bytes()),
                "{}",
                String::from_utf8_lossy(raw)
            );
            assert!(raw.starts_with(b"Return-Path: <customer@example.net>\r\n"));
        }
        let mut raw = raw(&stack).await;
        for uid in uids {
            assert!(
                !seen(&mut raw, "INBOX", uid).await,
                "uid {uid} became \\Seen"
            );
        }
    });
}

#[test]
fn new_uids_leaves_out_what_came_before() {
    with_stack(|stack| async move {
        for n in 1..=3 {
            send(&stack, n).await;
        }
        let mut session = inbox(&stack).await;
        let all = session.new_uids(0).await.expect("uids");
        let last = all[2];
        assert_eq!(session.new_uids(all[0]).await.expect("uids"), &all[1..]);
        // `UID SEARCH UID n:*` matches the last message even past its UID.
        for after in [last, last + 1, last + 100, u32::MAX - 1, u32::MAX] {
            let none = session.new_uids(after).await.expect("uids");
            assert!(none.is_empty(), "after {after}: {none:?}");
        }
        assert_eq!(session.fetch(&[last + 1]).await.expect("fetch"), vec![]);
    });
}

#[test]
fn mark_seen_flags_only_the_given_messages() {
    with_stack(|stack| async move {
        send(&stack, 1).await;
        send(&stack, 2).await;
        let mut session = inbox(&stack).await;
        let uids = session.new_uids(0).await.expect("uids");
        session.mark_seen(&uids[..1]).await.expect("marked");
        let mut raw = raw(&stack).await;
        assert!(seen(&mut raw, "INBOX", uids[0]).await);
        assert!(!seen(&mut raw, "INBOX", uids[1]).await);
    });
}

#[test]
fn move_to_creates_the_folder_once_and_moves_the_messages() {
    with_stack(|stack| async move {
        for n in 1..=3 {
            send(&stack, n).await;
        }
        let mut session = inbox(&stack).await;
        let uids = session.new_uids(0).await.expect("uids");
        session.move_to(&uids[..1], "Done").await.expect("moved");
        let after = AfterAction::Move("Done".into());
        session
            .apply(&uids[1..2], &after)
            .await
            .expect("moved again");
        assert_eq!(session.new_uids(0).await.expect("uids"), &uids[2..]);
        let mut raw = raw(&stack).await;
        assert_eq!(count(&mut raw, "Done").await, 2);
        assert_eq!(count(&mut raw, "INBOX").await, 1);
    });
}

#[test]
fn delete_expunges_only_the_given_messages() {
    with_stack(|stack| async move {
        send(&stack, 1).await;
        send(&stack, 2).await;
        let mut session = inbox(&stack).await;
        let uids = session.new_uids(0).await.expect("uids");
        session.delete(&uids[..1]).await.expect("deleted");
        assert_eq!(session.new_uids(0).await.expect("uids"), &uids[1..]);
        assert_eq!(count(&mut raw(&stack).await, "INBOX").await, 1);
    });
}

#[test]
fn without_move_a_move_is_copy_store_and_expunge() {
    with_stack(|stack| async move {
        for n in 1..=3 {
            send(&stack, n).await;
        }
        let mut session = inbox(&stack).await;
        session.restrict(&Capabilities {
            move_: false,
            ..session.capabilities().clone()
        });
        let uids = session.new_uids(0).await.expect("uids");
        session.move_to(&uids[..2], "Done").await.expect("moved");
        assert_eq!(session.new_uids(0).await.expect("uids"), &uids[2..]);
        let mut raw = raw(&stack).await;
        assert_eq!(count(&mut raw, "Done").await, 2);
        assert_eq!(count(&mut raw, "INBOX").await, 1);
    });
}

#[test]
fn without_uidplus_delete_expunges_with_plain_expunge() {
    with_stack(|stack| async move {
        send(&stack, 1).await;
        send(&stack, 2).await;
        let mut session = inbox(&stack).await;
        session.restrict(&Capabilities::default());
        let uids = session.new_uids(0).await.expect("uids");
        session.delete(&uids[1..]).await.expect("deleted");
        assert_eq!(session.new_uids(0).await.expect("uids"), &uids[..1]);
        let refused = session.idle(Duration::from_secs(1), std::future::pending());
        let refused = format!("{:#}", refused.await.unwrap_err());
        assert!(refused.contains("does not offer IDLE"), "{refused}");
    });
}

#[test]
fn idle_wakes_up_for_new_mail_and_the_session_goes_on() {
    with_stack(|stack| async move {
        let mut session = inbox(&stack).await;
        assert!(session.new_uids(0).await.expect("uids").is_empty());
        let sender = stack.clone();
        let delivery = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(300)).await;
            send(&sender, 1).await;
        });
        let start = Instant::now();
        let woke = session.idle(Duration::from_secs(30), std::future::pending());
        assert_eq!(woke.await.expect("idle"), IdleOutcome::NewData);
        assert!(
            start.elapsed() < Duration::from_secs(3),
            "{:?}",
            start.elapsed()
        );
        delivery.await.expect("delivery");
        assert_eq!(session.new_uids(0).await.expect("uids").len(), 1);
    });
}

#[test]
fn idle_times_out_when_nothing_happens() {
    with_stack(|stack| async move {
        let mut session = inbox(&stack).await;
        let start = Instant::now();
        let outcome = session.idle(Duration::from_millis(700), std::future::pending());
        assert_eq!(outcome.await.expect("idle"), IdleOutcome::Timeout);
        let waited = start.elapsed();
        assert!(waited >= Duration::from_millis(700), "{waited:?}");
        assert!(waited < Duration::from_secs(3), "{waited:?}");
        assert!(session.new_uids(0).await.expect("uids").is_empty());
    });
}

#[test]
fn idle_stops_promptly_when_told_and_the_session_goes_on() {
    with_stack(|stack| async move {
        let mut session = inbox(&stack).await;
        let (stop, mut stopped) = tokio::sync::watch::channel(false);
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(300)).await;
            let _ = stop.send(true);
        });
        let start = Instant::now();
        let stop_signal = async move {
            let _ = stopped.wait_for(|stop| *stop).await;
        };
        let outcome = session.idle(Duration::from_secs(30), stop_signal).await;
        assert_eq!(outcome.expect("idle"), IdleOutcome::Stopped);
        assert!(
            start.elapsed() < Duration::from_secs(2),
            "{:?}",
            start.elapsed()
        );
        send(&stack, 1).await;
        assert_eq!(session.new_uids(0).await.expect("uids").len(), 1);
    });
}

#[test]
fn idle_returns_at_once_for_mail_announced_during_another_command() {
    with_stack(|stack| async move {
        let mut session = inbox(&stack).await;
        send(&stack, 1).await;
        // Any command makes Dovecot announce the new message (EXISTS).
        session.mark_seen(&[4242]).await.expect("a no-op store");
        let start = Instant::now();
        let outcome = session.idle(Duration::from_secs(30), std::future::pending());
        assert_eq!(outcome.await.expect("idle"), IdleOutcome::NewData);
        assert!(
            start.elapsed() < Duration::from_millis(200),
            "{:?}",
            start.elapsed()
        );
        assert_eq!(session.new_uids(0).await.expect("uids").len(), 1);
    });
}

#[test]
fn a_server_stopping_during_idle_is_an_error_and_the_session_stays_broken() {
    with_stack(|stack| async move {
        let mut session = inbox(&stack).await;
        let stopper = stack.clone();
        let stopping =
            tokio::task::spawn_blocking(move || stopper.stop_dovecot().expect("stop dovecot"));
        let outcome = session.idle(Duration::from_secs(30), std::future::pending());
        let error = format!("{:#}", outcome.await.unwrap_err());
        assert!(error.contains("closed the connection"), "{error}");
        stopping.await.expect("stopped");
        let again = format!("{:#}", session.new_uids(0).await.unwrap_err());
        assert!(again.contains("broke earlier"), "{again}");
    });
}

#[test]
fn connecting_to_a_stopped_server_fails_at_once_and_says_where() {
    let stack = MailStack::start().expect("mail stack");
    stack.stop_dovecot().expect("stop dovecot");
    runtime().block_on(async {
        let start = Instant::now();
        let settings = settings(stack.imap_port(), SUPPORT_PASSWORD);
        let tls = TlsConfig::webpki().expect("webpki roots");
        let error = ImapSession::connect(&settings, &tls, Duration::from_secs(2)).await;
        let error = format!("{:#}", error.unwrap_err());
        let port = stack.imap_port();
        assert!(
            error.starts_with(&format!("connecting to 127.0.0.1:{port}: ")),
            "{error}"
        );
        assert!(error.contains("refused"), "{error}");
        assert!(
            start.elapsed() < Duration::from_secs(2),
            "{:?}",
            start.elapsed()
        );
    });
}

#[test]
fn a_server_that_never_greets_times_out_naming_the_step() {
    runtime().block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await;
        let listener = listener.expect("bind");
        let port = listener.local_addr().expect("address").port();
        let _silent = tokio::spawn(async move {
            let _held = listener.accept().await;
            std::future::pending::<()>().await;
        });
        let start = Instant::now();
        let tls = TlsConfig::webpki().expect("webpki roots");
        let settings = settings(port, "x");
        let error = ImapSession::connect(&settings, &tls, Duration::from_millis(500)).await;
        let error = format!("{:#}", error.unwrap_err());
        let want = format!("reading the greeting of 127.0.0.1:{port}: no answer within 500ms");
        assert_eq!(error, want);
        assert!(
            start.elapsed() < Duration::from_secs(2),
            "{:?}",
            start.elapsed()
        );
    });
}

/// Not a limit, a figure for the report: how fast `fetch` drains a folder.
#[test]
fn fetching_a_thousand_messages_measured() {
    const N: usize = 1_000;
    with_stack(|stack| async move {
        let mut raw = raw(&stack).await;
        let mails: Vec<String> = (1..=N).map(message).collect();
        for mail in &mails {
            raw.append("INBOX", None, None, mail)
                .await
                .expect("appended");
        }
        let mut session = inbox(&stack).await;
        let uids = session.new_uids(0).await.expect("uids");
        assert_eq!(uids.len(), N);
        // The first fetch also measures Dovecot reading its files cold.
        let start = Instant::now();
        let cold = session.fetch_with(&uids, |_, _| ()).await.expect("fetched");
        let took_cold = start.elapsed();
        assert_eq!(cold, N);
        let start = Instant::now();
        let fetched = session.fetch(&uids).await.expect("fetched");
        let took = start.elapsed();
        let start = Instant::now();
        let mut bytes = 0;
        let counted = session
            .fetch_with(&uids, |_, body| bytes += body.len())
            .await;
        let took_streaming = start.elapsed();
        assert_eq!(counted.expect("fetched"), N);
        assert_eq!(fetched.len(), N);
        for ((_, body), mail) in fetched.iter().zip(&mails) {
            assert_eq!(body.as_slice(), mail.as_bytes());
        }
        let took_baseline = baseline_fetch(&stack, bytes).await;
        let rate = |d: Duration| N as f64 / d.as_secs_f64();
        eprintln!(
            "{N} messages, {bytes} bytes: bare socket {took_baseline:?} = {:.0} msg/s; \
             first fetch_with {took_cold:?} = {:.0} msg/s; \
             fetch {took:?} = {:.0} msg/s; fetch_with {took_streaming:?} = {:.0} msg/s",
            rate(took_baseline),
            rate(took_cold),
            rate(took),
            rate(took_streaming),
        );
    });
}

/// The server's own pace: the same fetch over a bare socket, reading bytes
/// until the tagged OK without parsing anything.
async fn baseline_fetch(stack: &MailStack, at_least: usize) -> Duration {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut tcp = TcpStream::connect(("127.0.0.1", stack.imap_port())).await;
    let tcp = tcp.as_mut().expect("connect");
    let login = format!("a1 LOGIN \"{SUPPORT}\" \"{SUPPORT_PASSWORD}\"\r\na2 SELECT INBOX\r\n");
    tcp.write_all(login.as_bytes()).await.expect("login");
    let mut buf = vec![0; 256 * 1024];
    let mut seen = Vec::new();
    while !seen.windows(6).any(|w| w == b"a2 OK ") {
        let n = tcp.read(&mut buf).await.expect("read");
        assert!(n > 0, "closed: {}", String::from_utf8_lossy(&seen));
        seen.extend_from_slice(&buf[..n]);
    }
    let start = Instant::now();
    tcp.write_all(b"a3 UID FETCH 1:* (UID BODY.PEEK[])\r\n")
        .await
        .expect("fetch");
    let (mut total, mut tail) = (0, Vec::new());
    loop {
        let n = tcp.read(&mut buf).await.expect("read");
        assert!(n > 0, "closed");
        total += n;
        tail.extend_from_slice(&buf[n.saturating_sub(64)..n]);
        tail.drain(..tail.len().saturating_sub(64));
        if total > at_least && tail.windows(6).any(|w| w == b"a3 OK ") {
            return start.elapsed();
        }
    }
}

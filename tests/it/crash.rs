//! `postdesk serve` as a real process, killed where it hurts most: after
//! fetching but before the commit, and after the commit but before the mail
//! is flagged on the server. A restart must neither lose nor duplicate.
use crate::harness::{config_text, customer_inbox, customer_mail, eventually, header};
use crate::mailstack::{CUSTOMER, MailStack, SUPPORT, SUPPORT_PASSWORD};
use crate::support::{fixture, queue_reply};
use postdesk::store::Store;
use std::collections::HashMap;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

struct Setup {
    stack: MailStack,
    dir: tempfile::TempDir,
    db: String,
}

impl Setup {
    fn new(extra: &str, imap_extra: &str) -> Setup {
        let stack = MailStack::start().expect("mail stack");
        let dir = tempfile::tempdir().unwrap();
        let db = format!("sqlite://{}", dir.path().join("crash.db").display());
        let text = config_text(&stack, &db, SUPPORT, SUPPORT_PASSWORD, extra).replace(
            "\n[email_domain.smtp]",
            &format!("{imap_extra}\n\n[email_domain.smtp]"),
        );
        std::fs::write(dir.path().join("postdesk.toml"), text).unwrap();
        Setup { stack, dir, db }
    }

    fn serve(&self, fault: Option<&str>) -> Served {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_postdesk"));
        cmd.arg("serve")
            .arg("--config")
            .arg(self.dir.path().join("postdesk.toml"))
            .env_remove("POSTDESK_DATABASE_URL")
            .env(
                "RUST_LOG",
                std::env::var("POSTDESK_TEST_LOG").unwrap_or("warn".into()),
            )
            .stdout(Stdio::null());
        if std::env::var_os("POSTDESK_TEST_VERBOSE").is_none() {
            cmd.stderr(Stdio::null());
        }
        if let Some(f) = fault {
            cmd.env("POSTDESK_FAULT", f);
        }
        Served(cmd.spawn().expect("run postdesk serve"))
    }

    /// Adds `keys` to the config's `[outbound]` section.
    fn outbound(&self, keys: &str) {
        let path = self.dir.path().join("postdesk.toml");
        let text = std::fs::read_to_string(&path).unwrap();
        let text = text.replace("[outbound]\n", &format!("[outbound]\n{keys}\n"));
        std::fs::write(path, text).unwrap();
    }

    async fn store(&self) -> Store {
        Store::open(&self.db).await.unwrap()
    }

    fn inbox_flags(&self) -> String {
        self.stack
            .folder(SUPPORT, SUPPORT_PASSWORD, "INBOX")
            .unwrap()
    }
}

/// A running `postdesk serve`, killed if a failing test leaves it running
/// (an orphan would keep the test's output pipe open).
struct Served(Child);

impl Drop for Served {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

fn wait_exit(child: &mut Served, limit: Duration) -> ExitStatus {
    let child = &mut child.0;
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            panic!("postdesk did not exit within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// SIGTERM, as a service manager stops it: a clean exit.
fn terminate(mut child: Served) {
    let pid = child.0.id().to_string();
    Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    let status = wait_exit(&mut child, Duration::from_secs(15));
    assert!(status.success(), "clean stop on SIGTERM: {status:?}");
}

async fn count(store: &Store, table: &str) -> i64 {
    store.count(table).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_crash_between_fetch_and_commit_loses_nothing() {
    let s = Setup::new("", "");
    let mail = customer_mail("crash-1@customer.example.net", "Crash one", "Hello.", "");
    s.stack.send(CUSTOMER, SUPPORT, &mail).unwrap();
    let mut child = s.serve(Some("after_fetch"));
    let status = wait_exit(&mut child, Duration::from_secs(15));
    assert!(!status.success(), "the fault point aborts: {status:?}");
    let store = s.store().await;
    assert_eq!(count(&store, "tickets").await, 0, "nothing was committed");
    assert!(
        !s.inbox_flags().contains("\\Seen"),
        "nothing is flagged before the commit"
    );

    let child = s.serve(None);
    eventually(
        "the mail is stored after the restart",
        Duration::from_secs(15),
        || async { (count(&store, "tickets").await == 1).then_some(()) },
    )
    .await;
    eventually("then flagged", Duration::from_secs(5), || async {
        s.inbox_flags().contains("\\Seen").then_some(())
    })
    .await;
    terminate(child);
    assert_eq!(count(&store, "tickets").await, 1);
    assert_eq!(count(&store, "ingest_records").await, 1);
    let ticket = store.tickets().await.unwrap().remove(0);
    let inbound = store.messages_of(ticket.id).await.unwrap();
    assert_eq!(inbound.iter().filter(|m| m.auto_kind.is_none()).count(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_crash_after_the_commit_duplicates_nothing() {
    let s = Setup::new("", "");
    for i in 0..3 {
        let mail = customer_mail(
            &format!("crash2-{i}@customer.example.net"),
            &format!("Crash {i}"),
            "Hi.",
            "",
        );
        s.stack.send(CUSTOMER, SUPPORT, &mail).unwrap();
    }
    let mut child = s.serve(Some("after_commit"));
    let status = wait_exit(&mut child, Duration::from_secs(15));
    assert!(!status.success(), "the fault point aborts: {status:?}");
    let store = s.store().await;
    assert_eq!(count(&store, "tickets").await, 3, "the batch was committed");
    assert!(
        !s.inbox_flags().contains("\\Seen"),
        "but not yet flagged on the server"
    );

    assert_eq!(
        count(&store, "outbox").await,
        0,
        "the crash came before the acknowledgements"
    );
    let child = s.serve(None);
    eventually(
        "flagged after the restart",
        Duration::from_secs(15),
        || async { (s.inbox_flags().matches("\\Seen").count() == 3).then_some(()) },
    )
    .await;
    eventually(
        "acknowledged after the restart",
        Duration::from_secs(5),
        || async { (count(&store, "outbox").await == 3).then_some(()) },
    )
    .await;
    terminate(child);
    assert_eq!(count(&store, "outbox").await, 3, "each acknowledged once");
    assert_eq!(count(&store, "pending_acks").await, 0);
    assert_eq!(count(&store, "tickets").await, 3, "no duplicate tickets");
    assert_eq!(
        count(&store, "ingest_records").await,
        3,
        "each mail recorded once"
    );
    let inbound: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM messages WHERE direction = 'inbound'")
            .fetch_one(store.pool())
            .await
            .unwrap();
    assert_eq!(inbound, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn mail_that_cannot_be_ingested_is_quarantined_and_moved_aside() {
    let s = Setup::new("", "quarantine_folder = \"Quarantine\"");
    let bad = String::from_utf8(fixture("no_from.eml")).unwrap();
    s.stack.send(CUSTOMER, SUPPORT, &bad).unwrap();
    let good = customer_mail("fine@customer.example.net", "Fine", "Hello.", "");
    s.stack.send(CUSTOMER, SUPPORT, &good).unwrap();
    let child = s.serve(None);
    let store = s.store().await;
    eventually("both recorded", Duration::from_secs(15), || async {
        (count(&store, "ingest_records").await == 2).then_some(())
    })
    .await;
    let quarantined = eventually("moved to Quarantine", Duration::from_secs(5), || async {
        let q = s
            .stack
            .folder(SUPPORT, SUPPORT_PASSWORD, "Quarantine")
            .unwrap();
        (!q.is_empty()).then_some(q)
    })
    .await;
    terminate(child);
    assert!(
        quarantined.contains("no_from") || quarantined.contains("Subject"),
        "{quarantined}"
    );
    let outcomes = store.ingest_outcomes().await.unwrap();
    assert!(
        outcomes
            .iter()
            .any(|(o, r)| o == "quarantined" && r.as_deref() == Some("no valid From address")),
        "{outcomes:?}"
    );
    assert_eq!(
        store.quarantined_raw().await.unwrap().len(),
        1,
        "the raw bytes are kept"
    );
    assert_eq!(
        count(&store, "tickets").await,
        1,
        "the good mail still became a ticket"
    );
    let inbox = s.inbox_flags();
    assert_eq!(
        inbox.matches("FETCH").count(),
        1,
        "only the good mail stays in INBOX: {inbox}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn mail_over_the_size_limit_is_quarantined_by_its_header_alone() {
    let s = Setup::new(
        "max_message_bytes = 4000",
        "quarantine_folder = \"Quarantine\"",
    );
    let body = "All work and no play makes Jack a dull boy.\r\n".repeat(200);
    let big = customer_mail("big@customer.example.net", "Big one", &body, "");
    s.stack.send(CUSTOMER, SUPPORT, &big).unwrap();
    let small = customer_mail("small@customer.example.net", "Small one", "Hi.", "");
    s.stack.send(CUSTOMER, SUPPORT, &small).unwrap();
    let child = s.serve(None);
    let store = s.store().await;
    eventually("both recorded", Duration::from_secs(15), || async {
        (count(&store, "ingest_records").await == 2).then_some(())
    })
    .await;
    eventually("moved to Quarantine", Duration::from_secs(5), || async {
        let q = s
            .stack
            .folder(SUPPORT, SUPPORT_PASSWORD, "Quarantine")
            .unwrap();
        q.contains("Big one").then_some(())
    })
    .await;
    terminate(child);
    let outcomes = store.ingest_outcomes().await.unwrap();
    let reason = outcomes
        .iter()
        .find(|(o, _)| o == "quarantined")
        .and_then(|(_, r)| r.clone())
        .unwrap_or_default();
    assert!(reason.contains("over the 4000-byte limit"), "{outcomes:?}");
    let kept = store.quarantined_raw().await.unwrap().remove(0);
    let kept = String::from_utf8_lossy(&kept);
    assert!(
        kept.contains("Subject: Big one") && !kept.contains("Jack"),
        "{kept}"
    );
    let tickets = store.tickets().await.unwrap();
    assert_eq!(tickets.len(), 1);
    assert_eq!(tickets[0].subject, "Small one");
}

/// Killed just after the SMTP server accepted the 4th of 8 queued replies on
/// one connection: the three before it were recorded as each was accepted,
/// so after the restart only the one in flight goes out again (recorded per
/// round, all four went out twice).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_crash_while_sending_resends_at_most_the_message_in_flight() {
    const REPLIES: usize = 8;
    let s = Setup::new("", "");
    s.outbound("connections_per_domain = 1\nlease_secs = 1");
    let mail = customer_mail("resend-0@customer.example.net", "Resend", "Hi.", "");
    s.stack.send(CUSTOMER, SUPPORT, &mail).unwrap();
    let child = s.serve(None);
    let store = s.store().await;
    let sent = "SELECT COUNT(*) FROM outbox WHERE status = 'sent'";
    let sent = || async {
        sqlx::query_scalar::<_, i64>(sent)
            .fetch_one(store.pool())
            .await
            .unwrap()
    };
    eventually(
        "the acknowledgement is sent",
        Duration::from_secs(15),
        || async { (sent().await == 1).then_some(()) },
    )
    .await;
    terminate(child);
    let (ticket, domain): (i64, i64) = sqlx::query_as("SELECT id, email_domain_id FROM tickets")
        .fetch_one(store.pool())
        .await
        .unwrap();
    for n in 0..REPLIES {
        queue_reply(&store, ticket, domain, CUSTOMER, &format!("resend-{n}")).await;
    }

    let mut child = s.serve(Some("after_send:4"));
    let status = wait_exit(&mut child, Duration::from_secs(15));
    assert!(!status.success(), "the fault point aborts: {status:?}");
    assert_eq!(
        sent().await,
        1 + 3,
        "each accepted reply recorded before the next"
    );
    let child = s.serve(None);
    eventually("every reply sent", Duration::from_secs(20), || async {
        (sent().await == 1 + REPLIES as i64).then_some(())
    })
    .await;
    terminate(child);

    let mut copies: HashMap<String, usize> = HashMap::new();
    for raw in customer_inbox(&s.stack).await {
        let id = header(&raw, "Message-ID").unwrap_or_default();
        *copies.entry(id).or_default() += 1;
    }
    let ours = |n: usize| {
        copies
            .get(&format!("<resend-{n}@postdesk.example.com>"))
            .copied()
    };
    let counts: Vec<_> = (0..REPLIES).map(ours).collect();
    assert!(counts.iter().all(|c| c.is_some()), "none lost: {counts:?}");
    assert_eq!(
        counts[3],
        Some(2),
        "the reply in flight went out again: {counts:?}"
    );
    let extra: usize = counts
        .iter()
        .map(|c| c.unwrap_or(0).saturating_sub(1))
        .sum();
    assert_eq!(extra, 1, "no other reply went out twice: {counts:?}");
}

/// Mails of the large ingest: (raw, whether it opens a thread). Every
/// tenth answers the mail before it (by In-Reply-To and References); the
/// threads among the first 400 come from 18 senders, 20 each, so the
/// acknowledgement rate limit bites.
fn large_ingest(count: usize) -> Vec<(Vec<u8>, bool)> {
    let sender = |i: usize| match i < 400 {
        true => format!("heavy{}@customer.example.net", i % 20),
        false => format!("c{i}@customer.example.net"),
    };
    (0..count)
        .map(|i| {
            let reply = i % 10 == 9;
            let (from, threading) = match reply {
                true => (
                    sender(i - 1),
                    format!("In-Reply-To: <m{0}@customer.example.net>\r\nReferences: <m{0}@customer.example.net>\r\n", i - 1),
                ),
                false => (sender(i), String::new()),
            };
            let raw = format!(
                "From: {from}\r\nTo: {SUPPORT}\r\nSubject: Question {i}\r\nMessage-ID: <m{i}@customer.example.net>\r\n{threading}Date: Mon, 7 Dec 2026 10:00:00 +0000\r\n\r\nMy order {i} has not arrived.\r\n"
            );
            (raw.into_bytes(), !reply)
        })
        .collect()
}

async fn scalar(store: &Store, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(store.pool())
        .await
        .unwrap()
}

/// SIGKILL at random moments while 10,000 mails are ingested with
/// acknowledgements on (each kill once the ingest has moved on since the
/// last start), then a run to the end: every mail is one ticket or
/// message, and every acknowledgement the rate limit allows is queued
/// once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn killed_at_random_moments_during_a_large_ingest_nothing_is_lost_or_sent_twice() {
    use rand::{Rng, SeedableRng};
    const MAILS: usize = 10_000;
    const PER_HOUR: i64 = 5;
    let s = Setup::new(
        &format!("[acknowledgement]\nper_sender_per_hour = {PER_HOUR}"),
        "",
    );
    let mails = large_ingest(MAILS);
    let threads = mails.iter().filter(|(_, new)| *new).count() as i64;
    let raw: Vec<Vec<u8>> = mails.into_iter().map(|(raw, _)| raw).collect();
    s.stack.deliver_maildir(SUPPORT, &raw).unwrap();
    let store = s.store().await;
    let seed: u64 = rand::rng().random();
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut kills = 0;
    for _ in 0..4 {
        let before = count(&store, "ingest_records").await;
        if before == MAILS as i64 {
            break;
        }
        let mut child = s.serve(None);
        eventually("the ingest moves on", Duration::from_secs(30), || async {
            (count(&store, "ingest_records").await > before).then_some(())
        })
        .await;
        tokio::time::sleep(Duration::from_millis(rng.random_range(0..400))).await;
        child.0.kill().unwrap();
        wait_exit(&mut child, Duration::from_secs(5));
        kills += 1;
    }
    assert!(kills >= 2, "killed during the ingest (seed {seed})");

    let child = s.serve(None);
    let unseen = || {
        let answer = s
            .stack
            .imap(
                SUPPORT,
                SUPPORT_PASSWORD,
                &["EXAMINE INBOX", "SEARCH UNSEEN"],
            )
            .unwrap();
        answer
            .lines()
            .find(|l| l.starts_with("* SEARCH"))
            .map_or(0, |l| l.split_whitespace().count() - 2)
    };
    eventually("every mail flagged", Duration::from_secs(120), || async {
        (unseen() == 0).then_some(())
    })
    .await;
    eventually(
        "every acknowledgement queued",
        Duration::from_secs(60),
        || async { (count(&store, "pending_acks").await == 0).then_some(()) },
    )
    .await;
    terminate(child);
    let at = format!("(seed {seed}, {kills} kills)");
    assert_eq!(count(&store, "ingest_records").await, MAILS as i64, "{at}");
    assert_eq!(count(&store, "tickets").await, threads, "{at}");
    let inbound = "SELECT COUNT(DISTINCT message_id) FROM messages WHERE direction = 'inbound'";
    assert_eq!(scalar(&store, inbound).await, MAILS as i64, "{at}");
    let copies = "SELECT COUNT(*) FROM messages WHERE direction = 'inbound'";
    assert_eq!(scalar(&store, copies).await, MAILS as i64, "{at}");
    let allowed = format!(
        "SELECT SUM(MIN(n, {PER_HOUR})) FROM (SELECT COUNT(*) AS n FROM tickets GROUP BY requester_id)"
    );
    let acks =
        "SELECT COUNT(*) FROM messages WHERE auto_kind IS NOT NULL AND direction = 'outbound'";
    let allowed = scalar(&store, &allowed).await;
    assert_eq!(allowed, threads - 18 * (20 - PER_HOUR), "{at}");
    assert_eq!(scalar(&store, acks).await, allowed, "{at}");
    let twice = "SELECT COUNT(*) FROM (SELECT ticket_id FROM messages WHERE auto_kind IS NOT NULL
                 GROUP BY ticket_id HAVING COUNT(*) > 1)";
    assert_eq!(scalar(&store, twice).await, 0, "{at}");
    let queued = "SELECT COUNT(*) FROM outbox o JOIN messages m ON m.id = o.message_id
                  WHERE m.auto_kind IS NOT NULL";
    assert_eq!(scalar(&store, queued).await, allowed, "{at}");
}

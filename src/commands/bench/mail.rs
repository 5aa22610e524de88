//! `postdesk bench imap` and `bench smtp`: Postdesk's mail rates through
//! real servers, printed beside the raw rate of the same server for the same
//! mail, so the ratio shows how close to the server's limit Postdesk runs.
use super::corpus::Corpus;
use super::raw_smtp;
use crate::devstack::{MailStack, SUPPORT, SUPPORT_PASSWORD, SmtpSink};
use crate::domain::{AfterAction, EmailAddress, ImapSettings, Secret, SmtpSettings, TlsMode};
use crate::inbound::imap::ImapSession;
use crate::inbound::poller::{Poller, PollerConfig};
use crate::inbound::tls::TlsConfig;
use crate::ingest::{Incoming, Ingestor, Limits, Source};
use crate::outbound::sender::{Sender, SenderConfig};
use crate::service::replies::{Body, Replies, ReplyRequest};
use crate::store::Store;
use crate::store::domains::DomainSpec;
use std::sync::Arc;
use std::time::{Duration, Instant};

const ROUNDS: usize = 3;

fn imap_settings(stack: &MailStack) -> ImapSettings {
    ImapSettings {
        host: "127.0.0.1".into(),
        port: stack.imap_port(),
        tls: TlsMode::None,
        username: SUPPORT.into(),
        password: Secret::new(SUPPORT_PASSWORD),
        folder: "INBOX".into(),
        after: AfterAction::Seen,
        quarantine_folder: None,
    }
}

/// Microseconds per mail to parse and hash the mails on one thread, the
/// part of Postdesk's work that needs no database.
fn parse_cost(mails: &[Vec<u8>]) -> f64 {
    let started = Instant::now();
    for raw in mails {
        std::hint::black_box(crate::ingest::prepare(Incoming {
            source: Source::Import,
            raw: raw.clone(),
        }));
    }
    started.elapsed().as_secs_f64() * 1e6 / mails.len().max(1) as f64
}

/// support@ sending through plain SMTP on a loopback port, nothing else.
pub fn sending_to(port: u16) -> anyhow::Result<DomainSpec> {
    Ok(DomainSpec {
        address: EmailAddress::parse(SUPPORT)?,
        name: "Bench".into(),
        imap: None,
        smtp: Some(SmtpSettings {
            host: "127.0.0.1".into(),
            port,
            tls: TlsMode::None,
            username: None,
            password: None,
        }),
        default_team: None,
        enabled: true,
    })
}

/// CPU time of this process and of the stack's Dovecot since `start`.
struct Cpu {
    here: Duration,
    dovecot: Duration,
}

/// Microseconds of CPU per mail.
struct PerMail {
    here: f64,
    dovecot: f64,
}

impl Cpu {
    fn now(stack: &MailStack) -> Self {
        Self {
            here: crate::devstack::cpu::this_process().unwrap_or_default(),
            dovecot: stack.dovecot_cpu().unwrap_or_default(),
        }
    }

    fn start(stack: &MailStack) -> Self {
        Self::now(stack)
    }

    fn per_mail(&self, stack: &MailStack, mails: usize) -> PerMail {
        let now = Self::now(stack);
        let us = |a: Duration, b: Duration| a.saturating_sub(b).as_secs_f64() * 1e6 / mails as f64;
        PerMail {
            here: us(now.here, self.here),
            dovecot: us(now.dovecot, self.dovecot),
        }
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

pub(super) async fn fresh_store(dir: &tempfile::TempDir) -> anyhow::Result<Store> {
    Store::open(&format!(
        "sqlite://{}",
        dir.path().join("bench.db").display()
    ))
    .await
}

/// The raw rate: one connection, `UID FETCH … BODY.PEEK[]` of every
/// message in batches, nothing else.
async fn raw_fetch(
    settings: &ImapSettings,
    tls: &TlsConfig,
    batch: usize,
) -> anyhow::Result<(usize, Duration)> {
    let started = Instant::now();
    let mut s = ImapSession::connect(settings, tls, Duration::from_secs(60)).await?;
    s.select(&settings.folder).await?;
    let uids = s.new_uids(0).await?;
    let mut n = 0;
    for chunk in uids.chunks(batch) {
        n += s.fetch(chunk).await?.len();
    }
    let elapsed = started.elapsed();
    s.logout().await?;
    Ok((n, elapsed))
}

pub async fn imap(count: usize, batch: usize, acknowledge: bool) -> anyhow::Result<()> {
    let mails: Vec<Vec<u8>> = Corpus::new(7, count).collect::<anyhow::Result<_>>()?;
    let bytes: usize = mails.iter().map(Vec::len).sum();
    let parse_us = parse_cost(&mails);
    let stack = Arc::new(tokio::task::spawn_blocking(MailStack::start).await??);
    let preload = Instant::now();
    let s2 = stack.clone();
    tokio::task::spawn_blocking(move || s2.deliver_maildir(SUPPORT, &mails)).await??;
    println!(
        "bench imap: {count} generated mails ({:.1} KB average) preloaded into a local Dovecot (maildir) in {:.2} s; batch {batch}",
        bytes as f64 / count as f64 / 1000.0,
        preload.elapsed().as_secs_f64()
    );
    let settings = imap_settings(&stack);
    let tls = TlsConfig::webpki()?;
    // Dovecot indexes a new maildir on the first SELECT: not part of either figure.
    raw_fetch(&settings, &tls, batch).await?;
    let mut raw = Vec::new();
    let cpu = Cpu::start(&stack);
    for _ in 0..ROUNDS {
        let (n, t) = raw_fetch(&settings, &tls, batch).await?;
        anyhow::ensure!(n == count, "raw fetch saw {n} of {count} mails");
        raw.push(n as f64 / t.as_secs_f64());
    }
    let raw_cpu = cpu.per_mail(&stack, ROUNDS * count);
    let raw_rate = median(raw);
    println!(
        "  raw IMAP fetch          {raw_rate:>9.0} mails/s (median of {ROUNDS}; one connection, UID FETCH BODY.PEEK[])"
    );
    println!(
        "                          CPU per mail: Dovecot {:.1} µs, the fetching client {:.1} µs",
        raw_cpu.dovecot, raw_cpu.here
    );

    let dir = tempfile::tempdir()?;
    let store = fresh_store(&dir).await?;
    let domain = store
        .sync_email_domains(&[DomainSpec {
            address: EmailAddress::parse(SUPPORT)?,
            name: "Bench".into(),
            imap: Some(settings.clone()),
            smtp: None,
            default_team: None,
            enabled: true,
        }])
        .await?
        .remove(0);
    let ingestor = Ingestor::new(store.clone(), Limits::default()).await?;
    let replies = Replies::new(store.clone(), ingestor.signer().clone());
    let (stop, rx) = tokio::sync::watch::channel(false);
    // As `serve` runs by default: each new ticket acknowledged (queued for
    // the sender, which this bench does not run), three per sender an hour.
    let config = PollerConfig {
        batch,
        acknowledge: acknowledge
            .then_some(crate::config::Acknowledgement::default().per_sender_per_hour),
        ..PollerConfig::default()
    };
    // As in `serve`, every commit feeds the pages' live updates.
    let live = Arc::<crate::service::live::Live>::default();
    tokio::spawn(live.run(store.clone(), rx.clone()));
    let cpu = Cpu::start(&stack);
    let started = Instant::now();
    let poller = Poller::new(domain.id, ingestor, replies, tls, config, rx);
    let task = tokio::spawn(poller.run());
    loop {
        let done = store.count("ingest_records").await? as usize;
        if done >= count {
            break;
        }
        anyhow::ensure!(
            started.elapsed() < Duration::from_secs(600),
            "stuck at {done} of {count}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let elapsed = started.elapsed();
    // Acknowledgements still being queued when the last mail is flagged.
    while acknowledge && store.count("pending_acks").await? > 0 {
        anyhow::ensure!(
            started.elapsed() < Duration::from_secs(600),
            "acknowledgements stuck"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let acked = started.elapsed();
    let poller_cpu = cpu.per_mail(&stack, count);
    let _ = stop.send(true);
    let _ = task.await;
    let rate = count as f64 / elapsed.as_secs_f64();
    let acks = if acknowledge {
        format!(
            "acknowledgements on: {} queued, all by {:.2} s",
            store.count("outbox").await?,
            acked.as_secs_f64()
        )
    } else {
        "acknowledgements off".to_string()
    };
    println!(
        "  postdesk poller         {rate:>9.0} mails/s (connect, fetch, parse, commit tickets to SQLite, flag \\Seen; {:.2} s; {acks})",
        elapsed.as_secs_f64()
    );
    println!(
        "                          CPU per mail: Postdesk {:.1} µs, Dovecot {:.1} µs",
        poller_cpu.here, poller_cpu.dovecot
    );
    println!("                          (of which parsing alone, on one core: {parse_us:.1} µs)");
    println!(
        "  ratio                   {:>9.2} of the raw fetch rate",
        rate / raw_rate
    );
    // Postdesk and the server it reads share this machine's cores: their
    // CPU per mail bounds the rate whatever the pipeline overlaps.
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let ceiling = cores as f64 * 1e6 / (poller_cpu.here + poller_cpu.dovecot);
    println!(
        "  CPU ceiling             {ceiling:>9.0} mails/s ({cores} cores / CPU per mail of both; {:.2} of the raw rate)",
        ceiling / raw_rate
    );
    println!(
        "  tickets                 {:>9}",
        store.count("tickets").await?
    );
    println!(
        "  messages                {:>9}",
        store.count("messages").await?
    );
    println!(
        "  peak memory             {:>9.1} MiB (VmHWM of the whole bench process)",
        super::peak_memory_kib() as f64 / 1024.0
    );
    Ok(())
}

/// A ticket per 10 replies, each reply queued through the reply service.
pub(super) async fn queue_replies(
    store: &Store,
    replies: &Replies,
    count: usize,
) -> anyhow::Result<Duration> {
    let ingestor = Ingestor::new(store.clone(), Limits::default()).await?;
    let threads = count.div_ceil(10).max(1);
    let seeds: Vec<Incoming> = (0..threads)
        .map(|i| Incoming {
            source: Source::Import,
            raw: format!(
                "From: customer{i}@example.net\r\nTo: {SUPPORT}\r\nSubject: Bench question {i}\r\nMessage-ID: <bench-{i}@example.net>\r\n\r\nHello, question {i}.\r\n"
            )
            .into_bytes(),
        })
        .collect();
    ingestor.ingest(seeds).await?;
    let tickets: Vec<i64> = store.tickets().await?.into_iter().map(|t| t.id).collect();
    let agent = store
        .create_agent(
            "agent@example.com",
            "Bench Agent",
            "agent",
            "Bench Agent\nExample Support",
        )
        .await?;
    let started = Instant::now();
    for i in 0..count {
        replies
            .reply(ReplyRequest {
                ticket_id: tickets[i % tickets.len()],
                agent_id: Some(agent),
                body: Body::Text(format!(
                    "Hello,\n\nthank you for your patience. Reply number {i}: we checked the order and it ships today.\n\nKind regards"
                )),
                attachments: Vec::new(),
            })
            .await?;
    }
    Ok(started.elapsed())
}

pub async fn smtp(count: usize, connections: u32) -> anyhow::Result<()> {
    let sink = tokio::task::spawn_blocking(SmtpSink::start).await??;
    let dir = tempfile::tempdir()?;
    let store = fresh_store(&dir).await?;
    store
        .sync_email_domains(&[sending_to(sink.port())?])
        .await?;
    let signer = crate::mail::thread::TokenSigner::new(&store.reply_secret().await?);
    let replies = Replies::new(store.clone(), signer);
    let queued = queue_replies(&store, &replies, count).await?;
    println!(
        "bench smtp: {count} replies queued through the reply service in {:.2} s ({:.0}/s); receiver: aiosmtpd discarding on loopback; {connections} connections",
        queued.as_secs_f64(),
        count as f64 / queued.as_secs_f64()
    );
    let mails: Vec<raw_smtp::Mail> = {
        let rows: Vec<(String, String, Vec<u8>)> = sqlx::query_as(
            "SELECT m.from_address, m.to_addrs, s.raw FROM messages m JOIN message_sources s ON s.message_id = m.id
             WHERE m.direction = 'outbound' ORDER BY m.id",
        )
        .fetch_all(store.pool())
        .await?;
        #[derive(serde::Deserialize)]
        struct Address {
            address: String,
        }
        let mut out = Vec::with_capacity(rows.len());
        for (from, to, raw) in rows {
            let to: Vec<Address> = serde_json::from_str(&to)?;
            out.push((from, to.into_iter().map(|a| a.address).collect(), raw));
        }
        out
    };
    let mut raw = Vec::new();
    for _ in 0..ROUNDS {
        let started = Instant::now();
        let n = raw_smtp::send_all(sink.port(), &mails, connections as usize).await?;
        raw.push(n as f64 / started.elapsed().as_secs_f64());
    }
    let raw_rate = median(raw);
    println!(
        "  raw SMTP send           {raw_rate:>9.0} mails/s (median of {ROUNDS}; a minimal client, same bytes, same connection count)"
    );

    let sender = Sender::new(
        store.clone(),
        SenderConfig {
            connections_per_domain: connections,
            ..SenderConfig::default()
        },
    )?;
    let started = Instant::now();
    let mut sent = 0;
    while sent < count {
        let n = sender.send_due().await?;
        anyhow::ensure!(
            n > 0 || started.elapsed() < Duration::from_secs(600),
            "the sender stalled at {sent}"
        );
        sent += n;
    }
    let elapsed = started.elapsed();
    let rate = count as f64 / elapsed.as_secs_f64();
    let counts = store.outbox_counts().await?;
    println!(
        "  postdesk sender         {rate:>9.0} mails/s (claim with lease, send, record per batch; {:.2} s)",
        elapsed.as_secs_f64()
    );
    println!(
        "  ratio                   {:>9.2} of the raw send rate",
        rate / raw_rate
    );
    println!("  outbox                  {counts:?}");
    println!("  receiver counted        {:>9}", sink.received()?);
    println!(
        "  peak memory             {:>9.1} MiB (VmHWM of the whole bench process)",
        super::peak_memory_kib() as f64 / 1024.0
    );
    Ok(())
}

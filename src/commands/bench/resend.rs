//! `postdesk bench resend`: queued replies sent by `postdesk serve` into a
//! discarding SMTP receiver while the server is killed with SIGKILL several
//! times, then counted by Message-ID at the receiver: how many went out
//! twice (sent but not yet recorded when the process died) and how many
//! never went out.
use super::api::Server;
use super::mail::{fresh_store, queue_replies, sending_to};
use crate::devstack::SmtpSink;
use crate::service::replies::Replies;
use crate::store::Store;
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// Short, so the bench does not wait two minutes for crashed leases.
const LEASE_SECS: u64 = 5;
/// Longest wait for the receiver to reach a count, or the outbox to drain.
const PATIENCE: Duration = Duration::from_secs(300);

pub async fn resend(count: usize, kills: usize, connections: u32) -> anyhow::Result<()> {
    anyhow::ensure!(count > kills, "--count must be larger than --kills");
    let sink = tokio::task::spawn_blocking(SmtpSink::start).await??;
    let dir = tempfile::tempdir()?;
    let store = fresh_store(&dir).await?;
    store
        .sync_email_domains(&[sending_to(sink.port())?])
        .await?;
    let signer = crate::mail::thread::TokenSigner::new(&store.reply_secret().await?);
    queue_replies(&store, &Replies::new(store.clone(), signer), count).await?;
    let expected = outbound_ids(&store).await?;
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    let extra =
        format!("[outbound]\nlease_secs = {LEASE_SECS}\nconnections_per_domain = {connections}\n");
    let config = Server::config(dir.path(), &url, &extra)?;
    println!(
        "bench resend: {count} queued replies, `postdesk serve` killed with SIGKILL {kills} times while sending ({connections} connections, lease {LEASE_SECS} s), receiver: aiosmtpd discarding on loopback"
    );
    let started = Instant::now();
    let step = count / (kills + 1);
    for k in 1..=kills {
        let server = Server::spawn(&config, &[]).await?;
        until(|| Ok(sink.received()? >= (step * k) as u64)).await?;
        server.kill();
    }
    let server = Server::spawn(&config, &[]).await?;
    let deadline = Instant::now() + PATIENCE;
    while !store.outbox_depth().await?.is_empty() {
        anyhow::ensure!(Instant::now() < deadline, "the outbox did not drain");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    server.stop();
    let elapsed = started.elapsed();
    report(&expected, &sink.received_ids()?, &store, elapsed).await
}

/// The Message-IDs of the queued replies, without angle brackets.
async fn outbound_ids(store: &Store) -> anyhow::Result<Vec<String>> {
    let ids: Vec<(String,)> =
        sqlx::query_as("SELECT message_id FROM messages WHERE direction = 'outbound'")
            .fetch_all(store.pool())
            .await?;
    Ok(ids.into_iter().map(|(id,)| bare(&id).to_owned()).collect())
}

fn bare(id: &str) -> &str {
    id.trim().trim_start_matches('<').trim_end_matches('>')
}

/// Polls `reached` every 5 ms until it holds, for at most [`PATIENCE`].
async fn until(reached: impl Fn() -> anyhow::Result<bool>) -> anyhow::Result<()> {
    let deadline = Instant::now() + PATIENCE;
    while !reached()? {
        anyhow::ensure!(Instant::now() < deadline, "the receiver stopped counting");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    Ok(())
}

async fn report(
    expected: &[String],
    received: &[String],
    store: &Store,
    elapsed: Duration,
) -> anyhow::Result<()> {
    let mut copies: HashMap<&str, usize> = expected.iter().map(|id| (id.as_str(), 0)).collect();
    let mut strangers = 0;
    for id in received {
        match copies.get_mut(bare(id)) {
            Some(n) => *n += 1,
            None => strangers += 1,
        }
    }
    let lost = copies.values().filter(|n| **n == 0).count();
    let twice = copies.values().filter(|n| **n > 1).count();
    let extra: usize = copies.values().map(|n| n.saturating_sub(1)).sum();
    let most = copies.values().copied().max().unwrap_or(0);
    println!(
        "  wall time               {:>7.2} s (leases included)",
        elapsed.as_secs_f64()
    );
    println!(
        "  delivered               {:>7} of {}",
        expected.len() - lost,
        expected.len()
    );
    println!("  delivered more than once{twice:>7} ({extra} extra copies, at most {most} of one)");
    println!("  never delivered         {lost:>7}");
    println!("  not ours                {strangers:>7}");
    println!(
        "  outbox                  {:?}",
        store.outbox_counts().await?
    );
    Ok(())
}

//! `postdesk bench …`: commands that measure and print figures.
pub mod api;
mod corpus;
pub mod live;
pub mod mail;
pub mod pages;
mod raw_smtp;
pub mod resend;

use crate::domain::BanPattern;
use crate::ingest::{Ingestor, Limits, stream::stream, tally};
use crate::store::Store;
use std::time::Instant;

pub async fn ingest(count: usize, batch: usize) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    let store = Store::open(&url).await?;
    store
        .create_ban(&BanPattern::parse(corpus::BANNED)?, "bench spammer", None)
        .await?;
    let ingestor = Ingestor::new(store.clone(), Limits::default()).await?;
    let corpus = corpus::Corpus::new(42, count);
    println!(
        "bench ingest: {count} generated emails (~70% new threads, ~30% replies by References, ~3% auto-replies, ~2% banned), batch {batch}, SQLite WAL in {}",
        dir.path().display()
    );
    let started = Instant::now();
    let done = stream(&ingestor, corpus, batch, |_| {}).await?;
    let elapsed = started.elapsed();
    let rate = count as f64 / elapsed.as_secs_f64();
    println!("  wall time        {:>8.2} s", elapsed.as_secs_f64());
    println!("  throughput       {rate:>8.0} emails/s");
    println!(
        "  generate+parse   {:>8.2} s (producer thread, overlaps storing)",
        done.timings.reading_and_parsing.as_secs_f64()
    );
    println!(
        "  store            {:>8.2} s (transactions)",
        done.timings.storing.as_secs_f64()
    );
    for (outcome, n) in tally(&done.results) {
        println!("  {:<16} {n:>8}", outcome.as_str());
    }
    println!("  tickets          {:>8}", store.count("tickets").await?);
    println!("  messages         {:>8}", store.count("messages").await?);
    println!(
        "  peak memory      {:>8.1} MiB (VmHWM)",
        peak_memory_kib() as f64 / 1024.0
    );
    let db_bytes: u64 = ["bench.db", "bench.db-wal"]
        .iter()
        .filter_map(|f| std::fs::metadata(dir.path().join(f)).ok())
        .map(|m| m.len())
        .sum();
    println!(
        "  database size    {:>8.1} MiB",
        db_bytes as f64 / 1048576.0
    );
    Ok(())
}

/// Peak resident memory of this process, from /proc (0 where unavailable).
pub fn peak_memory_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

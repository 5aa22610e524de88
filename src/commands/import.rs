use super::sources;
use crate::ingest::{Ingestor, Limits, stream::stream, tally};
use crate::store::Store;
use indicatif::{ProgressBar, ProgressStyle};
use std::path::Path;

pub async fn run(database_url: &str, path: &Path, batch: usize) -> anyhow::Result<()> {
    let source = sources::open(path)?;
    let store = Store::open(database_url).await?;
    let ingestor = Ingestor::new(store, Limits::default()).await?;
    let bar = match source.total {
        Some(n) => ProgressBar::new(n).with_style(
            ProgressStyle::with_template("{bar:40} {pos}/{len} emails  {per_sec}  eta {eta}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        ),
        None => ProgressBar::new_spinner().with_style(
            ProgressStyle::with_template("{spinner} {pos} emails  {per_sec}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        ),
    };
    let done = stream(&ingestor, source.mails, batch, |n| bar.inc(n)).await?;
    bar.finish_and_clear();
    println!(
        "imported {} ({}): {} emails",
        path.display(),
        source.kind,
        done.results.len()
    );
    for (outcome, n) in tally(&done.results) {
        println!("  {:<12} {n}", outcome.as_str());
    }
    for e in &done.unreadable {
        println!("  unreadable   {e}");
    }
    Ok(())
}

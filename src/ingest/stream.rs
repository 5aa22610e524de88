//! Feeding a long stream of mails through the pipeline: parsing of the next
//! batch overlaps with storing of the current one.
use super::{Incoming, Ingested, Ingestor, Prepared, Source, prepare_all};
use std::time::{Duration, Instant};

/// Where the time went, for benchmarks.
#[derive(Debug, Default, Clone, Copy)]
pub struct Timings {
    pub reading_and_parsing: Duration,
    pub storing: Duration,
}

pub struct Streamed {
    pub results: Vec<Ingested>,
    /// Inputs that could not even be read, with why.
    pub unreadable: Vec<String>,
    pub timings: Timings,
}

pub async fn stream<I>(
    ingestor: &Ingestor,
    mails: I,
    batch: usize,
    mut progress: impl FnMut(u64),
) -> anyhow::Result<Streamed>
where
    I: Iterator<Item = anyhow::Result<Vec<u8>>> + Send + 'static,
{
    let batch = batch.max(1);
    let (tx, mut rx) = tokio::sync::mpsc::channel::<(Vec<Prepared>, Vec<String>, Duration)>(2);
    let producer = tokio::task::spawn_blocking(move || {
        let mut mails = mails.peekable();
        while mails.peek().is_some() {
            let started = Instant::now();
            let mut inputs = Vec::with_capacity(batch);
            let mut unreadable = Vec::new();
            for mail in mails.by_ref().take(batch) {
                match mail {
                    Ok(raw) => inputs.push(Incoming {
                        source: Source::Import,
                        raw,
                    }),
                    Err(e) => unreadable.push(format!("{e:#}")),
                }
            }
            let prepared = prepare_all(inputs);
            if tx
                .blocking_send((prepared, unreadable, started.elapsed()))
                .is_err()
            {
                break;
            }
        }
    });
    let mut out = Streamed {
        results: Vec::new(),
        unreadable: Vec::new(),
        timings: Timings::default(),
    };
    while let Some((prepared, unreadable, parse_time)) = rx.recv().await {
        let n = (prepared.len() + unreadable.len()) as u64;
        out.timings.reading_and_parsing += parse_time;
        out.unreadable.extend(unreadable);
        let started = Instant::now();
        out.results
            .extend(ingestor.ingest_prepared(prepared).await?);
        out.timings.storing += started.elapsed();
        progress(n);
    }
    producer.await?;
    Ok(out)
}

//! The pipeline: raw bytes → decision → one store transaction per batch.
//!
//! Parsing is pure and runs on blocking threads in parallel; deciding is a
//! pure function over a snapshot (`plan`); the store carries the plan out.
//! A batch that fails as a whole is retried item by item, and an item that
//! still fails is quarantined with the error, so one bad mail never blocks
//! the others and every input ends in exactly one ingest record.
mod admit;
pub mod plan;
pub mod stream;

use crate::domain::MessageId;
use crate::mail::{self, ParsedMail, thread::TokenSigner};
use crate::service::sla::SlaTargets;
use crate::store::{self, Store};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// Where an input came from; decides how a re-delivery is recognised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A file, mbox or maildir: recognised again by its bytes.
    Import,
    /// An IMAP mailbox: recognised again by (mailbox, UIDVALIDITY, UID).
    Imap {
        email_domain_id: i64,
        uidvalidity: u32,
        uid: u32,
        /// Whether the poller acknowledges the tickets this mail opens
        /// (they are then marked pending in the storing transaction).
        acknowledge: bool,
    },
    /// An admin's retry of quarantine record `of`: recognised again by the
    /// record and the bytes, so it happens once; a ticket it opens belongs
    /// to the email domain the mail came in on.
    Retry {
        of: i64,
        email_domain_id: Option<i64>,
    },
}

#[derive(Debug, Clone)]
pub struct Incoming {
    pub source: Source,
    pub raw: Vec<u8>,
}

/// An input after the pure, CPU-bound work.
#[derive(Debug)]
pub struct Prepared {
    pub source: Source,
    pub source_key: String,
    pub raw: Vec<u8>,
    pub raw_sha256: String,
    /// The header Message-ID, or one derived from the bytes when missing.
    pub message_id: MessageId,
    pub mail: Result<ParsedMail, String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Created,
    Appended,
    Duplicate,
    Banned,
    Dropped,
    Bounce,
    Quarantined,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Created => "created",
            Outcome::Appended => "appended",
            Outcome::Duplicate => "duplicate",
            Outcome::Banned => "banned",
            Outcome::Dropped => "dropped",
            Outcome::Bounce => "bounce",
            Outcome::Quarantined => "quarantined",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ingested {
    pub outcome: Outcome,
    pub ticket_id: Option<i64>,
}

/// Limits applied while storing.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Attachments larger than this are recorded but their bytes not kept.
    pub max_attachment_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_attachment_bytes: 25 * 1024 * 1024,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Ingestor {
    store: Store,
    signer: TokenSigner,
    limits: Limits,
    sla: SlaTargets,
}

/// How a mail from `source` is recognised again (its ingest record's key).
pub fn source_key(source: &Source, raw: &[u8]) -> String {
    let raw_sha256 = || data_encoding::HEXLOWER.encode(&Sha256::digest(raw));
    match source {
        Source::Import => format!("sha256:{}", raw_sha256()),
        Source::Retry { of, .. } => format!("retry:{of}:{}", raw_sha256()),
        Source::Imap {
            email_domain_id,
            uidvalidity,
            uid,
            ..
        } => format!("imap:{email_domain_id}:{uidvalidity}:{uid}"),
    }
}

pub fn prepare(incoming: Incoming) -> Prepared {
    let raw_sha256 = data_encoding::HEXLOWER.encode(&Sha256::digest(&incoming.raw));
    let source_key = source_key(&incoming.source, &incoming.raw);
    // A parser bug must cost one quarantined mail, not the batch.
    let parsed = std::panic::catch_unwind(|| mail::parse(&incoming.raw));
    let mail = match parsed {
        Ok(result) => result.map_err(|e| e.to_string()),
        Err(_) => Err("the mail parser failed on this input".to_string()),
    };
    let derived = || MessageId::parse(&format!("sha256-{}@postdesk.invalid", &raw_sha256[..32]));
    let message_id = match mail.as_ref().ok().and_then(|m| m.message_id.clone()) {
        Some(id) => id,
        None => derived().expect("a hex id is a valid Message-ID"),
    };
    Prepared {
        source: incoming.source,
        source_key,
        raw: incoming.raw,
        raw_sha256,
        message_id,
        mail,
    }
}

/// Parses on every core; order is kept.
pub fn prepare_all(inputs: Vec<Incoming>) -> Vec<Prepared> {
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    if inputs.len() < 64 || threads < 2 {
        return inputs.into_iter().map(prepare).collect();
    }
    let chunk = inputs.len().div_ceil(threads);
    let mut chunks: Vec<Vec<Incoming>> = Vec::new();
    let mut iter = inputs.into_iter().peekable();
    while iter.peek().is_some() {
        chunks.push(iter.by_ref().take(chunk).collect());
    }
    std::thread::scope(|s| {
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|c| s.spawn(move || c.into_iter().map(prepare).collect::<Vec<_>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    })
}

impl Ingestor {
    pub async fn new(store: Store, limits: Limits) -> anyhow::Result<Self> {
        let signer = TokenSigner::new(&store.reply_secret().await?);
        Ok(Self {
            store,
            signer,
            limits,
            sla: SlaTargets::default(),
        })
    }

    /// Tickets get due times from these first-response targets (none by default).
    pub fn with_sla(mut self, targets: SlaTargets) -> Self {
        self.sla = targets;
        self
    }

    pub fn signer(&self) -> &TokenSigner {
        &self.signer
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Parses (off the async runtime) and stores a batch.
    pub async fn ingest(&self, inputs: Vec<Incoming>) -> anyhow::Result<Vec<Ingested>> {
        let prepared = tokio::task::spawn_blocking(move || prepare_all(inputs)).await?;
        self.ingest_prepared(prepared).await
    }

    /// Stores an already parsed batch in one transaction; on failure, item
    /// by item; an item that fails alone is quarantined with the error.
    pub async fn ingest_prepared(&self, items: Vec<Prepared>) -> anyhow::Result<Vec<Ingested>> {
        let done = self.store_prepared(items).await?;
        for (outcome, n) in tally(&done) {
            crate::metrics::emails_in(outcome.as_str(), n as u64);
        }
        Ok(done)
    }

    async fn store_prepared(&self, items: Vec<Prepared>) -> anyhow::Result<Vec<Ingested>> {
        match self.store_batch(&items).await {
            Ok(done) => Ok(done),
            Err(batch_err) if items.len() > 1 => {
                tracing::warn!(error = %format!("{batch_err:#}"), "batch failed; storing item by item");
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    out.push(self.store_alone(item).await?);
                }
                Ok(out)
            }
            Err(err) => {
                let item = items.into_iter().next().expect("one item");
                Ok(vec![self.quarantine(item, &err).await?])
            }
        }
    }

    async fn store_alone(&self, item: Prepared) -> anyhow::Result<Ingested> {
        let items = vec![item];
        match self.store_batch(&items).await {
            Ok(mut done) => Ok(done.remove(0)),
            Err(err) => {
                self.quarantine(items.into_iter().next().expect("one item"), &err)
                    .await
            }
        }
    }

    async fn quarantine(
        &self,
        mut item: Prepared,
        err: &anyhow::Error,
    ) -> anyhow::Result<Ingested> {
        tracing::error!(source = %item.source_key, error = %format!("{err:#}"), "quarantined");
        item.mail = Err(format!("could not be stored: {err:#}"));
        self.store_batch(&[item]).await.map(|mut d| d.remove(0))
    }

    async fn store_batch(&self, items: &[Prepared]) -> anyhow::Result<Vec<Ingested>> {
        let mut tx = self.store.begin_write().await?;
        let snapshot =
            store::ingest::load_snapshot(&mut tx, &plan::wanted(items, &self.signer)).await?;
        let plan = plan::plan(items, &snapshot, &self.signer);
        let settings = store::ingest::Settings {
            limits: &self.limits,
            sla: &self.sla,
        };
        let done = store::ingest::write_plan(&mut tx, items, &plan, settings, snapshot.now).await?;
        tx.commit().await?;
        Ok(done)
    }
}

/// Counts per outcome, for the CLI and benchmarks.
pub fn tally(results: &[Ingested]) -> BTreeMap<Outcome, usize> {
    let mut counts = BTreeMap::new();
    for r in results {
        *counts.entry(r.outcome).or_insert(0) += 1;
    }
    counts
}

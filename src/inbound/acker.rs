//! Acknowledging new tickets beside the poller, so that fetching and
//! storing the next batch never waits for them. The poller stores each new
//! ticket with a pending mark and pokes the acker; the acker queues its
//! mailbox's pending acknowledgements a batch per transaction until none is
//! left (see [`crate::service::acknowledgements`]), and after a database
//! error tries again after a pause. A pending mark is taken only by the
//! transaction that queues its acknowledgement, so stopping the acker at
//! any moment loses none and sends none twice.
use crate::service::replies::{Replies, ReplyError};
use crate::store::Store;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;

/// Pending acknowledgements read per batch.
const BATCH: i64 = 500;
/// The pause after a failed batch.
const RETRY: Duration = Duration::from_secs(1);

/// The acknowledging task of one mailbox; stopped when dropped.
pub struct Acker {
    wake: Arc<Notify>,
    task: JoinHandle<()>,
}

impl Acker {
    /// Starts acknowledging (what a crash left pending first).
    pub fn spawn(
        store: Store,
        replies: Replies,
        domain_id: i64,
        per_hour: u32,
        shutdown: watch::Receiver<bool>,
    ) -> Self {
        let wake = Arc::new(Notify::new());
        wake.notify_one();
        let task = tokio::spawn(run(
            store,
            replies,
            domain_id,
            per_hour,
            wake.clone(),
            shutdown,
        ));
        Self { wake, task }
    }

    /// New tickets may be pending.
    pub fn poke(&self) {
        self.wake.notify_one();
    }
}

impl Drop for Acker {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn run(
    store: Store,
    replies: Replies,
    domain_id: i64,
    per_hour: u32,
    wake: Arc<Notify>,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        tokio::select! {
            _ = wake.notified() => {}
            _ = shutdown.wait_for(|s| *s) => return,
        }
        while let Err(e) = acknowledge_pending(&store, &replies, domain_id, per_hour).await {
            tracing::warn!(domain = domain_id, error = %format!("{e:#}"), "acknowledging; trying again");
            tokio::select! {
                _ = tokio::time::sleep(RETRY) => {}
                _ = shutdown.wait_for(|s| *s) => return,
            }
        }
    }
}

/// Queues the mailbox's pending acknowledgements until none is left.
async fn acknowledge_pending(
    store: &Store,
    replies: &Replies,
    domain_id: i64,
    per_hour: u32,
) -> anyhow::Result<()> {
    loop {
        let pending = store.pending_acks(domain_id, BATCH).await?;
        if pending.is_empty() {
            return Ok(());
        }
        tracing::debug!(domain = domain_id, pending = pending.len(), "acknowledging");
        let batch = replies
            .acknowledge_batch(&pending, per_hour)
            .await
            .map_err(anyhow::Error::from)?;
        for (ticket, e) in batch.failed {
            tracing::warn!(ticket, error = %e, "no acknowledgement");
            crate::metrics::acknowledgement_failed(match e {
                ReplyError::Template { .. } => "template",
                _ => "other",
            });
        }
    }
}

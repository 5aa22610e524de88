//! Records deliveries as they happen. Each send hands its outcome over and
//! waits until it is committed while still holding its SMTP connection, so
//! a crash can resend at most the one message in flight on each connection.
//! Outcomes that arrive while a commit runs go into the next one (group
//! commit), so recording keeps up with any number of connections.
use crate::store::Store;
use crate::store::outbox::{Claimed, Delivery};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

/// Recording a group is tried this often before it is given up (its rows
/// are sent again once their lease runs out).
const RECORD_TRIES: u32 = 3;
const RECORD_PAUSE: Duration = Duration::from_millis(500);
/// At most this many outcomes per commit.
const MAX_GROUP: usize = 256;

type Entry = (Claimed, Delivery, oneshot::Sender<bool>);

/// Where sends hand their outcomes over; the recorder ends once it is dropped.
pub(super) struct Handle {
    tx: mpsc::UnboundedSender<Entry>,
}

pub(super) type Outcomes = mpsc::UnboundedReceiver<Entry>;

pub(super) fn channel() -> (Handle, Outcomes) {
    let (tx, rx) = mpsc::unbounded_channel();
    (Handle { tx }, rx)
}

impl Handle {
    /// Hands an outcome over and waits for its commit: true once recorded.
    pub(super) async fn record(&self, claimed: Claimed, delivery: Delivery) -> bool {
        let (ack, done) = oneshot::channel();
        if self.tx.send((claimed, delivery, ack)).is_err() {
            return false;
        }
        done.await.unwrap_or(false)
    }
}

/// Records every outcome handed over until each [`Handle`] is dropped;
/// the first error, after its group was given up, once all are done.
pub(super) async fn run(store: &Store, mut outcomes: Outcomes) -> anyhow::Result<()> {
    let mut first_error = None;
    let mut group = Vec::new();
    while outcomes.recv_many(&mut group, MAX_GROUP).await > 0 {
        let (results, acks): (Vec<_>, Vec<_>) =
            group.drain(..).map(|(c, d, ack)| ((c, d), ack)).unzip();
        let recorded = match record(store, &results).await {
            Ok(()) => {
                count_deliveries(&results);
                true
            }
            Err(e) => {
                tracing::error!(error = format!("{e:#}"), "outbox sender");
                first_error.get_or_insert(e);
                false
            }
        };
        for ack in acks {
            let _ = ack.send(recorded);
        }
    }
    first_error.map_or(Ok(()), Err)
}

/// Records a group, trying a few times.
async fn record(store: &Store, results: &[(Claimed, Delivery)]) -> anyhow::Result<()> {
    let mut tries = 1;
    loop {
        match store.record_deliveries(results).await {
            Ok(()) => return Ok(()),
            Err(e) if tries < RECORD_TRIES => {
                tracing::warn!(
                    error = format!("{e:#}"),
                    "recording deliveries; trying again"
                );
                tokio::time::sleep(RECORD_PAUSE).await;
                tries += 1;
            }
            Err(e) => {
                return Err(e.context(format!(
                    "recording {} deliveries (they are sent again when their lease runs out)",
                    results.len()
                )));
            }
        }
    }
}

fn count_deliveries(results: &[(Claimed, Delivery)]) {
    let (mut sent, mut retrying, mut failed) = (0, 0, 0);
    for (_, d) in results {
        match d {
            Delivery::Sent => sent += 1,
            Delivery::Retry { .. } => retrying += 1,
            Delivery::Failed { .. } => failed += 1,
            Delivery::Unattempted => {}
        }
    }
    for (status, n) in [("sent", sent), ("retrying", retrying), ("failed", failed)] {
        if n > 0 {
            crate::metrics::emails_out(status, n);
        }
    }
}

//! Live updates: one in-process broadcast of "ticket N was created,
//! changed or deleted", fed by what committed writes touched (the store's
//! [`WriteTap`](crate::store::tap::WriteTap): every service call and the
//! poller write through it). Each change has a sequence number; the last
//! [`KEPT`] are kept, so a client that reconnects with the last one it saw
//! is sent what it missed, once. Numbers carry the process's epoch: after
//! a restart (or when too much was missed) a client is told to reset.
use crate::store::Store;
use crate::store::tap::{Op, Table, Touch};
use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;
use std::time::Duration;
use tokio::sync::{broadcast, watch};

/// Changes kept for clients that reconnect.
pub const KEPT: usize = 10_000;
/// Writes that come together are sent together: a batch of mail is one
/// burst of changes, not one wake-up per ticket.
const GATHER: Duration = Duration::from_millis(5);

/// One change to a ticket.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Change {
    #[serde(skip)]
    pub seq: u64,
    pub ticket: i64,
    /// created | changed | deleted
    pub kind: &'static str,
    /// When the write that made it was committed (Unix microseconds), for
    /// measuring delivery.
    pub at: i64,
}

/// What a client gets on (re)connecting.
#[derive(Debug)]
pub enum Start {
    /// The changes it missed (maybe none), then the live ones.
    Resume(Vec<Change>),
    /// Its last change is unknown here (another process, or too old):
    /// it should load afresh.
    Reset,
}

pub struct Live {
    epoch: String,
    kept: Mutex<(u64, VecDeque<Change>)>,
    tx: broadcast::Sender<Change>,
    /// True once `serve` stops: the streams end, so the server need not
    /// wait for them.
    stopped: watch::Sender<bool>,
}

impl Default for Live {
    fn default() -> Self {
        let (tx, _) = broadcast::channel(4096);
        Self {
            epoch: format!("{:x}", chrono::Utc::now().timestamp_micros()),
            kept: Mutex::new((0, VecDeque::with_capacity(KEPT))),
            tx,
            stopped: watch::Sender::new(false),
        }
    }
}

impl std::fmt::Debug for Live {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Live").field("epoch", &self.epoch).finish()
    }
}

impl Live {
    /// The id a client is sent with a change, and sends back as
    /// `Last-Event-ID`.
    pub fn event_id(&self, seq: u64) -> String {
        format!("{}-{seq}", self.epoch)
    }

    /// Turns true when `serve` stops.
    pub fn stopped(&self) -> watch::Receiver<bool> {
        self.stopped.subscribe()
    }

    /// Subscribes a client that last saw `last_event_id` (None: a new one).
    pub fn subscribe(&self, last_event_id: Option<&str>) -> (Start, broadcast::Receiver<Change>) {
        // Subscribed before reading what is kept: nothing falls between;
        // the client skips what it was already sent by number.
        let rx = self.tx.subscribe();
        let Some(last) = last_event_id else {
            return (Start::Resume(Vec::new()), rx);
        };
        let seq = last
            .split_once('-')
            .filter(|(epoch, _)| *epoch == self.epoch)
            .and_then(|(_, n)| n.parse::<u64>().ok());
        let kept = self.kept.lock().unwrap_or_else(|p| p.into_inner());
        let start = match seq {
            Some(seq) if seq <= kept.0 => {
                let oldest = kept.1.front().map_or(kept.0 + 1, |c| c.seq);
                if seq + 1 < oldest {
                    Start::Reset
                } else {
                    Start::Resume(kept.1.iter().filter(|c| c.seq > seq).cloned().collect())
                }
            }
            _ => Start::Reset,
        };
        (start, rx)
    }

    /// Numbers, keeps and sends changes committed `at` (Unix microseconds).
    pub fn publish(&self, changes: impl IntoIterator<Item = (i64, &'static str)>, at: i64) {
        let mut kept = self.kept.lock().unwrap_or_else(|p| p.into_inner());
        for (ticket, kind) in changes {
            kept.0 += 1;
            let change = Change {
                seq: kept.0,
                ticket,
                kind,
                at,
            };
            if kept.1.len() == KEPT {
                kept.1.pop_front();
            }
            kept.1.push_back(change.clone());
            // Nobody listening is not an error.
            let _ = self.tx.send(change);
        }
    }

    /// Turns what commits touched into changes, until `shutdown`.
    pub async fn run(
        self: std::sync::Arc<Self>,
        store: Store,
        mut shutdown: watch::Receiver<bool>,
    ) {
        store.tap().enable();
        loop {
            tokio::select! {
                _ = shutdown.wait_for(|stop| *stop) => {
                    self.stopped.send_replace(true);
                    return;
                }
                () = store.tap().committed.notified() => {}
            }
            tokio::time::sleep(GATHER).await;
            let taken = store.tap().take();
            let at = taken
                .first_commit
                .unwrap_or_else(|| chrono::Utc::now().timestamp_micros());
            match changes(&store, &taken.touches).await {
                Ok(changes) => self.publish(changes, at),
                Err(e) => {
                    tracing::warn!(error = %format!("{e:#}"), "live updates: reading what changed")
                }
            }
            if taken.overflowed {
                tracing::warn!("live updates: too many changes at once; clients load afresh");
                self.publish([(0, "reset")], at);
            }
        }
    }
}

/// The tickets `touches` changed, each once (created wins over changed).
async fn changes(store: &Store, touches: &[Touch]) -> anyhow::Result<Vec<(i64, &'static str)>> {
    let mut out: BTreeMap<i64, &'static str> = BTreeMap::new();
    let mut notes = Vec::new();
    let mut events = Vec::new();
    for t in touches {
        match t.table {
            Table::Ticket => {
                let kind = match t.op {
                    Op::Insert => "created",
                    Op::Delete => "deleted",
                    Op::Update => "changed",
                };
                let was = out.entry(t.rowid).or_insert(kind);
                if kind != "changed" {
                    *was = kind;
                }
            }
            Table::Note => notes.push(t.rowid),
            Table::Event => events.push(t.rowid),
        }
    }
    for ticket in store.tickets_of_rows(&notes, &events).await? {
        out.entry(ticket).or_insert("changed");
    }
    Ok(out.into_iter().collect())
}

//! What committed writes touched, for live updates: SQLite's update,
//! commit and rollback hooks on the writing connection note the tickets,
//! notes and events each transaction changes; a commit hands them over
//! (and wakes whoever waits), a rollback forgets them. Off until
//! [`WriteTap::enable`]d (commands without live pages pay one load).
use sqlx::sqlite::{SqliteConnection, SqliteOperation};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::Notify;

/// Past this many touches waiting, they are dropped and the reader told
/// to start over (a bulk import with nobody reading).
const MAX_WAITING: usize = 100_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    /// The rowid is the ticket's id.
    Ticket,
    Note,
    Event,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Insert,
    Update,
    Delete,
}

/// One row a committed write changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Touch {
    pub table: Table,
    pub rowid: i64,
    pub op: Op,
}

#[derive(Default)]
struct State {
    pending: Vec<Touch>,
    committed: Vec<Touch>,
    /// Touches were dropped: the reader must start over.
    overflowed: bool,
    /// When the oldest commit not yet taken happened (Unix microseconds).
    first_commit: Option<i64>,
}

/// What commits touched since the last [`WriteTap::take`].
#[derive(Debug, Default)]
pub struct Taken {
    pub touches: Vec<Touch>,
    /// Some were dropped: the reader must start over.
    pub overflowed: bool,
    /// When the oldest of these commits happened (Unix microseconds).
    pub first_commit: Option<i64>,
}

impl std::fmt::Debug for WriteTap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WriteTap")
            .field("enabled", &self.enabled.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

#[derive(Default)]
pub struct WriteTap {
    enabled: AtomicBool,
    state: Mutex<State>,
    /// Notified after each commit that touched something.
    pub committed: Notify,
}

impl WriteTap {
    pub fn enable(&self) {
        self.enabled.store(true, Ordering::Relaxed);
    }

    /// What commits touched since the last call.
    pub fn take(&self) -> Taken {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        Taken {
            touches: std::mem::take(&mut s.committed),
            overflowed: std::mem::take(&mut s.overflowed),
            first_commit: s.first_commit.take(),
        }
    }

    fn touched(&self, table: &str, rowid: i64, op: SqliteOperation) {
        if !self.enabled.load(Ordering::Relaxed) {
            return;
        }
        let table = match table {
            "tickets" => Table::Ticket,
            "notes" => Table::Note,
            "ticket_events" => Table::Event,
            _ => return,
        };
        let op = match op {
            SqliteOperation::Insert => Op::Insert,
            SqliteOperation::Delete => Op::Delete,
            _ => Op::Update,
        };
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if s.pending.len() + s.committed.len() >= MAX_WAITING {
            s.overflowed = true;
            return;
        }
        s.pending.push(Touch { table, rowid, op });
    }

    fn commit(&self) {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if s.pending.is_empty() {
            return;
        }
        let pending = std::mem::take(&mut s.pending);
        s.committed.extend(pending);
        if s.first_commit.is_none() {
            s.first_commit = Some(chrono::Utc::now().timestamp_micros());
        }
        drop(s);
        self.committed.notify_one();
    }

    fn rollback(&self) {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        s.pending.clear();
    }
}

/// Installs the tap's hooks on a writing connection.
pub async fn install(conn: &mut SqliteConnection, tap: Arc<WriteTap>) -> Result<(), sqlx::Error> {
    let mut handle = conn.lock_handle().await?;
    let t = tap.clone();
    handle.set_update_hook(move |r| t.touched(r.table, r.rowid, r.operation));
    let t = tap.clone();
    handle.set_commit_hook(move || {
        t.commit();
        true
    });
    handle.set_rollback_hook(move || tap.rollback());
    Ok(())
}

impl super::Store {
    /// The tickets of these notes and events (those still there).
    pub async fn tickets_of_rows(&self, notes: &[i64], events: &[i64]) -> anyhow::Result<Vec<i64>> {
        use anyhow::Context;
        if notes.is_empty() && events.is_empty() {
            return Ok(Vec::new());
        }
        sqlx::query_scalar(
            "SELECT ticket_id FROM notes WHERE id IN (SELECT value FROM json_each($1))
             UNION SELECT ticket_id FROM ticket_events WHERE id IN (SELECT value FROM json_each($2))",
        )
        .bind(serde_json::to_string(notes)?)
        .bind(serde_json::to_string(events)?)
        .fetch_all(self.pool())
        .await
        .context("finding the tickets of changed rows")
    }
}

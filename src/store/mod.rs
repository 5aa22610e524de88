//! The only place with SQL. One module per aggregate; runtime queries with
//! `$N` placeholders, `ON CONFLICT` and `RETURNING`, so the same text serves
//! PostgreSQL when its backend lands.
pub mod agents;
pub mod attachments;
pub mod bans;
mod bounces;
pub mod contacts;
pub mod domains;
pub mod drafts;
pub mod email_usage;
pub mod fields;
pub mod fixtures;
pub mod ingest;
pub mod invites;
pub mod messages;
pub mod notes;
pub mod outbound_tickets;
pub mod outbox;
pub mod participants;
pub mod quarantine;
pub mod replies;
pub mod sealer;
pub mod search;
pub mod settings;
pub mod sla;
mod snooze;
mod sql_functions;
pub mod stale;
pub mod tags;
pub mod tap;
pub mod teams;
pub mod templates;
pub mod thread;
pub mod ticket_arms;
pub mod ticket_changes;
pub mod ticket_delete;
pub mod ticket_details;
pub mod ticket_export;
pub mod ticket_list;
pub mod ticket_plan;
pub mod ticket_refs;
pub mod ticket_sets;
pub mod ticket_view;
mod ticket_walk;
pub mod tickets;
pub mod tokens;
pub mod undo;
pub mod usage;
pub mod web_sessions;
pub mod webhook_deliveries;
pub mod webhooks;

use anyhow::Context;
use sealer::Sealer;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqliteConnection, SqlitePool, Transaction};
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

pub type Tx<'a> = Transaction<'a, Sqlite>;

/// Rows per multi-row statement: well under SQLite's and PostgreSQL's
/// bound-parameter limits for our widest row (16 columns).
const CHUNK: usize = 500;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

#[derive(Clone, Debug)]
pub struct Store {
    pool: SqlitePool,
    /// SQLite takes one writer at a time: a single writer connection keeps
    /// its page cache warm across transactions instead of every pooled
    /// connection re-reading what another one changed.
    writer: SqlitePool,
    /// Seals and opens the secrets stored in it (mailbox passwords, webhook
    /// secrets) under a key kept outside the database.
    sealer: Arc<Sealer>,
    /// What committed writes touched, for live updates.
    tap: Arc<tap::WriteTap>,
}

impl Store {
    /// Opens (creating if needed) the database at `url` and migrates it.
    pub async fn open(url: &str) -> anyhow::Result<Self> {
        let store = Self::connect(url).await?;
        store.migrate().await?;
        store.check_secret_key().await?;
        store.seal_plain_secrets().await?;
        Ok(store)
    }

    /// Opens without migrating (for `postdesk migrate` to report what it does).
    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        if !url.starts_with("sqlite:") {
            anyhow::bail!(
                "database URL {url:?} is not supported yet: use sqlite://FILE (PostgreSQL support is planned)"
            );
        }
        let options = SqliteConnectOptions::from_str(url)
            .with_context(|| format!("reading database URL {url:?}"))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .page_size(16384)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            .pragma("temp_store", "memory")
            .pragma("mmap_size", "1073741824")
            .pragma("cache_size", "-65536")
            .pragma("wal_autocheckpoint", "4096")
            // Rows come back from SQLite's thread through a channel: one as
            // deep as a multi-row statement's RETURNING spares a thread
            // hand-off every 50 rows.
            .row_buffer_size(2 * CHUNK);
        let file = (!url.contains(":memory:") && !url.contains("mode=memory"))
            .then(|| options.get_filename().to_owned());
        if let Some(file) = &file {
            create_private(file)?;
        }
        let sealer = Arc::new(Sealer::for_database(file.as_deref())?);
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .after_connect(|conn, _| Box::pin(sql_functions::register(conn)))
            .connect_with(options.clone())
            .await
            .with_context(|| format!("opening database {url}"))?;
        let tap = Arc::new(tap::WriteTap::default());
        let hooks = tap.clone();
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .after_connect(move |conn, _| {
                let hooks = hooks.clone();
                Box::pin(async move { tap::install(conn, hooks).await })
            })
            .connect_with(options)
            .await
            .with_context(|| format!("opening database {url} for writing"))?;
        Ok(Self {
            pool,
            writer,
            sealer,
            tap,
        })
    }

    /// Applies pending migrations. Two processes opening a fresh database at
    /// once race (sqlx takes no lock on SQLite): the loser's transaction
    /// rolls back, and a retry finds the winner's work applied.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        let mut attempt = 0;
        loop {
            match self.migrate_once().await {
                Ok(()) => return Ok(()),
                Err(e) if attempt < 5 => {
                    attempt += 1;
                    tracing::debug!(error = %e, attempt, "migrating again");
                    tokio::time::sleep(Duration::from_millis(50 * attempt)).await;
                }
                Err(e) => return Err(e).context("applying database migrations"),
            }
        }
    }

    /// Migrations run with foreign keys off, as SQLite asks for schema
    /// changes (a table rebuilt must not cascade its drop); every reference
    /// is checked before they are on again.
    async fn migrate_once(&self) -> anyhow::Result<()> {
        let mut conn = self.writer.acquire().await?;
        let before = applied(&mut conn).await;
        sqlx::query("PRAGMA foreign_keys = OFF")
            .execute(&mut *conn)
            .await?;
        let ran = MIGRATOR.run(&mut *conn).await;
        // Only after a change: checking takes a pass over every reference.
        let broken: Vec<(String, Option<i64>, String)> = if applied(&mut conn).await > before {
            sqlx::query_as("SELECT \"table\", rowid, parent FROM pragma_foreign_key_check")
                .fetch_all(&mut *conn)
                .await?
        } else {
            Vec::new()
        };
        sqlx::query("PRAGMA foreign_keys = ON")
            .execute(&mut *conn)
            .await?;
        ran?;
        anyhow::ensure!(
            broken.is_empty(),
            "rows whose references broke while migrating: {broken:?}"
        );
        Ok(())
    }

    /// Connections for reading.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Seals and opens stored secrets.
    pub fn sealer(&self) -> &Sealer {
        &self.sealer
    }

    /// What committed writes touched (live updates).
    pub fn tap(&self) -> &tap::WriteTap {
        &self.tap
    }

    /// The one connection that writes.
    pub fn writer(&self) -> &SqlitePool {
        &self.writer
    }

    /// Reads a row with `read`, turns it into what to write with `change`
    /// and writes that with `write`, all in one write transaction: a change
    /// made at the same moment by someone else is seen, never overwritten.
    pub async fn modify<T, S, E, R>(
        &self,
        read: impl AsyncFnOnce(&mut SqliteConnection) -> anyhow::Result<Option<T>>,
        change: impl FnOnce(T) -> Result<S, E>,
        write: impl AsyncFnOnce(&mut SqliteConnection, S) -> anyhow::Result<R>,
    ) -> anyhow::Result<Modified<E, R>> {
        let mut tx = self.begin_write().await?;
        let Some(current) = read(&mut tx).await? else {
            return Ok(Modified::Missing);
        };
        let next = match change(current) {
            Ok(next) => next,
            Err(e) => return Ok(Modified::Refused(e)),
        };
        let written = write(&mut tx, next).await?;
        tx.commit().await.context("committing a change")?;
        Ok(Modified::Done(written))
    }

    /// A write transaction that takes the write lock at once, so what it
    /// reads stays true until it commits.
    pub async fn begin_write(&self) -> anyhow::Result<Tx<'static>> {
        self.writer
            .begin_with("BEGIN IMMEDIATE")
            .await
            .context("starting a write transaction")
    }
}

/// What became of a change made from the current state in one write
/// transaction (so two concurrent changes each see the other's result).
#[derive(Debug)]
pub enum Modified<E, T = ()> {
    Done(T),
    /// There is no such row.
    Missing,
    /// The change refused the current state.
    Refused(E),
}

/// Now, to the microsecond, as every stored time is written.
pub fn now() -> chrono::DateTime<chrono::Utc> {
    let now = chrono::Utc::now();
    chrono::DateTime::from_timestamp_micros(now.timestamp_micros()).unwrap_or(now)
}

/// Creates the database file readable by its owner alone (SQLite gives its
/// -wal and -shm files the same mode); an existing file is left as it is.
fn create_private(file: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let created = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(file);
    match created {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        // A directory that does not exist: SQLite says so in its own words.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e).with_context(|| format!("creating database file {}", file.display())),
    }
}

/// How many migrations the database has applied (0 before the first).
async fn applied(conn: &mut SqliteConnection) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations")
        .fetch_one(conn)
        .await
        .unwrap_or(0)
}

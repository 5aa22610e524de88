//! Bans: who may not open or add to tickets.
use super::{Store, Tx};
use crate::domain::{Ban, BanPattern};
use anyhow::Context;
use chrono::{DateTime, Utc};
use sqlx::SqliteConnection;

/// A ban as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct BanRecord {
    pub id: i64,
    /// As stored: `user@example.com` or `@example.com`.
    pub pattern: String,
    pub reason: String,
    pub expires_at: Option<DateTime<Utc>>,
    /// Mails refused under it so far.
    pub hits: i64,
    /// When it last refused one.
    pub last_hit_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, pattern, reason, expires_at, hits, last_hit_at, created_at";

impl Store {
    /// Every ban, newest first.
    pub async fn bans(&self) -> anyhow::Result<Vec<BanRecord>> {
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM bans ORDER BY id DESC"))
            .fetch_all(self.pool())
            .await
            .context("reading bans")
    }

    pub async fn ban(&self, id: i64) -> anyhow::Result<Option<BanRecord>> {
        ban_on(&mut *self.pool().acquire().await?, id).await
    }

    /// False when there was no such ban.
    pub async fn delete_ban(&self, id: i64) -> anyhow::Result<bool> {
        let done = sqlx::query("DELETE FROM bans WHERE id = $1")
            .bind(id)
            .execute(self.writer())
            .await
            .context("deleting a ban")?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn create_ban(
        &self,
        pattern: &BanPattern,
        reason: &str,
        expires_at: Option<DateTime<Utc>>,
    ) -> anyhow::Result<i64> {
        sqlx::query_scalar(
            "INSERT INTO bans (pattern, reason, expires_at, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(pattern.to_pattern_string())
        .bind(reason)
        .bind(expires_at)
        .bind(super::now())
        .fetch_one(self.writer())
        .await
        .context("creating a ban")
    }

    pub async fn ban_hits(&self, id: i64) -> anyhow::Result<i64> {
        sqlx::query_scalar("SELECT hits FROM bans WHERE id = $1")
            .bind(id)
            .fetch_one(self.pool())
            .await
            .context("reading ban hits")
    }
}

/// Bans in force now, read inside the ingest transaction so a ban applies to
/// the very next mail.
pub async fn active(tx: &mut Tx<'_>, now: DateTime<Utc>) -> anyhow::Result<Vec<Ban>> {
    let rows: Vec<(i64, String, Option<DateTime<Utc>>)> = sqlx::query_as(
        "SELECT id, pattern, expires_at FROM bans WHERE expires_at IS NULL OR expires_at > $1",
    )
    .bind(now)
    .fetch_all(&mut **tx)
    .await
    .context("reading bans")?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, pattern, expires_at)| {
            let pattern = BanPattern::parse(&pattern).ok()?;
            Some(Ban {
                id,
                pattern,
                expires_at,
            })
        })
        .collect())
}

pub async fn count_hits(
    tx: &mut Tx<'_>,
    hits: &[(i64, i64)],
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    for (id, n) in hits {
        sqlx::query("UPDATE bans SET hits = hits + $1, last_hit_at = $2 WHERE id = $3")
            .bind(n)
            .bind(now)
            .bind(id)
            .execute(&mut **tx)
            .await
            .context("counting a ban hit")?;
    }
    Ok(())
}

pub async fn ban_on(conn: &mut SqliteConnection, id: i64) -> anyhow::Result<Option<BanRecord>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM bans WHERE id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await
        .context("reading a ban")
}

/// Its hits stay.
pub async fn update_ban_on(
    conn: &mut SqliteConnection,
    id: i64,
    pattern: &BanPattern,
    reason: &str,
    expires_at: Option<DateTime<Utc>>,
) -> anyhow::Result<BanRecord> {
    sqlx::query_as(&format!(
        "UPDATE bans SET pattern = $1, reason = $2, expires_at = $3 WHERE id = $4 RETURNING {COLUMNS}"
    ))
    .bind(pattern.to_pattern_string())
    .bind(reason)
    .bind(expires_at)
    .bind(id)
    .fetch_one(conn)
    .await
    .context("updating a ban")
}

//! Service-level clocks on tickets (`due_at`): started by the customer,
//! stopped by an agent's answer, and turned into `overdue` once run out.
use super::ingest::{NewEvent, insert_events};
use super::{CHUNK, Store, Tx};
use crate::domain::Priority;
use crate::service::sla::SlaTargets;
use anyhow::Context;
use chrono::{DateTime, Utc};
use sqlx::{QueryBuilder, Sqlite};

impl Store {
    /// Sets a ticket's due time by hand (the demo's overdue ticket).
    pub async fn set_due_at(&self, ticket_id: i64, due_at: DateTime<Utc>) -> anyhow::Result<()> {
        sqlx::query("UPDATE tickets SET due_at = $1 WHERE id = $2")
            .bind(due_at)
            .bind(ticket_id)
            .execute(self.writer())
            .await
            .context("setting a due time")?;
        Ok(())
    }

    /// Marks open and pending tickets due at or before `now` overdue, each
    /// with an `overdue` event (actor `system`), in one transaction.
    /// Returns how many.
    pub async fn mark_overdue(&self, now: DateTime<Utc>) -> anyhow::Result<usize> {
        // Most checks find nothing: ask without taking the write lock.
        let any: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM tickets
             WHERE status IN ('open', 'pending') AND due_at IS NOT NULL AND due_at <= $1)",
        )
        .bind(now)
        .fetch_one(self.pool())
        .await
        .context("looking for tickets past due")?;
        if !any {
            return Ok(0);
        }
        let mut tx = self.begin_write().await?;
        let due: Vec<(i64, String, DateTime<Utc>)> = sqlx::query_as(
            "SELECT id, status, due_at FROM tickets
             WHERE status IN ('open', 'pending') AND due_at IS NOT NULL AND due_at <= $1
             ORDER BY id",
        )
        .bind(now)
        .fetch_all(&mut *tx)
        .await
        .context("finding tickets past due")?;
        if due.is_empty() {
            return Ok(0);
        }
        let ids: Vec<i64> = due.iter().map(|(id, _, _)| *id).collect();
        update_tickets(&mut tx, "status = 'overdue'", &ids, now)
            .await
            .context("marking tickets overdue")?;
        let events: Vec<NewEvent> = due
            .iter()
            .map(|(id, from, due_at)| {
                let data = serde_json::json!({"from": from, "to": "overdue", "due_at": due_at});
                NewEvent::by("system", *id, "overdue", data.to_string())
            })
            .collect();
        insert_events(&mut tx, &events, now).await?;
        tx.commit().await.context("committing overdue tickets")?;
        Ok(due.len())
    }

    /// A ticket's status and due time (tests and reports).
    pub async fn sla_state(
        &self,
        ticket_id: i64,
    ) -> anyhow::Result<Option<(String, Option<DateTime<Utc>>)>> {
        sqlx::query_as("SELECT status, due_at FROM tickets WHERE id = $1")
            .bind(ticket_id)
            .fetch_optional(self.pool())
            .await
            .context("reading a ticket's due time")
    }
}

/// Customers wrote on existing tickets: `waiting` start a clock unless one
/// is already running (a follow-up does not push the first promise back);
/// `reopened` tickets start a fresh one, whatever was left from before
/// they were resolved. Each clock runs for the ticket's own priority.
pub async fn start_clocks(
    tx: &mut Tx<'_>,
    waiting: &[i64],
    reopened: &[i64],
    targets: &SlaTargets,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    if !targets.is_off() {
        set_due(tx, waiting, true, targets, now).await?;
    }
    set_due(tx, reopened, false, targets, now).await
}

/// `due_at = now + target(priority)`; with `keep_running`, only where no
/// clock runs yet.
async fn set_due(
    tx: &mut Tx<'_>,
    ids: &[i64],
    keep_running: bool,
    targets: &SlaTargets,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    for chunk in ids.chunks(CHUNK) {
        let mut q = QueryBuilder::<Sqlite>::new("UPDATE tickets SET due_at = ");
        q.push(if keep_running {
            "COALESCE(due_at, "
        } else {
            "("
        });
        q.push("CASE priority");
        for p in [
            Priority::Low,
            Priority::Normal,
            Priority::High,
            Priority::Urgent,
        ] {
            q.push(" WHEN ")
                .push_bind(p.as_str())
                .push(" THEN ")
                .push_bind(targets.due_from(p, now));
        }
        q.push(" END) WHERE id IN (");
        let mut sep = q.separated(", ");
        for id in chunk {
            sep.push_bind(*id);
        }
        q.push(")");
        q.build()
            .execute(&mut **tx)
            .await
            .context("starting service-level clocks")?;
    }
    Ok(())
}

/// An agent answered: the clock stops, and an overdue ticket is open again
/// (with a `status_changed` event by whoever answered).
pub async fn answered(
    tx: &mut Tx<'_>,
    ticket_id: i64,
    actor: &'static str,
    agent_id: Option<i64>,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let status: Option<String> = sqlx::query_scalar("SELECT status FROM tickets WHERE id = $1")
        .bind(ticket_id)
        .fetch_optional(&mut **tx)
        .await
        .context("reading a ticket's status")?;
    sqlx::query(
        "UPDATE tickets SET due_at = NULL,
            status = CASE WHEN status = 'overdue' THEN 'open' ELSE status END
         WHERE id = $1",
    )
    .bind(ticket_id)
    .execute(&mut **tx)
    .await
    .context("stopping a ticket's service-level clock")?;
    if status.as_deref() == Some("overdue") {
        let data = serde_json::json!({"from": "overdue", "to": "open", "reason": "answered"});
        let event = NewEvent {
            agent_id,
            ..NewEvent::by(actor, ticket_id, "status_changed", data.to_string())
        };
        insert_events(tx, &[event], now).await?;
    }
    Ok(())
}

/// `UPDATE tickets SET <set>, updated_at = now` on tickets `ids`, a
/// statement per [`CHUNK`].
pub(super) async fn update_tickets(
    tx: &mut Tx<'_>,
    set: &str,
    ids: &[i64],
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    for chunk in ids.chunks(CHUNK) {
        let mut q = QueryBuilder::<Sqlite>::new(format!("UPDATE tickets SET {set}, updated_at = "));
        q.push_bind(now).push(" WHERE id IN (");
        let mut sep = q.separated(", ");
        for id in chunk {
            sep.push_bind(*id);
        }
        q.push(")");
        q.build().execute(&mut **tx).await?;
    }
    Ok(())
}

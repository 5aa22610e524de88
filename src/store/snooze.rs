//! Snoozed tickets coming back: at `snoozed_until` a pending ticket opens
//! again (the customer's reply before then reopens it at ingest).
use super::Store;
use super::ingest::{NewEvent, insert_events};
use super::sla::update_tickets;
use anyhow::Context;
use chrono::{DateTime, Utc};

impl Store {
    /// Ends every snooze due at or before `now`: pending tickets open
    /// again, each with an `unsnoozed` event (actor `system`), in one
    /// transaction. Returns how many.
    pub async fn wake_snoozed(&self, now: DateTime<Utc>) -> anyhow::Result<usize> {
        const DUE: &str = "SELECT id, status, snoozed_until FROM tickets INDEXED BY tickets_snoozed
             WHERE snoozed_until IS NOT NULL AND snoozed_until <= $1 ORDER BY id";
        // Most checks find nothing: ask without taking the write lock.
        let any: Option<(i64, String, DateTime<Utc>)> = sqlx::query_as(DUE)
            .bind(now)
            .fetch_optional(self.pool())
            .await
            .context("looking for snoozes that end")?;
        if any.is_none() {
            return Ok(0);
        }
        let mut tx = self.begin_write().await?;
        let due: Vec<(i64, String, DateTime<Utc>)> = sqlx::query_as(DUE)
            .bind(now)
            .fetch_all(&mut *tx)
            .await
            .context("finding snoozes that end")?;
        let ids: Vec<i64> = due.iter().map(|(id, _, _)| *id).collect();
        update_tickets(
            &mut tx,
            "snoozed_until = NULL, status = CASE WHEN status = 'pending' THEN 'open' ELSE status END",
            &ids,
            now,
        )
        .await
        .context("ending snoozes")?;
        let events: Vec<NewEvent> = due
            .iter()
            .map(|(id, from, until)| {
                let to = if from == "pending" { "open" } else { from };
                let data = serde_json::json!({"from": from, "to": to, "until": until});
                NewEvent::by("system", *id, "unsnoozed", data.to_string())
            })
            .collect();
        insert_events(&mut tx, &events, now).await?;
        tx.commit().await.context("committing ended snoozes")?;
        Ok(due.len())
    }
}

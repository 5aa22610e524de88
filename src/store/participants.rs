//! A ticket's participants: who mail brought onto it (active or pending),
//! and an agent accepting or removing them.
use super::ingest::{NewEvent, insert_events};
use super::{CHUNK, Store, Tx};
use crate::domain::ParticipantState;
use crate::ingest::plan::{Plan, TicketRef};
use anyhow::Context;
use chrono::{DateTime, Utc};
use sqlx::{QueryBuilder, Sqlite};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Participant {
    pub email: String,
    pub name: Option<String>,
    /// `active` | `pending`
    pub state: String,
}

/// Writes the plan's joins, with a `participants_pending` event per mail
/// that brought pending people and a `participants_capped` event per mail
/// whose people did not all fit.
pub async fn insert_joins(
    tx: &mut Tx<'_>,
    plan: &Plan,
    new_ids: &[i64],
    stored: &[Option<i64>],
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let resolve = |r: TicketRef| match r {
        TicketRef::Existing(id) => id,
        TicketRef::New(n) => new_ids[n],
    };
    for chunk in plan.joins.chunks(CHUNK) {
        let mut q = QueryBuilder::<Sqlite>::new(
            "INSERT INTO ticket_participants (ticket_id, email, name, state) ",
        );
        q.push_values(chunk, |mut b, j| {
            b.push_bind(resolve(j.ticket))
                .push_bind(j.email.as_str())
                .push_bind(j.name.as_deref())
                .push_bind(j.state.as_str());
        });
        q.push(" ON CONFLICT (ticket_id, email) DO NOTHING");
        q.build()
            .execute(&mut **tx)
            .await
            .context("recording participants")?;
    }
    let mut pending: BTreeMap<(usize, i64), Vec<&str>> = BTreeMap::new();
    for j in plan
        .joins
        .iter()
        .filter(|j| j.state == ParticipantState::Pending)
    {
        let key = (j.item, resolve(j.ticket));
        pending.entry(key).or_default().push(&j.email);
    }
    let mut events: Vec<NewEvent> = pending
        .into_iter()
        .map(|((item, ticket), emails)| {
            let data = serde_json::json!({"message_id": stored[item], "emails": emails});
            NewEvent::by("customer", ticket, "participants_pending", data.to_string())
        })
        .collect();
    for c in &plan.capped {
        let data = serde_json::json!({"message_id": stored[c.item],
            "cap": crate::domain::MAX_RECIPIENTS, "left_out": c.left_out});
        events.push(NewEvent::by(
            "system",
            resolve(c.ticket),
            "participants_capped",
            data.to_string(),
        ));
    }
    insert_events(tx, &events, now).await
}

impl Store {
    /// A ticket's participants, active first, then by address.
    pub async fn participants(&self, ticket_id: i64) -> anyhow::Result<Vec<Participant>> {
        let rows = self.participants_of(&[ticket_id]).await?;
        Ok(rows.into_iter().map(|(_, p)| p).collect())
    }

    /// The participants of many tickets, as (ticket id, participant).
    pub async fn participants_of(&self, ids: &[i64]) -> anyhow::Result<Vec<(i64, Participant)>> {
        let mut out = Vec::new();
        for chunk in ids.chunks(CHUNK) {
            let mut q = QueryBuilder::<Sqlite>::new(
                "SELECT ticket_id, email, name, state FROM ticket_participants WHERE ticket_id IN (",
            );
            let mut list = q.separated(", ");
            for id in chunk {
                list.push_bind(*id);
            }
            q.push(") ORDER BY ticket_id, state = 'pending', email");
            let rows: Vec<(i64, String, Option<String>, String)> = q
                .build_query_as()
                .fetch_all(self.pool())
                .await
                .context("reading participants")?;
            out.extend(
                rows.into_iter()
                    .map(|(t, email, name, state)| (t, Participant { email, name, state })),
            );
        }
        Ok(out)
    }

    /// Makes a participant active (copied on replies from now on), with a
    /// `participant_accepted` event; None when the ticket has no such one.
    pub async fn accept_participant(
        &self,
        ticket_id: i64,
        email: &str,
        agent_id: Option<i64>,
    ) -> anyhow::Result<Option<Participant>> {
        let mut tx = self.begin_write().await?;
        let row: Option<Participant> = sqlx::query_as(
            "UPDATE ticket_participants SET state = 'active' WHERE ticket_id = $1 AND email = $2
             RETURNING email, name, state",
        )
        .bind(ticket_id)
        .bind(email)
        .fetch_optional(&mut *tx)
        .await
        .context("accepting a participant")?;
        if row.is_some() {
            event(&mut tx, ticket_id, agent_id, "participant_accepted", email).await?;
        }
        tx.commit().await.context("committing")?;
        Ok(row)
    }

    /// Takes a participant off the ticket, with a `participant_removed`
    /// event; false when the ticket has no such one.
    pub async fn remove_participant(
        &self,
        ticket_id: i64,
        email: &str,
        agent_id: Option<i64>,
    ) -> anyhow::Result<bool> {
        let mut tx = self.begin_write().await?;
        let gone =
            sqlx::query("DELETE FROM ticket_participants WHERE ticket_id = $1 AND email = $2")
                .bind(ticket_id)
                .bind(email)
                .execute(&mut *tx)
                .await
                .context("removing a participant")?
                .rows_affected()
                > 0;
        if gone {
            event(&mut tx, ticket_id, agent_id, "participant_removed", email).await?;
        }
        tx.commit().await.context("committing")?;
        Ok(gone)
    }
}

async fn event(
    tx: &mut Tx<'_>,
    ticket_id: i64,
    agent_id: Option<i64>,
    kind: &'static str,
    email: &str,
) -> anyhow::Result<()> {
    let e = NewEvent {
        ticket_id,
        actor: "agent",
        agent_id,
        kind,
        data: serde_json::json!({"email": email}).to_string(),
    };
    insert_events(tx, &[e], super::now()).await
}

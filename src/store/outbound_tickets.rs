//! Tickets an agent opens (outbound): the requester as a contact, the
//! ticket with a fresh short id, its sets, and a `created` event, in the
//! caller's transaction, which queues its first email too (see
//! `service::outbound_ticket`).
use super::Tx;
use super::ticket_changes::{Events, FieldChange};
use super::ticket_sets::{set_fields, set_tags, set_teams};
use crate::domain::{EmailAddress, Priority, ShortId};
use anyhow::Context;
use chrono::{DateTime, Utc};
use serde_json::json;

/// Fresh short ids drawn before giving up (32^6 values: collisions are rare).
const SHORT_ID_ROUNDS: usize = 8;

#[derive(Debug, Clone)]
pub struct NewTicket {
    pub subject: String,
    pub to: EmailAddress,
    pub email_domain_id: i64,
    pub priority: Priority,
    pub assignee_id: Option<i64>,
    /// The agent opening it.
    pub created_by: Option<i64>,
    /// None: the email domain's default team, if it has one.
    pub team_ids: Option<Vec<i64>>,
    pub tags: Vec<String>,
    pub fields: Vec<FieldChange>,
    /// `email`, or the channel of the conversation that opened it.
    pub channel: String,
    pub linked_conversation: Option<String>,
    /// A JSON object of key → text.
    pub context: String,
}

/// Opens the ticket in `tx`; returns its id.
pub async fn open_outbound_ticket(tx: &mut Tx<'_>, t: &NewTicket) -> anyhow::Result<i64> {
    let now = super::now();
    let requester = contact(tx, &t.to, now).await?;
    let id = insert_ticket(tx, t, requester, now).await?;
    let teams = match &t.team_ids {
        Some(ids) => ids.clone(),
        None => default_team(tx, t.email_domain_id).await?,
    };
    set_teams(tx, id, &teams).await?;
    set_tags(tx, id, &t.tags, now).await?;
    set_fields(tx, id, &t.fields).await?;
    let mut events = Events::new(id, t.created_by);
    events.push(
        "created",
        json!({"to": t.to.as_str(), "subject": t.subject, "email_domain_id": t.email_domain_id}),
    );
    events.record(tx, now).await?;
    Ok(id)
}

/// The contact with this address, created if new.
async fn contact(tx: &mut Tx<'_>, to: &EmailAddress, now: DateTime<Utc>) -> anyhow::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO contacts (email, from_domain, created_at, updated_at) VALUES ($1, $2, $3, $3)
         ON CONFLICT (email) DO UPDATE SET email = excluded.email RETURNING id",
    )
    .bind(to.as_str())
    .bind(to.domain())
    .bind(now)
    .fetch_one(&mut **tx)
    .await
    .context("storing the requester")
}

async fn default_team(tx: &mut Tx<'_>, email_domain_id: i64) -> anyhow::Result<Vec<i64>> {
    let team: Option<Option<i64>> =
        sqlx::query_scalar("SELECT default_team_id FROM email_domains WHERE id = $1")
            .bind(email_domain_id)
            .fetch_optional(&mut **tx)
            .await
            .context("reading the email domain's default team")?;
    Ok(team.flatten().into_iter().collect())
}

/// Inserts the ticket row under a short id no other ticket has.
async fn insert_ticket(
    tx: &mut Tx<'_>,
    t: &NewTicket,
    requester: i64,
    now: DateTime<Utc>,
) -> anyhow::Result<i64> {
    // Held across awaits, so a Send generator rather than the thread-local one.
    let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::from_os_rng();
    for _ in 0..SHORT_ID_ROUNDS {
        let short = ShortId::random(&mut rng);
        let id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO tickets (short_id, subject, status, priority, requester_id, from_domain,
                email_domain_id, assignee_id, topic_id, created_by, created_at, updated_at, last_message_at,
                channel, linked_conversation, context)
             VALUES ($1, $2, 'open', $3, $4, $5, $6, $7, (SELECT id FROM topics WHERE name = 'General'),
                $8, $9, $9, $9, $10, $11, $12)
             ON CONFLICT (short_id) DO NOTHING RETURNING id",
        )
        .bind(short.as_str())
        .bind(&t.subject)
        .bind(t.priority.as_str())
        .bind(requester)
        .bind(t.to.domain())
        .bind(t.email_domain_id)
        .bind(t.assignee_id)
        .bind(t.created_by)
        .bind(now)
        .bind(&t.channel)
        .bind(&t.linked_conversation)
        .bind(&t.context)
        .fetch_optional(&mut **tx)
        .await
        .context("opening a ticket")?;
        if let Some(id) = id {
            return Ok(id);
        }
    }
    anyhow::bail!("could not draw a unique ticket short id")
}

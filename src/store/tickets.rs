//! Tickets and their requesters.
use super::Tx;
use crate::domain::ShortId;
use crate::ingest::Prepared;
use anyhow::Context;
use chrono::{DateTime, Utc};
use sqlx::{QueryBuilder, Sqlite};
use std::collections::{HashMap, HashSet};

use super::CHUNK;
/// Fresh short ids are drawn again for the rows that collided; this many
/// rounds in a row of collisions means something else is wrong.
const SHORT_ID_ROUNDS: usize = 8;

/// Upserts the requesters (senders) of `items[new]` and returns their ids by email.
async fn upsert_requesters(
    tx: &mut Tx<'_>,
    items: &[Prepared],
    new: &[usize],
    now: DateTime<Utc>,
) -> anyhow::Result<HashMap<String, i64>> {
    let mut seen = HashSet::new();
    let people: Vec<(&str, Option<&str>, &str)> = new
        .iter()
        .filter_map(|&i| items[i].mail.as_ref().ok()?.from.as_ref())
        .filter(|m| seen.insert(m.address.as_str()))
        .map(|m| (m.address.as_str(), m.name.as_deref(), m.address.domain()))
        .collect();
    let mut ids = HashMap::with_capacity(people.len());
    for chunk in people.chunks(CHUNK) {
        let mut q = QueryBuilder::<Sqlite>::new(
            "INSERT INTO contacts (email, name, from_domain, created_at, updated_at) ",
        );
        q.push_values(chunk, |mut b, (email, name, domain)| {
            b.push_bind(*email)
                .push_bind(*name)
                .push_bind(*domain)
                .push_bind(now)
                .push_bind(now);
        });
        q.push(" ON CONFLICT (email) DO UPDATE SET name = COALESCE(contacts.name, excluded.name) RETURNING id, email");
        let rows: Vec<(i64, String)> = q
            .build_query_as()
            .fetch_all(&mut **tx)
            .await
            .context("storing requesters")?;
        ids.extend(rows.into_iter().map(|(id, email)| (email, id)));
    }
    Ok(ids)
}

/// Opens one ticket per `items[new[n]]`, due at `due_at` (their SLA
/// clock, when one applies); returns the ticket ids in that order.
pub async fn insert_from_mail(
    tx: &mut Tx<'_>,
    items: &[Prepared],
    new: &[usize],
    due_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> anyhow::Result<Vec<i64>> {
    if new.is_empty() {
        return Ok(Vec::new());
    }
    let requesters = upsert_requesters(tx, items, new, now).await?;
    let mut ids = vec![0i64; new.len()];
    let mut pending: Vec<usize> = (0..new.len()).collect();
    // Held across awaits, so a Send generator rather than the thread-local one.
    let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::from_os_rng();
    for _ in 0..SHORT_ID_ROUNDS {
        if pending.is_empty() {
            break;
        }
        let mut drawn: HashSet<String> = HashSet::new();
        let shorts: Vec<(usize, String)> = pending
            .iter()
            .map(|&n| {
                loop {
                    let s = ShortId::random(&mut rng).as_str().to_string();
                    if drawn.insert(s.clone()) {
                        break (n, s);
                    }
                }
            })
            .collect();
        let by_short: HashMap<&str, usize> = shorts.iter().map(|(n, s)| (s.as_str(), *n)).collect();
        let mut inserted = HashSet::new();
        for chunk in shorts.chunks(CHUNK) {
            let rows =
                insert_ticket_rows(tx, items, new, &requesters, chunk, (now, due_at)).await?;
            for (id, short) in rows {
                let n = by_short[short.as_str()];
                ids[n] = id;
                inserted.insert(n);
            }
        }
        pending.retain(|n| !inserted.contains(n));
    }
    anyhow::ensure!(pending.is_empty(), "could not draw unique ticket short ids");
    Ok(ids)
}

async fn insert_ticket_rows(
    tx: &mut Tx<'_>,
    items: &[Prepared],
    new: &[usize],
    requesters: &HashMap<String, i64>,
    rows: &[(usize, String)],
    (now, due_at): (DateTime<Utc>, Option<DateTime<Utc>>),
) -> anyhow::Result<Vec<(i64, String)>> {
    let mut q = QueryBuilder::<Sqlite>::new(
        "INSERT INTO tickets (short_id, subject, status, priority, requester_id, from_domain, email_domain_id, topic_id, created_at, updated_at, last_message_at, due_at) ",
    );
    q.push_values(rows, |mut b, (n, short)| {
        let item = &items[new[*n]];
        let mail = item.mail.as_ref().ok();
        let from = mail.and_then(|m| m.from.as_ref());
        let subject = mail
            .map(|m| m.subject.as_str())
            .filter(|s| !s.is_empty())
            .unwrap_or("(no subject)");
        let domain_id = match item.source {
            crate::ingest::Source::Imap {
                email_domain_id, ..
            } => Some(email_domain_id),
            crate::ingest::Source::Retry {
                email_domain_id, ..
            } => email_domain_id,
            crate::ingest::Source::Import => None,
        };
        b.push_bind(short.as_str())
            .push_bind(subject)
            .push_bind("open")
            .push_bind("normal")
            .push_bind(from.and_then(|f| requesters.get(f.address.as_str()).copied()))
            .push_bind(from.map(|f| f.address.domain()))
            .push_bind(domain_id)
            .push("(SELECT id FROM topics WHERE name = 'General')")
            .push_bind(now)
            .push_bind(now)
            .push_bind(now)
            .push_bind(due_at);
    });
    q.push(" ON CONFLICT (short_id) DO NOTHING RETURNING id, short_id");
    q.build_query_as()
        .fetch_all(&mut **tx)
        .await
        .context("opening tickets")
}

/// A ticket as tests and the CLI read it back.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TicketRow {
    pub id: i64,
    pub short_id: String,
    pub subject: String,
    pub status: String,
    pub from_domain: String,
    pub requester_email: String,
    pub message_count: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MessageRow {
    pub id: i64,
    pub message_id: String,
    pub from_address: String,
    pub subject: String,
    pub reply_text: String,
    pub auto_kind: Option<String>,
    pub delivery_status: String,
    pub delivery_error: Option<String>,
}

impl super::Store {
    pub async fn tickets(&self) -> anyhow::Result<Vec<TicketRow>> {
        sqlx::query_as(
            "SELECT t.id, t.short_id, t.subject, t.status, t.from_domain, c.email AS requester_email,
                    (SELECT COUNT(*) FROM messages m WHERE m.ticket_id = t.id) AS message_count
             FROM tickets t JOIN contacts c ON c.id = t.requester_id ORDER BY t.id",
        )
        .fetch_all(self.pool())
        .await
        .context("listing tickets")
    }

    pub async fn messages_of(&self, ticket_id: i64) -> anyhow::Result<Vec<MessageRow>> {
        sqlx::query_as(
            "SELECT id, message_id, from_address, subject, COALESCE(reply_text, body_text) AS reply_text, auto_kind, delivery_status, delivery_error
             FROM messages WHERE ticket_id = $1 ORDER BY id",
        )
        .bind(ticket_id)
        .fetch_all(self.pool())
        .await
        .context("reading a ticket's messages")
    }

    pub async fn set_status(
        &self,
        ticket_id: i64,
        status: crate::domain::Status,
    ) -> anyhow::Result<()> {
        sqlx::query("UPDATE tickets SET status = $1, updated_at = $2 WHERE id = $3")
            .bind(status.as_str())
            .bind(super::now())
            .bind(ticket_id)
            .execute(self.writer())
            .await
            .context("setting a ticket's status")?;
        Ok(())
    }

    /// Rows in one of the store's tables (tests and reports).
    pub async fn count(&self, table: &str) -> anyhow::Result<i64> {
        anyhow::ensure!(
            table.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
            "bad table name"
        );
        sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(self.pool())
            .await
            .with_context(|| format!("counting {table}"))
    }
}

impl super::Store {
    /// The kinds of a ticket's events, oldest first.
    pub async fn event_kinds(&self, ticket_id: i64) -> anyhow::Result<Vec<String>> {
        sqlx::query_scalar("SELECT kind FROM ticket_events WHERE ticket_id = $1 ORDER BY id")
            .bind(ticket_id)
            .fetch_all(self.pool())
            .await
            .context("reading ticket events")
    }

    /// (outcome, reason) of every ingest record, oldest first.
    pub async fn ingest_outcomes(&self) -> anyhow::Result<Vec<(String, Option<String>)>> {
        sqlx::query_as("SELECT outcome, reason FROM ingest_records ORDER BY id")
            .fetch_all(self.pool())
            .await
            .context("reading ingest records")
    }

    /// How many mails each email domain has quarantined (by its id).
    pub async fn quarantine_counts(&self) -> anyhow::Result<Vec<(i64, i64)>> {
        sqlx::query_as(
            "SELECT email_domain_id, COUNT(*) FROM ingest_records \
             WHERE outcome = 'quarantined' AND email_domain_id IS NOT NULL \
             GROUP BY email_domain_id",
        )
        .fetch_all(self.pool())
        .await
        .context("counting quarantined mail")
    }

    /// Raw bytes kept with quarantined inputs.
    pub async fn quarantined_raw(&self) -> anyhow::Result<Vec<Vec<u8>>> {
        sqlx::query_scalar("SELECT raw FROM ingest_records WHERE outcome = 'quarantined' AND raw IS NOT NULL ORDER BY id")
            .fetch_all(self.pool())
            .await
            .context("reading quarantined sources")
    }
}

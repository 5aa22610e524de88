//! Persistence of the ingest pipeline: load the snapshot a batch is decided
//! on, then carry the plan out. Multi-row statements keep a batch of
//! hundreds of mails to a few dozen round trips.
use super::Tx;
use super::bans;
use crate::domain::{EmailAddress, ParticipantState, Priority, Status};
use crate::ingest::plan::{Decision, KnownMessage, Plan, Snapshot, TicketRef, Wanted};
use crate::ingest::{Ingested, Limits, Outcome, Prepared};
use crate::service::sla::SlaTargets;
use anyhow::Context;
use chrono::{DateTime, Utc};
use sqlx::{QueryBuilder, Sqlite};
use std::collections::HashMap;

use super::CHUNK;

pub async fn load_snapshot(tx: &mut Tx<'_>, wanted: &Wanted) -> anyhow::Result<Snapshot> {
    let now = super::now();
    let mut snap = Snapshot {
        now,
        bans: bans::active(tx, now).await?,
        ..Default::default()
    };
    let rows: Vec<(String,)> = select_in(
        tx,
        "SELECT source_key FROM ingest_records WHERE source_key",
        &wanted.source_keys,
    )
    .await?;
    snap.seen_sources = rows.into_iter().map(|r| r.0).collect();
    let rows: Vec<(i64, i64, String)> = select_in(
        tx,
        "SELECT id, ticket_id, message_id FROM messages WHERE message_id",
        &wanted.message_ids,
    )
    .await?;
    let mut ticket_ids: Vec<i64> = Vec::new();
    for (id, ticket_id, mid) in rows {
        ticket_ids.push(ticket_id);
        snap.messages.insert(mid, KnownMessage { id, ticket_id });
    }
    let rows: Vec<(i64, String)> = select_in(
        tx,
        "SELECT id, short_id FROM tickets WHERE short_id",
        &wanted.short_ids,
    )
    .await?;
    let tagged: Vec<i64> = rows.iter().map(|r| r.0).collect();
    ticket_ids.extend(&tagged);
    snap.short_ids = rows.into_iter().map(|(id, s)| (s, id)).collect();
    ticket_ids.sort_unstable();
    ticket_ids.dedup();
    let rows: Vec<(i64, String, String)> = select_in(
        tx,
        "SELECT t.id, t.status, c.email FROM tickets t JOIN contacts c ON c.id = t.requester_id WHERE t.id",
        &ticket_ids,
    )
    .await?;
    for (id, status, requester) in rows {
        snap.tickets
            .insert(id, Status::parse(&status).unwrap_or(Status::Open));
        snap.requesters.insert(id, requester);
    }
    // Who takes part in a tagged ticket: whoever wrote on it, and whoever
    // was copied (the only ones ticket_participants lists).
    let copied: Vec<(i64, String)> = select_in(
        tx,
        "SELECT ticket_id, email FROM ticket_participants WHERE ticket_id",
        &tagged,
    )
    .await?;
    let wrote: Vec<(i64, String)> = select_in(
        tx,
        "SELECT DISTINCT ticket_id, from_address FROM messages WHERE direction = 'inbound' AND ticket_id",
        &tagged,
    )
    .await?;
    snap.participants = copied.into_iter().chain(wrote).collect();
    load_members(tx, &ticket_ids, &mut snap).await?;
    Ok(snap)
}

/// Each ticket's participants by state, and our own addresses.
async fn load_members(
    tx: &mut Tx<'_>,
    ticket_ids: &[i64],
    snap: &mut Snapshot,
) -> anyhow::Result<()> {
    let rows: Vec<(i64, String, String)> = select_in(
        tx,
        "SELECT ticket_id, email, state FROM ticket_participants WHERE ticket_id",
        ticket_ids,
    )
    .await?;
    for (ticket, email, state) in rows {
        let state = ParticipantState::parse(&state).unwrap_or(ParticipantState::Pending);
        snap.members.entry(ticket).or_default().insert(email, state);
    }
    let own: Vec<String> = sqlx::query_scalar("SELECT address FROM email_domains")
        .fetch_all(&mut **tx)
        .await
        .context("reading our own addresses")?;
    snap.own_addresses = own
        .iter()
        .filter_map(|a| EmailAddress::parse(a).ok())
        .collect();
    Ok(())
}

/// `PREFIX IN (…)` over any number of values, in chunks.
async fn select_in<T, O>(tx: &mut Tx<'_>, prefix: &str, values: &[T]) -> anyhow::Result<Vec<O>>
where
    T: for<'q> sqlx::Encode<'q, Sqlite> + sqlx::Type<Sqlite> + Clone + Send + Sync,
    O: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow> + Send + Unpin,
{
    let mut out = Vec::new();
    for chunk in values.chunks(CHUNK) {
        let mut q = QueryBuilder::<Sqlite>::new(prefix);
        push_in(&mut q, chunk);
        let rows = q
            .build_query_as::<O>()
            .fetch_all(&mut **tx)
            .await
            .with_context(|| prefix.to_string())?;
        out.extend(rows);
    }
    Ok(out)
}

/// Appends ` IN (?, ?, …)` with the values bound.
fn push_in<'a, T>(q: &mut QueryBuilder<'a, Sqlite>, values: &[T])
where
    T: for<'q> sqlx::Encode<'q, Sqlite> + sqlx::Type<Sqlite> + Clone + Send + Sync + 'a,
{
    q.push(" IN (");
    let mut sep = q.separated(", ");
    for v in values {
        sep.push_bind(v.clone());
    }
    q.push(")");
}

/// What storing a batch is configured with.
#[derive(Debug, Clone, Copy)]
pub struct Settings<'a> {
    pub limits: &'a Limits,
    pub sla: &'a SlaTargets,
}

pub async fn write_plan(
    tx: &mut Tx<'_>,
    items: &[Prepared],
    plan: &Plan,
    settings: Settings<'_>,
    now: DateTime<Utc>,
) -> anyhow::Result<Vec<Ingested>> {
    // Tickets from mail open with normal priority.
    let due_at = settings.sla.due_from(Priority::Normal, now);
    let new_ids =
        super::tickets::insert_from_mail(tx, items, &plan.new_tickets, due_at, now).await?;
    assign_default_teams(tx, items, &new_ids).await?;
    let resolve = |r: TicketRef| match r {
        TicketRef::Existing(id) => id,
        TicketRef::New(n) => new_ids[n],
    };
    let targets: Vec<Option<i64>> = plan
        .decisions
        .iter()
        .map(|d| match d {
            Decision::Create { ticket } => Some(new_ids[*ticket]),
            Decision::Append { ticket, .. } => Some(resolve(*ticket)),
            _ => None,
        })
        .collect();
    mark_pending_acks(tx, items, plan, &targets, now).await?;
    let stored = super::messages::insert_messages(tx, items, &targets, now).await?;
    super::messages::insert_sources(tx, items, &stored).await?;
    let max_attachment = settings.limits.max_attachment_bytes;
    super::messages::insert_attachments(tx, items, &stored, max_attachment).await?;
    super::participants::insert_joins(tx, plan, &new_ids, &stored, now).await?;
    touch_tickets(tx, plan, (&targets, &stored), settings.sla, now).await?;
    let bounces = super::bounces::record_bounces(tx, items, plan, now).await?;
    bans::count_hits(tx, &ban_hits(plan), now).await?;
    insert_records(tx, items, plan, &targets, &stored, &bounces, now).await
}

/// Tickets opened from a mailbox await their acknowledgement (the poller
/// queues it, or decides against it, and removes the mark in that transaction).
async fn mark_pending_acks(
    tx: &mut Tx<'_>,
    items: &[Prepared],
    plan: &Plan,
    targets: &[Option<i64>],
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let created: Vec<i64> = plan
        .decisions
        .iter()
        .zip(items)
        .zip(targets)
        .filter(|((d, item), _)| {
            matches!(d, Decision::Create { .. })
                && matches!(
                    item.source,
                    crate::ingest::Source::Imap {
                        acknowledge: true,
                        ..
                    }
                )
        })
        .filter_map(|(_, t)| *t)
        .collect();
    for chunk in created.chunks(CHUNK) {
        let mut q =
            QueryBuilder::<Sqlite>::new("INSERT INTO pending_acks (ticket_id, created_at) ");
        q.push_values(chunk, |mut b, id| {
            b.push_bind(*id).push_bind(now);
        });
        q.build()
            .execute(&mut **tx)
            .await
            .context("marking acknowledgements to send")?;
    }
    Ok(())
}

/// Tickets opened from a mailbox join its email domain's default team.
async fn assign_default_teams(
    tx: &mut Tx<'_>,
    items: &[Prepared],
    new_ids: &[i64],
) -> anyhow::Result<()> {
    if new_ids.is_empty()
        || !items
            .iter()
            .any(|i| matches!(i.source, crate::ingest::Source::Imap { .. }))
    {
        return Ok(());
    }
    for chunk in new_ids.chunks(CHUNK) {
        let mut q = QueryBuilder::<Sqlite>::new(
            "INSERT INTO ticket_teams (ticket_id, team_id)
             SELECT t.id, d.default_team_id FROM tickets t JOIN email_domains d ON d.id = t.email_domain_id
             WHERE d.default_team_id IS NOT NULL AND t.id IN (",
        );
        let mut ids = q.separated(", ");
        for id in chunk {
            ids.push_bind(*id);
        }
        q.push(") ON CONFLICT (ticket_id, team_id) DO NOTHING");
        q.build()
            .execute(&mut **tx)
            .await
            .context("assigning default teams")?;
    }
    Ok(())
}

/// Replied tickets are touched and, where the plan says so, reopened; new
/// and reopened tickets get their events, and so does every other reply
/// that is not automatic (`customer_replied`: a `reopened` event stands for
/// the reply that reopened). Customer replies start SLA clocks. (Tickets
/// this batch opens already carry this batch's times.)
async fn touch_tickets(
    tx: &mut Tx<'_>,
    plan: &Plan,
    (targets, stored): (&[Option<i64>], &[Option<i64>]),
    sla: &SlaTargets,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let mut touched: Vec<i64> = Vec::new();
    let mut reopened: Vec<i64> = Vec::new();
    let mut waiting: Vec<i64> = Vec::new();
    let mut events: Vec<NewEvent> = Vec::new();
    for ((decision, target), message) in plan.decisions.iter().zip(targets).zip(stored) {
        if let Decision::Append {
            auto: None,
            reopen_from: None,
            ticket,
        } = decision
        {
            let id = target.unwrap_or_default();
            let data = serde_json::json!({"message_id": message}).to_string();
            events.push(NewEvent::by("customer", id, "customer_replied", data));
            if matches!(ticket, TicketRef::Existing(_)) {
                waiting.push(id);
            }
        }
        match decision {
            Decision::Append {
                ticket: TicketRef::Existing(id),
                reopen_from,
                ..
            } => {
                touched.push(*id);
                if let Some(from) = reopen_from {
                    reopened.push(*id);
                    let data = serde_json::json!({"from": from.as_str(), "to": "open", "message_id": message}).to_string();
                    events.push(NewEvent::by("customer", *id, "reopened", data));
                }
            }
            Decision::Create { .. } => {
                events.push(NewEvent::by(
                    "customer",
                    target.unwrap_or_default(),
                    "created",
                    r#"{"via":"email"}"#.into(),
                ));
            }
            _ => {}
        }
    }
    touched.sort_unstable();
    touched.dedup();
    for chunk in touched.chunks(CHUNK) {
        let mut q = QueryBuilder::<Sqlite>::new("UPDATE tickets SET updated_at = ");
        q.push_bind(now)
            .push(", last_message_at = ")
            .push_bind(now)
            .push(" WHERE id");
        push_in(&mut q, chunk);
        q.build()
            .execute(&mut **tx)
            .await
            .context("touching replied tickets")?;
    }
    for chunk in reopened.chunks(CHUNK) {
        let mut q = QueryBuilder::<Sqlite>::new(
            "UPDATE tickets SET status = 'open', resolved_at = NULL, snoozed_until = NULL WHERE id",
        );
        push_in(&mut q, chunk);
        q.build()
            .execute(&mut **tx)
            .await
            .context("reopening tickets")?;
    }
    super::sla::start_clocks(tx, &waiting, &reopened, sla, now).await?;
    insert_events(tx, &events, now).await
}

/// A change to record on a ticket's thread.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub ticket_id: i64,
    /// `customer`, `agent` or `system`.
    pub actor: &'static str,
    pub agent_id: Option<i64>,
    pub kind: &'static str,
    /// JSON.
    pub data: String,
}

impl NewEvent {
    pub fn by(actor: &'static str, ticket_id: i64, kind: &'static str, data: String) -> Self {
        Self {
            ticket_id,
            actor,
            agent_id: None,
            kind,
            data,
        }
    }
}

pub async fn insert_events(
    tx: &mut Tx<'_>,
    events: &[NewEvent],
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    for chunk in events.chunks(CHUNK) {
        let mut q = QueryBuilder::<Sqlite>::new(
            "INSERT INTO ticket_events (ticket_id, actor, agent_id, kind, data, created_at) ",
        );
        q.push_values(chunk, |mut b, e| {
            b.push_bind(e.ticket_id)
                .push_bind(e.actor)
                .push_bind(e.agent_id)
                .push_bind(e.kind)
                .push_bind(e.data.as_str())
                .push_bind(now);
        });
        q.build()
            .execute(&mut **tx)
            .await
            .context("recording ticket events")?;
    }
    Ok(())
}

fn ban_hits(plan: &Plan) -> Vec<(i64, i64)> {
    let mut hits: HashMap<i64, i64> = HashMap::new();
    for d in &plan.decisions {
        if let Decision::Banned { ban_id } = d {
            *hits.entry(*ban_id).or_default() += 1;
        }
    }
    hits.into_iter().collect()
}

struct Record {
    outcome: Outcome,
    reason: Option<String>,
    ticket_id: Option<i64>,
    message: Option<i64>,
}

fn record_for(
    decision: &Decision,
    target: Option<i64>,
    stored: Option<i64>,
    bounce: Option<&KnownMessage>,
) -> Option<Record> {
    let r = |outcome, reason: Option<String>| Record {
        outcome,
        reason,
        ticket_id: target,
        message: stored,
    };
    Some(match decision {
        Decision::Skip => return None,
        Decision::Quarantine { reason } => r(Outcome::Quarantined, Some(reason.clone())),
        Decision::Duplicate => r(Outcome::Duplicate, Some("Message-ID already stored".into())),
        Decision::Banned { ban_id } => r(Outcome::Banned, Some(format!("ban {ban_id}"))),
        Decision::Dropped { kind } => r(Outcome::Dropped, Some(kind.as_str().into())),
        Decision::Bounce { original } => Record {
            outcome: Outcome::Bounce,
            reason: Some(
                match (bounce, original) {
                    (Some(_), _) => "matched",
                    (None, Some(_)) => "the reported recipient was not sent that message",
                    (None, None) => "no matching message",
                }
                .into(),
            ),
            ticket_id: bounce.map(|b| b.ticket_id),
            message: bounce.map(|b| b.id),
        },
        Decision::Create { .. } => r(Outcome::Created, None),
        Decision::Append {
            auto, reopen_from, ..
        } => {
            let reason = auto
                .map(|a| a.as_str().to_string())
                .or(reopen_from.map(|_| "reopened".into()));
            r(Outcome::Appended, reason)
        }
    })
}

async fn insert_records(
    tx: &mut Tx<'_>,
    items: &[Prepared],
    plan: &Plan,
    targets: &[Option<i64>],
    stored: &[Option<i64>],
    bounces: &HashMap<usize, KnownMessage>,
    now: DateTime<Utc>,
) -> anyhow::Result<Vec<Ingested>> {
    let mut results = Vec::with_capacity(items.len());
    let mut rows: Vec<(usize, Record)> = Vec::new();
    for (i, decision) in plan.decisions.iter().enumerate() {
        match record_for(decision, targets[i], stored[i], bounces.get(&i)) {
            Some(rec) => {
                results.push(Ingested {
                    outcome: rec.outcome,
                    ticket_id: rec.ticket_id,
                });
                rows.push((i, rec));
            }
            None => results.push(Ingested {
                outcome: Outcome::Duplicate,
                ticket_id: None,
            }),
        }
    }
    for chunk in rows.chunks(CHUNK) {
        let mut q = QueryBuilder::<Sqlite>::new(
            "INSERT INTO ingest_records (source, source_key, email_domain_id, uidvalidity, uid, message_id, outcome, reason, ticket_id, stored_message_id, raw, created_at) ",
        );
        q.push_values(chunk, |mut b, (i, rec)| {
            let item = &items[*i];
            let (source, domain, validity, uid) = match item.source {
                crate::ingest::Source::Import => ("import", None, None, None),
                // The mail was counted in when it first came in.
                crate::ingest::Source::Retry { .. } => ("retry", None, None, None),
                crate::ingest::Source::Imap {
                    email_domain_id,
                    uidvalidity,
                    uid,
                    ..
                } => (
                    "imap",
                    Some(email_domain_id),
                    Some(i64::from(uidvalidity)),
                    Some(i64::from(uid)),
                ),
            };
            let keep_raw = rec.outcome == Outcome::Quarantined;
            b.push_bind(source)
                .push_bind(item.source_key.as_str())
                .push_bind(domain)
                .push_bind(validity)
                .push_bind(uid)
                .push_bind(item.message_id.as_str())
                .push_bind(rec.outcome.as_str())
                .push_bind(rec.reason.as_deref())
                .push_bind(rec.ticket_id)
                .push_bind(rec.message)
                .push_bind(keep_raw.then_some(item.raw.as_slice()))
                .push_bind(now);
        });
        q.build()
            .execute(&mut **tx)
            .await
            .context("recording ingest outcomes")?;
    }
    Ok(results)
}

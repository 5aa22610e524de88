//! Changing a ticket's attributes: one transaction, one event per actual
//! change (with who made it), no event and no write for a value that is
//! already what it is asked to be.
use super::ingest::{NewEvent, insert_events};
use super::ticket_sets::{set_fields, set_tags, set_teams};
use super::{Store, Tx};
use crate::domain::{FieldType, Priority, Status};
use anyhow::Context;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

/// What a change asks for; `None` leaves an attribute as it is.
#[derive(Debug, Clone, Default)]
pub struct TicketChange {
    pub status: Option<Status>,
    pub priority: Option<Priority>,
    /// `Some(None)` unassigns.
    pub assignee_id: Option<Option<i64>>,
    /// The whole set of teams.
    pub team_ids: Option<Vec<i64>>,
    pub topic: Option<TopicChoice>,
    /// The whole set of tags, by name; unknown names are created.
    pub tags: Option<Vec<String>>,
    pub fields: Vec<FieldChange>,
    pub description: Option<String>,
    /// `Some(None)` clears it (the first email domain that can send is used).
    pub email_domain_id: Option<Option<i64>>,
    /// Snooze until then (the ticket is pending meanwhile); `Some(None)`
    /// ends a snooze and leaves the status as it is.
    pub snooze: Option<Option<DateTime<Utc>>>,
}

impl TicketChange {
    pub fn is_empty(&self) -> bool {
        self.status.is_none()
            && self.priority.is_none()
            && self.assignee_id.is_none()
            && self.team_ids.is_none()
            && self.topic.is_none()
            && self.tags.is_none()
            && self.fields.is_empty()
            && self.description.is_none()
            && self.email_domain_id.is_none()
            && self.snooze.is_none()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TopicChoice {
    /// An existing topic, or none.
    Id(Option<i64>),
    /// A topic by name, created when new.
    Name(String),
}

/// One custom field value, checked against its definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldChange {
    pub field_id: i64,
    pub key: String,
    pub field_type: FieldType,
    /// The stored text; None removes the value.
    pub value: Option<String>,
}

/// The columns a change compares against, read inside its transaction.
#[derive(Debug, Clone, sqlx::FromRow)]
struct Current {
    status: String,
    priority: String,
    assignee_id: Option<i64>,
    topic_id: Option<i64>,
    description: String,
    email_domain_id: Option<i64>,
    snoozed_until: Option<DateTime<Utc>>,
}

/// Events of one change, all by the same agent.
pub(super) struct Events {
    ticket_id: i64,
    agent_id: Option<i64>,
    list: Vec<NewEvent>,
}

impl Events {
    pub(super) fn new(ticket_id: i64, agent_id: Option<i64>) -> Self {
        Self {
            ticket_id,
            agent_id,
            list: Vec::new(),
        }
    }

    pub(super) fn push(&mut self, kind: &'static str, data: Value) {
        self.list.push(NewEvent {
            ticket_id: self.ticket_id,
            actor: "agent",
            agent_id: self.agent_id,
            kind,
            data: data.to_string(),
        });
    }

    pub(super) async fn record(self, tx: &mut Tx<'_>, now: DateTime<Utc>) -> anyhow::Result<usize> {
        insert_events(tx, &self.list, now).await?;
        Ok(self.list.len())
    }
}

impl Store {
    /// Applies `change` to ticket `id` as `agent_id`. None when the ticket
    /// does not exist; else how many events were recorded (0: nothing changed).
    pub async fn change_ticket(
        &self,
        id: i64,
        change: &TicketChange,
        agent_id: Option<i64>,
    ) -> anyhow::Result<Option<usize>> {
        let now = super::now();
        let mut tx = self.begin_write().await?;
        let Some(events) = apply(&mut tx, id, change, agent_id, now).await? else {
            return Ok(None);
        };
        let recorded = events.record(&mut tx, now).await?;
        tx.commit().await.context("committing the ticket change")?;
        Ok(Some(recorded))
    }

    /// Hands ticket `id` over to the agent and/or teams `change` names,
    /// with an optional internal note, as one `transferred` event (none
    /// when nothing changed and there is no note). None when the ticket
    /// does not exist.
    pub async fn transfer_ticket(
        &self,
        id: i64,
        change: &TicketChange,
        note: Option<&str>,
        agent_id: Option<i64>,
    ) -> anyhow::Result<Option<()>> {
        let now = super::now();
        let mut tx = self.begin_write().await?;
        let Some(parts) = apply(&mut tx, id, change, agent_id, now).await? else {
            return Ok(None);
        };
        let note_id = match note {
            Some(body) => {
                super::notes::insert_note(&mut tx, id, agent_id, body, "yellow", now).await?
            }
            None => None,
        };
        if parts.list.is_empty() && note_id.is_none() {
            return Ok(Some(()));
        }
        let mut data = json!({"agent": null, "teams": null, "note_id": note_id});
        for e in &parts.list {
            let d: Value = serde_json::from_str(&e.data)?;
            match e.kind {
                "assigned" => data["agent"] = agent_named(&mut tx, &d["to"]).await?,
                "teams_changed" => data["teams"] = d,
                _ => {}
            }
        }
        touch(&mut tx, id, now).await?;
        let mut events = Events::new(id, agent_id);
        events.push("transferred", data);
        events.record(&mut tx, now).await?;
        tx.commit().await.context("committing a transfer")?;
        Ok(Some(()))
    }
}

/// `{id, name}` of the agent `id` names.
async fn agent_named(tx: &mut Tx<'_>, id: &Value) -> anyhow::Result<Value> {
    let name: Option<String> = sqlx::query_scalar("SELECT name FROM agents WHERE id = $1")
        .bind(id.as_i64())
        .fetch_optional(&mut **tx)
        .await
        .context("reading an agent's name")?;
    Ok(json!({"id": id, "name": name}))
}

/// Applies `change` to ticket `id` inside `tx` (touching it when anything
/// changed); the events to record, or None when there is no such ticket.
async fn apply(
    tx: &mut Tx<'_>,
    id: i64,
    change: &TicketChange,
    agent_id: Option<i64>,
    now: DateTime<Utc>,
) -> anyhow::Result<Option<Events>> {
    let current: Option<Current> = sqlx::query_as(
        "SELECT status, priority, assignee_id, topic_id, description, email_domain_id,
                snoozed_until
         FROM tickets WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut **tx)
    .await
    .context("reading the ticket to change")?;
    let Some(current) = current else {
        return Ok(None);
    };
    let mut events = Events::new(id, agent_id);
    change_columns(tx, id, change, &current, &mut events, now).await?;
    change_sets(tx, id, change, &mut events, now).await?;
    if !events.list.is_empty() {
        touch(tx, id, now).await?;
    }
    Ok(Some(events))
}

async fn touch(tx: &mut Tx<'_>, id: i64, now: DateTime<Utc>) -> anyhow::Result<()> {
    sqlx::query("UPDATE tickets SET updated_at = $1 WHERE id = $2")
        .bind(now)
        .bind(id)
        .execute(&mut **tx)
        .await
        .context("touching the ticket")?;
    Ok(())
}

/// Status (and snooze), priority, assignee, topic, description and email
/// domain.
async fn change_columns(
    tx: &mut Tx<'_>,
    id: i64,
    change: &TicketChange,
    current: &Current,
    events: &mut Events,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    // A snoozed ticket is pending.
    let status = match change.snooze {
        Some(Some(_)) => Some(Status::Pending),
        _ => change.status,
    };
    if let Some(status) = status.filter(|s| s.as_str() != current.status) {
        set_status(tx, id, status, now).await?;
        events.push(
            "status_changed",
            json!({"from": current.status, "to": status.as_str()}),
        );
    }
    if let Some(to) = change.snooze.filter(|to| *to != current.snoozed_until) {
        Set::Snooze(to).apply(tx, id).await?;
        match to {
            Some(until) => events.push("snoozed", json!({"until": until})),
            None => events.push("unsnoozed", json!({"until": current.snoozed_until})),
        }
    }
    if let Some(p) = change.priority.filter(|p| p.as_str() != current.priority) {
        Set::Priority(p.as_str()).apply(tx, id).await?;
        events.push(
            "priority_changed",
            json!({"from": current.priority, "to": p.as_str()}),
        );
    }
    if let Some(to) = change.assignee_id.filter(|a| *a != current.assignee_id) {
        Set::Assignee(to).apply(tx, id).await?;
        match to {
            Some(to) => events.push("assigned", json!({"from": current.assignee_id, "to": to})),
            None => events.push("unassigned", json!({"from": current.assignee_id})),
        }
    }
    if let Some(choice) = &change.topic {
        let to = match choice {
            TopicChoice::Id(topic) => *topic,
            TopicChoice::Name(name) => Some(topic_named(tx, name, now).await?),
        };
        if to != current.topic_id {
            Set::Topic(to).apply(tx, id).await?;
            events.push("topic_changed", json!({"from": current.topic_id, "to": to}));
        }
    }
    if let Some(d) = change
        .description
        .as_ref()
        .filter(|d| **d != current.description)
    {
        Set::Description(d).apply(tx, id).await?;
        events.push(
            "description_changed",
            json!({"from": current.description, "to": d}),
        );
    }
    if let Some(to) = change
        .email_domain_id
        .filter(|d| *d != current.email_domain_id)
    {
        Set::EmailDomain(to).apply(tx, id).await?;
        events.push(
            "email_domain_changed",
            json!({"from": current.email_domain_id, "to": to}),
        );
    }
    Ok(())
}

/// Teams, tags and custom field values.
async fn change_sets(
    tx: &mut Tx<'_>,
    id: i64,
    change: &TicketChange,
    events: &mut Events,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    if let Some(teams) = &change.team_ids {
        let diff = set_teams(tx, id, teams).await?;
        if !diff.is_empty() {
            events.push(
                "teams_changed",
                json!({"added": diff.added, "removed": diff.removed}),
            );
        }
    }
    if let Some(tags) = &change.tags {
        let diff = set_tags(tx, id, tags, now).await?;
        if !diff.is_empty() {
            events.push(
                "tags_changed",
                json!({"added": diff.added, "removed": diff.removed}),
            );
        }
    }
    for (f, from) in set_fields(tx, id, &change.fields).await? {
        let show = |v: &Option<String>| v.as_deref().map(|s| f.field_type.show(s));
        events.push(
            "field_changed",
            json!({"key": f.key, "from": show(&from), "to": show(&f.value)}),
        );
    }
    Ok(())
}

/// Resolving stamps `resolved_at`; any other status clears it; a status
/// other than pending ends a snooze. An agent
/// setting the status has dealt with the ticket: its response clock stops
/// (a later customer reply starts a new one), so a ticket an agent reopens
/// does not turn overdue on a stale deadline.
async fn set_status(
    tx: &mut Tx<'_>,
    id: i64,
    status: Status,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let resolved_at = (status == Status::Resolved).then_some(now);
    sqlx::query(
        "UPDATE tickets SET status = $1, resolved_at = $2, due_at = NULL,
            snoozed_until = CASE WHEN $1 = 'pending' THEN snoozed_until END
         WHERE id = $3",
    )
    .bind(status.as_str())
    .bind(resolved_at)
    .bind(id)
    .execute(&mut **tx)
    .await
    .context("changing a ticket's status")?;
    Ok(())
}

/// One column set to its new value.
#[derive(Debug, Clone, Copy)]
enum Set<'a> {
    Priority(&'a str),
    Assignee(Option<i64>),
    Topic(Option<i64>),
    Description(&'a str),
    EmailDomain(Option<i64>),
    Snooze(Option<DateTime<Utc>>),
}

impl Set<'_> {
    async fn apply(self, tx: &mut Tx<'_>, id: i64) -> anyhow::Result<()> {
        let q = match self {
            Set::Priority(v) => {
                sqlx::query("UPDATE tickets SET priority = $1 WHERE id = $2").bind(v)
            }
            Set::Assignee(v) => {
                sqlx::query("UPDATE tickets SET assignee_id = $1 WHERE id = $2").bind(v)
            }
            Set::Topic(v) => sqlx::query("UPDATE tickets SET topic_id = $1 WHERE id = $2").bind(v),
            Set::Description(v) => {
                sqlx::query("UPDATE tickets SET description = $1 WHERE id = $2").bind(v)
            }
            Set::EmailDomain(v) => {
                sqlx::query("UPDATE tickets SET email_domain_id = $1 WHERE id = $2").bind(v)
            }
            Set::Snooze(v) => {
                sqlx::query("UPDATE tickets SET snoozed_until = $1 WHERE id = $2").bind(v)
            }
        };
        q.bind(id)
            .execute(&mut **tx)
            .await
            .context("changing a ticket")?;
        Ok(())
    }
}

/// The id of the topic called `name`, created if new.
async fn topic_named(tx: &mut Tx<'_>, name: &str, now: DateTime<Utc>) -> anyhow::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO topics (name, created_at) VALUES ($1, $2)
         ON CONFLICT (name) DO UPDATE SET name = excluded.name RETURNING id",
    )
    .bind(name)
    .bind(now)
    .fetch_one(&mut **tx)
    .await
    .context("finding or creating a topic")
}

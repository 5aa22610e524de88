//! The ticket list's filters and orders, and the SQL they become. Each
//! condition can be written two ways: as a set of ticket ids to start from
//! (`t.id IN (…)`, read from an index in id order so that several intersect
//! by merging) or as a test of one ticket (`EXISTS …`, a probe of a primary
//! key) for walking the tickets in sort order. [`super::ticket_plan`]
//! chooses between them.
use crate::domain::{Priority, Status};
use sqlx::{QueryBuilder, Sqlite};

/// One condition of a ticket list. `None` inside means "has none".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cond {
    Status(Vec<Status>),
    Priority(Vec<Priority>),
    Assignee(Option<i64>),
    Team(Option<i64>),
    /// A tag by name.
    Tag(Option<String>),
    Topic(Option<i64>),
    FromDomain(String),
    Channel(String),
    /// The linked conversation's external id, or none.
    Linked(Option<String>),
    /// A custom field (by id) with this stored value, or without a value.
    Field {
        id: i64,
        value: Option<String>,
    },
    CreatedBy(Option<i64>),
    /// Snoozed (the Snoozed folder).
    Snoozed,
    /// An FTS5 query (one of [`super::search::match_terms`]) that must
    /// match the subject or the text of one of the ticket's messages.
    Text(String),
    /// At least one of these (a comma list such as `tag=a,b`): never an
    /// arm, tested on each ticket a walk or the other arms bring.
    AnyOf(Vec<Cond>),
}

impl Cond {
    /// Read as a set of ids from an index ordered by ticket id.
    pub(super) fn is_indexed_set(&self) -> bool {
        matches!(
            self,
            Cond::Team(Some(_))
                | Cond::Tag(Some(_))
                | Cond::Field { value: Some(_), .. }
                | Cond::Text(_)
        )
    }

    /// Tested on the ticket's row (a column), not only its id.
    pub(super) fn reads_row(&self) -> bool {
        if let Cond::AnyOf(list) = self {
            return list.iter().any(Cond::reads_row);
        }
        matches!(
            self,
            Cond::Status(_)
                | Cond::Priority(_)
                | Cond::Assignee(_)
                | Cond::Topic(_)
                | Cond::CreatedBy(_)
                | Cond::FromDomain(_)
                | Cond::Channel(_)
                | Cond::Linked(_)
                | Cond::Snoozed
        )
    }

    /// Kept in `ticket_counts`: every column but the requester domain and
    /// the snooze.
    pub(super) fn is_counted(&self) -> bool {
        self.reads_row()
            && !matches!(
                self,
                Cond::FromDomain(_)
                    | Cond::Channel(_)
                    | Cond::Linked(_)
                    | Cond::Snoozed
                    | Cond::AnyOf(_)
            )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    CreatedAt,
    UpdatedAt,
    DueAt,
    Priority,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sort {
    pub key: SortKey,
    pub descending: bool,
}

impl Default for Sort {
    /// Most recently updated first.
    fn default() -> Self {
        Sort {
            key: SortKey::UpdatedAt,
            descending: true,
        }
    }
}

impl Sort {
    /// The index that holds tickets in this order, if one does.
    pub(super) fn index(self) -> Option<&'static str> {
        match self.key {
            SortKey::UpdatedAt => Some("tickets_updated"),
            SortKey::CreatedAt => Some("tickets_created"),
            SortKey::Priority => Some("tickets_priority_order"),
            SortKey::DueAt if self.descending => Some("tickets_due_order_desc"),
            SortKey::DueAt => Some("tickets_due_order"),
        }
    }
}

/// The filters and order of a list; every condition must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TicketQuery {
    pub conds: Vec<Cond>,
    pub sort: Sort,
}

/// How a condition on a set of ids is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Style {
    /// `t.id IN (SELECT ticket_id …)`: start from the set.
    Set,
    /// `EXISTS (… WHERE x.ticket_id = t.id …)`: test each ticket.
    Probe,
}

/// Appends ` WHERE …` (or nothing) for `conds` over `tickets t`.
pub(super) fn push_where(q: &mut QueryBuilder<'_, Sqlite>, conds: &[&Cond], style: Style) {
    for (n, cond) in conds.iter().enumerate() {
        q.push(if n == 0 { " WHERE " } else { " AND " });
        push_cond(q, cond, style);
    }
}

/// One condition on `tickets t`, as it reads after ` WHERE ` or ` AND `.
pub(super) fn push_cond(q: &mut QueryBuilder<'_, Sqlite>, cond: &Cond, style: Style) {
    match cond {
        Cond::Status(list) => push_in_list(q, "status", list.iter().map(|s| s.as_str())),
        Cond::Priority(list) => push_in_list(q, "priority", list.iter().map(|p| p.as_str())),
        Cond::Assignee(v) => push_eq(q, "assignee_id", *v),
        Cond::Topic(v) => push_eq(q, "topic_id", *v),
        Cond::CreatedBy(v) => push_eq(q, "created_by", *v),
        Cond::FromDomain(d) => {
            q.push("t.from_domain = ").push_bind(d.clone());
        }
        Cond::Channel(c) => {
            q.push("t.channel = ").push_bind(c.clone());
        }
        Cond::Linked(Some(l)) => {
            q.push("t.linked_conversation = ").push_bind(l.clone());
        }
        Cond::Linked(None) => {
            q.push("t.linked_conversation IS NULL");
        }
        Cond::Snoozed => {
            q.push("t.snoozed_until IS NOT NULL");
        }
        set if set.is_indexed_set() && style == Style::Set => {
            q.push("t.id IN (");
            push_set_ids(q, set);
            q.push(")");
        }
        Cond::AnyOf(list) => push_any(q, list, |q, c| push_cond(q, c, style)),
        other => push_cond_on(q, other, "t.id"),
    }
}

/// A condition that needs only a ticket's id (`id`, an SQL expression),
/// not its row: "has none", a search, or a probe of an indexed set.
pub(super) fn push_cond_on(q: &mut QueryBuilder<'_, Sqlite>, cond: &Cond, id: &str) {
    match cond {
        Cond::Team(None) => {
            q.push(format!(
                "NOT EXISTS (SELECT 1 FROM ticket_teams x WHERE x.ticket_id = {id})"
            ));
        }
        Cond::Tag(None) => {
            q.push(format!(
                "NOT EXISTS (SELECT 1 FROM ticket_tags x WHERE x.ticket_id = {id})"
            ));
        }
        Cond::Field {
            id: field,
            value: None,
        } => {
            q.push(format!(
                "NOT EXISTS (SELECT 1 FROM ticket_field_values x WHERE x.ticket_id = {id} AND x.field_id = "
            ))
            .push_bind(*field)
            .push(")");
        }
        Cond::AnyOf(list) => push_any(q, list, |q, c| push_cond_on(q, c, id)),
        set if set.is_indexed_set() => push_probe_on(q, set, id),
        column => unreachable!("{column:?} reads the ticket's row"),
    }
}

/// `(a OR b …)`, each written by `push`.
fn push_any(
    q: &mut QueryBuilder<'_, Sqlite>,
    list: &[Cond],
    push: impl Fn(&mut QueryBuilder<'_, Sqlite>, &Cond),
) {
    q.push("(");
    for (n, cond) in list.iter().enumerate() {
        if n > 0 {
            q.push(" OR ");
        }
        push(q, cond);
    }
    q.push(")");
}

/// `t.col = value`, or `t.col IS NULL` for "none".
fn push_eq(q: &mut QueryBuilder<'_, Sqlite>, column: &str, value: Option<i64>) {
    match value {
        Some(v) => q.push(format!("t.{column} = ")).push_bind(v),
        None => q.push(format!("t.{column} IS NULL")),
    };
}

fn push_in_list(
    q: &mut QueryBuilder<'_, Sqlite>,
    column: &str,
    values: impl Iterator<Item = &'static str>,
) {
    q.push(format!("t.{column} IN ("));
    let mut list = q.separated(", ");
    for v in values {
        list.push_bind(v);
    }
    q.push(")");
}

/// `SELECT ticket_id AS id …` of an indexed set, in ticket id order. A
/// search names a ticket once per matching message (see migration 0007).
pub(super) fn push_set_ids(q: &mut QueryBuilder<'_, Sqlite>, cond: &Cond) {
    match cond {
        Cond::Team(Some(id)) => {
            q.push("SELECT ticket_id AS id FROM ticket_teams WHERE team_id = ")
                .push_bind(*id);
        }
        Cond::Tag(Some(name)) => {
            q.push("SELECT ticket_id AS id FROM ticket_tags WHERE tag_id = (SELECT id FROM tags WHERE name = ")
                .push_bind(name.clone())
                .push(")");
        }
        Cond::Field {
            id,
            value: Some(value),
        } => {
            q.push("SELECT ticket_id AS id FROM ticket_field_values WHERE field_id = ")
                .push_bind(*id)
                .push(" AND value = ")
                .push_bind(value.clone());
        }
        Cond::Text(term) => {
            q.push("SELECT rowid >> 32 AS id FROM ticket_text WHERE ticket_text MATCH ")
                .push_bind(term.clone());
        }
        other => unreachable!("{other:?} is not an indexed set"),
    }
}

/// `EXISTS (…)` testing the ticket whose id is `id` (an SQL expression)
/// for an indexed set's condition, by a seek in a covering index.
fn push_probe_on(q: &mut QueryBuilder<'_, Sqlite>, cond: &Cond, id: &str) {
    match cond {
        Cond::Team(Some(team)) => {
            q.push(format!(
                "EXISTS (SELECT 1 FROM ticket_teams x WHERE x.ticket_id = {id} AND x.team_id = "
            ))
            .push_bind(*team)
            .push(")");
        }
        Cond::Tag(Some(name)) => {
            q.push(format!(
                "EXISTS (SELECT 1 FROM ticket_tags x WHERE x.ticket_id = {id} \
                 AND x.tag_id = (SELECT id FROM tags WHERE name = "
            ))
            .push_bind(name.clone())
            .push("))");
        }
        Cond::Field {
            id: field,
            value: Some(value),
        } => {
            // The (field, value, ticket) index answers without the row.
            q.push(format!(
                "EXISTS (SELECT 1 FROM ticket_field_values x INDEXED BY ticket_field_values_field \
                 WHERE x.ticket_id = {id} AND x.field_id = "
            ))
            .push_bind(*field)
            .push(" AND x.value = ")
            .push_bind(value.clone())
            .push(")");
        }
        Cond::Text(_) => {
            // Every match at once (a seek per ticket would parse the
            // query again each time): SQLite keeps the list for the query.
            q.push(format!("{id} IN ("));
            push_set_ids(q, cond);
            q.push(")");
        }
        other => unreachable!("{other:?} is not an indexed set"),
    }
}

/// As indexed by `tickets_priority_order` (migration 0009).
const PRIORITY_RANK: &str =
    "CASE t.priority WHEN 'urgent' THEN 3 WHEN 'high' THEN 2 WHEN 'normal' THEN 1 ELSE 0 END";

/// ` ORDER BY …`, ending on the id so pages never overlap.
pub(super) fn push_order(q: &mut QueryBuilder<'_, Sqlite>, sort: Sort) {
    let dir = if sort.descending { "DESC" } else { "ASC" };
    let order = match sort.key {
        SortKey::UpdatedAt => format!("t.updated_at {dir}, t.id {dir}"),
        SortKey::CreatedAt => format!("t.created_at {dir}, t.id {dir}"),
        // Tickets without a due time come last either way, as indexed by
        // `tickets_due_order` and (walked backwards) `tickets_due_order_desc`
        // (migration 0010).
        SortKey::DueAt if sort.descending => {
            "t.due_at IS NOT NULL DESC, t.due_at DESC, t.id DESC".to_string()
        }
        SortKey::DueAt => "t.due_at IS NULL, t.due_at ASC, t.id ASC".to_string(),
        // Ascending is the exact reverse: least urgent, least recently
        // updated first.
        SortKey::Priority => format!("{PRIORITY_RANK} {dir}, t.updated_at {dir}, t.id {dir}"),
    };
    q.push(" ORDER BY ").push(order);
}

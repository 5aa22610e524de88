//! "Arms": conditions read as the set of matching ticket ids straight from
//! an index, in ticket id order (a team, tag or field value; one status or
//! priority; an assignee or none; a topic; a creator; a requester domain; a
//! searched word). Several arms combine either by
//! merging them (SQLite merges ordered `INTERSECT` arms), or, when one is
//! much smaller, by reading it and testing each of its tickets against the
//! others. Their sizes, counted up to a cap, choose.
use super::Store;
use super::ticket_list::{Cond, Style, push_cond, push_cond_on, push_set_ids};
use super::ticket_plan::{Count, push_count_limit};
use super::ticket_walk::Words;
use anyhow::Context;
use sqlx::{QueryBuilder, Sqlite};

/// Testing one ticket against an arm costs about as much as this many
/// merge steps: a seek in a covering index, or (second) a read of the
/// ticket's row.
const PROBE_COST: (i64, i64) = (7, 14);
/// Arms without a kept size are counted up to this many tickets (a
/// searched word is sized by reading its tickets, see
/// [`Store::word_tickets`]). Past it, a walk in sort order finds a page of
/// 50 among a million tickets within a few thousand visits, so a larger
/// size would not change the plan.
const SIZE_CAP: i64 = 20_000;

/// Read as an arm.
pub(super) fn is_arm(cond: &Cond) -> bool {
    match cond {
        Cond::Status(list) => list.len() == 1,
        Cond::Priority(list) => list.len() == 1,
        Cond::Assignee(_)
        | Cond::FromDomain(_)
        | Cond::Channel(_)
        | Cond::Linked(_)
        | Cond::Topic(_)
        | Cond::CreatedBy(_)
        | Cond::Snoozed => true,
        other => other.is_indexed_set(),
    }
}

/// `SELECT … AS id` of the tickets meeting an arm, in id order.
fn push_arm_ids(q: &mut QueryBuilder<'_, Sqlite>, cond: &Cond) {
    match cond {
        Cond::Status(list) => {
            let status = list.first().map_or("open", |s| s.as_str());
            q.push("SELECT id FROM tickets INDEXED BY tickets_status WHERE status = ")
                .push_bind(status);
        }
        Cond::Priority(list) => {
            let priority = list.first().map_or("normal", |p| p.as_str());
            q.push("SELECT id FROM tickets INDEXED BY tickets_priority WHERE priority = ")
                .push_bind(priority);
        }
        Cond::Assignee(id) => push_column_ids(q, "assignee", "assignee_id", *id),
        Cond::Topic(id) => push_column_ids(q, "topic", "topic_id", *id),
        Cond::CreatedBy(id) => push_column_ids(q, "created_by", "created_by", *id),
        Cond::FromDomain(domain) => {
            q.push("SELECT id FROM tickets INDEXED BY tickets_from_domain WHERE from_domain = ")
                .push_bind(domain.clone());
        }
        Cond::Channel(channel) => {
            q.push("SELECT id FROM tickets INDEXED BY tickets_channel WHERE channel = ")
                .push_bind(channel.clone());
        }
        Cond::Linked(linked) => {
            q.push("SELECT id FROM tickets INDEXED BY tickets_linked WHERE linked_conversation");
            match linked {
                Some(l) => q.push(" = ").push_bind(l.clone()),
                None => q.push(" IS NULL"),
            };
        }
        Cond::Snoozed => {
            q.push(
                "SELECT id FROM tickets INDEXED BY tickets_snoozed WHERE snoozed_until IS NOT NULL",
            );
        }
        Cond::Text(term) => {
            q.push("SELECT DISTINCT rowid >> 32 AS id FROM ticket_text WHERE ticket_text MATCH ")
                .push_bind(term.clone());
        }
        set => push_set_ids(q, set),
    }
}

/// `SELECT id …` of the tickets whose `column` (indexed by
/// `tickets_<index>`) is `value`, or empty.
fn push_column_ids(
    q: &mut QueryBuilder<'_, Sqlite>,
    index: &str,
    column: &str,
    value: Option<i64>,
) {
    q.push(format!(
        "SELECT id FROM tickets INDEXED BY tickets_{index} WHERE {column}"
    ));
    match value {
        Some(id) => q.push(" = ").push_bind(id),
        None => q.push(" IS NULL"),
    };
}

/// Arms with their sizes (capped), smallest first.
pub(super) type SizedArms<'a> = Vec<(&'a Cond, i64)>;

/// Merge every arm, or read the smallest and test the others.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Driver {
    Merge,
    Smallest,
}

fn driver(sized: &SizedArms<'_>) -> Driver {
    let merged: i64 = sized.iter().map(|(_, n)| n).sum();
    let per_ticket: i64 = sized
        .iter()
        .skip(1)
        .map(|(c, _)| {
            if c.reads_row() {
                PROBE_COST.1
            } else {
                PROBE_COST.0
            }
        })
        .sum();
    let tested = sized.first().map_or(0, |(_, n)| *n) * per_ticket;
    if sized.len() > 1 && merged <= tested {
        Driver::Merge
    } else {
        Driver::Smallest
    }
}

/// How many tickets the arms should select together, were they
/// independent.
pub(super) fn estimate(sized: &SizedArms<'_>, all: i64) -> i64 {
    let all = all.max(1) as f64;
    let share: f64 = sized.iter().map(|(_, n)| *n as f64 / all).product();
    (share * all) as i64
}

/// Whether finding the tickets needs their rows (some condition reads a
/// column), not only their ids.
fn needs_rows(sized: &SizedArms<'_>, rest: &[&Cond]) -> bool {
    rest.iter().any(|c| c.reads_row())
        || (driver(sized) == Driver::Smallest && sized.iter().skip(1).any(|(c, _)| c.reads_row()))
}

/// ` FROM (…) a [CROSS JOIN tickets t] WHERE …`: the tickets meeting every
/// arm of `sized` (not empty) and every condition of `rest`, the driver's
/// ids as `a.id`, the rows (with `rows`) as `t`. Set arms are tested on
/// `a.id` before any row is read.
pub(super) fn push_from_arms(
    q: &mut QueryBuilder<'_, Sqlite>,
    sized: &SizedArms<'_>,
    rest: &[&Cond],
    rows: bool,
) {
    q.push(" FROM (");
    push_driver(q, sized);
    q.push(") a");
    if rows {
        q.push(" CROSS JOIN tickets t ON t.id = a.id");
    }
    let mut first = true;
    let mut and = |q: &mut QueryBuilder<'_, Sqlite>| {
        q.push(if first { " WHERE " } else { " AND " });
        first = false;
    };
    if driver(sized) == Driver::Smallest {
        for (cond, _) in sized.iter().skip(1) {
            and(q);
            if cond.reads_row() {
                push_cond(q, cond, Style::Probe);
            } else {
                push_cond_on(q, cond, "a.id");
            }
        }
    }
    for cond in rest {
        and(q);
        if rows {
            push_cond(q, cond, Style::Probe);
        } else {
            push_cond_on(q, cond, "a.id");
        }
    }
}

/// `SELECT COUNT(*) …` of the tickets meeting `sized` and `rest`, up to
/// the bound of `count`.
pub(super) fn push_count(
    q: &mut QueryBuilder<'_, Sqlite>,
    sized: &SizedArms<'_>,
    rest: &[&Cond],
    count: Count,
) {
    q.push("SELECT COUNT(*) FROM (SELECT 1");
    push_from_arms(q, sized, rest, needs_rows(sized, rest));
    push_count_limit(q, count);
}

/// The ids the driver reads: every arm merged, or the smallest.
fn push_driver(q: &mut QueryBuilder<'_, Sqlite>, sized: &SizedArms<'_>) {
    match driver(sized) {
        Driver::Merge => {
            for (n, (cond, _)) in sized.iter().enumerate() {
                if n > 0 {
                    q.push(" INTERSECT ");
                }
                push_arm_ids(q, cond);
            }
            q.push(" ORDER BY 1");
        }
        Driver::Smallest => {
            if let Some((cond, _)) = sized.first() {
                push_arm_ids(q, cond);
            }
        }
    }
}

impl Store {
    /// The arms with their sizes, smallest first, and the tickets of the
    /// searched words among them (read whole, which sizes them exactly),
    /// unless a word matches too many messages to hold.
    pub(super) async fn size_arms<'a>(
        &self,
        arms: Vec<&'a Cond>,
    ) -> anyhow::Result<(SizedArms<'a>, Words<'a>)> {
        let sizes = futures::future::try_join_all(arms.iter().map(|cond| async move {
            match cond {
                Cond::Text(term) => match self.word_tickets(term).await? {
                    Ok(set) => Ok((set.len() as i64, Some(set))),
                    // Too many to hold: at least that many.
                    Err(at_least) => Ok((at_least, None)),
                },
                _ => Ok::<_, anyhow::Error>((self.arm_size(cond).await?, None)),
            }
        }))
        .await?;
        let mut sized: SizedArms<'a> = Vec::with_capacity(arms.len());
        let mut words = Words::new();
        for (cond, (size, set)) in arms.into_iter().zip(sizes) {
            sized.push((cond, size));
            if let Some(set) = set {
                words.push((cond, set));
            }
        }
        sized.sort_by_key(|(_, n)| *n);
        Ok((sized, words))
    }

    /// An arm's size (a searched word aside): kept by triggers (migrations
    /// 0003, 0008) for teams, tags, field values and the ticket's own
    /// columns; counted up to the cap for a requester domain.
    async fn arm_size(&self, cond: &Cond) -> anyhow::Result<i64> {
        if cond.is_counted() {
            return self.counted_total(std::slice::from_ref(cond)).await;
        }
        let mut q = QueryBuilder::<Sqlite>::new("");
        match cond {
            Cond::Team(Some(id)) => {
                q.push("SELECT COALESCE(SUM(n), 0) FROM ticket_set_sizes WHERE kind = 'team' AND value = '' AND ref = ")
                    .push_bind(*id);
            }
            Cond::Tag(Some(name)) => {
                q.push("SELECT COALESCE(SUM(n), 0) FROM ticket_set_sizes WHERE kind = 'tag' AND value = '' \
                        AND ref = (SELECT id FROM tags WHERE name = ")
                    .push_bind(name.clone())
                    .push(")");
            }
            Cond::Field {
                id,
                value: Some(value),
            } => {
                q.push("SELECT COALESCE(SUM(n), 0) FROM ticket_set_sizes WHERE kind = 'field' AND ref = ")
                    .push_bind(*id)
                    .push(" AND value = ")
                    .push_bind(value.clone());
            }
            other => {
                q.push("SELECT COUNT(*) FROM (");
                push_arm_ids(&mut q, other);
                q.push(" LIMIT ").push_bind(SIZE_CAP).push(")");
            }
        }
        q.build_query_scalar()
            .fetch_one(self.pool())
            .await
            .context("sizing a ticket filter")
    }

    /// How many tickets meet every arm and every other condition. Rows
    /// are read only when a condition needs them.
    pub(super) async fn count_matching(
        &self,
        sized: &SizedArms<'_>,
        rest: &[&Cond],
        count: Count,
    ) -> anyhow::Result<i64> {
        let mut q = QueryBuilder::<Sqlite>::new("");
        push_count(&mut q, sized, rest, count);
        q.build_query_scalar()
            .fetch_one(self.pool())
            .await
            .context("counting tickets")
    }
}

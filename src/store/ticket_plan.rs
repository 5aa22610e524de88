//! Reading a page of the ticket list and its total without scanning a
//! million tickets. Status, assignee, priority, topic and creator alone are
//! counted by triggers (`ticket_counts`). Other lists start from their "arms"
//! ([`super::ticket_arms`]): conditions that are index ranges in ticket id
//! order, sized first. Where matches should be dense, the page is read by
//! walking the sort index (a bounded number of tickets, each tested) while
//! the total is counted beside it; where they should be sparse, one query
//! starts from the matches, sorts and counts them. A searched word is an
//! arm like the others.
use super::Store;
use super::ticket_arms::{SizedArms, estimate, is_arm, push_from_arms};
use super::ticket_list::{Cond, Style, TicketQuery, push_order, push_where};
use super::ticket_walk::Words;
use anyhow::Context;
use sqlx::{QueryBuilder, Sqlite};

/// A walk visiting this many tickets is cheap whatever the total.
#[cfg(not(test))]
const CHEAP_WALK: i64 = 2_000;
/// A walk visits at least this many tickets (or this many per ticket
/// wanted), twice as many as the page should need, and never more than
/// [`LONG_WALK`]; a walk that falls short leaves the page to the matches.
#[cfg(not(test))]
const WALK_CAP: (i64, i64) = (5_000, 40);
/// The most tickets a walk visits (a visit costs well under a microsecond).
#[cfg(not(test))]
const LONG_WALK: i64 = 50_000;
// Small enough for a test database to take every way.
#[cfg(test)]
const CHEAP_WALK: i64 = 0;
#[cfg(test)]
const WALK_CAP: (i64, i64) = (10, 2);
#[cfg(test)]
const LONG_WALK: i64 = 60;

/// What one step costs, in tenths of a microsecond, as measured on a
/// million tickets: visiting a ticket in a walk (a seek per condition),
/// reading one index entry of an arm, and reading, sorting and counting one
/// matching ticket.
const VISIT_COST: i64 = 4;
const ARM_ENTRY_COST: i64 = 1;
const MATCH_COST: i64 = 15;

/// One page of the list, and how many tickets there are over every page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub ids: Vec<i64>,
    pub total: i64,
    /// The total was counted up to a bound ([`Count::UpTo`]) and reached
    /// it: at least this many match.
    pub at_least: bool,
}

/// How far a total that is not kept by triggers is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Count {
    /// Every match (the API's `total`).
    Exact,
    /// Up to this many: a person looking at a list needs "more than a
    /// thousand", not the thirty thousand a count of every match reads.
    UpTo(i64),
}

impl Count {
    fn limit(self) -> Option<i64> {
        match self {
            Count::Exact => None,
            Count::UpTo(n) => Some(n.max(1)),
        }
    }

    /// A counted total and whether it stopped at the bound.
    fn total(self, n: i64) -> (i64, bool) {
        (n, self.limit().is_some_and(|cap| n >= cap))
    }
}

/// How the tickets of a list are found.
enum Plan<'a> {
    /// Conditions on kept counts only: the total is read.
    Counted,
    /// No arm: SQLite's own plan over `tickets`.
    Plain,
    /// From these arms, the other conditions tested on their tickets; the
    /// searched words among them with their tickets, where read.
    Arms(SizedArms<'a>, Vec<&'a Cond>, Words<'a>),
}

/// About how many tickets a walk in sort order visits to find `wanted`.
fn walk_visits(matching: i64, all: i64, wanted: i64) -> i64 {
    wanted.saturating_mul(all) / matching.max(1)
}

/// Whether that walk costs no more than reading the matching tickets from
/// `arm_entries` index entries, then sorting them.
fn walk_pays(matching: i64, all: i64, wanted: i64, arm_entries: i64) -> bool {
    let visits = walk_visits(matching, all, wanted);
    let read = arm_entries * ARM_ENTRY_COST + matching * MATCH_COST;
    visits <= LONG_WALK / 2 && (visits <= CHEAP_WALK || visits * VISIT_COST <= read)
}

/// With the total known after a walk of `cap` visits fell short: the cap of
/// a longer walk, if one should fill the page for less than reading every
/// match.
fn longer_walk(total: i64, all: i64, wanted: i64, arm_entries: i64, cap: i64) -> Option<i64> {
    let longer = walk_cap(total, all, wanted);
    (longer > cap && walk_pays(total, all, wanted, arm_entries)).then_some(longer)
}

/// The matches expected (when known), about how many match, and the index
/// entries reading them takes.
fn expectations(plan: &Plan<'_>, known: Option<i64>, all: i64) -> (Option<i64>, i64, i64) {
    match plan {
        Plan::Counted => (known, known.unwrap_or(0), 0),
        // Unknown: walk the whole way.
        Plan::Plain => (None, all, 0),
        Plan::Arms(sized, _, _) => (
            None,
            estimate(sized, all),
            sized.iter().map(|(_, n)| n).sum(),
        ),
    }
}

/// How many tickets a walk visits before giving up.
fn walk_cap(matching: i64, all: i64, wanted: i64) -> i64 {
    let least = WALK_CAP.0.max(wanted.saturating_mul(WALK_CAP.1));
    walk_visits(matching, all, wanted)
        .saturating_mul(2)
        .clamp(least.min(LONG_WALK), LONG_WALK)
}

impl Store {
    /// The ids of one page of the list, in order, with the exact total.
    pub async fn ticket_page(
        &self,
        query: &TicketQuery,
        limit: i64,
        offset: i64,
    ) -> anyhow::Result<Page> {
        self.ticket_page_counted(query, limit, offset, Count::Exact)
            .await
    }

    /// The ids of one page of the list, in order, with the total counted
    /// as `count` says. Kept counts, and totals read anyway while sorting
    /// every match, stay exact.
    pub async fn ticket_page_counted(
        &self,
        query: &TicketQuery,
        limit: i64,
        offset: i64,
        count: Count,
    ) -> anyhow::Result<Page> {
        let all = self.counted_total(&[]).await?;
        let plan = self.plan(&query.conds).await?;
        // Nothing to find, or nothing on this page: no list is read.
        let known = self.known_total(&plan, &query.conds).await?;
        if let Some(total) = known.filter(|total| *total <= offset) {
            return Ok(Page {
                ids: Vec::new(),
                total,
                at_least: false,
            });
        }
        let wanted = offset + limit;
        // Counted up to past this page, so a bounded total still says
        // whether there is a next one.
        let count = match count {
            Count::UpTo(n) => Count::UpTo(n.max(wanted + 1)),
            exact => exact,
        };
        let (expected, matching, entries) = expectations(&plan, known, all);
        let walk = query
            .sort
            .index()
            .filter(|_| matches!(plan, Plan::Plain) || walk_pays(matching, all, wanted, entries));
        let Some(index) = walk else {
            return self
                .matches_first(query, &plan, expected, limit, offset, count)
                .await;
        };
        let cap = match plan {
            Plan::Plain => WALK_CAP.0.max(wanted.saturating_mul(WALK_CAP.1)),
            _ => walk_cap(matching, all, wanted),
        };
        let no_words = Words::new();
        let words = match &plan {
            Plan::Arms(_, _, words) => words,
            _ => &no_words,
        };
        let ((total, at_least), ids) = tokio::try_join!(
            self.total_of(&plan, &query.conds, expected, count),
            self.bounded_walk(query, index, (limit, offset, cap), words)
        )?;
        let filled = |ids: &Vec<i64>| ids.len() as i64 == limit.min(total - offset).max(0);
        // Matches may be sparser near the top than estimated: walk further
        // if the total says that is still short.
        let longer = longer_walk(total, all, wanted, entries, cap).filter(|_| !filled(&ids));
        let ids = match longer {
            Some(longer) => {
                self.bounded_walk(query, index, (limit, offset, longer), words)
                    .await?
            }
            None => ids,
        };
        if filled(&ids) {
            return Ok(Page {
                ids,
                total,
                at_least,
            });
        }
        // Else every match is read and sorted, which counts them exactly.
        let known = (!at_least).then_some(total);
        self.matches_first(query, &plan, known, limit, offset, count)
            .await
    }

    /// The total when it is known before any list is read: kept counts
    /// only, or an arm with nothing in it.
    async fn known_total(&self, plan: &Plan<'_>, conds: &[Cond]) -> anyhow::Result<Option<i64>> {
        Ok(match plan {
            Plan::Counted => Some(self.counted_total(conds).await?),
            Plan::Arms(sized, _, _) if sized.iter().any(|(_, n)| *n == 0) => Some(0),
            _ => None,
        })
    }

    /// Arms (sized) unless only conditions with kept counts are asked for,
    /// or no condition is an arm.
    async fn plan<'a>(&self, conds: &'a [Cond]) -> anyhow::Result<Plan<'a>> {
        if conds.iter().all(Cond::is_counted) {
            return Ok(Plan::Counted);
        }
        let (arms, rest): (Vec<&Cond>, Vec<&Cond>) = conds.iter().partition(|c| is_arm(c));
        if arms.is_empty() {
            return Ok(Plan::Plain);
        }
        let (sized, words) = self.size_arms(arms).await?;
        Ok(Plan::Arms(sized, rest, words))
    }

    /// The total, and whether it stopped at the bound of `count`.
    async fn total_of(
        &self,
        plan: &Plan<'_>,
        conds: &[Cond],
        known: Option<i64>,
        count: Count,
    ) -> anyhow::Result<(i64, bool)> {
        Ok(match (known, plan) {
            (Some(total), _) => (total, false),
            (None, Plan::Arms(sized, rest, words)) => {
                match self.count_from_words(sized, rest, words, count).await? {
                    Some(total) => total,
                    None => count.total(self.count_matching(sized, rest, count).await?),
                }
            }
            (None, Plan::Counted) => (self.counted_total(conds).await?, false),
            (None, Plan::Plain) => count.total(self.plain_total(conds, count).await?),
        })
    }

    /// How many tickets the conditions select.
    pub async fn ticket_total(&self, conds: &[Cond]) -> anyhow::Result<i64> {
        let plan = self.plan(conds).await?;
        Ok(self.total_of(&plan, conds, None, Count::Exact).await?.0)
    }

    async fn plain_total(&self, conds: &[Cond], count: Count) -> anyhow::Result<i64> {
        let conds: Vec<&Cond> = conds.iter().collect();
        let mut q = QueryBuilder::<Sqlite>::new("SELECT COUNT(*) FROM (SELECT 1 FROM tickets t");
        push_where(&mut q, &conds, Style::Set);
        push_count_limit(&mut q, count);
        q.build_query_scalar()
            .fetch_one(self.pool())
            .await
            .context("counting tickets")
    }

    /// The page read from the matching tickets, sorted; with arms and no
    /// total yet, the same query counts them.
    async fn matches_first(
        &self,
        query: &TicketQuery,
        plan: &Plan<'_>,
        total: Option<i64>,
        limit: i64,
        offset: i64,
        count: Count,
    ) -> anyhow::Result<Page> {
        let (ids, (total, at_least)) = match (plan, total) {
            (Plan::Arms(sized, rest, _), None) => {
                let (ids, total) = self.counted_page(query, sized, rest, limit, offset).await?;
                let total = match total {
                    Some(total) => (total, false),
                    None => {
                        self.count_matching_or_zero(sized, rest, offset, count)
                            .await?
                    }
                };
                (ids, total)
            }
            (Plan::Arms(sized, rest, _), Some(total)) => {
                let (ids, _) = self.counted_page(query, sized, rest, limit, offset).await?;
                (ids, (total, false))
            }
            (_, known) => tokio::try_join!(
                self.page_ids(query, limit, offset),
                self.total_of(plan, &query.conds, known, count)
            )?,
        };
        Ok(Page {
            ids,
            total,
            at_least,
        })
    }

    async fn count_matching_or_zero(
        &self,
        sized: &SizedArms<'_>,
        rest: &[&Cond],
        offset: i64,
        count: Count,
    ) -> anyhow::Result<(i64, bool)> {
        if offset == 0 {
            return Ok((0, false));
        }
        Ok(count.total(self.count_matching(sized, rest, count).await?))
    }

    /// A page from the arms' tickets, sorted, and how many there are (None
    /// when the page is empty).
    async fn counted_page(
        &self,
        query: &TicketQuery,
        sized: &SizedArms<'_>,
        rest: &[&Cond],
        limit: i64,
        offset: i64,
    ) -> anyhow::Result<(Vec<i64>, Option<i64>)> {
        let mut q = QueryBuilder::<Sqlite>::new("SELECT t.id, COUNT(*) OVER ()");
        push_from_arms(&mut q, sized, rest, true);
        finish_page(&mut q, query, limit, offset);
        let rows: Vec<(i64, i64)> = q
            .build_query_as()
            .fetch_all(self.pool())
            .await
            .context("listing tickets")?;
        let total = rows.first().map(|r| r.1);
        Ok((rows.into_iter().map(|r| r.0).collect(), total))
    }

    /// The page as SQLite plans it over `tickets`.
    async fn page_ids(
        &self,
        query: &TicketQuery,
        limit: i64,
        offset: i64,
    ) -> anyhow::Result<Vec<i64>> {
        let conds: Vec<&Cond> = query.conds.iter().collect();
        let mut q = QueryBuilder::<Sqlite>::new("SELECT t.id FROM tickets t");
        push_where(&mut q, &conds, Style::Set);
        finish_page(&mut q, query, limit, offset);
        q.build_query_scalar()
            .fetch_all(self.pool())
            .await
            .context("listing tickets")
    }

    /// Counts by status, assignee, priority, topic and creator are kept by
    /// triggers (migrations 0003 and 0008); "none" is kept as 0.
    pub(super) async fn counted_total(&self, conds: &[Cond]) -> anyhow::Result<i64> {
        let mut q = QueryBuilder::<Sqlite>::new(
            "SELECT COALESCE(SUM(n), 0) FROM ticket_counts WHERE 1 = 1",
        );
        let one_of = |q: &mut QueryBuilder<'_, Sqlite>, column: &str, values: Vec<&'static str>| {
            q.push(format!(" AND {column} IN ("));
            let mut sep = q.separated(", ");
            for v in values {
                sep.push_bind(v);
            }
            q.push(")");
        };
        for cond in conds {
            match cond {
                Cond::Status(list) => {
                    one_of(&mut q, "status", list.iter().map(|s| s.as_str()).collect())
                }
                Cond::Priority(list) => one_of(
                    &mut q,
                    "priority",
                    list.iter().map(|p| p.as_str()).collect(),
                ),
                Cond::Assignee(id) => {
                    q.push(" AND assignee_id = ").push_bind(id.unwrap_or(0));
                }
                Cond::Topic(id) => {
                    q.push(" AND topic_id = ").push_bind(id.unwrap_or(0));
                }
                Cond::CreatedBy(id) => {
                    q.push(" AND created_by = ").push_bind(id.unwrap_or(0));
                }
                other => unreachable!("{other:?} is not counted"),
            }
        }
        q.build_query_scalar()
            .fetch_one(self.pool())
            .await
            .context("reading ticket counts")
    }
}

/// Closes `SELECT COUNT(*) FROM (SELECT 1 …`, with a limit when `count`
/// has a bound.
pub(super) fn push_count_limit(q: &mut QueryBuilder<'_, Sqlite>, count: Count) {
    if let Some(cap) = count.limit() {
        q.push(" LIMIT ").push_bind(cap);
    }
    q.push(")");
}

/// ` ORDER BY … LIMIT … OFFSET …`.
fn finish_page(q: &mut QueryBuilder<'_, Sqlite>, query: &TicketQuery, limit: i64, offset: i64) {
    push_order(q, query.sort);
    q.push(" LIMIT ").push_bind(limit);
    q.push(" OFFSET ").push_bind(offset);
}

#[cfg(test)]
#[path = "ticket_plan_tests.rs"]
mod tests;

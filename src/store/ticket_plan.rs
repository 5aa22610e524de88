//! Reading a page of the ticket list and its total without scanning a
//! million tickets. The total comes first, from the cheapest source:
//! `ticket_counts` for status and assignee alone, else the indexed sets
//! (team, tag, field value, words) intersected by merging, then the other
//! conditions tested on what is left. Knowing how many tickets match says
//! how to read the page: walk the sort index, testing each ticket, when
//! matches are dense enough to fill the page soon; otherwise start from the
//! matching tickets and sort them.
use super::Store;
use super::ticket_list::{
    Cond, Style, TicketQuery, push_cond, push_order, push_set_ids, push_text_ids, push_where,
};
use anyhow::Context;
use sqlx::{QueryBuilder, Sqlite};

/// A walk visiting this many tickets is cheap whatever the total.
const CHEAP_WALK: i64 = 2_000;

/// One page of the list, and how many tickets there are over every page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub ids: Vec<i64>,
    pub total: i64,
}

impl Store {
    /// The ids of one page of the list, in order, with the total.
    pub async fn ticket_page(
        &self,
        query: &TicketQuery,
        limit: i64,
        offset: i64,
    ) -> anyhow::Result<Page> {
        if query.conds.iter().any(|c| matches!(c, Cond::Text(_))) {
            return self.searched_page(query, limit, offset).await;
        }
        let total = self.ticket_total(&query.conds).await?;
        if offset >= total {
            return Ok(Page {
                ids: Vec::new(),
                total,
            });
        }
        let walk = match query.sort.index() {
            Some(index) if self.walk_is_cheap(total, offset + limit).await? => Some(index),
            _ => None,
        };
        let ids = self.page_ids(query, walk, limit, offset).await?;
        Ok(Page { ids, total })
    }

    /// A page read by walking the index `walk` in sort order and testing
    /// each ticket, or (None) by starting from the matching tickets.
    async fn page_ids(
        &self,
        query: &TicketQuery,
        walk: Option<&str>,
        limit: i64,
        offset: i64,
    ) -> anyhow::Result<Vec<i64>> {
        let conds: Vec<&Cond> = query.conds.iter().collect();
        let mut q = QueryBuilder::<Sqlite>::new("SELECT t.id FROM tickets t");
        match walk {
            Some(index) => {
                q.push(format!(" INDEXED BY {index}"));
                push_where(&mut q, &conds, Style::Probe);
            }
            None => push_where(&mut q, &conds, Style::Set),
        }
        push_order(&mut q, query.sort);
        q.push(" LIMIT ").push_bind(limit);
        q.push(" OFFSET ").push_bind(offset);
        q.build_query_scalar()
            .fetch_all(self.pool())
            .await
            .context("listing tickets")
    }

    /// Walking tickets in sort order visits about `wanted × all / total`
    /// of them: cheap when that is small, or no more than reading the
    /// matching tickets would be.
    async fn walk_is_cheap(&self, total: i64, wanted: i64) -> anyhow::Result<bool> {
        let all = self.ticket_total(&[]).await?;
        let visits = wanted.saturating_mul(all) / total.max(1);
        Ok(visits <= total.max(CHEAP_WALK))
    }

    /// A search starts from the matching tickets anyway: one query sorts
    /// them and counts them.
    async fn searched_page(
        &self,
        query: &TicketQuery,
        limit: i64,
        offset: i64,
    ) -> anyhow::Result<Page> {
        let conds: Vec<&Cond> = query.conds.iter().collect();
        let mut q = QueryBuilder::<Sqlite>::new("SELECT t.id, COUNT(*) OVER () FROM tickets t");
        push_where(&mut q, &conds, Style::Set);
        push_order(&mut q, query.sort);
        q.push(" LIMIT ").push_bind(limit);
        q.push(" OFFSET ").push_bind(offset);
        let rows: Vec<(i64, i64)> = q
            .build_query_as()
            .fetch_all(self.pool())
            .await
            .context("searching tickets")?;
        let total = match rows.first() {
            Some((_, total)) => *total,
            None if offset == 0 => 0,
            None => self.ticket_total(&query.conds).await?,
        };
        Ok(Page {
            ids: rows.into_iter().map(|(id, _)| id).collect(),
            total,
        })
    }

    /// How many tickets the conditions select.
    pub async fn ticket_total(&self, conds: &[Cond]) -> anyhow::Result<i64> {
        if conds.iter().all(Cond::is_counted) {
            return self.counted_total(conds).await;
        }
        let (sets, rest): (Vec<&Cond>, Vec<&Cond>) = conds
            .iter()
            .partition(|c| c.is_indexed_set() || matches!(c, Cond::Text(_)));
        let mut q = QueryBuilder::<Sqlite>::new("SELECT COUNT(*) FROM ");
        if sets.is_empty() {
            q.push("tickets t");
            push_where(&mut q, &rest, Style::Set);
        } else if rest.is_empty() {
            q.push("(");
            push_intersection(&mut q, &sets);
            q.push(")");
        } else {
            q.push("tickets t WHERE t.id IN (");
            push_intersection(&mut q, &sets);
            q.push(")");
            for cond in &rest {
                q.push(" AND ");
                push_cond(&mut q, cond, Style::Set);
            }
        }
        q.build_query_scalar()
            .fetch_one(self.pool())
            .await
            .context("counting tickets")
    }

    /// Status and assignee counts are kept by triggers (migration 0003).
    async fn counted_total(&self, conds: &[Cond]) -> anyhow::Result<i64> {
        let mut q = QueryBuilder::<Sqlite>::new(
            "SELECT COALESCE(SUM(n), 0) FROM ticket_counts WHERE 1 = 1",
        );
        for cond in conds {
            match cond {
                Cond::Status(list) => {
                    q.push(" AND status IN (");
                    let mut sep = q.separated(", ");
                    for s in list {
                        sep.push_bind(s.as_str());
                    }
                    q.push(")");
                }
                Cond::Assignee(id) => {
                    q.push(" AND assignee_id = ").push_bind(id.unwrap_or(0));
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

/// `SELECT … INTERSECT SELECT … ORDER BY 1`: SQLite merges the ordered
/// arms (each an index range in ticket id order) instead of probing.
fn push_intersection(q: &mut QueryBuilder<'_, Sqlite>, sets: &[&Cond]) {
    let mut first = true;
    for cond in sets {
        let terms: Vec<&String> = match cond {
            Cond::Text(terms) => terms.iter().collect(),
            _ => Vec::new(),
        };
        if terms.is_empty() {
            if !first {
                q.push(" INTERSECT ");
            }
            first = false;
            push_set_ids(q, cond);
        }
        for term in terms {
            if !first {
                q.push(" INTERSECT ");
            }
            first = false;
            q.push("SELECT id FROM (");
            push_text_ids(q, term);
            q.push(")");
        }
    }
    if sets.len() > 1 || matches!(sets.first(), Some(Cond::Text(t)) if t.len() > 1) {
        q.push(" ORDER BY 1");
    }
}

#[cfg(test)]
#[path = "ticket_plan_tests.rs"]
mod tests;

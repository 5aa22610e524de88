//! Walking the tickets in sort order: the first `cap` tickets of a sort
//! index, each tested, until a page is found. A searched word is tested
//! against its tickets, read into memory once per list when its arm is
//! sized (one row, their ids joined: a common word's 60,000 tickets in
//! ~6 ms, where SQLite's own list of them, an index built per query, took
//! ~11 ms, and sizing it read them a second time); the other conditions are
//! tested by SQLite as the walk reads each ticket. A bounded total counts
//! from the same tickets.
use super::Store;
use super::sql_functions;
use super::ticket_arms::SizedArms;
use super::ticket_list::{
    Cond, Style, TicketQuery, push_cond, push_cond_on, push_order, push_where,
};
use super::ticket_plan::Count;
use anyhow::Context;
use sqlx::{QueryBuilder, Sqlite};

/// A searched word's tickets are read into memory when it matches at most
/// this many messages (about 8 bytes of text and 16 of set each); reading
/// a word that matches more costs at most ~5 ms before it is dropped.
#[cfg(not(test))]
const TEXT_SET_CAP: i64 = 100_000;
// Small enough for a word of the test database to be too common to hold.
#[cfg(test)]
const TEXT_SET_CAP: i64 = 40;
/// Walks longer than this test a searched word in SQL: every ticket a walk
/// visits is then a row handed over, not only the page.
const TEXT_SET_WALK: i64 = 10_000;
/// Ranges of ticket ids a searched word's tickets are read in at once.
const WORD_READS: i64 = 2;
/// Tickets tested per statement when a bounded total is counted from the
/// words' tickets (~1 µs each): enough for the inbox's bound of 1,000 in
/// one statement where a third of them meet the other conditions.
#[cfg(not(test))]
const COUNT_CHUNK: usize = 3_000;
// Small enough for a test database to stop counting at a bound.
#[cfg(test)]
const COUNT_CHUNK: usize = 4;

/// Searched words (their conditions) with the tickets they match.
pub(super) type Words<'a> = Vec<(&'a Cond, WordTickets)>;

/// The tickets a searched word matches, ascending, each once.
#[derive(Debug, Clone)]
pub(super) struct WordTickets(Vec<i64>);

impl WordTickets {
    pub(super) fn len(&self) -> usize {
        self.0.len()
    }

    fn contains(&self, id: i64) -> bool {
        self.0.binary_search(&id).is_ok()
    }

    /// The ids of `cond` in `words`, if there.
    fn of<'w>(words: &'w Words<'_>, cond: &Cond) -> Option<&'w WordTickets> {
        words.iter().find(|(w, _)| *w == cond).map(|(_, t)| t)
    }
}

/// `(limit, offset, cap)` of a walk.
pub(super) type Bounds = (i64, i64, i64);

impl Store {
    /// The page found among the first `cap` tickets in sort order. Where
    /// every searched word is in `words`, the walk reads only the sort
    /// index, keeps the tickets the words match, and then has SQLite test
    /// the other conditions on those alone.
    pub(super) async fn bounded_walk(
        &self,
        query: &TicketQuery,
        index: &str,
        (limit, offset, cap): Bounds,
        words: &Words<'_>,
    ) -> anyhow::Result<Vec<i64>> {
        let (texts, rest): (Vec<&Cond>, Vec<&Cond>) =
            query.conds.iter().partition(|c| matches!(c, Cond::Text(_)));
        let sets: Option<Vec<&WordTickets>> =
            texts.iter().map(|t| WordTickets::of(words, t)).collect();
        let sets = sets.filter(|sets| !sets.is_empty() && cap <= TEXT_SET_WALK);
        let Some(sets) = sets else {
            return self.sql_walk(query, index, limit, offset, cap).await;
        };
        let order = TicketQuery {
            conds: Vec::new(),
            sort: query.sort,
        };
        let mut found: Vec<i64> = self
            .first_in_order(&order, index, cap)
            .await?
            .into_iter()
            .filter(|id| sets.iter().all(|s| s.contains(*id)))
            .collect();
        if !rest.is_empty() && !found.is_empty() {
            let passing = self.meeting(&found, &rest).await?;
            found.retain(|id| passing.contains(*id));
        }
        Ok(found
            .into_iter()
            .skip(offset.max(0) as usize)
            .take(limit.max(0) as usize)
            .collect())
    }

    /// The first `cap` tickets in sort order, read from the sort index alone
    /// and handed over as one row (a row per ticket costs more than the
    /// walk itself). The aggregate reads the capped subquery in its order.
    async fn first_in_order(
        &self,
        order: &TicketQuery,
        index: &str,
        cap: i64,
    ) -> anyhow::Result<Vec<i64>> {
        let mut q = QueryBuilder::<Sqlite>::new("SELECT group_concat(id) FROM (");
        push_walk(&mut q, order, index, cap, 0, cap);
        q.push(")");
        let ids: Option<String> = q
            .build_query_scalar()
            .fetch_one(self.pool())
            .await
            .context("listing tickets")?;
        Ok(parse_ids(ids.as_deref()))
    }

    /// Which of `ids` meet every one of `conds`, ascending.
    async fn meeting(&self, ids: &[i64], conds: &[&Cond]) -> anyhow::Result<WordTickets> {
        let mut q = QueryBuilder::<Sqlite>::new("SELECT t.id");
        push_among(&mut q, ids, conds)?;
        q.push(" ORDER BY t.id");
        let ids = q
            .build_query_scalar()
            .fetch_all(self.pool())
            .await
            .context("testing tickets")?;
        Ok(WordTickets(ids))
    }

    async fn sql_walk(
        &self,
        query: &TicketQuery,
        index: &str,
        limit: i64,
        offset: i64,
        cap: i64,
    ) -> anyhow::Result<Vec<i64>> {
        let mut q = QueryBuilder::<Sqlite>::new("");
        push_walk(&mut q, query, index, limit, offset, cap);
        q.build_query_scalar()
            .fetch_all(self.pool())
            .await
            .context("listing tickets")
    }

    /// The tickets a searched word (an FTS5 query) matches, or, when it
    /// matches more than [`TEXT_SET_CAP`] messages in a range, at least how
    /// many it matches (its arm's size). The index is read in
    /// [`WORD_READS`] ranges of ticket ids at once, one per connection, so
    /// a common word's read runs on every core.
    pub(super) async fn word_tickets(
        &self,
        term: &str,
    ) -> anyhow::Result<Result<WordTickets, i64>> {
        let last: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM tickets")
            .fetch_one(self.pool())
            .await
            .context("reading the last ticket id")?;
        let step = last / WORD_READS + 1;
        let parts = futures::future::try_join_all((0..WORD_READS).map(|n| {
            // The last range to the end, whatever was added since.
            let to = if n + 1 == WORD_READS {
                i64::MAX
            } else {
                (((n + 1) * step) << 32) - 1
            };
            self.word_tickets_in(term, ((n * step) << 32, to))
        }))
        .await?;
        let mut ids = Vec::new();
        for part in parts {
            match part {
                Some(part) => ids.extend(part),
                None => return Ok(Err(TEXT_SET_CAP + 1)),
            }
        }
        // FTS5 reads in rowid order, so each range's tickets are ascending
        // and the ranges in order; sorted again only if that ever changes.
        if !ids.is_sorted() {
            ids.sort_unstable();
        }
        ids.dedup();
        Ok(Ok(WordTickets(ids)))
    }

    /// The tickets of the index entries in `from..=to` that match `term`,
    /// ascending, each once; None past [`TEXT_SET_CAP`] entries.
    async fn word_tickets_in(
        &self,
        term: &str,
        (from, to): (i64, i64),
    ) -> anyhow::Result<Option<Vec<i64>>> {
        let read: Result<Vec<u8>, sqlx::Error> = sqlx::query_scalar(
            "SELECT ticket_ids(rowid, $4) FROM ticket_text
             WHERE ticket_text MATCH $1 AND rowid BETWEEN $2 AND $3",
        )
        .bind(term)
        .bind(from)
        .bind(to)
        .bind(TEXT_SET_CAP)
        .fetch_one(self.pool())
        .await;
        match read {
            Ok(blob) => Ok(Some(sql_functions::read_ids(&blob))),
            Err(e) if is_too_many(&e) => Ok(None),
            Err(e) => Err(e).context("reading a searched word's tickets"),
        }
    }

    /// The total counted from the words' tickets when every arm is a word
    /// held in `words`: the tickets all of them match, exact when nothing
    /// else is asked; else, for a bounded count, the other conditions tested
    /// a chunk at a time until the bound is reached. None when neither
    /// applies.
    pub(super) async fn count_from_words(
        &self,
        sized: &SizedArms<'_>,
        rest: &[&Cond],
        words: &Words<'_>,
        count: Count,
    ) -> anyhow::Result<Option<(i64, bool)>> {
        let sets: Option<Vec<&WordTickets>> = sized
            .iter()
            .map(|(arm, _)| WordTickets::of(words, arm))
            .collect();
        let Some(mut sets) = sets.filter(|s| !s.is_empty()) else {
            return Ok(None);
        };
        sets.sort_by_key(|s| s.len());
        let ids: Vec<i64> = sets[0]
            .0
            .iter()
            .copied()
            .filter(|id| sets[1..].iter().all(|s| s.contains(*id)))
            .collect();
        if rest.is_empty() {
            return Ok(Some((ids.len() as i64, false)));
        }
        let Count::UpTo(bound) = count else {
            return Ok(None);
        };
        let mut total = 0;
        let chunks = ids.chunks(COUNT_CHUNK).count();
        for (n, chunk) in ids.chunks(COUNT_CHUNK).enumerate() {
            let mut q = QueryBuilder::<Sqlite>::new("SELECT COUNT(*)");
            push_among(&mut q, chunk, rest)?;
            let found: i64 = q
                .build_query_scalar()
                .fetch_one(self.pool())
                .await
                .context("counting tickets")?;
            total += found;
            if total >= bound && n + 1 < chunks {
                return Ok(Some((total, true)));
            }
        }
        Ok(Some((total, false)))
    }
}

/// Whether `ticket_ids` stopped at its cap.
fn is_too_many(e: &sqlx::Error) -> bool {
    e.as_database_error()
        .is_some_and(|d| d.message().contains(sql_functions::TOO_MANY))
}

/// Ids joined by commas (`group_concat`), in their order.
fn parse_ids(joined: Option<&str>) -> Vec<i64> {
    joined
        .unwrap_or_default()
        .split(',')
        .filter_map(|id| id.parse().ok())
        .collect()
}

/// ` FROM tickets t WHERE` the ticket is one of `ids` and meets `conds`.
fn push_among(
    q: &mut QueryBuilder<'_, Sqlite>,
    ids: &[i64],
    conds: &[&Cond],
) -> anyhow::Result<()> {
    q.push(" FROM tickets t WHERE t.id IN (SELECT value FROM json_each(")
        .push_bind(serde_json::to_string(ids)?)
        .push("))");
    for cond in conds {
        q.push(" AND ");
        push_cond(q, cond, Style::Probe);
    }
    Ok(())
}

/// The page among the first `cap` tickets in sort order, each tested.
pub(super) fn push_walk(
    q: &mut QueryBuilder<'_, Sqlite>,
    query: &TicketQuery,
    index: &str,
    limit: i64,
    offset: i64,
    cap: i64,
) {
    let conds: Vec<&Cond> = query.conds.iter().collect();
    q.push(format!(
        "SELECT t.id FROM (SELECT t.id FROM tickets t INDEXED BY {index}"
    ));
    push_order(q, query.sort);
    q.push(" LIMIT ").push_bind(cap);
    // The capped walk is the outer loop and is read in its order, so no
    // ORDER BY here: one would wait for the whole walk to sort it. Rows
    // are read only for conditions on columns.
    if conds.iter().any(|c| c.reads_row()) {
        q.push(") w CROSS JOIN tickets t ON t.id = w.id");
        push_where(q, &conds, Style::Probe);
    } else {
        q.push(") t");
        for (n, cond) in conds.iter().enumerate() {
            q.push(if n == 0 { " WHERE " } else { " AND " });
            push_cond_on(q, cond, "t.id");
        }
    }
    q.push(" LIMIT ").push_bind(limit);
    q.push(" OFFSET ").push_bind(offset);
}

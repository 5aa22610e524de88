//! Synthetic data in bulk, for benchmarks only: generated inside SQLite
//! (recursive CTEs) so a million tickets take seconds, not an hour of
//! bound parameters. Deterministic: the same sizes give the same data.
use super::Store;
use anyhow::Context;

/// How much to make.
#[derive(Debug, Clone, Copy)]
pub struct Sizes {
    pub tickets: i64,
    pub messages: i64,
    pub contacts: i64,
    pub agents: i64,
    pub tags: i64,
    /// The ticket that gets a thread of exactly this many messages.
    pub long_thread: i64,
}

/// Made-up words for message bodies; lower ids are more frequent.
pub const WORDS: i64 = 2000;

/// The ticket with the long thread.
pub const LONG_THREAD_TICKET: i64 = 1;

const T0: i64 = 1_735_689_600; // 2025-01-01

/// `strftime` of a unix time as the application writes times.
fn time_sql(seconds: &str) -> String {
    format!("strftime('%Y-%m-%dT%H:%M:%S', {seconds}, 'unixepoch') || '.000000+00:00'")
}

impl Store {
    /// Fills an empty store; returns the statements' descriptions with the
    /// seconds each took.
    pub async fn fill_synthetic(&self, s: Sizes) -> anyhow::Result<Vec<(String, f64)>> {
        let ticket_time = time_sql(&format!("{T0} + i * 30"));
        let message_time = time_sql(&format!("{T0} + t * 30 + k * 600"));
        let short = (0..6)
            .rev()
            .map(|d| {
                format!(
                    "substr('ABCDEFGHJKLMNPQRSTUVWXYZ23456789', ((i >> {}) & 31) + 1, 1)",
                    d * 5
                )
            })
            .collect::<Vec<_>>()
            .join(" || ");
        // Messages after the long thread spread evenly over the other
        // tickets: the j-th goes to ticket j·T/R + 2, where it is number k.
        let (rest, others) = ((s.messages - s.long_thread).max(1), (s.tickets - 1).max(1));
        let word = |salt: i64| {
            format!(
                "(SELECT w FROM bench_words WHERE id = (((m * {a}) % 2003) * (((m * {b}) >> 7) % 2003)) / 2003 % {WORDS})",
                a = 2654435761_i64 + salt * 97,
                b = 40503 + salt * 131,
            )
        };
        let body = (0..12).map(word).collect::<Vec<_>>().join(" || ' ' || ");
        let steps: Vec<(&str, String)> = vec![
            ("words", format!(
                "CREATE TEMP TABLE bench_words (id INTEGER PRIMARY KEY, w TEXT NOT NULL);
                 INSERT INTO bench_words WITH RECURSIVE n(id) AS (SELECT 0 UNION ALL SELECT id + 1 FROM n WHERE id < {WORDS} - 1)
                 SELECT id, substr('bcdfghjklmnprstvwz', id % 18 + 1, 1) || substr('aeiou', id / 18 % 5 + 1, 1)
                   || substr('bcdfghjklmnprstvwz', id / 90 % 18 + 1, 1) || substr('aeiou', id / 1620 % 5 + 1, 1) || 'x' || id AS w FROM n")),
            ("agents and teams", format!(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {agents})
                 INSERT INTO agents (id, email, name, role, signature, created_at, updated_at)
                 SELECT i, 'agent' || i || '@example.com', 'Agent ' || i, 'agent', 'Agent ' || i, {t}, {t} FROM n;
                 INSERT INTO teams (id, name, created_at) VALUES (1, 'Support', {t}), (2, 'Billing', {t}), (3, 'Sales', {t});
                 INSERT INTO custom_fields (key, label, field_type, options, created_at)
                 VALUES ('plan', 'Plan', 'select', '[\"free\",\"pro\",\"enterprise\"]', {t})",
                agents = s.agents, t = time_sql(&T0.to_string()))),
            ("tags", format!(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {})
                 INSERT INTO tags (id, name, tag_group, created_at) SELECT i, 'tag-' || i, 'group-' || (i % 5), {} FROM n",
                s.tags, time_sql(&T0.to_string()))),
            ("contacts", format!(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {c})
                 INSERT INTO contacts (id, email, name, from_domain, created_at, updated_at)
                 SELECT i, 'customer' || i || '@example' || (i % 500) || '.com', 'Customer ' || i, 'example' || (i % 500) || '.com', {t}, {t} FROM n",
                c = s.contacts, t = time_sql(&T0.to_string()))),
            ("tickets", format!(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {tickets})
                 INSERT INTO tickets (id, short_id, subject, status, priority, requester_id, from_domain, assignee_id, topic_id, created_at, updated_at, resolved_at, last_message_at)
                 SELECT i, {short}, 'Question about order ' || i,
                   CASE WHEN i % 20 < 4 THEN 'open' WHEN i % 20 < 6 THEN 'pending' WHEN i % 20 = 6 THEN 'overdue' ELSE 'resolved' END,
                   CASE i % 10 WHEN 0 THEN 'high' WHEN 1 THEN 'low' WHEN 2 THEN 'urgent' ELSE 'normal' END,
                   i % {c} + 1, 'example' || ((i % {c} + 1) % 500) || '.com',
                   CASE WHEN i % 3 = 0 THEN NULL ELSE i % {agents} + 1 END, 1,
                   {ticket_time}, {ticket_time}, CASE WHEN i % 20 > 6 THEN {ticket_time} END, {ticket_time} FROM n",
                tickets = s.tickets, c = s.contacts, agents = s.agents)),
            ("ticket tags, teams, fields, events", format!(
                "INSERT INTO ticket_tags (ticket_id, tag_id) SELECT id, id % {tags} + 1 FROM tickets WHERE id % 5 < 3;
                 INSERT INTO ticket_tags (ticket_id, tag_id) SELECT id, (id / 7) % {tags} + 1 FROM tickets WHERE id % 4 = 0 AND (id / 7) % {tags} <> id % {tags};
                 INSERT INTO ticket_teams (ticket_id, team_id) SELECT id, id % 3 + 1 FROM tickets;
                 INSERT INTO ticket_field_values (ticket_id, field_id, value)
                   SELECT id, (SELECT id FROM custom_fields WHERE key = 'plan'), CASE id % 3 WHEN 0 THEN 'free' WHEN 1 THEN 'pro' ELSE 'enterprise' END FROM tickets WHERE id % 2 = 0;
                 INSERT INTO ticket_events (ticket_id, actor, kind, data, created_at) SELECT id, 'customer', 'created', '{{\"via\":\"email\"}}', created_at FROM tickets",
                tags = s.tags)),
            ("messages", format!(
                "WITH RECURSIVE n(m) AS (SELECT 1 UNION ALL SELECT m + 1 FROM n WHERE m < {messages}),
                 placed AS (SELECT m,
                   CASE WHEN m <= {long} THEN {LONG_THREAD_TICKET} ELSE (m - {long} - 1) * {others} / {rest} + 2 END AS t,
                   CASE WHEN m <= {long} THEN m - 1
                     ELSE (m - {long} - 1) - (((m - {long} - 1) * {others} / {rest}) * {rest} + {others} - 1) / {others} END AS k FROM n)
                 INSERT INTO messages (id, ticket_id, direction, message_id, refs, from_address, to_addrs, subject, body_text, delivery_status, created_at)
                 SELECT m, t, CASE WHEN k % 2 = 0 THEN 'inbound' ELSE 'outbound' END, 'bench-' || m || '@example.com', '',
                   CASE WHEN k % 2 = 0 THEN 'customer' || (t % {c} + 1) || '@example.com' ELSE 'support@example.com' END,
                   '[]', 'Question about order ' || t, 'Hello, ' || {body} || '. Thanks.',
                   CASE WHEN k % 2 = 0 THEN 'received' ELSE 'sent' END, {message_time}
                 FROM placed WHERE t <= {tickets}",
                messages = s.messages, long = s.long_thread, c = s.contacts, tickets = s.tickets)),
            ("drop words", "DROP TABLE bench_words".to_string()),
            ("analyze", "ANALYZE".to_string()),
        ];
        let mut took = Vec::new();
        let mut conn = self.writer().acquire().await?;
        for (what, sql) in steps {
            let started = std::time::Instant::now();
            sqlx::raw_sql(&sql)
                .execute(&mut *conn)
                .await
                .with_context(|| format!("making synthetic {what}"))?;
            took.push((what.to_string(), started.elapsed().as_secs_f64()));
        }
        Ok(took)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every message asked for is made, spread evenly, each ticket's
    /// thread starting with an inbound mail and alternating from there.
    #[tokio::test]
    async fn messages_spread_evenly_and_all_are_made() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("fx.db").display());
        let store = Store::open(&url).await.unwrap();
        store
            .fill_synthetic(Sizes {
                tickets: 11,
                messages: 33,
                contacts: 3,
                agents: 2,
                tags: 3,
                long_thread: 5,
            })
            .await
            .unwrap();
        let per_ticket: Vec<(i64, i64, String)> = sqlx::query_as(
            "SELECT ticket_id, COUNT(*), group_concat(substr(direction, 1, 1), '') \
             FROM (SELECT * FROM messages ORDER BY id) GROUP BY ticket_id ORDER BY ticket_id",
        )
        .fetch_all(store.pool())
        .await
        .unwrap();
        let counts: Vec<i64> = per_ticket.iter().map(|r| r.1).collect();
        assert_eq!(counts.len(), 11, "{counts:?}");
        assert_eq!(counts.iter().sum::<i64>(), 33, "{counts:?}");
        assert_eq!(counts[0], 5, "the long thread");
        // 28 over 10 tickets: 2 or 3 each.
        assert!(
            counts[1..].iter().all(|n| (2..=3).contains(n)),
            "{counts:?}"
        );
        for (ticket, n, directions) in per_ticket {
            let want: String = (0..n).map(|k| if k % 2 == 0 { 'i' } else { 'o' }).collect();
            assert_eq!(directions, want, "ticket {ticket}");
        }
    }
}

//! How many tickets use each team, topic, tag and custom field, read from
//! the counts triggers keep (`ticket_set_sizes`, `ticket_counts`), not
//! counted: the admin pages show them beside each one.
use super::Store;
use anyhow::Context;
use std::collections::HashMap;

/// What tickets are counted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UsedBy {
    Team,
    Topic,
    Tag,
    Field,
}

impl Store {
    /// The number of tickets using each one (by id); absent means none.
    pub async fn tickets_using(&self, by: UsedBy) -> anyhow::Result<HashMap<i64, i64>> {
        let sql = match by {
            UsedBy::Team => {
                "SELECT ref, SUM(n) FROM ticket_set_sizes WHERE kind = 'team' AND value = '' GROUP BY ref"
            }
            UsedBy::Tag => {
                "SELECT ref, SUM(n) FROM ticket_set_sizes WHERE kind = 'tag' AND value = '' GROUP BY ref"
            }
            UsedBy::Field => {
                "SELECT ref, SUM(n) FROM ticket_set_sizes WHERE kind = 'field' GROUP BY ref"
            }
            UsedBy::Topic => {
                "SELECT topic_id, SUM(n) FROM ticket_counts WHERE topic_id <> 0 GROUP BY topic_id"
            }
        };
        let rows: Vec<(i64, i64)> = sqlx::query_as(sql)
            .fetch_all(self.pool())
            .await
            .with_context(|| format!("counting the tickets of each {by:?}"))?;
        Ok(rows.into_iter().filter(|(_, n)| *n > 0).collect())
    }
}

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

    /// The number of values each custom field holds (by id), on tickets
    /// (from the kept counts) or contacts (counted: one row a contact).
    pub async fn field_values_held(&self) -> anyhow::Result<HashMap<i64, i64>> {
        let mut held = self.tickets_using(UsedBy::Field).await?;
        let rows: Vec<(i64, i64)> =
            sqlx::query_as("SELECT field_id, COUNT(*) FROM contact_field_values GROUP BY field_id")
                .fetch_all(self.pool())
                .await
                .context("counting the contacts holding each custom field")?;
        held.extend(rows);
        Ok(held)
    }
}

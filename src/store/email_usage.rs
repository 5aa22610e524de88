//! Emails in and out per email domain per day, as the triggers of
//! `email_usage` keep them: every mail fetched from a domain's mailbox but
//! a duplicate, every message its outbox delivered (acknowledgements too:
//! each email is an interaction).
use super::Store;
use anyhow::Context;

/// What usage is summed over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    Day,
    Month,
}

impl Period {
    pub fn as_str(self) -> &'static str {
        match self {
            Period::Day => "day",
            Period::Month => "month",
        }
    }

    /// The characters of `YYYY-MM-DD` that name one period.
    fn prefix(self) -> i64 {
        match self {
            Period::Day => 10,
            Period::Month => 7,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct UsageRow {
    pub email_domain_id: i64,
    /// The domain's address; None once the domain is deleted.
    pub address: Option<String>,
    /// `YYYY-MM-DD`, `YYYY-MM`, or `all`.
    pub period: String,
    pub emails_in: i64,
    pub emails_out: i64,
}

impl Store {
    /// Usage per email domain per period from day `since` (`YYYY-MM-DD`)
    /// on, the newest period first.
    pub async fn email_usage(&self, period: Period, since: &str) -> anyhow::Result<Vec<UsageRow>> {
        sqlx::query_as(
            "SELECT u.email_domain_id, d.address, substr(u.day, 1, $1) AS period,
                    SUM(u.emails_in) AS emails_in, SUM(u.emails_out) AS emails_out
             FROM email_usage u LEFT JOIN email_domains d ON d.id = u.email_domain_id
             WHERE u.day >= $2
             GROUP BY u.email_domain_id, d.address, substr(u.day, 1, $1)
             ORDER BY period DESC, d.address, u.email_domain_id",
        )
        .bind(period.prefix())
        .bind(since)
        .fetch_all(self.pool())
        .await
        .context("reading email usage")
    }

    /// Every email in and out per email domain, over all time.
    pub async fn email_totals(&self) -> anyhow::Result<Vec<UsageRow>> {
        sqlx::query_as(
            "SELECT u.email_domain_id, d.address, 'all' AS period,
                    SUM(u.emails_in) AS emails_in, SUM(u.emails_out) AS emails_out
             FROM email_usage u LEFT JOIN email_domains d ON d.id = u.email_domain_id
             GROUP BY u.email_domain_id, d.address
             ORDER BY d.address, u.email_domain_id",
        )
        .fetch_all(self.pool())
        .await
        .context("reading email totals")
    }
}

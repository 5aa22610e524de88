//! Tickets for the reading tests: made by the real ingest pipeline, then
//! given assignees, teams, tags and field values with SQL where no endpoint
//! does it yet.
use super::Api;
use crate::support::mail;
use postdesk::ingest::{Incoming, Ingestor, Limits, Source};
use serde_json::Value;

pub struct Desk {
    pub api: Api,
    ingestor: Ingestor,
    sent: std::cell::Cell<usize>,
}

impl Desk {
    pub async fn start() -> Desk {
        Self::with_limits(Limits::default()).await
    }

    pub async fn with_limits(limits: Limits) -> Desk {
        let api = Api::start().await;
        let ingestor = Ingestor::new(api.store().clone(), limits)
            .await
            .expect("ingestor");
        Desk {
            api,
            ingestor,
            sent: std::cell::Cell::new(0),
        }
    }

    /// Ingests `raw`; the ticket it landed on.
    pub async fn ingest(&self, raw: Vec<u8>) -> i64 {
        let out = self
            .ingestor
            .ingest(vec![Incoming {
                source: Source::Import,
                raw,
            }])
            .await
            .expect("ingest");
        out[0].ticket_id.expect("a ticket")
    }

    /// A new ticket from `from`; returns its id and the mail's Message-ID.
    pub async fn open(&self, from: &str, subject: &str, body: &str) -> (i64, String) {
        let n = self.sent.get() + 1;
        self.sent.set(n);
        let id = format!("m{n}@test.example");
        (self.ingest(mail(from, subject, &id, "", body)).await, id)
    }

    /// A customer reply to the mail `parent` (by In-Reply-To).
    pub async fn reply(&self, from: &str, parent: &str, body: &str) -> i64 {
        let n = self.sent.get() + 1;
        self.sent.set(n);
        let headers = format!("In-Reply-To: <{parent}>\r\nReferences: <{parent}>\r\n");
        let id = format!("m{n}@test.example");
        self.ingest(mail(from, "Re: reply", &id, &headers, body))
            .await
    }

    /// Runs statements on the writer connection.
    pub async fn sql(&self, statements: &str) {
        sqlx::raw_sql(statements)
            .execute(self.api.store().writer())
            .await
            .unwrap_or_else(|e| panic!("{statements}: {e}"));
    }

    /// GET tickets?query as admin, expecting 200.
    pub async fn list(&self, query: &str) -> Value {
        self.api
            .get(&format!("/api/v1/tickets?{query}"))
            .await
            .expect(200)
    }

    /// The ids a list answers, in order.
    pub async fn ids(&self, query: &str) -> Vec<i64> {
        ids(&self.list(query).await)
    }

    /// The ids of a list, as a sorted set.
    pub async fn set(&self, query: &str) -> Vec<i64> {
        let mut ids = self.ids(query).await;
        ids.sort_unstable();
        ids
    }
}

pub fn ids(page: &Value) -> Vec<i64> {
    page["items"]
        .as_array()
        .unwrap_or_else(|| panic!("no items in {page}"))
        .iter()
        .map(|t| t["id"].as_i64().expect("id"))
        .collect()
}

//! What the pages read of a message beyond the thread: an attachment's
//! bytes, a message's raw source, and where outbound mail's delivery stands.
use super::Store;
use anyhow::Context;

/// One attachment as stored: its name and type as the mail gave them, its
/// size, and the hash its bytes are stored under unless they were left out
/// (too large).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AttachmentFile {
    pub filename: Option<String>,
    pub content_type: String,
    pub size: i64,
    pub sha256: Option<String>,
    pub omitted_reason: Option<String>,
}

impl Store {
    pub async fn attachment_file(&self, id: i64) -> anyhow::Result<Option<AttachmentFile>> {
        sqlx::query_as(
            "SELECT a.filename, a.content_type, a.size, b.sha256, a.omitted_reason
             FROM attachments a LEFT JOIN attachment_blobs b ON b.sha256 = a.blob_sha256
             WHERE a.id = $1",
        )
        .bind(id)
        .fetch_optional(self.pool())
        .await
        .context("reading an attachment")
    }

    /// Piece `seq` of the bytes stored under `sha256` (0 is the first, kept
    /// with the hash), or None past the last (migration 0015).
    pub async fn attachment_piece(
        &self,
        sha256: &str,
        seq: i64,
    ) -> anyhow::Result<Option<Vec<u8>>> {
        let query = if seq == 0 {
            sqlx::query_scalar("SELECT data FROM attachment_blobs WHERE sha256 = $1").bind(sha256)
        } else {
            sqlx::query_scalar("SELECT data FROM attachment_chunks WHERE sha256 = $1 AND seq = $2")
                .bind(sha256)
                .bind(seq)
        };
        query
            .fetch_optional(self.pool())
            .await
            .context("reading attachment bytes")
    }

    /// A message's raw source, with its ticket.
    pub async fn message_source(&self, id: i64) -> anyhow::Result<Option<(i64, Vec<u8>)>> {
        sqlx::query_as(
            "SELECT m.ticket_id, s.raw FROM messages m JOIN message_sources s ON s.message_id = m.id
             WHERE m.id = $1",
        )
        .bind(id)
        .fetch_optional(self.pool())
        .await
        .context("reading a message's source")
    }
}

/// Where one outbound message's delivery stands.
#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow)]
pub struct DeliveryState {
    pub id: i64,
    pub status: String,
    pub error: Option<String>,
}

impl Store {
    /// The delivery state of each of a ticket's outbound messages.
    pub async fn delivery_states(&self, ticket_id: i64) -> anyhow::Result<Vec<DeliveryState>> {
        sqlx::query_as(
            "SELECT id, delivery_status AS status, delivery_error AS error FROM messages
             WHERE ticket_id = $1 AND direction = 'outbound' ORDER BY id",
        )
        .bind(ticket_id)
        .fetch_all(self.pool())
        .await
        .context("reading delivery states")
    }
}

impl Store {
    /// The start of each ticket's latest message written by a person (not
    /// an automatic one), for the inbox's rows: a customer's reply text, or
    /// our reply without the signature it was sent with (after `-- `).
    pub async fn snippets(&self, ticket_ids: &[i64]) -> anyhow::Result<Vec<(i64, String)>> {
        if ticket_ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut q = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
            "SELECT ticket_id, substr(CASE
                 WHEN direction = 'outbound' AND instr(body_text, char(10) || '-- ' || char(10)) > 0
                 THEN substr(body_text, 1, instr(body_text, char(10) || '-- ' || char(10)) - 1)
                 ELSE COALESCE(reply_text, body_text) END, 1, 240) FROM messages
             WHERE id IN (SELECT MAX(id) FROM messages WHERE auto_kind IS NULL AND ticket_id IN (",
        );
        let mut ids = q.separated(", ");
        for id in ticket_ids {
            ids.push_bind(*id);
        }
        q.push(") GROUP BY ticket_id)");
        q.build_query_as()
            .fetch_all(self.pool())
            .await
            .context("reading the inbox's snippets")
    }
}

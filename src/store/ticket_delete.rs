//! Deleting tickets with everything that hangs off them. Messages, their
//! sources, attachments and outbox rows, notes, events, sets and
//! participants go by ON DELETE CASCADE; ingest records keep their history
//! with the ticket and message set to NULL. Attachment bytes no other
//! attachment uses go too.
use super::{CHUNK, Store, Tx};
use anyhow::Context;
use sqlx::{QueryBuilder, Sqlite};

impl Store {
    /// Deletes those of `ids` that exist; returns how many did.
    pub async fn delete_tickets(&self, ids: &[i64]) -> anyhow::Result<u64> {
        let mut tx = self.begin_write().await?;
        let mut deleted = 0;
        for chunk in ids.chunks(CHUNK) {
            let blobs = blobs_of(&mut tx, chunk).await?;
            let mut q = QueryBuilder::<Sqlite>::new("DELETE FROM tickets WHERE id IN (");
            let mut list = q.separated(", ");
            for id in chunk {
                list.push_bind(*id);
            }
            q.push(")");
            deleted += q
                .build()
                .execute(&mut *tx)
                .await
                .context("deleting tickets")?
                .rows_affected();
            drop_unused_blobs(&mut tx, &blobs).await?;
        }
        tx.commit().await.context("committing the deletion")?;
        Ok(deleted)
    }
}

/// The attachment blobs the tickets' messages use.
async fn blobs_of(tx: &mut Tx<'_>, ticket_ids: &[i64]) -> anyhow::Result<Vec<String>> {
    let mut q = QueryBuilder::<Sqlite>::new(
        "SELECT DISTINCT a.blob_sha256 FROM attachments a JOIN messages m ON m.id = a.message_id
         WHERE a.blob_sha256 IS NOT NULL AND m.ticket_id IN (",
    );
    let mut list = q.separated(", ");
    for id in ticket_ids {
        list.push_bind(*id);
    }
    q.push(")");
    q.build_query_scalar()
        .fetch_all(&mut **tx)
        .await
        .context("finding the tickets' attachment blobs")
}

async fn drop_unused_blobs(tx: &mut Tx<'_>, blobs: &[String]) -> anyhow::Result<()> {
    for sha in blobs {
        sqlx::query(
            "DELETE FROM attachment_blobs WHERE sha256 = $1
             AND NOT EXISTS (SELECT 1 FROM attachments WHERE blob_sha256 = $1)",
        )
        .bind(sha)
        .execute(&mut **tx)
        .await
        .context("dropping unused attachment bytes")?;
    }
    Ok(())
}

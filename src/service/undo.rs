//! Undo send: an agent takes back their reply while it waits in the
//! outbox; it never reaches the customer, and what they wrote becomes
//! their draft on the ticket again.
use super::replies::Replies;
use crate::store::drafts::put_draft;
use crate::store::undo::{Held, Undoable, take_back, undoable};

#[derive(Debug, thiserror::Error)]
pub enum UndoError {
    #[error("message {0} does not exist")]
    NotFound(i64),
    #[error("the reply has been sent or is on its way: it can no longer be taken back")]
    Gone { ticket_id: i64 },
    #[error("only the agent who wrote the reply (or an admin) can take it back")]
    NotYours,
    #[error(transparent)]
    Store(#[from] anyhow::Error),
}

/// Who asks to take a reply back.
#[derive(Debug, Clone, Copy)]
pub struct Undoer {
    pub agent_id: Option<i64>,
    pub admin: bool,
}

impl Replies {
    /// Takes back held reply `message_id`: it is gone from the thread and
    /// the outbox, and what was written is the asking agent's draft on the
    /// ticket. Checked and done in one write transaction, so it is either
    /// taken back or claimed by the sender, never both.
    pub async fn undo(&self, message_id: i64, by: Undoer) -> Result<Held, UndoError> {
        let mut tx = self.store.begin_write().await?;
        let held = match undoable(&mut tx, message_id, crate::store::now()).await? {
            Undoable::Held(h) => h,
            Undoable::Gone { ticket_id } => return Err(UndoError::Gone { ticket_id }),
            Undoable::NotFound => return Err(UndoError::NotFound(message_id)),
        };
        if !by.admin && (held.author_id.is_none() || held.author_id != by.agent_id) {
            return Err(UndoError::NotYours);
        }
        take_back(&mut tx, message_id, held.ticket_id).await?;
        if let Some(agent) = by.agent_id {
            put_draft(&mut tx, held.ticket_id, agent, "reply", &held.written).await?;
        }
        tx.commit().await.map_err(anyhow::Error::from)?;
        Ok(held)
    }
}

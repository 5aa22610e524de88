//! An agent opens a ticket by writing to a customer: the ticket and its
//! first email (composed by the reply service like any reply) are stored
//! in one transaction, so a first email it refuses (an unknown template,
//! one that does not render, an empty text) leaves no ticket behind, and
//! no one sees the ticket before its email is queued.
use super::replies::{Body, Queued, Replies, ReplyError, ReplyRequest};
use crate::outbound::compose::OutgoingAttachment;
use crate::store::Store;
use crate::store::outbound_tickets::{NewTicket, open_outbound_ticket};

#[derive(Debug, Clone)]
pub struct OutboundTicket {
    pub ticket: NewTicket,
    pub body: Body,
    pub attachments: Vec<OutgoingAttachment>,
}

/// Opens the ticket and queues its first email; returns (ticket id, queued email).
#[tracing::instrument(skip_all, fields(ticket_id))]
pub async fn open(
    store: &Store,
    replies: &Replies,
    req: OutboundTicket,
) -> Result<(i64, Queued), ReplyError> {
    let mut tx = store.begin_write().await?;
    let id = open_outbound_ticket(&mut tx, &req.ticket).await?;
    tracing::Span::current().record("ticket_id", id);
    let queued = replies
        .reply_in(
            &mut tx,
            ReplyRequest {
                ticket_id: id,
                agent_id: req.ticket.created_by,
                body: req.body,
                attachments: req.attachments,
            },
        )
        .await?;
    tx.commit().await.map_err(anyhow::Error::from)?;
    replies.wake().notify_one();
    Ok((id, queued))
}

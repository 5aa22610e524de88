//! An agent opens a ticket by writing to a customer: the ticket is stored,
//! then its first email goes through the reply service like any reply.
//! The reply service runs its own transaction, so a first email it refuses
//! (an unknown template, one that does not render, an empty text) takes the
//! ticket back out: no ticket stays behind without its email.
use super::replies::{Body, Queued, Replies, ReplyError, ReplyRequest};
use crate::outbound::compose::OutgoingAttachment;
use crate::store::Store;
use crate::store::outbound_tickets::NewTicket;

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
    let id = store.open_outbound_ticket(&req.ticket).await?;
    tracing::Span::current().record("ticket_id", id);
    let sent = replies
        .reply(ReplyRequest {
            ticket_id: id,
            agent_id: req.ticket.created_by,
            body: req.body,
            attachments: req.attachments,
        })
        .await;
    match sent {
        Ok(queued) => Ok((id, queued)),
        Err(e) => {
            if let Err(undo) = store.delete_tickets(&[id]).await {
                tracing::error!(ticket = id, error = %format!("{undo:#}"),
                    "a ticket whose first email failed could not be deleted");
            }
            Err(e)
        }
    }
}

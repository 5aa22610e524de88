//! Storing composed replies: one, or a batch (the poller's
//! acknowledgements) in a few statements for all of them, by the same
//! steps.
use super::replies::{Queued, ReplyError};
use crate::domain::MAX_RECIPIENTS;
use crate::outbound::compose::OutgoingAttachment;
use crate::outbound::recipients::Recipients;
use crate::store::Tx;
use crate::store::ingest::{NewEvent, insert_events};
use crate::store::messages::{AttachmentRow, Outbound, insert_attachment_rows};
use crate::store::outbox::Hold;
use crate::store::replies::{ToQueue, queue_replies, take_auto_reply_tokens, take_pending_acks};

/// A reply composed, waiting to be stored.
pub(crate) struct Composed {
    pub(super) message: Outbound,
    pub(super) raw: Vec<u8>,
    /// Listed on the stored message, so the thread shows what was sent.
    pub(super) attachments: Vec<OutgoingAttachment>,
    pub(super) email_domain_id: i64,
    pub(super) requester: String,
    pub(super) automatic: bool,
    pub(super) recipients: Recipients,
    pub(super) now: chrono::DateTime<chrono::Utc>,
    /// What the agent wrote (before the signature), kept while the reply
    /// is held for the undo window.
    pub(super) written: Option<String>,
    /// Held in the outbox until then (undo send).
    pub(super) hold_until: Option<chrono::DateTime<chrono::Utc>>,
}

/// Stores the message with its outbox row in `tx` (an acknowledgement also
/// clears the ticket's pending mark, and takes a token of the requester's
/// `rate_limit` per hour: None when it has none left).
pub(crate) async fn store_composed(
    tx: &mut Tx<'_>,
    c: Composed,
    rate_limit: Option<u32>,
) -> Result<Option<Queued>, ReplyError> {
    Ok(store_all_composed(tx, vec![c], rate_limit)
        .await?
        .pop()
        .flatten())
}

/// Stores each message with its outbox row in `tx`, as [`store_composed`]
/// does one; what became of each, in the order given.
pub(crate) async fn store_all_composed(
    tx: &mut Tx<'_>,
    all: Vec<Composed>,
    rate_limit: Option<u32>,
) -> Result<Vec<Option<Queued>>, ReplyError> {
    let Some(now) = all.iter().map(|c| c.now).max() else {
        return Ok(Vec::new());
    };
    let going = going(tx, &all, rate_limit, now).await?;
    let sent: Vec<&Composed> = all
        .iter()
        .zip(&going)
        .filter(|(_, g)| **g)
        .map(|(c, _)| c)
        .collect();
    let rows: Vec<ToQueue> = sent
        .iter()
        .map(|c| ToQueue {
            message: &c.message,
            email_domain_id: Some(c.email_domain_id),
            raw: &c.raw,
            hold: c.hold_until.map(|until| Hold {
                until,
                written: c.written.as_deref().unwrap_or_default(),
            }),
        })
        .collect();
    let ids = queue_replies(tx, &rows, now).await?;
    let mut files: Vec<AttachmentRow> = Vec::new();
    let mut capped: Vec<NewEvent> = Vec::new();
    for (c, (id, _)) in sent.iter().zip(&ids) {
        files.extend(c.attachments.iter().map(|a| AttachmentRow {
            message: *id,
            filename: Some(&a.filename),
            content_type: &a.content_type,
            data: &a.data,
            content_id: None,
            inline: false,
        }));
        if !c.recipients.left_out.is_empty() {
            let data = serde_json::json!({"message_id": id, "cap": MAX_RECIPIENTS,
                "left_out": c.recipients.left_out});
            let ticket = c.message.ticket_id;
            capped.push(NewEvent::by(
                "system",
                ticket,
                "recipients_capped",
                data.to_string(),
            ));
        }
    }
    // The API has bounded their size already: every byte sent is kept.
    insert_attachment_rows(tx, &files, usize::MAX).await?;
    insert_events(tx, &capped, now).await?;
    let mut ids = ids.into_iter();
    Ok(all
        .into_iter()
        .zip(going)
        .map(|(c, going)| {
            // Only what went out has ids, in order.
            if !going {
                return None;
            }
            let (message_id, outbox_id) = ids.next()?;
            Some(Queued {
                message_id,
                outbox_id,
                header_message_id: c.message.message_id,
                recipients: c.recipients,
                undo_until: c.hold_until,
            })
        })
        .collect())
}

/// Which of `all` go out: an acknowledgement only by whoever takes its
/// ticket's pending mark, and, with a rate limit, only while its
/// requester has a token left.
async fn going(
    tx: &mut Tx<'_>,
    all: &[Composed],
    rate_limit: Option<u32>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<bool>, ReplyError> {
    let automatic: Vec<i64> = all
        .iter()
        .filter(|c| c.automatic)
        .map(|c| c.message.ticket_id)
        .collect();
    let mut taken = take_pending_acks(tx, &automatic).await?;
    let mut going: Vec<bool> = all
        .iter()
        .map(|c| {
            let ticket = c.message.ticket_id;
            // Each mark goes to one of them.
            let took = taken
                .iter()
                .position(|t| *t == ticket)
                .map(|n| taken.swap_remove(n));
            if c.automatic && took.is_none() {
                tracing::info!(ticket, "acknowledgement already taken");
            }
            !c.automatic || took.is_some()
        })
        .collect();
    let Some(per_hour) = rate_limit else {
        return Ok(going);
    };
    let limited: Vec<usize> = (0..all.len()).filter(|n| going[*n]).collect();
    let addresses: Vec<&str> = limited.iter().map(|n| all[*n].requester.as_str()).collect();
    let allowed = take_auto_reply_tokens(tx, &addresses, per_hour, now).await?;
    for (n, allowed) in limited.into_iter().zip(allowed) {
        if !allowed {
            let c = &all[n];
            tracing::info!(
                ticket = c.message.ticket_id,
                to = c.requester,
                "acknowledgement rate-limited"
            );
            going[n] = false;
        }
    }
    Ok(going)
}

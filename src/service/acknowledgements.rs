//! Acknowledgements of new tickets: rendered from the `acknowledgement`
//! template (or the shipped one), at most `per_hour` per requester, never
//! to our own addresses. A ticket is marked pending in the transaction that
//! stores it; the mark goes in the transaction that queues its
//! acknowledgement (or gives up on it), so one a crash interrupted goes out
//! after the restart and none goes out twice. The poller queues them a
//! batch per transaction, rendered several at a time.
use super::replies::{
    ACKNOWLEDGEMENT, Answer, CompiledTemplate, Composed, Replies, ReplyError, context,
    sending_domain, store_composed,
};
use crate::domain::{EmailAddress, EmailDomain, is_own_address};
use crate::outbound::render::{self, TemplateError};
use crate::store::replies::{TemplateRow, clear_pending_ack};
use futures::StreamExt;
use std::sync::Arc;

/// The acknowledgement template compiled once for a batch, or its name
/// and why it does not compile.
type Template = Result<Arc<CompiledTemplate>, (String, TemplateError)>;

/// What every acknowledgement of a batch is made with.
struct Basis {
    domains: Vec<EmailDomain>,
    /// Our own addresses, never acknowledged.
    ours: Vec<EmailAddress>,
    template: Template,
}

/// Acknowledgements rendered at once (each on the blocking pool, within
/// the render budget).
const RENDER_AT_ONCE: usize = 8;

/// What a batch of acknowledgements came to.
#[derive(Debug, Default)]
pub struct AckBatch {
    pub queued: usize,
    /// Not sent: the requester had had `per_hour` automatic answers, or
    /// another worker had taken the ticket's pending mark first.
    pub limited: usize,
    /// Not sent: the requester is one of our own addresses.
    pub ours: usize,
    /// Given up on, with the reason (a broken template would otherwise
    /// fail forever).
    pub failed: Vec<(i64, ReplyError)>,
}

impl Replies {
    /// Queues the acknowledgements of `tickets` in one transaction. A
    /// ticket whose acknowledgement cannot be made is given up on in the
    /// same transaction; trouble with the database leaves the whole batch
    /// pending for the next round.
    pub async fn acknowledge_batch(
        &self,
        tickets: &[i64],
        per_hour: u32,
    ) -> Result<AckBatch, ReplyError> {
        let domains = self.store.email_domains().await?;
        let base = Basis {
            ours: domains.iter().map(|d| d.address.clone()).collect(),
            domains,
            template: self.acknowledgement_template().await?,
        };
        let base = &base;
        let composed: Vec<(i64, Result<Option<Composed>, ReplyError>)> =
            futures::stream::iter(tickets.iter().copied())
                .map(|t| async move { (t, self.compose_ack(t, base).await) })
                .buffered(RENDER_AT_ONCE)
                .collect()
                .await;
        let mut batch = AckBatch::default();
        let mut tx = self.store.begin_write().await?;
        for (ticket, c) in composed {
            match c {
                Ok(Some(c)) => match store_composed(&mut tx, c, Some(per_hour)).await? {
                    Some(_) => batch.queued += 1,
                    None => batch.limited += 1,
                },
                Ok(None) => {
                    clear_pending_ack(&mut tx, ticket).await?;
                    batch.ours += 1;
                }
                Err(ReplyError::Store(e)) => return Err(ReplyError::Store(e)),
                Err(e) => {
                    clear_pending_ack(&mut tx, ticket).await?;
                    batch.failed.push((ticket, e));
                }
            }
        }
        tx.commit().await.map_err(anyhow::Error::from)?;
        if batch.queued > 0 {
            self.wake.notify_one();
        }
        Ok(batch)
    }

    /// The stored acknowledgement template, or the shipped one, compiled
    /// (within the render budget). A template that does not compile is an
    /// error of each acknowledgement, not of the batch.
    async fn acknowledgement_template(&self) -> anyhow::Result<Template> {
        let row = match self.store.template_named(ACKNOWLEDGEMENT).await? {
            Some(t) => t,
            None => TemplateRow {
                name: ACKNOWLEDGEMENT.into(),
                subject: None,
                body: render::DEFAULT_ACKNOWLEDGEMENT_TEXT.into(),
                body_html: Some(render::DEFAULT_ACKNOWLEDGEMENT_HTML.into()),
            },
        };
        let name = row.name.clone();
        Ok(render::bounded(move || CompiledTemplate::compile(&row))
            .await
            .map(Arc::new)
            .map_err(|error| (name, error)))
    }

    /// The acknowledgement of a ticket, rendered and composed; None when
    /// its requester is one of our own addresses.
    async fn compose_ack(
        &self,
        ticket_id: i64,
        base: &Basis,
    ) -> Result<Option<Composed>, ReplyError> {
        let basis = self.basis(ticket_id).await?;
        if EmailAddress::parse(&basis.ticket.requester_email)
            .is_ok_and(|a| is_own_address(&a, &base.ours))
        {
            tracing::info!(ticket = ticket_id, "no acknowledgement to our own address");
            return Ok(None);
        }
        let domain = sending_domain(&basis, &base.domains)?;
        let ctx = context(&basis, &domain, None);
        let template = match &base.template {
            Ok(t) => t.clone(),
            Err((name, error)) => {
                return Err(ReplyError::Template {
                    name: name.clone(),
                    error: error.clone(),
                });
            }
        };
        let (value, name) = (ctx.to_value(), template.name.clone());
        let (text, html, subject_line) = render::bounded(move || template.render(&value))
            .await
            .map_err(|error| ReplyError::Template { name, error })?;
        let answer = Answer {
            text,
            html,
            subject_line,
            automatic: true,
            agent: None,
            attachments: Vec::new(),
            cc: Vec::new(),
            ours: Vec::new(),
        };
        Ok(Some(self.compose(&basis, &domain, answer)?))
    }
}

//! Acknowledgements of new tickets: rendered from the `acknowledgement`
//! template (or the shipped one), at most `per_hour` per requester, never
//! to our own addresses. A ticket is marked pending in the transaction that
//! stores it; the mark goes in the transaction that queues its
//! acknowledgement (or gives up on it), so one a crash interrupted goes out
//! after the restart and none goes out twice. The poller queues them a
//! batch per transaction, rendered several at a time.
use super::queueing::store_all_composed;
use super::replies::{
    ACKNOWLEDGEMENT, Answer, CompiledTemplate, Composed, Replies, ReplyError, context,
    sending_domain,
};
use crate::domain::{EmailAddress, EmailDomain, is_own_address};
use crate::outbound::render::{self, TemplateError};
use crate::store::replies::{ReplyBasis, TemplateRow, take_pending_acks};
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
        let mut bases = self.store.reply_bases(tickets).await?;
        let bases: Vec<(i64, Option<ReplyBasis>)> =
            tickets.iter().map(|t| (*t, bases.remove(t))).collect();
        let composed: Vec<(i64, Result<Option<Composed>, ReplyError>)> =
            futures::stream::iter(bases)
                .map(|(t, basis)| async move {
                    let basis = basis.ok_or(ReplyError::TicketNotFound(t));
                    (t, self.compose_ack(basis, base).await)
                })
                .buffered(RENDER_AT_ONCE)
                .collect()
                .await;
        let mut batch = AckBatch::default();
        let mut ready = Vec::with_capacity(composed.len());
        let mut dropped = Vec::new();
        for (ticket, c) in composed {
            match c {
                Ok(Some(c)) => ready.push(c),
                Ok(None) => {
                    dropped.push(ticket);
                    batch.ours += 1;
                }
                Err(ReplyError::Store(e)) => return Err(ReplyError::Store(e)),
                Err(e) => {
                    dropped.push(ticket);
                    batch.failed.push((ticket, e));
                }
            }
        }
        let mut tx = self.store.begin_write().await?;
        take_pending_acks(&mut tx, &dropped).await?;
        for queued in store_all_composed(&mut tx, ready, Some(per_hour)).await? {
            match queued {
                Some(_) => batch.queued += 1,
                None => batch.limited += 1,
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
        basis: Result<ReplyBasis, ReplyError>,
        base: &Basis,
    ) -> Result<Option<Composed>, ReplyError> {
        let basis = basis?;
        if EmailAddress::parse(&basis.ticket.requester_email)
            .is_ok_and(|a| is_own_address(&a, &base.ours))
        {
            tracing::info!(
                ticket = basis.ticket.id,
                "no acknowledgement to our own address"
            );
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

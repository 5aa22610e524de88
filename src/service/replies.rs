//! Replies: what the HTTP surface calls to answer a ticket (the poller's
//! acknowledgements are in [`super::acknowledgements`]). Composes from a body or template, with the agent's
//! signature, and stores the message with its outbox row in one transaction.
pub(super) use super::queueing::{Composed, store_composed};
use super::signature::sign;
use crate::domain::{EmailAddress, EmailDomain, Mailbox, MessageId, Priority, ShortId, Status};
use crate::mail::thread::TokenSigner;
use crate::outbound::compose::{self, ComposeError, Draft, OutgoingAttachment};
use crate::outbound::recipients::{Recipients, recipients};
use crate::outbound::render::{
    self, EmailDomainContext, PersonContext, ReplyContext, TemplateError, TicketContext,
};
use crate::outbound::thread_index::ThreadIndex;
use crate::store::Store;
use crate::store::Tx;
use crate::store::domains::email_domains_on;
use crate::store::drafts;
use crate::store::messages::Outbound;
use crate::store::replies::{
    AgentBasis, ReplyBasis, TemplateRow, agent_basis_on, reply_basis_on, template_named_on,
};
use crate::store::stale::{self, Newer};
use sqlx::SqliteConnection;
use std::sync::Arc;
use tokio::sync::Notify;

/// The template an acknowledgement is rendered from (the shipped default
/// when the database holds none by this name).
pub const ACKNOWLEDGEMENT: &str = "acknowledgement";

#[derive(Debug, Clone)]
pub enum Body {
    /// Text written by the agent, sent as written.
    Text(String),
    /// A stored template rendered with the ticket's context and `vars`.
    Template {
        name: String,
        vars: serde_json::Map<String, serde_json::Value>,
    },
}

#[derive(Debug, Clone)]
pub struct ReplyRequest {
    pub ticket_id: i64,
    pub agent_id: Option<i64>,
    pub body: Body,
    pub attachments: Vec<OutgoingAttachment>,
}

/// A reply stored and waiting for the sender.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Queued {
    pub message_id: i64,
    pub outbox_id: i64,
    pub header_message_id: String,
    /// Who it goes to.
    pub recipients: Recipients,
    /// Held in the outbox until then, and can be taken back until then.
    pub undo_until: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Debug, thiserror::Error)]
pub enum ReplyError {
    #[error("ticket {0} does not exist")]
    TicketNotFound(i64),
    #[error("agent {0} does not exist")]
    AgentNotFound(i64),
    #[error("template {0:?} does not exist")]
    TemplateNotFound(String),
    #[error("template {name:?}: {error}")]
    Template { name: String, error: TemplateError },
    #[error("the agent's signature: {0}")]
    Signature(TemplateError),
    /// Nothing but spaces and no attachment: as written, or as the
    /// template named renders here.
    #[error("the reply is empty")]
    Empty { template: Option<String> },
    #[error("no email domain can send this ticket's mail: {0}")]
    NoEmailDomain(String),
    #[error("{} new on the ticket since the agent looked", .0.len())]
    Stale(Vec<Newer>),
    #[error(transparent)]
    Compose(#[from] ComposeError),
    #[error(transparent)]
    Store(#[from] anyhow::Error),
}

/// What one answer is made of before composing.
pub(super) struct Answer {
    pub(super) text: String,
    pub(super) html: Option<String>,
    /// A subject of its own (a template's), instead of `Re: <ticket>`.
    pub(super) subject_line: Option<String>,
    pub(super) automatic: bool,
    pub(super) agent: Option<AgentBasis>,
    pub(super) attachments: Vec<OutgoingAttachment>,
    /// Recipients beyond the requester (the ticket's active participants).
    pub(super) cc: Vec<Mailbox>,
    /// Our own addresses, never recipients.
    pub(super) ours: Vec<EmailAddress>,
}

#[derive(Clone)]
pub struct Replies {
    pub(super) store: Store,
    signer: TokenSigner,
    pub(super) wake: Arc<Notify>,
    /// How long an agent's reply waits in the outbox, to be taken back.
    undo: chrono::Duration,
}

impl Replies {
    pub fn new(store: Store, signer: TokenSigner) -> Self {
        Self {
            store,
            signer,
            wake: Arc::new(Notify::new()),
            undo: chrono::Duration::zero(),
        }
    }

    /// Agents' replies wait `window` in the outbox before the sender may
    /// take them, and can be taken back meanwhile ([`Replies::undo`]).
    pub fn with_undo(mut self, window: std::time::Duration) -> Self {
        self.undo = chrono::Duration::from_std(window).unwrap_or(chrono::Duration::zero());
        self
    }

    /// Notified whenever something is queued: the sender waits on it.
    pub fn wake(&self) -> Arc<Notify> {
        self.wake.clone()
    }

    /// `reply(ticket, agent, body|template+vars) -> queued message`.
    pub async fn reply(&self, req: ReplyRequest) -> Result<Queued, ReplyError> {
        self.reply_after(req, None).await
    }

    /// [`Replies::reply`], refused as [`ReplyError::Stale`] when someone
    /// else added a message or note to the ticket after message `seen`
    /// (the newest the agent had seen), checked in the transaction that
    /// queues it.
    pub async fn reply_after(
        &self,
        req: ReplyRequest,
        seen: Option<i64>,
    ) -> Result<Queued, ReplyError> {
        let (ticket_id, agent_id) = (req.ticket_id, req.agent_id);
        let mut composed = self.composed(req).await?;
        if self.undo > chrono::Duration::zero() {
            composed.hold_until = Some(composed.now + self.undo);
        }
        let mut tx = self.store.begin_write().await?;
        if let Some(seen) = seen {
            let newer = stale::newer_than(&mut tx, ticket_id, seen, agent_id).await?;
            if !newer.is_empty() {
                return Err(ReplyError::Stale(newer));
            }
        }
        let queued = store_composed(&mut tx, composed, None).await?;
        // The agent's draft there was this reply.
        drafts::forget_draft(&mut tx, ticket_id, agent_id).await?;
        tx.commit().await.map_err(anyhow::Error::from)?;
        self.wake.notify_one();
        queued.ok_or_else(|| ReplyError::Store(anyhow::anyhow!("the reply was not queued")))
    }

    /// The same inside the caller's transaction, reading through it (so a
    /// ticket it has just made is seen). The caller commits, then calls
    /// [`Replies::wake`]'s `notify_one`.
    pub async fn reply_in(&self, tx: &mut Tx<'_>, req: ReplyRequest) -> Result<Queued, ReplyError> {
        let composed = self.compose_reply(tx, req).await?;
        store_composed(tx, composed, None)
            .await?
            .ok_or_else(|| ReplyError::Store(anyhow::anyhow!("the reply was not queued")))
    }

    /// The reply as `reply` would send it (rendered, signed, addressed),
    /// without storing or sending anything: the composer's preview.
    pub async fn preview(&self, req: ReplyRequest) -> Result<Outbound, ReplyError> {
        Ok(self.composed(req).await?.message)
    }

    /// The reply composed on a reading connection (no transaction open).
    async fn composed(&self, req: ReplyRequest) -> Result<Composed, ReplyError> {
        let mut conn = self
            .store
            .pool()
            .acquire()
            .await
            .map_err(anyhow::Error::from)?;
        self.compose_reply(&mut conn, req).await
    }

    /// Reads what the reply needs through `conn`, renders and composes it.
    async fn compose_reply(
        &self,
        conn: &mut SqliteConnection,
        req: ReplyRequest,
    ) -> Result<Composed, ReplyError> {
        let basis = reply_basis_on(conn, req.ticket_id)
            .await?
            .ok_or(ReplyError::TicketNotFound(req.ticket_id))?;
        let agent = match req.agent_id {
            None => None,
            Some(id) => Some(
                agent_basis_on(conn, id)
                    .await?
                    .ok_or(ReplyError::AgentNotFound(id))?,
            ),
        };
        let domains = email_domains_on(conn, self.store.sealer()).await?;
        let ours = domains.iter().map(|d| d.address.clone()).collect();
        let domain = sending_domain(&basis, &domains)?;
        let mut ctx = context(&basis, &domain, agent.as_ref());
        let (text, html, subject_line, template) = match req.body {
            Body::Text(text) => (text, None, None, None),
            Body::Template { name, vars } => {
                ctx.vars = vars;
                let template = template_named_on(conn, &name)
                    .await?
                    .ok_or_else(|| ReplyError::TemplateNotFound(name.clone()))?;
                let (text, html, subject) = render_template(&template, &ctx).await?;
                (text, html, subject, Some(name))
            }
        };
        if text.trim().is_empty() && req.attachments.is_empty() {
            return Err(ReplyError::Empty { template });
        }
        let written = text.clone();
        let (text, html) = sign(text, html, agent.as_ref(), &ctx).await?;
        let answer = Answer {
            text,
            html,
            subject_line,
            automatic: false,
            agent,
            attachments: req.attachments,
            cc: copied(&basis),
            ours,
        };
        let mut composed = self.compose(&basis, &domain, answer)?;
        composed.written = Some(written);
        Ok(composed)
    }

    pub(super) async fn basis(&self, ticket_id: i64) -> Result<ReplyBasis, ReplyError> {
        self.store
            .reply_basis(ticket_id)
            .await?
            .ok_or(ReplyError::TicketNotFound(ticket_id))
    }

    /// The answer as a stored message and its raw mail.
    pub(super) fn compose(
        &self,
        basis: &ReplyBasis,
        domain: &EmailDomain,
        answer: Answer,
    ) -> Result<Composed, ReplyError> {
        let t = &basis.ticket;
        let short_id = ShortId::parse(&t.short_id)
            .map_err(|e| anyhow::anyhow!("ticket {} has a bad short id: {e}", t.id))?;
        let requester = mailbox(&t.requester_email, t.requester_name.clone())?;
        let to = recipients(requester, &answer.cc, &answer.ours);
        let now = crate::store::now();
        let message_id = compose::new_message_id(domain.address.domain());
        let thread: Vec<MessageId> = basis
            .thread
            .iter()
            .filter_map(|id| MessageId::parse(id).ok())
            .collect();
        let draft = Draft {
            from: Mailbox {
                address: domain.address.clone(),
                name: (!domain.name.is_empty()).then(|| domain.name.clone()),
            },
            to: to.to.clone(),
            cc: to.cc.clone(),
            reply_to: EmailAddress::parse(&self.signer.reply_address(&domain.address, &short_id))
                .ok(),
            subject: t.subject.clone(),
            subject_line: answer.subject_line,
            short_id: short_id.clone(),
            is_reply: !thread.is_empty(),
            message_id: message_id.clone(),
            in_reply_to: basis
                .answers
                .as_deref()
                .and_then(|id| MessageId::parse(id).ok()),
            references: thread,
            text: answer.text,
            html: answer.html,
            attachments: answer.attachments,
            automatic: answer.automatic,
            date: now,
            loop_marker: domain.address.as_str().to_string(),
            thread_index: Some(ThreadIndex::for_message(
                t.created_at,
                &short_id,
                u32::try_from(basis.outbound_count + 1).unwrap_or(u32::MAX),
                now,
            )),
        };
        let raw = compose::compose(&draft)?;
        let message = Outbound {
            ticket_id: t.id,
            message_id: message_id.as_str().to_string(),
            in_reply_to: draft.in_reply_to.as_ref().map(|m| m.as_str().to_string()),
            references: compose::cap_references(&draft.references)
                .iter()
                .map(|m| m.as_str().to_string())
                .collect(),
            from_address: domain.address.as_str().to_string(),
            from_name: draft.from.name.clone(),
            to: draft.to.clone(),
            cc: draft.cc.clone(),
            subject: draft.header_subject(),
            body_text: draft.text.clone(),
            auto_kind: answer.automatic.then_some("auto_reply"),
            author_id: answer.agent.as_ref().map(|a| a.id),
        };
        Ok(Composed {
            message,
            raw,
            attachments: draft.attachments,
            email_domain_id: domain.id,
            requester: t.requester_email.clone(),
            automatic: answer.automatic,
            recipients: to,
            now,
            written: None,
            hold_until: None,
        })
    }

    /// Who a reply to the ticket would go to now, without composing it.
    pub async fn recipients(&self, ticket_id: i64) -> Result<Recipients, ReplyError> {
        let basis = self.basis(ticket_id).await?;
        recipients_of(&basis, &self.store.email_domains().await?)
    }
}

/// Who a reply on the ticket of `basis` goes to.
pub(super) fn recipients_of(
    basis: &ReplyBasis,
    domains: &[EmailDomain],
) -> Result<Recipients, ReplyError> {
    let ours: Vec<EmailAddress> = domains.iter().map(|d| d.address.clone()).collect();
    let t = &basis.ticket;
    let requester = mailbox(&t.requester_email, t.requester_name.clone())?;
    Ok(recipients(requester, &copied(basis), &ours))
}

/// The ticket's active participants as mailboxes (unusable stored
/// addresses are skipped).
fn copied(basis: &ReplyBasis) -> Vec<Mailbox> {
    basis
        .participants
        .iter()
        .filter_map(|(a, name)| mailbox(a, name.clone()).ok())
        .collect()
}

/// The ticket's email domain, else the first enabled one that can send.
pub(crate) fn sending_domain(
    basis: &ReplyBasis,
    domains: &[EmailDomain],
) -> Result<EmailDomain, ReplyError> {
    let own = basis.ticket.email_domain_id;
    domains
        .iter()
        .find(|d| Some(d.id) == own)
        .or_else(|| domains.iter().find(|d| d.enabled && d.smtp.is_some()))
        .cloned()
        .ok_or_else(|| ReplyError::NoEmailDomain("none is configured with SMTP settings".into()))
}

fn mailbox(address: &str, name: Option<String>) -> Result<Mailbox, ReplyError> {
    let address = EmailAddress::parse(address).map_err(|e| ComposeError::Address {
        address: address.escape_debug().to_string(),
        reason: e.0,
    })?;
    Ok(Mailbox { address, name })
}

pub(crate) fn context(
    basis: &ReplyBasis,
    domain: &EmailDomain,
    agent: Option<&AgentBasis>,
) -> ReplyContext {
    let t = &basis.ticket;
    ReplyContext {
        ticket: TicketContext {
            id: t.id,
            short_id: t.short_id.clone(),
            subject: t.subject.clone(),
            status: Status::parse(&t.status).unwrap_or(Status::Open),
            priority: Priority::parse(&t.priority).unwrap_or(Priority::Normal),
            from_domain: Some(t.from_domain.clone()),
            created_at: t.created_at,
        },
        requester: PersonContext {
            email: t.requester_email.clone(),
            name: t.requester_name.clone(),
        },
        agent: agent.map(|a| PersonContext {
            email: a.email.clone(),
            name: Some(a.name.clone()),
        }),
        fields: basis.fields.clone(),
        vars: serde_json::Map::new(),
        email_domain: EmailDomainContext {
            address: domain.address.as_str().to_string(),
            name: domain.name.clone(),
        },
    }
}

/// A template's text, HTML and subject, rendered off the runtime within
/// the render budget (see [`render::bounded`]).
async fn render_template(t: &TemplateRow, ctx: &ReplyContext) -> Result<RenderedParts, ReplyError> {
    let (row, value) = (t.clone(), ctx.to_value());
    render::bounded(move || render_parts(&row, &value))
        .await
        .map_err(|error| ReplyError::Template {
            name: t.name.clone(),
            error,
        })
}

fn render_parts(
    t: &TemplateRow,
    value: &serde_json::Value,
) -> Result<RenderedParts, TemplateError> {
    CompiledTemplate::compile(t)?.render(value)
}

/// A template's text, HTML and subject, rendered.
pub(super) type RenderedParts = (String, Option<String>, Option<String>);

/// A template's parts compiled once, for rendering many times (the
/// acknowledgements of a batch).
pub(super) struct CompiledTemplate {
    pub(super) name: String,
    text: render::Compiled,
    html: Option<render::Compiled>,
    subject: Option<render::Compiled>,
}

impl CompiledTemplate {
    pub(super) fn compile(t: &TemplateRow) -> Result<Self, TemplateError> {
        let html = match &t.body_html {
            Some(h) if !h.trim().is_empty() => Some(render::Compiled::html(h)?),
            _ => None,
        };
        // The template's own subject, if it has one that is not blank.
        let subject = match t.subject.as_deref().filter(|s| !s.trim().is_empty()) {
            Some(s) => Some(render::Compiled::text(s)?),
            None => None,
        };
        Ok(Self {
            name: t.name.clone(),
            text: render::Compiled::text(&t.body)?,
            html,
            subject,
        })
    }

    pub(super) fn render(&self, value: &serde_json::Value) -> Result<RenderedParts, TemplateError> {
        let text = self.text.render(value)?;
        let html = match &self.html {
            Some(h) => Some(h.render(value)?),
            None => None,
        };
        let subject = match &self.subject {
            Some(s) => Some(s.render(value)?).filter(|s| !s.trim().is_empty()),
            None => None,
        };
        Ok((text, html, subject))
    }
}

//! The agent's signature: a template of its own, rendered with the reply's
//! context and appended to a reply under a `-- ` line. The composer shows it
//! through [`Replies::signature`], rendered by the same code that signs.
use super::replies::{Replies, ReplyError, context, sending_domain};
use crate::outbound::render::{self, ReplyContext};
use crate::store::replies::AgentBasis;

impl Replies {
    /// The agent's signature as it would be appended to a reply on this
    /// ticket (None: the agent has none).
    pub async fn signature(
        &self,
        ticket_id: i64,
        agent_id: i64,
    ) -> Result<Option<String>, ReplyError> {
        let store = &self.store;
        let basis = store
            .reply_basis(ticket_id)
            .await?
            .ok_or(ReplyError::TicketNotFound(ticket_id))?;
        let agent = store
            .agent_basis(agent_id)
            .await?
            .ok_or(ReplyError::AgentNotFound(agent_id))?;
        let domain = sending_domain(&basis, &store.email_domains().await?)?;
        let ctx = context(&basis, &domain, Some(&agent));
        rendered(&agent, &ctx).await
    }
}

/// A signature without the `-- ` line it may start with (we add our own).
fn without_delimiter(signature: &str) -> &str {
    let body = signature.trim_start_matches(['\r', '\n']);
    let (first, rest) = body.split_once('\n').unwrap_or((body, ""));
    if first.trim_end() == "--" { rest } else { body }
}

/// The agent's signature rendered for `ctx`, without its own `-- ` line.
async fn rendered(agent: &AgentBasis, ctx: &ReplyContext) -> Result<Option<String>, ReplyError> {
    if agent.signature.trim().is_empty() {
        return Ok(None);
    }
    let (source, value) = (agent.signature.clone(), ctx.to_value());
    let rendered = render::bounded(move || render::render_text(&source, &value))
        .await
        .map_err(ReplyError::Signature)?;
    Ok(Some(without_delimiter(&rendered).trim_end().to_string()))
}

/// Appends the agent's signature (a template itself) under `-- `.
pub(super) async fn sign(
    text: String,
    html: Option<String>,
    agent: Option<&AgentBasis>,
    ctx: &ReplyContext,
) -> Result<(String, Option<String>), ReplyError> {
    let Some(signature) = (match agent {
        Some(agent) => rendered(agent, ctx).await?,
        None => None,
    }) else {
        return Ok((text, html));
    };
    let text = format!("{}\n\n-- \n{signature}", text.trim_end());
    let html = html.map(|h| {
        let escaped = signature
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('\n', "<br>\n");
        format!("{h}\n<p>-- <br>\n{escaped}</p>")
    });
    Ok((text, html))
}

//! The agent's signature: a template of its own, rendered with the reply's
//! context and appended to a reply under a `-- ` line. The composer shows it
//! through [`Replies::composer_view`], rendered by the same code that signs.
use super::replies::{Replies, ReplyError, context, recipients_of, sending_domain};
use crate::outbound::recipients::Recipients;
use crate::outbound::render::{self, ReplyContext};
use crate::store::replies::AgentBasis;

/// What the composer shows before a reply is written: who it goes to and
/// the signature it will carry, each or why it cannot be.
pub struct ComposerView {
    pub recipients: Result<Recipients, ReplyError>,
    pub signature: Result<Option<String>, ReplyError>,
}

impl Replies {
    /// The recipients and the agent's signature of a reply on this ticket,
    /// from one read of the ticket and the email domains.
    pub async fn composer_view(
        &self,
        ticket_id: i64,
        agent_id: i64,
    ) -> Result<ComposerView, ReplyError> {
        let basis = self.basis(ticket_id).await?;
        let domains = self.store.email_domains().await?;
        let signature = async {
            let agent = self
                .store
                .agent_basis(agent_id)
                .await?
                .ok_or(ReplyError::AgentNotFound(agent_id))?;
            let domain = sending_domain(&basis, &domains)?;
            rendered(&agent, &context(&basis, &domain, Some(&agent))).await
        }
        .await;
        Ok(ComposerView {
            recipients: recipients_of(&basis, &domains),
            signature,
        })
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
    preview(&agent.signature, ctx).await
}

/// A signature's source rendered for `ctx` as a reply would carry it
/// (without the `-- ` line): the admin page's preview, by the code that
/// signs. None when it is empty.
pub async fn preview(source: &str, ctx: &ReplyContext) -> Result<Option<String>, ReplyError> {
    if source.trim().is_empty() {
        return Ok(None);
    }
    let (source, value) = (source.to_string(), ctx.to_value());
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

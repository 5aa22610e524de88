//! Inviting an agent: a link to choose their password, mailed from an
//! email domain's SMTP server and shown to the admin who invited them (so
//! a mail that does not arrive costs nothing). The link is good for a week
//! and once; the database keeps only its keyed hash, and a new invitation
//! replaces the agent's earlier one.
use crate::api::auth::{generate_token, hash_token};
use crate::domain::{EmailAddress, EmailDomain, Mailbox};
use crate::inbound::tls::TlsConfig;
use crate::outbound::check::send_one;
use crate::outbound::compose::notice;
use crate::service::passwords;
use crate::store::Store;
use std::time::Duration;

/// How long an invitation link works.
pub const VALID_DAYS: i64 = 7;
/// How long the SMTP server gets to take the invitation.
const SEND_LIMIT: Duration = Duration::from_secs(10);

/// An invitation made: its link, and whether the mail went out (the
/// server's words either way).
#[derive(Debug)]
pub struct Invitation {
    pub email: String,
    pub link: String,
    pub sent: Result<String, String>,
}

#[derive(Debug, thiserror::Error)]
pub enum InviteError {
    #[error("agent {0} does not exist")]
    NoAgent(i64),
    #[error("{0} is an email domain's own address: mail to it would become a ticket")]
    OwnAddress(String),
    #[error(transparent)]
    Store(#[from] anyhow::Error),
}

/// Invites agent `agent_id`: a fresh link under `origin` (the address the
/// admin's browser reached Postdesk at), mailed from the first enabled
/// email domain that can send.
pub async fn invite(
    store: &Store,
    key: &[u8],
    tls: &TlsConfig,
    agent_id: i64,
    origin: &str,
) -> Result<Invitation, InviteError> {
    let agent = store
        .agent(agent_id)
        .await?
        .ok_or(InviteError::NoAgent(agent_id))?
        .row;
    let domains = store.email_domains().await?;
    if domains
        .iter()
        .any(|d| d.address.as_str().eq_ignore_ascii_case(&agent.email))
    {
        return Err(InviteError::OwnAddress(agent.email));
    }
    let token = generate_token();
    let expires = crate::store::now() + chrono::Duration::days(VALID_DAYS);
    store
        .create_invite(agent_id, &hash_token(key, &token), expires)
        .await?;
    let link = format!("{}/invite/{token}", origin.trim_end_matches('/'));
    let sender = domains.iter().find(|d| d.enabled && d.smtp.is_some());
    let sent = match sender {
        Some(domain) => mail(domain, tls, &agent.email, &agent.name, &link).await,
        None => Err("no enabled email domain has SMTP settings to send it".into()),
    };
    Ok(Invitation {
        email: agent.email,
        link,
        sent,
    })
}

async fn mail(
    domain: &EmailDomain,
    tls: &TlsConfig,
    email: &str,
    name: &str,
    link: &str,
) -> Result<String, String> {
    let to = Mailbox {
        address: EmailAddress::parse(email).map_err(|e| e.0)?,
        name: Some(name.to_string()),
    };
    let from = Mailbox {
        address: domain.address.clone(),
        name: Some(domain.name.clone()).filter(|n| !n.trim().is_empty()),
    };
    let text = format!(
        "Hello {name},\n\nyou are invited to answer {} in Postdesk. Choose your password here \
         (the link works once, for {VALID_DAYS} days):\n\n{link}\n\nThen log in as {email}.\n",
        domain.address
    );
    let subject = "Your Postdesk invitation";
    let (envelope, raw) =
        notice(&from, &to, subject, &text, crate::store::now()).map_err(|e| e.to_string())?;
    let smtp = domain.smtp.as_ref().ok_or("no SMTP settings")?;
    send_one(smtp, tls, SEND_LIMIT, &envelope, &raw).await
}

/// Why an invitation link did not set a password.
#[derive(Debug, thiserror::Error)]
pub enum AcceptError {
    #[error("this invitation has expired or was used: ask an admin for a new one")]
    Gone,
    #[error("{0}")]
    Password(String),
    #[error(transparent)]
    Store(#[from] anyhow::Error),
}

/// The agent's name a live link is for.
pub async fn invited(store: &Store, key: &[u8], token: &str) -> anyhow::Result<Option<String>> {
    let found = store
        .invited_agent(&hash_token(key, token), crate::store::now())
        .await?;
    Ok(found.map(|(_, name)| name))
}

/// Sets the invited agent's password and uses the link up.
pub async fn accept(
    store: &Store,
    key: &[u8],
    token: &str,
    password: String,
) -> Result<i64, AcceptError> {
    // Checked before the link is used up, so a refused password keeps it.
    passwords::check(&password).map_err(|e| AcceptError::Password(e.0))?;
    let agent_id = store
        .take_invite(&hash_token(key, token), crate::store::now())
        .await?
        .ok_or(AcceptError::Gone)?;
    passwords::set(store, agent_id, password).await?;
    Ok(agent_id)
}

//! Trying a mailbox as configured (the API's `email-domains/{id}/test`):
//! connect, TLS as set, log in and SELECT the folder. The answer carries
//! the server's own words, never the password.
use super::imap::ImapSession;
use super::tls::TlsConfig;
use crate::domain::ImapSettings;
use std::time::Duration;

/// What worked (Ok) or the step that failed with the server's answer (Err),
/// all within `limit`.
pub async fn try_mailbox(
    settings: &ImapSettings,
    tls: &TlsConfig,
    limit: Duration,
) -> Result<String, String> {
    let attempt = async {
        let mut session = ImapSession::connect(settings, tls, limit)
            .await
            .map_err(|e| format!("{e:#}"))?;
        let selected = session
            .select(&settings.folder)
            .await
            .map_err(|e| format!("selecting {:?}: {e:#}", settings.folder))?;
        let greeting = session.greeting().to_string();
        let _ = session.logout().await;
        Ok(format!(
            "{}:{} said {greeting:?}; logged in as {}; {:?} holds {} message(s)",
            settings.host, settings.port, settings.username, settings.folder, selected.exists
        ))
    };
    tokio::time::timeout(limit, attempt)
        .await
        .unwrap_or_else(|_| {
            Err(format!(
                "no answer from {}:{} within {limit:?}",
                settings.host, settings.port
            ))
        })
}

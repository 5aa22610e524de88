//! Trying an SMTP relay as configured (the API's `email-domains/{id}/test`):
//! connect, EHLO, STARTTLS or TLS as set, and AUTH when a user name is set;
//! no mail is sent. The answer carries the server's own words, never the
//! password. [`send_one`] does the same and then sends one message (an
//! agent's invitation), outside the outbox.
use crate::domain::{SmtpSettings, TlsMode};
use crate::inbound::tls::TlsConfig;
use lettre::address::Envelope;
use lettre::transport::smtp::authentication::{Credentials, DEFAULT_MECHANISMS};
use lettre::transport::smtp::client::{
    AsyncSmtpConnection, Certificate, CertificateStore, TlsParameters,
};
use lettre::transport::smtp::extension::ClientId;
use lettre::transport::smtp::{self};
use std::time::Duration;

/// What worked (Ok) or the step that failed with the server's answer (Err),
/// all within `limit`.
pub async fn try_relay(
    settings: &SmtpSettings,
    tls: &TlsConfig,
    limit: Duration,
) -> Result<String, String> {
    tokio::time::timeout(limit, session(settings, tls, limit))
        .await
        .unwrap_or_else(|_| {
            Err(format!(
                "no answer from {}:{} within {limit:?}",
                settings.host, settings.port
            ))
        })
}

/// Connects, logs in and sends `raw` to `envelope`'s recipients, all within
/// `limit`: what the server said on accepting it, or the step that failed.
pub async fn send_one(
    settings: &SmtpSettings,
    tls: &TlsConfig,
    limit: Duration,
    envelope: &Envelope,
    raw: &[u8],
) -> Result<String, String> {
    let (host, port) = (settings.host.as_str(), settings.port);
    let attempt = async {
        let (mut conn, _) = open(settings, tls, limit).await?;
        let answer = conn
            .send(envelope, raw)
            .await
            .map_err(|e| format!("sending to {host}:{port}: {}", words(&e)))?;
        let _ = conn.quit().await;
        Ok(format!(
            "{host}:{port} said {} {}",
            answer.code(),
            answer.message().collect::<Vec<_>>().join(" ")
        ))
    };
    tokio::time::timeout(limit, attempt)
        .await
        .unwrap_or_else(|_| Err(format!("no answer from {host}:{port} within {limit:?}")))
}

async fn session(
    settings: &SmtpSettings,
    tls: &TlsConfig,
    limit: Duration,
) -> Result<String, String> {
    let (mut conn, done) = open(settings, tls, limit).await?;
    let _ = conn.quit().await;
    let (host, port) = (settings.host.as_str(), settings.port);
    Ok(format!("{host}:{port}: {}", done.join("; ")))
}

/// A connection as configured, logged in when a user is set, and the steps
/// that worked.
async fn open(
    settings: &SmtpSettings,
    tls: &TlsConfig,
    limit: Duration,
) -> Result<(AsyncSmtpConnection, Vec<String>), String> {
    let (host, port) = (settings.host.as_str(), settings.port);
    let said =
        |step: &'static str| move |e: smtp::Error| format!("{step} {host}:{port}: {}", words(&e));
    let hello = ClientId::default();
    let params = match settings.tls {
        TlsMode::None => None,
        TlsMode::Starttls | TlsMode::Tls => Some(tls_parameters(host, tls)?),
    };
    let implicit = params.clone().filter(|_| settings.tls == TlsMode::Tls);
    let mut conn =
        AsyncSmtpConnection::connect_tokio1((host, port), Some(limit), &hello, implicit, None)
            .await
            .map_err(said("connecting to"))?;
    let mut done = vec![format!("{} answered EHLO", conn.server_info().name())];
    if let (TlsMode::Starttls, Some(params)) = (settings.tls, params) {
        conn.starttls(params, &hello)
            .await
            .map_err(said("STARTTLS with"))?;
        done.push("STARTTLS done".into());
    }
    if let Some(user) = &settings.username {
        let password = settings.password.as_ref().map_or("", |p| p.expose());
        let credentials = Credentials::new(user.clone(), password.to_string());
        conn.auth(DEFAULT_MECHANISMS, &credentials)
            .await
            .map_err(said("logging in to"))?;
        done.push(format!("logged in as {user}"));
    }
    Ok((conn, done))
}

/// TLS parameters trusting the webpki roots and the configured extra CAs.
fn tls_parameters(host: &str, tls: &TlsConfig) -> Result<TlsParameters, String> {
    let mut params =
        TlsParameters::builder(host.to_string()).certificate_store(CertificateStore::WebpkiRoots);
    for der in tls.extra_ca_certs() {
        let cert = Certificate::from_der(der.to_vec()).map_err(|e| e.to_string())?;
        params = params.add_root_certificate(cert);
    }
    params
        .build_rustls()
        .map_err(|e| format!("setting up TLS for {host}: {e}"))
}

/// A server's reply as it said it ("535 5.7.8 Authentication failed"), or
/// lettre's description of what went wrong (which names the cause).
fn words(e: &smtp::Error) -> String {
    match (e.status(), std::error::Error::source(e)) {
        (Some(code), Some(text)) => format!("{code} {text}"),
        (Some(code), None) => code.to_string(),
        (None, _) => e.to_string(),
    }
}

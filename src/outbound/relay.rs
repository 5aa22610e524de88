//! One email domain's SMTP relay: up to `connections_per_domain` lettre
//! connections, opened on demand and kept between messages.
//!
//! Not lettre's pooled `AsyncSmtpTransport` (0.11.23), for two reasons:
//! - it leaves Nagle on: the end-of-data `.` goes out as its own small write
//!   that waits for the server's delayed ACK, ~40 ms per message (~20 msg/s
//!   on a connection that can do ~200). Here every socket has TCP_NODELAY.
//! - a send cut off by a timeout hands its connection back to the pool with
//!   replies still unread, and the next message on it reads them as its own.
//!   Here a connection lives inside the send's future: a cut-off send drops it.
//!
//! lettre still speaks the protocol: greeting, EHLO, STARTTLS, AUTH and the
//! MAIL/RCPT/DATA transaction ([`AsyncSmtpConnection`]).
use crate::domain::{SmtpSettings, TlsMode};
use lettre::address::Envelope;
use lettre::transport::smtp::authentication::{Credentials, DEFAULT_MECHANISMS};
use lettre::transport::smtp::client::{
    AsyncSmtpConnection, AsyncTokioStream, Certificate, CertificateStore, TlsParameters,
};
use lettre::transport::smtp::extension::ClientId;
use lettre::transport::smtp::{self};
use rustls_pki_types::{CertificateDer, ServerName};
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::{Semaphore, SemaphorePermit};
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::{ClientConfig, RootCertStore};

/// A connection idle longer than this is checked with NOOP before reuse.
const CHECK_AFTER: Duration = Duration::from_secs(2);
/// A connection idle longer than this is closed, not reused.
const CLOSE_AFTER: Duration = Duration::from_secs(60);
/// SMTP replies about the login (RFC 4954), not the message: a 5xx among
/// them is the relay's configuration, so the message is kept and retried.
const AUTH_CODES: [&str; 4] = ["530", "534", "535", "538"];

/// Why a send did not go through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Refusal {
    /// The server refused this message for good (5xx to MAIL, RCPT or
    /// DATA), in its words, code first.
    Permanent(String),
    /// Worth another try: a 4xx, a refused login, the network, TLS.
    Transient(String),
}

/// How connections are secured.
enum Security {
    Plain,
    /// Plain connect, then STARTTLS (required) before anything else.
    Starttls(TlsParameters),
    /// TLS from the first byte.
    Implicit(TlsConnector, ServerName<'static>),
}

pub(super) struct Relay {
    settings: SmtpSettings,
    security: Security,
    credentials: Option<Credentials>,
    hello: ClientId,
    timeout: Duration,
    slots: Semaphore,
    idle: Mutex<Vec<(AsyncSmtpConnection, Instant)>>,
}

impl Relay {
    pub(super) fn new(
        settings: SmtpSettings,
        connections: u32,
        timeout: Duration,
        extra_ca: &[CertificateDer<'static>],
    ) -> anyhow::Result<Self> {
        let host = settings.host.clone();
        let security = match settings.tls {
            TlsMode::None => Security::Plain,
            TlsMode::Starttls => {
                let mut params = TlsParameters::builder(host.clone())
                    .certificate_store(CertificateStore::WebpkiRoots);
                for der in extra_ca {
                    params = params.add_root_certificate(Certificate::from_der(der.to_vec())?);
                }
                Security::Starttls(params.build_rustls()?)
            }
            TlsMode::Tls => {
                let name = ServerName::try_from(host.clone()).map_err(|e| {
                    anyhow::anyhow!("{host:?} cannot be checked against a certificate: {e}")
                })?;
                Security::Implicit(connector(extra_ca)?, name)
            }
        };
        let credentials = settings.username.as_ref().map(|user| {
            let password = settings.password.as_ref().map_or("", |p| p.expose());
            Credentials::new(user.clone(), password.to_string())
        });
        Ok(Self {
            settings,
            security,
            credentials,
            hello: ClientId::default(),
            timeout,
            slots: Semaphore::new(usize::try_from(connections.max(1)).unwrap_or(1)),
            idle: Mutex::default(),
        })
    }

    pub(super) fn settings(&self) -> &SmtpSettings {
        &self.settings
    }

    /// A turn to use one of the relay's connections; None once closed.
    pub(super) async fn slot(&self) -> Option<SemaphorePermit<'_>> {
        self.slots.acquire().await.ok()
    }

    /// Sends one message on an idle connection or a new one. Dropping the
    /// future drops the connection in use with it, never reusing it.
    pub(super) async fn send(&self, envelope: &Envelope, raw: &[u8]) -> Result<(), Refusal> {
        let mut conn = match self.reusable().await {
            Some(conn) => conn,
            None => self.connect().await?,
        };
        match conn.send(envelope, raw).await {
            Ok(_) => {
                lock(&self.idle).push((conn, Instant::now()));
                Ok(())
            }
            // lettre has closed the connection already (it does on any error).
            Err(e) => Err(judge(&e)),
        }
    }

    /// Closes the idle connections politely (QUIT).
    pub(super) async fn close(&self) {
        self.slots.close();
        let idle: Vec<_> = lock(&self.idle).drain(..).collect();
        for (mut conn, _) in idle {
            conn.abort().await;
        }
    }

    /// The most recently used idle connection that still answers.
    async fn reusable(&self) -> Option<AsyncSmtpConnection> {
        loop {
            let (mut conn, since) = lock(&self.idle).pop()?;
            let idle = since.elapsed();
            if idle > CLOSE_AFTER {
                conn.abort().await;
                continue;
            }
            if idle <= CHECK_AFTER {
                return Some(conn);
            }
            let alive = tokio::time::timeout(self.timeout, conn.test_connected()).await;
            if alive == Ok(true) {
                return Some(conn);
            }
        }
    }

    /// A new session: connect (TLS first if implicit), greeting and EHLO,
    /// STARTTLS, login. Any refusal here is about the relay, not the
    /// message, so it is transient.
    async fn connect(&self) -> Result<AsyncSmtpConnection, Refusal> {
        let (host, port) = (self.settings.host.as_str(), self.settings.port);
        let session = async {
            let tcp = TcpStream::connect((host, port))
                .await
                .map_err(|e| format!("cannot connect to {host}:{port}: {e}"))?;
            tcp.set_nodelay(true)
                .map_err(|e| format!("setting TCP_NODELAY: {e}"))?;
            let stream: Box<dyn AsyncTokioStream> = match &self.security {
                Security::Implicit(connector, name) => {
                    let tls = connector.connect(name.clone(), tcp).await;
                    Box::new(Tls(tls.map_err(|e| format!("TLS with {host}:{port}: {e}"))?))
                }
                Security::Plain | Security::Starttls(_) => Box::new(tcp),
            };
            let refused =
                |e: smtp::Error| format!("SMTP session with {host}:{port}: {}", words(&e));
            let mut conn = AsyncSmtpConnection::connect_with_transport(stream, &self.hello)
                .await
                .map_err(refused)?;
            if let Security::Starttls(params) = &self.security {
                conn.starttls(params.clone(), &self.hello)
                    .await
                    .map_err(refused)?;
            }
            if let Some(credentials) = &self.credentials {
                conn.auth(DEFAULT_MECHANISMS, credentials)
                    .await
                    .map_err(refused)?;
            }
            Ok(conn)
        };
        match tokio::time::timeout(self.timeout, session).await {
            Ok(Ok(conn)) => Ok(conn),
            Ok(Err(reason)) => Err(Refusal::Transient(reason)),
            Err(_) => Err(Refusal::Transient(format!(
                "no SMTP session with {host}:{port} within {:?}",
                self.timeout
            ))),
        }
    }
}

/// A rustls client trusting the webpki roots and `extra_ca`.
fn connector(extra_ca: &[CertificateDer<'static>]) -> anyhow::Result<TlsConnector> {
    let mut roots = RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    for der in extra_ca {
        roots.add(der.clone())?;
    }
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(TlsConnector::from(Arc::new(config)))
}

/// Sorts a refusal of the transaction: a 5xx about the message is final,
/// anything else is worth another try.
fn judge(e: &smtp::Error) -> Refusal {
    let words = words(e);
    match e.status().map(|code| code.to_string()) {
        Some(code) if AUTH_CODES.contains(&code.as_str()) => Refusal::Transient(format!(
            "{words} (the SMTP login was refused: check the email domain's credentials)"
        )),
        Some(_) if e.is_permanent() => Refusal::Permanent(words),
        _ => Refusal::Transient(words),
    }
}

/// A server's reply as it said it ("550 5.1.1 <x@y> User doesn't exist"),
/// or lettre's description of what went wrong.
fn words(e: &smtp::Error) -> String {
    match (e.status(), std::error::Error::source(e)) {
        (Some(code), Some(text)) => format!("{code} {text}"),
        (Some(code), None) => code.to_string(),
        (None, _) => e.to_string(),
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// A TLS stream lettre can speak SMTP over (implicit TLS).
#[derive(Debug)]
struct Tls(tokio_rustls::client::TlsStream<TcpStream>);

impl AsyncTokioStream for Tls {
    fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.0.get_ref().0.peer_addr()
    }
}

impl AsyncRead for Tls {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().0).poll_read(cx, buf)
    }
}

impl AsyncWrite for Tls {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().0).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().0).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().0).poll_shutdown(cx)
    }
}

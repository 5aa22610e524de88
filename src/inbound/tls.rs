//! TLS for mail connections: which certificate authorities a client trusts
//! (the public web roots plus, for self-hosted servers and tests, extra CAs
//! from a PEM file) and a stream that is plain TCP or TLS over it.
//!
//! The IMAP client uses [`TlsConfig`] directly; the SMTP sender (lettre
//! builds its own rustls config) takes the same extra CAs from
//! [`TlsConfig::extra_ca_certs`] or [`load_ca_certs`].
use anyhow::{Context, bail};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName};
use std::io;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use tokio_rustls::rustls::{self, ClientConfig, RootCertStore};

/// Reads every certificate in a PEM file (other PEM sections are skipped).
/// An unreadable file, or one without a certificate, is an error that names it.
pub fn load_ca_certs(path: &Path) -> anyhow::Result<Vec<CertificateDer<'static>>> {
    let shown = path.display();
    let iter = CertificateDer::pem_file_iter(path)
        .with_context(|| format!("reading CA certificates from {shown}"))?;
    let certs = iter
        .collect::<Result<Vec<_>, _>>()
        .with_context(|| format!("reading CA certificates from {shown}"))?;
    if certs.is_empty() {
        bail!("{shown} holds no PEM certificate (\"-----BEGIN CERTIFICATE-----\")");
    }
    Ok(certs)
}

/// Whom a mail client trusts: the webpki roots plus extra CAs. Cheap to
/// clone; build it once at start and share it between connections.
#[derive(Clone)]
pub struct TlsConfig {
    connector: TlsConnector,
    extra: Arc<Vec<CertificateDer<'static>>>,
}

impl TlsConfig {
    /// The webpki roots only.
    pub fn webpki() -> anyhow::Result<Self> {
        Self::with_extra_cas(Vec::new())
    }

    /// The webpki roots plus the certificates in `pem_file`, if given.
    pub fn from_ca_file(pem_file: Option<&Path>) -> anyhow::Result<Self> {
        match pem_file {
            Some(path) => Self::with_extra_cas(load_ca_certs(path)?),
            None => Self::webpki(),
        }
    }

    /// The webpki roots plus `extra`; a certificate that is no usable trust
    /// anchor is an error.
    pub fn with_extra_cas(extra: Vec<CertificateDer<'static>>) -> anyhow::Result<Self> {
        let mut roots = RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        for (i, cert) in extra.iter().enumerate() {
            roots
                .add(cert.clone())
                .with_context(|| format!("extra CA certificate #{} is not usable", i + 1))?;
        }
        // Name the provider: lettre and tokio-rustls both build rustls, and a
        // process-wide default could be ambiguous if another one is enabled.
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .context("setting up TLS")?
            .with_root_certificates(roots)
            .with_no_client_auth();
        Ok(Self {
            connector: TlsConnector::from(Arc::new(config)),
            extra: Arc::new(extra),
        })
    }

    /// The extra CA certificates (not the webpki roots), e.g. for lettre's
    /// `TlsParametersBuilder::add_root_certificate`.
    pub fn extra_ca_certs(&self) -> &[CertificateDer<'static>] {
        &self.extra
    }

    pub fn connector(&self) -> &TlsConnector {
        &self.connector
    }

    /// TLS handshake over `tcp`, checking the certificate against `host`
    /// (a DNS name or an IP address).
    pub async fn handshake(&self, host: &str, tcp: TcpStream) -> anyhow::Result<MaybeTls> {
        let name = ServerName::try_from(host.to_string())
            .with_context(|| format!("{host:?} is no valid server name for TLS"))?;
        let tls = self.connector.connect(name, tcp).await?;
        Ok(MaybeTls::Tls(Box::new(tls)))
    }
}

impl std::fmt::Debug for TlsConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsConfig")
            .field("extra_cas", &self.extra.len())
            .finish_non_exhaustive()
    }
}

/// A TCP connection, upgraded to TLS or not.
#[derive(Debug)]
pub enum MaybeTls {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

impl MaybeTls {
    pub fn is_tls(&self) -> bool {
        matches!(self, Self::Tls(_))
    }
}

impl AsyncRead for MaybeTls {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for MaybeTls {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_flush(cx),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_write_vectored(cx, bufs),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            Self::Plain(s) => s.is_write_vectored(),
            Self::Tls(s) => s.is_write_vectored(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_without_certificates_is_refused_by_name() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("empty.pem");
        std::fs::write(&path, "no pem here\n").expect("write");
        let err = format!("{:#}", load_ca_certs(&path).unwrap_err());
        assert!(err.contains("empty.pem holds no PEM certificate"), "{err}");
    }

    #[test]
    fn a_missing_file_is_refused_by_name() {
        let err = TlsConfig::from_ca_file(Some(Path::new("/nonexistent/ca.pem"))).unwrap_err();
        let err = format!("{err:#}");
        assert!(err.contains("/nonexistent/ca.pem"), "{err}");
    }

    #[test]
    fn webpki_roots_alone_build() {
        let config = TlsConfig::webpki().expect("webpki config");
        assert!(config.extra_ca_certs().is_empty());
    }
}

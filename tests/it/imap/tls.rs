//! TLS against the real Dovecot, which itself speaks plain text here: a
//! TLS front in the test (rustls with a private CA made by the `openssl`
//! CLI) passes the decrypted bytes through to Dovecot.
use super::{SUPPORT_PASSWORD, runtime, settings, with_stack};
use postdesk::domain::TlsMode;
use postdesk::inbound::{ImapSession, TlsConfig};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::{self, ServerConfig};

const TIMEOUT: Duration = Duration::from_secs(10);

/// A CA (ca.pem) and a server certificate it signed for localhost and
/// 127.0.0.1 (server.pem, server.key), in `dir`.
fn make_certificates(dir: &Path) {
    postdesk::devstack::tls::generate(dir).expect("make test certificates");
}

fn acceptor(dir: &Path) -> TlsAcceptor {
    let certs = CertificateDer::pem_file_iter(dir.join("server.pem")).expect("server.pem");
    let certs: Vec<_> = certs.collect::<Result<_, _>>().expect("certificates");
    let key = PrivateKeyDer::from_pem_file(dir.join("server.key")).expect("server.key");
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .expect("server certificate");
    TlsAcceptor::from(Arc::new(config))
}

#[derive(Clone, Copy)]
enum Front {
    /// TLS from the first byte, like port 993.
    Implicit,
    /// A plain-text greeting that offers STARTTLS; after the upgrade, when
    /// `login_disabled`, the front itself answers the first CAPABILITY with
    /// LOGINDISABLED and refuses a LOGIN (so only AUTHENTICATE PLAIN works).
    Starttls { login_disabled: bool },
}

/// Listens on a free port; each connection is served per `front` and then
/// piped to Dovecot on `upstream`. Returns the port.
async fn start_front(acceptor: TlsAcceptor, upstream: u16, front: Front) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("address").port();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                if let Err(e) = serve(tcp, acceptor, upstream, front).await {
                    eprintln!("tls front: {e}");
                }
            });
        }
    });
    port
}

async fn serve(
    mut tcp: TcpStream,
    acceptor: TlsAcceptor,
    upstream: u16,
    front: Front,
) -> std::io::Result<()> {
    if let Front::Starttls { .. } = front {
        let greeting = "* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] front ready\r\n";
        tcp.write_all(greeting.as_bytes()).await?;
        let mut line = String::new();
        let mut reader = BufReader::new(&mut tcp);
        reader.read_line(&mut line).await?;
        assert!(
            reader.buffer().is_empty(),
            "the client spoke before the TLS handshake"
        );
        let tag = line.split(' ').next().unwrap_or("*").to_string();
        assert_eq!(line, format!("{tag} STARTTLS\r\n"), "the first command");
        tcp.write_all(format!("{tag} OK Begin TLS now\r\n").as_bytes())
            .await?;
    }
    let mut tls = BufReader::new(acceptor.accept(tcp).await?);
    let mut dovecot = TcpStream::connect(("127.0.0.1", upstream)).await?;
    // Dovecot greets; after STARTTLS the client expects no second greeting.
    let mut greeting = Vec::new();
    BufReader::new(&mut dovecot)
        .read_until(b'\n', &mut greeting)
        .await?;
    match front {
        Front::Implicit => tls.write_all(&greeting).await?,
        Front::Starttls { login_disabled } if login_disabled => {
            let mut line = String::new();
            tls.read_line(&mut line).await?;
            let tag = line.split(' ').next().unwrap_or("*").to_string();
            assert_eq!(
                line,
                format!("{tag} CAPABILITY\r\n"),
                "the first command in TLS"
            );
            let caps = "* CAPABILITY IMAP4rev1 AUTH=PLAIN LOGINDISABLED IDLE\r\n";
            tls.write_all(format!("{caps}{tag} OK done\r\n").as_bytes())
                .await?;
            line.clear();
            tls.read_line(&mut line).await?;
            if line.to_ascii_uppercase().contains(" LOGIN ") {
                let tag = line.split(' ').next().unwrap_or("*");
                tls.write_all(format!("{tag} NO LOGIN is disabled\r\n").as_bytes())
                    .await?;
                return Ok(());
            }
            dovecot.write_all(line.as_bytes()).await?;
        }
        Front::Starttls { .. } => {}
    }
    let mut rest = Vec::new();
    rest.extend_from_slice(tls.buffer());
    dovecot.write_all(&rest).await?;
    let mut tls = tls.into_inner();
    tokio::io::copy_bidirectional(&mut tls, &mut dovecot).await?;
    Ok(())
}

/// Connects through a front with `mode`, trusting the test CA, and returns
/// the outcome of connect + select.
async fn through_front(
    dir: &Path,
    upstream: u16,
    front: Front,
    mode: TlsMode,
    trusted: &TlsConfig,
) -> anyhow::Result<u32> {
    let port = start_front(acceptor(dir), upstream, front).await;
    let mut settings = settings(port, SUPPORT_PASSWORD);
    settings.tls = mode;
    let mut session = ImapSession::connect(&settings, trusted, TIMEOUT).await?;
    let selected = session.select("INBOX").await?;
    session.logout().await?;
    Ok(selected.uidvalidity)
}

#[test]
fn the_connector_trusts_a_ca_from_a_pem_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    make_certificates(dir.path());
    let trusted = TlsConfig::from_ca_file(Some(&dir.path().join("ca.pem"))).expect("CA loaded");
    assert_eq!(trusted.extra_ca_certs().len(), 1);
    let err = TlsConfig::from_ca_file(Some(&dir.path().join("server.key"))).unwrap_err();
    assert!(
        format!("{err:#}").contains("holds no PEM certificate"),
        "{err:#}"
    );
}

#[test]
fn implicit_tls_logs_in_when_the_ca_is_trusted() {
    let dir = tempfile::tempdir().expect("temp dir");
    make_certificates(dir.path());
    let trusted = TlsConfig::from_ca_file(Some(&dir.path().join("ca.pem"))).expect("CA");
    with_stack(|stack| async move {
        let (port, front) = (stack.imap_port(), Front::Implicit);
        let outcome = through_front(dir.path(), port, front, TlsMode::Tls, &trusted).await;
        assert!(outcome.expect("through TLS") > 0);
    });
}

#[test]
fn implicit_tls_refuses_a_certificate_from_an_unknown_ca() {
    let dir = tempfile::tempdir().expect("temp dir");
    make_certificates(dir.path());
    let webpki = TlsConfig::webpki().expect("webpki roots");
    runtime().block_on(async {
        let front = start_front(acceptor(dir.path()), 9, Front::Implicit).await;
        let mut settings = settings(front, SUPPORT_PASSWORD);
        settings.tls = TlsMode::Tls;
        let error = ImapSession::connect(&settings, &webpki, TIMEOUT)
            .await
            .unwrap_err();
        let error = format!("{error:#}");
        let want = format!("TLS handshake with 127.0.0.1:{front}: ");
        assert!(error.starts_with(&want), "{error}");
        assert!(error.contains("UnknownIssuer"), "{error}");
    });
}

#[test]
fn starttls_upgrades_and_asks_for_capabilities_again() {
    let dir = tempfile::tempdir().expect("temp dir");
    make_certificates(dir.path());
    let trusted = TlsConfig::from_ca_file(Some(&dir.path().join("ca.pem"))).expect("CA");
    with_stack(|stack| async move {
        let port = stack.imap_port();
        // Before TLS the front says LOGINDISABLED; Dovecot, asked after, does not.
        let front = Front::Starttls {
            login_disabled: false,
        };
        let outcome = through_front(dir.path(), port, front, TlsMode::Starttls, &trusted).await;
        assert!(outcome.expect("through STARTTLS") > 0);
    });
}

#[test]
fn login_disabled_falls_back_to_authenticate_plain() {
    let dir = tempfile::tempdir().expect("temp dir");
    make_certificates(dir.path());
    let trusted = TlsConfig::from_ca_file(Some(&dir.path().join("ca.pem"))).expect("CA");
    with_stack(|stack| async move {
        let port = stack.imap_port();
        let front = Front::Starttls {
            login_disabled: true,
        };
        let outcome = through_front(dir.path(), port, front, TlsMode::Starttls, &trusted).await;
        assert!(outcome.expect("through AUTHENTICATE PLAIN") > 0);
    });
}

#[test]
fn starttls_is_refused_when_the_server_does_not_offer_it() {
    with_stack(|stack| async move {
        let mut settings = settings(stack.imap_port(), SUPPORT_PASSWORD);
        settings.tls = TlsMode::Starttls;
        let tls = TlsConfig::webpki().expect("webpki roots");
        let error = ImapSession::connect(&settings, &tls, TIMEOUT)
            .await
            .unwrap_err();
        let error = format!("{error:#}");
        assert!(error.contains("does not offer STARTTLS"), "{error}");
        assert!(error.starts_with("STARTTLS with 127.0.0.1:"), "{error}");
    });
}

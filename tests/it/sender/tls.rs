//! Implicit TLS: a TLS front with a certificate from a test CA (for
//! 127.0.0.1) before the mail stack's plain SMTP.
use super::{CUSTOMER, smtp_settings};
use super::{config, copies_received, delivered, desk, next_round, queue, sender, set_domain};
use postdesk::domain::TlsMode;
use postdesk::outbound::sender::SenderConfig;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use std::path::Path;
use std::sync::Arc;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;

/// The test CA's certificate, and a server certificate for localhost and
/// 127.0.0.1 signed by it, with its key (devstack's certificates).
fn certificates(
    dir: &Path,
) -> (
    CertificateDer<'static>,
    CertificateDer<'static>,
    PrivateKeyDer<'static>,
) {
    postdesk::devstack::tls::generate(dir).expect("make test certificates");
    (
        CertificateDer::from_pem_file(dir.join("ca.pem")).unwrap(),
        CertificateDer::from_pem_file(dir.join("server.pem")).unwrap(),
        PrivateKeyDer::from_pem_file(dir.join("server.key")).unwrap(),
    )
}

/// Accepts TLS on a free port and relays the plain text to `smtp_port`.
async fn tls_front(
    smtp_port: u16,
    certificate: CertificateDer<'static>,
    key: PrivateKeyDer<'static>,
) -> (u16, JoinHandle<()>) {
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![certificate], key)
        .unwrap();
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let front = tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let Ok(mut plain) = TcpStream::connect(("127.0.0.1", smtp_port)).await else {
                    return;
                };
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
            });
        }
    });
    (port, front)
}

#[tokio::test(flavor = "multi_thread")]
async fn implicit_tls_works_with_an_extra_ca_and_is_refused_without_it() {
    let desk = desk().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_path_buf();
    let (ca, server, key) = tokio::task::spawn_blocking(move || certificates(&path))
        .await
        .unwrap();
    let (port, front) = tls_front(desk.stack.smtp_port(), server, key).await;
    set_domain(&desk.db, Some(smtp_settings(port, TlsMode::Tls))).await;
    let message = queue(&desk, CUSTOMER, "tls-2").await;

    assert_eq!(sender(&desk, config()).send_due().await.unwrap(), 1);
    let d = delivered(&desk, message).await;
    assert_eq!(d.outbox_status, "retrying", "{d:?}");
    let error = d.last_error.unwrap();
    assert!(
        error.contains("invalid peer certificate: UnknownIssuer"),
        "{error}"
    );

    let trusting = sender(
        &desk,
        SenderConfig {
            extra_ca: vec![ca],
            ..config()
        },
    );
    assert_eq!(next_round(&trusting).await, 1);
    assert_eq!(copies_received(&desk, "tls-2").await, 1);
    let d = delivered(&desk, message).await;
    assert_eq!(
        (d.outbox_status.as_str(), d.message_status.as_str()),
        ("sent", "sent")
    );
    front.abort();
}

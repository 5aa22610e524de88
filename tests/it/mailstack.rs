//! The dev mail stack (`postdesk::devstack`) itself: what other tests and the
//! benchmarks rely on. Other test modules `use crate::mailstack::...`.
pub use postdesk::devstack::*;

use std::net::TcpStream;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::sync::Arc;

use lettre::transport::smtp::client::{Certificate, CertificateStore, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, SmtpTransport, Tokio1Executor, Transport};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWriteExt, BufReader};
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::{ClientConfig, RootCertStore};

/// A message from the customer to support.
fn message(id: &str, body: &str) -> String {
    let headers = format!("From: {CUSTOMER}\r\nTo: {SUPPORT}\r\nSubject: Help\r\n");
    format!("{headers}Message-ID: <{id}>\r\n\r\n{body}\r\n")
}

fn is_open(port: u16) -> bool {
    TcpStream::connect(("127.0.0.1", port)).is_ok()
}

#[test]
fn mail_sent_over_smtp_is_in_the_recipients_imap_inbox() {
    let stack = MailStack::start().expect("start the mail stack");
    let mail = message("first@example.net", "It smokes.\r\n.dot");
    let reply = stack.send(CUSTOMER, SUPPORT, &mail).expect("delivered");
    assert!(reply.starts_with("250 "), "{reply}");
    let inbox = stack.inbox(SUPPORT, SUPPORT_PASSWORD).expect("inbox");
    assert!(inbox.contains("Message-ID: <first@example.net>"), "{inbox}");
    assert!(inbox.contains("\r\n\r\nIt smokes.\r\n.dot\r\n"), "{inbox}");
}

#[test]
fn an_unknown_recipient_gets_the_servers_5xx_words() {
    let stack = MailStack::start().expect("start the mail stack");
    let mail = message("lost@example.net", "Hello?");
    let error = stack
        .send(CUSTOMER, "nobody@example.com", &mail)
        .unwrap_err();
    let SmtpRefused(reply) = error.downcast_ref().expect("a refusal");
    assert!(reply.starts_with("550 5.1.1 "), "{reply}");
    assert!(
        reply.contains("nobody@example.com> User doesn't exist"),
        "{reply}"
    );
}

#[test]
fn smtp_can_be_stopped_and_started_again_on_the_same_port() {
    let stack = MailStack::start().expect("start the mail stack");
    stack.stop_smtp().expect("stop SMTP");
    assert!(!is_open(stack.smtp_port()), "SMTP is still up");
    stack.start_smtp().expect("start SMTP");
    let mail = message("again@example.net", "Back up");
    stack.send(CUSTOMER, SUPPORT, &mail).expect("delivered");
    let inbox = stack.inbox(SUPPORT, SUPPORT_PASSWORD).expect("inbox");
    assert!(inbox.contains("Message-ID: <again@example.net>"), "{inbox}");
}

#[test]
fn smtp_answers_a_temporary_failure_when_told_to() {
    let stack = MailStack::start().expect("start the mail stack");
    let mail = message("later@example.net", "Retry me");
    let fail = stack.fail_smtp("DATA", "451 4.3.0 Try again later");
    fail.expect("fail SMTP");
    let refused = stack.send(CUSTOMER, SUPPORT, &mail).unwrap_err();
    let expected = SmtpRefused("451 4.3.0 Try again later".into());
    assert_eq!(refused.downcast_ref(), Some(&expected), "{refused:#}");
    stack.heal_smtp().expect("heal SMTP");
    stack.send(CUSTOMER, SUPPORT, &mail).expect("delivered");
    let inbox = stack.inbox(SUPPORT, SUPPORT_PASSWORD).expect("inbox");
    assert_eq!(inbox.matches("<later@example.net>").count(), 1, "{inbox}");
}

#[test]
fn dovecot_can_be_restarted_and_keeps_the_mailbox() {
    let stack = MailStack::start().expect("start the mail stack");
    stack
        .add_user("sales@example.com", "sales-secret")
        .expect("add a user");
    let mail = message("kept@example.net", "Hi");
    stack
        .send(CUSTOMER, "sales@example.com", &mail)
        .expect("delivered");
    stack.stop_dovecot().expect("stop Dovecot");
    assert!(!is_open(stack.imap_port()), "IMAP is still up");
    let down = stack.send(CUSTOMER, SUPPORT, &mail).unwrap_err();
    assert!(down.to_string().starts_with("451 4.4.1 "), "{down:#}");
    stack.start_dovecot().expect("start Dovecot");
    let inbox = stack
        .inbox("sales@example.com", "sales-secret")
        .expect("inbox");
    assert!(inbox.contains("Message-ID: <kept@example.net>"), "{inbox}");
}

/// A TLS client that trusts nothing but `ca`.
fn trusting(ca: &Path) -> TlsConnector {
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(ca).expect("read the CA") {
        roots
            .add(cert.expect("a CA certificate"))
            .expect("trust the CA");
    }
    let config = ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth();
    TlsConnector::from(Arc::new(config))
}

async fn line(reader: &mut (impl AsyncBufReadExt + AsyncRead + Unpin)) -> String {
    let mut line = String::new();
    reader.read_line(&mut line).await.expect("read a line");
    line
}

#[tokio::test]
async fn with_tls_imap_speaks_imaps_and_starttls_under_the_stacks_ca() {
    let stack = MailStack::start_with(Options { tls: true }).expect("start with TLS");
    let tls = trusting(stack.ca_pem_path().expect("a CA"));
    let localhost = ServerName::try_from("localhost").expect("a name");
    let imaps_port = stack.imaps_port().expect("an IMAPS port");
    let tcp = tokio::net::TcpStream::connect(("127.0.0.1", imaps_port)).await;
    let imaps = tls.connect(localhost.clone(), tcp.expect("connect")).await;
    let greeting = line(&mut BufReader::new(imaps.expect("IMAPS handshake"))).await;
    assert!(greeting.starts_with("* OK "), "{greeting}");

    let tcp = tokio::net::TcpStream::connect(("127.0.0.1", stack.imap_port())).await;
    let mut plain = BufReader::new(tcp.expect("connect"));
    assert!(
        line(&mut plain).await.contains("STARTTLS"),
        "no STARTTLS offered"
    );
    plain
        .write_all(b"a STARTTLS\r\n")
        .await
        .expect("ask for TLS");
    assert!(line(&mut plain).await.starts_with("a OK "));
    let upgraded = tls.connect(localhost, plain.into_inner()).await;
    let mut imap = BufReader::new(upgraded.expect("STARTTLS handshake"));
    let login = format!("b LOGIN {SUPPORT} {SUPPORT_PASSWORD}\r\n");
    imap.write_all(login.as_bytes()).await.expect("log in");
    let mut reply = line(&mut imap).await;
    while reply.starts_with('*') {
        reply = line(&mut imap).await;
    }
    assert!(reply.starts_with("b OK "), "{reply}");
}

#[tokio::test]
async fn with_tls_smtp_delivers_over_smtps_and_starttls_under_the_stacks_ca() {
    let stack = MailStack::start_with(Options { tls: true }).expect("start with TLS");
    let ca = std::fs::read(stack.ca_pem_path().expect("a CA")).expect("read the CA");
    let params = TlsParameters::builder("localhost".into())
        .certificate_store(CertificateStore::None)
        .add_root_certificate(Certificate::from_pem(&ca).expect("a CA"))
        .build()
        .expect("TLS parameters");
    let modes = [
        (
            "smtps",
            stack.smtps_port().expect("an SMTPS port"),
            Tls::Wrapper(params.clone()),
        ),
        ("starttls", stack.smtp_port(), Tls::Required(params)),
    ];
    for (mode, port, tls) in modes {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("127.0.0.1");
        let transport = transport.port(port).tls(tls).build();
        let mail = lettre::Message::builder()
            .from(CUSTOMER.parse().expect("an address"))
            .to(SUPPORT.parse().expect("an address"))
            .message_id(Some(format!("<{mode}@example.net>")))
            .body(format!("Sent with {mode}"))
            .expect("a message");
        transport.send(mail).await.expect("sent over TLS");
    }
    let inbox = stack.inbox(SUPPORT, SUPPORT_PASSWORD).expect("inbox");
    assert!(inbox.contains("Message-ID: <smtps@example.net>"), "{inbox}");
    assert!(
        inbox.contains("Message-ID: <starttls@example.net>"),
        "{inbox}"
    );
}

#[test]
fn the_smtp_sink_accepts_and_counts_every_message() {
    let sink = SmtpSink::start().expect("start the sink");
    let transport = SmtpTransport::builder_dangerous("127.0.0.1")
        .port(sink.port())
        .build();
    for n in 0..25 {
        let mail = lettre::Message::builder()
            .from(SUPPORT.parse().expect("an address"))
            .to(format!("anyone{n}@example.org")
                .parse()
                .expect("an address"))
            .body(format!("Number {n}"))
            .expect("a message");
        let reply = transport.send(&mail).expect("accepted");
        assert!(reply.is_positive(), "{reply:?}");
    }
    assert_eq!(sink.received().expect("the count"), 25);
}

#[test]
fn messages_delivered_into_the_maildir_are_in_the_inbox() {
    let stack = MailStack::start().expect("start the mail stack");
    let mails: Vec<Vec<u8>> = (1..=3)
        .map(|n| message(&format!("pre{n}@example.net"), "Preloaded").into())
        .collect();
    stack.deliver_maildir(SUPPORT, &mails).expect("delivered");
    let new = stack.dir().join("mail/example.com/support/Maildir/new");
    let owners: Vec<u32> = std::fs::read_dir(new)
        .expect("Maildir/new")
        .map(|file| file.expect("a file").metadata().expect("stat").uid())
        .collect();
    let me = std::fs::metadata("/proc/self").expect("stat myself").uid();
    // As root, Dovecot stores mail as the `mail` user (uid 8).
    assert_eq!(owners, [if me == 0 { 8 } else { me }; 3]);
    let inbox = stack.inbox(SUPPORT, SUPPORT_PASSWORD).expect("inbox");
    for n in 1..=3 {
        assert!(
            inbox.contains(&format!("Message-ID: <pre{n}@example.net>")),
            "{inbox}"
        );
    }
    assert_eq!(inbox.matches(" FETCH (").count(), 3, "{inbox}");
}

fn uidvalidity(stack: &MailStack) -> String {
    let selected = stack.imap(SUPPORT, SUPPORT_PASSWORD, &["SELECT INBOX"]);
    let selected = selected.expect("select the inbox");
    let (_, rest) = selected.split_once("[UIDVALIDITY ").expect("a UIDVALIDITY");
    rest.split(']').next().unwrap_or_default().to_string()
}

#[test]
fn resetting_uidvalidity_changes_it_and_keeps_the_messages() {
    let stack = MailStack::start().expect("start the mail stack");
    let mails = [
        message("old1@example.net", "One").into(),
        message("old2@example.net", "Two").into(),
    ];
    stack.deliver_maildir(SUPPORT, &mails).expect("delivered");
    let before = uidvalidity(&stack);
    stack.reset_uidvalidity(SUPPORT).expect("reset");
    let after = uidvalidity(&stack);
    assert_ne!(before, after, "UIDVALIDITY stayed");
    let inbox = stack.inbox(SUPPORT, SUPPORT_PASSWORD).expect("inbox");
    assert!(
        inbox.contains("<old1@example.net>") && inbox.contains("<old2@example.net>"),
        "{inbox}"
    );
}

#[test]
fn folders_show_moved_messages_with_their_flags_and_may_be_empty() {
    let stack = MailStack::start().expect("start the mail stack");
    stack
        .create_folder(SUPPORT, SUPPORT_PASSWORD, "Archive")
        .expect("create");
    stack
        .create_folder(SUPPORT, SUPPORT_PASSWORD, "Archive")
        .expect("create again");
    let archive = stack
        .folder(SUPPORT, SUPPORT_PASSWORD, "Archive")
        .expect("archive");
    assert_eq!(archive, "");
    stack
        .send(CUSTOMER, SUPPORT, &message("moved@example.net", "Done"))
        .expect("delivered");
    let commands = [
        "SELECT INBOX",
        "UID STORE 1 +FLAGS (\\Seen)",
        "UID MOVE 1 Archive",
    ];
    stack
        .imap(SUPPORT, SUPPORT_PASSWORD, &commands)
        .expect("flag and move");
    let archive = stack
        .folder(SUPPORT, SUPPORT_PASSWORD, "Archive")
        .expect("archive");
    assert!(archive.contains("FLAGS (\\Seen"), "{archive}");
    assert!(
        archive.contains("Message-ID: <moved@example.net>"),
        "{archive}"
    );
    assert_eq!(stack.inbox(SUPPORT, SUPPORT_PASSWORD).expect("inbox"), "");
    let missing = stack
        .folder(SUPPORT, SUPPORT_PASSWORD, "Nowhere")
        .unwrap_err();
    assert!(format!("{missing:#}").contains("EXAMINE"), "{missing:#}");
}

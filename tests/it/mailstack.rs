//! The dev mail stack (`postdesk::devstack`) itself: what other tests and the
//! benchmarks rely on. Other test modules `use crate::mailstack::...`.
pub use postdesk::devstack::*;

use std::net::TcpStream;

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

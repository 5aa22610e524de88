use crate::support::fixture;
use postdesk::mail::{AutoKind, parse};

#[test]
fn a_dsn_names_the_bounced_message_recipient_status_and_diagnostic() {
    let mail = parse(&fixture("dsn_bounce.eml")).unwrap();
    assert_eq!(mail.auto, Some(AutoKind::Bounce));
    let b = mail.bounce.unwrap();
    assert_eq!(
        b.original_message_id.unwrap().as_str(),
        "outbound.1.k7qx2m@example.com"
    );
    assert_eq!(b.recipient.as_deref(), Some("nobody@customer.example"));
    assert_eq!(b.status.as_deref(), Some("5.1.1"));
    assert_eq!(
        b.diagnostic,
        "550 5.1.1 <nobody@customer.example>: Recipient address rejected: User unknown in virtual mailbox table"
    );
}

#[test]
fn a_bounce_that_returns_the_whole_message_is_matched_by_its_message_id() {
    let raw = "From: MAILER-DAEMON@mx.example\r\nTo: support@example.com\r\nSubject: failure notice\r\nMessage-ID: <dsn2@mx.example>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nSorry.\r\n--b\r\nContent-Type: message/delivery-status\r\n\r\nFinal-Recipient: rfc822; x@y.example\r\nAction: failed\r\nStatus: 5.2.2\r\n\r\n--b\r\nContent-Type: message/rfc822\r\n\r\nFrom: support@example.com\r\nMessage-ID: <ours.9@example.com>\r\nSubject: hi\r\n\r\nbody\r\n--b--\r\n";
    let b = parse(raw.as_bytes()).unwrap().bounce.unwrap();
    assert_eq!(
        b.original_message_id.unwrap().as_str(),
        "ours.9@example.com"
    );
    assert_eq!(
        b.diagnostic, "delivery status 5.2.2",
        "without Diagnostic-Code the status speaks"
    );
}

#[test]
fn encoded_words_and_legacy_charsets_decode_in_headers_and_bodies() {
    let outlook = parse(&fixture("outlook_reply_de.eml")).unwrap();
    assert_eq!(
        outlook.from.as_ref().unwrap().name.as_deref(),
        Some("Jürgen Müller")
    );
    assert_eq!(outlook.subject, "AW: Rechnung für März – falsch [#K7QX2M]");
    assert!(
        outlook.text.contains("falsch – bitte"),
        "windows-1252 en dash decodes"
    );
    let apple = parse(&fixture("apple_reply.eml")).unwrap();
    assert!(
        apple.text.contains("bien arrivé"),
        "base64 utf-8 body decodes"
    );
    let latin1 = parse(&fixture("html_only_latin1.eml")).unwrap();
    assert!(
        latin1.text.contains("Não consigo acessar minha conta"),
        "ISO-8859-1 HTML decodes"
    );
}

#[test]
fn thread_ids_put_in_reply_to_first_then_references_newest_first() {
    let mail = parse(&fixture("outlook_reply_de.eml")).unwrap();
    let ids: Vec<&str> = mail.thread_ids().into_iter().map(|m| m.as_str()).collect();
    assert_eq!(
        ids,
        ["outbound.1.k7qx2m@example.com", "CAF=orig@mail.gmail.com"]
    );
}

#[test]
fn a_huge_references_header_is_capped_to_the_newest_ids() {
    let refs: Vec<String> = (0..500).map(|i| format!("<r{i}@x.example>")).collect();
    let raw = format!(
        "From: a@b.example\r\nReferences: {}\r\nSubject: x\r\n\r\nbody\r\n",
        refs.join(" ")
    );
    let mail = parse(raw.as_bytes()).unwrap();
    assert_eq!(mail.references.len(), postdesk::mail::parse::MAX_REFERENCES);
    assert_eq!(mail.references.last().unwrap().as_str(), "r499@x.example");
}

#[test]
fn the_from_domain_of_an_idn_sender_is_punycode_lowercase() {
    let raw = "From: =?UTF-8?Q?M=C3=BCller?= <Info@Bücher.Example>\r\nSubject: x\r\n\r\nbody\r\n";
    let mail = parse(raw.as_bytes()).unwrap();
    assert_eq!(mail.from.unwrap().address.domain(), "xn--bcher-kva.example");
}

#[test]
fn inline_images_are_attachments_marked_inline_with_their_content_id() {
    let mail = parse(&fixture("attachments.eml")).unwrap();
    let png = &mail.attachments[0];
    assert!(png.inline);
    assert_eq!(png.content_id.as_deref(), Some("img1@souza.example"));
    assert!(!mail.attachments[1].inline);
    assert_eq!(&mail.attachments[1].data[..5], b"%PDF-");
}

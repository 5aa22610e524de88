use super::*;
use crate::mail::classify::AutoKind;
use crate::mail::parse;
use crate::mail::thread::TokenSigner;
use chrono::TimeZone;
use mail_parser::{MessageParser, MimeHeaders};

fn id(s: &str) -> MessageId {
    MessageId::parse(s).unwrap()
}

fn mbox(address: &str, name: Option<&str>) -> Mailbox {
    Mailbox {
        address: EmailAddress::parse(address).unwrap(),
        name: name.map(String::from),
    }
}

fn short() -> ShortId {
    ShortId::parse("K7QX2M").unwrap()
}

fn draft() -> Draft {
    let created = Utc.with_ymd_and_hms(2025, 3, 1, 9, 0, 0).unwrap();
    let date = Utc.with_ymd_and_hms(2025, 3, 1, 10, 15, 0).unwrap();
    Draft {
        from: mbox("support@support.example", Some("Example Support")),
        to: vec![mbox("jane@customer.example", Some("Jane Doe"))],
        cc: vec![],
        reply_to: None,
        subject: "Printer broken".into(),
        short_id: short(),
        subject_line: None,
        is_reply: true,
        message_id: id("reply.1@support.example"),
        in_reply_to: Some(id("CAF123@mail.customer.example")),
        references: vec![id("CAF123@mail.customer.example")],
        text: "Hello Jane,\n\nplease restart it.\n".into(),
        html: None,
        attachments: vec![],
        automatic: false,
        date,
        loop_marker: "support@support.example".into(),
        thread_index: Some(ThreadIndex::for_message(created, &short(), 1, date)),
    }
}

fn raw_header(raw: &[u8], name: &str) -> Option<String> {
    let msg = MessageParser::default().parse(raw)?;
    msg.header_raw(name).map(|v| v.trim().to_string())
}

fn longest_line(raw: &[u8]) -> usize {
    raw.split(|&b| b == b'\n')
        .map(<[u8]>::len)
        .max()
        .unwrap_or(0)
}

#[test]
fn a_text_reply_carries_every_threading_header() {
    let d = draft();
    let raw = compose(&d).unwrap();
    let m = parse(&raw).unwrap();
    assert_eq!(m.message_id, Some(d.message_id.clone()));
    assert_eq!(m.in_reply_to, vec![id("CAF123@mail.customer.example")]);
    assert_eq!(m.references, vec![id("CAF123@mail.customer.example")]);
    assert_eq!(m.subject, "Re: Printer broken [#K7QX2M]");
    assert_eq!(m.from, Some(d.from.clone()));
    assert_eq!(m.to, d.to);
    assert_eq!(m.date, Some(d.date));
    assert_eq!(m.text, "Hello Jane,\n\nplease restart it.");
    assert_eq!(
        raw_header(&raw, "Thread-Topic").as_deref(),
        Some("Printer broken")
    );
    let index = raw_header(&raw, "Thread-Index").unwrap();
    assert_eq!(index, d.thread_index.as_ref().unwrap().to_base64());
    assert_eq!(
        data_encoding::BASE64
            .decode(index.as_bytes())
            .unwrap()
            .len(),
        27
    );
    assert_eq!(raw_header(&raw, "MIME-Version").as_deref(), Some("1.0"));
    let ct = raw_header(&raw, "Content-Type")
        .unwrap()
        .to_ascii_lowercase();
    assert!(ct.starts_with("text/plain; charset=utf-8"), "{ct}");
    assert!(
        raw.windows(2).all(|w| w[1] != b'\n' || w[0] == b'\r'),
        "CRLF only"
    );
}

#[test]
fn our_loop_header_makes_classify_say_loop() {
    let raw = compose(&draft()).unwrap();
    assert_eq!(
        raw_header(&raw, LOOP_HEADER).as_deref(),
        Some("support@support.example")
    );
    assert_eq!(parse(&raw).unwrap().auto, Some(AutoKind::Loop));
    let mut d = draft();
    d.loop_marker = "  ".into();
    let raw = compose(&d).unwrap();
    assert_eq!(
        raw_header(&raw, LOOP_HEADER).as_deref(),
        Some("support@support.example")
    );
}

#[test]
fn automatic_headers_appear_only_on_automatic_mail() {
    let raw = compose(&draft()).unwrap();
    assert_eq!(raw_header(&raw, "Auto-Submitted"), None);
    assert_eq!(raw_header(&raw, "X-Auto-Response-Suppress"), None);
    let mut d = draft();
    d.automatic = true;
    let raw = compose(&d).unwrap();
    assert_eq!(
        raw_header(&raw, "Auto-Submitted").as_deref(),
        Some("auto-replied")
    );
    assert_eq!(
        raw_header(&raw, "X-Auto-Response-Suppress").as_deref(),
        Some("All")
    );
    assert_eq!(raw_header(&raw, "Precedence"), None);
}

#[test]
fn reply_to_carries_the_signed_token() {
    let signer = TokenSigner::new(b"server secret");
    let mut d = draft();
    let reply = signer.reply_address(&d.from.address, &d.short_id);
    d.reply_to = Some(EmailAddress::parse(&reply).unwrap());
    let raw = compose(&d).unwrap();
    let msg = MessageParser::default().parse(&raw).unwrap();
    let addr = msg.reply_to().and_then(|a| a.first()).unwrap();
    assert_eq!(addr.address(), Some(reply.as_str()));
    assert_eq!(addr.name(), Some("Example Support"));
    let token = addr.address().unwrap().split(['+', '@']).nth(1).unwrap();
    assert_eq!(signer.verify(token), Some(short()));
}

#[test]
fn references_keep_the_root_and_the_newest_and_end_with_the_parent() {
    let thread: Vec<MessageId> = (0..40).map(|n| id(&format!("m{n}@x.example"))).collect();
    let mut d = draft();
    d.references = thread.clone();
    d.in_reply_to = Some(id("parent@x.example"));
    let raw = compose(&d).unwrap();
    let m = parse(&raw).unwrap();
    assert_eq!(m.references.len(), MAX_REFERENCES);
    assert_eq!(m.references[0], thread[0]);
    assert_eq!(m.references[MAX_REFERENCES - 1], id("parent@x.example"));
    assert_eq!(m.references[MAX_REFERENCES - 2], thread[39]);
    assert!(longest_line(&raw) <= 998);
}

#[test]
fn cap_references_drops_duplicates_and_unwritable_ids() {
    let long = format!("{}@x.example", "a".repeat(MAX_REFERENCE_LEN));
    let refs = vec![
        id("root@x"),
        id("b@x"),
        id("root@x"),
        id(&long),
        id("ünïcode@x"),
        id("c@x"),
    ];
    assert_eq!(
        cap_references(&refs),
        vec![id("root@x"), id("b@x"), id("c@x")]
    );
    assert!(cap_references(&[]).is_empty());
    let many: Vec<MessageId> = (0..21).map(|n| id(&format!("{n}@x"))).collect();
    let capped = cap_references(&many);
    assert_eq!(capped.len(), MAX_REFERENCES);
    assert_eq!(capped[0], many[0]);
    assert_eq!(capped[1], many[2]);
}

#[test]
fn the_first_mail_of_an_agent_ticket_has_no_re_and_no_thread() {
    let mut d = draft();
    d.is_reply = false;
    d.in_reply_to = None;
    d.references = vec![];
    d.thread_index = Some(ThreadIndex::for_ticket(d.date, &d.short_id));
    let raw = compose(&d).unwrap();
    let m = parse(&raw).unwrap();
    assert_eq!(m.subject, "Printer broken [#K7QX2M]");
    assert!(m.in_reply_to.is_empty() && m.references.is_empty());
    assert_eq!(raw_header(&raw, "In-Reply-To"), None);
}

#[test]
fn html_goes_in_an_alternative_part_beside_the_text() {
    let mut d = draft();
    d.html = Some("<p>Hello <b>Jane</b></p>".into());
    let raw = compose(&d).unwrap();
    let msg = MessageParser::default().parse(&raw).unwrap();
    let ct = msg.content_type().unwrap();
    assert_eq!(
        (ct.ctype(), ct.subtype()),
        ("multipart", Some("alternative"))
    );
    assert_eq!(
        msg.body_text(0).unwrap().trim(),
        "Hello Jane,\r\n\r\nplease restart it."
    );
    assert_eq!(msg.body_html(0).unwrap().trim(), "<p>Hello <b>Jane</b></p>");
    assert_eq!(
        parse(&raw).unwrap().text,
        "Hello Jane,\n\nplease restart it."
    );
}

#[test]
fn attachments_round_trip_with_name_type_and_bytes() {
    let binary: Vec<u8> = (0..=255u8).cycle().take(5000).collect();
    let mut d = draft();
    d.html = Some("<p>see attached</p>".into());
    d.attachments = vec![
        OutgoingAttachment {
            filename: "Rechnung März.pdf".into(),
            content_type: "application/pdf".into(),
            data: binary.clone(),
        },
        OutgoingAttachment {
            filename: "../notes\r\n.txt".into(),
            content_type: "text/plain; charset=utf-8".into(),
            data: b"line one\r\nline two\r\n".to_vec(),
        },
    ];
    let raw = compose(&d).unwrap();
    let msg = MessageParser::default().parse(&raw).unwrap();
    let ct = msg.content_type().unwrap();
    assert_eq!((ct.ctype(), ct.subtype()), ("multipart", Some("mixed")));
    let m = parse(&raw).unwrap();
    assert_eq!(m.text, "Hello Jane,\n\nplease restart it.");
    assert_eq!(m.attachments.len(), 2);
    let pdf = &m.attachments[0];
    assert_eq!(pdf.filename.as_deref(), Some("Rechnung März.pdf"));
    assert_eq!(pdf.content_type, "application/pdf");
    assert_eq!(pdf.data, binary);
    let notes = &m.attachments[1];
    assert_eq!(notes.filename.as_deref(), Some("notes .txt"));
    assert_eq!(notes.content_type, "text/plain");
    assert_eq!(notes.data, b"line one\r\nline two\r\n");
    assert!(longest_line(&raw) <= 998);
}

#[test]
fn non_ascii_names_and_subjects_are_encoded_words() {
    let mut d = draft();
    d.from = mbox(
        "support@support.example",
        Some("Kundendienst Müller & Söhne"),
    );
    d.to = vec![mbox("juergen@customer.example", Some("Jürgen \"JG\" Groß"))];
    d.cc = vec![mbox("li@customer.example", Some("李小龍"))];
    d.subject = "AW: Über die Rechnung – 50 €".into();
    let raw = compose(&d).unwrap();
    let head = String::from_utf8_lossy(&raw);
    let head = head.split("\r\n\r\n").next().unwrap();
    assert!(head.is_ascii(), "{head}");
    assert!(head.contains("=?utf-8?"), "{head}");
    let m = parse(&raw).unwrap();
    assert_eq!(m.subject, "Re: Über die Rechnung – 50 € [#K7QX2M]");
    assert_eq!(
        m.from.unwrap().name.as_deref(),
        Some("Kundendienst Müller & Söhne")
    );
    assert_eq!(m.to[0].name.as_deref(), Some("Jürgen \"JG\" Groß"));
    assert_eq!(m.cc[0].name.as_deref(), Some("李小龍"));
}

#[test]
fn dots_from_lines_and_very_long_lines_survive() {
    let long = "x".repeat(5000);
    let mut d = draft();
    d.text = format!(".\n.hidden\nFrom here on\n{long}\nend\n");
    let raw = compose(&d).unwrap();
    assert!(longest_line(&raw) <= 998);
    let m = parse(&raw).unwrap();
    assert_eq!(m.text, format!(".\n.hidden\nFrom here on\n{long}\nend"));
}

#[test]
fn header_injection_through_subject_or_names_is_defused() {
    let mut d = draft();
    d.subject = "Hi\r\nBcc: evil@attacker.example".into();
    d.to = vec![mbox(
        "jane@customer.example",
        Some("Jane\r\nBcc: evil@attacker.example"),
    )];
    d.loop_marker = "x\r\nBcc: evil@attacker.example".into();
    let raw = compose(&d).unwrap();
    assert_eq!(raw_header(&raw, "Bcc"), None);
    let text = String::from_utf8_lossy(&raw);
    assert!(!text.contains("\r\nBcc:"), "{text}");
    assert_eq!(
        parse(&raw).unwrap().subject,
        "Re: Hi Bcc: evil@attacker.example [#K7QX2M]"
    );
}

#[test]
fn unusable_drafts_are_errors_not_panics() {
    let mut d = draft();
    d.to.clear();
    assert_eq!(compose(&d), Err(ComposeError::NoRecipient));
    let mut d = draft();
    d.attachments = vec![OutgoingAttachment {
        filename: "a.bin".into(),
        content_type: "not a type".into(),
        data: vec![1],
    }];
    assert!(matches!(compose(&d), Err(ComposeError::ContentType { .. })));
    let mut d = draft();
    d.date = Utc.with_ymd_and_hms(1960, 1, 1, 0, 0, 0).unwrap();
    assert!(matches!(compose(&d), Err(ComposeError::Date(_))));
    d.date = Utc.with_ymd_and_hms(10000, 1, 1, 0, 0, 0).unwrap();
    assert!(matches!(compose(&d), Err(ComposeError::Date(_))));
}

#[test]
fn cc_only_mail_is_allowed_and_the_envelope_lists_everyone() {
    let mut d = draft();
    d.cc = vec![mbox("boss@customer.example", None)];
    let env = envelope(&d).unwrap();
    let to: Vec<String> = env.to().iter().map(ToString::to_string).collect();
    assert_eq!(to, ["jane@customer.example", "boss@customer.example"]);
    assert_eq!(
        env.from().map(ToString::to_string).as_deref(),
        Some("support@support.example")
    );
    d.to.clear();
    assert!(compose(&d).is_ok());
}

#[test]
fn new_message_ids_use_the_domain_and_differ() {
    let a = new_message_id("support.example");
    let b = new_message_id("support.example");
    assert_ne!(a, b);
    assert!(a.as_str().ends_with(".postdesk@support.example"), "{a}");
}

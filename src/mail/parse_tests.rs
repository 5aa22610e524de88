use super::*;
use std::time::{Duration, Instant};

fn mail_with(headers: &str) -> Vec<u8> {
    format!(
        "From: Jane <jane@example.net>\r\nTo: support@example.com\r\n{headers}\r\n\r\nHello\r\n"
    )
    .into_bytes()
}

fn references_of(n: usize) -> String {
    let ids: Vec<String> = (0..n).map(|i| format!("<m{i}@example.net>")).collect();
    format!(
        "Message-ID: <x@example.net>\r\nReferences: {}\r\n",
        ids.join("\r\n ")
    )
}

#[test]
fn a_200000_id_references_header_parses_quickly_and_keeps_the_newest_cap() {
    let raw = mail_with(&references_of(200_000));
    let started = Instant::now();
    let mail = parse(&raw).unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(mail.references.len(), MAX_REFERENCES);
    assert_eq!(
        mail.references.last().unwrap().as_str(),
        "m199999@example.net"
    );
}

#[test]
fn repeated_references_are_deduplicated_keeping_order() {
    let raw = mail_with("References: <a@x.net> <b@x.net> <a@x.net> <c@x.net> <c@x.net>\r\n");
    let mail = parse(&raw).unwrap();
    let got: Vec<&str> = mail.references.iter().map(MessageId::as_str).collect();
    assert_eq!(got, ["b@x.net", "a@x.net", "c@x.net"]);
}

#[test]
fn in_reply_to_is_capped_and_thread_ids_are_distinct() {
    let ids: Vec<String> = (0..1000).map(|i| format!("<r{i}@x.net>")).collect();
    let raw = mail_with(&format!(
        "In-Reply-To: {}\r\nReferences: <r0@x.net> <z@x.net>\r\n",
        ids.join(" ")
    ));
    let mail = parse(&raw).unwrap();
    assert_eq!(mail.in_reply_to.len(), MAX_IN_REPLY_TO);
    let thread: Vec<&str> = mail.thread_ids().iter().map(|m| m.as_str()).collect();
    assert_eq!(thread.len(), MAX_IN_REPLY_TO + 1);
    assert_eq!(thread[MAX_IN_REPLY_TO], "z@x.net");
}

#[test]
fn a_huge_subject_is_cut_at_a_char_boundary() {
    let raw = mail_with(&format!("Subject: {}\r\n", "é".repeat(1_000_000)));
    let mail = parse(&raw).unwrap();
    assert_eq!(mail.subject.chars().count(), MAX_SUBJECT_CHARS);
}

#[test]
fn a_huge_display_name_is_cut() {
    let raw = format!(
        "From: {} <jane@example.net>\r\nSubject: hi\r\n\r\nHello\r\n",
        "N".repeat(100_000)
    );
    let mail = parse(raw.as_bytes()).unwrap();
    let name = mail.from.unwrap().name.unwrap();
    assert_eq!(name.chars().count(), MAX_NAME_CHARS);
}

#[test]
fn truncate_chars_never_splits_a_char() {
    assert_eq!(truncate_chars("aé€b", 3), "aé€");
    assert_eq!(truncate_chars("ab", 5), "ab");
    assert_eq!(truncate_chars("", 0), "");
}

#[test]
fn control_characters_never_reach_an_address_or_a_name() {
    let raw =
        b"From: \"Jo\x00e\x07 Doe\" <jo\x00e@exa\x00mple.net>\r\nSubject: hi\r\n\r\nHello\r\n";
    let from = parse(raw).unwrap().from;
    if let Some(m) = &from {
        assert!(!m.address.as_str().chars().any(char::is_control), "{m:?}");
        assert!(
            !m.name
                .as_deref()
                .unwrap_or("")
                .chars()
                .any(char::is_control),
            "{m:?}"
        );
    }
    let raw = b"From: \"Jo\x00e\x07 Doe\" <joe@example.net>\r\nSubject: hi\r\n\r\nHello\r\n";
    let from = parse(raw).unwrap().from.unwrap();
    assert_eq!(from.name.as_deref(), Some("Jo e  Doe"));
}

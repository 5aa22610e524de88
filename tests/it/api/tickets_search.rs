//! GET tickets?q=: keyword search over subjects and message text.
use super::tickets_support::Desk;
use postdesk::store::messages::Outbound;

/// Three tickets: a (word in the subject), b (words only in the body), c
/// (accents, and a reply carrying more text).
async fn desk() -> (Desk, [i64; 3]) {
    let desk = Desk::start().await;
    let (a, _) = desk
        .open(
            "x@alpha.example",
            "Printer on fire",
            "The toner leaks everywhere.",
        )
        .await;
    let (b, _) = desk
        .open(
            "y@beta.example",
            "Invoice question",
            "Where is my refund for order ES123456789?",
        )
        .await;
    let (c, first) = desk
        .open("z@gamma.example", "Hola", "Perdón, the café is closed.")
        .await;
    assert_eq!(
        desk.reply("z@gamma.example", &first, "Also the widget exploded.")
            .await,
        c
    );
    (desk, [a, b, c])
}

#[tokio::test]
async fn search_finds_words_in_subjects_bodies_and_replies() {
    let (desk, [a, b, c]) = desk().await;
    let cases: &[(&str, &[i64])] = &[
        ("printer", &[a]),
        ("PRINTER", &[a]),
        ("toner", &[a]),
        ("es123456789", &[b]),
        ("refund order", &[b]),
        ("invoice refund", &[b]),
        ("printer refund", &[]),
        ("widget", &[c]),
        ("perdon", &[c]),
        ("cafe", &[c]),
        ("café", &[c]),
        ("print", &[]),
        ("nothing-like-this", &[]),
    ];
    for (q, want) in cases {
        let page = desk.list(&format!("q={}", urlencode(q))).await;
        let mut got = super::tickets_support::ids(&page);
        got.sort_unstable();
        assert_eq!(got, *want, "q={q}: {page}");
        assert_eq!(page["total"], want.len(), "q={q}");
    }
    desk.api.stop().await;
}

#[tokio::test]
async fn a_trailing_star_searches_by_prefix() {
    let (desk, [a, b, _]) = desk().await;
    assert_eq!(desk.set("q=print*").await, vec![a]);
    assert_eq!(desk.set("q=ES1234*").await, vec![b]);
    assert_eq!(
        desk.set(&format!("q={}", urlencode("tone* fire"))).await,
        vec![a]
    );
    desk.api.stop().await;
}

#[tokio::test]
async fn search_combines_with_filters_and_sorting() {
    let (desk, [a, b, c]) = desk().await;
    desk.sql(&format!(
        "UPDATE tickets SET status = 'resolved' WHERE id = {b}"
    ))
    .await;
    // "the" is in a's and c's bodies and not b's; "is" in b's and c's.
    assert_eq!(desk.ids("q=the&sort=created_at").await, vec![a, c]);
    assert_eq!(desk.ids("q=is&status=resolved").await, vec![b]);
    assert_eq!(desk.list("q=is&per_page=1").await["total"], 2);
    desk.api.stop().await;
}

#[tokio::test]
async fn hostile_search_input_is_answered_never_a_500() {
    let (desk, [a, ..]) = desk().await;
    let hostile = [
        "\"foo",
        "AND OR (",
        "*",
        "\"",
        "printer\"",
        "NEAR(printer toner)",
        "subject:printer",
        "body_text:toner",
        "-printer",
        "^printer",
        "NOT printer",
        "'; DROP TABLE tickets; --",
        ")(",
        "{printer toner}",
        "printer + toner",
        "a*",
        "**",
        "\u{1F642}",
        "\u{0915}\u{094D}\u{0937}",
        "e\u{0301}",
        "x\u{00A0}y",
    ];
    for q in hostile {
        let got = desk
            .api
            .get(&format!("/api/v1/tickets?q={}", urlencode(q)))
            .await;
        assert_eq!(got.status, 200, "q={q:?}: {}", got.text);
    }
    assert_eq!(
        desk.set(&format!("q={}", urlencode("\"printer"))).await,
        vec![a]
    );
    assert_eq!(
        desk.set(&format!("q={}", urlencode("printer\""))).await,
        vec![a]
    );
    // Nothing to search for: no filter at all.
    assert_eq!(
        desk.set(&format!("q={}", urlencode("\" ( *"))).await.len(),
        3
    );
    desk.api.stop().await;
}

#[tokio::test]
async fn the_index_follows_new_subjects_edited_and_moved_messages_and_deleted_tickets() {
    let (desk, [a, b, c]) = desk().await;
    desk.sql(&format!(
        "UPDATE tickets SET subject = 'Scanner trouble' WHERE id = {a}"
    ))
    .await;
    assert_eq!(desk.set("q=scanner").await, vec![a]);
    assert_eq!(desk.set("q=printer").await, Vec::<i64>::new());
    desk.sql(&format!("DELETE FROM tickets WHERE id = {b}"))
        .await;
    assert_eq!(desk.set("q=refund").await, Vec::<i64>::new());
    assert_eq!(desk.set("q=invoice").await, Vec::<i64>::new());
    // A message's text edited, then the message moved to another ticket.
    desk.sql(&format!(
        "UPDATE messages SET body_text = 'The ink leaks everywhere.' WHERE ticket_id = {a}"
    ))
    .await;
    assert_eq!(desk.set("q=toner").await, Vec::<i64>::new());
    assert_eq!(desk.set("q=ink").await, vec![a]);
    desk.sql(&format!(
        "UPDATE messages SET ticket_id = {c} WHERE ticket_id = {a}"
    ))
    .await;
    assert_eq!(desk.set("q=ink").await, vec![c]);
    assert_eq!(desk.set("q=scanner").await, vec![a], "the subject stays");
    // The index is whole.
    desk.sql("INSERT INTO ticket_text (ticket_text) VALUES ('integrity-check')")
        .await;
    desk.api.stop().await;
}

/// A requester's address finds their tickets; our own automatic mail (an
/// acknowledgement on every ticket) finds none, an agent's answer does.
#[tokio::test]
async fn search_finds_requesters_and_skips_our_automatic_mail() {
    let (desk, [a, b, c]) = desk().await;
    let store = desk.api.store();
    for (ticket, auto_kind, body) in [
        (a, Some("acknowledgement"), "This is an automatic reply."),
        (b, Some("acknowledgement"), "This is an automatic reply."),
        (c, None, "An automatic refund is on its way."),
    ] {
        let n = desk.api.get("/api/v1/tickets").await.body["total"].clone();
        store
            .add_outbound(&Outbound {
                ticket_id: ticket,
                message_id: format!("out-{ticket}-{n}@postdesk.example"),
                in_reply_to: None,
                references: Vec::new(),
                from_address: "support@example.com".into(),
                from_name: None,
                to: Vec::new(),
                cc: Vec::new(),
                subject: "Re: ticket".into(),
                body_text: body.into(),
                auto_kind,
                author_id: None,
            })
            .await
            .unwrap();
    }
    let cases: &[(&str, &[i64])] = &[
        ("automatic", &[c]),
        ("y@beta.example", &[b]),
        ("beta.example", &[b]),
        ("gamma", &[c]),
    ];
    for (q, want) in cases {
        let page = desk.list(&format!("q={}", urlencode(q))).await;
        assert_eq!(super::tickets_support::ids(&page), *want, "q={q}: {page}");
    }
    desk.sql("DELETE FROM messages WHERE auto_kind IS NOT NULL; DELETE FROM tickets")
        .await;
    let integrity = "INSERT INTO ticket_text (ticket_text, rank) VALUES ('integrity-check', 1)";
    desk.sql(integrity).await;
    desk.api.stop().await;
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

use crate::support::{TestDb, fixture, fixture_path, mail};
use postdesk::domain::{BanPattern, Mailbox, Status};
use postdesk::ingest::{Limits, Outcome};
use postdesk::store::messages::Outbound;

async fn only_ticket(db: &TestDb) -> postdesk::store::tickets::TicketRow {
    let tickets = db.store.tickets().await.unwrap();
    assert_eq!(tickets.len(), 1, "{tickets:?}");
    tickets.into_iter().next().unwrap()
}

/// A ticket with one inbound mail and one outbound reply (Message-ID
/// `outbound.1.k7qx2m@example.com`), as the sender will leave it.
async fn ticket_with_outbound(db: &TestDb) -> i64 {
    db.ingest_one(&fixture("gmail_new.eml")).await;
    let ticket = only_ticket(db).await.id;
    db.store
        .add_outbound(&Outbound {
            ticket_id: ticket,
            message_id: "outbound.1.k7qx2m@example.com".into(),
            in_reply_to: None,
            references: Vec::new(),
            from_address: "support@example.com".into(),
            from_name: None,
            to: vec![Mailbox {
                address: postdesk::domain::EmailAddress::parse("nobody@customer.example").unwrap(),
                name: None,
            }],
            cc: Vec::new(),
            subject: "Re: Question".into(),
            body_text: "We are on it.".into(),
            auto_kind: None,
            author_id: None,
        })
        .await
        .unwrap();
    ticket
}

#[tokio::test]
async fn a_reply_by_references_lands_on_the_same_ticket_without_the_quote() {
    let db = TestDb::new().await;
    let out = db
        .ingest(&[fixture("gmail_new.eml"), fixture("gmail_reply.eml")])
        .await;
    assert_eq!(
        out.iter().map(|o| o.outcome).collect::<Vec<_>>(),
        [Outcome::Created, Outcome::Appended]
    );
    let ticket = only_ticket(&db).await;
    assert_eq!(ticket.message_count, 2);
    assert_eq!(ticket.from_domain, "gmail.com");
    assert_eq!(ticket.requester_email, "jose.garcia@gmail.com");
    assert_eq!(ticket.short_id.len(), 6);
    let messages = db.store.messages_of(ticket.id).await.unwrap();
    assert_eq!(
        messages[1].reply_text,
        "Perdón, olvidé el número de seguimiento: ES123456789."
    );
}

#[tokio::test]
async fn replies_thread_across_separate_batches() {
    let db = TestDb::new().await;
    db.ingest_one(&fixture("gmail_new.eml")).await;
    let reply = db.ingest_one(&fixture("gmail_reply.eml")).await;
    assert_eq!(reply.outcome, Outcome::Appended);
    assert_eq!(only_ticket(&db).await.message_count, 2);
}

#[tokio::test]
async fn a_reply_to_a_resolved_ticket_reopens_it_with_an_event() {
    let db = TestDb::new().await;
    db.ingest_one(&fixture("gmail_new.eml")).await;
    let id = only_ticket(&db).await.id;
    db.store.set_status(id, Status::Resolved).await.unwrap();
    let out = db.ingest_one(&fixture("gmail_reply.eml")).await;
    assert_eq!(out.outcome, Outcome::Appended);
    assert_eq!(only_ticket(&db).await.status, "open");
    assert_eq!(
        db.store.event_kinds(id).await.unwrap(),
        ["created", "reopened"]
    );
}

#[tokio::test]
async fn the_same_message_id_twice_is_a_duplicate_and_creates_nothing() {
    let db = TestDb::new().await;
    let first = fixture("gmail_new.eml");
    let mut resent =
        b"Received: from relay2.example.net by mx.example.com; Mon, 3 Mar 2025 10:05:00 +0000\r\n"
            .to_vec();
    resent.extend_from_slice(&first);
    let out = db.ingest(&[first, resent]).await;
    assert_eq!(out[1].outcome, Outcome::Duplicate);
    assert_eq!(db.store.count("messages").await.unwrap(), 1);
    assert_eq!(db.store.count("ingest_records").await.unwrap(), 2);
}

#[tokio::test]
async fn importing_the_same_folder_twice_creates_nothing_new() {
    let db = TestDb::new().await;
    let folder = fixture_path("");
    let first = db.cli(&["import", folder.to_str().unwrap()]);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let counts = |db: &TestDb| {
        let store = db.store.clone();
        async move {
            let mut c = Vec::new();
            for t in [
                "tickets",
                "messages",
                "contacts",
                "attachments",
                "ingest_records",
                "ticket_events",
            ] {
                c.push(store.count(t).await.unwrap());
            }
            c
        }
    };
    let before = counts(&db).await;
    assert!(before[0] >= 5, "{before:?}");
    let second = db.cli(&["import", folder.to_str().unwrap()]);
    assert!(second.status.success());
    let stdout = String::from_utf8_lossy(&second.stdout);
    assert!(stdout.contains("duplicate"), "{stdout}");
    assert!(!stdout.contains("created"), "{stdout}");
    assert_eq!(counts(&db).await, before);
}

#[tokio::test]
async fn a_banned_sender_creates_nothing_and_counts_a_hit() {
    let db = TestDb::new().await;
    let ban = db
        .store
        .create_ban(&BanPattern::parse("@gmail.com").unwrap(), "abuse", None)
        .await
        .unwrap();
    let out = db.ingest_one(&fixture("gmail_new.eml")).await;
    assert_eq!(out.outcome, Outcome::Banned);
    assert_eq!(db.store.count("tickets").await.unwrap(), 0);
    assert_eq!(db.store.ban_hits(ban).await.unwrap(), 1);
    let exact = db
        .store
        .create_ban(&BanPattern::parse("claire@dubois.fr").unwrap(), "", None)
        .await
        .unwrap();
    assert_eq!(
        db.ingest_one(&fixture("apple_reply.eml")).await.outcome,
        Outcome::Banned
    );
    assert_eq!(db.store.ban_hits(exact).await.unwrap(), 1);
}

#[tokio::test]
async fn an_expired_ban_no_longer_applies() {
    let db = TestDb::new().await;
    let past = chrono::Utc::now() - chrono::Duration::hours(1);
    db.store
        .create_ban(&BanPattern::parse("@gmail.com").unwrap(), "", Some(past))
        .await
        .unwrap();
    assert_eq!(
        db.ingest_one(&fixture("gmail_new.eml")).await.outcome,
        Outcome::Created
    );
}

#[tokio::test]
async fn an_auto_reply_that_does_not_thread_is_recorded_and_dropped() {
    let db = TestDb::new().await;
    let out = db
        .ingest(&[fixture("vacation_new.eml"), fixture("list_mail.eml")])
        .await;
    assert!(out.iter().all(|o| o.outcome == Outcome::Dropped), "{out:?}");
    assert_eq!(db.store.count("tickets").await.unwrap(), 0);
    let reasons: Vec<_> = db
        .store
        .ingest_outcomes()
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.1.unwrap())
        .collect();
    assert_eq!(reasons, ["auto_reply", "list"]);
}

#[tokio::test]
async fn only_a_loop_header_naming_our_own_address_drops_the_mail() {
    let db = TestDb::new().await;
    sqlx::query(
        "INSERT INTO email_domains (address, created_at, updated_at)
         VALUES ('support@example.com', '2025-01-01T00:00:00Z', '2025-01-01T00:00:00Z')",
    )
    .execute(db.store.pool())
    .await
    .unwrap();
    let foreign = db.ingest_one(&fixture("loop.eml")).await;
    assert_eq!(foreign.outcome, Outcome::Created, "another Postdesk's mail");
    let ours = String::from_utf8(fixture("loop.eml"))
        .unwrap()
        .replace(
            "X-Postdesk-Loop: other-desk.example",
            "X-Postdesk-Loop: Support@example.com",
        )
        .replace("<loop-1@other-desk.example>", "<loop-2@other-desk.example>");
    assert_eq!(
        db.ingest_one(ours.as_bytes()).await.outcome,
        Outcome::Dropped
    );
    let reasons: Vec<_> = db
        .store
        .ingest_outcomes()
        .await
        .unwrap()
        .into_iter()
        .filter_map(|r| r.1)
        .collect();
    assert_eq!(reasons, ["loop"]);
}

#[tokio::test]
async fn an_auto_reply_that_threads_is_attached_without_reopening() {
    let db = TestDb::new().await;
    let ticket = ticket_with_outbound(&db).await;
    db.store.set_status(ticket, Status::Resolved).await.unwrap();
    let out = db.ingest_one(&fixture("vacation.eml")).await;
    assert_eq!(out.outcome, Outcome::Appended);
    assert_eq!(out.ticket_id, Some(ticket));
    assert_eq!(only_ticket(&db).await.status, "resolved");
    let messages = db.store.messages_of(ticket).await.unwrap();
    assert_eq!(
        messages.last().unwrap().auto_kind.as_deref(),
        Some("auto_reply")
    );
}

#[tokio::test]
async fn a_bounce_marks_the_bounced_message_failed_with_the_servers_words() {
    let db = TestDb::new().await;
    let ticket = ticket_with_outbound(&db).await;
    let out = db.ingest_one(&fixture("dsn_bounce.eml")).await;
    assert_eq!(out.outcome, Outcome::Bounce);
    assert_eq!(out.ticket_id, Some(ticket));
    let messages = db.store.messages_of(ticket).await.unwrap();
    assert_eq!(messages.len(), 2, "the bounce itself is not a message");
    let outbound = &messages[1];
    assert_eq!(outbound.delivery_status, "failed");
    let error = outbound.delivery_error.as_deref().unwrap();
    assert!(
        error.starts_with(
            "reported by mailer-daemon@mx.example.com for nobody@customer.example: 550 5.1.1 <nobody@customer.example>: Recipient address rejected"
        ),
        "{error}"
    );
    assert_eq!(
        db.store.event_kinds(ticket).await.unwrap(),
        ["created", "delivery_failed"]
    );
}

/// Anyone who knows an outbound Message-ID can write a DSN: one about a
/// recipient the message was never sent to changes nothing.
#[tokio::test]
async fn a_bounce_for_a_recipient_the_message_never_had_changes_nothing() {
    let db = TestDb::new().await;
    let ticket = ticket_with_outbound(&db).await;
    let forged = String::from_utf8(fixture("dsn_bounce.eml"))
        .unwrap()
        .replace("nobody@customer.example", "someone-else@customer.example");
    let out = db.ingest_one(forged.as_bytes()).await;
    assert_eq!((out.outcome, out.ticket_id), (Outcome::Bounce, None));
    assert_eq!(
        db.store.messages_of(ticket).await.unwrap()[1].delivery_status,
        "queued"
    );
    assert_eq!(db.store.event_kinds(ticket).await.unwrap(), ["created"]);
    assert_eq!(
        db.store.ingest_outcomes().await.unwrap()[1].1.as_deref(),
        Some("the reported recipient was not sent that message")
    );
}

/// 300 bounces about one message and recipient are one event on its ticket.
#[tokio::test]
async fn repeated_bounces_fold_into_one_event() {
    let db = TestDb::new().await;
    let ticket = ticket_with_outbound(&db).await;
    let dsn = String::from_utf8(fixture("dsn_bounce.eml")).unwrap();
    let bounces: Vec<Vec<u8>> = (0..300)
        .map(|n| {
            dsn.replace(
                "<20250309120000.DSN1@mx.example.com>",
                &format!("<dsn-{n}@mx.example.com>"),
            )
            .into_bytes()
        })
        .collect();
    let (first, rest) = bounces.split_at(150);
    for batch in [first, rest] {
        let out = db.ingest(batch).await;
        assert!(
            out.iter().all(|o| o.ticket_id == Some(ticket)),
            "each matched"
        );
    }
    assert_eq!(
        db.store.event_kinds(ticket).await.unwrap(),
        ["created", "delivery_failed"]
    );
}

#[tokio::test]
async fn a_bounce_for_unknown_mail_is_recorded_unmatched() {
    let db = TestDb::new().await;
    let out = db.ingest_one(&fixture("dsn_bounce.eml")).await;
    assert_eq!(out.outcome, Outcome::Bounce);
    assert_eq!(out.ticket_id, None);
    assert_eq!(
        db.store.ingest_outcomes().await.unwrap()[0].1.as_deref(),
        Some("no matching message")
    );
}

#[tokio::test]
async fn a_signed_reply_token_threads_and_a_forged_one_does_not() {
    let db = TestDb::new().await;
    db.ingest_one(&fixture("gmail_new.eml")).await;
    let ticket = only_ticket(&db).await;
    let short = postdesk::domain::ShortId::parse(&ticket.short_id).unwrap();
    let support = postdesk::domain::EmailAddress::parse("support@example.com").unwrap();
    let good = db.ingestor.signer().reply_address(&support, &short);
    let forged = format!(
        "support+{}-aaaaaaaaaa@example.com",
        ticket.short_id.to_lowercase()
    );
    let by_token = |to: &str, id: &str| {
        format!("From: other@elsewhere.example\r\nTo: {to}\r\nSubject: about my order\r\nMessage-ID: <{id}>\r\n\r\nHello again\r\n")
            .into_bytes()
    };
    let out = db
        .ingest(&[
            by_token(&good, "t1@elsewhere.example"),
            by_token(&forged, "t2@elsewhere.example"),
        ])
        .await;
    assert_eq!(out[0].outcome, Outcome::Appended);
    assert_eq!(out[0].ticket_id, Some(ticket.id));
    assert_eq!(out[1].outcome, Outcome::Created);
}

#[tokio::test]
async fn a_subject_tag_threads_only_for_people_on_the_ticket() {
    let db = TestDb::new().await;
    db.ingest_one(&fixture("gmail_new.eml")).await;
    let ticket = only_ticket(&db).await;
    let subject = format!("Another question [#{}]", ticket.short_id);
    let from_requester = mail(
        "jose.garcia@gmail.com",
        &subject,
        "tag-1@gmail.com",
        "",
        "One more thing.",
    );
    let from_stranger = mail(
        "stranger@evil.example",
        &subject,
        "tag-2@evil.example",
        "",
        "Let me in.",
    );
    let out = db.ingest(&[from_requester, from_stranger]).await;
    assert_eq!(out[0].outcome, Outcome::Appended);
    assert_eq!(out[0].ticket_id, Some(ticket.id));
    assert_eq!(out[1].outcome, Outcome::Created);
}

#[tokio::test]
async fn someone_copied_on_a_ticket_can_reply_by_subject_tag() {
    let db = TestDb::new().await;
    db.ingest_one(&fixture("attachments.eml")).await;
    let ticket = only_ticket(&db).await;
    let subject = format!("Re: Screenshot [#{}]", ticket.short_id);
    let out = db
        .ingest_one(&mail(
            "bruno@souza.example",
            &subject,
            "cc-1@souza.example",
            "",
            "Same here.",
        ))
        .await;
    assert_eq!(out.ticket_id, Some(ticket.id));
}

#[tokio::test]
async fn mail_without_a_sender_is_quarantined_with_its_bytes_kept() {
    let db = TestDb::new().await;
    let raw = fixture("no_from.eml");
    let out = db
        .ingest(&[raw.clone(), b"\x00\x01\x02 not mail".to_vec(), Vec::new()])
        .await;
    assert!(
        out.iter().all(|o| o.outcome == Outcome::Quarantined),
        "{out:?}"
    );
    assert_eq!(db.store.quarantined_raw().await.unwrap()[0], raw);
    let reasons = db.store.ingest_outcomes().await.unwrap();
    assert_eq!(reasons[0].1.as_deref(), Some("no valid From address"));
    assert_eq!(reasons[2].1.as_deref(), Some("the input is empty"));
}

#[tokio::test]
async fn mail_without_a_message_id_is_still_recognised_when_imported_again() {
    let db = TestDb::new().await;
    let raw = fixture("no_message_id.eml");
    assert_eq!(db.ingest_one(&raw).await.outcome, Outcome::Created);
    assert_eq!(db.ingest_one(&raw).await.outcome, Outcome::Duplicate);
    assert_eq!(db.store.count("messages").await.unwrap(), 1);
}

#[tokio::test]
async fn attachment_bytes_are_stored_once_by_content_hash() {
    let db = TestDb::new().await;
    let raw = fixture("attachments.eml");
    let copy = String::from_utf8(raw.clone())
        .unwrap()
        .replace("att-1@souza.example", "att-2@souza.example");
    db.ingest(&[raw, copy.into_bytes()]).await;
    assert_eq!(db.store.count("attachments").await.unwrap(), 4);
    assert_eq!(db.store.count("attachment_blobs").await.unwrap(), 2);
}

#[tokio::test]
async fn attachments_over_the_cap_are_listed_but_not_kept() {
    let db = TestDb::with_limits(Limits {
        max_attachment_bytes: 72,
    })
    .await;
    db.ingest_one(&fixture("attachments.eml")).await;
    assert_eq!(db.store.count("attachments").await.unwrap(), 2);
    assert_eq!(
        db.store.count("attachment_blobs").await.unwrap(),
        1,
        "only the 70-byte png fits"
    );
}

fn mbox_of(mails: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    for m in mails {
        out.extend_from_slice(b"From MAILER-DAEMON Mon Mar  3 10:00:00 2025\n");
        out.extend_from_slice(
            &String::from_utf8_lossy(m)
                .replace("\r\n", "\n")
                .into_bytes(),
        );
        out.extend_from_slice(b"\n");
    }
    out
}

#[tokio::test]
async fn an_mbox_imports_with_threads_and_counts_per_outcome() {
    let db = TestDb::new().await;
    let path = db.dir.path().join("archive.mbox");
    std::fs::write(
        &path,
        mbox_of(&[
            fixture("gmail_new.eml"),
            fixture("gmail_reply.eml"),
            fixture("list_mail.eml"),
        ]),
    )
    .unwrap();
    let out = db.cli(&["import", path.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("(mbox): 3 emails"), "{stdout}");
    for line in ["created      1", "appended     1", "dropped      1"] {
        assert!(stdout.contains(line), "{line} in {stdout}");
    }
    assert_eq!(only_ticket(&db).await.message_count, 2);
}

#[tokio::test]
async fn a_maildir_imports_in_arrival_order() {
    let db = TestDb::new().await;
    let maildir = db.dir.path().join("Maildir");
    for sub in ["cur", "new", "tmp"] {
        std::fs::create_dir_all(maildir.join(sub)).unwrap();
    }
    std::fs::write(
        maildir.join("cur/1741000000.M1P1.host:2,S"),
        fixture("gmail_new.eml"),
    )
    .unwrap();
    std::fs::write(
        maildir.join("new/1741000100.M2P1.host"),
        fixture("gmail_reply.eml"),
    )
    .unwrap();
    let out = db.cli(&["import", maildir.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("(maildir): 2 emails"));
    assert_eq!(only_ticket(&db).await.message_count, 2);
}

#[tokio::test]
async fn someone_who_wrote_on_a_ticket_before_can_reply_by_subject_tag() {
    let db = TestDb::new().await;
    db.ingest_one(&fixture("gmail_new.eml")).await;
    let ticket = only_ticket(&db).await;
    let joined = mail(
        "colleague@gmail.com",
        "Re: Pedido",
        "c-1@gmail.com",
        "In-Reply-To: <CAF=k7qx2mAbC+123@mail.gmail.com>\r\n",
        "I am José's colleague.",
    );
    assert_eq!(db.ingest_one(&joined).await.ticket_id, Some(ticket.id));
    let subject = format!("Still waiting [#{}]", ticket.short_id);
    let by_tag = mail(
        "colleague@gmail.com",
        &subject,
        "c-2@gmail.com",
        "",
        "Any news?",
    );
    assert_eq!(db.ingest_one(&by_tag).await.ticket_id, Some(ticket.id));
}

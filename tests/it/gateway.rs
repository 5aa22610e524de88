//! The gateway end to end against the real mail stack, mail in: a
//! customer's mail over SMTP → Dovecot → the poller (IDLE) → a ticket → the
//! acknowledgement in the customer's mailbox, and the customer's replies.
use crate::harness::{
    Gateway, SECOND, acknowledgement, customer_inbox, customer_mail, eventually, header, mailbox,
    only_ticket, stack, wait_tickets,
};
use crate::mailstack::{CUSTOMER, SUPPORT, SUPPORT_PASSWORD};
use crate::support::fixture;
use std::time::Instant;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_customer_mail_becomes_a_ticket_within_two_seconds_and_is_acknowledged() {
    let stack = stack();
    let gw = Gateway::start(&stack, "").await;
    // Let the poller connect and enter IDLE before the mail arrives.
    eventually("first poll", 5 * SECOND, || async {
        let domain = gw.store().email_domains().await.unwrap().remove(0);
        gw.store()
            .poll_status(domain.id)
            .await
            .unwrap()
            .0
            .map(|_| ())
    })
    .await;
    let mail = customer_mail(
        "first@customer.example.net",
        "Printer on fire",
        "Help, it burns.",
        "",
    );
    stack.send(CUSTOMER, SUPPORT, &mail).unwrap();
    let sent = Instant::now();
    wait_tickets(&gw, 1, 2 * SECOND).await;
    println!("mail → ticket in {:?}", sent.elapsed());
    let ticket = only_ticket(&gw).await;
    assert_eq!(
        gw.store().count("ticket_teams").await.unwrap(),
        1,
        "the domain's default team"
    );

    let ack = acknowledgement(&stack).await;
    let h = |name: &str| header(&ack, name).unwrap_or_else(|| panic!("no {name} header"));
    assert_eq!(h("Auto-Submitted"), "auto-replied");
    assert_eq!(h("X-Auto-Response-Suppress"), "All");
    assert_eq!(h("In-Reply-To"), "<first@customer.example.net>");
    assert!(h("References").contains("<first@customer.example.net>"));
    assert_eq!(
        h("Subject"),
        format!("Re: Printer on fire [#{}]", ticket.short_id)
    );
    assert!(
        h("Message-ID").ends_with("@example.com>"),
        "{}",
        h("Message-ID")
    );
    let reply_to = h("Reply-To");
    let token_prefix = format!("support+{}-", ticket.short_id.to_lowercase());
    assert!(reply_to.contains(&token_prefix), "{reply_to}");
    assert!(h("From").contains(SUPPORT));
    assert!(header(&ack, "X-Postdesk-Loop").is_some());
    assert!(header(&ack, "Thread-Index").is_some());
    assert_eq!(h("Thread-Topic"), "Printer on fire");
    let parsed = mail_parser::MessageParser::default()
        .parse(ack.as_slice())
        .unwrap();
    let text = parsed.body_text(0).unwrap().to_string();
    assert!(
        text.contains(&ticket.short_id),
        "the ack names the ticket: {text}"
    );

    // The original is flagged \Seen only after it was stored (after = seen).
    let flags = stack.folder(SUPPORT, SUPPORT_PASSWORD, "INBOX").unwrap();
    assert!(flags.contains("\\Seen"), "{flags}");
    let messages = gw.store().messages_of(ticket.id).await.unwrap();
    assert_eq!(messages.len(), 2, "the mail and the acknowledgement");
    assert_eq!(messages[1].auto_kind.as_deref(), Some("auto_reply"));
    eventually("ack sent", 5 * SECOND, || async {
        let m = gw.store().messages_of(ticket.id).await.unwrap();
        (m[1].delivery_status == "sent").then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn replies_from_gmail_outlook_and_apple_mail_land_on_the_ticket_without_quotes() {
    let stack = stack();
    let gw = Gateway::start(&stack, "").await;
    let first = customer_mail(
        "order@customer.example.net",
        "Order 1234 missing",
        "Where is my order?",
        "",
    );
    stack.send(CUSTOMER, SUPPORT, &first).unwrap();
    let ack = acknowledgement(&stack).await;
    let ticket = only_ticket(&gw).await;
    let ack_id = header(&ack, "Message-ID").unwrap();
    let reply_to = header(&ack, "Reply-To").unwrap();
    let token_address = reply_to
        .rsplit('<')
        .next()
        .unwrap()
        .trim_end_matches('>')
        .to_string();
    let subject = header(&ack, "Subject").unwrap();

    // Gmail: In-Reply-To and References, "On … wrote:" and ">" quotes.
    let gmail = customer_mail(
        "gmail-reply@mail.gmail.com",
        &subject,
        "Gmail says: the tracking number is ES123.\r\n\r\nOn Sat, 21 Nov 2026 at 10:01, Example Support <support@example.com> wrote:\r\n\r\n> Thank you for writing.\r\n> We opened a ticket.\r\n",
        &format!("In-Reply-To: {ack_id}\r\nReferences: <order@customer.example.net> {ack_id}\r\n"),
    );
    // Outlook: no thread headers at all, to the Reply-To token address,
    // "RE:" subject, its underscore separator and header block.
    let outlook = format!(
        "From: Carla Customer <{CUSTOMER}>\r\nTo: {token_address}\r\nSubject: RE: Order 1234 missing [#{short}]\r\n\
         Message-ID: <outlook-reply@customer.example.net>\r\nThread-Topic: Order 1234 missing\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\nOutlook says: still nothing arrived.\r\n\r\n\
         ________________________________\r\nFrom: Example Support <support@example.com>\r\n\
         Sent: Saturday, November 21, 2026 10:01 AM\r\nTo: Carla Customer <{CUSTOMER}>\r\n\
         Subject: Re: Order 1234 missing [#{short}]\r\n\r\nThank you for writing.\r\n",
        short = ticket.short_id
    );
    // Apple Mail: In-Reply-To only, "> On … wrote:" inside the quote.
    let apple = customer_mail(
        "apple-reply@customer.example.net",
        &subject,
        "Apple says: found it at the neighbour's.\r\n\r\n> On 21 Nov 2026, at 10:01, Example Support <support@example.com> wrote:\r\n> \r\n> Thank you for writing.\r\n",
        &format!("In-Reply-To: {ack_id}\r\n"),
    );
    for mail in [&gmail, &outlook, &apple] {
        stack.send(CUSTOMER, SUPPORT, mail).unwrap();
    }
    let messages = eventually("three replies", 10 * SECOND, || async {
        let m = gw.store().messages_of(ticket.id).await.unwrap();
        (m.len() == 5).then_some(m)
    })
    .await;
    assert_eq!(gw.ticket_count().await, 1, "every reply threads");
    let texts: Vec<&str> = messages[2..]
        .iter()
        .map(|m| m.reply_text.as_str())
        .collect();
    assert_eq!(
        texts,
        [
            "Gmail says: the tracking number is ES123.",
            "Outlook says: still nothing arrived.",
            "Apple says: found it at the neighbour's.",
        ]
    );
    // Replies are not acknowledged: still one mail in the customer's inbox.
    tokio::time::sleep(SECOND).await;
    assert_eq!(customer_inbox(&stack).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn auto_replies_bounces_and_list_mail_never_get_an_acknowledgement() {
    let stack = stack();
    let gw = Gateway::start(&stack, "").await;
    for name in [
        "vacation_new.eml",
        "dsn_bounce.eml",
        "list_mail.eml",
        "loop.eml",
    ] {
        // A loop header naming our own address: our mail come back.
        let raw = String::from_utf8(fixture(name)).unwrap().replace(
            "X-Postdesk-Loop: other-desk.example",
            &format!("X-Postdesk-Loop: {SUPPORT}"),
        );
        stack
            .send(CUSTOMER, SUPPORT, &raw)
            .unwrap_or_else(|e| panic!("{name}: {e:#}"));
    }
    let control = customer_mail(
        "control@customer.example.net",
        "A real question",
        "Hello?",
        "",
    );
    stack.send(CUSTOMER, SUPPORT, &control).unwrap();
    eventually("all five recorded", 10 * SECOND, || async {
        (gw.store().count("ingest_records").await.unwrap() == 5).then_some(())
    })
    .await;
    let ack = acknowledgement(&stack).await;
    assert_eq!(
        header(&ack, "In-Reply-To").unwrap(),
        "<control@customer.example.net>"
    );
    assert_eq!(
        gw.store().count("outbox").await.unwrap(),
        1,
        "only the control mail is answered"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acknowledgements_are_rate_limited_per_sender() {
    let stack = stack();
    let gw = Gateway::start(&stack, "[acknowledgement]\nper_sender_per_hour = 2").await;
    for i in 0..4 {
        let mail = customer_mail(
            &format!("new-{i}@customer.example.net"),
            &format!("Question {i}"),
            "Hi",
            "",
        );
        stack.send(CUSTOMER, SUPPORT, &mail).unwrap();
    }
    wait_tickets(&gw, 4, 10 * SECOND).await;
    tokio::time::sleep(SECOND / 2).await;
    assert_eq!(gw.store().count("outbox").await.unwrap(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_poller_reconnects_after_dovecot_restarts() {
    let stack = stack();
    let gw = Gateway::start(&stack, "").await;
    let domain = gw.store().email_domains().await.unwrap().remove(0);
    stack.stop_dovecot().unwrap();
    let error = eventually("the error is recorded", 10 * SECOND, || async {
        gw.store().poll_status(domain.id).await.unwrap().1
    })
    .await;
    assert!(!error.contains(SUPPORT_PASSWORD), "{error}");
    stack.start_dovecot().unwrap();
    stack
        .send(
            CUSTOMER,
            SUPPORT,
            &customer_mail("back@customer.example.net", "Back", "Hi", ""),
        )
        .unwrap();
    wait_tickets(&gw, 1, 15 * SECOND).await;
    eventually("the error is cleared", 5 * SECOND, || async {
        gw.store()
            .poll_status(domain.id)
            .await
            .unwrap()
            .1
            .is_none()
            .then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_new_uidvalidity_reads_the_folder_again_without_duplicates() {
    let stack = stack();
    let mut gw = Gateway::start(&stack, "[acknowledgement]\nenabled = false").await;
    for i in 0..2 {
        let mail = customer_mail(
            &format!("uv-{i}@customer.example.net"),
            &format!("UV {i}"),
            "Hi",
            "",
        );
        stack.send(CUSTOMER, SUPPORT, &mail).unwrap();
    }
    wait_tickets(&gw, 2, 5 * SECOND).await;
    let domain = gw.store().email_domains().await.unwrap().remove(0);
    let before = gw.store().sync_state(domain.id, "INBOX").await.unwrap();
    gw.stop().await;
    stack.reset_uidvalidity(SUPPORT).unwrap();
    gw.restart().await;
    let after = eventually("the new UIDVALIDITY is read", 10 * SECOND, || async {
        let s = gw.store().sync_state(domain.id, "INBOX").await.unwrap();
        (s.uidvalidity != before.uidvalidity && s.last_uid >= 2).then_some(s)
    })
    .await;
    assert_ne!(after.uidvalidity, before.uidvalidity);
    assert_eq!(gw.ticket_count().await, 2);
    assert_eq!(gw.store().count("messages").await.unwrap(), 2);
    let outcomes = gw.store().ingest_outcomes().await.unwrap();
    let duplicates = outcomes.iter().filter(|(o, _)| o == "duplicate").count();
    assert_eq!(duplicates, 2, "{outcomes:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn stored_mail_is_moved_to_the_configured_folder() {
    let stack = stack();
    let gw = Gateway::start_for(
        &stack,
        SUPPORT,
        SUPPORT_PASSWORD,
        "",
        "after = \"move:Archive\"",
    )
    .await;
    stack
        .send(
            CUSTOMER,
            SUPPORT,
            &customer_mail("move@customer.example.net", "Move me", "Hi", ""),
        )
        .unwrap();
    wait_tickets(&gw, 1, 5 * SECOND).await;
    let archived = eventually("moved to Archive", 5 * SECOND, || async {
        let a = mailbox(&stack, SUPPORT, SUPPORT_PASSWORD, "Archive").await;
        (!a.is_empty()).then_some(a)
    })
    .await;
    assert_eq!(archived.len(), 1);
    assert!(
        mailbox(&stack, SUPPORT, SUPPORT_PASSWORD, "INBOX")
            .await
            .is_empty()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_gateways_acknowledging_each_other_stop_after_one_round() {
    let stack = stack();
    let other = "helpdesk@example.org";
    stack.add_user(other, "helpdesk-secret").unwrap();
    let a = Gateway::start(&stack, "").await;
    let b = Gateway::start_for(&stack, other, "helpdesk-secret", "", "").await;
    // Someone at B's address writes to A, and A's address writes to B.
    let to_a = format!(
        "From: {other}\r\nTo: {SUPPORT}\r\nSubject: Hello A\r\nMessage-ID: <b-to-a@example.org>\r\n\r\nHi A.\r\n"
    );
    let to_b = format!(
        "From: {SUPPORT}\r\nTo: {other}\r\nSubject: Hello B\r\nMessage-ID: <a-to-b@example.com>\r\n\r\nHi B.\r\n"
    );
    stack.send(other, SUPPORT, &to_a).unwrap();
    stack.send(SUPPORT, other, &to_b).unwrap();
    eventually("both saw their mail", 10 * SECOND, || async {
        (a.ticket_count().await == 1 && b.ticket_count().await >= 1).then_some(())
    })
    .await;
    // Let any ping-pong play out.
    tokio::time::sleep(4 * SECOND).await;
    let outbox_a = a.store().count("outbox").await.unwrap();
    let outbox_b = b.store().count("outbox").await.unwrap();
    assert!(
        outbox_a <= 1 && outbox_b <= 1,
        "A sent {outbox_a}, B sent {outbox_b}"
    );
    assert_eq!(a.ticket_count().await, 1);
    assert_eq!(b.ticket_count().await, 1);
    let records_a = a.store().count("ingest_records").await.unwrap();
    let records_b = b.store().count("ingest_records").await.unwrap();
    assert!(
        records_a <= 2 && records_b <= 2,
        "A {records_a}, B {records_b} inputs"
    );
}

/// A hostile acknowledgement template already in the database (saved
/// before the API refused it) once aborted the gateway, and again on every
/// restart as the pending acknowledgement was retried.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_broken_acknowledgement_template_is_given_up_on_and_later_mail_is_acknowledged() {
    use postdesk::store::templates::TemplateSpec;
    let stack = stack();
    let gw = Gateway::start(&stack, "").await;
    let spec = |body: &str| TemplateSpec {
        name: "acknowledgement".into(),
        subject: None,
        body: body.into(),
        body_html: None,
    };
    let bad = gw
        .store()
        .create_template(&spec("{% include \"template.txt\" %}"))
        .await
        .unwrap();
    let mail = customer_mail("loop@customer.example.net", "First", "Hi", "");
    stack.send(CUSTOMER, SUPPORT, &mail).unwrap();
    wait_tickets(&gw, 1, 10 * SECOND).await;
    eventually(
        "the failed acknowledgement is cleared",
        10 * SECOND,
        || async { (gw.store().count("pending_acks").await.unwrap() == 0).then_some(()) },
    )
    .await;
    assert_eq!(gw.store().count("outbox").await.unwrap(), 0);

    gw.store().delete_template(bad.id).await.unwrap();
    gw.store()
        .create_template(&spec("Got it: {{ ticket.subject }}"))
        .await
        .unwrap();
    let mail = customer_mail("after@customer.example.net", "Second", "Hi", "");
    stack.send(CUSTOMER, SUPPORT, &mail).unwrap();
    wait_tickets(&gw, 2, 10 * SECOND).await;
    let ack = acknowledgement(&stack).await;
    assert_eq!(
        header(&ack, "In-Reply-To").unwrap(),
        "<after@customer.example.net>"
    );
}

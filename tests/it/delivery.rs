//! The gateway end to end against the real mail stack, mail out: replies
//! and acknowledgements through SMTP outages, refusals, bounces and TLS.
use crate::harness::{
    Gateway, SECOND, acknowledgement, customer_inbox, customer_mail, eventually, header,
    only_ticket, stack, wait_tickets,
};
use crate::mailstack::{CUSTOMER, MailStack, SUPPORT, SUPPORT_PASSWORD};
use crate::support::fixture;
use postdesk::service::replies::{Body, ReplyRequest};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn replies_wait_while_smtp_is_down_and_go_out_once_when_it_returns() {
    let stack = stack();
    let gw = Gateway::start(&stack, "").await;
    stack
        .send(
            CUSTOMER,
            SUPPORT,
            &customer_mail("down@customer.example.net", "Down", "Hi", ""),
        )
        .unwrap();
    stack.stop_smtp().unwrap();
    wait_tickets(&gw, 1, 5 * SECOND).await;
    let ticket = only_ticket(&gw).await;
    let agent = gw
        .store()
        .create_agent(
            "agent@example.com",
            "Ada Agent",
            "agent",
            "Ada, Example Support",
        )
        .await
        .unwrap();
    let replies = gw.running.as_ref().unwrap().replies.clone();
    replies
        .reply(ReplyRequest {
            ticket_id: ticket.id,
            agent_id: Some(agent),
            body: Body::Text("We are looking into it.".into()),
            attachments: Vec::new(),
        })
        .await
        .unwrap();
    eventually("both retrying", 10 * SECOND, || async {
        let m = gw.store().messages_of(ticket.id).await.unwrap();
        let retrying = m.iter().filter(|m| m.delivery_status == "retrying").count();
        (retrying == 2).then_some(())
    })
    .await;
    let m = gw.store().messages_of(ticket.id).await.unwrap();
    assert!(
        m[1].delivery_error.as_deref().unwrap_or("").len() > 5,
        "{m:?}"
    );
    stack.start_smtp().unwrap();
    let inbox = eventually("both delivered", 20 * SECOND, || async {
        let inbox = customer_inbox(&stack).await;
        (inbox.len() >= 2).then_some(inbox)
    })
    .await;
    tokio::time::sleep(SECOND).await;
    assert_eq!(customer_inbox(&stack).await.len(), 2, "each exactly once");
    let reply = inbox
        .iter()
        .find(|r| header(r, "Auto-Submitted").is_none())
        .unwrap();
    let parsed = mail_parser::MessageParser::default()
        .parse(reply.as_slice())
        .unwrap();
    let text = parsed.body_text(0).unwrap().replace("\r\n", "\n");
    assert!(
        text.starts_with("We are looking into it.\n\n-- \nAda, Example Support"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_refused_recipient_fails_with_the_servers_words_on_the_ticket() {
    let stack = stack();
    let gw = Gateway::start(&stack, "").await;
    let ghost = "From: ghost@example.com\r\nTo: support@example.com\r\nSubject: Boo\r\nMessage-ID: <ghost@example.com>\r\n\r\nBoo.\r\n";
    stack.send("ghost@example.com", SUPPORT, ghost).unwrap();
    wait_tickets(&gw, 1, 5 * SECOND).await;
    let ticket = only_ticket(&gw).await;
    let failed = eventually("the acknowledgement fails", 10 * SECOND, || async {
        let m = gw.store().messages_of(ticket.id).await.unwrap();
        m.into_iter().find(|m| m.delivery_status == "failed")
    })
    .await;
    let error = failed.delivery_error.unwrap();
    assert!(
        error.starts_with("550") && error.contains("User doesn't exist"),
        "{error}"
    );
    let events = gw.store().event_kinds(ticket.id).await.unwrap();
    assert!(
        events.contains(&"delivery_failed".to_string()),
        "{events:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn mail_flows_over_tls_and_starttls_with_a_private_ca() {
    let stack =
        MailStack::start_with(postdesk::devstack::Options { tls: true }).expect("TLS mail stack");
    let ca = stack.ca_pem_path().unwrap().display().to_string();
    let combos = [
        (
            "tls",
            stack.imaps_port().unwrap(),
            "starttls",
            stack.smtp_port(),
        ),
        (
            "starttls",
            stack.imap_port(),
            "tls",
            stack.smtps_port().unwrap(),
        ),
    ];
    for (n, (imap_tls, imap_port, smtp_tls, smtp_port)) in combos.into_iter().enumerate() {
        let dir = tempfile::tempdir().unwrap();
        let db = format!("sqlite://{}", dir.path().join("tls.db").display());
        let text = crate::harness::config_text(
            &stack,
            &db,
            SUPPORT,
            SUPPORT_PASSWORD,
            &format!("ca_file = {ca:?}"),
        )
        .replace(
            &format!("port = {}\ntls = \"none\"\nusername", stack.imap_port()),
            &format!("port = {imap_port}\nhost_tls_marker\nusername"),
        )
        .replace("host_tls_marker", &format!("tls = \"{imap_tls}\""))
        .replace(
            &format!("port = {}\ntls = \"none\"", stack.smtp_port()),
            &format!("port = {smtp_port}\ntls = \"{smtp_tls}\""),
        )
        .replace("host = \"127.0.0.1\"", "host = \"localhost\"");
        let config = postdesk::config::Config::parse(&text, &[]).expect("config");
        let imap = config.email_domains[0].imap.as_ref().unwrap();
        assert_eq!(
            (imap.port, imap.tls.as_str()),
            (imap_port, imap_tls),
            "{text}"
        );
        let running = postdesk::commands::serve::start(&config)
            .await
            .expect("start");
        let id = format!("tls-{n}@customer.example.net");
        stack
            .send(
                CUSTOMER,
                SUPPORT,
                &customer_mail(&id, "Over TLS", "Secure hello", ""),
            )
            .unwrap();
        // (The second gateway has a fresh database, so it answers the
        // first mail, still in the mailbox, again: look for this one's.)
        let answers = Some(format!("<{id}>"));
        eventually("acknowledged over TLS", 10 * SECOND, || async {
            let inbox = customer_inbox(&stack).await;
            inbox
                .iter()
                .any(|m| header(m, "In-Reply-To") == answers)
                .then_some(())
        })
        .await;
        running.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_bounce_for_a_sent_reply_marks_it_failed_on_its_ticket() {
    let stack = stack();
    let gw = Gateway::start(&stack, "").await;
    let mail = customer_mail("bounce-me@customer.example.net", "Will bounce", "Hi", "");
    stack.send(CUSTOMER, SUPPORT, &mail).unwrap();
    let ack = acknowledgement(&stack).await;
    let ack_id = header(&ack, "Message-ID").unwrap();
    let ticket = only_ticket(&gw).await;
    eventually("ack sent", 5 * SECOND, || async {
        let m = gw.store().messages_of(ticket.id).await.unwrap();
        (m[1].delivery_status == "sent").then_some(())
    })
    .await;
    // The customer's server later gives up and reports it (a DSN).
    let dsn = String::from_utf8(fixture("dsn_bounce.eml"))
        .unwrap()
        .replace("<outbound.1.k7qx2m@example.com>", &ack_id)
        .replace("nobody@customer.example", CUSTOMER)
        .replace(
            "<20250309120000.DSN1@mx.example.com>",
            "<dsn-for-ack@mx.example.com>",
        );
    stack.send("", SUPPORT, &dsn).unwrap();
    let failed = eventually("the reply is marked failed", 10 * SECOND, || async {
        let m = gw.store().messages_of(ticket.id).await.unwrap();
        (m[1].delivery_status == "failed").then(|| m[1].clone())
    })
    .await;
    let error = failed.delivery_error.unwrap_or_default();
    assert!(
        error.contains("550 5.1.1") && error.contains("User unknown"),
        "{error}"
    );
    let events = gw.store().event_kinds(ticket.id).await.unwrap();
    assert!(
        events.contains(&"delivery_failed".to_string()),
        "{events:?}"
    );
    tokio::time::sleep(SECOND / 2).await;
    assert_eq!(
        gw.store().count("outbox").await.unwrap(),
        1,
        "a bounce is never acknowledged"
    );
    assert_eq!(customer_inbox(&stack).await.len(), 1);
}

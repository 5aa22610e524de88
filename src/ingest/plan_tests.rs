//! Table tests of the planner: decisions over a hand-made snapshot, no IO.
use super::*;
use crate::domain::{BanPattern, ShortId};
use crate::ingest::{Incoming, Source, prepare};

fn raw(from: &str, subject: &str, id: &str, headers: &str) -> Vec<u8> {
    format!("From: {from}\r\nTo: support@example.com\r\nSubject: {subject}\r\nMessage-ID: <{id}>\r\n{headers}\r\nHello.\r\n")
        .into_bytes()
}

fn prepared(raw: Vec<u8>) -> Prepared {
    prepare(Incoming {
        source: Source::Import,
        raw,
    })
}

fn snapshot() -> Snapshot {
    let mut s = Snapshot {
        now: Utc::now(),
        ..Default::default()
    };
    s.messages.insert(
        "old@x.example".into(),
        KnownMessage {
            id: 7,
            ticket_id: 70,
        },
    );
    s.messages.insert(
        "ours@support.example".into(),
        KnownMessage {
            id: 8,
            ticket_id: 80,
        },
    );
    s.tickets.insert(70, Status::Resolved);
    s.tickets.insert(80, Status::Open);
    s.short_ids.insert("K7QX2M".into(), 70);
    s.requesters.insert(70, "ann@x.example".into());
    s.participants.insert((70, "cc@x.example".into()));
    s.own_addresses
        .push(crate::domain::EmailAddress::parse("support@support.example").unwrap());
    s.bans.push(Ban {
        id: 3,
        pattern: BanPattern::parse("@spam.example").unwrap(),
        expires_at: None,
    });
    s
}

#[test]
fn each_input_gets_the_decision_its_rules_call_for() {
    let signer = TokenSigner::new(b"k");
    let token = signer.token(&ShortId::parse("K7QX2M").unwrap());
    let table: Vec<(&str, Vec<u8>, Decision)> = vec![
        ("new thread", raw("ann@x.example", "Help", "n1@x.example", ""), Decision::Create { ticket: 0 }),
        ("known message id", raw("ann@x.example", "Help", "old@x.example", ""), Decision::Duplicate),
        ("banned domain", raw("bot@spam.example", "Buy", "s1@spam.example", ""), Decision::Banned { ban_id: 3 }),
        ("reply reopens resolved", raw("ann@x.example", "Re: Help", "r1@x.example", "In-Reply-To: <old@x.example>\r\n"),
            Decision::Append { ticket: TicketRef::Existing(70), reopen_from: Some(Status::Resolved), auto: None }),
        ("references thread too", raw("bob@y.example", "Re", "r2@y.example", "References: <nope@z> <ours@support.example>\r\n"),
            Decision::Append { ticket: TicketRef::Existing(80), reopen_from: None, auto: None }),
        ("auto reply threads, no reopen", raw("ann@x.example", "Out of office", "a1@x.example", "In-Reply-To: <old@x.example>\r\n"),
            Decision::Append { ticket: TicketRef::Existing(70), reopen_from: None, auto: Some(AutoKind::AutoReply) }),
        ("auto reply alone is dropped", raw("ann@x.example", "Out of office", "a2@x.example", ""), Decision::Dropped { kind: AutoKind::AutoReply }),
        ("list mail is dropped", raw("news@l.example", "News", "l1@l.example", "List-Id: <l.example>\r\n"), Decision::Dropped { kind: AutoKind::List }),
        ("loop is dropped even when it threads", raw("x@o.example", "Re", "lp@o.example", "X-Postdesk-Loop: Support@Support.example\r\nIn-Reply-To: <old@x.example>\r\n"), Decision::Dropped { kind: AutoKind::Loop }),
        ("another Postdesk's loop header is no loop", raw("desk@o.example", "Re: Help", "lp2@o.example", "X-Postdesk-Loop: desk@o.example\r\nIn-Reply-To: <old@x.example>\r\n"),
            Decision::Append { ticket: TicketRef::Existing(70), reopen_from: Some(Status::Resolved), auto: None }),
        ("another Postdesk's acknowledgement is an auto reply", raw("desk@o.example", "We got it", "lp3@o.example", "X-Postdesk-Loop: desk@o.example\r\nAuto-Submitted: auto-replied\r\n"),
            Decision::Dropped { kind: AutoKind::AutoReply }),
        ("valid token threads", format!("From: new@n.example\r\nTo: support+{token}@example.com\r\nSubject: hi\r\nMessage-ID: <t1@n.example>\r\n\r\nx\r\n").into_bytes(),
            Decision::Append { ticket: TicketRef::Existing(70), reopen_from: Some(Status::Resolved), auto: None }),
        ("tag from requester threads", raw("ann@x.example", "More [#K7QX2M]", "g1@x.example", ""),
            Decision::Append { ticket: TicketRef::Existing(70), reopen_from: Some(Status::Resolved), auto: None }),
        ("tag from cc participant threads", raw("cc@x.example", "More [#K7QX2M]", "g2@x.example", ""),
            Decision::Append { ticket: TicketRef::Existing(70), reopen_from: Some(Status::Resolved), auto: None }),
        ("tag from stranger opens a ticket", raw("eve@e.example", "More [#K7QX2M]", "g3@e.example", ""), Decision::Create { ticket: 0 }),
        ("no sender is quarantined", b"To: a@b.example\r\nSubject: x\r\n\r\nbody\r\n".to_vec(), Decision::Quarantine { reason: "no valid From address".into() }),
    ];
    let snap = snapshot();
    for (name, bytes, expected) in table {
        let items = vec![prepared(bytes)];
        let plan = plan(&items, &snap, &signer);
        assert_eq!(plan.decisions, vec![expected], "{name}");
    }
}

#[test]
fn within_a_batch_replies_thread_onto_tickets_the_batch_opens() {
    let signer = TokenSigner::new(b"k");
    let items = vec![
        prepared(raw("ann@x.example", "Help", "n1@x.example", "")),
        prepared(raw(
            "ann@x.example",
            "Re: Help",
            "n2@x.example",
            "In-Reply-To: <n1@x.example>\r\n",
        )),
        prepared(raw(
            "ann@x.example",
            "Help",
            "n1@x.example",
            "X-Copy: 2\r\n",
        )),
        prepared(raw("ann@x.example", "Help", "n1@x.example", "")),
        prepared(raw("zed@z.example", "Other", "n3@z.example", "")),
    ];
    let plan = plan(&items, &Snapshot::default(), &signer);
    assert_eq!(
        plan.decisions,
        vec![
            Decision::Create { ticket: 0 },
            Decision::Append {
                ticket: TicketRef::New(0),
                reopen_from: None,
                auto: None
            },
            Decision::Duplicate,
            Decision::Skip,
            Decision::Create { ticket: 1 },
        ]
    );
    assert_eq!(plan.new_tickets, vec![0, 4]);
}

#[test]
fn a_ticket_is_reopened_once_even_when_two_replies_arrive_together() {
    let signer = TokenSigner::new(b"k");
    let items = vec![
        prepared(raw(
            "ann@x.example",
            "Re",
            "r1@x.example",
            "In-Reply-To: <old@x.example>\r\n",
        )),
        prepared(raw(
            "ann@x.example",
            "Re",
            "r2@x.example",
            "In-Reply-To: <old@x.example>\r\n",
        )),
    ];
    let plan = plan(&items, &snapshot(), &signer);
    let reopens = plan
        .decisions
        .iter()
        .filter(|d| {
            matches!(
                d,
                Decision::Append {
                    reopen_from: Some(_),
                    ..
                }
            )
        })
        .count();
    assert_eq!(reopens, 1);
}

#[test]
fn bounces_point_at_the_message_they_bounce() {
    let signer = TokenSigner::new(b"k");
    let dsn = "From: MAILER-DAEMON@mx.example\r\nReturn-Path: <>\r\nTo: support@example.com\r\nSubject: Undelivered\r\nMessage-ID: <b1@mx.example>\r\n\r\nMessage-ID: <ours@support.example>\r\n";
    let plan = plan(&[prepared(dsn.as_bytes().to_vec())], &snapshot(), &signer);
    assert_eq!(
        plan.decisions,
        vec![Decision::Bounce {
            original: Some(KnownMessage {
                id: 8,
                ticket_id: 80
            })
        }]
    );
}

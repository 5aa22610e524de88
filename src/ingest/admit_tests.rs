//! Who joins a ticket by mail, decided over a hand-made snapshot.
use super::*;
use crate::domain::{EmailAddress, Status};
use crate::ingest::plan::{KnownMessage, plan};
use crate::ingest::{Incoming, Source, prepare};
use crate::mail::thread::TokenSigner;
use std::collections::HashMap;

fn reply(from: &str, to: &str, cc: &str) -> crate::ingest::Prepared {
    let raw = format!(
        "From: {from}\r\nTo: {to}\r\nCc: {cc}\r\nSubject: Re: Help\r\nMessage-ID: <{}@x.example>\r\nReferences: <first@x.example>\r\n\r\nHello.\r\n",
        rand::random::<u64>()
    );
    prepare(Incoming {
        source: Source::Import,
        raw: raw.into_bytes(),
    })
}

fn snapshot() -> Snapshot {
    let mut s = Snapshot {
        now: chrono::Utc::now(),
        own_addresses: vec![EmailAddress::parse("support@example.com").unwrap()],
        ..Default::default()
    };
    let first = KnownMessage {
        id: 1,
        ticket_id: 10,
    };
    s.messages.insert("first@x.example".into(), first);
    s.tickets.insert(10, Status::Open);
    s.requesters.insert(10, "ann@x.example".into());
    let mut members = HashMap::new();
    members.insert("bob@x.example".to_string(), ParticipantState::Active);
    members.insert("eve@evil.example".to_string(), ParticipantState::Pending);
    s.members.insert(10, members);
    s
}

fn joins(from: &str, to: &str, cc: &str) -> Vec<(String, ParticipantState)> {
    let p = plan(&[reply(from, to, cc)], &snapshot(), &TokenSigner::new(b"k"));
    p.joins.into_iter().map(|j| (j.email, j.state)).collect()
}

#[test]
fn who_a_reply_brings_depends_on_who_sent_it() {
    use ParticipantState::{Active, Pending};
    let us = "support@example.com";
    let table: Vec<(&str, Vec<(String, ParticipantState)>)> = vec![
        // The requester's colleague joins, our own (plus-)addresses never do.
        ("ann@x.example", vec![("carl@x.example".into(), Active)]),
        // An active participant may bring people too.
        ("bob@x.example", vec![("carl@x.example".into(), Active)]),
        // A stranger and whoever they copy wait for an agent.
        (
            "mallory@evil.example",
            vec![
                ("mallory@evil.example".into(), Pending),
                ("carl@x.example".into(), Pending),
            ],
        ),
        // A pending participant is still a stranger.
        ("eve@evil.example", vec![("carl@x.example".into(), Pending)]),
    ];
    for (from, want) in table {
        let cc = "carl@x.example, support+k7qx2m-x@example.com, bob@x.example, ann@x.example";
        assert_eq!(joins(from, us, cc), want, "from {from}");
    }
}

#[test]
fn a_full_ticket_takes_nobody_more_and_says_who_was_left_out() {
    let cc: Vec<String> = (0..60).map(|i| format!("p{i}@x.example")).collect();
    let p = plan(
        &[reply(
            "ann@x.example",
            "support@example.com",
            &cc.join(", "),
        )],
        &snapshot(),
        &TokenSigner::new(b"k"),
    );
    // 2 stored participants + the requester + 47 new ones = 50.
    assert_eq!(p.joins.len(), MAX_RECIPIENTS - 3);
    assert_eq!(p.capped.len(), 1);
    assert_eq!(p.capped[0].left_out.len(), 60 - (MAX_RECIPIENTS - 3));
    assert_eq!(p.capped[0].left_out[0], "p47@x.example");
}

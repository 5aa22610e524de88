//! The pure half of ingestion: given a batch of parsed inputs and a snapshot
//! of what the store already knows, decide what each input becomes. The
//! store then carries the plan out in one transaction.
use super::Prepared;
use crate::domain::{Ban, EmailAddress, ParticipantState, Status};
use crate::mail::AutoKind;
use crate::mail::thread::{TokenSigner, reply_token, subject_tag};
use chrono::{DateTime, Utc};
use std::collections::{HashMap, HashSet};

/// What the store knows that matters to this batch.
#[derive(Debug, Default)]
pub struct Snapshot {
    pub seen_sources: HashSet<String>,
    /// Stored messages by Message-ID.
    pub messages: HashMap<String, KnownMessage>,
    pub tickets: HashMap<i64, Status>,
    pub short_ids: HashMap<String, i64>,
    pub participants: HashSet<(i64, String)>,
    pub requesters: HashMap<i64, String>,
    pub bans: Vec<Ban>,
    pub now: DateTime<Utc>,
    /// Everyone on each threaded ticket's participant list, by state.
    pub members: HashMap<i64, HashMap<String, ParticipantState>>,
    /// Our email domains' addresses: never participants, and a loop header
    /// naming one is our own mail come back.
    pub own_addresses: Vec<EmailAddress>,
}

#[derive(Debug, Clone, Copy)]
pub struct KnownMessage {
    pub id: i64,
    pub ticket_id: i64,
}

/// A loop only when the loop header names one of our own addresses: mail
/// from another Postdesk is classified as if it carried none.
fn effective_auto(mail: &crate::mail::ParsedMail, snap: &Snapshot) -> Option<AutoKind> {
    match (mail.auto, &mail.loop_marker) {
        (Some(AutoKind::Loop), Some(marker))
            if !snap
                .own_addresses
                .iter()
                .any(|a| a.as_str().eq_ignore_ascii_case(marker.trim())) =>
        {
            mail.auto_if_foreign
        }
        (auto, _) => auto,
    }
}

/// What the snapshot must cover: filled from the batch before loading.
#[derive(Debug, Default)]
pub struct Wanted {
    pub source_keys: Vec<String>,
    pub message_ids: Vec<String>,
    pub short_ids: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TicketRef {
    Existing(i64),
    /// The n-th ticket this batch creates.
    New(usize),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// This very input (same IMAP UID or same bytes) was ingested before.
    Skip,
    Quarantine {
        reason: String,
    },
    Duplicate,
    Banned {
        ban_id: i64,
    },
    Dropped {
        kind: AutoKind,
    },
    Bounce {
        original: Option<KnownMessage>,
    },
    Create {
        ticket: usize,
    },
    Append {
        ticket: TicketRef,
        reopen_from: Option<Status>,
        auto: Option<AutoKind>,
    },
}

impl PartialEq for KnownMessage {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

#[derive(Debug, Default)]
pub struct Plan {
    pub decisions: Vec<Decision>,
    /// For each new ticket, the batch item that opens it.
    pub new_tickets: Vec<usize>,
    /// People mails bring onto their tickets.
    pub joins: Vec<super::admit::Join>,
    /// People left out because their ticket was full.
    pub capped: Vec<super::admit::Capped>,
}

pub fn wanted(items: &[Prepared], signer: &TokenSigner) -> Wanted {
    let mut w = Wanted::default();
    for item in items {
        w.source_keys.push(item.source_key.clone());
        let Ok(mail) = &item.mail else { continue };
        w.message_ids.push(item.message_id.as_str().to_string());
        w.message_ids.extend(
            mail.thread_ids()
                .into_iter()
                .map(|m| m.as_str().to_string()),
        );
        if let Some(original) = mail
            .bounce
            .as_ref()
            .and_then(|b| b.original_message_id.as_ref())
        {
            w.message_ids.push(original.as_str().to_string());
        }
        if let Some(id) = reply_token(mail.recipients()).and_then(|t| signer.verify(&t)) {
            w.short_ids.push(id.as_str().to_string());
        }
        if let Some(tag) = subject_tag(&mail.subject) {
            w.short_ids.push(tag.as_str().to_string());
        }
    }
    w.message_ids.sort_unstable();
    w.message_ids.dedup();
    w.short_ids.sort_unstable();
    w.short_ids.dedup();
    w
}

/// Batch-local memory: what earlier items of this batch already decided.
#[derive(Default)]
pub(super) struct BatchState {
    sources: HashSet<String>,
    messages: HashMap<String, TicketRef>,
    participants: HashSet<(TicketRef, String)>,
    statuses: HashMap<TicketRef, Status>,
    /// Who joined each ticket in this batch, and new tickets' requesters.
    pub(super) members: HashMap<TicketRef, HashMap<String, ParticipantState>>,
    pub(super) requesters: HashMap<TicketRef, String>,
}

pub fn plan(items: &[Prepared], snap: &Snapshot, signer: &TokenSigner) -> Plan {
    let mut state = BatchState::default();
    let mut plan = Plan::default();
    for (index, item) in items.iter().enumerate() {
        let decision = decide(index, item, snap, signer, &mut state, &mut plan);
        plan.decisions.push(decision);
    }
    plan
}

fn decide(
    index: usize,
    item: &Prepared,
    snap: &Snapshot,
    signer: &TokenSigner,
    state: &mut BatchState,
    plan: &mut Plan,
) -> Decision {
    if snap.seen_sources.contains(&item.source_key)
        || !state.sources.insert(item.source_key.clone())
    {
        return Decision::Skip;
    }
    let mail = match &item.mail {
        Ok(mail) => mail,
        Err(reason) => {
            return Decision::Quarantine {
                reason: reason.clone(),
            };
        }
    };
    let Some(from) = &mail.from else {
        return Decision::Quarantine {
            reason: "no valid From address".into(),
        };
    };
    let mid = item.message_id.as_str();
    if snap.messages.contains_key(mid) || state.messages.contains_key(mid) {
        return Decision::Duplicate;
    }
    if let Some(ban) = snap
        .bans
        .iter()
        .find(|b| b.applies(&from.address, snap.now))
    {
        return Decision::Banned { ban_id: ban.id };
    }
    let auto = effective_auto(mail, snap);
    match auto {
        Some(AutoKind::Loop) => {
            return Decision::Dropped {
                kind: AutoKind::Loop,
            };
        }
        Some(AutoKind::Bounce) => {
            return Decision::Bounce {
                original: bounced(mail, snap),
            };
        }
        _ => {}
    }
    let sender = from.address.as_str();
    let decision = match (find_thread(mail, sender, snap, signer, state), auto) {
        (Some(ticket), auto) => {
            let status = ticket_status(ticket, snap, state);
            let after = status.after_customer_reply();
            let reopen_from = (auto.is_none() && after != status).then_some(status);
            if reopen_from.is_some() {
                state.statuses.insert(ticket, after);
            }
            Decision::Append {
                ticket,
                reopen_from,
                auto,
            }
        }
        (None, Some(kind)) => return Decision::Dropped { kind },
        (None, None) => {
            plan.new_tickets.push(index);
            let n = plan.new_tickets.len() - 1;
            state
                .requesters
                .insert(TicketRef::New(n), sender.to_string());
            Decision::Create {
                ticket: plan.new_tickets.len() - 1,
            }
        }
    };
    let ticket = match &decision {
        Decision::Append { ticket, .. } => *ticket,
        Decision::Create { ticket } => TicketRef::New(*ticket),
        _ => unreachable!("only appends and creates reach here"),
    };
    state.messages.insert(mid.to_string(), ticket);
    for who in std::iter::once(&from.address).chain(mail.cc.iter().map(|m| &m.address)) {
        state
            .participants
            .insert((ticket, who.as_str().to_string()));
    }
    super::admit::admit(index, ticket, mail, snap, state, plan);
    decision
}

fn ticket_status(ticket: TicketRef, snap: &Snapshot, state: &BatchState) -> Status {
    if let Some(s) = state.statuses.get(&ticket) {
        return *s;
    }
    match ticket {
        TicketRef::Existing(id) => snap.tickets.get(&id).copied().unwrap_or(Status::Open),
        TicketRef::New(_) => Status::Open,
    }
}

/// Headers first (a stored or generated Message-ID), then a valid reply
/// token, then a subject tag when the sender already takes part.
fn find_thread(
    mail: &crate::mail::ParsedMail,
    sender: &str,
    snap: &Snapshot,
    signer: &TokenSigner,
    state: &BatchState,
) -> Option<TicketRef> {
    for id in mail.thread_ids() {
        if let Some(t) = state.messages.get(id.as_str()) {
            return Some(*t);
        }
        if let Some(m) = snap.messages.get(id.as_str()) {
            return Some(TicketRef::Existing(m.ticket_id));
        }
    }
    let by_token = reply_token(mail.recipients())
        .and_then(|t| signer.verify(&t))
        .and_then(|id| snap.short_ids.get(id.as_str()).copied());
    if let Some(ticket) = by_token {
        return Some(TicketRef::Existing(ticket));
    }
    let tagged =
        subject_tag(&mail.subject).and_then(|id| snap.short_ids.get(id.as_str()).copied())?;
    let r = TicketRef::Existing(tagged);
    let takes_part = snap.participants.contains(&(tagged, sender.to_string()))
        || snap.requesters.get(&tagged).is_some_and(|e| e == sender)
        || state.participants.contains(&(r, sender.to_string()));
    takes_part.then_some(r)
}

fn bounced(mail: &crate::mail::ParsedMail, snap: &Snapshot) -> Option<KnownMessage> {
    let original = mail
        .bounce
        .as_ref()
        .and_then(|b| b.original_message_id.as_ref());
    original
        .into_iter()
        .chain(mail.thread_ids())
        .find_map(|id| snap.messages.get(id.as_str()).copied())
}

#[cfg(test)]
#[path = "plan_tests.rs"]
mod tests;

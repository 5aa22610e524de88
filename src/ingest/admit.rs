//! Who a mail brings onto its ticket. Only the requester and the ticket's
//! active participants may add people by mail: what they bring (To and Cc)
//! becomes active. A mail from anyone else (a stranger who found a
//! Message-ID to thread on) brings its sender and everyone it names as
//! pending participants, copied on nothing until an agent accepts them.
//! Our own addresses never join, and a ticket holds at most
//! [`MAX_RECIPIENTS`] people with its requester.
use super::plan::{BatchState, Plan, Snapshot, TicketRef};
use crate::domain::{MAX_RECIPIENTS, Mailbox, ParticipantState, is_own_address};
use crate::mail::ParsedMail;

/// One person joining a ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Join {
    /// The batch item (mail) that brought them.
    pub item: usize,
    pub ticket: TicketRef,
    pub email: String,
    pub name: Option<String>,
    pub state: ParticipantState,
}

/// People a mail named who did not join: the ticket was full.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capped {
    pub item: usize,
    pub ticket: TicketRef,
    pub left_out: Vec<String>,
}

pub(super) fn admit(
    item: usize,
    ticket: TicketRef,
    mail: &ParsedMail,
    snap: &Snapshot,
    state: &mut BatchState,
    plan: &mut Plan,
) {
    let Some(from) = &mail.from else { return };
    let sender = from.address.as_str();
    let trusted = requester(ticket, snap, state) == Some(sender)
        || member(ticket, sender, snap, state) == Some(ParticipantState::Active);
    let (joining, strangers): (ParticipantState, Option<&Mailbox>) = if trusted {
        (ParticipantState::Active, None)
    } else {
        (ParticipantState::Pending, Some(from))
    };
    let mut left_out = Vec::new();
    for m in strangers.into_iter().chain(&mail.to).chain(&mail.cc) {
        let email = m.address.as_str();
        if is_own_address(&m.address, &snap.own_addresses)
            || requester(ticket, snap, state) == Some(email)
            || member(ticket, email, snap, state).is_some()
        {
            continue;
        }
        // The requester is one of the MAX_RECIPIENTS.
        if count(ticket, snap, state) + 1 >= MAX_RECIPIENTS {
            left_out.push(email.to_string());
            continue;
        }
        state
            .members
            .entry(ticket)
            .or_default()
            .insert(email.to_string(), joining);
        plan.joins.push(Join {
            item,
            ticket,
            email: email.to_string(),
            name: m.name.clone(),
            state: joining,
        });
    }
    if !left_out.is_empty() {
        plan.capped.push(Capped {
            item,
            ticket,
            left_out,
        });
    }
}

fn requester<'a>(ticket: TicketRef, snap: &'a Snapshot, state: &'a BatchState) -> Option<&'a str> {
    match ticket {
        TicketRef::Existing(id) => snap.requesters.get(&id),
        TicketRef::New(_) => state.requesters.get(&ticket),
    }
    .map(String::as_str)
}

fn member(
    ticket: TicketRef,
    email: &str,
    snap: &Snapshot,
    state: &BatchState,
) -> Option<ParticipantState> {
    let batch = state.members.get(&ticket).and_then(|m| m.get(email));
    let stored = match ticket {
        TicketRef::Existing(id) => snap.members.get(&id).and_then(|m| m.get(email)),
        TicketRef::New(_) => None,
    };
    batch.or(stored).copied()
}

fn count(ticket: TicketRef, snap: &Snapshot, state: &BatchState) -> usize {
    let batch = state.members.get(&ticket).map_or(0, |m| m.len());
    let stored = match ticket {
        TicketRef::Existing(id) => snap.members.get(&id).map_or(0, |m| m.len()),
        TicketRef::New(_) => 0,
    };
    batch + stored
}

#[cfg(test)]
#[path = "admit_tests.rs"]
mod tests;

//! Presence: who has a ticket open, and who is writing on it. Each open
//! ticket page says so every few seconds; what was not said again within
//! [`TTL`] is gone (a closed tab, a lost connection), and leaving the page
//! says so at once. Kept in memory: it is true only while it is fresh.
use super::error::PageResult;
use super::session::WebAgent;
use crate::api::AppState;
use axum::Form;
use axum::Json;
use axum::extract::{Path, Query, State};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long one beat keeps an agent present.
pub const TTL: Duration = Duration::from_secs(8);
/// Most (ticket, agent) pairs kept: beats past it are dropped.
const MAX_ENTRIES: usize = 50_000;
/// Most tickets one inbox question may name.
const MAX_TICKETS: usize = 100;

/// One agent on one ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Here {
    pub name: String,
    /// Writing a reply or a note.
    pub writing: bool,
}

#[derive(Debug, Default)]
pub struct Presence {
    seen: Mutex<HashMap<(i64, i64), (Here, Instant)>>,
}

impl Presence {
    /// `agent` is on `ticket` (writing or not) as of `now`.
    pub fn beat(&self, ticket: i64, agent: i64, here: Here, now: Instant) {
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        seen.retain(|_, (_, at)| now.duration_since(*at) < TTL);
        if seen.len() < MAX_ENTRIES || seen.contains_key(&(ticket, agent)) {
            seen.insert((ticket, agent), (here, now));
        }
    }

    /// `agent` left `ticket`.
    pub fn leave(&self, ticket: i64, agent: i64) {
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        seen.remove(&(ticket, agent));
    }

    /// Who else is on `ticket` as of `now`, by name.
    pub fn on(&self, ticket: i64, except: i64, now: Instant) -> Vec<Here> {
        self.on_each(&[ticket], except, now)
            .remove(&ticket)
            .unwrap_or_default()
    }

    /// Who else is on each of `tickets` (those with anyone), by name: one
    /// pass over what is kept, however many tickets are asked about.
    pub fn on_each(&self, tickets: &[i64], except: i64, now: Instant) -> HashMap<i64, Vec<Here>> {
        let seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        let mut out: HashMap<i64, Vec<Here>> = HashMap::new();
        for ((ticket, agent), (here, at)) in seen.iter() {
            if *agent != except && now.duration_since(*at) < TTL && tickets.contains(ticket) {
                out.entry(*ticket).or_default().push(here.clone());
            }
        }
        for here in out.values_mut() {
            here.sort_by(|a, b| a.name.cmp(&b.name));
        }
        out
    }
}

#[derive(Debug, Deserialize)]
pub struct BeatForm {
    /// 1 while the agent writes.
    #[serde(default)]
    writing: String,
    /// 1 when the page is left.
    #[serde(default)]
    leave: String,
}

/// The ticket page's beat: records it, answers who else is there.
pub async fn beat(
    State(state): State<AppState>,
    agent: WebAgent,
    Path(id): Path<i64>,
    Form(f): Form<BeatForm>,
) -> PageResult<Json<Vec<Here>>> {
    let presence = &state.presence;
    if f.leave == "1" {
        presence.leave(id, agent.agent_id);
        return Ok(Json(Vec::new()));
    }
    let here = Here {
        name: agent.name.clone(),
        writing: f.writing == "1",
    };
    let now = Instant::now();
    presence.beat(id, agent.agent_id, here, now);
    Ok(Json(presence.on(id, agent.agent_id, now)))
}

#[derive(Debug, Deserialize)]
pub struct Tickets {
    /// Ticket ids, comma-separated.
    #[serde(default)]
    tickets: String,
}

/// For the inbox: who is on each of the tickets named (those with anyone).
pub async fn on_tickets(
    State(state): State<AppState>,
    agent: WebAgent,
    Query(q): Query<Tickets>,
) -> PageResult<Json<HashMap<i64, Vec<Here>>>> {
    let tickets: Vec<i64> = q
        .tickets
        .split(',')
        .filter_map(|t| t.trim().parse::<i64>().ok())
        .take(MAX_TICKETS)
        .collect();
    let now = Instant::now();
    Ok(Json(state.presence.on_each(&tickets, agent.agent_id, now)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn here(name: &str, writing: bool) -> Here {
        Here {
            name: name.into(),
            writing,
        }
    }

    #[test]
    fn an_agent_is_present_until_they_leave_or_their_beats_stop() {
        let p = Presence::default();
        let t0 = Instant::now();
        p.beat(7, 1, here("Ann", false), t0);
        p.beat(7, 2, here("Bob", true), t0);
        p.beat(8, 1, here("Ann", false), t0);
        assert_eq!(p.on(7, 2, t0), [here("Ann", false)], "not oneself");
        assert_eq!(p.on(7, 3, t0), [here("Ann", false), here("Bob", true)]);
        p.leave(7, 1);
        assert_eq!(p.on(7, 2, t0), []);
        assert_eq!(p.on(8, 2, t0), [here("Ann", false)]);
        let each = p.on_each(&[7, 8, 9], 2, t0);
        assert_eq!(each.len(), 1, "only tickets with someone: {each:?}");
        assert_eq!(each[&8], [here("Ann", false)]);
        let later = t0 + TTL;
        assert_eq!(p.on(8, 2, later), [], "the beats stopped");
        p.beat(9, 3, here("Cy", false), later);
        assert_eq!(p.seen.lock().unwrap().len(), 1, "stale ones are dropped");
    }
}

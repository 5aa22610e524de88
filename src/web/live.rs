//! `GET /live`: the pages' live updates as server-sent events. Each event
//! is a change to a ticket (`{"ticket", "kind", "at"}`) with an id the
//! browser sends back as `Last-Event-ID` when it reconnects, so it is sent
//! what it missed and nothing twice; `reset` asks it to load afresh.
use super::session::WebAgent;
use crate::api::AppState;
use crate::service::live::{Change, Live, Start};
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::Stream;
use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast::{Receiver, error::RecvError};

/// What is left to send one client.
struct Feed {
    live: Arc<Live>,
    backlog: VecDeque<Change>,
    rx: Receiver<Change>,
    stopped: tokio::sync::watch::Receiver<bool>,
    /// The last change sent (0: none yet).
    sent: u64,
    reset: bool,
}

#[derive(Debug, serde::Deserialize)]
pub struct Resume {
    /// The last change seen, for a page that closed its stream while
    /// hidden (the browser sends `Last-Event-ID` only on its own retries).
    last: Option<String>,
}

pub async fn stream(
    State(state): State<AppState>,
    _agent: WebAgent,
    headers: HeaderMap,
    Query(resume): Query<Resume>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let last = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or(resume.last)
        .filter(|l| !l.is_empty() && l.len() <= 64);
    let (start, rx) = state.live.subscribe(last.as_deref());
    let sent = last
        .as_deref()
        .and_then(|l| l.rsplit('-').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let (backlog, reset, sent) = match start {
        Start::Resume(missed) => (missed.into(), false, sent),
        // Numbers of another process mean nothing here.
        Start::Reset => (VecDeque::new(), true, 0),
    };
    let feed = Feed {
        live: state.live.clone(),
        stopped: state.live.stopped(),
        backlog,
        rx,
        sent,
        reset,
    };
    let events = futures::stream::unfold(feed, |mut f| async move {
        let event = next(&mut f).await?;
        Some((Ok(event), f))
    });
    Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}

/// The next event for a client: a reset, what it missed, then what comes.
async fn next(f: &mut Feed) -> Option<Event> {
    if std::mem::take(&mut f.reset) {
        return Some(Event::default().event("reset").data("{}"));
    }
    loop {
        let change = match f.backlog.pop_front() {
            Some(c) => c,
            None => match tokio::select! {
                r = f.rx.recv() => r,
                _ = f.stopped.wait_for(|s| *s) => return None,
            } {
                Ok(c) => c,
                // Too slow to keep up: load afresh.
                Err(RecvError::Lagged(_)) => {
                    return Some(Event::default().event("reset").data("{}"));
                }
                Err(RecvError::Closed) => return None,
            },
        };
        if change.seq <= f.sent {
            continue;
        }
        f.sent = change.seq;
        let event = if change.kind == "reset" {
            Event::default().event("reset").data("{}")
        } else {
            Event::default()
                .event("ticket")
                .id(f.live.event_id(change.seq))
                .json_data(&change)
                .ok()?
        };
        return Some(event);
    }
}

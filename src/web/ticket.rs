//! A ticket: its thread oldest first (emails both ways with their reply
//! text and the quoted history folded away, notes in their colour, events
//! as quiet lines), a side panel of its attributes, and a composer for a
//! reply or a note. Reads and changes go through the API's own functions.
use super::compose::Composer;
use super::error::PageResult;
use super::panel::Panel;
use super::session::WebAgent;
use super::views::{self, Layout, choices};
use crate::api::AppState;
use crate::api::ticket_changes::notes::COLOURS;
use crate::api::tickets::thread::{ThreadItem, merge};
use crate::api::tickets::view::{self, TicketView};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use chrono::Utc;

#[derive(Template)]
#[template(path = "web/ticket.html")]
struct TicketPage {
    layout: Layout,
    t: TicketView,
    entries: Vec<Entry>,
    agents: Vec<(i64, String)>,
    colours: &'static [&'static str],
    statuses: &'static [&'static str],
    priorities: &'static [&'static str],
    tags: String,
    due: String,
    created: String,
    composer: Composer,
    templates: Vec<String>,
    recipients: String,
    /// The agent's signature as a reply appends it, or why it cannot be.
    signature: Option<String>,
    panel: Panel,
    /// The newest message on the page: a reply sent from it is stopped
    /// when someone else has added to the ticket since.
    seen: i64,
    /// When a snooze ends, as agents read it.
    snoozed: Option<String>,
    snooze_for: &'static [(i64, &'static str)],
    /// Whether the composer offers the assistant (`[assist]` configured).
    assist: bool,
}

/// One line of the thread, ready to show.
struct Entry {
    /// inbound | outbound | note | event
    kind: &'static str,
    who: String,
    when: String,
    text: String,
    /// The whole mail when the reply text left quoted history out.
    full: Option<String>,
    status: String,
    error: String,
    colour: String,
    /// Automatic mail (our acknowledgements, customers' auto-replies),
    /// shown folded.
    auto: bool,
    /// The message's or the note's id (0 for events).
    message: i64,
    /// (attachment id, name, size)
    files: Vec<(i64, String, String)>,
    /// A reply held for the undo window: (seconds left, milliseconds left
    /// for the script's countdown).
    undo: Option<(i64, i64)>,
}

pub async fn page(
    State(state): State<AppState>,
    agent: WebAgent,
    Path(id): Path<i64>,
) -> PageResult<Response> {
    let composer = super::drafts::composer(&state, &agent, id).await?;
    render(&state, &agent, id, composer, StatusCode::OK).await
}

/// The ticket page with `composer` as given (a draft, its preview or the
/// reason it was refused).
pub async fn render(
    state: &AppState,
    agent: &WebAgent,
    id: i64,
    composer: Composer,
    status: StatusCode,
) -> PageResult<Response> {
    let t = view::load(&state.store, agent.role, id).await?;
    let thread = state
        .store
        .thread(id)
        .await?
        .ok_or_else(|| super::error::PageError::not_found("such ticket"))?;
    let hidden = state
        .store
        .hidden_field_keys(crate::domain::FieldScope::Ticket, agent.role)
        .await?;
    let agents = choices::active_agents(&state.store).await?;
    let templates = choices::template_names(&state.store).await?;
    let view = state.replies.composer_view(id, agent.agent_id).await;
    let (recipients, signature) = match view {
        Ok(v) => (v.recipients, v.signature),
        Err(e) => (Err(e), Ok(None)),
    };
    let recipients = match recipients {
        Ok(r) => recipients_line(&r),
        Err(e) => format!("no reply can be sent: {e}"),
    };
    let signature = match signature {
        Ok(s) => s.map(|s| format!("-- \n{s}")),
        Err(e) => Some(format!("The signature cannot be rendered: {e}")),
    };
    let panel = super::panel::load(state, agent, &t).await?;
    let now = Utc::now();
    let seen = thread.messages.iter().map(|m| m.id).max().unwrap_or(0);
    let page = TicketPage {
        seen,
        snoozed: t.snoozed_until.map(views::when),
        snooze_for: &super::panel::SNOOZE_FOR,
        assist: state.assist.is_some(),
        panel,
        layout: Layout::for_agent(&format!("#{} {}", t.short_id, t.subject), agent),
        entries: merge(thread, &hidden).into_iter().map(entry).collect(),
        agents,
        colours: &COLOURS,
        statuses: &["open", "pending", "resolved"],
        priorities: &["low", "normal", "high", "urgent"],
        tags: t.tags.join(", "),
        due: t.due_at.map(|d| views::due(d, now)).unwrap_or_default(),
        created: views::when(t.created_at),
        composer,
        templates,
        recipients,
        signature,
        t,
    };
    let html = page.render().map_err(anyhow::Error::from)?;
    Ok((status, Html(html)).into_response())
}

/// `To: a · Cc: b, c`
fn recipients_line(r: &crate::outbound::recipients::Recipients) -> String {
    let join = |list: &[crate::domain::Mailbox]| {
        list.iter()
            .map(|m| m.address.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut line = format!("To: {}", join(&r.to));
    if !r.cc.is_empty() {
        line.push_str(&format!(" · Cc: {}", join(&r.cc)));
    }
    if !r.left_out.is_empty() {
        line.push_str(&format!(
            " · not copied (too many): {}",
            r.left_out.join(", ")
        ));
    }
    line
}

impl TicketPage {
    fn assignee_is(&self, id: i64) -> bool {
        self.t.assignee.as_ref().is_some_and(|a| a.id == id)
    }
}

fn entry(item: ThreadItem) -> Entry {
    let blank = Entry {
        kind: "event",
        who: String::new(),
        when: String::new(),
        text: String::new(),
        full: None,
        status: String::new(),
        error: String::new(),
        colour: String::new(),
        auto: false,
        message: 0,
        files: Vec::new(),
        undo: None,
    };
    match item {
        ThreadItem::Message(m) => Entry {
            kind: if m.direction == "inbound" {
                "inbound"
            } else {
                "outbound"
            },
            who: match (&m.author, &m.from.name) {
                (Some(a), _) => a.name.clone(),
                (None, Some(name)) => format!("{name} <{}>", m.from.address),
                (None, None) => m.from.address.clone(),
            },
            when: views::when(m.created_at),
            message: m.id,
            auto: m.auto_kind.is_some(),
            full: (m.reply_text.trim() != m.body_text.trim()).then(|| m.body_text.clone()),
            text: m.reply_text,
            status: m.delivery_status,
            error: m.delivery_error.unwrap_or_default(),
            undo: m.undo_until.map(|until| {
                let left = (until - Utc::now()).num_milliseconds();
                ((left + 999) / 1000, left)
            }),
            files: m
                .attachments
                .iter()
                .map(|a| {
                    let name = a.filename.clone().unwrap_or_else(|| "attachment".into());
                    (a.id, name, views::size(a.size))
                })
                .collect(),
            ..blank
        },
        ThreadItem::Note(n) => Entry {
            kind: "note",
            message: n.id,
            who: n.author.map(|a| a.name).unwrap_or_else(|| "Someone".into()),
            when: views::when(n.created_at),
            text: n.body,
            colour: n.colour,
            ..blank
        },
        ThreadItem::Event(e) => Entry {
            who: e.agent.map(|a| a.name).unwrap_or_else(|| e.actor.clone()),
            when: views::when(e.created_at),
            text: event_text(&e.kind, &e.data),
            ..blank
        },
    }
}

/// An event in words: `status: open → resolved`.
fn event_text(kind: &str, data: &serde_json::Value) -> String {
    let s = |k: &str| match &data[k] {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    match kind {
        "delivery_failed" => format!("delivery failed: {}", s("error")),
        "snoozed" => match chrono::DateTime::parse_from_rfc3339(&s("until")) {
            Ok(until) => format!("snoozed until {}", views::when(until.to_utc())),
            Err(_) => "snoozed".into(),
        },
        "transferred" => match data["agent"]["name"].as_str() {
            Some(name) => format!("transferred to {name}"),
            None => "transferred to other teams".into(),
        },
        "field_changed" => format!("{} changed: {} → {}", s("key"), s("from"), s("to")),
        _ if !s("from").is_empty() || !s("to").is_empty() => {
            format!("{}: {} → {}", kind.replace('_', " "), s("from"), s("to"))
        }
        _ => kind.replace('_', " "),
    }
}

/// Where the ticket's outbound mail stands, for the page to follow
/// without a reload.
pub async fn deliveries(
    State(state): State<AppState>,
    _agent: WebAgent,
    Path(id): Path<i64>,
) -> PageResult<axum::Json<Vec<crate::store::attachments::DeliveryState>>> {
    Ok(axum::Json(state.store.delivery_states(id).await?))
}

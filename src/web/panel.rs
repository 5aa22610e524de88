//! The ticket page's side panel: the ticket's attributes as inputs of their
//! type (status, priority, assignee, topic, teams, tags, custom fields,
//! description), the shortcut buttons, and the requester's other tickets.
//! Changes go through the API's own checks and `change_ticket`.
use super::error::{PageError, PageResult};
use super::session::WebAgent;
use super::views::choices;
use crate::api::AppState;
use crate::api::contacts::ContactView;
use crate::api::ticket_changes::patch::{PatchTicket, to_change};
use crate::api::tickets::filters;
use crate::api::tickets::view::TicketView;
use crate::domain::{FieldScope, FieldType, Role};
use crate::store::fields::FieldDef;
use crate::store::teams::Catalog;
use crate::store::ticket_plan::Count;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::{Map, Value};

pub struct Panel {
    pub topics: Vec<(i64, String)>,
    pub topic_id: i64,
    /// (id, name, member)
    pub teams: Vec<(i64, String, bool)>,
    pub fields: Vec<FieldInput>,
    /// The requester's other tickets: (id, `#SHORT subject`, status).
    pub others: Vec<(i64, String, String)>,
    /// People mail brought onto the ticket, but our own addresses:
    /// (address, pending).
    pub participants: Vec<(String, bool)>,
    /// The requester as a contact: their fields (label, value), notepad and
    /// open tickets.
    pub contact: ContactView,
    pub contact_fields: Vec<(String, String)>,
    pub notepad_by: String,
}

pub struct FieldInput {
    pub key: String,
    pub label: String,
    /// text | number | date | select | checkbox
    pub kind: &'static str,
    pub value: String,
    pub options: Vec<String>,
    /// False: shown, not changed (the field is view-only to agents).
    pub editable: bool,
}

pub async fn load(state: &AppState, agent: &WebAgent, t: &TicketView) -> PageResult<Panel> {
    let store = &state.store;
    let topics = choices::named(store, Catalog::Topics).await?;
    let teams = choices::named(store, Catalog::Teams).await?;
    let defs = store.fields_in(FieldScope::Ticket).await?;
    let fields = field_inputs(defs, agent.role, &t.fields);
    let ours: Vec<String> = store
        .email_domains()
        .await?
        .into_iter()
        .map(|d| d.address.as_str().to_owned())
        .collect();
    let participants = t
        .participants
        .iter()
        .filter(|p| !ours.contains(&p.email))
        .map(|p| (p.email.clone(), p.state == "pending"))
        .collect();
    let contact = crate::api::contacts::load(store, agent.role, t.requester.id).await?;
    let contact_defs = store.fields_in(FieldScope::Contact).await?;
    let contact_fields = field_inputs(contact_defs, agent.role, &contact.fields)
        .into_iter()
        .filter(|f| !f.value.is_empty())
        .map(|f| (f.label, f.value))
        .collect();
    Ok(Panel {
        notepad_by: super::contacts::notepad_by(&contact.notepad),
        contact,
        contact_fields,
        participants,
        topic_id: t.topic.as_ref().map_or(0, |n| n.id),
        topics,
        teams: teams
            .into_iter()
            .map(|(id, name)| (id, name, t.teams.iter().any(|m| m.id == id)))
            .collect(),
        fields,
        others: others(state, agent, t).await?,
    })
}

/// Inputs for those of custom fields `defs` someone of `role` sees,
/// holding `values` (by key, as the API shows them).
pub fn field_inputs(
    defs: Vec<FieldDef>,
    role: Role,
    values: &Map<String, Value>,
) -> Vec<FieldInput> {
    defs.into_iter()
        .filter(|d| d.agent_access.seen_by(role))
        .map(|d| FieldInput {
            editable: d.agent_access.edited_by(role),
            value: match values.get(&d.key) {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Bool(b)) => b.to_string(),
                Some(Value::Null) | None => String::new(),
                Some(other) => other.to_string(),
            },
            kind: d.field_type.as_str(),
            key: d.key,
            label: d.label,
            options: d.options,
        })
        .collect()
}

/// Up to ten other tickets of the requester, newest activity first, as the
/// agent's own list would find them.
async fn others(
    state: &AppState,
    agent: &WebAgent,
    t: &TicketView,
) -> PageResult<Vec<(i64, String, String)>> {
    let caller = agent.caller();
    let params = vec![("q".to_string(), format!("\"{}\"", t.requester.email))];
    let Ok(req) = filters::parse(&state.store, &caller, &params).await else {
        return Ok(Vec::new());
    };
    // Only the page is shown: its total is not counted past it.
    let page = state
        .store
        .ticket_page_counted(&req.query, 11, 0, Count::UpTo(1))
        .await?;
    let details = state.store.ticket_details(&page.ids).await?;
    Ok(details
        .into_iter()
        .map(TicketView::from)
        .filter(|o| o.id != t.id && o.requester.email == t.requester.email)
        .take(10)
        .map(|o| (o.id, format!("#{} {}", o.short_id, o.subject), o.status))
        .collect())
}

/// The side panel's form and its buttons.
pub async fn change(
    State(state): State<AppState>,
    agent: WebAgent,
    Path(id): Path<i64>,
    Form(form): Form<Vec<(String, String)>>,
) -> PageResult<Response> {
    let patch = patch(&state, &agent, &form).await?;
    let change = to_change(&state.store, agent.role, patch).await?;
    if !change.is_empty() {
        state
            .store
            .change_ticket(id, &change, Some(agent.agent_id))
            .await?
            .ok_or_else(|| PageError::not_found("such ticket"))?;
    }
    Ok(Redirect::to(&format!("/tickets/{id}")).into_response())
}

async fn patch(
    state: &AppState,
    agent: &WebAgent,
    form: &[(String, String)],
) -> PageResult<PatchTicket> {
    let get = |k: &str| super::views::form_value(form, k).map(str::to_owned);
    let status = |s: &str| PatchTicket {
        status: Some(s.into()),
        ..PatchTicket::default()
    };
    Ok(match get("action").as_deref() {
        Some("assign_me") => PatchTicket {
            assignee_id: Some(Some(agent.agent_id)),
            ..PatchTicket::default()
        },
        Some("resolve") => status("resolved"),
        Some("reopen") => status("open"),
        Some("snooze") => PatchTicket {
            snoozed_until: Some(Some(snooze_end(get("snooze_for").as_deref())?)),
            ..PatchTicket::default()
        },
        Some("unsnooze") => PatchTicket {
            snoozed_until: Some(None),
            ..PatchTicket::default()
        },
        _ => PatchTicket {
            status: get("status"),
            priority: get("priority"),
            assignee_id: get("assignee").map(|a| a.trim().parse::<i64>().ok()),
            tags: get("tags").map(|t| {
                t.split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect()
            }),
            topic_id: get("topic").map(|t| t.trim().parse::<i64>().ok()),
            team_ids: get("teams_shown").map(|_| {
                form.iter()
                    .filter(|(k, _)| k == "team")
                    .filter_map(|(_, v)| v.parse().ok())
                    .collect()
            }),
            description: get("description"),
            fields: Some(field_values(state, FieldScope::Ticket, agent.role, form).await?)
                .filter(|m| !m.is_empty()),
            ..PatchTicket::default()
        },
    })
}

/// Snooze lengths offered on the page: (hours, label).
pub const SNOOZE_FOR: [(i64, &str); 5] = [
    (1, "1 hour"),
    (4, "4 hours"),
    (24, "1 day"),
    (72, "3 days"),
    (168, "1 week"),
];

/// The end of a snooze of one of [`SNOOZE_FOR`]'s lengths, from now.
fn snooze_end(hours: Option<&str>) -> PageResult<String> {
    let hours = hours
        .and_then(|h| h.trim().parse::<i64>().ok())
        .filter(|h| SNOOZE_FOR.iter().any(|(n, _)| n == h))
        .ok_or_else(|| PageError::bad_request("choose how long to snooze"))?;
    let until = chrono::Utc::now() + chrono::Duration::hours(hours);
    Ok(crate::api::time::format(&until))
}

/// The custom fields of `scope` the form shows as inputs to someone of
/// `role`, as the API takes them: an empty input removes the value, a
/// checkbox left unticked is false.
pub async fn field_values(
    state: &AppState,
    scope: FieldScope,
    role: Role,
    form: &[(String, String)],
) -> PageResult<Map<String, Value>> {
    let mut out = Map::new();
    if !form.iter().any(|(k, _)| k == "fields_shown") {
        return Ok(out);
    }
    let defs = state.store.fields_in(scope).await?;
    for def in defs.into_iter().filter(|d| d.agent_access.edited_by(role)) {
        let given = form
            .iter()
            .find(|(k, _)| k.strip_prefix("field.") == Some(def.key.as_str()))
            .map(|(_, v)| v.trim().to_owned());
        let value = match (def.field_type, given) {
            (FieldType::Checkbox, given) => Value::Bool(given.is_some()),
            (_, None) => continue,
            (_, Some(v)) if v.is_empty() => Value::Null,
            (_, Some(v)) => Value::String(v),
        };
        out.insert(def.key, value);
    }
    Ok(out)
}

/// Hands the ticket over (the side panel's Transfer form): the agent
/// chosen, the teams ticked (none ticked: the teams stay), the note.
pub async fn transfer(
    State(state): State<AppState>,
    agent: WebAgent,
    Path(id): Path<i64>,
    Form(form): Form<Vec<(String, String)>>,
) -> PageResult<Response> {
    use crate::api::ticket_changes::transfer::{Transfer, transfer};
    let get = |k: &str| super::views::filled(&form, k);
    let teams: Vec<i64> = form
        .iter()
        .filter(|(k, _)| k == "team")
        .filter_map(|(_, v)| v.parse().ok())
        .collect();
    let body = Transfer {
        agent_id: get("agent").and_then(|a| a.parse().ok()),
        team_ids: Some(teams).filter(|t| !t.is_empty()),
        note: get("note"),
    };
    transfer(&state.store, &agent.caller(), id, body).await?;
    Ok(Redirect::to(&format!("/tickets/{id}")).into_response())
}

#[derive(serde::Deserialize)]
pub struct ParticipantForm {
    email: String,
    /// accept | remove
    action: String,
}

/// Accepts or removes someone mail brought onto the ticket.
pub async fn participant(
    State(state): State<AppState>,
    agent: WebAgent,
    Path(id): Path<i64>,
    Form(f): Form<ParticipantForm>,
) -> PageResult<Response> {
    use crate::api::ticket_changes::participants;
    let caller = agent.caller();
    if f.action == "accept" {
        participants::accept(&state, &caller, id, &f.email).await?;
    } else {
        participants::remove(&state, &caller, id, &f.email).await?;
    }
    Ok(Redirect::to(&format!("/tickets/{id}")).into_response())
}

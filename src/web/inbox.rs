//! The inbox: folders (All, Unassigned, Mine, each of my teams) with their
//! counts, the open/closed toggle, the API's filters, search, sort and
//! pages, all in the URL; rows selected for a bulk change. The list is the
//! API's own query (`filters::parse` and the same planner).
use super::error::{PageError, PageResult};
use super::session::WebAgent;
use super::views::{self, Layout, choices};
use crate::api::AppState;
use crate::api::ticket_changes::patch::{PatchTicket, to_change};
use crate::api::tickets::filters;
use crate::api::tickets::view::TicketView;
use crate::domain::FieldType;
use crate::store::fields::FieldDef;
use crate::store::teams::Catalog;
use crate::store::ticket_plan::Count;
use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::Utc;

type Params = Vec<(String, String)>;

/// Totals that are not kept counts (a tag, a team, a search) are counted
/// up to this many past the page: an agent needs "1,000+", and counting
/// thirty thousand matches would take longer than the page itself.
const COUNT_TO: Count = Count::UpTo(1_000);

/// Statuses of the open and the closed side of the toggle.
const OPEN: &str = "open,pending,overdue";
const CLOSED: &str = "resolved";

#[derive(Template)]
#[template(path = "web/inbox.html")]
struct InboxPage {
    layout: Layout,
    folders: Vec<Folder>,
    closed: bool,
    open_link: String,
    closed_link: String,
    q: String,
    folder: String,
    sort: String,
    rows: Vec<Row>,
    total: i64,
    /// The total as shown: `1,000+` once counting stopped at its bound.
    total_text: String,
    first: i64,
    last: i64,
    prev: Option<String>,
    next: Option<String>,
    here: String,
    filters: Filters,
}

/// The filter form's choices and what the URL has chosen.
struct Filters {
    agents: Vec<(i64, String)>,
    teams: Vec<(i64, String)>,
    topics: Vec<(i64, String)>,
    fields: Vec<FieldFilter>,
    /// The URL's query, for preselecting.
    chosen: Params,
}

/// A custom field in the filter form: `field.<key>`, with a list of
/// choices where the type has one (options, yes/no), else a text input.
struct FieldFilter {
    param: String,
    label: String,
    choices: Option<Vec<(String, String)>>,
}

impl FieldFilter {
    fn of(def: FieldDef) -> Self {
        let choices = match def.field_type {
            FieldType::Select => Some(def.options.iter().map(|o| (o.clone(), o.clone())).collect()),
            FieldType::Checkbox => Some(vec![
                ("true".into(), "Yes".into()),
                ("false".into(), "No".into()),
            ]),
            _ => None,
        };
        Self {
            param: format!("field.{}", def.key),
            label: def.label,
            choices,
        }
    }
}

impl Filters {
    fn is(&self, key: &str, value: &str) -> bool {
        self.chosen.iter().any(|(k, v)| k == key && v == value)
    }

    fn value(&self, key: &str) -> &str {
        self.chosen
            .iter()
            .find(|(k, _)| k == key)
            .map_or("", |(_, v)| v.as_str())
    }

    /// Whether any of the form's filters is set.
    fn any(&self) -> bool {
        ["status", "priority", "assignee", "team", "topic", "tag"]
            .iter()
            .any(|k| !self.value(k).is_empty())
            || self.fields.iter().any(|f| !self.value(&f.param).is_empty())
    }
}

async fn filters(
    state: &AppState,
    agent: &WebAgent,
    params: &Params,
    teams: Vec<(i64, String)>,
) -> PageResult<Filters> {
    let store = &state.store;
    Ok(Filters {
        agents: choices::active_agents(store).await?,
        teams,
        topics: choices::named(store, Catalog::Topics).await?,
        fields: store
            .fields_in(crate::domain::FieldScope::Ticket)
            .await?
            .into_iter()
            .filter(|f| f.agent_access.seen_by(agent.role))
            .map(FieldFilter::of)
            .collect(),
        chosen: params.clone(),
    })
}

struct Folder {
    name: String,
    link: String,
    count: String,
    current: bool,
}

struct Row {
    id: i64,
    snippet: String,
    short_id: String,
    subject: String,
    requester: String,
    status: String,
    priority: String,
    assignee: String,
    tags: String,
    updated: String,
    due: String,
    overdue: bool,
}

pub async fn page(
    State(state): State<AppState>,
    agent: WebAgent,
    Query(params): Query<Params>,
) -> PageResult<Response> {
    let view = View::of(&params);
    let caller = agent.caller();
    let req = filters::parse(&state.store, &caller, &view.api_params(&params)).await?;
    let page = state
        .store
        .ticket_page_counted(&req.query, req.per_page, req.offset(), COUNT_TO)
        .await?;
    let details = state.store.ticket_details(&page.ids).await?;
    let snippets: std::collections::HashMap<i64, String> =
        state.store.snippets(&page.ids).await?.into_iter().collect();
    let now = Utc::now();
    let rows: Vec<Row> = details
        .into_iter()
        .map(|d| {
            let t = TicketView::from(d);
            let snippet = snippets.get(&t.id).map(|s| snippet(s)).unwrap_or_default();
            row(t, snippet, now)
        })
        .collect();
    let first = req.offset() + 1;
    let last = req.offset() + rows.len() as i64;
    let link_to = |p: i64| link(&with(&params, "page", &p.to_string()));
    let teams = choices::named(&state.store, Catalog::Teams).await?;
    let html = InboxPage {
        layout: Layout::for_agent("Inbox", &agent),
        folders: folders(&state, &agent, &view, &teams).await?,
        closed: view.closed,
        open_link: link(&with(&without(&params, "page"), "state", "open")),
        closed_link: link(&with(&without(&params, "page"), "state", "closed")),
        q: view.q.clone(),
        folder: view.folder.clone(),
        sort: view.sort.clone(),
        rows,
        total: page.total,
        total_text: views::count(page.total, page.at_least),
        first,
        last,
        prev: (req.page > 1).then(|| link_to(req.page - 1)),
        next: (last < page.total).then(|| link_to(req.page + 1)),
        here: link(&params),
        filters: filters(&state, &agent, &params, teams).await?,
    }
    .render()
    .map_err(anyhow::Error::from)?;
    Ok(Html(html).into_response())
}

/// What the URL asks for beyond the API's own filters.
struct View {
    folder: String,
    closed: bool,
    q: String,
    sort: String,
}

impl View {
    fn of(params: &Params) -> Self {
        let get = |k: &str| views::form_value(params, k).unwrap_or_default().to_string();
        let folder = get("folder");
        Self {
            folder: if folder.is_empty() {
                "all".into()
            } else {
                folder
            },
            closed: get("state") == "closed",
            q: get("q"),
            sort: get("sort"),
        }
    }

    /// The API's query: the URL's filters, and the toggle's statuses unless
    /// a status is asked for.
    fn api_params(&self, params: &Params) -> Params {
        let mut out: Params = params
            .iter()
            .filter(|(k, v)| k != "state" && !v.is_empty())
            .cloned()
            .collect();
        if !out.iter().any(|(k, _)| k == "status") {
            let statuses = if self.closed { CLOSED } else { OPEN };
            out.push(("status".into(), statuses.into()));
        }
        out
    }
}

async fn folders(
    state: &AppState,
    agent: &WebAgent,
    view: &View,
    teams: &[(i64, String)],
) -> PageResult<Vec<Folder>> {
    let mut wanted = vec![
        ("All".to_string(), "all".to_string()),
        ("Unassigned".into(), "unassigned".into()),
        ("Mine".into(), "mine".into()),
        ("Snoozed".into(), "snoozed".into()),
    ];
    let mine = state.store.agent(agent.agent_id).await?;
    for (id, name) in teams {
        if mine.as_ref().is_some_and(|a| a.team_ids.contains(id)) {
            wanted.push((name.clone(), format!("team:{id}")));
        }
    }
    let toggle = if view.closed { "closed" } else { "open" };
    let mut out = Vec::with_capacity(wanted.len());
    for (name, folder) in wanted {
        let params: Params = vec![
            ("folder".into(), folder.clone()),
            ("state".into(), toggle.into()),
        ];
        let req = filters::parse(&state.store, &agent.caller(), &view.api_params(&params)).await?;
        let page = state
            .store
            .ticket_page_counted(&req.query, 0, 0, COUNT_TO)
            .await?;
        out.push(Folder {
            link: link(&params),
            current: folder == view.folder,
            name,
            count: views::count(page.total, page.at_least),
        });
    }
    Ok(out)
}

/// One line of text: whitespace folded, at most 120 characters.
fn snippet(text: &str) -> String {
    let folded = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match folded.char_indices().nth(120) {
        Some((at, _)) => format!("{}…", &folded[..at]),
        None => folded,
    }
}

fn row(t: TicketView, snippet: String, now: chrono::DateTime<Utc>) -> Row {
    Row {
        snippet,
        id: t.id,
        short_id: t.short_id,
        subject: t.subject,
        requester: t.requester.name.unwrap_or(t.requester.email),
        overdue: t.status == "overdue",
        status: t.status,
        priority: t.priority,
        assignee: t.assignee.map(|a| a.name).unwrap_or_default(),
        tags: t.tags.join(", "),
        updated: views::ago(t.updated_at, now),
        due: t.due_at.map(|d| views::due(d, now)).unwrap_or_default(),
    }
}

/// `/?a=1&b=2`
fn link(params: &Params) -> String {
    let kept: Params = params
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .cloned()
        .collect();
    match serde_urlencoded::to_string(&kept) {
        Ok(q) if !q.is_empty() => format!("/?{q}"),
        _ => "/".into(),
    }
}

fn without(params: &Params, key: &str) -> Params {
    params.iter().filter(|(k, _)| k != key).cloned().collect()
}

fn with(params: &Params, key: &str, value: &str) -> Params {
    let mut out = without(params, key);
    out.push((key.into(), value.into()));
    out
}

/// A change to the selected rows.
pub async fn bulk(
    State(state): State<AppState>,
    agent: WebAgent,
    Form(form): Form<Params>,
) -> PageResult<Response> {
    let ids: Vec<i64> = form
        .iter()
        .filter(|(k, _)| k == "ids")
        .filter_map(|(_, v)| v.parse().ok())
        .collect();
    let get = |k: &str| views::form_value(&form, k);
    let back = get("back")
        .filter(|b| b.starts_with("/?") || *b == "/")
        .unwrap_or("/");
    let action = get("action").unwrap_or_default();
    if action == "delete" {
        if !agent.is_admin() {
            return Err(PageError::forbidden("Only admins may delete tickets."));
        }
        state.store.delete_tickets(&ids).await?;
        return Ok(Redirect::to(back).into_response());
    }
    for id in ids {
        let patch = bulk_patch(&state, &agent, action, get("tag").unwrap_or_default(), id).await?;
        let change = to_change(&state.store, agent.role, patch).await?;
        if !change.is_empty() {
            state
                .store
                .change_ticket(id, &change, Some(agent.agent_id))
                .await?;
        }
    }
    Ok(Redirect::to(back).into_response())
}

async fn bulk_patch(
    state: &AppState,
    agent: &WebAgent,
    action: &str,
    tag: &str,
    id: i64,
) -> PageResult<PatchTicket> {
    Ok(match action {
        "assign_me" => PatchTicket {
            assignee_id: Some(Some(agent.agent_id)),
            ..PatchTicket::default()
        },
        "unassign" => PatchTicket {
            assignee_id: Some(None),
            ..PatchTicket::default()
        },
        "open" | "pending" | "resolved" => PatchTicket {
            status: Some(action.into()),
            ..PatchTicket::default()
        },
        "tag" if !tag.trim().is_empty() => {
            let mut tags = crate::api::tickets::view::load(&state.store, agent.role, id)
                .await?
                .tags;
            tags.push(tag.trim().into());
            PatchTicket {
                tags: Some(tags),
                ..PatchTicket::default()
            }
        }
        _ => {
            return Err(PageError::from(crate::api::error::ApiError::invalid(
                "action",
                "choose what to do with the selected tickets (and name the tag to add)",
            )));
        }
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_snippet_is_one_short_line() {
        assert_eq!(super::snippet("Hello\n\n  there"), "Hello there");
        let long = "word ".repeat(100);
        let s = super::snippet(&long);
        assert_eq!(s.chars().count(), 121);
        assert!(s.ends_with('…'));
    }
}

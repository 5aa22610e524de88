//! `/contacts`: the people who write in, searched by address or name and
//! filtered by whether they have an open ticket; a contact's page edits
//! their name, address and contact fields, keeps the notepad (with who
//! changed it last) and lists their tickets. Through the API's own parse,
//! page, change and tickets functions.
use super::admin::{Refusal, html, refused};
use super::error::{PageError, PageResult};
use super::panel::{FieldInput, field_inputs, field_values};
use super::session::WebAgent;
use super::views::{Layout, form_value, when};
use crate::api::AppState;
use crate::api::contacts::{self, ContactPage, ContactView, Notepad, Paging, PatchContact};
use crate::api::tickets::list::TicketPage;
use crate::domain::FieldScope;
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

#[derive(Template)]
#[template(path = "web/contacts.html")]
struct ListPage {
    layout: Layout,
    list: ContactPage,
    q: String,
    /// "", "true" or "false".
    open: String,
    first: i64,
    last: i64,
    prev: Option<String>,
    next: Option<String>,
}

impl ListPage {
    fn open_is(&self, v: &str) -> bool {
        self.open == v
    }
}

/// A contact's field values, `key: value` each.
fn fields_text(c: &ContactView) -> String {
    c.fields
        .iter()
        .map(|(k, v)| match v {
            serde_json::Value::String(s) => format!("{k}: {s}"),
            other => format!("{k}: {other}"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The first line of a text, cut at 80 characters.
fn first_line(text: &str) -> String {
    let line = text.lines().next().unwrap_or("");
    match line.char_indices().nth(80) {
        Some((at, _)) => format!("{}…", &line[..at]),
        None => line.to_string(),
    }
}

/// The contact list; empty inputs of the search form are no filter.
pub async fn list(
    State(state): State<AppState>,
    agent: WebAgent,
    Query(params): Query<Vec<(String, String)>>,
) -> PageResult<Response> {
    let params: Vec<(String, String)> = params
        .into_iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .collect();
    let (query, paging) = contacts::parse(&state.store, agent.role, &params).await?;
    let list = contacts::page(&state.store, agent.role, &query, paging).await?;
    let get = |k: &str| form_value(&params, k).unwrap_or_default().to_string();
    let link = |page: i64| {
        let mut kept: Vec<(String, String)> = params
            .iter()
            .filter(|(k, _)| k != "page")
            .cloned()
            .collect();
        kept.push(("page".into(), page.to_string()));
        format!(
            "/contacts?{}",
            serde_urlencoded::to_string(&kept).unwrap_or_default()
        )
    };
    let first = paging.offset() + 1;
    let last = paging.offset() + list.items.len() as i64;
    let page = ListPage {
        layout: Layout::for_agent("Contacts", &agent),
        q: get("q"),
        open: get("has_open_ticket"),
        prev: (paging.page > 1).then(|| link(paging.page - 1)),
        next: (last < list.total).then(|| link(paging.page + 1)),
        first,
        last,
        list,
    };
    html(&page, StatusCode::OK)
}

#[derive(Template)]
#[template(path = "web/contact.html")]
struct OnePage {
    layout: Layout,
    c: ContactView,
    fields: Vec<FieldInput>,
    /// The form as written after a refusal: (name, email, notepad).
    name: String,
    email: String,
    notepad: String,
    notepad_by: String,
    error: Refusal,
    saved: bool,
    tickets: TicketPage,
}

/// "Changed by Dana Agent, 2026-12-07 14:03 UTC", or "" when never changed.
pub fn notepad_by(n: &Notepad) -> String {
    match (&n.updated_by, n.updated_at) {
        (Some(a), Some(at)) => format!("Changed by {}, {}", a.name, when(at)),
        (None, Some(at)) => format!("Changed {}", when(at)),
        _ => String::new(),
    }
}

pub async fn page(
    State(state): State<AppState>,
    agent: WebAgent,
    Path(id): Path<i64>,
) -> PageResult<Response> {
    render(&state, &agent, id, Shown::Stored).await
}

/// What a contact's page shows besides the stored contact.
enum Shown {
    Stored,
    Saved,
    /// The form as written, its refusal and the status to answer with.
    Refused(Vec<(String, String)>, Refusal, StatusCode),
}

async fn render(state: &AppState, agent: &WebAgent, id: i64, shown: Shown) -> PageResult<Response> {
    let c = contacts::load(&state.store, agent.role, id)
        .await
        .map_err(|_| PageError::not_found("such contact"))?;
    let defs = state.store.fields_in(FieldScope::Contact).await?;
    let mut fields = field_inputs(defs, agent.role, &c.fields);
    let tickets = contacts::tickets(&state.store, agent.role, id, Paging::default()).await?;
    let saved = matches!(shown, Shown::Saved);
    let (written, error, status) = match shown {
        Shown::Refused(form, error, status) => (form, error, status),
        _ => (Vec::new(), Refusal::default(), StatusCode::OK),
    };
    let get = |k: &str, stored: &str| {
        written
            .iter()
            .find(|(key, _)| key == k)
            .map_or(stored.to_string(), |(_, v)| v.clone())
    };
    for f in &mut fields {
        f.value = get(&format!("field.{}", f.key), &f.value);
    }
    let page = OnePage {
        layout: Layout::for_agent(c.name.as_deref().unwrap_or(&c.email), agent),
        name: get("name", c.name.as_deref().unwrap_or("")),
        email: get("email", &c.email),
        notepad: get("notepad", &c.notepad.text),
        notepad_by: notepad_by(&c.notepad),
        fields,
        error,
        saved,
        tickets,
        c,
    };
    html(&page, status)
}

/// Saves name, address and contact fields (the form's `details` part).
pub async fn save(
    State(state): State<AppState>,
    agent: WebAgent,
    Path(id): Path<i64>,
    Form(form): Form<Vec<(String, String)>>,
) -> PageResult<Response> {
    let get = |k: &str| form_value(&form, k).map(str::to_owned);
    let fields = field_values(&state, FieldScope::Contact, agent.role, &form).await?;
    let patch = PatchContact {
        email: get("email").map(|e| e.trim().to_string()),
        name: get("name").map(Some),
        fields: Some(fields),
        notepad: get("notepad"),
    };
    match contacts::change(&state.store, &agent.caller(), id, patch).await {
        Ok(_) => render(&state, &agent, id, Shown::Saved).await,
        Err(e) => {
            let (error, status) = refused(e, "email", &[])?;
            let error = match error.field() {
                Some(f) if f.starts_with("fields.") => {
                    Refusal::new(&f.replacen("fields.", "field.", 1), error.message())
                }
                _ => error,
            };
            render(&state, &agent, id, Shown::Refused(form, error, status)).await
        }
    }
}

#[derive(serde::Deserialize)]
pub struct NotepadForm {
    notepad: String,
    /// Where to go after saving: the ticket page it was written on.
    #[serde(default)]
    back: String,
}

/// Saves the notepad (from the contact's page or a ticket's side panel).
pub async fn notepad(
    State(state): State<AppState>,
    agent: WebAgent,
    Path(id): Path<i64>,
    Form(form): Form<NotepadForm>,
) -> PageResult<Response> {
    let patch = PatchContact {
        notepad: Some(form.notepad.clone()),
        ..PatchContact::default()
    };
    if let Err(e) = contacts::change(&state.store, &agent.caller(), id, patch).await {
        let (error, status) = refused(e, "notepad", &[])?;
        let form = vec![("notepad".to_string(), form.notepad)];
        return render(&state, &agent, id, Shown::Refused(form, error, status)).await;
    }
    let back = back_to(&form.back).unwrap_or_else(|| format!("/contacts/{id}"));
    Ok(Redirect::to(&back).into_response())
}

/// A ticket page to go back to: `/tickets/<digits>` only, so the form
/// cannot send anyone elsewhere.
fn back_to(back: &str) -> Option<String> {
    let id = back.strip_prefix("/tickets/")?;
    (!id.is_empty() && id.bytes().all(|b| b.is_ascii_digit())).then(|| back.to_string())
}

#[cfg(test)]
mod tests {
    use super::back_to;

    #[test]
    fn only_a_ticket_page_is_gone_back_to() {
        assert_eq!(back_to("/tickets/12").as_deref(), Some("/tickets/12"));
        for bad in [
            "",
            "/tickets/",
            "https://evil.example/",
            "//evil.example",
            "/tickets/1/../x",
        ] {
            assert_eq!(back_to(bad), None, "{bad}");
        }
    }
}

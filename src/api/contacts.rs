//! `contacts`: the people who write in. Agents list and search them
//! (`q`, `has_open_ticket`, `field.<key>`), read one with their
//! contact-scoped custom fields, their notepad (who changed it last and
//! when) and how many of their tickets are open, change them, and page
//! through their tickets.
use crate::api::AppState;
use crate::api::auth::Caller;
use crate::api::error::{ApiError, ApiResult, ErrorBody};
use crate::api::extract::{ApiJson, ApiPath, ApiQuery};
use crate::api::settings::{EmailText, OptionalLine, optional_line};
use crate::api::ticket_changes::validate::{self, nullable};
use crate::api::tickets::filters::{self, DEFAULT_PER_PAGE, MAX_PAGE, MAX_PER_PAGE, MAX_Q_CHARS};
use crate::api::tickets::list::TicketPage;
use crate::api::tickets::view::{AgentRef, TicketView, field_map};
use crate::domain::{EmailAddress, FieldScope, Role, is_own_address};
use crate::store::Store;
use crate::store::contacts::{Contact, ContactChange, ContactQuery};
use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::HashSet;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The longest notepad, in characters.
pub const MAX_NOTEPAD: usize = 20_000;
/// The longest contact name, in characters.
const MAX_CONTACT_NAME: usize = 200;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_contacts))
        .routes(routes!(get_contact, patch_contact))
        .routes(routes!(contact_tickets))
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Notepad {
    pub text: String,
    /// The agent who changed it last (null: never changed, or by an admin
    /// token acting for no one).
    pub updated_by: Option<AgentRef>,
    #[serde(serialize_with = "crate::api::time::utc_opt")]
    pub updated_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ContactView {
    pub id: i64,
    pub email: String,
    pub name: Option<String>,
    pub from_domain: String,
    /// Contact custom field values by key, typed as their definitions say.
    #[schema(value_type = Object)]
    pub fields: Map<String, Value>,
    pub notepad: Notepad,
    /// Their tickets that are not resolved.
    pub open_tickets: i64,
    #[serde(serialize_with = "crate::api::time::utc")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "crate::api::time::utc")]
    pub updated_at: DateTime<Utc>,
}

impl From<Contact> for ContactView {
    fn from(c: Contact) -> Self {
        let r = c.row;
        let updated_by = r
            .notepad_by_id
            .zip(r.notepad_by_name)
            .zip(r.notepad_by_email)
            .map(|((id, name), email)| AgentRef { id, name, email });
        ContactView {
            id: r.id,
            email: r.email,
            name: r.name,
            from_domain: r.from_domain,
            fields: field_map(c.fields),
            notepad: Notepad {
                text: r.notepad,
                updated_by,
                updated_at: r.notepad_updated_at,
            },
            open_tickets: r.open_tickets,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ContactPage {
    pub items: Vec<ContactView>,
    /// How many contacts the filters select, over every page.
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

/// The filters of `GET contacts` (documentation only: the query is parsed
/// by [`parse`]). Contact custom fields filter as `field.<key>=value|none`.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct ContactParams {
    /// Found anywhere in the address or the name, any case.
    #[param(max_length = 500)]
    q: Option<String>,
    /// true: only those with a ticket that is not resolved; false: only
    /// those without one.
    #[param(pattern = "^(true|false)?$")]
    has_open_ticket: Option<String>,
    /// From 1.
    #[param(minimum = 1, maximum = 100000)]
    page: Option<i64>,
    /// 1 to 100, default 25.
    #[param(minimum = 1, maximum = 100)]
    per_page: Option<i64>,
}

/// A page of a list: (page, per_page).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    pub page: i64,
    pub per_page: i64,
}

impl Paging {
    pub fn offset(self) -> i64 {
        (self.page - 1) * self.per_page
    }

    /// Takes `page` or `per_page`; false for any other parameter.
    fn take(&mut self, key: &str, value: &str) -> ApiResult<bool> {
        match key {
            "page" => self.page = filters::number(key, value, 1, MAX_PAGE)?,
            "per_page" => self.per_page = filters::number(key, value, 1, MAX_PER_PAGE)?,
            _ => return Ok(false),
        }
        Ok(true)
    }
}

impl Paging {
    /// A query of `page` and `per_page` alone.
    pub fn only(params: &[(String, String)]) -> ApiResult<Self> {
        let mut paging = Self::default();
        for (key, value) in params {
            if !paging.take(key, value)? {
                return Err(ApiError::bad_request(format!(
                    "unknown parameter {key:?}: this list takes page and per_page"
                ))
                .field(key));
            }
        }
        Ok(paging)
    }
}

impl Default for Paging {
    fn default() -> Self {
        Self {
            page: 1,
            per_page: DEFAULT_PER_PAGE,
        }
    }
}

/// The query of `GET contacts` (the API's and the contacts page's).
pub async fn parse(
    store: &Store,
    role: Role,
    params: &[(String, String)],
) -> ApiResult<(ContactQuery, Paging)> {
    let mut query = ContactQuery::default();
    let mut paging = Paging::default();
    let mut seen = HashSet::new();
    for (key, value) in params {
        if !seen.insert(key.as_str()) {
            return Err(ApiError::bad_request(format!("{key} is given more than once")).field(key));
        }
        if paging.take(key, value)? {
            continue;
        }
        if let Some(field) = key.strip_prefix("field.") {
            let filter =
                filters::field_filter(store, FieldScope::Contact, role, field, value).await?;
            query.fields.push(filter);
            continue;
        }
        match key.as_str() {
            "q" => query.text = search_text(value)?,
            "has_open_ticket" => query.has_open_ticket = Some(yes_no(key, value)?),
            _ => {
                return Err(ApiError::bad_request(format!(
                    "unknown parameter {key:?}: filters are q, has_open_ticket, field.<key>, page, per_page"
                ))
                .field(key));
            }
        }
    }
    Ok((query, paging))
}

fn search_text(value: &str) -> ApiResult<Option<String>> {
    if value.chars().count() > MAX_Q_CHARS {
        return Err(ApiError::invalid(
            "q",
            format!("q is longer than {MAX_Q_CHARS} characters"),
        ));
    }
    let v = value.trim();
    Ok((!v.is_empty()).then(|| v.to_string()))
}

fn yes_no(key: &str, value: &str) -> ApiResult<bool> {
    match value {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(ApiError::invalid(
            key,
            format!("{key} must be true or false, not {value:?}"),
        )),
    }
}

/// Contacts, newest first.
#[utoipa::path(get, path = "/contacts", tag = "contacts", params(ContactParams),
    responses((status = 200, body = ContactPage), (status = 400, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn list_contacts(
    State(s): State<AppState>,
    c: Caller,
    ApiQuery(params): ApiQuery<Vec<(String, String)>>,
) -> ApiResult<Json<ContactPage>> {
    let (query, paging) = parse(&s.store, c.role, &params).await?;
    Ok(Json(page(&s.store, c.role, &query, paging).await?))
}

/// A page of the contacts `query` selects, as someone of `role` sees them.
pub async fn page(
    store: &Store,
    role: Role,
    query: &ContactQuery,
    paging: Paging,
) -> ApiResult<ContactPage> {
    let (contacts, total) = store
        .contact_page(query, paging.per_page, paging.offset())
        .await?;
    let hidden = store.hidden_field_keys(FieldScope::Contact, role).await?;
    Ok(ContactPage {
        items: contacts.into_iter().map(|c| seen(c, &hidden)).collect(),
        total,
        page: paging.page,
        per_page: paging.per_page,
    })
}

/// One contact as someone of `role` sees them, or 404.
pub async fn load(store: &Store, role: Role, id: i64) -> ApiResult<ContactView> {
    let contact = store
        .contact(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("contact {id}")))?;
    let hidden = store.hidden_field_keys(FieldScope::Contact, role).await?;
    Ok(seen(contact, &hidden))
}

/// A contact's JSON without the fields in `hidden`.
fn seen(contact: Contact, hidden: &HashSet<String>) -> ContactView {
    let mut view = ContactView::from(contact);
    view.fields.retain(|k, _| !hidden.contains(k));
    view
}

/// One contact.
#[utoipa::path(get, path = "/contacts/{id}", tag = "contacts", params(("id" = i64, Path)),
    responses((status = 200, body = ContactView), (status = 404, body = ErrorBody)))]
async fn get_contact(
    State(s): State<AppState>,
    c: Caller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<ContactView>> {
    Ok(Json(load(&s.store, c.role, id).await?))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchContact {
    /// Another address (not one of ours); mail from the old one opens a new contact.
    #[schema(value_type = Option<EmailText>)]
    pub email: Option<String>,
    /// Empty or null clears it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<OptionalLine>)]
    pub name: Option<Option<String>>,
    /// Contact custom field values by key; null removes one.
    #[schema(value_type = Option<Object>)]
    pub fields: Option<Map<String, Value>>,
    /// The whole notepad text, at most 20,000 characters; the agent making
    /// the change is recorded beside it.
    #[schema(max_length = 20000)]
    pub notepad: Option<String>,
}

/// Changes a contact: address, name, contact fields, notepad.
#[utoipa::path(patch, path = "/contacts/{id}", tag = "contacts", params(("id" = i64, Path)),
    request_body = PatchContact,
    responses((status = 200, body = ContactView), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn patch_contact(
    State(s): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<PatchContact>,
) -> ApiResult<Json<ContactView>> {
    Ok(Json(change(&s.store, &caller, id, body).await?))
}

/// Changes contact `id` (the API's and the pages').
pub async fn change(
    store: &Store,
    caller: &Caller,
    id: i64,
    body: PatchContact,
) -> ApiResult<ContactView> {
    let email = match &body.email {
        Some(e) => Some(address(store, e).await?),
        None => None,
    };
    let name = match body.name {
        Some(Some(n)) => {
            let n = optional_line("name", &n, MAX_CONTACT_NAME)?;
            Some((!n.is_empty()).then_some(n))
        }
        Some(None) => Some(None),
        None => None,
    };
    let notepad = body
        .notepad
        .map(|t| validate::limited("notepad", t.replace("\r\n", "\n"), MAX_NOTEPAD))
        .transpose()?;
    let fields = validate::scoped_fields(
        store,
        FieldScope::Contact,
        caller.role,
        body.fields.unwrap_or_default(),
    )
    .await?;
    let change = ContactChange {
        email,
        name,
        fields,
        notepad,
        by: caller.agent_id,
    };
    if !store.change_contact(id, &change).await? {
        return Err(ApiError::not_found(format!("contact {id}")));
    }
    load(store, caller.role, id).await
}

/// A contact's new address and its domain; never one of ours.
async fn address(store: &Store, given: &str) -> ApiResult<(String, String)> {
    let email = EmailAddress::parse(given).map_err(|e| ApiError::invalid("email", e.0))?;
    let ours: Vec<EmailAddress> = store
        .email_domains()
        .await?
        .into_iter()
        .map(|d| d.address)
        .collect();
    if is_own_address(&email, &ours) {
        return Err(ApiError::invalid(
            "email",
            format!(
                "{} is one of our own addresses, not a customer's",
                email.as_str()
            ),
        ));
    }
    Ok((email.as_str().to_string(), email.domain().to_string()))
}

/// A contact's tickets, most recently updated first.
#[utoipa::path(get, path = "/contacts/{id}/tickets", tag = "contacts",
    params(("id" = i64, Path),
        ("page" = Option<i64>, Query, minimum = 1, maximum = 100000),
        ("per_page" = Option<i64>, Query, minimum = 1, maximum = 100)),
    responses((status = 200, body = TicketPage), (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn contact_tickets(
    State(s): State<AppState>,
    c: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(params): ApiQuery<Vec<(String, String)>>,
) -> ApiResult<Json<TicketPage>> {
    let paging = Paging::only(&params)?;
    Ok(Json(tickets(&s.store, c.role, id, paging).await?))
}

/// A page of contact `id`'s tickets as someone of `role` sees them, or 404.
pub async fn tickets(store: &Store, role: Role, id: i64, paging: Paging) -> ApiResult<TicketPage> {
    if !store.contact_exists(id).await? {
        return Err(ApiError::not_found(format!("contact {id}")));
    }
    let (ids, total) = store
        .contact_tickets(id, paging.per_page, paging.offset())
        .await?;
    let mut items: Vec<TicketView> = store
        .ticket_details(&ids)
        .await?
        .into_iter()
        .map(TicketView::from)
        .collect();
    crate::api::tickets::view::redact(store, role, &mut items).await?;
    Ok(TicketPage {
        items,
        total,
        page: paging.page,
        per_page: paging.per_page,
    })
}

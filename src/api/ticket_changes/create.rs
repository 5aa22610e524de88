//! `POST tickets`: an agent opens an outbound ticket; its first email is
//! sent as the chosen email domain.
use super::compose::{self, AttachmentIn};
use super::{origin, validate};
use crate::api::AppState;
use crate::api::auth::Caller;
use crate::api::error::{ApiError, ApiResult, ErrorBody};
use crate::api::extract::ApiJson;
use crate::api::tickets::view::{self, TicketView};
use crate::domain::{EmailAddress, Priority};
use crate::outbound::compose::OutgoingAttachment;
use crate::service::outbound_ticket::{self, OutboundTicket};
use crate::store::Store;
use crate::store::outbound_tickets::NewTicket;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenTicket {
    /// At most 500 characters.
    #[schema(value_type = crate::api::settings::Subject)]
    pub subject: String,
    /// The identity the email is sent as.
    pub email_domain_id: i64,
    /// The customer's email address.
    #[schema(value_type = crate::api::settings::EmailText)]
    pub to: String,
    /// The first email's text; or `template` (+ `vars`).
    pub body: Option<String>,
    #[schema(value_type = Option<crate::api::settings::OneLine>)]
    pub template: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub vars: Option<Map<String, Value>>,
    pub attachments: Option<Vec<AttachmentIn>>,
    pub assignee_id: Option<i64>,
    /// Default: the email domain's default team.
    pub team_ids: Option<Vec<i64>>,
    #[schema(value_type = Option<crate::api::settings::TagNames>)]
    pub tags: Option<Vec<String>>,
    #[schema(value_type = Option<Object>)]
    pub fields: Option<Map<String, Value>>,
    /// low | normal (default) | high | urgent
    #[schema(value_type = Option<crate::api::settings::PriorityName>)]
    pub priority: Option<String>,
    /// `email` (default), or the channel of the conversation opening it
    /// (1 to 32 of a-z, 0-9, _ and -).
    #[schema(pattern = "^[a-z0-9_-]{1,32}$")]
    pub channel: Option<String>,
    /// The external id of the conversation that opened it.
    #[schema(value_type = Option<crate::api::settings::OneLine>)]
    pub linked_conversation: Option<String>,
    /// Key → text shown to agents (a flow's results): at most 50 keys.
    #[schema(value_type = Option<Object>)]
    pub context: Option<Map<String, Value>>,
}

/// Open a ticket by writing to a customer.
#[utoipa::path(post, path = "/tickets", tag = "tickets",
    request_body = OpenTicket,
    responses((status = 201, body = TicketView), (status = 400, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn create_ticket(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(req): ApiJson<OpenTicket>,
) -> ApiResult<(StatusCode, Json<TicketView>)> {
    let id = open(&state, &caller, req).await?;
    let ticket = view::load(&state.store, caller.role, id).await?;
    Ok((StatusCode::CREATED, Json(ticket)))
}

/// Opens the ticket and queues its first email; the ticket's id.
pub(crate) async fn open(state: &AppState, caller: &Caller, req: OpenTicket) -> ApiResult<i64> {
    open_with(state, caller, req, Vec::new()).await
}

/// [`open`] with files uploaded beside the request (the new-ticket page's),
/// checked as the API's own attachments are.
pub(crate) async fn open_with(
    state: &AppState,
    caller: &Caller,
    req: OpenTicket,
    uploads: Vec<OutgoingAttachment>,
) -> ApiResult<i64> {
    let OpenTicket {
        subject,
        email_domain_id,
        to,
        body,
        template,
        vars,
        attachments,
        assignee_id,
        team_ids,
        tags,
        fields,
        priority,
        channel,
        linked_conversation,
        context,
    } = req;
    let (body, mut attachments) = compose::content(body, template, vars, attachments)?;
    if !uploads.is_empty() {
        attachments.extend(uploads);
        attachments = compose::outgoing(attachments)?;
    }
    let parts = Parts {
        subject,
        email_domain_id,
        to,
        assignee_id,
        team_ids,
        tags,
        fields,
        priority,
        channel,
        linked_conversation,
        context,
    };
    let ticket = new_ticket(&state.store, caller, parts).await?;
    let open = OutboundTicket {
        ticket,
        body,
        attachments,
    };
    let (id, _) = outbound_ticket::open(&state.store, &state.replies, open)
        .await
        .map_err(compose::reply_error)?;
    Ok(id)
}

/// The ticket's own attributes, apart from what its first email is made of.
struct Parts {
    subject: String,
    email_domain_id: i64,
    to: String,
    assignee_id: Option<i64>,
    team_ids: Option<Vec<i64>>,
    tags: Option<Vec<String>>,
    fields: Option<Map<String, Value>>,
    priority: Option<String>,
    channel: Option<String>,
    linked_conversation: Option<String>,
    context: Option<Map<String, Value>>,
}

async fn new_ticket(store: &Store, caller: &Caller, p: Parts) -> ApiResult<NewTicket> {
    let agent_id = caller.agent_id;
    let subject = crate::api::settings::line("subject", &p.subject, validate::MAX_SUBJECT)?;
    let to = EmailAddress::parse(&p.to).map_err(|e| ApiError::invalid("to", e.0))?;
    let domain = validate::email_domain(store, p.email_domain_id).await?;
    if !domain.enabled || domain.smtp.is_none() {
        return Err(ApiError::conflict(
            "email_domain_id",
            format!(
                "email domain {} cannot send mail: it is disabled or has no SMTP settings",
                domain.address.as_str()
            ),
        ));
    }
    let assignee_id = match p.assignee_id {
        Some(id) => Some(validate::assignee(store, id).await?),
        None => None,
    };
    let team_ids = match p.team_ids {
        Some(ids) => Some(validate::teams(store, ids).await?),
        None => None,
    };
    Ok(NewTicket {
        subject,
        to,
        email_domain_id: domain.id,
        priority: match p.priority {
            Some(p) => validate::priority(&p)?,
            None => Priority::Normal,
        },
        assignee_id,
        created_by: agent_id,
        team_ids,
        tags: validate::tags(p.tags.unwrap_or_default())?,
        fields: validate::fields(store, caller.role, p.fields.unwrap_or_default()).await?,
        channel: origin::channel(p.channel.as_deref())?,
        linked_conversation: origin::linked(p.linked_conversation.as_deref())?,
        context: origin::context(p.context)?,
    })
}

//! `POST templates/{id}/preview`: renders a template's subject, text and
//! HTML against a real ticket (the very context a reply to it would get) or
//! against sample data, with the caller as the agent and optional `vars`.
use super::templates::missing;
use crate::api::AppState;
use crate::api::auth::Caller;
use crate::api::error::{ApiError, ApiResult, ErrorBody};
use crate::api::extract::{ApiJson, ApiPath};
use crate::domain::{FieldType, Priority, Status};
use crate::outbound::render::{
    self, EmailDomainContext, PersonContext, ReplyContext, TicketContext,
};
use crate::service::replies::{context, sending_domain};
use crate::store::Store;
use crate::store::templates::Template;
use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(preview_template))
}

/// A ticket to render against, or sample data.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreviewRequest {
    #[serde(default)]
    pub ticket_id: Option<i64>,
    /// Sample data (the default when no ticket_id is given).
    #[serde(default)]
    pub sample: Option<bool>,
    /// Extra values, as `vars` on a reply.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub vars: Map<String, Value>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Preview {
    /// Null when the template has no subject.
    pub subject: Option<String>,
    pub text: String,
    /// Null when the template has no HTML part.
    pub html: Option<String>,
}

/// Renders a template (agents may preview too).
#[utoipa::path(post, path = "/templates/{id}/preview", tag = "templates",
    params(("id" = i64, Path)), request_body = PreviewRequest,
    responses((status = 200, body = Preview), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn preview_template(
    State(s): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<PreviewRequest>,
) -> ApiResult<Json<Preview>> {
    let template = s.store.template(id).await?.ok_or_else(|| missing(id))?;
    Ok(Json(preview(&s, template, req, caller.agent_id).await?))
}

/// Renders `template` (stored, or as written in the editor) against a
/// ticket or sample data, with `agent_id` as the agent.
pub(crate) async fn preview(
    s: &AppState,
    template: Template,
    req: PreviewRequest,
    agent_id: Option<i64>,
) -> ApiResult<Preview> {
    let mut ctx = match (req.ticket_id, req.sample) {
        (Some(_), Some(true)) => {
            return Err(ApiError::invalid(
                "sample",
                "give either ticket_id or sample: true, not both",
            ));
        }
        (Some(ticket), _) => ticket_context(&s.store, ticket, agent_id).await?,
        (None, Some(false)) => {
            return Err(ApiError::invalid(
                "ticket_id",
                "give a ticket_id, or sample: true for sample data",
            ));
        }
        (None, _) => sample_context(&s.store, agent_id).await?,
    };
    ctx.vars = req.vars;
    let value = ctx.to_value();
    // Off the runtime and within the render budget: any agent may preview,
    // and a template saved before the rules existed may still be hostile.
    render::bounded(move || Ok(render_all(&template, &value)))
        .await
        .map_err(|e| ApiError::invalid("body", format!("the template does not render: {e}")))?
}

/// The variables a template can use, each with its sample value
/// (`ticket.subject`, "My printer is on fire"), from the sample context
/// itself, so the list is what rendering sees.
pub(crate) async fn variables(s: &AppState, agent_id: i64) -> ApiResult<Vec<(String, String)>> {
    let value = sample_context(&s.store, Some(agent_id)).await?.to_value();
    let mut out = Vec::new();
    flatten("", &value, &mut out);
    out.push(("vars.…".into(), "values a reply's caller passes".into()));
    Ok(out)
}

fn flatten(prefix: &str, value: &Value, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                let path = match prefix {
                    "" => key.clone(),
                    p => format!("{p}.{key}"),
                };
                flatten(&path, inner, out);
            }
        }
        Value::String(text) => out.push((prefix.into(), text.clone())),
        other => out.push((prefix.into(), other.to_string())),
    }
}

fn render_all(t: &Template, value: &Value) -> ApiResult<Preview> {
    let failed = |field: &'static str| {
        move |e: render::TemplateError| {
            ApiError::invalid(field, format!("{field} does not render: {e}"))
        }
    };
    let subject = match &t.subject {
        Some(s) => Some(render::render_text(s, value).map_err(failed("subject"))?),
        None => None,
    };
    let text = render::render_text(&t.body, value).map_err(failed("body"))?;
    let html = match &t.body_html {
        Some(h) => Some(render::render_html(h, value).map_err(failed("body_html"))?),
        None => None,
    };
    Ok(Preview {
        subject,
        text,
        html,
    })
}

/// What a reply to `ticket_id` by `agent_id` would render against.
async fn ticket_context(
    store: &Store,
    ticket_id: i64,
    agent_id: Option<i64>,
) -> ApiResult<ReplyContext> {
    let basis = store.reply_basis(ticket_id).await?.ok_or_else(|| {
        ApiError::reference("ticket_id", format!("ticket {ticket_id} does not exist"))
    })?;
    let domain = sending_domain(&basis, &store.email_domains().await?)
        .map_err(|e| ApiError::conflict("ticket_id", e.to_string()))?;
    let agent = match agent_id {
        Some(id) => store.agent_basis(id).await?,
        None => None,
    };
    Ok(context(&basis, &domain, agent.as_ref()))
}

/// Made-up values in the shape of a real context: a sample of each custom
/// field, the caller (or a sample agent), the first enabled email domain.
pub(crate) async fn sample_context(
    store: &Store,
    agent_id: Option<i64>,
) -> ApiResult<ReplyContext> {
    let now = crate::store::now();
    let agent = match agent_id {
        Some(id) => store.agent_basis(id).await?,
        None => None,
    };
    let agent = agent.map_or_else(
        || PersonContext {
            email: "alex@support.example".into(),
            name: Some("Alex Agent".into()),
        },
        |a| PersonContext {
            email: a.email,
            name: Some(a.name),
        },
    );
    let fields = store
        .fields_in(crate::domain::FieldScope::Ticket)
        .await?
        .into_iter()
        .map(|f| {
            let value = match f.field_type {
                FieldType::Text => "sample text".to_string(),
                FieldType::Number => "42".into(),
                FieldType::Date => now.format("%Y-%m-%d").to_string(),
                FieldType::Select => f.options.first().cloned().unwrap_or_default(),
                FieldType::Checkbox => "true".into(),
            };
            (f.key, value)
        })
        .collect();
    let domains = store.email_domains().await?;
    let domain = domains.iter().find(|d| d.enabled).or(domains.first());
    Ok(ReplyContext {
        ticket: TicketContext {
            id: 1042,
            short_id: "K7QX2M".into(),
            subject: "My printer is on fire".into(),
            status: Status::Open,
            priority: Priority::Normal,
            from_domain: Some("customer.example".into()),
            created_at: now,
        },
        requester: PersonContext {
            email: "jane@customer.example".into(),
            name: Some("Jane Doe".into()),
        },
        agent: Some(agent),
        fields,
        vars: Map::new(),
        email_domain: EmailDomainContext {
            address: domain.map_or("support@example.com".into(), |d| d.address.to_string()),
            name: domain.map_or("Example Support".into(), |d| d.name.clone()),
        },
    })
}

//! `email-domains`: the identities mail is received on (IMAP) and sent from
//! (SMTP). Every change wakes `serve`'s poller supervisor, so pollers start,
//! restart and stop with their domain. `POST email-domains/{id}/test` tries
//! both servers as configured.
use super::domain_body::{DomainInput, EmailDomainView};
use super::{Admin, Items, modified_or, referencing};
use crate::api::AppState;
use crate::api::auth::Caller;
use crate::api::error::{ApiError, ApiResult, ErrorBody};
use crate::api::extract::{ApiJson, ApiPath};
use crate::store::Store;
use crate::store::domains::DomainRecord;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use std::time::Duration;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// How long each server gets to answer a test.
const TEST_LIMIT: Duration = Duration::from_secs(5);

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_domains, create_domain))
        .routes(routes!(get_domain, update_domain, delete_domain))
        .routes(routes!(test_domain))
}

async fn load(store: &Store, id: i64) -> ApiResult<DomainRecord> {
    store
        .email_domain_record(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("email domain {id}")))
}

/// Every email domain (passwords never shown).
#[utoipa::path(get, path = "/email-domains", tag = "email-domains",
    responses((status = 200, body = Items<EmailDomainView>)))]
async fn list_domains(
    State(s): State<AppState>,
    _c: Caller,
) -> ApiResult<Json<Items<EmailDomainView>>> {
    let all = s.store.email_domain_records().await?;
    Ok(Json(
        all.into_iter()
            .map(EmailDomainView::from)
            .collect::<Vec<_>>()
            .into(),
    ))
}

/// Adds an email domain (admin); when enabled with IMAP settings, its
/// mailbox is polled within a second or two.
#[utoipa::path(post, path = "/email-domains", tag = "email-domains",
    request_body = super::domain_docs::DomainCreate,
    responses((status = 201, body = EmailDomainView), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_domain(
    State(s): State<AppState>,
    _a: Admin,
    ApiJson(body): ApiJson<DomainInput>,
) -> ApiResult<(StatusCode, Json<EmailDomainView>)> {
    Ok((StatusCode::CREATED, Json(create(&s, body).await?)))
}

/// Adds an email domain; its poller starts (the API's and the admin
/// page's).
pub(crate) async fn create(s: &AppState, body: DomainInput) -> ApiResult<EmailDomainView> {
    let domain = body.apply(None)?;
    let id = s
        .store
        .insert_email_domain(&domain)
        .await
        .map_err(referencing("default_team_id"))?;
    s.email_domains_changed.notify_one();
    Ok(load(&s.store, id).await?.into())
}

/// One email domain.
#[utoipa::path(get, path = "/email-domains/{id}", tag = "email-domains", params(("id" = i64, Path)),
    responses((status = 200, body = EmailDomainView), (status = 404, body = ErrorBody)))]
async fn get_domain(
    State(s): State<AppState>,
    _c: Caller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<EmailDomainView>> {
    Ok(Json(load(&s.store, id).await?.into()))
}

/// Changes an email domain (admin). Settings left out stay (passwords
/// too); `imap` or `smtp` null removes them. Its poller follows.
#[utoipa::path(patch, path = "/email-domains/{id}", tag = "email-domains", params(("id" = i64, Path)),
    request_body = DomainInput,
    responses((status = 200, body = EmailDomainView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_domain(
    State(s): State<AppState>,
    _a: Admin,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<DomainInput>,
) -> ApiResult<Json<EmailDomainView>> {
    Ok(Json(update(&s, id, body).await?))
}

/// Changes an email domain; its poller follows.
pub(crate) async fn update(s: &AppState, id: i64, body: DomainInput) -> ApiResult<EmailDomainView> {
    // Applied to the settings as they are inside the write transaction, so
    // a concurrent change to other settings is kept.
    let modified = s
        .store
        .modify_email_domain(id, |current| body.apply(Some(current)))
        .await
        .map_err(referencing("default_team_id"))?;
    modified_or(modified, || format!("email domain {id}"))?;
    s.email_domains_changed.notify_one();
    Ok(load(&s.store, id).await?.into())
}

/// Deletes an email domain (admin): its poller stops; its tickets stay.
#[utoipa::path(delete, path = "/email-domains/{id}", tag = "email-domains", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn delete_domain(
    State(s): State<AppState>,
    _a: Admin,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    delete(&s, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Deletes an email domain; its poller stops, its tickets stay.
pub(crate) async fn delete(s: &AppState, id: i64) -> ApiResult<()> {
    if !s.store.delete_email_domain(id).await? {
        return Err(ApiError::not_found(format!("email domain {id}")));
    }
    s.email_domains_changed.notify_one();
    Ok(())
}

/// One server's answer to a test.
#[derive(Debug, Serialize, ToSchema)]
pub struct ServerAnswer {
    pub ok: bool,
    /// What worked, or the step that failed in the server's words.
    pub message: String,
}

impl From<Result<String, String>> for ServerAnswer {
    fn from(r: Result<String, String>) -> Self {
        match r {
            Ok(message) => Self { ok: true, message },
            Err(message) => Self { ok: false, message },
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TestResult {
    pub imap: ServerAnswer,
    pub smtp: ServerAnswer,
}

/// Tries both servers with the stored settings (admin): IMAP login and
/// SELECT of the folder, SMTP EHLO, TLS and login. Sends no mail.
#[utoipa::path(post, path = "/email-domains/{id}/test", tag = "email-domains", params(("id" = i64, Path)),
    responses((status = 200, body = TestResult), (status = 404, body = ErrorBody)))]
async fn test_domain(
    State(s): State<AppState>,
    _a: Admin,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<TestResult>> {
    Ok(Json(test(&s, id).await?))
}

/// Tries both servers of an email domain with its stored settings.
pub(crate) async fn test(s: &AppState, id: i64) -> ApiResult<TestResult> {
    let domain = load(&s.store, id).await?.domain;
    let imap = async {
        match &domain.imap {
            Some(i) => crate::inbound::check::try_mailbox(i, &s.tls, TEST_LIMIT).await,
            None => Err("no IMAP settings".to_string()),
        }
    };
    let smtp = async {
        match &domain.smtp {
            Some(o) => crate::outbound::check::try_relay(o, &s.tls, TEST_LIMIT).await,
            None => Err("no SMTP settings".to_string()),
        }
    };
    let (imap, smtp) = tokio::join!(imap, smtp);
    Ok(TestResult {
        imap: imap.into(),
        smtp: smtp.into(),
    })
}

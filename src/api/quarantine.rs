//! `quarantine` (admins): mail that could not become a ticket or message,
//! kept with the reason. List, read (headers, size; `raw` for the bytes),
//! retry through the pipeline (exactly once: the retry is recognised by
//! the mail's bytes, and the record leaves the quarantine only if it is
//! still there), or discard (the record stays as dropped, the bytes go).
use crate::api::AppState;
use crate::api::contacts::Paging;
use crate::api::error::{ApiError, ApiResult, ErrorBody};
use crate::api::extract::{ApiPath, ApiQuery};
use crate::api::settings::Admin;
use crate::ingest::{Incoming, Ingestor, Limits, Outcome, Source, source_key};
use crate::store::Store;
use crate::store::quarantine::Quarantined;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Most header fields shown for one mail.
const MAX_HEADERS: usize = 200;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_quarantine))
        .routes(routes!(get_quarantined, discard))
        .routes(routes!(get_raw))
        .routes(routes!(retry))
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct QuarantineItem {
    pub id: i64,
    /// The email domain it came in on (null: imported).
    pub email_domain_id: Option<i64>,
    pub address: Option<String>,
    pub reason: Option<String>,
    pub message_id: Option<String>,
    pub from: Option<String>,
    pub subject: Option<String>,
    /// Bytes kept (the header alone for mail over the size limit).
    pub size: i64,
    #[serde(serialize_with = "crate::api::time::utc")]
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QuarantinePage {
    pub items: Vec<QuarantineItem>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HeaderField {
    pub name: String,
    pub value: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QuarantineDetail {
    #[serde(flatten)]
    pub item: QuarantineItem,
    /// The header fields as written (unfolded), at most 200.
    pub headers: Vec<HeaderField>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RetryOutcome {
    /// created | appended | duplicate | banned | dropped | bounce | quarantined
    pub outcome: String,
    pub ticket_id: Option<i64>,
    /// Why it stays quarantined (outcome quarantined).
    pub reason: Option<String>,
}

/// The header fields of a mail, unfolded, as lossy text.
pub fn header_fields(raw: &[u8]) -> Vec<HeaderField> {
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .or_else(|| raw.windows(2).position(|w| w == b"\n\n"))
        .unwrap_or(raw.len());
    let text = String::from_utf8_lossy(&raw[..end]);
    let mut fields: Vec<HeaderField> = Vec::new();
    for line in text.lines() {
        if line.starts_with([' ', '\t']) {
            if let Some(last) = fields.last_mut() {
                last.value.push(' ');
                last.value.push_str(line.trim());
            }
            continue;
        }
        if fields.len() == MAX_HEADERS {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            fields.push(HeaderField {
                name: name.trim().to_string(),
                value: value.trim().to_string(),
            });
        }
    }
    fields
}

fn item(q: Quarantined, headers: &[HeaderField]) -> QuarantineItem {
    let get = |n: &str| {
        headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(n))
            .map(|h| h.value.chars().take(500).collect())
    };
    QuarantineItem {
        id: q.id,
        email_domain_id: q.email_domain_id,
        address: q.address,
        reason: q.reason,
        message_id: q.message_id,
        from: get("from"),
        subject: get("subject"),
        size: q.size,
        created_at: q.created_at,
    }
}

fn missing(id: i64) -> ApiError {
    ApiError::not_found(format!("quarantined mail {id}"))
}

/// Quarantined mail, newest first.
#[utoipa::path(get, path = "/quarantine", tag = "quarantine",
    params(("page" = Option<i64>, Query, minimum = 1, maximum = 100000),
        ("per_page" = Option<i64>, Query, minimum = 1, maximum = 100)),
    responses((status = 200, body = QuarantinePage), (status = 400, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn list_quarantine(
    State(s): State<AppState>,
    _a: Admin,
    ApiQuery(params): ApiQuery<Vec<(String, String)>>,
) -> ApiResult<Json<QuarantinePage>> {
    let paging = Paging::only(&params)?;
    Ok(Json(page(&s.store, paging).await?))
}

/// A page of quarantined mail (the API's and the admin page's).
pub async fn page(store: &Store, paging: Paging) -> ApiResult<QuarantinePage> {
    let (rows, total) = store
        .quarantine_page(paging.per_page, paging.offset())
        .await?;
    let items = rows
        .into_iter()
        .map(|row| {
            let headers = header_fields(&row.head);
            item(row, &headers)
        })
        .collect();
    Ok(QuarantinePage {
        items,
        total,
        page: paging.page,
        per_page: paging.per_page,
    })
}

/// One quarantined mail with its header fields, or 404.
pub async fn load(store: &Store, id: i64) -> ApiResult<QuarantineDetail> {
    let (row, _) = store.quarantined(id).await?.ok_or_else(|| missing(id))?;
    let headers = header_fields(&row.head);
    Ok(QuarantineDetail {
        item: item(row, &headers),
        headers,
    })
}

/// One quarantined mail: why, its size and its header fields.
#[utoipa::path(get, path = "/quarantine/{id}", tag = "quarantine", params(("id" = i64, Path)),
    responses((status = 200, body = QuarantineDetail), (status = 404, body = ErrorBody)))]
async fn get_quarantined(
    State(s): State<AppState>,
    _a: Admin,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<QuarantineDetail>> {
    Ok(Json(load(&s.store, id).await?))
}

/// The bytes kept of a quarantined mail, as a download.
#[utoipa::path(get, path = "/quarantine/{id}/raw", tag = "quarantine", params(("id" = i64, Path)),
    responses((status = 200, description = "The mail as kept", content_type = "message/rfc822"),
        (status = 404, body = ErrorBody)))]
async fn get_raw(
    State(s): State<AppState>,
    _a: Admin,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Response> {
    raw(&s.store, id).await
}

/// The bytes as a download (the API's and the admin page's).
pub async fn raw(store: &Store, id: i64) -> ApiResult<Response> {
    let (_, raw) = store.quarantined(id).await?.ok_or_else(|| missing(id))?;
    let mut response = raw.into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("message/rfc822"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"quarantined-{id}.eml\""))
    {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(response)
}

/// Runs a quarantined mail through the pipeline again.
#[utoipa::path(post, path = "/quarantine/{id}/retry", tag = "quarantine", params(("id" = i64, Path)),
    responses((status = 200, body = RetryOutcome), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
async fn retry(
    State(s): State<AppState>,
    _a: Admin,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<RetryOutcome>> {
    Ok(Json(retry_one(&s.store, id).await?))
}

/// Retries record `id` (the API's and the admin page's): a mail that now
/// goes through leaves the quarantine with what it became; one that fails
/// again stays, with the new reason.
pub async fn retry_one(store: &Store, id: i64) -> ApiResult<RetryOutcome> {
    let (row, raw) = store.quarantined(id).await?.ok_or_else(|| missing(id))?;
    if raw.is_empty() {
        return Err(ApiError::conflict(
            "id",
            "nothing of this mail was kept to retry",
        ));
    }
    let source = Source::Retry {
        of: id,
        email_domain_id: row.email_domain_id,
    };
    let key = source_key(&source, &raw);
    let ingestor = Ingestor::new(store.clone(), Limits::default()).await?;
    let done = ingestor
        .ingest(vec![Incoming { source, raw }])
        .await?
        .remove(0);
    if done.outcome == Outcome::Quarantined {
        store.quarantined_again(id, &key).await?;
        let reason = store.quarantined(id).await?.and_then(|(q, _)| q.reason);
        return Ok(RetryOutcome {
            outcome: done.outcome.as_str().into(),
            ticket_id: None,
            reason,
        });
    }
    if !store
        .settle_quarantined(id, done.outcome.as_str(), done.ticket_id)
        .await?
    {
        return Err(ApiError::conflict(
            "id",
            "this mail was retried or discarded meanwhile",
        ));
    }
    Ok(RetryOutcome {
        outcome: done.outcome.as_str().into(),
        ticket_id: done.ticket_id,
        reason: None,
    })
}

/// Discards a quarantined mail (its record stays, as dropped).
#[utoipa::path(delete, path = "/quarantine/{id}", tag = "quarantine", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn discard(
    State(s): State<AppState>,
    _a: Admin,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    match s.store.discard_quarantined(id).await? {
        true => Ok(StatusCode::NO_CONTENT),
        false => Err(missing(id)),
    }
}

#[cfg(test)]
mod tests {
    use super::header_fields;

    #[test]
    fn header_fields_are_unfolded_and_stop_at_the_body() {
        let raw =
            b"From: A <a@x.example>\r\nSubject: one\r\n two\r\nX-Odd\r\n\r\nBody: not a header\r\n";
        let h = header_fields(raw);
        let pairs: Vec<(&str, &str)> = h
            .iter()
            .map(|f| (f.name.as_str(), f.value.as_str()))
            .collect();
        assert_eq!(pairs, [("From", "A <a@x.example>"), ("Subject", "one two")]);
    }
}

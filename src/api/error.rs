//! The one error type of the HTTP surface, answered as
//! `{"error": {"code", "message", "field"}}` (API.md). Bad input is a 4xx
//! naming the field; anything unexpected is logged with its cause chain and
//! answered as an opaque 500.
use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub field: Option<String>,
    /// Seconds for a `Retry-After` header (429).
    pub retry_after: Option<u64>,
    /// What is new on a ticket since the caller looked (409 `stale_ticket`).
    pub newer: Option<Vec<NewerView>>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// snake_case, stable: what scripts match on.
    pub code: String,
    /// A human sentence.
    pub message: String,
    /// The request field at fault, when one is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// With `stale_ticket`: the messages and notes added since the
    /// `seen_message_id` given, oldest first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub newer: Option<Vec<NewerView>>,
}

/// A message or note added to a ticket since the caller looked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct NewerView {
    /// inbound (the customer), outbound (a reply) or note
    pub kind: String,
    /// The message's or note's id.
    pub id: i64,
    pub author: String,
    /// Its text (the first 500 characters).
    pub text: String,
    pub created_at: String,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            field: None,
            retry_after: None,
            newer: None,
        }
    }

    pub fn field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    /// 400: the request cannot be read (bad JSON, wrong types, bad query).
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    /// 422: readable, but a value is not acceptable.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_value", message).field(field)
    }

    pub fn not_found(what: impl std::fmt::Display) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("{what} does not exist"),
        )
    }

    /// 409 `invalid_reference`: the request names a record that does not
    /// exist. Nothing in the request's own shape is wrong, so the document
    /// cannot say it; what is stored decides.
    pub fn reference(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "invalid_reference", message).field(field)
    }

    /// 409: the request cannot be carried out as things stand (a record
    /// named is deactivated, a stored template does not render).
    pub fn conflict(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "conflict", message).field(field)
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }

    /// 429 with `Retry-After: seconds`.
    pub fn too_many(message: impl Into<String>, seconds: u64) -> Self {
        let mut e = Self::new(StatusCode::TOO_MANY_REQUESTS, "too_many_requests", message);
        e.retry_after = Some(seconds);
        e
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "something went wrong on our side; it has been logged",
        )
    }
}

impl From<anyhow::Error> for ApiError {
    /// A unique constraint becomes a 409 naming the column; a foreign key
    /// a 409 `invalid_reference`; anything else a logged 500.
    fn from(err: anyhow::Error) -> Self {
        if let Some(e) = constraint(&err) {
            return e;
        }
        tracing::error!(error = %format!("{err:#}"), "request failed");
        Self::internal()
    }
}

impl From<crate::domain::Invalid> for ApiError {
    fn from(err: crate::domain::Invalid) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_value", err.0)
    }
}

fn constraint(err: &anyhow::Error) -> Option<ApiError> {
    let db = err
        .chain()
        .find_map(|e| match e.downcast_ref::<sqlx::Error>() {
            Some(sqlx::Error::Database(db)) => Some(db),
            _ => None,
        })?;
    let message = db.message();
    if let Some(cols) = message.strip_prefix("UNIQUE constraint failed: ") {
        let field = cols.split(", ").last().unwrap_or(cols);
        let field = field.rsplit('.').next().unwrap_or(field).to_string();
        return Some(ApiError::conflict(
            field.clone(),
            format!("another record already has this {field}"),
        ));
    }
    if message.starts_with("FOREIGN KEY constraint failed") {
        return Some(ApiError::new(
            StatusCode::CONFLICT,
            "invalid_reference",
            "a referenced record does not exist",
        ));
    }
    None
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.to_string(),
                message: self.message,
                field: self.field,
                newer: self.newer,
            },
        };
        let mut response = (self.status, Json(body)).into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, seconds.into());
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constructors_set_status_code_and_field() {
        let e = ApiError::invalid("email", "not an address");
        assert_eq!(e.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(e.field.as_deref(), Some("email"));
        assert_eq!(
            ApiError::not_found("ticket 7").message,
            "ticket 7 does not exist"
        );
        let internal = ApiError::from(anyhow::anyhow!("disk on fire"));
        assert_eq!(internal.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(
            !internal.message.contains("disk"),
            "causes are logged, not sent"
        );
    }
}

//! `POST tickets/{id}/assist`: an agent's draft rewritten or translated by
//! the configured assistant (`[assist]`); 404 `assist_disabled` without
//! one, 502 `assist_failed` with the reason when it fails or is too slow.
use super::validate::{self, MAX_BODY};
use crate::api::AppState;
use crate::api::auth::Caller;
use crate::api::error::{ApiError, ApiResult, ErrorBody};
use crate::api::extract::{ApiJson, ApiPath};
use crate::api::settings::{FilledText, OneLine};
use crate::service::assist::Action;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssistRequest {
    /// The draft, 1 to 100,000 characters.
    #[schema(value_type = FilledText)]
    pub text: String,
    /// rewrite | translate
    #[schema(pattern = "^(rewrite|translate)$")]
    pub action: String,
    /// The language to translate into (translate only), e.g. `German`.
    #[schema(value_type = Option<OneLine>)]
    pub language: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AssistAnswer {
    pub text: String,
}

/// Rewrite or translate a draft with the configured assistant.
#[utoipa::path(post, path = "/tickets/{id}/assist", tag = "tickets",
    params(("id" = i64, Path, description = "Ticket id")),
    request_body = AssistRequest,
    responses((status = 200, body = AssistAnswer), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 502, body = ErrorBody)))]
pub async fn assist_draft(
    State(state): State<AppState>,
    _caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<AssistRequest>,
) -> ApiResult<Json<AssistAnswer>> {
    let text = assist(&state, id, body).await?;
    Ok(Json(AssistAnswer { text }))
}

/// The assistant's text for a draft on ticket `id` (the API's and the
/// composer's).
pub(crate) async fn assist(state: &AppState, id: i64, body: AssistRequest) -> ApiResult<String> {
    let Some(assist) = &state.assist else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "assist_disabled",
            "no assistant is configured ([assist] in the config)",
        ));
    };
    if body.text.trim().is_empty() {
        return Err(ApiError::invalid("text", "text must not be empty"));
    }
    let text = validate::limited("text", body.text, MAX_BODY)?;
    let action = match (body.action.as_str(), body.language) {
        ("rewrite", _) => Action::Rewrite,
        ("translate", Some(language)) => Action::Translate(validate::name("language", &language)?),
        ("translate", None) => {
            return Err(ApiError::invalid(
                "language",
                "say which language to translate into",
            ));
        }
        (other, _) => {
            return Err(ApiError::invalid(
                "action",
                format!("action must be rewrite or translate, not {other:?}"),
            ));
        }
    };
    if !state.store.ticket_exists(id).await? {
        return Err(ApiError::not_found(format!("ticket {id}")));
    }
    assist
        .run(&text, &action)
        .await
        .map_err(|e| ApiError::new(StatusCode::BAD_GATEWAY, "assist_failed", e.to_string()))
}

//! Configuration (API.md "Configuration"): email domains, agents, teams,
//! topics, tags, custom fields, templates and bans. Admins write; agents
//! may read everything here. One module per resource; this one holds what
//! they share: the [`Admin`] extractor, text limits and the list shape.
pub(crate) mod agents;
pub(crate) mod bans;
pub(crate) mod domain_body;
mod domain_docs;
pub(crate) mod email_domains;
pub(crate) mod fields;
mod schemas;
pub use schemas::{
    BanPatternText, Base64, EmailText, FieldAccessName, FieldKey, FieldScopeName, FieldTypeName,
    FilledText, LongLine, MAX_LONG_LINE, MimeType, NameFilter, NameList, NoteColour, OneLine,
    OptionNames, OptionalLine, Password, PeopleList, PriorityList, PriorityName, Rfc3339, RoleName,
    SettableStatus, StatusList, Subject, TagNames, TlsName, WebhookEventName, WebhookSecret,
    WebhookUrl,
};
pub(crate) mod tags;
pub(crate) mod teams;
pub(crate) mod template_preview;
pub(crate) mod templates;

use super::AppState;
use super::auth::Caller;
use super::error::{ApiError, ApiResult};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use serde::{Deserialize, Deserializer, Serialize};
use utoipa_axum::router::OpenApiRouter;

/// Longest name (agents, teams, topics, tags, templates, labels), in characters.
pub const MAX_NAME: usize = 200;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(email_domains::routes())
        .merge(agents::routes())
        .merge(teams::routes())
        .merge(tags::routes())
        .merge(fields::routes())
        .merge(templates::routes())
        .merge(template_preview::routes())
        .merge(bans::routes())
}

/// `{"items": [...]}`: what every list endpoint answers.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Items<T> {
    pub items: Vec<T>,
}

impl<T> From<Vec<T>> for Items<T> {
    fn from(items: Vec<T>) -> Self {
        Self { items }
    }
}

/// A caller allowed to change configuration. Extracted before the body, so
/// an agent gets 403 whatever it sent.
#[derive(Debug, Clone, Copy)]
pub struct Admin(pub Caller);

impl FromRequestParts<AppState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let caller = Caller::from_request_parts(parts, state).await?;
        caller.admin()?;
        Ok(Admin(caller))
    }
}

/// For PATCH bodies: tells a field set to `null` (Some(None)) from one left
/// out (None). Use with `#[serde(default, deserialize_with = "nullable")]`.
pub fn nullable<'de, D, T>(de: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(de).map(Some)
}

/// A required one-line text: at most `max` characters, trimmed, not empty,
/// no control characters. Documented as [`OneLine`].
pub fn line(field: &str, value: &str, max: usize) -> ApiResult<String> {
    if value.trim().is_empty() {
        return Err(ApiError::invalid(
            field,
            format!("{field} must not be empty"),
        ));
    }
    optional_line(field, value, max)
}

/// A one-line text that may be empty: at most `max` characters as given,
/// then trimmed. Documented as [`OptionalLine`] or [`LongLine`].
pub fn optional_line(field: &str, value: &str, max: usize) -> ApiResult<String> {
    let v = value.trim();
    if value.chars().count() > max {
        return Err(ApiError::invalid(
            field,
            format!("{field} is longer than {max} characters"),
        ));
    }
    if v.chars().any(char::is_control) {
        return Err(ApiError::invalid(
            field,
            format!("{field} must be one line without control characters"),
        ));
    }
    Ok(v.to_string())
}

/// A text of many lines (bodies, signatures, reasons): at most `max` bytes.
pub fn text(field: &str, value: &str, max: usize) -> ApiResult<String> {
    if value.len() > max {
        return Err(ApiError::invalid(
            field,
            format!(
                "{field} is {} bytes; at most {max} are allowed",
                value.len()
            ),
        ));
    }
    Ok(value.to_string())
}

/// Store errors of a write that references other records: a failed foreign
/// key names `field` (a team or agent id that does not exist).
/// A change's outcome as an answer: what was written, a 404 naming `what`
/// when the row is gone, the change's own refusal as it was.
pub fn modified_or<T>(
    modified: crate::store::Modified<ApiError, T>,
    what: impl FnOnce() -> String,
) -> ApiResult<T> {
    match modified {
        crate::store::Modified::Done(written) => Ok(written),
        crate::store::Modified::Missing => Err(ApiError::not_found(what())),
        crate::store::Modified::Refused(e) => Err(e),
    }
}

pub fn referencing(field: &'static str) -> impl Fn(anyhow::Error) -> ApiError {
    move |e| {
        let err = ApiError::from(e);
        if err.code == "invalid_reference" {
            err.field(field)
        } else {
            err
        }
    }
}

/// A template (or signature) that does not compile: 422 naming the line.
pub fn template(field: &str, source: &str) -> ApiResult<()> {
    crate::outbound::render::check(source)
        .map_err(|e| ApiError::invalid(field, format!("{field} does not compile: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_trimmed_and_limited_with_the_limit_in_the_message() {
        assert_eq!(line("name", "  Ann ", 10).unwrap(), "Ann");
        let long = line("name", &"x".repeat(11), 10).unwrap_err();
        assert_eq!(long.field.as_deref(), Some("name"));
        assert!(long.message.contains("10 characters"), "{}", long.message);
        assert!(line("name", "  ", 10).is_err());
        assert!(line("name", "a\nb", 10).is_err());
        assert_eq!(optional_line("group", " ", 10).unwrap(), "");
    }

    #[test]
    fn a_template_error_names_the_field_and_the_line() {
        let e = template("body", "Hello\n{% if %}").unwrap_err();
        assert_eq!(e.field.as_deref(), Some("body"));
        assert!(e.message.contains("line 2"), "{}", e.message);
        assert!(template("body", "Hi {{ requester.name }}").is_ok());
    }
}

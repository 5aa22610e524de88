//! What a reply or a new ticket's first email is made of (`body`, or
//! `template` + `vars`, and attachments), and how the reply service's
//! refusals answer over HTTP.
use super::validate::{self, MAX_BODY};
use crate::api::error::{ApiError, ApiResult, NewerView};
use crate::outbound::compose::{ComposeError, OutgoingAttachment};
use crate::service::replies::{Body, ReplyError};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

/// Attachments on one mail.
pub const MAX_ATTACHMENTS: usize = 20;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttachmentIn {
    #[schema(value_type = crate::api::settings::OneLine)]
    pub filename: String,
    /// `type/subtype`, e.g. `application/pdf`.
    #[schema(value_type = crate::api::settings::MimeType)]
    pub content_type: String,
    /// The bytes, base64 (standard alphabet, padded).
    #[schema(value_type = crate::api::settings::Base64)]
    pub content_base64: String,
}

/// Checks `body` xor `template` (+ `vars`) and the attachments.
pub fn content(
    body: Option<String>,
    template: Option<String>,
    vars: Option<Map<String, Value>>,
    attachments: Option<Vec<AttachmentIn>>,
) -> ApiResult<(Body, Vec<OutgoingAttachment>)> {
    let body = match (body, template) {
        (Some(_), Some(_)) => {
            return Err(ApiError::invalid(
                "template",
                "give body or template, not both",
            ));
        }
        (None, None) => {
            return Err(ApiError::invalid(
                "body",
                "give body (the text) or template (a template's name)",
            ));
        }
        (Some(text), None) => {
            if vars.is_some() {
                return Err(ApiError::invalid("vars", "vars go with a template"));
            }
            Body::Text(validate::limited("body", text, MAX_BODY)?)
        }
        (None, Some(name)) => Body::Template {
            name: validate::name("template", &name)?,
            vars: vars.unwrap_or_default(),
        },
    };
    Ok((body, self::attachments(attachments.unwrap_or_default())?))
}

fn attachments(list: Vec<AttachmentIn>) -> ApiResult<Vec<OutgoingAttachment>> {
    let decoded = list
        .into_iter()
        .enumerate()
        .map(|(i, a)| {
            let data = data_encoding::BASE64
                .decode(a.content_base64.trim().as_bytes())
                .map_err(|e| {
                    let field = format!("attachments[{i}].content_base64");
                    ApiError::invalid(field, format!("not valid base64: {e}"))
                })?;
            Ok(OutgoingAttachment {
                filename: a.filename,
                content_type: a.content_type,
                data,
            })
        })
        .collect::<ApiResult<Vec<_>>>()?;
    outgoing(decoded)
}

/// Attachments as they will be sent, their count, names and types checked
/// (the API's base64 ones once decoded, and the pages' uploads).
pub(crate) fn outgoing(list: Vec<OutgoingAttachment>) -> ApiResult<Vec<OutgoingAttachment>> {
    if list.len() > MAX_ATTACHMENTS {
        return Err(ApiError::invalid(
            "attachments",
            format!("at most {MAX_ATTACHMENTS} attachments"),
        ));
    }
    list.into_iter()
        .enumerate()
        .map(|(i, a)| {
            let at = |f: &str| format!("attachments[{i}].{f}");
            Ok(OutgoingAttachment {
                filename: validate::name(&at("filename"), &a.filename)?,
                content_type: validate::name(&at("content_type"), &a.content_type)?,
                data: a.data,
            })
        })
        .collect()
}

/// 409 `stale_ticket`: what was added since the agent looked, listed.
fn stale(newer: Vec<crate::store::stale::Newer>) -> ApiError {
    let what: Vec<String> = newer
        .iter()
        .map(|n| match n.kind.as_str() {
            "note" => format!("{} wrote a note", n.author),
            "inbound" => format!("{} wrote", n.author),
            _ => format!("{} replied", n.author),
        })
        .collect();
    let views: Vec<NewerView> = newer
        .into_iter()
        .map(|n| NewerView {
            kind: n.kind,
            id: n.id,
            author: n.author,
            text: n.text,
            created_at: n.created_at,
        })
        .collect();
    let mut e = ApiError::new(
        StatusCode::CONFLICT,
        "stale_ticket",
        format!(
            "While you were writing, {}: read it, then send again to send anyway",
            what.join(", ")
        ),
    )
    .field("seen_message_id");
    e.newer = Some(views);
    e
}

/// The HTTP answer to a refused reply: the caller's mistakes are 4xx
/// naming the field; the rest is logged and answered as a 500.
pub fn reply_error(err: ReplyError) -> ApiError {
    match err {
        ReplyError::TicketNotFound(id) => ApiError::not_found(format!("ticket {id}")),
        ReplyError::TemplateNotFound(name) => {
            ApiError::reference("template", format!("there is no template named {name:?}"))
        }
        ReplyError::Template { name, error } => ApiError::invalid(
            "template",
            format!("template {name:?} could not be rendered: {error}"),
        ),
        ReplyError::Signature(error) => ApiError::conflict(
            "signature",
            format!(
                "your signature could not be rendered (fix it in your agent settings): {error}"
            ),
        ),
        ReplyError::Empty { template: None } => ApiError::invalid("body", "the reply is empty"),
        // What is stored renders to nothing: the request is not at fault.
        ReplyError::Empty {
            template: Some(name),
        } => ApiError::conflict(
            "template",
            format!("template {name:?} renders to nothing here: fix it, or write the reply"),
        ),
        ReplyError::Stale(newer) => stale(newer),
        ReplyError::NoEmailDomain(why) => ApiError::conflict(
            "email_domain_id",
            format!("no email domain can send this ticket's mail: {why}"),
        ),
        ReplyError::AgentNotFound(id) => ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            format!("the token acts for agent {id}, who no longer exists"),
        ),
        ReplyError::Compose(ComposeError::ContentType {
            filename,
            content_type,
        }) => ApiError::invalid(
            "attachments",
            format!("attachment {filename:?}: {content_type:?} is not a valid content type"),
        ),
        // What a customer's mail left on the ticket (an address no mail
        // can carry) is the ticket's problem, answered as such, not a 500.
        ReplyError::Compose(e @ (ComposeError::Address { .. } | ComposeError::NoRecipient)) => {
            ApiError::conflict("requester", e.to_string())
        }
        ReplyError::Compose(e) => ApiError::from(anyhow::Error::new(e)),
        ReplyError::Store(e) => ApiError::from(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exactly_one_of_body_and_template_is_taken() {
        let both = content(Some("hi".into()), Some("t".into()), None, None).unwrap_err();
        assert_eq!(both.field.as_deref(), Some("template"));
        let neither = content(None, None, None, None).unwrap_err();
        assert_eq!(neither.field.as_deref(), Some("body"));
        let (body, _) = content(None, Some(" welcome ".into()), None, None).unwrap();
        assert!(matches!(body, Body::Template { name, .. } if name == "welcome"));
    }

    #[test]
    fn attachments_are_decoded_and_bad_base64_is_named() {
        let ok = AttachmentIn {
            filename: "a.txt".into(),
            content_type: "text/plain".into(),
            content_base64: "aGVsbG8=".into(),
        };
        let (_, got) = content(Some("x".into()), None, None, Some(vec![ok])).unwrap();
        assert_eq!(got[0].data, b"hello");
        let bad = AttachmentIn {
            filename: "b.bin".into(),
            content_type: "application/octet-stream".into(),
            content_base64: "%%%".into(),
        };
        let err = content(Some("x".into()), None, None, Some(vec![bad])).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("attachments[0].content_base64"));
    }

    #[test]
    fn template_errors_name_the_line_and_store_errors_stay_opaque() {
        let e = reply_error(ReplyError::Template {
            name: "t".into(),
            error: crate::outbound::render::TemplateError {
                line: Some(3),
                message: "unexpected }}".into(),
            },
        });
        assert_eq!(e.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(e.message.contains("line 3"), "{}", e.message);
        let e = reply_error(ReplyError::Store(anyhow::anyhow!("disk")));
        assert_eq!(e.status, StatusCode::INTERNAL_SERVER_ERROR);
    }
}

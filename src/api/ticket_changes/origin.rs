//! Where a ticket opened through `POST tickets` came from: its channel
//! (`email`, or the channel of the conversation that opened it, such as a
//! chatbot flow's), the external id of that conversation, and the flow's
//! context (key → text, shown to agents).
use crate::api::error::{ApiError, ApiResult};
use serde_json::{Map, Value};

pub const MAX_CHANNEL: usize = 32;
pub const MAX_LINKED: usize = 200;
pub const MAX_CONTEXT_KEYS: usize = 50;
pub const MAX_CONTEXT_KEY: usize = 100;
pub const MAX_CONTEXT_TEXT: usize = 10_000;

/// The channel of a new ticket: `email` when none is given.
pub fn channel(value: Option<&str>) -> ApiResult<String> {
    let Some(v) = value else {
        return Ok("email".into());
    };
    let ok = (1..=MAX_CHANNEL).contains(&v.len())
        && v.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
    if ok {
        Ok(v.to_string())
    } else {
        Err(ApiError::invalid(
            "channel",
            format!("channel must be 1 to {MAX_CHANNEL} of a-z, 0-9, _ and -, not {v:?}"),
        ))
    }
}

/// The linked conversation's external id: one line.
pub fn linked(value: Option<&str>) -> ApiResult<Option<String>> {
    value
        .map(|v| crate::api::settings::line("linked_conversation", v, MAX_LINKED))
        .transpose()
}

/// The context as stored (a JSON object): every value text.
pub fn context(value: Option<Map<String, Value>>) -> ApiResult<String> {
    let map = value.unwrap_or_default();
    if map.len() > MAX_CONTEXT_KEYS {
        return Err(ApiError::invalid(
            "context",
            format!("context holds at most {MAX_CONTEXT_KEYS} keys"),
        ));
    }
    for (key, v) in &map {
        let field = format!("context.{key}");
        crate::api::settings::line("context", key, MAX_CONTEXT_KEY).map_err(|_| {
            ApiError::invalid(
                "context",
                format!(
                    "context keys are one line of 1 to {MAX_CONTEXT_KEY} characters, not {key:?}"
                ),
            )
        })?;
        match v {
            Value::String(s) if s.chars().count() <= MAX_CONTEXT_TEXT => {}
            Value::String(_) => {
                return Err(ApiError::invalid(
                    &field,
                    format!("{field} is longer than {MAX_CONTEXT_TEXT} characters"),
                ));
            }
            other => {
                return Err(ApiError::invalid(
                    &field,
                    format!("{field} must be text, not {other}"),
                ));
            }
        }
    }
    Ok(Value::Object(map).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn channels_are_words_and_context_values_text() {
        assert_eq!(channel(None).unwrap(), "email");
        assert_eq!(channel(Some("telegram")).unwrap(), "telegram");
        assert!(channel(Some("Tele gram")).is_err());
        assert!(channel(Some("")).is_err());
        let ok = json!({"flow": "refund", "answer": "yes"});
        let stored = context(ok.as_object().cloned()).unwrap();
        assert_eq!(serde_json::from_str::<Value>(&stored).unwrap(), ok);
        let bad = context(json!({"count": 3}).as_object().cloned()).unwrap_err();
        assert_eq!(bad.field.as_deref(), Some("context.count"));
        assert_eq!(context(None).unwrap(), "{}");
        assert_eq!(linked(Some(" conv-1 ")).unwrap().as_deref(), Some("conv-1"));
    }
}

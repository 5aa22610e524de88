//! The draft assistant: an agent's draft sent to the configured
//! OpenAI-compatible chat-completions endpoint to be rewritten or
//! translated, the answer's text returned for the composer. Never required:
//! without `[assist]` there is none. The endpoint is the admin's choice (it
//! may be a local server), reached without redirects and within the
//! configured timeout; every failure is a sentence an agent can read.
use crate::config::AssistSettings;
use serde_json::{Value, json};

/// The longest answer read, in bytes.
const MAX_ANSWER_BYTES: usize = 1024 * 1024;

pub struct Assist {
    settings: AssistSettings,
    client: reqwest::Client,
}

/// What the agent asks of their draft.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Clearer and friendlier, same language, same meaning.
    Rewrite,
    /// Into this language.
    Translate(String),
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AssistError {
    #[error("the assistant did not answer within {0} s")]
    Timeout(u64),
    #[error("the assistant could not be reached: {0}")]
    Unreachable(String),
    #[error("the assistant answered {status}: {body}")]
    Refused { status: u16, body: String },
    #[error("the assistant's answer held no text")]
    Empty,
}

impl Assist {
    pub fn new(settings: AssistSettings) -> reqwest::Result<Self> {
        let client = reqwest::Client::builder()
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent("postdesk-assist")
            .build()?;
        Ok(Self { settings, client })
    }

    /// The draft rewritten or translated.
    pub async fn run(&self, text: &str, action: &Action) -> Result<String, AssistError> {
        let url = format!("{}/chat/completions", self.settings.base_url);
        let body = json!({
            "model": self.settings.model,
            "temperature": 0.2,
            "messages": [
                {"role": "system", "content": instruction(action)},
                {"role": "user", "content": text},
            ],
        });
        let mut req = self.client.post(&url).json(&body);
        if let Some(key) = &self.settings.api_key {
            req = req.bearer_auth(key.expose());
        }
        let secs = self.settings.timeout.as_secs();
        let failed = |e: reqwest::Error| match e.is_timeout() {
            true => AssistError::Timeout(secs),
            false => AssistError::Unreachable(e.without_url().to_string()),
        };
        let response = req.send().await.map_err(failed)?;
        let status = response.status();
        let bytes = response.bytes().await.map_err(failed)?;
        let bytes = &bytes[..bytes.len().min(MAX_ANSWER_BYTES)];
        if !status.is_success() {
            let body: String = String::from_utf8_lossy(bytes).chars().take(300).collect();
            return Err(AssistError::Refused {
                status: status.as_u16(),
                body: body.trim().to_string(),
            });
        }
        answer_text(bytes).ok_or(AssistError::Empty)
    }
}

/// What the model is told to do with the draft.
fn instruction(action: &Action) -> String {
    let keep = "Keep the meaning, the facts, names, numbers and links; answer with the text only, \
                no preamble and no quotes.";
    match action {
        Action::Rewrite => format!(
            "You edit a support agent's reply to a customer. Rewrite it to be clear, friendly \
             and concise, in the language it is written in. {keep}"
        ),
        Action::Translate(language) => {
            format!("You translate a support agent's reply to a customer into {language}. {keep}")
        }
    }
}

/// `choices[0].message.content` of a chat-completions answer, trimmed.
fn answer_text(bytes: &[u8]) -> Option<String> {
    let v: Value = serde_json::from_slice(bytes).ok()?;
    let text = v["choices"][0]["message"]["content"].as_str()?.trim();
    (!text.is_empty()).then(|| text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_answer_is_the_first_choices_text() {
        let ok = br#"{"choices":[{"message":{"role":"assistant","content":"  Hello!  "}}]}"#;
        assert_eq!(answer_text(ok).as_deref(), Some("Hello!"));
        assert_eq!(answer_text(br#"{"choices":[]}"#), None);
        assert_eq!(answer_text(b"not json"), None);
        assert!(instruction(&Action::Translate("German".into())).contains("into German"));
    }
}

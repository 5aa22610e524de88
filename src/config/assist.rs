//! `[assist]`: an OpenAI-compatible chat-completions endpoint that rewrites
//! or translates an agent's draft. Optional: without it the composer offers
//! no assist and `POST tickets/{id}/assist` answers 404 `assist_disabled`.
use super::{Env, secret};
use crate::domain::Secret;
use anyhow::bail;
use serde::Deserialize;
use std::path::PathBuf;
use std::time::Duration;

/// How long an answer may take unless `timeout_secs` says otherwise.
const DEFAULT_TIMEOUT_SECS: u64 = 20;

/// `[assist]` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct AssistFile {
    /// Up to the version, e.g. `https://api.openai.com/v1`.
    base_url: String,
    model: String,
    api_key: Option<String>,
    api_key_env: Option<String>,
    api_key_file: Option<PathBuf>,
    timeout_secs: Option<u64>,
}

#[derive(Debug, Clone)]
pub struct AssistSettings {
    /// Without a trailing slash; `/chat/completions` follows it.
    pub base_url: String,
    pub model: String,
    /// Sent as a bearer token; none for a local server that wants none.
    pub api_key: Option<Secret>,
    pub timeout: Duration,
}

pub(super) fn settings(
    file: Option<AssistFile>,
    env: &dyn Env,
) -> anyhow::Result<Option<AssistSettings>> {
    let Some(f) = file else {
        return Ok(None);
    };
    let base_url = f.base_url.trim().trim_end_matches('/').to_string();
    if !(base_url.starts_with("http://") || base_url.starts_with("https://")) {
        bail!("assist.base_url must start with http:// or https://, not {base_url:?}");
    }
    if f.model.trim().is_empty() {
        bail!("assist.model must not be empty");
    }
    let timeout = f.timeout_secs.unwrap_or(DEFAULT_TIMEOUT_SECS);
    if !(1..=300).contains(&timeout) {
        bail!("assist.timeout_secs must be 1 to 300");
    }
    let api_key = secret(
        (f.api_key, f.api_key_env, f.api_key_file),
        "api_key",
        env,
        "assist",
    )?;
    Ok(Some(AssistSettings {
        base_url,
        model: f.model.trim().to_string(),
        api_key,
        timeout: Duration::from_secs(timeout),
    }))
}

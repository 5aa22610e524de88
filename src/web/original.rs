//! A mail's original: its headers and its HTML, sanitized, with remote
//! images blocked behind a bar until the agent loads them. Loaded images
//! come through Postdesk (a URL signed for this message, image types only,
//! size and time capped, public addresses only), never from the sender's
//! server to the agent's browser.
use super::error::{PageError, PageResult};
use super::session::WebAgent;
use super::views::Layout;
use crate::api::AppState;
use crate::mail::html::{Original, original};
use crate::service::webhooks::targets::{guarded_client, refuse_url};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;
use std::sync::OnceLock;
use std::time::Duration;

const MAX_IMAGE_BYTES: usize = 5 * 1024 * 1024;
const IMAGE_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Template)]
#[template(path = "web/original.html")]
struct OriginalPage {
    layout: Layout,
    id: i64,
    ticket_id: i64,
    m: Original,
    images: bool,
}

#[derive(Deserialize)]
pub struct Show {
    images: Option<String>,
}

pub async fn page(
    State(state): State<AppState>,
    agent: WebAgent,
    Path(id): Path<i64>,
    Query(q): Query<Show>,
) -> PageResult<Response> {
    let (ticket_id, raw) = state
        .store
        .message_source(id)
        .await?
        .ok_or_else(|| PageError::not_found("such message"))?;
    let images = q.images.is_some_and(|v| v == "1");
    let key = state.token_key.clone();
    let m = tokio::task::spawn_blocking(move || {
        let route = |src: &str| images.then(|| image_path(&key, id, src));
        original(&raw, &route)
    })
    .await
    .map_err(|e| PageError::from(anyhow::anyhow!("reading a message: {e}")))?;
    let html = OriginalPage {
        layout: Layout::for_agent(&format!("Original of {}", m.subject), &agent),
        id,
        ticket_id,
        m,
        images,
    }
    .render()
    .map_err(anyhow::Error::from)?;
    Ok(Html(html).into_response())
}

fn signature(key: &[u8], id: i64, url: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key");
    mac.update(format!("image:{id}:{url}").as_bytes());
    data_encoding::HEXLOWER.encode(&mac.finalize().into_bytes()[..16])
}

fn image_path(key: &[u8], id: i64, url: &str) -> String {
    let url = if url.starts_with("//") {
        format!("https:{url}")
    } else {
        url.to_owned()
    };
    let query =
        serde_urlencoded::to_string([("u", url.as_str()), ("s", &signature(key, id, &url))])
            .unwrap_or_default();
    format!("/messages/{id}/image?{query}")
}

#[derive(Deserialize)]
pub struct ImageQuery {
    u: String,
    s: String,
}

/// A remote image of message `id`, fetched for the agent.
pub async fn image(
    State(state): State<AppState>,
    _agent: WebAgent,
    Path(id): Path<i64>,
    Query(q): Query<ImageQuery>,
) -> Response {
    if signature(&state.token_key, id, &q.u) != q.s {
        return StatusCode::FORBIDDEN.into_response();
    }
    match fetch(&state, &q.u).await {
        Ok((content_type, bytes)) => {
            let mut response = bytes.into_response();
            let h = response.headers_mut();
            if let Ok(v) = HeaderValue::from_str(&content_type) {
                h.insert(header::CONTENT_TYPE, v);
            }
            h.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, max-age=3600"),
            );
            h.insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static("default-src 'none'; sandbox"),
            );
            response
        }
        Err(why) => {
            tracing::debug!(url = %q.u, error = %why, "remote image not shown");
            StatusCode::BAD_GATEWAY.into_response()
        }
    }
}

async fn fetch(state: &AppState, url: &str) -> anyhow::Result<(String, Vec<u8>)> {
    let client = client(state)?;
    if let Some(refused) = refuse_url(&state.webhook_targets, url) {
        anyhow::bail!(refused);
    }
    let mut response = client.get(url).send().await?.error_for_status()?;
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let allowed = [
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "image/avif",
        "image/bmp",
    ];
    anyhow::ensure!(
        allowed.iter().any(|t| content_type.starts_with(t)),
        "not an image type we show: {content_type:?}"
    );
    let mut bytes = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        bytes.extend_from_slice(&chunk);
        anyhow::ensure!(bytes.len() <= MAX_IMAGE_BYTES, "the image is too large");
    }
    Ok((content_type, bytes))
}

/// One client for every image: public addresses only (or the allow list
/// of `[webhooks] allow_targets`), no redirects, no proxy, a time cap.
fn client(state: &AppState) -> anyhow::Result<&'static reqwest::Client> {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    if let Some(c) = CLIENT.get() {
        return Ok(c);
    }
    let built = guarded_client(
        state.webhook_targets.clone(),
        IMAGE_TIMEOUT,
        concat!("Postdesk-Images/", env!("CARGO_PKG_VERSION")),
    )?;
    Ok(CLIENT.get_or_init(|| built))
}

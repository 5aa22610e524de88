//! Cross-site request forgery: every POST to the pages must come from our
//! own origin (`Origin` and `Sec-Fetch-Site`, which browsers set and pages
//! cannot forge), and once logged in must carry the session's token (the
//! hidden `csrf` field of each form, or an `X-CSRF-Token` header).
use super::error::PageError;
use super::session::{self, WebAgent};
use crate::api::AppState;
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// A form body read to find its token; larger ones carry it as a header.
const MAX_FORM_BYTES: usize = 1024 * 1024;
/// A multipart body (a reply with attachments) read to find its token.
const MAX_UPLOAD_BYTES: usize = crate::api::MAX_BODY_BYTES;

/// Refuses cross-site POSTs, and POSTs of a session without its token.
/// Puts the session's agent into the request for the handler.
pub async fn guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if req.method() != Method::POST {
        return next.run(req).await;
    }
    if let Err(why) = same_origin(req.headers()) {
        return PageError::forbidden(why).into_response();
    }
    let agent = match session::load(&state, req.headers()).await {
        Ok(agent) => agent,
        Err(e) => return PageError::from(e).into_response(),
    };
    let Some(agent) = agent else {
        // No session: the login form, or a handler that sends to it.
        return next.run(req).await;
    };
    let (mut parts, body) = req.into_parts();
    let header_token = parts
        .headers
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let (token, body) = match header_token {
        Some(token) => (Some(token), body),
        None if is_form(&parts.headers) => match to_bytes(body, MAX_FORM_BYTES).await {
            Ok(bytes) => (form_token(&bytes), Body::from(bytes)),
            Err(_) => return PageError::too_large("the form is too large").into_response(),
        },
        None => match boundary(&parts.headers) {
            Some(boundary) => match to_bytes(body, MAX_UPLOAD_BYTES).await {
                Ok(bytes) => (
                    multipart_token(bytes.clone(), boundary).await,
                    Body::from(bytes),
                ),
                Err(_) => {
                    let mb = MAX_UPLOAD_BYTES / (1024 * 1024);
                    let why = format!("the attachments are too large: at most {mb} MB in all");
                    return PageError::too_large(why).into_response();
                }
            },
            None => (None, body),
        },
    };
    if !token.is_some_and(|t| constant_eq(&t, &agent.csrf)) {
        return PageError::forbidden(
            "this form has expired or did not come from Postdesk: reload the page and try again",
        )
        .into_response();
    }
    parts.extensions.insert::<WebAgent>(agent);
    next.run(Request::from_parts(parts, body)).await
}

/// `Err` with the reason when the request comes from another site.
fn same_origin(headers: &HeaderMap) -> Result<(), &'static str> {
    let fetch_site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    if let Some(site) = fetch_site
        && !matches!(site, "same-origin" | "none")
    {
        return Err("a request from another site was refused");
    }
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    match (origin, host) {
        (None, _) => Ok(()),
        (Some(origin), Some(host))
            if origin
                .split_once("://")
                .is_some_and(|(_, rest)| rest.eq_ignore_ascii_case(host)) =>
        {
            Ok(())
        }
        _ => Err("a request from another origin was refused"),
    }
}

fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"))
}

fn boundary(headers: &HeaderMap) -> Option<String> {
    let content_type = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    multer::parse_boundary(content_type).ok()
}

/// The `csrf` field of a multipart body.
async fn multipart_token(body: axum::body::Bytes, boundary: String) -> Option<String> {
    let stream = futures::stream::once(async move { Ok::<_, std::io::Error>(body) });
    let mut parts = multer::Multipart::new(stream, boundary);
    while let Ok(Some(field)) = parts.next_field().await {
        if field.name() == Some("csrf") {
            return field.text().await.ok();
        }
    }
    None
}

fn form_token(body: &[u8]) -> Option<String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
        .ok()?
        .into_iter()
        .find_map(|(k, v)| (k == "csrf").then_some(v))
}

fn constant_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0, |d, (x, y)| d | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn only_our_own_origin_may_post() {
        let ok = [
            headers(&[]),
            headers(&[
                ("host", "desk.example:8080"),
                ("origin", "http://desk.example:8080"),
            ]),
            headers(&[("sec-fetch-site", "same-origin")]),
        ];
        for h in ok {
            assert!(same_origin(&h).is_ok(), "{h:?}");
        }
        let refused = [
            headers(&[("host", "desk.example"), ("origin", "https://evil.example")]),
            headers(&[("origin", "null")]),
            headers(&[("sec-fetch-site", "cross-site")]),
            headers(&[("sec-fetch-site", "same-site")]),
        ];
        for h in refused {
            assert!(same_origin(&h).is_err(), "{h:?}");
        }
    }

    #[test]
    fn the_token_is_read_from_the_form() {
        assert_eq!(form_token(b"a=1&csrf=abc&b=2").as_deref(), Some("abc"));
        assert_eq!(form_token(b"a=1"), None);
        assert!(constant_eq("abc", "abc") && !constant_eq("abc", "abd") && !constant_eq("a", "ab"));
    }
}

//! Who is logged in. The session cookie holds 32 random bytes; the database
//! holds their SHA-256 (a stolen database gives no session away), the agent
//! and the session's CSRF token. Sessions slide: each use within their
//! lifetime extends them (written at most once an hour).
use crate::api::AppState;
use crate::api::auth::Caller;
use crate::domain::Role;
use crate::store::web_sessions::SessionRow;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Duration, Utc};
use rand::RngCore;
use sha2::{Digest, Sha256};

pub const COOKIE: &str = "postdesk_session";
/// A session unused for this long ends.
const IDLE: Duration = Duration::days(14);
/// How stale `seen_at` may get before a use is written down.
const TOUCH_EVERY: Duration = Duration::hours(1);

/// The agent behind a request's session.
#[derive(Debug, Clone)]
pub struct WebAgent {
    pub agent_id: i64,
    pub role: Role,
    pub name: String,
    pub email: String,
    pub csrf: String,
    pub id_hash: String,
}

impl WebAgent {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// The same caller an API token for this agent would be.
    pub fn caller(&self) -> Caller {
        Caller {
            token_id: 0,
            role: self.role,
            agent_id: Some(self.agent_id),
        }
    }
}

/// A fresh session id (for the cookie) and its hash (for the database).
pub fn new_id() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let id = data_encoding::BASE64URL_NOPAD.encode(&bytes);
    let hash = hash_id(&id);
    (id, hash)
}

/// A fresh CSRF token.
pub fn new_csrf() -> String {
    let mut bytes = [0u8; 24];
    rand::rng().fill_bytes(&mut bytes);
    data_encoding::HEXLOWER.encode(&bytes)
}

pub fn hash_id(id: &str) -> String {
    data_encoding::HEXLOWER.encode(&Sha256::digest(id.as_bytes()))
}

pub fn expiry() -> chrono::DateTime<Utc> {
    Utc::now() + IDLE
}

/// The `Set-Cookie` value for a new session (HttpOnly, SameSite=Lax, and
/// Secure when the request came over https).
pub fn cookie(id: &str, headers: &HeaderMap) -> HeaderValue {
    let value = format!(
        "{COOKIE}={id}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{}",
        IDLE.num_seconds(),
        secure(headers)
    );
    HeaderValue::from_str(&value).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The `Set-Cookie` value that removes the cookie.
pub fn removal(headers: &HeaderMap) -> HeaderValue {
    let value = format!(
        "{COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{}",
        secure(headers)
    );
    HeaderValue::from_str(&value).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// `; Secure` when the request reached Postdesk over https: Postdesk
/// listens on plain HTTP, so that is a TLS proxy in front of it saying so
/// (`X-Forwarded-Proto: https`, or `proto=https` in `Forwarded`). A client
/// that claims it falsely only gets a cookie it will not send over HTTP.
fn secure(headers: &HeaderMap) -> &'static str {
    let says_https = |name: header::HeaderName, check: fn(&str) -> bool| {
        headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .any(check)
    };
    let forwarded_proto = |v: &str| {
        v.split(',')
            .next()
            .is_some_and(|first| first.trim().eq_ignore_ascii_case("https"))
    };
    let forwarded = |v: &str| {
        v.split([';', ',']).any(|pair| {
            pair.trim().split_once('=').is_some_and(|(k, v)| {
                k.trim().eq_ignore_ascii_case("proto")
                    && v.trim().trim_matches('"').eq_ignore_ascii_case("https")
            })
        })
    };
    if says_https(
        header::HeaderName::from_static("x-forwarded-proto"),
        forwarded_proto,
    ) || says_https(header::FORWARDED, forwarded)
    {
        "; Secure"
    } else {
        ""
    }
}

/// The session cookie's value, if the request carries one.
pub fn cookie_value(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| {
            let (name, value) = pair.trim().split_once('=')?;
            (name == COOKIE && !value.is_empty()).then(|| value.to_owned())
        })
}

/// Loads the session a request carries, extending it when due.
pub async fn load(state: &AppState, headers: &HeaderMap) -> anyhow::Result<Option<WebAgent>> {
    let Some(id) = cookie_value(headers) else {
        return Ok(None);
    };
    let id_hash = hash_id(&id);
    let Some(row) = state.store.session(&id_hash).await? else {
        return Ok(None);
    };
    if Utc::now() - row.seen_at > TOUCH_EVERY {
        state.store.touch_session(&id_hash, expiry()).await?;
    }
    Ok(Some(agent(row, id_hash)))
}

fn agent(row: SessionRow, id_hash: String) -> WebAgent {
    WebAgent {
        agent_id: row.agent_id,
        role: row.role(),
        name: row.name.clone(),
        email: row.email.clone(),
        csrf: row.csrf,
        id_hash,
    }
}

/// Without a session: to the login page, coming back here afterwards.
pub struct LoginFirst(String);

impl IntoResponse for LoginFirst {
    fn into_response(self) -> Response {
        let next: String = url_escape(&self.0);
        Redirect::to(&format!("/login?next={next}")).into_response()
    }
}

fn url_escape(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl FromRequestParts<AppState> for WebAgent {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        if let Some(agent) = parts.extensions.get::<WebAgent>() {
            return Ok(agent.clone());
        }
        match load(state, &parts.headers).await {
            Ok(Some(agent)) => Ok(agent),
            Ok(None) => {
                let here = parts.uri.path_and_query().map_or("/", |p| p.as_str());
                Err(LoginFirst(here.to_owned()).into_response())
            }
            Err(e) => Err(super::error::PageError::from(e).into_response()),
        }
    }
}

impl axum::extract::OptionalFromRequestParts<AppState> for WebAgent {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Option<Self>, Response> {
        if let Some(agent) = parts.extensions.get::<WebAgent>() {
            return Ok(Some(agent.clone()));
        }
        load(state, &parts.headers)
            .await
            .map_err(|e| super::error::PageError::from(e).into_response())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_session_cookie_is_found_among_others() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            "a=1; postdesk_session=abc; b=2".parse().unwrap(),
        );
        assert_eq!(cookie_value(&h).as_deref(), Some("abc"));
        h.insert(header::COOKIE, "postdesk_session=".parse().unwrap());
        assert_eq!(cookie_value(&h), None);
    }

    #[test]
    fn a_session_id_is_stored_only_as_its_hash() {
        let (id, hash) = new_id();
        assert_eq!(hash, hash_id(&id));
        assert!(!hash.contains(&id));
        assert_ne!(new_id().0, id);
    }

    #[test]
    fn the_cookie_is_secure_when_a_proxy_says_https() {
        let with = |name: &'static str, value: &'static str| {
            let mut h = HeaderMap::new();
            h.insert(
                header::HeaderName::from_static(name),
                value.parse().unwrap(),
            );
            cookie("abc", &h).to_str().unwrap().to_string()
        };
        assert!(
            !cookie("abc", &HeaderMap::new())
                .to_str()
                .unwrap()
                .contains("Secure")
        );
        assert!(with("x-forwarded-proto", "https").ends_with("; Secure"));
        assert!(with("x-forwarded-proto", "HTTPS, http").ends_with("; Secure"));
        assert!(!with("x-forwarded-proto", "http").contains("Secure"));
        assert!(
            with("forwarded", "for=192.0.2.60;proto=https;by=203.0.113.43").ends_with("; Secure")
        );
        assert!(with("forwarded", "for=x; proto=\"https\"").ends_with("; Secure"));
        assert!(!with("forwarded", "for=https").contains("Secure"));
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-proto", "https".parse().unwrap());
        assert!(removal(&h).to_str().unwrap().ends_with("Max-Age=0; Secure"));
    }

    #[test]
    fn the_way_back_after_login_is_escaped() {
        assert_eq!(
            url_escape("/tickets/5?q=a b&x"),
            "/tickets/5%3Fq%3Da%20b%26x"
        );
    }
}

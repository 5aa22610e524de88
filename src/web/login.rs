//! Logging in and out. A password is checked with argon2 on the blocking
//! pool; a wrong one says so without telling whether the address or the
//! password was wrong, and failures are limited per client address and per
//! account, so guessing stays slow from one machine and from many.
use super::error::{PageError, PageResult};
use super::session::{self, WebAgent};
use super::views::Layout;
use crate::api::AppState;
use crate::api::auth_limit::AuthLimiter;
use askama::Template;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use serde::Deserialize;
use std::net::{IpAddr, SocketAddr};
use std::sync::LazyLock;
use std::time::{Duration, Instant};

/// Failed logins allowed: per client address, and per account.
pub struct LoginLimits {
    by_ip: AuthLimiter<IpAddr>,
    by_account: AuthLimiter<String>,
}

impl Default for LoginLimits {
    fn default() -> Self {
        Self {
            by_ip: AuthLimiter::new(20, Duration::from_secs(60)),
            by_account: AuthLimiter::new(10, Duration::from_secs(600)),
        }
    }
}

/// Checked when the address names no account, so a login takes as long
/// whether or not it does.
static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| password_auth::generate_hash("not the password of anyone"));

#[derive(Template)]
#[template(path = "web/login.html")]
struct LoginPage<'a> {
    layout: Layout,
    email: &'a str,
    next: &'a str,
    error: Option<String>,
}

#[derive(Deserialize)]
pub struct Next {
    next: Option<String>,
}

#[derive(Deserialize)]
pub struct LoginForm {
    email: String,
    password: String,
    next: Option<String>,
}

pub async fn form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<Next>,
) -> PageResult<Response> {
    let next = safe_next(q.next.as_deref());
    if session::load(&state, &headers).await?.is_some() {
        return Ok(Redirect::to(next).into_response());
    }
    render(StatusCode::OK, "", next, None)
}

fn render(
    status: StatusCode,
    email: &str,
    next: &str,
    error: Option<String>,
) -> PageResult<Response> {
    let page = LoginPage {
        layout: Layout::public("Log in"),
        email,
        next,
        error,
    };
    let html = page.render().map_err(anyhow::Error::from)?;
    Ok((status, Html(html)).into_response())
}

pub async fn submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    Form(f): Form<LoginForm>,
) -> PageResult<Response> {
    let next = safe_next(f.next.as_deref());
    let ip = peer.map_or(IpAddr::from([0, 0, 0, 0]), |Extension(c)| c.0.ip());
    let account = f.email.trim().to_ascii_lowercase();
    let limits = &state.logins;
    let now = Instant::now();
    if let Err(wait) = limits
        .by_ip
        .check(ip, now)
        .and(limits.by_account.check(account.clone(), now))
    {
        let error = format!("Too many failed logins. Try again in {wait} seconds.");
        return render(StatusCode::TOO_MANY_REQUESTS, &f.email, next, Some(error));
    }
    let Some(agent_id) = verify(&state, &account, f.password).await? else {
        limits.by_ip.failed(ip, now);
        limits.by_account.failed(account, now);
        let error = "That email address and password do not match an active account.".into();
        return render(StatusCode::UNAUTHORIZED, &f.email, next, Some(error));
    };
    // A session id is never reused across logins: the old one ends here.
    if let Some(old) = session::cookie_value(&headers) {
        state.store.end_session(&session::hash_id(&old)).await?;
    }
    let (id, id_hash) = session::new_id();
    let csrf = session::new_csrf();
    state
        .store
        .create_session(&id_hash, agent_id, &csrf, session::expiry())
        .await?;
    let mut response = Redirect::to(next).into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, session::cookie(&id, &headers));
    Ok(response)
}

/// The agent's id when the password is theirs and they are active.
async fn verify(state: &AppState, account: &str, password: String) -> PageResult<Option<i64>> {
    let row = state.store.login_row(account).await?;
    let (hash, usable) = match &row {
        Some(r) if r.active && r.password_hash.is_some() => {
            (r.password_hash.clone().unwrap_or_default(), true)
        }
        _ => (DUMMY_HASH.clone(), false),
    };
    let matches = tokio::task::spawn_blocking(move || {
        password_auth::verify_password(password.as_bytes(), &hash).is_ok()
    })
    .await
    .map_err(|e| PageError::from(anyhow::anyhow!("checking a password: {e}")))?;
    Ok(row.filter(|_| matches && usable).map(|r| r.id))
}

pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    agent: Option<WebAgent>,
) -> PageResult<Response> {
    if let Some(agent) = agent {
        state.store.end_session(&agent.id_hash).await?;
    }
    let mut response = Redirect::to("/login").into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, session::removal(&headers));
    Ok(response)
}

/// Where to go after logging in: a path on this site, never another site.
fn safe_next(next: Option<&str>) -> &str {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n,
        _ => "/",
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn after_login_only_paths_of_this_site_are_followed() {
        use super::safe_next;
        assert_eq!(safe_next(Some("/tickets/4?x=1")), "/tickets/4?x=1");
        for bad in [
            "//evil.example/",
            "https://evil.example/",
            "/\\evil.example",
            "",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad}");
        }
        assert_eq!(safe_next(None), "/");
    }
}

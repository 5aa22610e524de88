//! Bearer tokens: `pd_` and 32 random base32 characters, stored only as an
//! HMAC-SHA256 under a per-database key. The caller's role decides what it
//! may do: admins everything, agents tickets and reading configuration.
//! Failed attempts are limited per client IP ([`super::auth_limit`]).
use super::AppState;
use super::error::ApiError;
use crate::domain::Role;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::StatusCode;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// A token's `last_used_at` is written at most this often.
const USE_EVERY: Duration = Duration::from_secs(60);

/// When each token's use was last written: at most once a minute per
/// token, off the request's path, so using a token costs no write.
#[derive(Debug, Default)]
pub struct TokenUse(Mutex<HashMap<i64, Instant>>);

impl TokenUse {
    /// Whether a use of token `id` at `now` is to be written.
    pub fn due(&self, id: i64, now: Instant) -> bool {
        let mut written = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        match written.get(&id) {
            Some(at) if now.saturating_duration_since(*at) < USE_EVERY => false,
            _ => {
                written.insert(id, now);
                true
            }
        }
    }
}

/// A fresh token, shown once to whoever creates it.
pub fn generate_token() -> String {
    let mut bytes = [0u8; 20];
    rand::rng().fill_bytes(&mut bytes);
    format!(
        "pd_{}",
        data_encoding::BASE32_NOPAD
            .encode(&bytes)
            .to_ascii_lowercase()
    )
}

/// What the database keeps of a token.
pub fn hash_token(key: &[u8], token: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(token.as_bytes());
    data_encoding::HEXLOWER.encode(&mac.finalize().into_bytes())
}

/// The authenticated caller of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caller {
    pub token_id: i64,
    pub role: Role,
    /// The agent acting (None for an admin token made without one).
    pub agent_id: Option<i64>,
}

impl Caller {
    /// 403 unless the caller is an admin.
    pub fn admin(&self) -> Result<(), ApiError> {
        match self.role {
            Role::Admin => Ok(()),
            Role::Agent => Err(ApiError::forbidden(
                "this needs an admin token; agents may only read configuration",
            )),
        }
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if !parts.headers.contains_key(AUTHORIZATION) {
            // No guess made: nothing to limit.
            return authenticate(parts, state).await;
        }
        let ip = client_ip(parts);
        let limiter = &state.auth_failures;
        limiter.check(ip, Instant::now()).map_err(|wait| {
            ApiError::too_many("too many failed authentications from this address", wait)
        })?;
        let outcome = authenticate(parts, state).await;
        if matches!(&outcome, Err(e) if e.status == StatusCode::UNAUTHORIZED) {
            limiter.failed(ip, Instant::now());
        }
        outcome
    }
}

/// The peer address of the connection (proxy headers are not trusted);
/// unspecified when the server was not started with connect info.
fn client_ip(parts: &Parts) -> IpAddr {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::from([0, 0, 0, 0]), |c| c.0.ip())
}

async fn authenticate(parts: &Parts, state: &AppState) -> Result<Caller, ApiError> {
    let header = parts
        .headers
        .get(AUTHORIZATION)
        .ok_or_else(|| ApiError::unauthorized("missing Authorization: Bearer <token>"))?;
    let token = header
        .to_str()
        .ok()
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| ApiError::unauthorized("the Authorization header must be Bearer <token>"))?;
    let grant = state
        .store
        .grant_of(&hash_token(&state.token_key, token))
        .await?
        .ok_or_else(|| ApiError::unauthorized("the token is not valid"))?;
    if state.token_use.due(grant.token_id, Instant::now()) {
        let (store, id) = (state.store.clone(), grant.token_id);
        tokio::spawn(async move {
            if let Err(e) = store.mark_token_used(id, crate::store::now()).await {
                tracing::warn!("recording the use of token {id}: {e:#}");
            }
        });
    }
    Ok(Caller {
        token_id: grant.token_id,
        role: grant.role,
        agent_id: grant.agent_id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_hash_alike_only_under_the_same_key() {
        let (a, b) = (generate_token(), generate_token());
        assert_ne!(a, b);
        assert!(a.starts_with("pd_") && a.len() == 35, "{a}");
        assert_eq!(hash_token(b"k1", &a), hash_token(b"k1", &a));
        assert_ne!(hash_token(b"k1", &a), hash_token(b"k2", &a));
        assert!(!hash_token(b"k1", &a).contains(&a[3..]));
    }

    #[test]
    fn a_tokens_use_is_written_at_most_once_a_minute() {
        let uses = TokenUse::default();
        let t0 = Instant::now();
        assert!(uses.due(1, t0));
        assert!(!uses.due(1, t0 + Duration::from_secs(59)));
        assert!(uses.due(2, t0), "each token on its own");
        assert!(uses.due(1, t0 + USE_EVERY));
    }
}

//! Agents' passwords for the pages: what a password must be, and setting
//! one (argon2, on the blocking pool: hashing takes tens of milliseconds of
//! CPU by design). Setting one ends the agent's sessions.
use crate::domain::Invalid;
use crate::store::Store;

pub const MIN_CHARS: usize = 8;
pub const MAX_CHARS: usize = 1024;

/// A password long enough to resist guessing, short enough to hash.
pub fn check(password: &str) -> Result<(), Invalid> {
    let n = password.chars().count();
    if n < MIN_CHARS {
        return Err(Invalid(format!(
            "a password has at least {MIN_CHARS} characters"
        )));
    }
    if n > MAX_CHARS {
        return Err(Invalid(format!(
            "a password has at most {MAX_CHARS} characters"
        )));
    }
    Ok(())
}

/// Checks and sets agent `agent_id`'s password; false when there is no
/// such agent.
pub async fn set(store: &Store, agent_id: i64, password: String) -> anyhow::Result<bool> {
    check(&password)?;
    let hash = tokio::task::spawn_blocking(move || password_auth::generate_hash(password)).await?;
    store.set_password_hash(agent_id, &hash).await
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_have_bounds() {
        assert!(super::check("short").is_err());
        assert!(super::check("long enough").is_ok());
        assert!(super::check(&"x".repeat(2000)).is_err());
    }
}

//! API tokens: issued once (the caller sees the token now, the database
//! keeps only its keyed hash), for `postdesk token create` and the admin
//! page alike.
use crate::api::auth::{generate_token, hash_token};
use crate::domain::Role;
use crate::store::Store;

/// A new token named `name`, acting as `role` (and for `agent_id`, whose
/// own role and state bound it from then on); the token, shown only now.
pub async fn issue(
    store: &Store,
    key: &[u8],
    name: &str,
    role: Role,
    agent_id: Option<i64>,
) -> anyhow::Result<String> {
    let name = name.trim();
    anyhow::ensure!(!name.is_empty(), "a token needs a name");
    let token = generate_token();
    store
        .create_token(name, role, agent_id, &hash_token(key, &token))
        .await?;
    Ok(token)
}

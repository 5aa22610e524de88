//! `postdesk token create`: a new API token, printed once (only its keyed
//! hash is stored).
use crate::domain::Role;
use crate::store::Store;

pub async fn create(
    database_url: &str,
    name: &str,
    role: &str,
    agent: Option<&str>,
) -> anyhow::Result<()> {
    let role = Role::parse(role)?;
    anyhow::ensure!(!name.trim().is_empty(), "--name must not be empty");
    let store = Store::open(database_url).await?;
    let agent_id = match agent {
        Some(email) => Some(
            store
                .agent_id_by_email(&email.trim().to_ascii_lowercase())
                .await?
                .ok_or_else(|| anyhow::anyhow!("no agent has the email {email:?}"))?,
        ),
        None => None,
    };
    let key = store.token_key().await?;
    let token = crate::service::tokens::issue(&store, &key, name, role, agent_id).await?;
    println!("{token}");
    eprintln!(
        "a {} token named {:?}{}; it is shown only now",
        role.as_str(),
        name.trim(),
        agent.map(|a| format!(" acting as {a}")).unwrap_or_default()
    );
    Ok(())
}

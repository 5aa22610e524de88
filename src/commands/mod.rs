//! What the CLI subcommands do, kept out of main.rs so tests can call them.
pub mod agent;
pub mod bench;
pub mod demo;
pub mod import;
pub mod inspect;
pub mod serve;
pub mod sources;
pub mod token;

use crate::store::Store;

pub async fn migrate(database_url: &str) -> anyhow::Result<()> {
    Store::open(database_url).await?;
    println!("database {database_url} is up to date");
    Ok(())
}

pub async fn list_tickets(database_url: &str) -> anyhow::Result<()> {
    let store = Store::open(database_url).await?;
    for t in store.tickets().await? {
        println!(
            "#{:<6} {:<8} {:>3} msg  {:<30} {}",
            t.short_id, t.status, t.message_count, t.requester_email, t.subject
        );
    }
    Ok(())
}

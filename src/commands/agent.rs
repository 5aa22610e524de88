//! `postdesk agent password EMAIL`: sets an agent's password for the pages
//! from standard input, so it never shows in the shell's history or `ps`.
use crate::service::passwords;
use crate::store::Store;
use std::io::BufRead;

pub async fn password(database_url: &str, email: &str) -> anyhow::Result<()> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let password = line.trim_end_matches(['\r', '\n']).to_owned();
    passwords::check(&password)?;
    let store = Store::open(database_url).await?;
    let agent = store
        .login_row(email)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no agent has the email {email:?}"))?;
    passwords::set(&store, agent.id, password).await?;
    eprintln!(
        "the password of {} is set; their sessions ended",
        email.trim()
    );
    Ok(())
}

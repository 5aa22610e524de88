//! Server-wide settings, among them the secret that signs reply tokens.
use super::Store;
use anyhow::Context;
use rand::RngCore;

const REPLY_SECRET: &str = "reply_token_secret";

impl Store {
    /// The reply-token secret, generated once per database and kept there so
    /// every instance sharing the database signs alike.
    pub async fn reply_secret(&self) -> anyhow::Result<Vec<u8>> {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        let fresh = data_encoding::HEXLOWER.encode(&bytes);
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
        )
        .bind(REPLY_SECRET)
        .bind(&fresh)
        .execute(self.writer())
        .await
        .context("storing the reply-token secret")?;
        let value: String = sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
            .bind(REPLY_SECRET)
            .fetch_one(self.pool())
            .await
            .context("reading the reply-token secret")?;
        data_encoding::HEXLOWER
            .decode(value.as_bytes())
            .context("the stored reply-token secret is not hex")
    }
}

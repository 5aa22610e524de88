//! Server-wide settings: the secrets that sign reply tokens and key the
//! hashes of API tokens.
use super::Store;
use anyhow::Context;
use rand::RngCore;

const REPLY_SECRET: &str = "reply_token_secret";
const TOKEN_KEY: &str = "api_token_key";

impl Store {
    /// The reply-token secret, generated once per database and kept there so
    /// every instance sharing the database signs alike.
    pub async fn reply_secret(&self) -> anyhow::Result<Vec<u8>> {
        self.secret(REPLY_SECRET).await
    }

    /// The key API tokens are hashed with (a keyed hash: the table alone
    /// does not let anyone test guesses).
    pub async fn token_key(&self) -> anyhow::Result<Vec<u8>> {
        self.secret(TOKEN_KEY).await
    }

    /// 32 random bytes under `key`, made on first use.
    async fn secret(&self, key: &str) -> anyhow::Result<Vec<u8>> {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        let fresh = data_encoding::HEXLOWER.encode(&bytes);
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
        )
        .bind(key)
        .bind(&fresh)
        .execute(self.writer())
        .await
        .with_context(|| format!("storing the {key} secret"))?;
        let value: String = sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
            .bind(key)
            .fetch_one(self.pool())
            .await
            .with_context(|| format!("reading the {key} secret"))?;
        data_encoding::HEXLOWER
            .decode(value.as_bytes())
            .with_context(|| format!("the stored {key} secret is not hex"))
    }
}

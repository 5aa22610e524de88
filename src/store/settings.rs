//! Server-wide settings: the secrets that sign reply tokens and key the
//! hashes of API tokens, and the check that the key sealing stored secrets
//! is the right one.
use super::Store;
use super::sealer::{SEALED, is_sealed};
use anyhow::Context;
use rand::RngCore;

const REPLY_SECRET: &str = "reply_token_secret";
const TOKEN_KEY: &str = "api_token_key";
/// A known text sealed under the database's key when it was first opened.
const KEY_CHECK: &str = "secret_key_check";
const KEY_CHECK_TEXT: &str = "postdesk";

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

    /// Refuses a secret key other than the one this database's secrets were
    /// sealed with (a lost or swapped key file), before anything is read.
    pub(super) async fn check_secret_key(&self) -> anyhow::Result<()> {
        let check = self.sealer().seal(KEY_CHECK, KEY_CHECK_TEXT);
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
        )
        .bind(KEY_CHECK)
        .bind(&check)
        .execute(self.writer())
        .await
        .context("storing the secret key check")?;
        let stored: String = sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
            .bind(KEY_CHECK)
            .fetch_one(self.pool())
            .await
            .context("reading the secret key check")?;
        let opened = self.sealer().open(KEY_CHECK, &stored);
        anyhow::ensure!(
            opened.is_ok_and(|t| t == KEY_CHECK_TEXT),
            "the secret key ({}) is not the one this database's secrets were sealed with: restore the key file or POSTDESK_SECRET_KEY it was opened with",
            self.sealer().source()
        );
        Ok(())
    }

    /// Seals the secrets stored in the clear (before sealing existed).
    pub(super) async fn seal_plain_secrets(&self) -> anyhow::Result<()> {
        let mut tx = self.begin_write().await?;
        for (table, column, data) in SEALED {
            let rows: Vec<(i64, String)> = sqlx::query_as(&format!(
                "SELECT id, {column} FROM {table} WHERE {column} IS NOT NULL"
            ))
            .fetch_all(&mut *tx)
            .await
            .with_context(|| format!("reading {table}.{column}"))?;
            for (id, value) in rows.into_iter().filter(|(_, v)| !is_sealed(v)) {
                sqlx::query(&format!("UPDATE {table} SET {column} = $1 WHERE id = $2"))
                    .bind(self.sealer().seal(data, &value))
                    .bind(id)
                    .execute(&mut *tx)
                    .await
                    .with_context(|| format!("sealing {table}.{column}"))?;
            }
        }
        tx.commit().await.context("sealing stored secrets")?;
        Ok(())
    }
}

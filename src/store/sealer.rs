//! Secrets at rest. Mailbox passwords and webhook secrets are sealed with
//! AES-256-GCM under a key kept outside the database: `POSTDESK_SECRET_KEY`
//! (64 hex characters) or else a key file beside the database file
//! (`<database>.key`, created 0600 with a fresh key on first open). A copy
//! of the database alone does not give the secrets away.
//!
//! A sealed value is `sealed:v1:` and the base64 of nonce and ciphertext;
//! the column it belongs to is bound in as associated data, so a value
//! moved to another column does not open. Values stored before sealing
//! existed are read as they are and sealed when the database is opened.
use anyhow::Context;
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

const PREFIX: &str = "sealed:v1:";
pub const KEY_ENV: &str = "POSTDESK_SECRET_KEY";
/// The sealed columns, each named as its values' associated data.
pub const IMAP_PASSWORD: &str = "email_domains.imap_password";
pub const SMTP_PASSWORD: &str = "email_domains.smtp_password";
pub const WEBHOOK_SECRET: &str = "webhooks.secret";
/// Every sealed column: (table, column, associated data).
pub const SEALED: [(&str, &str, &str); 3] = [
    ("email_domains", "imap_password", IMAP_PASSWORD),
    ("email_domains", "smtp_password", SMTP_PASSWORD),
    ("webhooks", "secret", WEBHOOK_SECRET),
];
const KEY_LEN: usize = 32;

pub struct Sealer {
    key: LessSafeKey,
    rng: SystemRandom,
    /// Where the key came from, for error messages.
    source: String,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sealer")
            .field("source", &self.source)
            .finish()
    }
}

impl Sealer {
    fn new(key: &[u8; KEY_LEN], source: String) -> Self {
        let key = UnboundKey::new(&AES_256_GCM, key).expect("a 32-byte AES-256 key");
        Self {
            key: LessSafeKey::new(key),
            rng: SystemRandom::new(),
            source,
        }
    }

    /// The key for the database file `db` (None: in memory, a key of its
    /// own that lives as long as the process).
    pub fn for_database(db: Option<&Path>) -> anyhow::Result<Self> {
        if let Ok(hex) = std::env::var(KEY_ENV) {
            let key = parse_key(&hex).with_context(|| format!("reading {KEY_ENV}"))?;
            return Ok(Self::new(&key, KEY_ENV.into()));
        }
        match db {
            Some(db) => {
                let path = key_path(db);
                let key = key_file(&path)?;
                Ok(Self::new(&key, path.display().to_string()))
            }
            None => {
                let mut key = [0u8; KEY_LEN];
                SystemRandom::new()
                    .fill(&mut key)
                    .map_err(|_| anyhow::anyhow!("no randomness for a secret key"))?;
                Ok(Self::new(&key, "a key of this process".into()))
            }
        }
    }

    /// Where the key came from.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// `plain` sealed for `column`.
    pub fn seal(&self, column: &str, plain: &str) -> String {
        let mut nonce = [0u8; NONCE_LEN];
        self.rng
            .fill(&mut nonce)
            .expect("the system's randomness is available");
        let mut data = plain.as_bytes().to_vec();
        self.key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(column.as_bytes()),
                &mut data,
            )
            .expect("AES-GCM seals any message of this size");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&data);
        format!("{PREFIX}{}", data_encoding::BASE64.encode(&out))
    }

    /// The plain text of a stored value of `column`: a sealed value opened,
    /// any other as it is (stored before sealing existed).
    pub fn open(&self, column: &str, stored: &str) -> anyhow::Result<String> {
        let Some(sealed) = stored.strip_prefix(PREFIX) else {
            return Ok(stored.to_owned());
        };
        let wrong = || {
            anyhow::anyhow!(
                "a stored {column} cannot be opened with the secret key from {}: it is not the key this database's secrets were sealed with",
                self.source
            )
        };
        let bytes = data_encoding::BASE64
            .decode(sealed.as_bytes())
            .map_err(|_| wrong())?;
        if bytes.len() < NONCE_LEN {
            return Err(wrong());
        }
        let (nonce, data) = bytes.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| wrong())?;
        let mut data = data.to_vec();
        let plain = self
            .key
            .open_in_place(nonce, Aad::from(column.as_bytes()), &mut data)
            .map_err(|_| wrong())?;
        String::from_utf8(plain.to_vec()).map_err(|_| wrong())
    }
}

/// Whether a stored value is sealed.
pub fn is_sealed(stored: &str) -> bool {
    stored.starts_with(PREFIX)
}

/// `<database>.key` beside the database file.
pub fn key_path(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(".key");
    PathBuf::from(name)
}

fn parse_key(hex: &str) -> anyhow::Result<[u8; KEY_LEN]> {
    let bytes = data_encoding::HEXLOWER_PERMISSIVE
        .decode(hex.trim().as_bytes())
        .ok()
        .filter(|b| b.len() == KEY_LEN)
        .context("a secret key is 64 hex characters (32 bytes)")?;
    let mut key = [0u8; KEY_LEN];
    key.copy_from_slice(&bytes);
    Ok(key)
}

/// Reads the key file, or creates it (0600, a fresh key) when missing.
fn key_file(path: &Path) -> anyhow::Result<[u8; KEY_LEN]> {
    match std::fs::read_to_string(path) {
        Ok(text) => {
            let mode = std::fs::metadata(path)?.permissions().mode();
            if mode & 0o077 != 0 {
                tracing::warn!(
                    path = %path.display(),
                    "the secret key file can be read by others: chmod 600 it"
                );
            }
            parse_key(&text).with_context(|| format!("reading the secret key {}", path.display()))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => create_key_file(path),
        Err(e) => Err(e).with_context(|| format!("reading the secret key {}", path.display())),
    }
}

fn create_key_file(path: &Path) -> anyhow::Result<[u8; KEY_LEN]> {
    let mut key = [0u8; KEY_LEN];
    SystemRandom::new()
        .fill(&mut key)
        .map_err(|_| anyhow::anyhow!("no randomness for a secret key"))?;
    let created = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path);
    let mut file = match created {
        Ok(file) => file,
        // Another process made it first: use theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => return key_file(path),
        Err(e) => {
            return Err(e).with_context(|| format!("creating the secret key {}", path.display()));
        }
    };
    writeln!(file, "{}", data_encoding::HEXLOWER.encode(&key))
        .and_then(|()| file.sync_all())
        .with_context(|| format!("writing the secret key {}", path.display()))?;
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sealer(byte: u8) -> Sealer {
        Sealer::new(&[byte; KEY_LEN], "test".into())
    }

    #[test]
    fn a_sealed_value_opens_with_its_key_and_column_only() {
        let s = sealer(1);
        let sealed = s.seal("imap_password", "hunter2");
        assert!(is_sealed(&sealed));
        assert!(!sealed.contains("hunter2"));
        assert_ne!(sealed, s.seal("imap_password", "hunter2"), "fresh nonce");
        assert_eq!(s.open("imap_password", &sealed).unwrap(), "hunter2");
        assert!(s.open("smtp_password", &sealed).is_err(), "other column");
        let err = sealer(2).open("imap_password", &sealed).unwrap_err();
        assert!(err.to_string().contains("not the key"), "{err}");
    }

    #[test]
    fn values_stored_before_sealing_read_as_they_are() {
        assert_eq!(
            sealer(1).open("secret", "whsec_plain").unwrap(),
            "whsec_plain"
        );
    }

    #[test]
    fn damaged_sealed_values_are_refused_not_a_panic() {
        let s = sealer(1);
        for bad in ["sealed:v1:", "sealed:v1:!!", "sealed:v1:AAAA"] {
            assert!(s.open("c", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_key_file_is_created_private_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = key_path(&dir.path().join("p.db"));
        let key = key_file(&path).unwrap();
        assert_eq!(key_file(&path).unwrap(), key);
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        std::fs::write(&path, "not hex").unwrap();
        assert!(key_file(&path).is_err());
    }

    #[test]
    fn a_key_is_64_hex_characters() {
        assert!(parse_key(&"ab".repeat(32)).is_ok());
        assert!(parse_key(&"ab".repeat(31)).is_err());
        assert!(parse_key(&"zz".repeat(32)).is_err());
    }
}

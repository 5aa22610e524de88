//! An email domain: one identity mail is received on (IMAP) and sent from
//! (SMTP). Passwords are [`Secret`]s so no `{:?}` ever prints one.
use super::{EmailAddress, Invalid};
use std::fmt;

/// How a connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TlsMode {
    /// Plain text (loopback and tests only, in practice).
    None,
    /// Plain connect, then upgrade with STARTTLS before authenticating.
    Starttls,
    /// TLS from the first byte (IMAPS 993, SMTPS 465).
    Tls,
}

impl TlsMode {
    pub const ALL: [TlsMode; 3] = [Self::None, Self::Starttls, Self::Tls];

    pub fn parse(s: &str) -> Result<Self, Invalid> {
        let name = s.trim().to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .find(|t| t.as_str() == name)
            .ok_or_else(|| {
                Invalid(format!(
                    "tls must be \"none\", \"starttls\" or \"tls\", not {s:?}"
                ))
            })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Starttls => "starttls",
            Self::Tls => "tls",
        }
    }
}

/// What the poller does with a message on the server once it is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AfterAction {
    /// Flag it \Seen and leave it where it is.
    Seen,
    /// MOVE it to this folder.
    Move(String),
    /// Flag it \Deleted and expunge it.
    Delete,
}

impl AfterAction {
    /// `seen`, `delete` or `move:<Folder>`.
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        let t = s.trim();
        match t.to_ascii_lowercase().as_str() {
            "seen" => return Ok(Self::Seen),
            "delete" => return Ok(Self::Delete),
            _ => {}
        }
        match t.split_once(':') {
            Some((verb, folder)) if verb.eq_ignore_ascii_case("move") => {
                let folder = folder.trim();
                if folder.is_empty() || folder.contains(['\r', '\n', '"', '\\']) {
                    return Err(Invalid(format!("{s:?} does not name a usable folder")));
                }
                Ok(Self::Move(folder.to_string()))
            }
            _ => Err(Invalid(format!(
                "after must be \"seen\", \"delete\" or \"move:<Folder>\", not {s:?}"
            ))),
        }
    }

    pub fn to_setting(&self) -> String {
        match self {
            Self::Seen => "seen".into(),
            Self::Delete => "delete".into(),
            Self::Move(folder) => format!("move:{folder}"),
        }
    }
}

/// A password or other secret: printed as `***` by `Debug` and `Display`.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself, for the one place that hands it to a server.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImapSettings {
    pub host: String,
    pub port: u16,
    pub tls: TlsMode,
    pub username: String,
    pub password: Secret,
    pub folder: String,
    pub after: AfterAction,
    /// Where a message that could not be ingested is moved (None: left in place).
    pub quarantine_folder: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub tls: TlsMode,
    /// None: send without authenticating.
    pub username: Option<String>,
    pub password: Option<Secret>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailDomain {
    pub id: i64,
    pub address: EmailAddress,
    /// Display name on outbound mail ("Example Support").
    pub name: String,
    pub imap: Option<ImapSettings>,
    pub smtp: Option<SmtpSettings>,
    pub default_team_id: Option<i64>,
    pub enabled: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn after_actions_parse_and_print_back() {
        for s in ["seen", "delete", "move:Archive", "move:Support/Done"] {
            assert_eq!(AfterAction::parse(s).unwrap().to_setting(), s);
        }
        assert_eq!(AfterAction::parse(" SEEN ").unwrap(), AfterAction::Seen);
        for bad in ["", "move:", "archive", "move:a\"b"] {
            assert!(AfterAction::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn secrets_never_print() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s:?} {s}"), "*** ***");
        assert_eq!(s.expose(), "hunter2");
    }

    #[test]
    fn tls_modes_parse() {
        assert_eq!(TlsMode::parse("STARTTLS").unwrap(), TlsMode::Starttls);
        assert!(TlsMode::parse("ssl").is_err());
    }
}

//! The JSON of an email domain: what the API shows (passwords only as
//! `has_password`) and what it accepts, merged onto the stored settings so
//! a PATCH may leave passwords out.
use super::schemas::{
    AfterName, EmailText, FolderName, HostName, OptionalFolder, OptionalLine, Port, ServerPassword,
    ServerUser, TlsName,
};
use super::{MAX_NAME, line, nullable, optional_line};
use crate::api::error::{ApiError, ApiResult};
use crate::domain::{
    AfterAction, EmailAddress, EmailDomain, ImapSettings, Secret, SmtpSettings, TlsMode,
};
use crate::store::domains::DomainRecord;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub(super) const MAX_HOST: usize = 253;
pub(super) const MAX_USER: usize = 320;
/// Characters.
pub(super) const MAX_PASSWORD: usize = 1024;

#[derive(Debug, Serialize, ToSchema)]
pub struct ImapView {
    pub host: String,
    pub port: u16,
    /// none | starttls | tls
    pub tls: &'static str,
    pub username: String,
    /// Passwords are write-only.
    pub has_password: bool,
    pub folder: String,
    /// seen | delete | move:<Folder>
    pub after: String,
    pub quarantine_folder: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SmtpView {
    pub host: String,
    pub port: u16,
    /// none | starttls | tls
    pub tls: &'static str,
    pub username: Option<String>,
    /// Passwords are write-only.
    pub has_password: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EmailDomainView {
    pub id: i64,
    pub address: String,
    pub name: String,
    pub imap: Option<ImapView>,
    pub smtp: Option<SmtpView>,
    pub default_team_id: Option<i64>,
    pub enabled: bool,
    /// When the poller last finished a sync (read-only).
    #[serde(serialize_with = "crate::api::time::utc_opt")]
    pub last_poll_at: Option<DateTime<Utc>>,
    /// The poller's last error, cleared by a good poll (read-only).
    pub last_error: Option<String>,
    #[serde(serialize_with = "crate::api::time::utc")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "crate::api::time::utc")]
    pub updated_at: DateTime<Utc>,
}

impl From<DomainRecord> for EmailDomainView {
    fn from(r: DomainRecord) -> Self {
        let d = r.domain;
        Self {
            id: d.id,
            address: d.address.to_string(),
            name: d.name,
            imap: d.imap.map(|i| ImapView {
                has_password: !i.password.expose().is_empty(),
                host: i.host,
                port: i.port,
                tls: i.tls.as_str(),
                username: i.username,
                folder: i.folder,
                after: i.after.to_setting(),
                quarantine_folder: i.quarantine_folder,
            }),
            smtp: d.smtp.map(|s| SmtpView {
                has_password: s.password.is_some_and(|p| !p.expose().is_empty()),
                host: s.host,
                port: s.port,
                tls: s.tls.as_str(),
                username: s.username,
            }),
            default_team_id: d.default_team_id,
            enabled: d.enabled,
            last_poll_at: r.last_poll_at,
            last_error: r.last_error,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// IMAP settings: on create, host, port, username and password are
/// required; on update, what is left out stays.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImapInput {
    #[schema(value_type = Option<HostName>)]
    pub host: Option<String>,
    #[schema(value_type = Option<Port>)]
    pub port: Option<i64>,
    /// none | starttls | tls (default tls)
    #[schema(value_type = Option<TlsName>)]
    pub tls: Option<String>,
    #[schema(value_type = Option<ServerUser>)]
    pub username: Option<String>,
    /// Write-only.
    #[schema(value_type = Option<ServerPassword>)]
    pub password: Option<String>,
    /// Default INBOX.
    #[schema(value_type = Option<FolderName>)]
    pub folder: Option<String>,
    /// seen | delete | move:<Folder> (default seen)
    #[schema(value_type = Option<AfterName>)]
    pub after: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<OptionalFolder>)]
    pub quarantine_folder: Option<Option<String>>,
}

/// SMTP settings: host and port are required on create; without a username
/// mail is sent without logging in.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SmtpInput {
    #[schema(value_type = Option<HostName>)]
    pub host: Option<String>,
    #[schema(value_type = Option<Port>)]
    pub port: Option<i64>,
    /// none | starttls | tls (default starttls)
    #[schema(value_type = Option<TlsName>)]
    pub tls: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<ServerUser>)]
    pub username: Option<Option<String>>,
    /// Write-only.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<ServerPassword>)]
    pub password: Option<Option<String>>,
}

/// Create (address required) or change (any field; `imap` or `smtp` null
/// removes those settings).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DomainInput {
    #[schema(value_type = Option<EmailText>)]
    pub address: Option<String>,
    #[schema(value_type = Option<OptionalLine>)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<ImapInput>)]
    pub imap: Option<Option<ImapInput>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<SmtpInput>)]
    pub smtp: Option<Option<SmtpInput>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>)]
    pub default_team_id: Option<Option<i64>>,
    pub enabled: Option<bool>,
}

impl DomainInput {
    /// The domain after this input: onto `current`, or a new one.
    pub fn apply(self, current: Option<EmailDomain>) -> ApiResult<EmailDomain> {
        let patching = current.is_some();
        let address = match (self.address, &current) {
            (Some(a), _) => {
                EmailAddress::parse(&a).map_err(|e| ApiError::invalid("address", e.0))?
            }
            (None, Some(c)) => c.address.clone(),
            (None, None) => return Err(required("address", false)),
        };
        let name = match (self.name, &current) {
            (Some(n), _) => optional_line("name", &n, MAX_NAME)?,
            (None, Some(c)) => c.name.clone(),
            (None, None) => String::new(),
        };
        let old_imap = current.as_ref().and_then(|c| c.imap.as_ref());
        let imap = match self.imap {
            Some(Some(input)) => Some(imap(old_imap, input, patching)?),
            Some(None) => None,
            None => old_imap.cloned(),
        };
        let old_smtp = current.as_ref().and_then(|c| c.smtp.as_ref());
        let smtp = match self.smtp {
            Some(Some(input)) => Some(smtp(old_smtp, input, patching)?),
            Some(None) => None,
            None => old_smtp.cloned(),
        };
        Ok(EmailDomain {
            id: current.as_ref().map_or(0, |c| c.id),
            default_team_id: match self.default_team_id {
                Some(t) => t,
                None => current.as_ref().and_then(|c| c.default_team_id),
            },
            enabled: self
                .enabled
                .unwrap_or(current.as_ref().is_none_or(|c| c.enabled)),
            address,
            name,
            imap,
            smtp,
        })
    }
}

fn imap(old: Option<&ImapSettings>, i: ImapInput, patching: bool) -> ApiResult<ImapSettings> {
    let f = "imap";
    let quarantine_folder = match i.quarantine_folder {
        Some(Some(q)) if !q.trim().is_empty() => Some(folder("imap.quarantine_folder", &q)?),
        Some(_) => None,
        None => old.and_then(|o| o.quarantine_folder.clone()),
    };
    let host = host(f, i.host, old.map(|o| &o.host), patching)?;
    let port = port(f, i.port, old.map(|o| o.port), patching)?;
    let tls = tls(f, i.tls, old.map(|o| o.tls), TlsMode::Tls)?;
    let same_server = old.filter(|o| !moved(&o.host, o.port, o.tls, &host, port, tls));
    Ok(ImapSettings {
        username: match i.username {
            Some(u) => line("imap.username", &u, MAX_USER)?,
            None => old
                .map(|o| o.username.clone())
                .ok_or_else(|| required("imap.username", patching))?,
        },
        password: match i.password {
            Some(p) => password("imap.password", p)?,
            None => same_server
                .map(|o| o.password.clone())
                .ok_or_else(|| password_again("imap.password", old.is_some(), patching))?,
        },
        host,
        port,
        tls,
        folder: match i.folder {
            Some(name) => folder("imap.folder", &name)?,
            None => old.map_or("INBOX".into(), |o| o.folder.clone()),
        },
        after: match i.after {
            Some(a) => AfterAction::parse(&a).map_err(|e| ApiError::invalid("imap.after", e.0))?,
            None => old.map_or(AfterAction::Seen, |o| o.after.clone()),
        },
        quarantine_folder,
    })
}

fn smtp(old: Option<&SmtpSettings>, s: SmtpInput, patching: bool) -> ApiResult<SmtpSettings> {
    let f = "smtp";
    let host = host(f, s.host, old.map(|o| &o.host), patching)?;
    let port = port(f, s.port, old.map(|o| o.port), patching)?;
    let tls = tls(f, s.tls, old.map(|o| o.tls), TlsMode::Starttls)?;
    let kept = old.and_then(|o| o.password.clone());
    let moved = old.is_some_and(|o| moved(&o.host, o.port, o.tls, &host, port, tls));
    Ok(SmtpSettings {
        username: match s.username {
            Some(Some(u)) => Some(line("smtp.username", &u, MAX_USER)?),
            Some(None) => None,
            None => old.and_then(|o| o.username.clone()),
        },
        password: match s.password {
            Some(Some(p)) => Some(password("smtp.password", p)?),
            Some(None) => None,
            None if moved && kept.is_some() => {
                return Err(password_again("smtp.password", true, patching));
            }
            None => kept,
        },
        host,
        port,
        tls,
    })
}

/// Whether settings now send the stored password somewhere else: another
/// host or port, or the same one without TLS.
fn moved(
    old_host: &str,
    old_port: u16,
    old_tls: TlsMode,
    host: &str,
    port: u16,
    tls: TlsMode,
) -> bool {
    !old_host.eq_ignore_ascii_case(host)
        || old_port != port
        || (tls == TlsMode::None && old_tls != TlsMode::None)
}

/// A password that must be given: required on create, and again when the
/// server changes, so a stored one is never sent to a server it was not
/// given for.
fn password_again(field: &str, stored: bool, patching: bool) -> ApiError {
    if !stored {
        return required(field, patching);
    }
    ApiError::conflict(
        field,
        format!(
            "{field} is required again: the stored password is only sent to the host, port and TLS it was given for"
        ),
    )
}

/// A value that must be given: on create the document says so (422); on a
/// change, whether one is stored to keep decides (409).
fn required(field: &str, patching: bool) -> ApiError {
    match patching {
        false => ApiError::invalid(field, format!("{field} is required")),
        true => ApiError::conflict(
            field,
            format!("{field} is required: none is stored to keep"),
        ),
    }
}

fn host(
    section: &str,
    given: Option<String>,
    old: Option<&String>,
    patching: bool,
) -> ApiResult<String> {
    let field = format!("{section}.host");
    let Some(h) = given else {
        return old.cloned().ok_or_else(|| required(&field, patching));
    };
    let h = line(&field, &h, MAX_HOST)?;
    if h.contains(char::is_whitespace) {
        return Err(ApiError::invalid(
            field,
            format!("{h:?} is not a host name"),
        ));
    }
    Ok(h)
}

fn port(section: &str, given: Option<i64>, old: Option<u16>, patching: bool) -> ApiResult<u16> {
    let field = format!("{section}.port");
    match given {
        Some(p) => u16::try_from(p).ok().filter(|p| *p > 0).ok_or_else(|| {
            ApiError::invalid(field, format!("port must be between 1 and 65535, not {p}"))
        }),
        None => old.ok_or_else(|| required(&field, patching)),
    }
}

fn tls(
    section: &str,
    given: Option<String>,
    old: Option<TlsMode>,
    default: TlsMode,
) -> ApiResult<TlsMode> {
    match given {
        Some(t) => TlsMode::parse(&t).map_err(|e| ApiError::invalid(format!("{section}.tls"), e.0)),
        None => Ok(old.unwrap_or(default)),
    }
}

fn password(field: &str, p: String) -> ApiResult<Secret> {
    if p.is_empty() || p.chars().count() > MAX_PASSWORD {
        return Err(ApiError::invalid(
            field,
            format!("{field} must be 1 to {MAX_PASSWORD} characters"),
        ));
    }
    Ok(Secret::new(p))
}

/// A folder name IMAP can be told: one line, no quotes or backslashes.
fn folder(field: &str, name: &str) -> ApiResult<String> {
    let name = line(field, name, MAX_NAME)?;
    if name.contains(['"', '\\']) {
        return Err(ApiError::invalid(
            field,
            format!("{field} must not contain quotes or backslashes"),
        ));
    }
    Ok(name)
}

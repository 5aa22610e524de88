//! One `Config`: `postdesk.toml` (optional) overlaid with `POSTDESK_*`
//! environment variables, validated once at start. Secrets come from the
//! file, an environment variable or a file of their own, and are held as
//! [`Secret`]s so they never reach a log.
use crate::domain::{AfterAction, EmailAddress, ImapSettings, Secret, SmtpSettings, TlsMode};
use crate::service::sla::SlaTargets;
use crate::service::webhooks::WebhookSettings;
use crate::store::domains::DomainSpec;
use anyhow::{Context, bail};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::time::Duration;

mod assist;
pub use assist::AssistSettings;

pub const DEFAULT_DATABASE_URL: &str = "sqlite://postdesk.db";
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
pub const DEFAULT_MAX_MESSAGE_BYTES: u64 = 100 * 1024 * 1024;
pub const DEFAULT_AUTH_FAILURES_PER_MINUTE: u32 = 20;

#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: String,
    pub listen: String,
    pub admin_token: Option<Secret>,
    /// `/metrics` without a bearer token (for a scraper on a private
    /// network); otherwise any API token reads it.
    pub metrics_public: bool,
    /// API requests with a bad token a client address may make per minute
    /// before it is answered 429 (20 by default).
    pub auth_failures_per_minute: u32,
    /// Between polls of a mailbox whose server offers no IDLE.
    pub poll_interval: Duration,
    /// Extra CA certificates (PEM) trusted for IMAP and SMTP TLS.
    pub ca_file: Option<PathBuf>,
    /// Mail larger than this is quarantined (header kept), not fetched whole.
    pub max_message_bytes: u64,
    pub acknowledgement: Acknowledgement,
    pub outbound: Outbound,
    pub email_domains: Vec<DomainSpec>,
    /// First-response targets per priority (`[sla]`); none by default.
    pub sla: SlaTargets,
    /// Webhook delivery (`[webhooks]`).
    pub webhooks: WebhookSettings,
    /// The draft assistant (`[assist]`); none unless configured.
    pub assist: Option<AssistSettings>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Acknowledgement {
    pub enabled: bool,
    /// Automatic answers to one address per hour (a token bucket).
    pub per_sender_per_hour: u32,
}

impl Default for Acknowledgement {
    fn default() -> Self {
        Self {
            enabled: true,
            per_sender_per_hour: 3,
        }
    }
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Outbound {
    pub max_attempts: u32,
    /// First retry delay in seconds; doubles per attempt.
    pub retry_base_secs: f64,
    pub connections_per_domain: u32,
    /// How long a claimed outbox row is this instance's; after a crash its
    /// unrecorded rows are sent again once it runs out.
    pub lease_secs: u64,
    /// How long an agent's reply waits in the outbox before it is sent,
    /// to be taken back (undo send); 0 sends at once. At most 600.
    pub undo_secs: u64,
}

impl Default for Outbound {
    fn default() -> Self {
        Self {
            max_attempts: 8,
            retry_base_secs: 30.0,
            connections_per_domain: 4,
            lease_secs: 120,
            undo_secs: 10,
        }
    }
}

/// The file as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    database_url: Option<String>,
    listen: Option<String>,
    admin_token: Option<String>,
    #[serde(default)]
    metrics_public: bool,
    auth_failures_per_minute: Option<u32>,
    poll_interval: Option<u64>,
    ca_file: Option<PathBuf>,
    max_message_bytes: Option<u64>,
    #[serde(default)]
    acknowledgement: Acknowledgement,
    #[serde(default)]
    outbound: Outbound,
    #[serde(default, rename = "email_domain")]
    email_domains: Vec<DomainFile>,
    #[serde(default)]
    sla: SlaFile,
    #[serde(default)]
    webhooks: WebhooksFile,
    assist: Option<assist::AssistFile>,
}

/// `[sla]`: a duration per priority (`30m`, `4h`, `2d`).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SlaFile {
    low: Option<String>,
    normal: Option<String>,
    high: Option<String>,
    urgent: Option<String>,
}

/// `[webhooks]`: durations as in `[sla]` (and `ms`).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct WebhooksFile {
    max_attempts: Option<u32>,
    retry_base: Option<String>,
    retry_max: Option<String>,
    timeout: Option<String>,
    poll_interval: Option<String>,
    #[serde(default)]
    allow_targets: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DomainFile {
    address: String,
    #[serde(default)]
    name: String,
    default_team: Option<String>,
    #[serde(default = "yes")]
    enabled: bool,
    imap: Option<ImapFile>,
    smtp: Option<SmtpFile>,
}

fn yes() -> bool {
    true
}

/// A password inline, from an environment variable, or from a file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PasswordFile {
    password: Option<String>,
    password_env: Option<String>,
    password_file: Option<PathBuf>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ImapFile {
    host: String,
    port: Option<u16>,
    #[serde(default = "tls")]
    tls: String,
    username: String,
    #[serde(flatten)]
    password: PasswordFile,
    #[serde(default = "inbox")]
    folder: String,
    #[serde(default = "seen")]
    after: String,
    quarantine_folder: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SmtpFile {
    host: String,
    port: Option<u16>,
    #[serde(default = "starttls")]
    tls: String,
    username: Option<String>,
    #[serde(flatten)]
    password: PasswordFile,
}

fn tls() -> String {
    "tls".into()
}
fn starttls() -> String {
    "starttls".into()
}
fn inbox() -> String {
    "INBOX".into()
}
fn seen() -> String {
    "seen".into()
}

/// Where the environment comes from: the process, or a map in tests.
pub trait Env {
    fn var(&self, name: &str) -> Option<String>;
}

pub struct ProcessEnv;

impl Env for ProcessEnv {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok().filter(|v| !v.is_empty())
    }
}

impl<const N: usize> Env for [(&str, &str); N] {
    fn var(&self, name: &str) -> Option<String> {
        self.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_string())
    }
}

impl Config {
    /// Reads `path` (when given) and the process environment.
    pub fn load(path: Option<&Path>) -> anyhow::Result<Self> {
        let text = match path {
            Some(p) => std::fs::read_to_string(p)
                .with_context(|| format!("reading config file {}", p.display()))?,
            None => String::new(),
        };
        let name = path.map_or("(no config file)".into(), |p| p.display().to_string());
        Self::parse(&text, &ProcessEnv).with_context(|| format!("config {name}"))
    }

    /// Parses config text and overlays the environment.
    pub fn parse(text: &str, env: &dyn Env) -> anyhow::Result<Self> {
        let file: File = toml::from_str(text)
            .map_err(|e| anyhow::anyhow!("{}", e.message()).context(location(text, &e)))?;
        let poll_interval = match env.var("POSTDESK_POLL_INTERVAL") {
            Some(v) => v.trim().parse::<u64>().with_context(|| {
                format!("POSTDESK_POLL_INTERVAL={v:?} is not a number of seconds")
            })?,
            None => file.poll_interval.unwrap_or(30),
        };
        if file.max_message_bytes == Some(0) {
            bail!("max_message_bytes must be at least 1");
        }
        if poll_interval == 0 {
            bail!("poll_interval must be at least 1 second");
        }
        if file.outbound.max_attempts == 0 || file.outbound.connections_per_domain == 0 {
            bail!("outbound.max_attempts and outbound.connections_per_domain must be at least 1");
        }
        if !(file.outbound.retry_base_secs > 0.0 && file.outbound.retry_base_secs.is_finite()) {
            bail!("outbound.retry_base_secs must be a positive number");
        }
        if file.outbound.undo_secs > 600 {
            bail!("outbound.undo_secs must be at most 600 (ten minutes)");
        }
        let sla = sla_targets(&file.sla, env)?;
        let webhooks = webhook_settings(&file.webhooks)?;
        let assist = assist::settings(file.assist, env)?;
        let mut email_domains = Vec::new();
        for (i, d) in file.email_domains.into_iter().enumerate() {
            let spec = domain_spec(d, env)
                .with_context(|| format!("[[email_domain]] number {}", i + 1))?;
            if email_domains
                .iter()
                .any(|s: &DomainSpec| s.address == spec.address)
            {
                bail!("email domain {} is declared twice", spec.address);
            }
            email_domains.push(spec);
        }
        Ok(Self {
            database_url: env
                .var("POSTDESK_DATABASE_URL")
                .or(file.database_url)
                .unwrap_or_else(|| DEFAULT_DATABASE_URL.into()),
            listen: env
                .var("POSTDESK_LISTEN")
                .or(file.listen)
                .unwrap_or_else(|| DEFAULT_LISTEN.into()),
            admin_token: env
                .var("POSTDESK_ADMIN_TOKEN")
                .or(file.admin_token)
                .map(Secret::new),
            metrics_public: file.metrics_public,
            auth_failures_per_minute: file
                .auth_failures_per_minute
                .unwrap_or(DEFAULT_AUTH_FAILURES_PER_MINUTE)
                .max(1),
            poll_interval: Duration::from_secs(poll_interval),
            ca_file: env
                .var("POSTDESK_CA_FILE")
                .map(PathBuf::from)
                .or(file.ca_file),
            max_message_bytes: file.max_message_bytes.unwrap_or(DEFAULT_MAX_MESSAGE_BYTES),
            acknowledgement: file.acknowledgement,
            outbound: file.outbound,
            email_domains,
            sla,
            webhooks,
            assist,
        })
    }
}

/// A duration written as a number and a unit (`ms`, `s`, `m`, `h`, `d`),
/// or several (`1h30m`). Zero is refused.
pub fn parse_duration(text: &str) -> anyhow::Result<Duration> {
    let bad = || anyhow::anyhow!("{text:?} is not a duration such as 30m, 4h or 2d");
    let mut rest = text.trim();
    let mut total = Duration::ZERO;
    if rest.is_empty() {
        return Err(bad());
    }
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
        let number: u64 = rest[..digits].parse().map_err(|_| bad())?;
        rest = &rest[digits..];
        let unit = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let millis = match &rest[..unit] {
            "ms" => 1,
            "s" => 1_000,
            "m" => 60_000,
            "h" => 3_600_000,
            "d" => 86_400_000,
            _ => return Err(bad()),
        };
        let part = number.checked_mul(millis).ok_or_else(bad)?;
        total = total
            .checked_add(Duration::from_millis(part))
            .ok_or_else(bad)?;
        rest = &rest[unit..];
    }
    if total.is_zero() {
        bail!("{text:?}: a duration must be longer than zero");
    }
    Ok(total)
}

/// `[sla]` overlaid with `POSTDESK_SLA_<PRIORITY>` (`off` removes a target).
fn sla_targets(file: &SlaFile, env: &dyn Env) -> anyhow::Result<SlaTargets> {
    let target = |key: &str, value: &Option<String>| -> anyhow::Result<Option<Duration>> {
        let name = format!("POSTDESK_SLA_{}", key.to_ascii_uppercase());
        match env.var(&name) {
            Some(v) if v.trim().eq_ignore_ascii_case("off") => Ok(None),
            Some(v) => parse_duration(&v).map(Some).with_context(|| name.clone()),
            None => value
                .as_deref()
                .map(parse_duration)
                .transpose()
                .with_context(|| format!("sla.{key}")),
        }
    };
    Ok(SlaTargets {
        low: target("low", &file.low)?,
        normal: target("normal", &file.normal)?,
        high: target("high", &file.high)?,
        urgent: target("urgent", &file.urgent)?,
    })
}

fn webhook_settings(file: &WebhooksFile) -> anyhow::Result<WebhookSettings> {
    let defaults = WebhookSettings::default();
    let duration = |key: &str, value: &Option<String>, default: Duration| {
        value
            .as_deref()
            .map_or(Ok(default), parse_duration)
            .with_context(|| format!("webhooks.{key}"))
    };
    if file.max_attempts == Some(0) {
        bail!("webhooks.max_attempts must be at least 1");
    }
    Ok(WebhookSettings {
        max_attempts: file.max_attempts.unwrap_or(defaults.max_attempts),
        retry_base: duration("retry_base", &file.retry_base, defaults.retry_base)?,
        retry_max: duration("retry_max", &file.retry_max, defaults.retry_max)?,
        timeout: duration("timeout", &file.timeout, defaults.timeout)?,
        poll_interval: duration("poll_interval", &file.poll_interval, defaults.poll_interval)?,
        allow_targets: std::sync::Arc::new(
            crate::service::webhooks::targets::Targets::parse(&file.allow_targets)
                .map_err(|e| anyhow::anyhow!("webhooks.allow_targets: {e}"))?,
        ),
    })
}

fn location(text: &str, e: &toml::de::Error) -> String {
    match e.span() {
        Some(span) => {
            let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
            format!("line {line}")
        }
        None => "config".into(),
    }
}

fn domain_spec(d: DomainFile, env: &dyn Env) -> anyhow::Result<DomainSpec> {
    let address = EmailAddress::parse(&d.address)?;
    let imap = match d.imap {
        None => None,
        Some(i) => {
            let tls = TlsMode::parse(&i.tls).context("imap.tls")?;
            Some(ImapSettings {
                port: i
                    .port
                    .unwrap_or(if tls == TlsMode::Tls { 993 } else { 143 }),
                host: non_empty(i.host, "imap.host")?,
                tls,
                username: non_empty(i.username, "imap.username")?,
                password: password(i.password, env, "imap")?.with_context(|| {
                    format!("imap for {address} needs password, password_env or password_file")
                })?,
                folder: non_empty(i.folder, "imap.folder")?,
                after: AfterAction::parse(&i.after).context("imap.after")?,
                quarantine_folder: i.quarantine_folder.filter(|f| !f.trim().is_empty()),
            })
        }
    };
    let smtp = match d.smtp {
        None => None,
        Some(s) => {
            let tls = TlsMode::parse(&s.tls).context("smtp.tls")?;
            let password = password(s.password, env, "smtp")?;
            if s.username.is_some() != password.is_some() {
                bail!("smtp for {address}: give both username and a password, or neither");
            }
            Some(SmtpSettings {
                port: s.port.unwrap_or(match tls {
                    TlsMode::Tls => 465,
                    TlsMode::Starttls => 587,
                    TlsMode::None => 25,
                }),
                host: non_empty(s.host, "smtp.host")?,
                tls,
                username: s.username,
                password,
            })
        }
    };
    Ok(DomainSpec {
        name: d.name,
        address,
        imap,
        smtp,
        default_team: d.default_team.filter(|t| !t.trim().is_empty()),
        enabled: d.enabled,
    })
}

fn non_empty(value: String, key: &str) -> anyhow::Result<String> {
    if value.trim().is_empty() {
        bail!("{key} must not be empty");
    }
    Ok(value.trim().to_string())
}

fn password(p: PasswordFile, env: &dyn Env, section: &str) -> anyhow::Result<Option<Secret>> {
    secret(
        (p.password, p.password_env, p.password_file),
        "password",
        env,
        section,
    )
}

/// A secret named `key` given inline, as `<key>_env` (an environment
/// variable's name) or as `<key>_file` (a file's path): at most one.
fn secret(
    (inline, from_env, from_file): (Option<String>, Option<String>, Option<PathBuf>),
    key: &str,
    env: &dyn Env,
    section: &str,
) -> anyhow::Result<Option<Secret>> {
    let given = [inline.is_some(), from_env.is_some(), from_file.is_some()];
    if given.iter().filter(|g| **g).count() > 1 {
        bail!("{section}: give one of {key}, {key}_env, {key}_file");
    }
    if let Some(name) = from_env {
        let value = env.var(&name).with_context(|| {
            format!("{section}.{key}_env: environment variable {name} is not set")
        })?;
        return Ok(Some(Secret::new(value)));
    }
    if let Some(path) = from_file {
        let value = std::fs::read_to_string(&path)
            .with_context(|| format!("{section}.{key}_file: reading {}", path.display()))?;
        return Ok(Some(Secret::new(value.trim_end_matches(['\r', '\n']))));
    }
    Ok(inline.map(Secret::new))
}

#[cfg(test)]
#[path = "config_tests.rs"]
mod tests;

//! How the document describes creating an email domain: the JSON of a
//! change ([`super::domain_body::DomainInput`]) with what a new domain
//! cannot do without marked required. Documentation only: the body is
//! read as a `DomainInput`.
#![allow(dead_code)]
use super::schemas::{
    AfterName, EmailText, FolderName, HostName, OptionalFolder, OptionalLine, Port, ServerPassword,
    ServerUser, TlsName,
};
use serde::Deserialize;
use utoipa::ToSchema;

/// A new email domain: `address` is required; `imap` and `smtp` are
/// optional, and complete when given.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DomainCreate {
    #[schema(value_type = EmailText)]
    address: String,
    #[schema(value_type = Option<OptionalLine>)]
    name: Option<String>,
    imap: Option<ImapCreate>,
    smtp: Option<SmtpCreate>,
    default_team_id: Option<i64>,
    enabled: Option<bool>,
}

/// IMAP settings of a new domain: host, port, username and password.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImapCreate {
    #[schema(value_type = HostName)]
    host: String,
    #[schema(value_type = Port)]
    port: i64,
    /// none | starttls | tls (default tls)
    #[schema(value_type = Option<TlsName>)]
    tls: Option<String>,
    #[schema(value_type = ServerUser)]
    username: String,
    #[schema(value_type = ServerPassword)]
    password: String,
    /// Default INBOX.
    #[schema(value_type = Option<FolderName>)]
    folder: Option<String>,
    /// seen | delete | move:<Folder> (default seen)
    #[schema(value_type = Option<AfterName>)]
    after: Option<String>,
    #[schema(value_type = Option<OptionalFolder>)]
    quarantine_folder: Option<String>,
}

/// SMTP settings of a new domain: host and port; without a username mail
/// is sent without logging in.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SmtpCreate {
    #[schema(value_type = HostName)]
    host: String,
    #[schema(value_type = Port)]
    port: i64,
    /// none | starttls | tls (default starttls)
    #[schema(value_type = Option<TlsName>)]
    tls: Option<String>,
    #[schema(value_type = Option<ServerUser>)]
    username: Option<String>,
    #[schema(value_type = Option<ServerPassword>)]
    password: Option<String>,
}

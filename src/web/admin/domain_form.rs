//! The email domain form: its fields, named as the API names them
//! (`imap.password`), so a refusal lands beside the field it concerns, and
//! the [`DomainInput`] it makes. Passwords are write-only: a blank one
//! keeps the stored one, and the API asks again when the server changes.
use super::Refusal;
use crate::api::settings::domain_body::{DomainInput, EmailDomainView, ImapInput, SmtpInput};

/// A text input: name, label, value, type.
pub type Input<'a> = (&'static str, &'static str, &'a String, &'static str);

#[derive(Debug, Default, serde::Deserialize)]
pub struct DomainForm {
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub name: String,
    /// A ticked checkbox.
    #[serde(default)]
    pub enabled: Option<String>,
    /// A team's id, or empty for none.
    #[serde(default)]
    pub default_team: String,
    #[serde(default, rename = "imap.host")]
    pub imap_host: String,
    #[serde(default, rename = "imap.port")]
    pub imap_port: String,
    #[serde(default, rename = "imap.tls")]
    pub imap_tls: String,
    #[serde(default, rename = "imap.username")]
    pub imap_username: String,
    #[serde(default, rename = "imap.password")]
    pub imap_password: String,
    #[serde(default, rename = "imap.folder")]
    pub imap_folder: String,
    #[serde(default, rename = "imap.after")]
    pub imap_after: String,
    #[serde(default, rename = "imap.quarantine_folder")]
    pub imap_quarantine: String,
    #[serde(default, rename = "smtp.host")]
    pub smtp_host: String,
    #[serde(default, rename = "smtp.port")]
    pub smtp_port: String,
    #[serde(default, rename = "smtp.tls")]
    pub smtp_tls: String,
    #[serde(default, rename = "smtp.username")]
    pub smtp_username: String,
    #[serde(default, rename = "smtp.password")]
    pub smtp_password: String,
    /// Whether a password is stored (shown, never the password).
    #[serde(skip)]
    pub imap_stored: bool,
    #[serde(skip)]
    pub smtp_stored: bool,
}

impl DomainForm {
    /// A new domain's form: enabled, the usual ports and TLS.
    pub fn blank() -> Self {
        Self {
            enabled: Some("on".into()),
            imap_port: "993".into(),
            imap_tls: "tls".into(),
            imap_folder: "INBOX".into(),
            imap_after: "seen".into(),
            smtp_port: "587".into(),
            smtp_tls: "starttls".into(),
            ..Self::default()
        }
    }

    /// The form as a domain's settings fill it (no password).
    pub fn of(d: &EmailDomainView) -> Self {
        let mut form = Self {
            address: d.address.clone(),
            name: d.name.clone(),
            enabled: d.enabled.then(|| "on".into()),
            default_team: d.default_team_id.map_or(String::new(), |t| t.to_string()),
            ..Self::default()
        };
        if let Some(i) = &d.imap {
            form.imap_host = i.host.clone();
            form.imap_port = i.port.to_string();
            form.imap_tls = i.tls.into();
            form.imap_username = i.username.clone();
            form.imap_folder = i.folder.clone();
            form.imap_after = i.after.clone();
            form.imap_quarantine = i.quarantine_folder.clone().unwrap_or_default();
            form.imap_stored = i.has_password;
        }
        if let Some(s) = &d.smtp {
            form.smtp_host = s.host.clone();
            form.smtp_port = s.port.to_string();
            form.smtp_tls = s.tls.into();
            form.smtp_username = s.username.clone().unwrap_or_default();
            form.smtp_stored = s.has_password;
        }
        form
    }

    /// Whether the form's default team is `id`.
    pub fn is_team(&self, id: &i64) -> bool {
        self.default_team == id.to_string()
    }

    /// The IMAP text inputs: (name, label, value, type).
    pub fn imap_fields(&self) -> [Input<'_>; 6] {
        [
            ("imap.host", "Host", &self.imap_host, "text"),
            ("imap.port", "Port", &self.imap_port, "number"),
            ("imap.username", "Username", &self.imap_username, "text"),
            ("imap.folder", "Folder", &self.imap_folder, "text"),
            (
                "imap.after",
                "After fetching: seen, delete or move:Folder",
                &self.imap_after,
                "text",
            ),
            (
                "imap.quarantine_folder",
                "Quarantine folder (empty: none)",
                &self.imap_quarantine,
                "text",
            ),
        ]
    }

    /// The SMTP text inputs: (name, label, value, type).
    pub fn smtp_fields(&self) -> [Input<'_>; 3] {
        [
            ("smtp.host", "Host", &self.smtp_host, "text"),
            ("smtp.port", "Port", &self.smtp_port, "number"),
            (
                "smtp.username",
                "Username (empty: send without logging in)",
                &self.smtp_username,
                "text",
            ),
        ]
    }

    /// The API's input this form asks for: every setting as written; an
    /// empty host removes that server's settings; an empty password keeps
    /// the stored one.
    pub fn input(&self) -> Result<DomainInput, Refusal> {
        let default_team_id = match self.default_team.trim() {
            "" => None,
            id => Some(
                id.parse()
                    .map_err(|_| Refusal::new("default_team_id", "choose a team from the list"))?,
            ),
        };
        Ok(DomainInput {
            address: Some(self.address.clone()),
            name: Some(self.name.clone()),
            imap: Some(self.imap()?),
            smtp: Some(self.smtp()?),
            default_team_id: Some(default_team_id),
            enabled: Some(self.enabled.is_some()),
        })
    }

    fn imap(&self) -> Result<Option<ImapInput>, Refusal> {
        if self.imap_host.trim().is_empty() {
            return Ok(None);
        }
        Ok(Some(ImapInput {
            host: Some(self.imap_host.clone()),
            port: port("imap.port", &self.imap_port)?,
            tls: given(&self.imap_tls),
            username: Some(self.imap_username.clone()),
            password: given(&self.imap_password),
            folder: given(&self.imap_folder),
            after: given(&self.imap_after),
            quarantine_folder: Some(given(&self.imap_quarantine)),
        }))
    }

    fn smtp(&self) -> Result<Option<SmtpInput>, Refusal> {
        if self.smtp_host.trim().is_empty() {
            return Ok(None);
        }
        Ok(Some(SmtpInput {
            host: Some(self.smtp_host.clone()),
            port: port("smtp.port", &self.smtp_port)?,
            tls: given(&self.smtp_tls),
            username: Some(given(&self.smtp_username)),
            password: given(&self.smtp_password).map(Some),
        }))
    }
}

/// A field's text, or None when it is left empty.
fn given(text: &str) -> Option<String> {
    Some(text.trim().to_string()).filter(|t| !t.is_empty())
}

/// A port as written (the API checks its range), or None when empty.
fn port(field: &str, text: &str) -> Result<Option<i64>, Refusal> {
    match text.trim() {
        "" => Ok(None),
        n => n
            .parse()
            .map(Some)
            .map_err(|_| Refusal::new(field, format!("{field} must be a number, such as 993"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_host_removes_the_server_and_an_empty_password_keeps_it() {
        let mut form = DomainForm::blank();
        form.address = "help@example.com".into();
        form.smtp_host = "mail.example.com".into();
        let input = form.input().unwrap();
        assert!(matches!(input.imap, Some(None)), "no IMAP host: none");
        let smtp = input.smtp.unwrap().unwrap();
        assert_eq!(smtp.port, Some(587));
        assert_eq!(smtp.password, None, "kept");
        assert_eq!(smtp.username, Some(None));
    }

    #[test]
    fn a_port_that_is_not_a_number_is_refused_beside_its_field() {
        let mut form = DomainForm::blank();
        form.imap_host = "imap.example.com".into();
        form.imap_port = "nine".into();
        let refusal = form.input().unwrap_err();
        assert!(refusal.on("imap.port").unwrap().contains("number"));
        form.imap_port = "143".into();
        form.default_team = "sales".into();
        assert!(form.input().unwrap_err().on("default_team_id").is_some());
    }
}

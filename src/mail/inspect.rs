//! The JSON `postdesk inspect` prints: what ingestion would see.
use super::parse::ParsedMail;
use super::thread::{reply_token, subject_tag};
use crate::domain::Mailbox;
use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct Inspection {
    pub message_id: Option<String>,
    pub in_reply_to: Option<String>,
    pub references: Vec<String>,
    pub from: Option<AddressJson>,
    pub from_domain: Option<String>,
    pub to: Vec<AddressJson>,
    pub cc: Vec<AddressJson>,
    pub subject: String,
    pub ticket_tag: Option<String>,
    pub reply_token: Option<String>,
    pub reply_text: String,
    pub auto: Option<&'static str>,
    pub attachments: Vec<AttachmentJson>,
}

#[derive(Debug, Serialize)]
pub struct AddressJson {
    pub address: String,
    pub name: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct AttachmentJson {
    pub filename: Option<String>,
    pub content_type: String,
    pub size: usize,
}

impl From<&Mailbox> for AddressJson {
    fn from(m: &Mailbox) -> Self {
        Self {
            address: m.address.to_string(),
            name: m.name.clone(),
        }
    }
}

pub fn inspect(mail: &ParsedMail) -> Inspection {
    Inspection {
        message_id: mail.message_id.as_ref().map(|m| m.as_str().to_string()),
        in_reply_to: mail.in_reply_to.first().map(|m| m.as_str().to_string()),
        references: mail
            .references
            .iter()
            .map(|m| m.as_str().to_string())
            .collect(),
        from: mail.from.as_ref().map(AddressJson::from),
        from_domain: mail.from.as_ref().map(|m| m.address.domain().to_string()),
        to: mail.to.iter().map(AddressJson::from).collect(),
        cc: mail.cc.iter().map(AddressJson::from).collect(),
        subject: mail.subject.clone(),
        ticket_tag: subject_tag(&mail.subject).map(|t| t.to_string()),
        reply_token: reply_token(mail.recipients()),
        reply_text: mail.reply_text.clone(),
        auto: mail.auto.map(|a| a.as_str()),
        attachments: mail
            .attachments
            .iter()
            .map(|a| AttachmentJson {
                filename: a.filename.clone(),
                content_type: a.content_type.clone(),
                size: a.data.len(),
            })
            .collect(),
    }
}

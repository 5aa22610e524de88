//! Raw bytes → an owned `ParsedMail` with everything ingestion decides on.
use super::bounce::{BounceInfo, bounce_info};
use super::classify::{AutoKind, LOOP_HEADER, Signals, classify};
use super::reply::{html_to_text, reply_text};
use crate::domain::{EmailAddress, Mailbox, MessageId};
use chrono::{DateTime, Utc};
use mail_parser::{Address, HeaderValue, Message, MessageParser, MimeHeaders, PartType};

/// At most this many References are kept for threading (oldest dropped):
/// the newest ones decide, and a hostile header cannot cost us a huge query.
pub const MAX_REFERENCES: usize = 50;

#[derive(Debug, Clone)]
pub struct ParsedMail {
    pub message_id: Option<MessageId>,
    pub in_reply_to: Vec<MessageId>,
    pub references: Vec<MessageId>,
    pub from: Option<Mailbox>,
    pub to: Vec<Mailbox>,
    pub cc: Vec<Mailbox>,
    /// Other recipient headers a reply token may sit in (Delivered-To …).
    pub envelope_to: Vec<EmailAddress>,
    pub subject: String,
    pub date: Option<DateTime<Utc>>,
    /// The whole text: the text/plain body, or the HTML body turned to text.
    pub text: String,
    pub reply_text: String,
    pub auto: Option<AutoKind>,
    pub bounce: Option<BounceInfo>,
    pub attachments: Vec<Attachment>,
}

#[derive(Debug, Clone)]
pub struct Attachment {
    pub filename: Option<String>,
    pub content_type: String,
    pub content_id: Option<String>,
    pub inline: bool,
    pub data: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("the input is empty")]
    Empty,
    #[error("the input is not an email message (no headers could be read)")]
    NotAMessage,
}

pub fn parse(raw: &[u8]) -> Result<ParsedMail, ParseError> {
    if raw.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(ParseError::Empty);
    }
    let msg = MessageParser::default()
        .parse(raw)
        .ok_or(ParseError::NotAMessage)?;
    if msg.parts.first().is_none_or(|p| p.headers.is_empty()) {
        return Err(ParseError::NotAMessage);
    }
    Ok(from_message(&msg))
}

fn from_message(msg: &Message<'_>) -> ParsedMail {
    let subject = msg.subject().unwrap_or("").trim().to_string();
    let from = msg.from().and_then(|a| mailboxes(a).into_iter().next());
    let text = body_text(msg);
    let auto = classify(&signals(msg, from.as_ref(), &subject));
    let bounce = (auto == Some(AutoKind::Bounce)).then(|| bounce_info(msg));
    let reply_text = reply_text(&text);
    let mut references = ids(msg.references());
    if references.len() > MAX_REFERENCES {
        references.drain(..references.len() - MAX_REFERENCES);
    }
    ParsedMail {
        message_id: msg.message_id().and_then(|m| MessageId::parse(m).ok()),
        in_reply_to: ids(msg.in_reply_to()),
        references,
        from,
        to: msg.to().map(mailboxes).unwrap_or_default(),
        cc: msg.cc().map(mailboxes).unwrap_or_default(),
        envelope_to: envelope_recipients(msg),
        subject,
        date: msg
            .date()
            .and_then(|d| DateTime::from_timestamp(d.to_timestamp(), 0)),
        text,
        reply_text,
        auto,
        bounce,
        attachments: attachments(msg),
    }
}

fn mailboxes(a: &Address<'_>) -> Vec<Mailbox> {
    a.iter()
        .filter_map(|addr| {
            let address = EmailAddress::parse(addr.address()?).ok()?;
            let name = addr
                .name()
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map(String::from);
            Some(Mailbox { address, name })
        })
        .collect()
}

fn ids(value: &HeaderValue<'_>) -> Vec<MessageId> {
    let raw: Vec<&str> = match value {
        HeaderValue::Text(t) => vec![t.as_ref()],
        HeaderValue::TextList(list) => list.iter().map(|s| s.as_ref()).collect(),
        _ => Vec::new(),
    };
    let mut out: Vec<MessageId> = Vec::new();
    for id in raw.into_iter().filter_map(|s| MessageId::parse(s).ok()) {
        if !out.contains(&id) {
            out.push(id);
        }
    }
    out
}

fn envelope_recipients(msg: &Message<'_>) -> Vec<EmailAddress> {
    ["Delivered-To", "X-Original-To", "Envelope-To"]
        .into_iter()
        .flat_map(|h| msg.header_values(h))
        .filter_map(|v| match v {
            HeaderValue::Text(t) => EmailAddress::parse(t).ok(),
            HeaderValue::Address(a) => a
                .first()
                .and_then(|x| EmailAddress::parse(x.address()?).ok()),
            _ => None,
        })
        .collect()
}

/// The whole text: the text/plain body, else the HTML body converted. The
/// HTML itself is not kept: it is read from the stored raw source when shown.
fn body_text(msg: &Message<'_>) -> String {
    let plain = msg.text_part(0).and_then(|p| match &p.body {
        PartType::Text(t) => Some(t.replace("\r\n", "\n")),
        _ => None,
    });
    let text = plain
        .or_else(|| {
            msg.html_part(0).and_then(|p| match &p.body {
                PartType::Html(h) => Some(html_to_text(h)),
                _ => None,
            })
        })
        .unwrap_or_default();
    let trimmed = text.trim();
    if trimmed.len() == text.len() {
        text
    } else {
        trimmed.to_string()
    }
}

fn signals(msg: &Message<'_>, from: Option<&Mailbox>, subject: &str) -> Signals {
    let raw = |name: &str| msg.header_raw(name).map(|v| v.trim().to_string());
    let report = msg
        .parts
        .first()
        .and_then(|p| p.content_type())
        .is_some_and(|ct| {
            ct.ctype().eq_ignore_ascii_case("multipart")
                && ct
                    .subtype()
                    .is_some_and(|s| s.eq_ignore_ascii_case("report"))
        });
    let null_return_path = msg.header_raw("Return-Path").is_some_and(|v| {
        v.trim()
            .trim_start_matches('<')
            .trim_end_matches('>')
            .trim()
            .is_empty()
    });
    Signals {
        auto_submitted: raw("Auto-Submitted"),
        x_autoreply: msg.header_raw("X-Autoreply").is_some(),
        x_autorespond: msg.header_raw("X-Autorespond").is_some(),
        x_auto_response_suppress: msg.header_raw("X-Auto-Response-Suppress").is_some(),
        precedence: raw("Precedence"),
        list_id: msg.header_raw("List-Id").is_some(),
        list_unsubscribe: msg.header_raw("List-Unsubscribe").is_some(),
        null_return_path,
        report,
        from_local: from.map(|m| m.address.local_part().to_string()),
        subject: subject.to_string(),
        our_loop_header: msg.header_raw(LOOP_HEADER).is_some(),
    }
}

fn attachments(msg: &Message<'_>) -> Vec<Attachment> {
    msg.attachments()
        .map(|part| {
            let content_type = part.content_type().map_or_else(
                || "application/octet-stream".to_string(),
                |ct| match ct.subtype() {
                    Some(sub) => format!("{}/{}", ct.ctype(), sub).to_ascii_lowercase(),
                    None => ct.ctype().to_ascii_lowercase(),
                },
            );
            let inline = part.content_disposition().is_some_and(|d| d.is_inline())
                || matches!(part.body, PartType::InlineBinary(_));
            Attachment {
                filename: part.attachment_name().map(String::from),
                content_type,
                content_id: part
                    .content_id()
                    .map(|c| c.trim_matches(['<', '>']).to_string()),
                inline,
                data: part.contents().to_vec(),
            }
        })
        .collect()
}

impl ParsedMail {
    /// Every recipient address, for reply-token lookup.
    pub fn recipients(&self) -> impl Iterator<Item = &EmailAddress> {
        self.to
            .iter()
            .chain(&self.cc)
            .map(|m| &m.address)
            .chain(&self.envelope_to)
    }

    /// Thread-key candidates, most specific first: In-Reply-To, then
    /// References newest first.
    pub fn thread_ids(&self) -> Vec<&MessageId> {
        let mut out: Vec<&MessageId> = self.in_reply_to.iter().collect();
        for r in self.references.iter().rev() {
            if !out.contains(&r) {
                out.push(r);
            }
        }
        out
    }
}

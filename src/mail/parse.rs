//! Raw bytes → an owned `ParsedMail` with everything ingestion decides on.
use super::bounce::{BounceInfo, bounce_info};
use super::classify::{AutoKind, LOOP_HEADER, Signals, classify};
use super::reply::{html_to_text, reply_text};
use crate::domain::{EmailAddress, Mailbox, MessageId};
use chrono::{DateTime, Utc};
use mail_parser::{Address, HeaderValue, Message, MessageParser, MimeHeaders, PartType};
use std::collections::HashSet;

/// At most this many References are kept for threading (oldest dropped):
/// the newest ones decide, and a hostile header cannot cost us a huge query.
pub const MAX_REFERENCES: usize = 50;
/// In-Reply-To names one parent; a few are kept in case of odd clients.
pub const MAX_IN_REPLY_TO: usize = 10;
/// RFC 5322's line limit; a longer subject is cut (at a char boundary).
pub const MAX_SUBJECT_CHARS: usize = 998;
/// Display names and attachment file names are cut to this many chars.
pub const MAX_NAME_CHARS: usize = 256;

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
    /// The value of an `X-Postdesk-Loop` header (lowercased), if any. `auto`
    /// says `Loop` whenever one is present; whether it names one of our
    /// own addresses, only ingestion knows.
    pub loop_marker: Option<String>,
    /// What `auto` would be without the loop header: for mail that another
    /// Postdesk sent.
    pub auto_if_foreign: Option<AutoKind>,
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
    let subject = truncate_chars(msg.subject().unwrap_or("").trim(), MAX_SUBJECT_CHARS);
    let from = msg.from().and_then(|a| mailboxes(a).into_iter().next());
    let text = body_text(msg);
    let mut signals = signals(msg, from.as_ref(), &subject);
    let auto = classify(&signals);
    let auto_if_foreign = if signals.our_loop_header {
        signals.our_loop_header = false;
        classify(&signals)
    } else {
        auto
    };
    let loop_marker = msg
        .header_raw(LOOP_HEADER)
        .map(|v| truncate_chars(v.trim(), MAX_SUBJECT_CHARS).to_lowercase());
    let bounce = (auto == Some(AutoKind::Bounce)).then(|| bounce_info(msg));
    let reply_text = reply_text(&text);
    let references = newest_ids(msg.references(), MAX_REFERENCES);
    ParsedMail {
        message_id: msg.message_id().and_then(|m| MessageId::parse(m).ok()),
        in_reply_to: first_ids(msg.in_reply_to(), MAX_IN_REPLY_TO),
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
        loop_marker,
        auto_if_foreign,
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
                .map(|n| truncate_chars(&without_controls(n), MAX_NAME_CHARS))
                .map(|n| n.trim().to_string())
                .filter(|n| !n.is_empty());
            Some(Mailbox { address, name })
        })
        .collect()
}

fn raw_ids<'a>(value: &'a HeaderValue<'_>) -> &'a [std::borrow::Cow<'a, str>] {
    match value {
        HeaderValue::Text(t) => std::slice::from_ref(t),
        HeaderValue::TextList(list) => list.as_slice(),
        _ => &[],
    }
}

/// The first `cap` distinct ids, in header order. Linear: a HashSet, and the
/// walk stops as soon as the cap is reached.
fn first_ids(value: &HeaderValue<'_>, cap: usize) -> Vec<MessageId> {
    distinct(raw_ids(value).iter(), cap)
}

/// The newest (last) `cap` distinct ids, oldest first, walked from the end so
/// a header of 200,000 ids costs only what the kept ones cost.
fn newest_ids(value: &HeaderValue<'_>, cap: usize) -> Vec<MessageId> {
    let mut out = distinct(raw_ids(value).iter().rev(), cap);
    out.reverse();
    out
}

fn distinct<'a, S: AsRef<str> + 'a>(
    raw: impl Iterator<Item = &'a S>,
    cap: usize,
) -> Vec<MessageId> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for id in raw.filter_map(|s| MessageId::parse(s.as_ref()).ok()) {
        if out.len() >= cap {
            break;
        }
        if seen.insert(id.clone()) {
            out.push(id);
        }
    }
    out
}

/// `s` with every control character (NUL, CR, LF, BEL …) as a space: a
/// display name goes into headers we write and pages we show.
fn without_controls(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// At most `max` chars of `s`, cut at a char boundary.
pub fn truncate_chars(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((end, _)) => s[..end].to_string(),
        None => s.to_string(),
    }
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
                filename: part
                    .attachment_name()
                    .map(|n| truncate_chars(n, MAX_NAME_CHARS)),
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
        let mut seen = HashSet::new();
        self.in_reply_to
            .iter()
            .chain(self.references.iter().rev())
            .filter(|id| seen.insert(*id))
            .collect()
    }
}

#[cfg(test)]
#[path = "parse_tests.rs"]
mod tests;

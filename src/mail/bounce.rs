//! What a delivery-status notification says: which of our messages bounced,
//! for whom, and the server's words.
use crate::domain::MessageId;
use mail_parser::{Message, MimeHeaders, PartType};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BounceInfo {
    /// Message-ID of the mail that bounced, from the returned message or headers.
    pub original_message_id: Option<MessageId>,
    pub recipient: Option<String>,
    pub status: Option<String>,
    /// The diagnostic a person can read: Diagnostic-Code, else Status, else the
    /// first lines of the human-readable part.
    pub diagnostic: String,
}

pub fn bounce_info(msg: &Message<'_>) -> BounceInfo {
    let mut info = BounceInfo::default();
    for part in &msg.parts {
        let Some(ct) = part.content_type() else {
            continue;
        };
        let sub = ct.subtype().unwrap_or("").to_ascii_lowercase();
        let ctype = ct.ctype().to_ascii_lowercase();
        match (ctype.as_str(), sub.as_str()) {
            ("message", "delivery-status") | ("message", "global-delivery-status") => {
                read_status_fields(&String::from_utf8_lossy(part.contents()), &mut info);
            }
            ("message", "rfc822") | ("message", "global") => {
                if let PartType::Message(inner) = &part.body {
                    info.original_message_id = info
                        .original_message_id
                        .take()
                        .or_else(|| inner.message_id().and_then(|m| MessageId::parse(m).ok()));
                }
            }
            ("text", "rfc822-headers") => {
                let text = String::from_utf8_lossy(part.contents());
                info.original_message_id = info
                    .original_message_id
                    .take()
                    .or_else(|| message_id_line(&text));
            }
            _ => {}
        }
    }
    if info.original_message_id.is_none() {
        // Old-style bounces quote the returned headers in the text body.
        let body = msg.body_text(0).unwrap_or_default();
        info.original_message_id = message_id_line(&body);
    }
    if info.diagnostic.is_empty() {
        let body = msg.body_text(0).unwrap_or_default();
        info.diagnostic = first_lines(&body, 3);
    }
    info
}

fn read_status_fields(text: &str, info: &mut BounceInfo) {
    for line in unfold(text) {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        match name.trim().to_ascii_lowercase().as_str() {
            "diagnostic-code" if info.diagnostic.is_empty() => {
                // "smtp; 550 5.1.1 user unknown" → keep the server's words.
                let words = value.split_once(';').map_or(value, |(_, w)| w.trim());
                info.diagnostic = words.to_string();
            }
            "status" if info.status.is_none() => info.status = Some(value.to_string()),
            "final-recipient" | "original-recipient" if info.recipient.is_none() => {
                let addr = value.split_once(';').map_or(value, |(_, a)| a.trim());
                info.recipient = Some(addr.to_string());
            }
            _ => {}
        }
    }
    if info.diagnostic.is_empty()
        && let Some(status) = &info.status
    {
        info.diagnostic = format!("delivery status {status}");
    }
}

/// Header lines with continuation lines joined.
fn unfold(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for line in text.lines() {
        match lines.last_mut() {
            Some(last) if line.starts_with([' ', '\t']) => {
                last.push(' ');
                last.push_str(line.trim());
            }
            _ => lines.push(line.to_string()),
        }
    }
    lines
}

fn message_id_line(text: &str) -> Option<MessageId> {
    unfold(text).iter().find_map(|l| {
        let (name, value) = l.split_once(':')?;
        name.trim()
            .eq_ignore_ascii_case("message-id")
            .then(|| MessageId::parse(value).ok())?
    })
}

fn first_lines(text: &str, n: usize) -> String {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .take(n)
        .collect::<Vec<_>>()
        .join(" ")
}

//! The exact bytes of a mail we send, built with lettre's message builder:
//! addresses, threading headers (Message-ID, In-Reply-To, References,
//! Thread-Topic, Thread-Index), our loop marker, RFC 3834 markers on
//! automatic mail, and a text (+ HTML) body with attachments.
//!
//! MIME shape: text only → one `text/plain` part; with HTML →
//! `multipart/alternative`; with attachments → `multipart/mixed` around
//! that. Everything is UTF-8: lettre writes non-ASCII header text as encoded
//! words and picks 7bit, quoted-printable or base64 per body.
pub use super::subject::{reply_subject, tagged_subject, thread_topic};
use super::thread_index::ThreadIndex;
use crate::domain::{EmailAddress, Mailbox, MessageId, ShortId};
use crate::mail::classify::LOOP_HEADER;
use chrono::{DateTime, Utc};
use lettre::address::Envelope;
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Attachment, MessageBuilder, MultiPart, SinglePart};
use lettre::{Address, Message};
use std::collections::HashSet;
use std::fmt;
use std::time::SystemTime;

/// Most Message-IDs written in `References`: the thread root plus the
/// newest ones (RFC 5322 §3.6.4 allows trimming; clients thread on the
/// root and the parent).
pub const MAX_REFERENCES: usize = 20;
/// Longest Message-ID written in `References`/`In-Reply-To`: an id is one
/// unfoldable word, so this keeps every header line far below 998 octets.
pub const MAX_REFERENCE_LEN: usize = 250;

const THREAD_TOPIC: HeaderName = HeaderName::new_from_ascii_str("Thread-Topic");
const THREAD_INDEX: HeaderName = HeaderName::new_from_ascii_str("Thread-Index");
const LOOP: HeaderName = HeaderName::new_from_ascii_str(LOOP_HEADER);
const AUTO_SUBMITTED: HeaderName = HeaderName::new_from_ascii_str("Auto-Submitted");
const AUTO_RESPONSE_SUPPRESS: HeaderName =
    HeaderName::new_from_ascii_str("X-Auto-Response-Suppress");

impl Draft {
    /// The Subject header: the mail's own subject with the ticket's tag,
    /// else `Re: <ticket subject> [#ID]`.
    pub fn header_subject(&self) -> String {
        match &self.subject_line {
            Some(own) => tagged_subject(own, &self.short_id),
            None => reply_subject(&self.subject, &self.short_id, self.is_reply),
        }
    }
}

/// Everything one outgoing mail is made of.
#[derive(Debug, Clone)]
pub struct Draft {
    /// The email domain: address + display name.
    pub from: Mailbox,
    pub to: Vec<Mailbox>,
    pub cc: Vec<Mailbox>,
    /// `support+<token>@domain` ([`crate::mail::thread::TokenSigner::reply_address`]);
    /// written with the From display name.
    pub reply_to: Option<EmailAddress>,
    /// The ticket's subject; [`reply_subject`] makes the header.
    pub subject: String,
    /// A subject of this mail's own (a template's), sent as written with
    /// the ticket's tag added; the ticket's subject still names the
    /// conversation (`Thread-Topic`).
    pub subject_line: Option<String>,
    pub short_id: ShortId,
    /// False for the first mail of an agent-opened ticket: no `Re: `.
    pub is_reply: bool,
    pub message_id: MessageId,
    pub in_reply_to: Option<MessageId>,
    /// The whole thread, oldest first; capped by [`cap_references`].
    pub references: Vec<MessageId>,
    /// The text/plain body, always present.
    pub text: String,
    /// A text/html alternative.
    pub html: Option<String>,
    pub attachments: Vec<OutgoingAttachment>,
    /// An acknowledgement or other machine-sent mail (RFC 3834).
    pub automatic: bool,
    pub date: DateTime<Utc>,
    /// Value of our `X-Postdesk-Loop` header (the email domain's address);
    /// empty means the From address.
    pub loop_marker: String,
    pub thread_index: Option<ThreadIndex>,
}

#[derive(Clone, PartialEq, Eq)]
pub struct OutgoingAttachment {
    pub filename: String,
    /// `type/subtype`, parameters allowed (`text/csv; charset=utf-8`).
    pub content_type: String,
    pub data: Vec<u8>,
}

impl fmt::Debug for OutgoingAttachment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OutgoingAttachment")
            .field("filename", &self.filename)
            .field("content_type", &self.content_type)
            .field("bytes", &self.data.len())
            .finish()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ComposeError {
    #[error("the mail has no recipient: To and Cc are both empty")]
    NoRecipient,
    #[error("{address} cannot be written as a mail address: {reason}")]
    Address { address: String, reason: String },
    #[error("attachment {filename:?}: {content_type:?} is not a valid content type")]
    ContentType {
        filename: String,
        content_type: String,
    },
    #[error("the date {0} cannot be written in a Date header (years 1970 to 9999 only)")]
    Date(DateTime<Utc>),
    #[error("the mail could not be built: {0}")]
    Build(String),
}

/// The bytes to hand to SMTP (CRLF line ends; the transport dot-stuffs).
pub fn compose(d: &Draft) -> Result<Vec<u8>, ComposeError> {
    if d.to.is_empty() && d.cc.is_empty() {
        return Err(ComposeError::NoRecipient);
    }
    let builder = headers(d)?;
    let message = match body(d)? {
        Body::Single(part) => builder.singlepart(part),
        Body::Multi(part) => builder.multipart(part),
    }
    .map_err(|e| ComposeError::Build(e.to_string()))?;
    Ok(message.formatted())
}

/// The SMTP envelope for a draft: MAIL FROM the From address, RCPT TO every
/// To and Cc address.
pub fn envelope(d: &Draft) -> Result<Envelope, ComposeError> {
    let to =
        d.to.iter()
            .chain(&d.cc)
            .map(|m| address(&m.address))
            .collect::<Result<Vec<_>, _>>()?;
    if to.is_empty() {
        return Err(ComposeError::NoRecipient);
    }
    Envelope::new(Some(address(&d.from.address)?), to)
        .map_err(|e| ComposeError::Build(e.to_string()))
}

/// A fresh `<random.postdesk@domain>` id (128 random bits).
pub fn new_message_id(domain: &str) -> MessageId {
    MessageId::generate(domain, &mut rand::rng())
}

/// The References to write: ids that fit in a header (ASCII, at most
/// [`MAX_REFERENCE_LEN`]), each once, at most [`MAX_REFERENCES`]: the first
/// (thread root) and the newest.
pub fn cap_references(refs: &[MessageId]) -> Vec<MessageId> {
    let mut seen = HashSet::new();
    let usable: Vec<&MessageId> = refs
        .iter()
        .filter(|id| writable_id(id) && seen.insert(id.as_str()))
        .collect();
    if usable.len() <= MAX_REFERENCES {
        return usable.into_iter().cloned().collect();
    }
    let newest = &usable[usable.len() - (MAX_REFERENCES - 1)..];
    std::iter::once(usable[0])
        .chain(newest.iter().copied())
        .cloned()
        .collect()
}

fn writable_id(id: &MessageId) -> bool {
    id.as_str().is_ascii() && id.as_str().len() <= MAX_REFERENCE_LEN
}

fn headers(d: &Draft) -> Result<MessageBuilder, ComposeError> {
    let from = mailbox(&d.from)?;
    let secs = d.date.timestamp();
    if !(0..253_402_300_800).contains(&secs) {
        // lettre's Date (httpdate) panics outside these years.
        return Err(ComposeError::Date(d.date));
    }
    let mut b = Message::builder()
        .from(from.clone())
        .subject(d.header_subject())
        .date(SystemTime::from(d.date))
        .message_id(Some(d.message_id.to_string()));
    for m in &d.to {
        b = b.to(mailbox(m)?);
    }
    for m in &d.cc {
        b = b.cc(mailbox(m)?);
    }
    if let Some(r) = &d.reply_to {
        b = b.reply_to(lettre::message::Mailbox::new(
            from.name.clone(),
            address(r)?,
        ));
    }
    // An id that cannot be written verbatim (non-ASCII, huge) is left out:
    // the reply token and subject tag still thread the answer.
    if let Some(id) = d.in_reply_to.as_ref().filter(|id| writable_id(id)) {
        b = b.in_reply_to(id.to_string());
    }
    let mut thread = d.references.clone();
    thread.extend(
        d.in_reply_to
            .iter()
            .filter(|id| !d.references.contains(id))
            .cloned(),
    );
    let refs = cap_references(&thread);
    if !refs.is_empty() {
        let line: Vec<String> = refs.iter().map(ToString::to_string).collect();
        b = b.references(line.join(" "));
    }
    b = b.raw_header(HeaderValue::new(
        THREAD_TOPIC,
        thread_topic(&d.subject, &d.short_id),
    ));
    if let Some(index) = &d.thread_index {
        b = b.raw_header(HeaderValue::new(THREAD_INDEX, index.to_base64()));
    }
    let marker = match d.loop_marker.trim() {
        "" => d.from.address.as_str(),
        m => m,
    };
    b = b.raw_header(HeaderValue::new(LOOP, one_line(marker)));
    if d.automatic {
        b = b
            .raw_header(HeaderValue::new(AUTO_SUBMITTED, "auto-replied".into()))
            .raw_header(HeaderValue::new(AUTO_RESPONSE_SUPPRESS, "All".into()));
    }
    Ok(b)
}

enum Body {
    Single(SinglePart),
    Multi(MultiPart),
}

fn body(d: &Draft) -> Result<Body, ComposeError> {
    let text = SinglePart::plain(d.text.clone());
    let main = match &d.html {
        None => Body::Single(text),
        Some(html) => Body::Multi(
            MultiPart::alternative()
                .singlepart(text)
                .singlepart(SinglePart::html(html.clone())),
        ),
    };
    if d.attachments.is_empty() {
        return Ok(main);
    }
    let mut mixed = match main {
        Body::Single(part) => MultiPart::mixed().singlepart(part),
        Body::Multi(part) => MultiPart::mixed().multipart(part),
    };
    for a in &d.attachments {
        let content_type =
            ContentType::parse(&a.content_type).map_err(|_| ComposeError::ContentType {
                filename: a.filename.clone(),
                content_type: a.content_type.clone(),
            })?;
        let part = Attachment::new(filename(&a.filename)).body(a.data.clone(), content_type);
        mixed = mixed.singlepart(part);
    }
    Ok(Body::Multi(mixed))
}

/// A file name safe to put in Content-Disposition: one line, no path.
fn filename(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let clean = one_line(base);
    if clean.is_empty() {
        "attachment".to_string()
    } else {
        clean
    }
}

/// Control characters (CR, LF, tabs …) become spaces, runs collapse.
fn one_line(s: &str) -> String {
    s.split(|c: char| c.is_control() || c.is_whitespace())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A mail of Postdesk's own, outside any ticket (an agent's invitation):
/// plain text, marked machine-sent (`Auto-Submitted: auto-generated`) and
/// with our loop header, so no autoresponder answers it and our own
/// mailbox would drop it. The envelope and the bytes.
pub fn notice(
    from: &Mailbox,
    to: &Mailbox,
    subject: &str,
    text: &str,
    date: DateTime<Utc>,
) -> Result<(Envelope, Vec<u8>), ComposeError> {
    let domain = from.address.domain().to_string();
    let message = Message::builder()
        .from(mailbox(from)?)
        .to(mailbox(to)?)
        .subject(one_line(subject))
        .date(SystemTime::from(date))
        .message_id(Some(new_message_id(&domain).to_string()))
        .raw_header(HeaderValue::new(LOOP, one_line(from.address.as_str())))
        .raw_header(HeaderValue::new(AUTO_SUBMITTED, "auto-generated".into()))
        .raw_header(HeaderValue::new(AUTO_RESPONSE_SUPPRESS, "All".into()))
        .singlepart(SinglePart::plain(text.to_string()))
        .map_err(|e| ComposeError::Build(e.to_string()))?;
    let envelope = Envelope::new(Some(address(&from.address)?), vec![address(&to.address)?])
        .map_err(|e| ComposeError::Build(e.to_string()))?;
    Ok((envelope, message.formatted()))
}

fn address(a: &EmailAddress) -> Result<Address, ComposeError> {
    Address::new(a.local_part(), a.domain()).map_err(|e| ComposeError::Address {
        address: a.to_string(),
        reason: e.to_string(),
    })
}

fn mailbox(m: &Mailbox) -> Result<lettre::message::Mailbox, ComposeError> {
    let name = m.name.as_deref().map(one_line).filter(|n| !n.is_empty());
    Ok(lettre::message::Mailbox::new(name, address(&m.address)?))
}

#[cfg(test)]
#[path = "compose_tests.rs"]
mod tests;

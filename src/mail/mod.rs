//! Pure mail logic: no IO. Parse, classify, thread keys, reply text.
pub mod bounce;
pub mod classify;
pub mod html;
pub mod inspect;
pub mod parse;
pub mod reply;
pub mod thread;

pub use classify::AutoKind;
pub use parse::{Attachment, ParseError, ParsedMail, parse};

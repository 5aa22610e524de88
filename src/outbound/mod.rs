//! Outbound mail: compose the exact bytes of what we send (templates,
//! headers, MIME), pure and testable without a server; and the sender that
//! delivers the outbox over SMTP.
pub mod check;
pub mod compose;
pub mod recipients;
mod recorder;
mod relay;
pub mod render;
pub mod sender;
pub mod subject;
pub mod template_rules;
pub mod thread_index;

pub use compose::{ComposeError, Draft, OutgoingAttachment, compose};
pub use render::{ReplyContext, TemplateError};
pub use thread_index::ThreadIndex;

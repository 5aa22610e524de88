//! Outbound mail: compose the exact bytes of what we send (templates,
//! headers, MIME), pure and testable without a server.
pub mod render;

pub use render::{ReplyContext, TemplateError};

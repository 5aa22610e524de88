//! Outbound mail: compose the exact bytes of what we send (templates,
//! headers, MIME), pure and testable without a server.
pub mod render;
pub mod subject;
pub mod thread_index;

pub use render::{ReplyContext, TemplateError};
pub use thread_index::ThreadIndex;

//! Mail out: composing replies and sending the outbox.
mod relay;
pub mod sender;

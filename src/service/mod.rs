//! Services: what the HTTP surface and the background workers call to
//! change tickets. They compose, validate and store; they never talk to
//! IMAP or SMTP themselves.
pub mod acknowledgements;
pub mod assist;
pub mod invites;
pub mod live;
pub mod outbound_ticket;
pub mod passwords;
mod queueing;
pub mod replies;
pub mod signature;
pub mod sla;
pub mod tokens;
pub mod undo;
pub mod webhooks;

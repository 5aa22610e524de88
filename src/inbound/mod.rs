//! Mail in: the IMAP client layer the poller drives (connect, UID sync,
//! fetch, after-actions, IDLE) and the TLS setup it shares with mail out.
mod acker;
pub mod check;
pub mod fault;
pub mod imap;
pub mod poller;
pub mod tls;
pub mod uid_set;

pub use imap::{Capabilities, IdleOutcome, ImapSession, LoginRefused, Selected};
pub use tls::{MaybeTls, TlsConfig, load_ca_certs};

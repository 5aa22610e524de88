//! Pure domain types and rules: no IO. Constructors parse, so code past the
//! edge never re-checks a value.
mod ban;
mod email;
mod email_domain;
mod field;
mod ids;
mod participant;
mod role;
mod status;

pub use ban::{Ban, BanPattern};
pub use email::{EmailAddress, Mailbox};
pub use email_domain::{AfterAction, EmailDomain, ImapSettings, Secret, SmtpSettings, TlsMode};
pub use field::{FieldAccess, FieldScope, FieldType, MAX_FIELD_TEXT};
pub use ids::{MessageId, ShortId};
pub use participant::{MAX_RECIPIENTS, ParticipantState, is_own_address};
pub use role::Role;
pub use status::{Priority, Status};

/// Why a value was rejected at the edge: a human sentence.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Invalid(pub String);

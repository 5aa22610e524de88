//! Who takes part in a ticket's mail, and the rules on recipients.
use super::EmailAddress;

/// Most recipients (To + Cc) of one mail we send. A ticket holds at most
/// this many people including its requester; further ones are left out
/// and recorded.
pub const MAX_RECIPIENTS: usize = 50;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ParticipantState {
    /// Copied on every reply.
    Active,
    /// Brought by someone who does not take part; copied only once an
    /// agent accepts them.
    Pending,
}

impl ParticipantState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Pending => "pending",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "active" => Some(Self::Active),
            "pending" => Some(Self::Pending),
            _ => None,
        }
    }
}

/// Whether `address` (or a plus-address of it) is one of `ours`.
pub fn is_own_address(address: &EmailAddress, ours: &[EmailAddress]) -> bool {
    let base = |a: &EmailAddress| {
        a.local_part()
            .split('+')
            .next()
            .unwrap_or_default()
            .to_string()
    };
    ours.iter()
        .any(|o| o.domain() == address.domain() && base(o) == base(address))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn our_addresses_and_their_plus_addresses_are_ours() {
        let ours = [EmailAddress::parse("support@example.com").unwrap()];
        for (address, own) in [
            ("support@example.com", true),
            ("support+k7qx2m-abc@example.com", true),
            ("Support@Example.com", true),
            ("sales@example.com", false),
            ("support@example.net", false),
        ] {
            let a = EmailAddress::parse(address).unwrap();
            assert_eq!(is_own_address(&a, &ours), own, "{address}");
        }
    }
}

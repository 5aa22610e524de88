use super::Invalid;

/// A ticket's status. `overdue` is set by the SLA task, never by mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Open,
    Pending,
    Overdue,
    Resolved,
}

impl Status {
    pub const ALL: [Status; 4] = [
        Status::Open,
        Status::Pending,
        Status::Overdue,
        Status::Resolved,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::Pending => "pending",
            Status::Overdue => "overdue",
            Status::Resolved => "resolved",
        }
    }

    pub fn parse(s: &str) -> Result<Self, Invalid> {
        Self::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| {
                Invalid(format!(
                    "{s:?} is not a status (open, pending, overdue, resolved)"
                ))
            })
    }

    /// The status a ticket takes when the customer writes again: a reply to
    /// a resolved or pending ticket reopens it; an overdue one stays overdue.
    pub fn after_customer_reply(self) -> Self {
        match self {
            Status::Resolved | Status::Pending => Status::Open,
            other => other,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    Low,
    Normal,
    High,
    Urgent,
}

impl Priority {
    pub const ALL: [Priority; 4] = [
        Priority::Low,
        Priority::Normal,
        Priority::High,
        Priority::Urgent,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Low => "low",
            Priority::Normal => "normal",
            Priority::High => "high",
            Priority::Urgent => "urgent",
        }
    }

    /// Any case, spaces around ignored.
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        let wanted = s.trim().to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .find(|v| v.as_str() == wanted)
            .ok_or_else(|| {
                Invalid(format!(
                    "priority must be low, normal, high or urgent, not {s:?}"
                ))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_round_trips_and_customer_replies_reopen() {
        for s in [
            Status::Open,
            Status::Pending,
            Status::Overdue,
            Status::Resolved,
        ] {
            assert_eq!(Status::parse(s.as_str()).unwrap(), s);
        }
        assert!(Status::parse("closed").is_err());
        assert_eq!(Priority::parse(" High").unwrap(), Priority::High);
        assert!(Priority::parse("asap").is_err());
        let table = [
            (Status::Open, Status::Open),
            (Status::Pending, Status::Open),
            (Status::Resolved, Status::Open),
            (Status::Overdue, Status::Overdue),
        ];
        for (before, after) in table {
            assert_eq!(before.after_customer_reply(), after, "{before:?}");
        }
    }
}

use super::{EmailAddress, Invalid, email::normalise_domain};
use chrono::{DateTime, Utc};

/// Who a ban applies to: one address, or everyone at a domain (`@example.com`,
/// which also covers its subdomains).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BanPattern {
    Address(EmailAddress),
    Domain(String),
}

impl BanPattern {
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let s = input.trim();
        if let Some(domain) = s.strip_prefix('@') {
            normalise_domain(domain)
                .map(BanPattern::Domain)
                .ok_or_else(|| Invalid(format!("{input:?} is not a domain ban (@example.com)")))
        } else {
            EmailAddress::parse(s)
                .map(BanPattern::Address)
                .map_err(|_| {
                    Invalid(format!(
                        "{input:?} is not a ban pattern (user@example.com or @example.com)"
                    ))
                })
        }
    }

    pub fn matches(&self, sender: &EmailAddress) -> bool {
        match self {
            BanPattern::Address(a) => a == sender,
            BanPattern::Domain(d) => {
                let sd = sender.domain();
                sd == d
                    || (sd.len() > d.len()
                        && sd.ends_with(d.as_str())
                        && sd[..sd.len() - d.len()].ends_with('.'))
            }
        }
    }

    pub fn to_pattern_string(&self) -> String {
        match self {
            BanPattern::Address(a) => a.to_string(),
            BanPattern::Domain(d) => format!("@{d}"),
        }
    }
}

/// A ban as the pipeline sees it.
#[derive(Debug, Clone)]
pub struct Ban {
    pub id: i64,
    pub pattern: BanPattern,
    pub expires_at: Option<DateTime<Utc>>,
}

impl Ban {
    pub fn applies(&self, sender: &EmailAddress, now: DateTime<Utc>) -> bool {
        self.expires_at.is_none_or(|e| e > now) && self.pattern.matches(sender)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ban_patterns_match_exact_addresses_and_domains() {
        let table = [
            ("spam@example.com", "spam@example.com", true),
            ("Spam@Example.com", "spam@example.com", true),
            ("spam@example.com", "other@example.com", false),
            ("@example.com", "anyone@example.com", true),
            ("@example.com", "anyone@mail.example.com", true),
            ("@example.com", "anyone@badexample.com", false),
            ("@example.com", "anyone@example.com.evil", false),
        ];
        for (pattern, sender, expected) in table {
            let p = BanPattern::parse(pattern).unwrap();
            let s = EmailAddress::parse(sender).unwrap();
            assert_eq!(p.matches(&s), expected, "{pattern} vs {sender}");
        }
    }

    #[test]
    fn invalid_ban_patterns_are_rejected() {
        for bad in ["", "@", "example.com", "@exa mple.com", "a@"] {
            assert!(BanPattern::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn expired_bans_no_longer_apply() {
        let now = Utc::now();
        let sender = EmailAddress::parse("x@spam.test").unwrap();
        let ban = |expires_at| Ban {
            id: 1,
            pattern: BanPattern::parse("@spam.test").unwrap(),
            expires_at,
        };
        assert!(ban(None).applies(&sender, now));
        assert!(ban(Some(now + chrono::Duration::hours(1))).applies(&sender, now));
        assert!(!ban(Some(now - chrono::Duration::hours(1))).applies(&sender, now));
    }
}

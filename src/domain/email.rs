use super::Invalid;
use std::fmt;

/// A syntactically plausible, normalised email address: trimmed, lowercased,
/// domain in ASCII (IDN turned into punycode) so one person is one key.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EmailAddress(String);

impl EmailAddress {
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let s = input.trim().trim_start_matches('<').trim_end_matches('>');
        let bad = || Invalid(format!("{input:?} is not an email address"));
        let (local, domain) = s.rsplit_once('@').ok_or_else(bad)?;
        if local.is_empty() || local.len() > 64 || s.len() > 254 {
            return Err(bad());
        }
        if local
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '<' || c == '>')
        {
            return Err(bad());
        }
        let domain = normalise_domain(domain).ok_or_else(bad)?;
        Ok(Self(format!("{}@{domain}", local.to_lowercase())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn local_part(&self) -> &str {
        self.0.rsplit_once('@').map_or("", |(l, _)| l)
    }

    /// The domain part: lowercase ASCII (punycode for IDN).
    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map_or("", |(_, d)| d)
    }
}

/// Lowercase ASCII form of a domain; `None` if it is not a valid host name.
pub fn normalise_domain(domain: &str) -> Option<String> {
    let d = domain.trim().trim_end_matches('.');
    if d.is_empty() || d.starts_with('[') {
        return None;
    }
    let ascii = idna::domain_to_ascii(d).ok()?;
    let valid = !ascii.is_empty()
        && ascii.len() <= 253
        && ascii.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        });
    valid.then_some(ascii)
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An address with its optional display name, as found in From/To/Cc.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mailbox {
    pub address: EmailAddress,
    pub name: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_normalised_or_rejected() {
        let cases: &[(&str, Option<&str>)] = &[
            ("Jane@Example.COM", Some("jane@example.com")),
            (" <bob@example.org> ", Some("bob@example.org")),
            (
                "user+tag@sub.example.co.uk",
                Some("user+tag@sub.example.co.uk"),
            ),
            ("josé@bücher.de", Some("josé@xn--bcher-kva.de")),
            ("a@b", Some("a@b")),
            ("no-at-sign", None),
            ("@example.com", None),
            ("user@", None),
            ("user@exa mple.com", None),
            ("us er@example.com", None),
            ("user@[127.0.0.1]", None),
            ("user@-..com", None),
        ];
        for (input, expected) in cases {
            let got = EmailAddress::parse(input).ok();
            assert_eq!(got.as_ref().map(|e| e.as_str()), *expected, "{input}");
        }
    }

    #[test]
    fn domain_and_local_part_split_at_the_last_at() {
        let e = EmailAddress::parse("support+abc@Mail.Example.com").unwrap();
        assert_eq!(e.local_part(), "support+abc");
        assert_eq!(e.domain(), "mail.example.com");
    }
}

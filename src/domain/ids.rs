use super::Invalid;
use rand::Rng;
use std::fmt;

/// Alphabet of short ids: upper-case letters and digits without the ones a
/// person confuses when reading them aloud or copying them (0/O, 1/I).
const ALPHABET: &[u8; 32] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
const SHORT_ID_LEN: usize = 6;

/// A ticket's human-friendly id, as in the subject tag `[#K7QX2M]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ShortId(String);

impl ShortId {
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let s = input.trim().to_ascii_uppercase();
        let ok = s.len() == SHORT_ID_LEN && s.bytes().all(|b| ALPHABET.contains(&b));
        if ok {
            Ok(Self(s))
        } else {
            Err(Invalid(format!("{input:?} is not a ticket short id")))
        }
    }

    /// A fresh random id: 32^6 ≈ 10^9 values; the store retries on collision.
    pub fn random(rng: &mut impl Rng) -> Self {
        let s = (0..SHORT_ID_LEN)
            .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
            .collect();
        Self(s)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ShortId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A Message-ID without its angle brackets, e.g. `abc.123@mail.example.com`.
/// Case is kept (RFC 5322 ids are case-sensitive); whitespace is not allowed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MessageId(String);

impl MessageId {
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let s = input
            .trim()
            .trim_start_matches('<')
            .trim_end_matches('>')
            .trim();
        let ok = !s.is_empty()
            && s.len() <= 995
            && !s
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || c == '<' || c == '>');
        if ok {
            Ok(Self(s.to_string()))
        } else {
            Err(Invalid(format!("{input:?} is not a Message-ID")))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A fresh id for a mail we send: `<random.postdesk@domain>`, the random
    /// part 128 bits from `rng` (pass a CSPRNG such as `rand::rng()` so ids
    /// cannot be guessed). A `domain` that is not a plain host name is
    /// replaced by `postdesk.invalid`, so this never fails.
    pub fn generate(domain: &str, rng: &mut impl Rng) -> Self {
        let d = domain.trim().trim_end_matches('.');
        let plain = !d.is_empty()
            && d.len() <= 253
            && d.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'));
        let domain = if plain { d } else { "postdesk.invalid" };
        let random: [u8; 16] = rng.random();
        let local = data_encoding::BASE32_NOPAD
            .encode(&random)
            .to_ascii_lowercase();
        Self(format!("{local}.postdesk@{}", domain.to_ascii_lowercase()))
    }
}

impl fmt::Display for MessageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<{}>", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_ids_parse_case_insensitively_and_reject_ambiguous_letters() {
        assert_eq!(ShortId::parse("k7qx2m").unwrap().as_str(), "K7QX2M");
        for bad in ["", "K7QX2", "K7QX2MM", "K7QX0M", "K7QXIM", "K7-X2M"] {
            assert!(ShortId::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn random_short_ids_round_trip_through_parse() {
        let mut rng = rand::rng();
        for _ in 0..200 {
            let id = ShortId::random(&mut rng);
            assert_eq!(ShortId::parse(id.as_str()).unwrap(), id);
        }
    }

    #[test]
    fn message_ids_lose_brackets_and_keep_case() {
        assert_eq!(
            MessageId::parse(" <AbC.1@x.org> ").unwrap().as_str(),
            "AbC.1@x.org"
        );
        assert_eq!(
            MessageId::parse("AbC.1@x.org").unwrap().to_string(),
            "<AbC.1@x.org>"
        );
        for bad in ["", "<>", "a b@x", "<a<b@x>"] {
            assert!(MessageId::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn generated_message_ids_are_fresh_and_parse_back() {
        let mut rng = rand::rng();
        let a = MessageId::generate("Mail.Example.com", &mut rng);
        let b = MessageId::generate("mail.example.com", &mut rng);
        assert_ne!(a, b);
        assert!(a.as_str().ends_with(".postdesk@mail.example.com"), "{a}");
        assert_eq!(a.as_str().len(), 26 + ".postdesk@mail.example.com".len());
        assert_eq!(MessageId::parse(&a.to_string()).unwrap(), a);
        let odd = MessageId::generate("bad host <x>", &mut rng);
        assert!(odd.as_str().ends_with("@postdesk.invalid"), "{odd}");
    }
}

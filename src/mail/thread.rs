//! Thread keys: subject tags `[#SHORTID]` and signed reply tokens in
//! plus-addresses (`support+k7qx2m-5f3xq7a2hk@example.com`).
use crate::domain::{EmailAddress, ShortId};
use hmac::{Hmac, Mac};
use regex::Regex;
use sha2::Sha256;
use std::sync::LazyLock;

static SUBJECT_TAG: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\[#([A-Za-z0-9]{6})\]").expect("subject tag regex"));

/// The short id in the first well-formed `[#SHORTID]` tag of a subject.
pub fn subject_tag(subject: &str) -> Option<ShortId> {
    SUBJECT_TAG
        .captures_iter(subject)
        .find_map(|c| ShortId::parse(&c[1]).ok())
}

/// The subject with our tag appended once (`Re:` handling is the composer's).
pub fn tagged_subject(subject: &str, id: &ShortId) -> String {
    if subject_tag(subject).as_ref() == Some(id) {
        subject.to_string()
    } else {
        format!("{} [#{id}]", subject.trim())
    }
}

const SIG_LEN: usize = 10;

/// Signs and verifies reply tokens with a server secret (HMAC-SHA256), so a
/// token can be neither guessed nor forged for another ticket.
#[derive(Clone)]
pub struct TokenSigner {
    secret: Vec<u8>,
}

impl std::fmt::Debug for TokenSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenSigner(..)")
    }
}

impl TokenSigner {
    pub fn new(secret: &[u8]) -> Self {
        Self {
            secret: secret.to_vec(),
        }
    }

    fn mac(&self, id: &ShortId) -> Hmac<Sha256> {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(&self.secret).expect("hmac takes any key length");
        mac.update(b"postdesk-reply-token-v1:");
        mac.update(id.as_str().as_bytes());
        mac
    }

    /// `k7qx2m-5f3xq7a2hk`: lowercase, so it survives servers that fold case.
    pub fn token(&self, id: &ShortId) -> String {
        let sig = data_encoding::BASE32_NOPAD.encode(&self.mac(id).finalize().into_bytes());
        format!(
            "{}-{}",
            id.as_str().to_ascii_lowercase(),
            sig[..SIG_LEN].to_ascii_lowercase()
        )
    }

    /// The ticket a token names, if its signature is ours.
    pub fn verify(&self, token: &str) -> Option<ShortId> {
        let (id, sig) = token.split_once('-')?;
        let id = ShortId::parse(id).ok()?;
        let expected = self.token(&id);
        let given = format!(
            "{}-{}",
            id.as_str().to_ascii_lowercase(),
            sig.to_ascii_lowercase()
        );
        constant_time_eq(expected.as_bytes(), given.as_bytes()).then_some(id)
    }

    /// `support+token@domain` for a mailbox address `support@domain`.
    pub fn reply_address(&self, mailbox: &EmailAddress, id: &ShortId) -> String {
        format!(
            "{}+{}@{}",
            mailbox.local_part(),
            self.token(id),
            mailbox.domain()
        )
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The token-shaped suffix of the first plus-address among the recipients
/// (unverified: `inspect` shows it; the pipeline verifies it).
pub fn reply_token<'a>(recipients: impl IntoIterator<Item = &'a EmailAddress>) -> Option<String> {
    recipients.into_iter().find_map(|r| {
        let (_, tag) = r.local_part().split_once('+')?;
        let (id, sig) = tag.split_once('-')?;
        (ShortId::parse(id).is_ok() && sig.len() == SIG_LEN).then(|| tag.to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subject_tags_are_found_anywhere_and_validated() {
        let table = [
            ("Re: Printer broken [#K7QX2M]", Some("K7QX2M")),
            ("[#k7qx2m] lowercase works", Some("K7QX2M")),
            ("AW: RE: [#ABC234] nested", Some("ABC234")),
            ("no tag here", None),
            ("[#ABC10] too short", None),
            ("[#ABCD1O] has ambiguous letters", None),
            ("[#ABCD10] [#XYZ234] first valid wins", Some("XYZ234")),
            ("[ #ABC234 ] spaced is not a tag", None),
        ];
        for (subject, expected) in table {
            assert_eq!(
                subject_tag(subject).as_ref().map(ShortId::as_str),
                expected,
                "{subject}"
            );
        }
    }

    #[test]
    fn tagged_subject_adds_the_tag_once() {
        let id = ShortId::parse("K7QX2M").unwrap();
        assert_eq!(tagged_subject("Printer", &id), "Printer [#K7QX2M]");
        assert_eq!(
            tagged_subject("Printer [#K7QX2M]", &id),
            "Printer [#K7QX2M]"
        );
    }

    #[test]
    fn tokens_verify_only_with_the_same_secret_and_ticket() {
        let signer = TokenSigner::new(b"secret-one");
        let id = ShortId::parse("K7QX2M").unwrap();
        let token = signer.token(&id);
        assert_eq!(token.len(), 6 + 1 + SIG_LEN);
        assert_eq!(signer.verify(&token), Some(id.clone()));
        assert_eq!(signer.verify(&token.to_ascii_uppercase()), Some(id.clone()));
        assert_eq!(TokenSigner::new(b"secret-two").verify(&token), None);
        let forged = format!("abc234{}", &token[6..]);
        assert_eq!(signer.verify(&forged), None);
        assert_eq!(signer.verify("garbage"), None);
        assert_eq!(signer.verify(""), None);
    }

    #[test]
    fn reply_tokens_are_found_in_plus_addresses() {
        let signer = TokenSigner::new(b"s");
        let id = ShortId::parse("K7QX2M").unwrap();
        let support = EmailAddress::parse("support@example.com").unwrap();
        let addr = EmailAddress::parse(&signer.reply_address(&support, &id)).unwrap();
        let other = EmailAddress::parse("someone+news@example.com").unwrap();
        let found = reply_token([&other, &addr]).unwrap();
        assert_eq!(signer.verify(&found), Some(id));
        assert_eq!(reply_token([&other]), None);
    }
}

//! The line classifier: what each line of a plain-text body is, on its own
//! (structure comes after, in the rules of [`super`]).
use super::patterns::{
    DATE_LABEL, DETAIL, FORWARD_SEPARATOR, FROM_LABEL, HEADER_THEN_HISTORY, LINK_ONLY,
    MOBILE_SIGNATURE, MOBILE_SIGNATURE_CHARS, ORIGINAL_SEPARATOR, RULE, SUBJECT_LABEL, TO_LABEL,
    WROTE_SEPARATOR,
};

/// What one line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Blank,
    /// `>` quoted.
    Quoted,
    /// `-----Original Message-----` and friends, Android's "---- Name
    /// wrote ----", or a reply header with history run on after it on the
    /// same line: history follows.
    Original,
    /// A forwarded-message separator: a forward follows.
    Forward,
    /// A line of underscores or dashes (Outlook puts one above its header
    /// block).
    Rule,
    /// A header-block field (From, Date or Sent, To or Cc, Subject).
    Field(Field),
    /// `-- `, the signature delimiter.
    SignatureDelimiter,
    /// "Sent from my iPhone" and friends.
    MobileSignature,
    /// Only a link (tracking links break runs of quoted lines).
    Link,
    Text,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Field {
    From,
    Date,
    To,
    Subject,
}

pub(super) fn classify(line: &str) -> Kind {
    let trimmed = line.trim();
    if trimmed.is_empty() {
        return Kind::Blank;
    }
    if trimmed.starts_with('>') {
        return Kind::Quoted;
    }
    if line.trim_end() == "--" {
        return Kind::SignatureDelimiter;
    }
    if ORIGINAL_SEPARATOR.is_match(line)
        || WROTE_SEPARATOR.is_match(line)
        || (HEADER_THEN_HISTORY.is_match(line) && DETAIL.is_match(line))
    {
        return Kind::Original;
    }
    if FORWARD_SEPARATOR.is_match(line) {
        return Kind::Forward;
    }
    if RULE.is_match(line) {
        return Kind::Rule;
    }
    if trimmed.len() <= MOBILE_SIGNATURE_CHARS && MOBILE_SIGNATURE.is_match(trimmed) {
        return Kind::MobileSignature;
    }
    if LINK_ONLY.is_match(line) {
        return Kind::Link;
    }
    field(line).map_or(Kind::Text, Kind::Field)
}

/// The header-block field a line starts with, if any.
fn field(line: &str) -> Option<Field> {
    if FROM_LABEL.is_match(line) {
        Some(Field::From)
    } else if DATE_LABEL.is_match(line) {
        Some(Field::Date)
    } else if SUBJECT_LABEL.is_match(line) {
        Some(Field::Subject)
    } else if TO_LABEL.is_match(line) {
        Some(Field::To)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_told_apart() {
        let cases = [
            ("", Kind::Blank),
            ("> quoted", Kind::Quoted),
            ("  >> deeper", Kind::Quoted),
            ("-- ", Kind::SignatureDelimiter),
            ("-----Original Message-----", Kind::Original),
            ("*-------- Original Message --------*", Kind::Original),
            ("-------- Oprindelig meddelelse --------", Kind::Original),
            ("-----Ursprüngliche Nachricht-----", Kind::Original),
            ("---- Jan Novak wrote ----", Kind::Original),
            ("---------- Forwarded message ---------", Kind::Forward),
            ("Begin forwarded message:", Kind::Forward),
            ("________________________________", Kind::Rule),
            (
                "From: Support <support@example.com>",
                Kind::Field(Field::From),
            ),
            ("*Von:* Support", Kind::Field(Field::From)),
            ("发件人：客服", Kind::Field(Field::From)),
            (
                "Skickat: den 17 oktober 2014 11:28",
                Kind::Field(Field::Date),
            ),
            ("Emne: Ordre", Kind::Field(Field::Subject)),
            ("Кому: Иван", Kind::Field(Field::To)),
            ("Sent from my iPhone", Kind::MobileSignature),
            ("Wysłane z iPhone'a", Kind::MobileSignature),
            ("<https://track.example.com/c/abc>", Kind::Link),
            ("Settings >>> Account >>> Delete", Kind::Text),
            ("From now on it works.", Kind::Text),
        ];
        for (line, want) in cases {
            assert_eq!(classify(line), want, "{line:?}");
        }
    }
}

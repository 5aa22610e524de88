//! Subjects of the mail we send: `Re: <ticket subject> [#SHORTID]`, with the
//! customer's own reply prefixes and our tag taken off first so neither is
//! ever doubled.
use crate::domain::ShortId;
use regex::Regex;
use std::sync::LazyLock;

/// Reply prefixes mail clients put in front of a subject, in the languages
/// we meet: Re (most), AW (de), SV (sv, da, no), VS (fi), Antw (nl),
/// Odp (pl), RIF (it), YNT (tr), 回复/回覆/答复 (zh). Counted forms such as
/// `Re[2]:` and `Re(2):` and the full-width colon are included. `Fwd:` is
/// not a reply prefix and stays.
static REPLY_PREFIX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^\s*(re|aw|sv|vs|antw|odp|rif|ynt|回复|回覆|答复)\s*(\[\d+\]|\(\d+\))?\s*[:：]\s*",
    )
    .expect("reply prefix regex")
});

/// The ticket's subject as a conversation topic: no reply prefixes, no
/// `[#SHORTID]` tag of this ticket, whitespace and control characters
/// collapsed to single spaces. Used for `Thread-Topic`.
pub fn thread_topic(subject: &str, short_id: &ShortId) -> String {
    let tag = format!("[#{}]", short_id.as_str());
    let mut s = collapse(&remove_ignoring_case(subject, &tag));
    while let Some(m) = REPLY_PREFIX.find(&s) {
        s = s[m.end()..].to_string();
    }
    collapse(&s)
}

/// `Re: <topic> [#SHORTID]`, or without `Re: ` for the first mail of a
/// ticket an agent opened.
pub fn reply_subject(subject: &str, short_id: &ShortId, is_reply: bool) -> String {
    let topic = thread_topic(subject, short_id);
    let prefix = if is_reply { "Re: " } else { "" };
    if topic.is_empty() {
        format!("{prefix}[#{short_id}]")
    } else {
        format!("{prefix}{topic} [#{short_id}]")
    }
}

/// A subject written for this mail (a template's), whitespace collapsed,
/// with `[#SHORTID]` added unless it is already there, so a reply to it
/// still finds the ticket.
pub fn tagged_subject(subject: &str, short_id: &ShortId) -> String {
    let subject = collapse(subject);
    let tag = format!("[#{}]", short_id.as_str());
    if subject
        .to_ascii_lowercase()
        .contains(&tag.to_ascii_lowercase())
    {
        subject
    } else if subject.is_empty() {
        tag
    } else {
        format!("{subject} {tag}")
    }
}

fn collapse(s: &str) -> String {
    s.split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// `s` without any occurrence of the ASCII `needle`, compared ignoring case.
fn remove_ignoring_case(s: &str, needle: &str) -> String {
    let lower = s.to_ascii_lowercase();
    let needle = needle.to_ascii_lowercase();
    let mut out = String::with_capacity(s.len());
    let mut rest = 0;
    // ASCII lowercasing keeps byte offsets, so indices into `lower` are
    // char boundaries in `s` too.
    for (at, _) in lower.match_indices(&needle) {
        if at >= rest {
            out.push_str(&s[rest..at]);
            out.push(' ');
            rest = at + needle.len();
        }
    }
    out.push_str(&s[rest..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_subjects_get_the_tag_once() {
        let id = ShortId::parse("K7QX2M").unwrap();
        for (own, want) in [
            ("Your refund", "Your refund [#K7QX2M]"),
            ("  Your\n refund ", "Your refund [#K7QX2M]"),
            ("[#k7qx2m] Your refund", "[#k7qx2m] Your refund"),
            ("", "[#K7QX2M]"),
        ] {
            assert_eq!(tagged_subject(own, &id), want, "{own:?}");
        }
    }

    #[test]
    fn reply_subjects_follow_the_table() {
        let id = ShortId::parse("K7QX2M").unwrap();
        let table: &[(&str, bool, &str)] = &[
            ("Printer broken", true, "Re: Printer broken [#K7QX2M]"),
            ("Printer broken", false, "Printer broken [#K7QX2M]"),
            ("Re: Printer broken", true, "Re: Printer broken [#K7QX2M]"),
            (
                "RE: re: Printer broken",
                true,
                "Re: Printer broken [#K7QX2M]",
            ),
            ("AW: SV: Drucker", true, "Re: Drucker [#K7QX2M]"),
            ("Re[2]: Printer", true, "Re: Printer [#K7QX2M]"),
            ("Re: Printer [#K7QX2M]", true, "Re: Printer [#K7QX2M]"),
            ("Re: [#k7qx2m] Printer", true, "Re: Printer [#K7QX2M]"),
            ("[#K7QX2M] Re: Printer", true, "Re: Printer [#K7QX2M]"),
            ("Printer [#ABC234]", true, "Re: Printer [#ABC234] [#K7QX2M]"),
            ("Fwd: Invoice", true, "Re: Fwd: Invoice [#K7QX2M]"),
            (
                "Réponse: café crème",
                true,
                "Re: Réponse: café crème [#K7QX2M]",
            ),
            (
                "AW: Über   die\r\n Rechnung",
                true,
                "Re: Über die Rechnung [#K7QX2M]",
            ),
            ("回复：打印机坏了", true, "Re: 打印机坏了 [#K7QX2M]"),
            (
                "Regarding the invoice",
                true,
                "Re: Regarding the invoice [#K7QX2M]",
            ),
            ("", true, "Re: [#K7QX2M]"),
            ("Re: ", false, "[#K7QX2M]"),
        ];
        for (subject, is_reply, expected) in table {
            assert_eq!(
                reply_subject(subject, &id, *is_reply),
                *expected,
                "{subject:?}"
            );
        }
    }

    #[test]
    fn the_topic_has_no_prefix_and_no_tag() {
        let id = ShortId::parse("K7QX2M").unwrap();
        assert_eq!(thread_topic("Re: AW: Printer [#K7QX2M]", &id), "Printer");
    }
}

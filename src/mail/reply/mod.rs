//! Reply-text extraction: the new text of a reply without quoted history.
//! Pure, in three layers:
//! - [`patterns`]: what clients write above history, per language (reply
//!   headers, separators, header-block labels, mobile signatures);
//! - [`lines`]: a classifier that says what each line is on its own;
//! - the rules here: where history starts, given the lines around it.
//!
//! [`reply_text`] cuts a plain-text body down to what the sender wrote;
//! [`html_to_text`] renders HTML-only mail as text first.
mod from_html;
mod lines;
mod patterns;

pub use from_html::html_to_text;
use lines::{Field, Kind, classify};
use patterns::{ATTRIBUTION, ATTRIBUTION_START, DETAIL, INLINE_ATTRIBUTION, WEAK_ATTRIBUTION};

/// The new text of a plain-text body: quoted history, reply headers
/// ("On … wrote:" and friends in 20-odd languages), original-message
/// blocks and header blocks, `-- ` signatures and mobile "Sent from my
/// iPhone" signatures removed; a forward the sender wrote above is kept
/// whole. Trimmed of leading/trailing blank lines. If removing history
/// would leave nothing (a bare forward, say), the whole text minus its
/// signature. Never panics on any input.
pub fn reply_text(text: &str) -> String {
    let text = normalize_newlines(text);
    let lines = split_inline_attributions(text.lines());
    let kinds: Vec<Kind> = lines.iter().map(|l| classify(l)).collect();
    let reply = tidy_lines(&new_text_lines(&lines, &kinds));
    if reply.is_empty() {
        tidy_lines(&without_signature(&lines, &kinds))
    } else {
        reply
    }
}

/// Longest reply header, in lines, that clients wrap "On … wrote:" over.
const MAX_HEADER_LINES: usize = 3;
/// Longest plausible reply header, in bytes, once its lines are joined.
const MAX_HEADER_CHARS: usize = 400;
/// How many lines a header block's fields are looked for in (a wrapped
/// From line takes two).
const HEADER_BLOCK_WINDOW: usize = 7;

/// Windows and old-Mac line endings to `\n`, leading BOM removed.
fn normalize_newlines(text: &str) -> String {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    text.replace("\r\n", "\n").replace('\r', "\n")
}

/// Lines with a reply header after the sender's words on the same line
/// ("thanks On Wed, … wrote:") split in two.
fn split_inline_attributions<'a>(lines: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut out = Vec::new();
    for line in lines {
        let trimmed = line.trim_end();
        let plausible = trimmed.ends_with(':') && trimmed.len() <= 2 * MAX_HEADER_CHARS;
        let split = (plausible && !ATTRIBUTION.is_match(trimmed))
            .then(|| INLINE_ATTRIBUTION.captures(trimmed))
            .flatten()
            .and_then(|c| Some((c.get(1)?, c.get(2)?)))
            .filter(|(_, header)| {
                ATTRIBUTION.is_match(header.as_str()) && DETAIL.is_match(header.as_str())
            });
        match split {
            Some((words, header)) => {
                out.push(&trimmed[words.range()]);
                out.push(&trimmed[header.range()]);
            }
            None => out.push(line),
        }
    }
    out
}

/// The lines the sender wrote, in order, up to where history or the
/// signature begins, with quoted lines and reply headers above quotes
/// skipped (so an interleaved or bottom-posted answer keeps every line of
/// its own).
fn new_text_lines<'a>(lines: &[&'a str], kinds: &[Kind]) -> Vec<&'a str> {
    let mut out: Vec<&str> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        match kinds[i] {
            Kind::SignatureDelimiter | Kind::MobileSignature | Kind::Original => break,
            Kind::Forward => {
                // A forward the sender wrote above is what they send.
                if out.iter().any(|l| !l.trim().is_empty()) {
                    out.extend_from_slice(&lines[i..]);
                }
                break;
            }
            Kind::Rule if next_text(kinds, i + 1).is_some_and(|j| header_block(kinds, j)) => break,
            Kind::Field(_) if header_block(kinds, i) => break,
            Kind::Quoted => {}
            Kind::Link if in_quote(kinds, i) => {}
            _ => match attribution(lines, kinds, i) {
                Some((len, _)) if quotes_follow(kinds, i + len) => {
                    i += len;
                    continue;
                }
                Some((_, true)) => break,
                _ => out.push(lines[i]),
            },
        }
        i += 1;
    }
    out
}

/// Fallback: the whole text, cut at the signature, without mobile
/// signature lines.
fn without_signature<'a>(lines: &[&'a str], kinds: &[Kind]) -> Vec<&'a str> {
    lines
        .iter()
        .zip(kinds)
        .take_while(|(_, k)| **k != Kind::SignatureDelimiter)
        .filter(|(_, k)| **k != Kind::MobileSignature)
        .map(|(l, _)| *l)
        .collect()
}

/// The first line from `i` on that is not blank.
fn next_text(kinds: &[Kind], i: usize) -> Option<usize> {
    (i..kinds.len()).find(|&j| kinds[j] != Kind::Blank)
}

/// Does a header block (From, a date, To or Subject, in any order and any
/// supported language) start at line `i`?
fn header_block(kinds: &[Kind], i: usize) -> bool {
    if !matches!(kinds[i], Kind::Field(_)) {
        return false;
    }
    let end = kinds.len().min(i + HEADER_BLOCK_WINDOW);
    let mut seen = Vec::new();
    for kind in &kinds[i..end] {
        if let Kind::Field(f) = kind
            && !seen.contains(f)
        {
            seen.push(*f);
        }
    }
    seen.contains(&Field::From) && seen.len() >= 3
}

/// Is the link at `i` inside a run of quoted lines (a tracking link that
/// broke the run)?
fn in_quote(kinds: &[Kind], i: usize) -> bool {
    let before = (0..i).rev().find(|&j| kinds[j] != Kind::Blank);
    before.is_some_and(|j| kinds[j] == Kind::Quoted)
}

/// A reply header starting at line `i`, possibly wrapped over up to
/// [`MAX_HEADER_LINES`] lines: its line count, and whether it may be
/// trusted with no quote below (a strong header carrying a time or an
/// address). A weak one counts only above a quote.
fn attribution(lines: &[&str], kinds: &[Kind], i: usize) -> Option<(usize, bool)> {
    let mut joined = String::new();
    for (n, line) in lines[i..].iter().take(MAX_HEADER_LINES).enumerate() {
        if n > 0 && !continues_header(lines[i], line, kinds[i + n]) {
            return None;
        }
        joined.push(' ');
        joined.push_str(line.trim());
        if joined.len() > MAX_HEADER_CHARS {
            return None;
        }
        if !joined.ends_with([':', '：', '>']) {
            continue;
        }
        if ATTRIBUTION.is_match(&joined) {
            return Some((n + 1, DETAIL.is_match(&joined)));
        }
        if WEAK_ATTRIBUTION.is_match(&joined) {
            return Some((n + 1, false));
        }
    }
    None
}

/// Can `line` (of this kind) be a wrapped continuation of the header
/// begun by `first`?
fn continues_header(first: &str, line: &str, kind: Kind) -> bool {
    let sentence_ended = first.trim_end().ends_with(['.', '!', '?']);
    !sentence_ended
        && matches!(kind, Kind::Text | Kind::Field(_))
        && !ATTRIBUTION_START.is_match(line)
}

/// Is the first line from `i` on that is not blank (nor a tracking link)
/// quoted, or is there none?
fn quotes_follow(kinds: &[Kind], i: usize) -> bool {
    kinds
        .iter()
        .skip(i)
        .find(|k| !matches!(k, Kind::Blank | Kind::Link))
        .is_none_or(|k| *k == Kind::Quoted)
}

/// Join lines with trailing whitespace removed, runs of blank lines
/// collapsed to one, and no leading or trailing blank lines.
fn tidy_lines(lines: &[&str]) -> String {
    let mut out: Vec<&str> = Vec::with_capacity(lines.len());
    for line in lines {
        let line = line.trim_end();
        if line.is_empty() && out.last().is_none_or(|last| last.is_empty()) {
            continue;
        }
        out.push(line);
    }
    while out.last().is_some_and(|last| last.is_empty()) {
        out.pop();
    }
    out.join("\n")
}

#[cfg(test)]
mod cases;
#[cfg(test)]
mod tests;

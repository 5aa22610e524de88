//! Reply-text extraction: the new text of a reply without quoted history.
//!
//! Two pure entry points:
//! - [`reply_text`] cuts a plain-text body down to what the sender actually
//!   wrote: `>` quotes, reply headers ("On … wrote:" in several languages),
//!   forwarded / original-message blocks, Outlook header blocks, `-- `
//!   signatures and mobile "Sent from my iPhone" lines are dropped.
//! - [`html_to_text`] renders HTML-only mail as plain text with html2text,
//!   after removing the containers the big clients use for quoted history
//!   (Gmail, Outlook, Yahoo, Apple Mail, Thunderbird). Ordinary
//!   `<blockquote>`s become `> ` lines, which [`reply_text`] then drops.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::LazyLock;

use html2text::render::{TaggedLine, TextDecorator};
use html2text::{Element, Handle};
use regex::{Captures, Regex};

/// The new text of a plain-text body: quoted history, reply headers
/// ("On … wrote:" and friends), forwarded/original-message blocks,
/// `-- ` signature blocks and mobile "Sent from my iPhone" lines removed.
/// Trimmed of leading/trailing blank lines. If removing quotes would leave
/// nothing (e.g. a bare forward), fall back to the whole text minus
/// signature, trimmed. Never panics on any input.
pub fn reply_text(text: &str) -> String {
    let text = normalize_newlines(text);
    let lines: Vec<&str> = text.lines().collect();
    let reply = tidy_lines(&new_text_lines(&lines));
    if reply.is_empty() {
        tidy_lines(&without_signature(&lines))
    } else {
        reply
    }
}

/// HTML to plain text for HTML-only mail, using the html2text crate (0.15)
/// with no decorations (no ** or _ markers, links as their text), with
/// <blockquote> rendered as lines prefixed by "> " so reply_text can drop
/// them. Never panics; very wide width so lines are not wrapped artificially.
///
/// Quoted-history containers of the big clients are removed before
/// rendering: Gmail, Outlook, Yahoo, Apple Mail and Thunderbird markers.
pub fn html_to_text(html: &str) -> String {
    let html = html.strip_prefix('\u{feff}').unwrap_or(html);
    let html = mark_outlook_header_divs(html);
    let rendered = if nesting_depth(&html) > MAX_NESTING {
        None
    } else {
        catch_unwind(AssertUnwindSafe(|| render_html(&html)))
            .ok()
            .flatten()
    };
    let rendered = rendered.unwrap_or_else(|| strip_tags(&html));
    let text = normalize_newlines(&rendered).replace('\u{a0}', " ");
    let lines: Vec<&str> = text.lines().collect();
    tidy_lines(&lines)
}

// ---------------------------------------------------------------------------
// Plain text
// ---------------------------------------------------------------------------

/// Longest reply header, in lines, that clients wrap "On … wrote:" over.
const MAX_HEADER_LINES: usize = 3;
/// Longest plausible reply header, in bytes, once its lines are joined.
const MAX_HEADER_CHARS: usize = 400;
/// How many lines after `From:` may hold the rest of an Outlook header.
const HEADER_BLOCK_WINDOW: usize = 4;

/// First word of a reply header: On (en), El (es), Em (pt), Le (fr),
/// Am (de), Op (nl), Il (it).
static ATTRIBUTION_START: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*(?:On|El|Em|Le|Am|Op|Il)\s").unwrap());

/// A whole reply header, its wrapped lines joined by spaces.
static ATTRIBUTION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^\s*(?:On|El|Em|Le|Am|Op|Il)\s.*(?i:\bwrote|\bescribió|\bescreveu|\ba\s+écrit|\bha\s+scritto|\bschrieb(?:\s[^:]*)?|\bschreef(?:\s[^:]*)?)\s*:\s*$",
    )
    .unwrap()
});

/// Signs that a reply header is a real one: a clock time or an address.
static ATTRIBUTION_DETAIL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\d{1,2}:\d{2}|@").unwrap());

/// Separators that start an original-message or forwarded-message block.
static HISTORY_SEPARATOR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix)^\s*(?:
          [-=_]{2,}\s*(?:
            original\s+message | mensaje\s+original | mensagem\s+original
            | message\s+d['’]origine | message\s+original | ursprüngliche\s+nachricht
            | originalnachricht | oorspronkelijk\s+bericht | messaggio\s+originale
            | forwarded\s+message | mensaje\s+reenviado | mensagem\s+encaminhada
            | message\s+transféré | weitergeleitete\s+nachricht | doorgestuurd\s+bericht
            | messaggio\s+inoltrato
          )\s*[-=_]{2,}
          | (?:
            begin\s+forwarded\s+message | inicio\s+del\s+mensaje\s+reenviado
            | início\s+da\s+mensagem\s+encaminhada | début\s+du\s+message\s+(?:réexpédié|transféré)
            | anfang\s+der\s+weitergeleiteten\s+(?:nachricht|e-mail)
            | begin\s+doorgestuurd\s+bericht | inizio\s+messaggio\s+inoltrato
          )\s*:
        )\s*$",
    )
    .unwrap()
});

/// Outlook web / Outlook.com separator above its header block.
static UNDERSCORE_RULE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^\s*_{8,}\s*$").unwrap());

/// Build a header-label matcher: the label, optionally bold-marked, a colon.
fn header_label(labels: &str) -> Regex {
    Regex::new(&format!(
        r"(?i)^\s*[*_]{{0,2}}\s*(?:{labels})\s*[*_]{{0,2}}\s*:"
    ))
    .unwrap()
}

static FROM_LABEL: LazyLock<Regex> = LazyLock::new(|| header_label("From|De|Von|Van|Da"));

static DATE_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    header_label(
        "Sent|Date|Enviado(?:\\s+(?:el|em))?|Enviada\\s+em|Fecha|Data|Envoyé(?:\\s+le)?\
         |Gesendet|Datum|Verzonden|Verstuurd|Inviato(?:\\s+il)?",
    )
});

static TO_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    header_label(
        "To|Cc|Para|À|A|An|Aan|Subject|Asunto|Assunto|Objet|Sujet|Betreff|Onderwerp|Oggetto",
    )
});

/// Mobile and webmail auto-signatures ("Sent from my iPhone" and friends),
/// matched against a whole trimmed line; an optional `<link>` may follow.
static MOBILE_SIGNATURE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix)^(?:
          sent\s+from\s+(?:my\s|yahoo\s+mail|outlook|mail\s+for|samsung)[^\n]{0,60}
          | get\s+outlook\s+for\s+\S+
          | enviado\s+desde\s+mi\s[^\n]{1,60}
          | enviado\s+do\s+meu\s[^\n]{1,60}
          | envoyé\s+de\s+mon\s[^\n]{1,60}
          | von\s+meinem\s[^\n]{1,60}\s+gesendet
          | verzonden\s+(?:vanaf|met)\s+mijn\s[^\n]{1,60}
          | inviato\s+dal\s+mio\s[^\n]{1,60}
        )(?:\s*<[^>\s]+>)?\.?$",
    )
    .unwrap()
});

/// Windows and old-Mac line endings to `\n`, leading BOM removed.
fn normalize_newlines(text: &str) -> String {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    text.replace("\r\n", "\n").replace('\r', "\n")
}

fn is_blank(line: &str) -> bool {
    line.trim().is_empty()
}

fn is_quoted(line: &str) -> bool {
    line.trim_start().starts_with('>')
}

/// `-- ` (the standard delimiter) or a bare `--`.
fn is_signature_delimiter(line: &str) -> bool {
    line.trim_end() == "--"
}

fn is_mobile_signature(line: &str) -> bool {
    MOBILE_SIGNATURE.is_match(line.trim())
}

/// The lines the sender wrote, in order, up to the first history block or
/// signature, with quoted lines, reply headers and mobile signatures skipped.
fn new_text_lines<'a>(lines: &[&'a str]) -> Vec<&'a str> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if is_signature_delimiter(line) || starts_history_block(lines, i) {
            break;
        }
        if let Some((len, detailed)) = attribution(lines, i) {
            if quotes_follow(lines, i + len) {
                i += len;
                continue;
            }
            if detailed {
                break;
            }
        }
        if !is_quoted(line) && !is_mobile_signature(line) {
            out.push(line);
        }
        i += 1;
    }
    out
}

/// Fallback: the whole text, cut at the first signature delimiter, without
/// mobile signature lines.
fn without_signature<'a>(lines: &[&'a str]) -> Vec<&'a str> {
    lines
        .iter()
        .copied()
        .take_while(|line| !is_signature_delimiter(line))
        .filter(|line| !is_mobile_signature(line))
        .collect()
}

/// Does an original-message, forwarded-message or Outlook header block
/// start at line `i`?
fn starts_history_block(lines: &[&str], i: usize) -> bool {
    let line = lines[i];
    if HISTORY_SEPARATOR.is_match(line) {
        return true;
    }
    if UNDERSCORE_RULE.is_match(line) {
        let next = (i + 1..lines.len()).find(|&j| !is_blank(lines[j]));
        return next.is_some_and(|j| FROM_LABEL.is_match(lines[j]));
    }
    is_header_block(lines, i)
}

/// A `From:` line followed within a few lines by a `Sent:`/`Date:` line and
/// a `To:`/`Subject:` line, in any order, in any supported language.
fn is_header_block(lines: &[&str], i: usize) -> bool {
    if !FROM_LABEL.is_match(lines[i]) {
        return false;
    }
    let end = lines.len().min(i + 1 + HEADER_BLOCK_WINDOW);
    let window = &lines[i + 1..end];
    window.iter().any(|line| DATE_LABEL.is_match(line))
        && window.iter().any(|line| TO_LABEL.is_match(line))
}

/// A reply header ("On … wrote:") starting at line `i`, possibly wrapped
/// over up to [`MAX_HEADER_LINES`] lines. Returns its line count and
/// whether it carries a date with a time, or an address: enough to trust
/// it even when no `>` quote follows. A short one ("On Sat, Dana wrote:")
/// counts only above a quote.
fn attribution(lines: &[&str], i: usize) -> Option<(usize, bool)> {
    if !ATTRIBUTION_START.is_match(lines[i]) {
        return None;
    }
    let mut joined = String::new();
    for (n, line) in lines[i..].iter().take(MAX_HEADER_LINES).enumerate() {
        if n > 0 && !continues_header(lines[i], line) {
            return None;
        }
        joined.push(' ');
        joined.push_str(line.trim());
        if joined.len() > MAX_HEADER_CHARS {
            return None;
        }
        if ATTRIBUTION.is_match(&joined) {
            return Some((n + 1, ATTRIBUTION_DETAIL.is_match(&joined)));
        }
    }
    None
}

/// Can `line` be a wrapped continuation of the header begun by `first`?
fn continues_header(first: &str, line: &str) -> bool {
    let sentence_ended = first.trim_end().ends_with(['.', '!', '?']);
    !sentence_ended && !is_blank(line) && !is_quoted(line) && !ATTRIBUTION_START.is_match(line)
}

/// Is the first non-blank line from `i` on quoted (or is there none)?
fn quotes_follow(lines: &[&str], i: usize) -> bool {
    lines
        .iter()
        .skip(i)
        .find(|line| !is_blank(line))
        .is_none_or(|line| is_quoted(line))
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

// ---------------------------------------------------------------------------
// HTML
// ---------------------------------------------------------------------------

/// Render width: wide enough that html2text never wraps a real line.
const RENDER_WIDTH: usize = 1_000_000;
/// Attribute added to Outlook's border-top header div before parsing.
const CUT_MARKER: &str = "data-postdesk-cut";
/// How much text after a border-top div is looked at for a `From:` label.
const OUTLOOK_HEADER_PEEK: usize = 600;

/// Classes whose element holds quoted history (and its header) only.
const QUOTE_CLASSES: &[&str] = &[
    "gmail_quote",
    "gmail_quote_container",
    "gmail_attr",
    "yahoo_quoted",
    "moz-cite-prefix",
    "protonmail_quote",
];

/// Ids after which an Outlook body is quoted history only.
const OUTLOOK_CUT_IDS: &[&str] = &[
    "appendonsend",
    "divRplyFwdMsg",
    "mail-editor-reference-message-container",
];

/// Deepest element nesting handed to html2text; its parser is quadratic in
/// depth, so absurdly nested (hostile) input gets the crude tag stripper.
const MAX_NESTING: usize = 1_000;

/// Elements that never have a closing tag.
const VOID_ELEMENTS: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
    "wbr",
];

static OPEN_OR_CLOSE_TAG: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"<(/?)([A-Za-z][A-Za-z0-9:-]*)[^>]*?(/?)>").unwrap());

/// Upper estimate of the element nesting depth of `html`.
fn nesting_depth(html: &str) -> usize {
    let (mut depth, mut max) = (0usize, 0usize);
    for caps in OPEN_OR_CLOSE_TAG.captures_iter(html) {
        let name = caps[2].to_ascii_lowercase();
        if &caps[1] == "/" {
            depth = depth.saturating_sub(1);
        } else if caps[3].is_empty() && !VOID_ELEMENTS.contains(&name.as_str()) {
            depth += 1;
            max = max.max(depth);
        }
    }
    max
}

/// Outlook desktop's reply header: `<div style="border:none;border-top:…">`.
static BORDER_TOP_DIV: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)<div\b[^>]*\bstyle\s*=\s*["'][^"']*border-top\s*:[^>]*>"#).unwrap()
});

static TAG: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"<[^>]*>").unwrap());

static INVISIBLE_ELEMENT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?is)<(?:head|style|script)\b.*?</(?:head|style|script)\s*>").unwrap()
});

static LINE_BREAK_TAG: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)<br\b[^>]*>|</(?:p|div|li|tr|h[1-6]|blockquote)\s*>").unwrap()
});

/// Mark Outlook's border-top header divs (those whose text starts with a
/// `From:` label) with [`CUT_MARKER`], so the DOM pass can cut there.
fn mark_outlook_header_divs(html: &str) -> String {
    BORDER_TOP_DIV
        .replace_all(html, |caps: &Captures| {
            let tag = caps.get(0).map_or("", |m| m.as_str());
            let rest = caps.get(0).map_or("", |m| &html[m.end()..]);
            let peek_end = rest
                .char_indices()
                .nth(OUTLOOK_HEADER_PEEK)
                .map_or(rest.len(), |(at, _)| at);
            let text = TAG
                .replace_all(&rest[..peek_end], "")
                .replace("&nbsp;", " ");
            if FROM_LABEL.is_match(text.trim_start()) {
                format!("<div {CUT_MARKER}=\"\"{}", &tag[4..])
            } else {
                tag.to_string()
            }
        })
        .into_owned()
}

/// Parse, drop quoted history, render. `None` if html2text gives up.
fn render_html(html: &str) -> Option<String> {
    let config = html2text::config::with_decorator(MailDecorator)
        .raw_mode(true)
        .allow_width_overflow()
        .link_footnotes(false);
    let dom = config.parse_html(html.as_bytes()).ok()?;
    strip_quoted_history(&dom.document);
    let tree = config.dom_to_render_tree(&dom).ok()?;
    config.render_to_string(tree, RENDER_WIDTH).ok()
}

/// Crude fallback when html2text fails: tags removed, breaks kept.
fn strip_tags(html: &str) -> String {
    let html = INVISIBLE_ELEMENT.replace_all(html, "");
    let html = LINE_BREAK_TAG.replace_all(&html, "\n");
    TAG.replace_all(&html, "")
        .replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
}

/// What to do with a DOM node when stripping quoted history.
enum QuoteAction {
    Keep,
    /// The node is a quote container: drop it.
    Remove,
    /// Everything from this node to the end of the document is history.
    CutToEnd,
}

fn quote_action(node: &Handle) -> QuoteAction {
    let Element { name, attrs, .. } = &node.data else {
        return QuoteAction::Keep;
    };
    let attrs = attrs.borrow();
    let attr = |key: &str| {
        attrs
            .iter()
            .find(|a| a.name.local.as_ref().eq_ignore_ascii_case(key))
            .map_or("", |a| &*a.value)
    };
    let tag = &*name.local;
    let id = attr("id");
    let has_quote_class = attr("class")
        .split_ascii_whitespace()
        .any(|class| QUOTE_CLASSES.contains(&class));
    let apple_cite = tag == "blockquote" && attr("type").eq_ignore_ascii_case("cite");
    if has_quote_class || apple_cite || id.starts_with("yahoo_quoted") {
        QuoteAction::Remove
    } else if OUTLOOK_CUT_IDS.contains(&id) || attrs.iter().any(|a| &*a.name.local == CUT_MARKER) {
        QuoteAction::CutToEnd
    } else {
        QuoteAction::Keep
    }
}

/// Remove quote containers and cut the document at the first Outlook reply
/// marker. Iterative (explicit stack), so deep nesting cannot overflow.
fn strip_quoted_history(root: &Handle) {
    let mut removals: Vec<(Handle, usize)> = Vec::new();
    // Path from the root: each node with the index of its next child.
    let mut path: Vec<(Handle, usize)> = vec![(root.clone(), 0)];
    while let Some((node, next)) = path.last_mut() {
        let index = *next;
        let Some(child) = node.children.borrow().get(index).cloned() else {
            path.pop();
            continue;
        };
        *next += 1;
        match quote_action(&child) {
            QuoteAction::Keep => path.push((child, 0)),
            QuoteAction::Remove => removals.push((node.clone(), index)),
            QuoteAction::CutToEnd => {
                cut_to_end(&path);
                break;
            }
        }
    }
    // Removals all precede the cut; undo them last-first so that earlier
    // indices stay valid.
    for (parent, index) in removals.into_iter().rev() {
        parent.children.borrow_mut().remove(index);
    }
}

/// Drop the node just visited at the end of `path`, and every node after
/// it in document order.
fn cut_to_end(path: &[(Handle, usize)]) {
    let last = path.len().saturating_sub(1);
    for (depth, (node, next)) in path.iter().enumerate() {
        let keep = if depth == last { next - 1 } else { *next };
        node.children.borrow_mut().truncate(keep);
    }
}

/// html2text decorator for plain mail text: no emphasis markers, links as
/// their text, no images, `> ` quotes, `- ` / `1. ` list items.
#[derive(Clone, Copy, Debug, Default)]
struct MailDecorator;

impl TextDecorator for MailDecorator {
    type Annotation = ();

    fn decorate_link_start(&mut self, _url: &str) -> (String, ()) {
        (String::new(), ())
    }
    fn decorate_link_end(&mut self) -> String {
        String::new()
    }
    fn decorate_em_start(&self) -> (String, ()) {
        (String::new(), ())
    }
    fn decorate_em_end(&self) -> String {
        String::new()
    }
    fn decorate_strong_start(&self) -> (String, ()) {
        (String::new(), ())
    }
    fn decorate_strong_end(&self) -> String {
        String::new()
    }
    fn decorate_strikeout_start(&self) -> (String, ()) {
        (String::new(), ())
    }
    fn decorate_strikeout_end(&self) -> String {
        String::new()
    }
    fn decorate_code_start(&self) -> (String, ()) {
        (String::new(), ())
    }
    fn decorate_code_end(&self) -> String {
        String::new()
    }
    fn decorate_preformat_first(&self) {}
    fn decorate_preformat_cont(&self) {}
    fn decorate_image(&mut self, _src: &str, _alt: &str) -> (String, ()) {
        (String::new(), ())
    }
    fn header_prefix(&self, _level: usize) -> String {
        String::new()
    }
    fn quote_prefix(&self) -> String {
        "> ".to_string()
    }
    fn unordered_item_prefix(&self) -> String {
        "- ".to_string()
    }
    fn ordered_item_prefix(&self, i: i64) -> String {
        format!("{i}. ")
    }
    fn make_subblock_decorator(&self) -> Self {
        *self
    }
    fn finalise(&mut self, _urls: Vec<String>) -> Vec<TaggedLine<()>> {
        Vec::new()
    }
}

#[cfg(test)]
mod tests;

//! HTML-only mail as plain text: html2text with no decorations, after the
//! containers the big clients use for quoted history (Gmail, Outlook,
//! Yahoo, Apple Mail, Thunderbird, Proton) are removed. Ordinary
//! `<blockquote>`s become `> ` lines, which [`super::reply_text`] drops.
use super::patterns::FROM_LABEL;
use super::{normalize_newlines, tidy_lines};
use html2text::render::{TaggedLine, TextDecorator};
use html2text::{Element, Handle};
use regex::{Captures, Regex};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::LazyLock;

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

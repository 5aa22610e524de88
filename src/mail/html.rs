//! Showing a mail's HTML to an agent: sanitized with ammonia (no script, no
//! style, no event handlers, no forms; links open in a new tab with
//! `rel="noopener noreferrer"`), and remote images blocked until the agent
//! asks, then only through a URL of ours (see `web/original.rs`), so the
//! sender learns nothing of when or whether the mail was read.
use mail_parser::{MessageParser, MimeHeaders};
use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Longest HTML part sanitized (a larger one is cut).
const MAX_HTML_BYTES: usize = 2 * 1024 * 1024;

/// A mail as the agent sees its original.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Original {
    pub from: String,
    pub to: String,
    pub cc: String,
    pub date: String,
    pub subject: String,
    /// Sanitized HTML, when the mail has an HTML part.
    pub html: Option<String>,
    /// The text part (or the HTML as text).
    pub text: String,
    /// Remote images left out (or, when shown, routed through us).
    pub remote_images: usize,
}

/// Reads `raw`; `image_url` turns a remote image's URL into the URL to
/// load it from, or None to leave it out.
pub fn original(raw: &[u8], image_url: &(dyn Fn(&str) -> Option<String> + Sync)) -> Original {
    let Some(msg) = MessageParser::default().parse(raw) else {
        return Original {
            from: String::new(),
            to: String::new(),
            cc: String::new(),
            date: String::new(),
            subject: String::new(),
            html: None,
            text: String::from_utf8_lossy(raw).into_owned(),
            remote_images: 0,
        };
    };
    let list = |a: Option<&mail_parser::Address>| {
        a.map(|a| {
            a.iter()
                .map(|m| match (&m.name, &m.address) {
                    (Some(n), Some(e)) => format!("{n} <{e}>"),
                    (None, Some(e)) => e.to_string(),
                    (Some(n), None) => n.to_string(),
                    (None, None) => String::new(),
                })
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
    };
    let html_part = msg
        .html_part(0)
        .filter(|p| {
            p.content_type()
                .is_some_and(|c| c.subtype() == Some("html"))
        })
        .and_then(|_| msg.body_html(0));
    let (html, remote_images) = match html_part {
        Some(h) => {
            let (clean, n) = sanitize(&h, image_url);
            (Some(clean), n)
        }
        None => (None, 0),
    };
    Original {
        from: list(msg.from()),
        to: list(msg.to()),
        cc: list(msg.cc()),
        date: msg.date().map(|d| d.to_rfc822()).unwrap_or_default(),
        subject: msg.subject().unwrap_or_default().to_owned(),
        html,
        text: msg.body_text(0).map(Cow::into_owned).unwrap_or_default(),
        remote_images,
    }
}

/// Sanitized HTML and how many remote images it had.
pub fn sanitize(
    html: &str,
    image_url: &(dyn Fn(&str) -> Option<String> + Sync),
) -> (String, usize) {
    let cut = match html.char_indices().nth(MAX_HTML_BYTES) {
        Some((at, _)) => &html[..at],
        None => html,
    };
    // Collected first: ammonia's filter must own what it uses.
    let remote: Arc<Vec<(String, Option<String>)>> = Arc::new(
        image_sources(cut)
            .into_iter()
            .map(|src| {
                let to = image_url(&src);
                (src, to)
            })
            .collect(),
    );
    let count = Arc::new(AtomicUsize::new(0));
    let (seen, routes) = (count.clone(), remote.clone());
    let clean = ammonia::Builder::default()
        .link_rel(Some("noopener noreferrer"))
        .set_tag_attribute_value("a", "target", "_blank")
        .url_schemes(HashSet::from(["http", "https", "mailto"]))
        .attribute_filter(move |element, attribute, value| {
            if element != "img" || attribute != "src" {
                return Some(value.into());
            }
            if !is_remote(value) {
                return None;
            }
            seen.fetch_add(1, Ordering::Relaxed);
            routes
                .iter()
                .find(|(src, _)| src == value)
                .and_then(|(_, to)| to.clone())
                .map(Cow::Owned)
        })
        .clean(cut)
        .to_string();
    (clean, count.load(Ordering::Relaxed))
}

fn is_remote(src: &str) -> bool {
    let s = src.trim().to_ascii_lowercase();
    s.starts_with("http://") || s.starts_with("https://") || s.starts_with("//")
}

/// The `src` of every `img`, as the sanitizer will see it.
fn image_sources(html: &str) -> Vec<String> {
    let found = Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = found.clone();
    ammonia::Builder::default()
        .attribute_filter(move |element, attribute, value| {
            if element == "img" && attribute == "src" && is_remote(value) {
                sink.lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(value.to_owned());
            }
            Some(value.into())
        })
        .clean(html);
    let mut list = found.lock().unwrap_or_else(|e| e.into_inner());
    std::mem::take(&mut *list)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOSTILE: &str = r#"<p>Hello <b>there</b></p>
<script>window.pwned = 1</script>
<img src="x" onerror="window.pwned = 2">
<a href="javascript:alert(1)">click</a>
<a href="https://example.com/">a link</a>
<form action="https://evil.example/"><input name="p"></form>
<style>body { display: none }</style>
<img src="https://tracker.example/pixel.png" alt="pixel">"#;

    #[test]
    fn nothing_that_runs_or_loads_survives() {
        let (clean, remote) = sanitize(HOSTILE, &|_| None);
        for gone in [
            "<script",
            "onerror",
            "javascript:",
            "<form",
            "<input",
            "<style",
            "tracker.example",
            "pwned",
        ] {
            assert!(!clean.contains(gone), "{gone} in {clean}");
        }
        assert!(clean.contains("<b>there</b>"), "{clean}");
        let link = clean
            .split("<a href=\"https://example.com/\"")
            .nth(1)
            .unwrap_or_default();
        let link = link.split('>').next().unwrap_or_default();
        assert!(
            link.contains(r#"rel="noopener noreferrer""#) && link.contains(r#"target="_blank""#),
            "{clean}"
        );
        assert_eq!(remote, 1);
    }

    #[test]
    fn remote_images_go_through_our_url_when_asked() {
        let (clean, remote) = sanitize(HOSTILE, &|src| Some(format!("/proxy?u={}", src.len())));
        assert_eq!(remote, 1);
        assert!(clean.contains(r#"src="/proxy?u=33""#), "{clean}");
        assert!(!clean.contains("tracker.example"), "{clean}");
    }

    #[test]
    fn an_html_mail_shows_its_headers_and_sanitized_body() {
        let raw = format!(
            "From: Carla <carla@example.net>\r\nTo: support@example.com\r\nSubject: Hinge\r\n\
             Content-Type: text/html; charset=utf-8\r\n\r\n{HOSTILE}\r\n"
        );
        let o = original(raw.as_bytes(), &|_| None);
        assert_eq!(o.from, "Carla <carla@example.net>");
        assert_eq!(o.subject, "Hinge");
        assert_eq!(o.remote_images, 1);
        assert!(o.html.unwrap().contains("<b>there</b>"));
        let plain = original(b"From: a@b.c\r\nSubject: x\r\n\r\nJust text\r\n", &|_| None);
        assert_eq!(plain.html, None);
        assert_eq!(plain.text.trim(), "Just text");
    }
}

//! Reply templates (tera): validate what an admin saves, render what an
//! agent sends. Templates are admin-controlled but still treated as hostile
//! input: constructs that recurse or grow without bound are refused
//! ([`super::template_rules`]), output is capped, `range` is capped and
//! `get_env` is disabled so a template can neither crash the process,
//! exhaust memory with one loop nor mail out secrets. Callers on the async
//! runtime render through [`bounded`]: off the runtime, within a time budget.
use crate::domain::{Priority, Status};
use chrono::{DateTime, Utc};
use regex::Regex;
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::io::{self, Write};
use std::sync::LazyLock;
use tera::{Context, Tera};

/// The acknowledgement sent when a customer opens a ticket (text part).
pub const DEFAULT_ACKNOWLEDGEMENT_TEXT: &str = include_str!("../../templates/acknowledgement.txt");
/// Its HTML alternative (rendered with [`render_html`]).
pub const DEFAULT_ACKNOWLEDGEMENT_HTML: &str = include_str!("../../templates/acknowledgement.html");

/// Largest template source accepted (bytes).
pub const MAX_TEMPLATE_BYTES: usize = 64 * 1024;
/// Largest rendered output (bytes): rendering stops with an error beyond it.
pub const MAX_OUTPUT_BYTES: usize = 1024 * 1024;
/// Most items one `range(...)` call may produce (with loops nested at most
/// two deep, a million iterations).
pub const MAX_RANGE_ITEMS: usize = 1_000;
/// Longest a caller on the runtime waits for one render.
pub const RENDER_BUDGET: std::time::Duration = std::time::Duration::from_secs(2);

/// Why a template was rejected, with the line when tera names one
/// (syntax errors do; render errors such as a missing variable do not).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError {
    pub line: Option<usize>,
    pub message: String,
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "line {line}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for TemplateError {}

impl TemplateError {
    fn new(message: impl Into<String>) -> Self {
        Self {
            line: None,
            message: message.into(),
        }
    }
}

const TEXT_NAME: &str = "template.txt";
const HTML_NAME: &str = "template.html";

/// Compile-only validation, for the API to answer 422 naming the line.
/// Unknown filters and missing variables only show when rendering.
pub fn check(template: &str) -> Result<(), TemplateError> {
    compile(template, false).map(|_| ())
}

/// Renders a text template: no escaping.
pub fn render_text(template: &str, ctx: &Value) -> Result<String, TemplateError> {
    render(template, ctx, false)
}

/// Renders an HTML template: every `{{ value }}` is HTML-escaped unless the
/// template says `| safe`.
pub fn render_html(template: &str, ctx: &Value) -> Result<String, TemplateError> {
    render(template, ctx, true)
}

fn compile(template: &str, html: bool) -> Result<Tera, TemplateError> {
    if template.len() > MAX_TEMPLATE_BYTES {
        return Err(TemplateError::new(format!(
            "the template is {} bytes; at most {MAX_TEMPLATE_BYTES} are allowed",
            template.len()
        )));
    }
    let mut tera = Tera::default();
    tera.autoescape_on(if html { vec![".html"] } else { vec![] });
    tera.register_function("range", capped_range);
    tera.register_function("get_env", no_env);
    let name = if html { HTML_NAME } else { TEXT_NAME };
    // Parsed alone first, so what tera would resolve when adding it (an
    // import, a parent) is refused by our rules, not tera's.
    let parsed = tera::Template::new(name, None, template).map_err(|e| from_tera(&e))?;
    if let Some(why) = super::template_rules::refused(&parsed.ast) {
        return Err(TemplateError::new(why));
    }
    tera.add_raw_template(name, template)
        .map_err(|e| from_tera(&e))?;
    Ok(tera)
}

fn render(template: &str, ctx: &Value, html: bool) -> Result<String, TemplateError> {
    Compiled {
        tera: compile(template, html)?,
        html,
    }
    .render(ctx)
}

/// A template compiled once (under the same rules), to render for many
/// contexts: parsing a template costs more than rendering it.
pub struct Compiled {
    tera: Tera,
    html: bool,
}

impl Compiled {
    pub fn text(template: &str) -> Result<Self, TemplateError> {
        Ok(Self {
            tera: compile(template, false)?,
            html: false,
        })
    }

    pub fn html(template: &str) -> Result<Self, TemplateError> {
        Ok(Self {
            tera: compile(template, true)?,
            html: true,
        })
    }

    pub fn render(&self, ctx: &Value) -> Result<String, TemplateError> {
        if !ctx.is_object() {
            return Err(TemplateError::new(
                "the template context must be a JSON object",
            ));
        }
        let context = Context::from_value(ctx.clone()).map_err(|e| from_tera(&e))?;
        let name = if self.html { HTML_NAME } else { TEXT_NAME };
        let mut out = CappedWriter::default();
        match self.tera.render_to(name, &context, &mut out) {
            Ok(()) => String::from_utf8(out.buf)
                .map_err(|_| TemplateError::new("the rendered text is not valid UTF-8")),
            Err(_) if out.overflowed => Err(TemplateError::new(format!(
                "the rendered text is larger than {MAX_OUTPUT_BYTES} bytes"
            ))),
            Err(e) => Err(from_tera(&e)),
        }
    }
}

/// Runs `render` (any of the functions above) on the blocking pool, so a
/// slow template never stalls the runtime, and gives up after
/// [`RENDER_BUDGET`]. The static rules bound the work; this bounds the wait.
pub async fn bounded<T, F>(render: F) -> Result<T, TemplateError>
where
    F: FnOnce() -> Result<T, TemplateError> + Send + 'static,
    T: Send + 'static,
{
    let task = tokio::task::spawn_blocking(render);
    match tokio::time::timeout(RENDER_BUDGET, task).await {
        Ok(Ok(done)) => done,
        Ok(Err(e)) => Err(TemplateError::new(format!("rendering failed: {e}"))),
        Err(_) => Err(TemplateError::new(format!(
            "rendering took longer than {} seconds",
            RENDER_BUDGET.as_secs()
        ))),
    }
}

/// A writer that refuses to grow past [`MAX_OUTPUT_BYTES`], so a runaway
/// loop ends with an error instead of eating memory.
#[derive(Default)]
struct CappedWriter {
    buf: Vec<u8>,
    overflowed: bool,
}

impl Write for CappedWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        if self.buf.len() + data.len() > MAX_OUTPUT_BYTES {
            self.overflowed = true;
            return Err(io::Error::other("rendered output too large"));
        }
        self.buf.extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// pest's position marker in tera's syntax errors: ` --> 3:5`.
static POSITION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"-->\s*(\d+):(\d+)").expect("position regex"));

/// Walks tera's error chain: the line comes from the syntax error's position
/// marker, the message from its `= expected …` line; otherwise the message
/// is every layer but tera's generic "Failed to render …", joined.
fn from_tera(e: &tera::Error) -> TemplateError {
    let mut layers: Vec<String> = Vec::new();
    let mut current: Option<&dyn std::error::Error> = Some(e);
    while let Some(err) = current {
        layers.push(err.to_string());
        current = err.source();
    }
    for layer in &layers {
        if let Some(c) = POSITION.captures(layer) {
            let line = c[1].parse().ok();
            let expected = layer
                .lines()
                .find_map(|l| l.trim().strip_prefix("= "))
                .unwrap_or("syntax error");
            return TemplateError {
                line,
                message: format!("{expected} (column {})", &c[2]),
            };
        }
    }
    let generic = |l: &String| l.starts_with("Failed to render") && layers.len() > 1;
    let message = layers
        .iter()
        .filter(|l| !generic(l))
        .map(|l| {
            l.replace(TEXT_NAME, "template")
                .replace(HTML_NAME, "template")
        })
        .collect::<Vec<_>>()
        .join(": ");
    TemplateError::new(message)
}

/// `range(end=…, start=…, step_by=…)` like tera's, refusing more than
/// [`MAX_RANGE_ITEMS`] items (tera's builds the whole list in memory first).
fn capped_range(args: &HashMap<String, Value>) -> tera::Result<Value> {
    let arg = |name: &str, default: Option<usize>| -> tera::Result<usize> {
        match args.get(name) {
            Some(v) => v
                .as_u64()
                .and_then(|n| usize::try_from(n).ok())
                .ok_or_else(|| {
                    tera::Error::msg(format!(
                        "Function `range` received {name}={v} but `{name}` can only be a number"
                    ))
                }),
            None => default.ok_or_else(|| {
                tera::Error::msg(format!("Function `range` was called without `{name}`"))
            }),
        }
    };
    let (start, end, step) = (
        arg("start", Some(0))?,
        arg("end", None)?,
        arg("step_by", Some(1))?,
    );
    if step == 0 || start > end {
        return Err(tera::Error::msg(
            "Function `range` needs start <= end and step_by > 0",
        ));
    }
    if (end - start).div_ceil(step) > MAX_RANGE_ITEMS {
        return Err(tera::Error::msg(format!(
            "Function `range` may produce at most {MAX_RANGE_ITEMS} items"
        )));
    }
    Ok(Value::Array(
        (start..end).step_by(step).map(Value::from).collect(),
    ))
}

fn no_env(_: &HashMap<String, Value>) -> tera::Result<Value> {
    Err(tera::Error::msg(
        "Function `get_env` is disabled in Postdesk templates",
    ))
}

/// What a reply template sees. Optional values are left out when absent, so
/// `{% if agent %}` and `{{ requester.name | default(value="there") }}` work.
#[derive(Debug, Clone, Serialize)]
pub struct ReplyContext {
    pub ticket: TicketContext,
    pub requester: PersonContext,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent: Option<PersonContext>,
    /// Custom field values by field key.
    pub fields: BTreeMap<String, String>,
    /// Caller-supplied extra values (the API's `vars`).
    pub vars: serde_json::Map<String, Value>,
    pub email_domain: EmailDomainContext,
}

#[derive(Debug, Clone, Serialize)]
pub struct TicketContext {
    pub id: i64,
    pub short_id: String,
    pub subject: String,
    pub status: Status,
    pub priority: Priority,
    /// The requester's mail domain (`example.com`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from_domain: Option<String>,
    /// RFC 3339 in templates.
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PersonContext {
    pub email: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EmailDomainContext {
    pub address: String,
    pub name: String,
}

impl ReplyContext {
    /// The JSON object templates render against.
    pub fn to_value(&self) -> Value {
        // Serialising plain structs with string-keyed maps cannot fail; an
        // empty object would only surface as a missing-variable error.
        serde_json::to_value(self).unwrap_or_else(|_| Value::Object(Default::default()))
    }
}

#[cfg(test)]
#[path = "render_tests.rs"]
mod tests;

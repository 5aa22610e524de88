//! How the document describes the strings [`super::line`],
//! [`super::optional_line`] and [`super::text`] take, exactly: a field
//! that is one says `#[schema(value_type = OneLine)]` (or another of
//! these), so a client generated from the document sends what is accepted
//! and nothing that is refused.
//!
//! The patterns spell out Rust's rules: `trim` takes away the characters
//! with the Unicode White_Space property at either end, and what is left
//! may hold no control character (Unicode Cc).
use super::MAX_NAME;
use crate::api::ticket_changes::notes::COLOURS;
use crate::api::tickets::filters;
use crate::domain::{FieldType, Priority, Status};
use crate::domain::{Role, TlsMode};
use crate::service::passwords;
use crate::service::webhooks::{self, WebhookEvent};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{
    ArrayBuilder, KnownFormat, ObjectBuilder, Schema, SchemaFormat, Type,
};

/// What `trim` takes away (White_Space).
const SPACE: &str =
    r"[\t\n\u000b\u000c\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]";
/// Neither a control character nor a space.
const SHOWN: &str =
    r"[^\u0000-\u001f\u007f-\u009f \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]";
/// Not a control character.
const IN_LINE: &str = r"[^\u0000-\u001f\u007f-\u009f]";

/// Characters of a [`LongLine`].
pub const MAX_LONG_LINE: usize = 1000;

/// A name as `line` takes it: at most [`MAX_NAME`] characters, something
/// other than spaces, no control character once trimmed.
pub struct OneLine;

impl utoipa::PartialSchema for OneLine {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .min_length(Some(1))
            .max_length(Some(MAX_NAME))
            .pattern(Some(one_line_pattern()))
            .into()
    }
}

impl utoipa::ToSchema for OneLine {}

/// A one-line text that may be empty, as `optional_line` takes it, of at
/// most [`MAX_NAME`] characters (a tag's group).
pub struct OptionalLine;

impl utoipa::PartialSchema for OptionalLine {
    fn schema() -> RefOr<Schema> {
        optional_line_schema(MAX_NAME)
    }
}

impl utoipa::ToSchema for OptionalLine {}

/// [`OptionalLine`] of at most [`MAX_LONG_LINE`] characters (a template's
/// subject, a ban's reason).
pub struct LongLine;

impl utoipa::PartialSchema for LongLine {
    fn schema() -> RefOr<Schema> {
        optional_line_schema(MAX_LONG_LINE)
    }
}

impl utoipa::ToSchema for LongLine {}

/// A text as `text` takes it when it must not be empty: something that is
/// not a space.
pub struct FilledText;

impl utoipa::PartialSchema for FilledText {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .min_length(Some(1))
            .pattern(Some(r"\S"))
            .into()
    }
}

impl utoipa::ToSchema for FilledText {}

pub(super) fn one_line_pattern() -> String {
    format!("^{SPACE}*{IN_LINE}*{SHOWN}{IN_LINE}*{SPACE}*$")
}

pub(super) fn optional_line_pattern() -> String {
    format!("^{SPACE}*({IN_LINE}*{SHOWN})?{SPACE}*$")
}

fn one_line_schema(max: usize) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(Some(1))
        .max_length(Some(max))
        .pattern(Some(one_line_pattern()))
}

fn optional_line_schema(max: usize) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .max_length(Some(max))
        .pattern(Some(optional_line_pattern()))
        .into()
}

/// Declares a schema type whose schema `build()` makes.
macro_rules! schema_type {
    ($(#[$doc:meta])* $name:ident => $build:expr) => {
        $(#[$doc])*
        pub struct $name;

        impl utoipa::PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                $build.into()
            }
        }

        impl utoipa::ToSchema for $name {}
    };
}

schema_type!(
    /// A password for the pages, as `passwords::check` takes it.
    Password => ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(Some(passwords::MIN_CHARS))
        .max_length(Some(passwords::MAX_CHARS))
);

schema_type!(
    /// A custom field's type, as `FieldType::parse` takes it.
    FieldTypeName => ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(FieldType::ALL.map(FieldType::as_str)))
);

schema_type!(
    /// A custom field's scope, as `FieldScope::parse` takes it.
    FieldScopeName => ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(["ticket", "contact"]))
);

schema_type!(
    /// What agents may do with a custom field, as `FieldAccess::parse` takes it.
    FieldAccessName => ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(["edit", "view", "hidden"]))
);

schema_type!(
    /// A custom field's key: 1 to `MAX_KEY` of a-z, 0-9 and _.
    FieldKey => ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(format!("^[a-z0-9_]{{1,{}}}$", super::fields::MAX_KEY)))
);

schema_type!(
    /// A note's colour, as `notes::colour` takes it (any case, spaces
    /// around).
    NoteColour => ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(choice_pattern(&COLOURS, true, false)))
);

schema_type!(
    /// Statuses, one or a comma list (spaces around each); empty: not
    /// given.
    StatusList => ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(choice_pattern(&Status::ALL.map(Status::as_str), false, true)))
);

schema_type!(
    /// Priorities, one or a comma list (any case, spaces around each);
    /// empty: not given.
    PriorityList => ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(choice_pattern(&Priority::ALL.map(Priority::as_str), true, true)))
);

schema_type!(
    /// `assignee` and `created_by`: `me`, an id or `none`, or a comma list
    /// of them (spaces around each); empty: not given.
    PeopleList => ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(people_list_pattern()))
);

schema_type!(
    /// `team`, `topic` and `tag`: a name, an id or `none`, or a comma list
    /// of them (spaces around each); empty: not given.
    NameList => ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(name_list_pattern()))
);

schema_type!(
    /// `from_domain`: one name (spaces around); empty: not given.
    NameFilter => ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(name_filter_pattern()))
);

schema_type!(
    /// An email address (`EmailAddress::parse`).
    EmailText => email_schema()
);

fn email_schema() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Email)))
        .max_length(Some(MAX_EMAIL))
}

/// Longest address `EmailAddress::parse` takes.
const MAX_EMAIL: usize = 254;

schema_type!(
    /// A ban: an address, or `@` and a domain (`BanPattern::parse`; the
    /// document spells domains in ASCII).
    BanPatternText => utoipa::openapi::schema::OneOfBuilder::new()
        .item(email_schema())
        .item(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .max_length(Some(MAX_EMAIL))
                .pattern(Some(domain_ban_pattern())),
        )
);

/// `@` and a domain of ASCII labels of 1 to 63 characters, none starting
/// with `xn--` (a punycode label must decode), with spaces around and dots
/// after.
fn domain_ban_pattern() -> String {
    let c = "[A-Za-z0-9_-]";
    let label = format!(
        "([A-WYZa-wyz0-9_-]{c}{{0,62}}|[Xx]([A-MO-Za-mo-z0-9_-]{c}{{0,61}}|[Nn]([A-Za-z0-9_]{c}{{0,60}}|-([A-Za-z0-9_]{c}{{0,59}})?)?)?)"
    );
    format!(r"^{SPACE}*@{label}(\.{label})*\.*{SPACE}*$")
}

schema_type!(
    /// A webhook's target as `webhooks::parse_url` takes it, spelled in
    /// ASCII: http or https, a host name whose last label starts with a
    /// letter (a number there reads as an IPv4 address), a port and a
    /// plain path. Hosts the configuration does not allow are a 403.
    WebhookUrl => ObjectBuilder::new()
        .schema_type(Type::String)
        .max_length(Some(webhooks::MAX_URL_CHARS))
        .pattern(Some(webhook_url_pattern()))
);

fn webhook_url_pattern() -> String {
    let label = "[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?";
    let last = "[A-Za-z]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?";
    format!(
        "^{SPACE}*[hH][tT][tT][pP][sS]?://({label}\\.)*{last}(:[1-9][0-9]{{0,3}})?(/[A-Za-z0-9._~/-]*)?{SPACE}*$"
    )
}

schema_type!(
    /// Names as `validate::tags` takes them: at most `MAX_SET`, each a
    /// [`OneLine`].
    TagNames => ArrayBuilder::new()
        .items(OneLine::schema())
        .max_items(Some(crate::api::ticket_changes::validate::MAX_SET))
);

schema_type!(
    /// A select field's options: at most `MAX_OPTIONS`, each a [`OneLine`]
    /// (one listed twice is kept once).
    OptionNames => ArrayBuilder::new()
        .items(OneLine::schema())
        .max_items(Some(super::fields::MAX_OPTIONS))
);

schema_type!(
    /// An agent's role, any case, spaces around.
    RoleName => ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(choice_pattern(&Role::ALL.map(Role::as_str), true, false)))
);

schema_type!(
    /// How to speak TLS to a mail server, any case, spaces around.
    TlsName => ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(choice_pattern(&TlsMode::ALL.map(TlsMode::as_str), true, false)))
);

schema_type!(
    /// A ticket's subject: one line of at most `MAX_SUBJECT` characters.
    Subject => one_line_schema(crate::api::ticket_changes::validate::MAX_SUBJECT)
);

schema_type!(
    /// An IMAP folder's name: one line without quotes or backslashes.
    FolderName => ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(Some(1))
        .max_length(Some(MAX_NAME))
        .pattern(Some(folder_pattern(false)))
);

schema_type!(
    /// A folder for quarantined mail, or blank for none.
    OptionalFolder => ObjectBuilder::new()
        .schema_type(Type::String)
        .max_length(Some(MAX_NAME))
        .pattern(Some(folder_pattern(true)))
);

schema_type!(
    /// What to do with a mail once stored: `seen`, `delete` or
    /// `move:<Folder>` (any case, spaces around).
    AfterName => ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(after_pattern()))
);

/// Not a quote or a backslash.
const NOT_QUOTED: &str = "\"\\\\";

/// A one-line name without `"` or `\`; with `blank`, spaces alone too.
fn folder_pattern(blank: bool) -> String {
    let shown = format!("[^{NOT_QUOTED}{}", &SHOWN[2..]);
    let in_line = format!("[^{NOT_QUOTED}{}", &IN_LINE[2..]);
    match blank {
        false => format!("^{SPACE}*{in_line}*{shown}{in_line}*{SPACE}*$"),
        true => format!("^{SPACE}*({in_line}*{shown})?{SPACE}*$"),
    }
}

fn after_pattern() -> String {
    let folder = format!("[^\\r\\n{NOT_QUOTED}]");
    let shown = format!("[^\\r\\n{NOT_QUOTED}{}", &SPACE[1..]);
    format!(
        "^{SPACE}*({}|{}|{}:{folder}*{shown}{folder}*){SPACE}*$",
        any_case("seen"),
        any_case("delete"),
        any_case("move")
    )
}

schema_type!(
    /// A MIME type: `type/subtype`, parameters allowed (`; name=value`).
    MimeType => ObjectBuilder::new()
        .schema_type(Type::String)
        .max_length(Some(MAX_NAME))
        .pattern(Some(mime_pattern()))
);

fn mime_pattern() -> String {
    let token = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
    // A quoted value is not empty: the MIME parser that sends refuses `""`.
    format!("^{token}/{token}(; ?{token}=({token}|\"[ !#-\\[\\]-~]+\"))*$")
}

schema_type!(
    /// Bytes in standard base64, padded (canonical: unused bits zero).
    Base64 => ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(base64_pattern()))
);

fn base64_pattern() -> String {
    let c = "[A-Za-z0-9+/]";
    format!("^({c}{{4}})*({c}[AQgw]==|{c}{{2}}[AEIMQUYcgkosw048]=)?$")
}

schema_type!(
    /// A status an agent may set (overdue is the system's).
    SettableStatus => ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(
            Status::ALL
                .into_iter()
                .filter(|s| *s != Status::Overdue)
                .map(Status::as_str),
        ))
);

schema_type!(
    /// A priority, any case, spaces around.
    PriorityName => ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(choice_pattern(&Priority::ALL.map(Priority::as_str), true, false)))
);

schema_type!(
    /// An RFC 3339 time, such as 2026-12-31T23:59:59Z.
    Rfc3339 => ObjectBuilder::new()
        .schema_type(Type::String)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
);

schema_type!(
    /// A webhook's secret (write-only).
    WebhookSecret => ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(Some(webhooks::MIN_SECRET_CHARS))
        .max_length(Some(webhooks::MAX_SECRET_CHARS))
);

schema_type!(
    /// A webhook event's name (spaces around allowed).
    WebhookEventName => ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(choice_pattern(&WebhookEvent::ALL.map(WebhookEvent::as_str), false, false)))
);

schema_type!(
    /// A mail server's host name: one word, spaces around allowed.
    HostName => ObjectBuilder::new()
        .schema_type(Type::String)
        .max_length(Some(super::domain_body::MAX_HOST))
        .pattern(Some(format!("^{SPACE}*{SHOWN}+{SPACE}*$")))
);

schema_type!(
    /// A mail server's user name: one line.
    ServerUser => ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(Some(1))
        .max_length(Some(super::domain_body::MAX_USER))
        .pattern(Some(one_line_pattern()))
);

schema_type!(
    /// A mail server's password (write-only).
    ServerPassword => ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(Some(1))
        .max_length(Some(super::domain_body::MAX_PASSWORD))
);

schema_type!(
    /// A TCP port.
    Port => ObjectBuilder::new()
        .schema_type(Type::Integer)
        .minimum(Some(1))
        .maximum(Some(u16::MAX))
);

/// A comma list of one to `MAX_LIST` of `item`, or nothing.
fn filter_list(item: &str) -> String {
    format!("^({item}(,{item}){{0,{}}})?$", filters::MAX_LIST - 1)
}

fn people_list_pattern() -> String {
    let id = format!("[0-9]{{1,{}}}", filters::MAX_ID_DIGITS);
    filter_list(&format!("{SPACE}*(me|none|{id}){SPACE}*"))
}

/// Not a space and not `extra`.
fn shown_but(extra: &str) -> String {
    format!("[^{extra}{}", &SPACE[1..])
}

/// Something that is not a space, among `any`.
fn filter_name(any: &str, shown: &str) -> String {
    format!("{SPACE}*{shown}{any}*")
}

fn name_list_pattern() -> String {
    filter_list(&filter_name("[^,]", &shown_but(",")))
}

fn name_filter_pattern() -> String {
    format!("^({})?$", filter_name(r"[\s\S]", &shown_but("")))
}

/// One of `names` with spaces around it (any ASCII case with `any_case`);
/// with `list`, a comma list of them, or nothing.
/// `name` in any ASCII case, as a pattern.
fn any_case(name: &str) -> String {
    name.chars()
        .map(|c| match c.is_ascii_alphabetic() {
            true => format!("[{}{}]", c.to_ascii_lowercase(), c.to_ascii_uppercase()),
            false => regex::escape(&c.to_string()),
        })
        .collect()
}

fn choice_pattern(names: &[&str], any_case: bool, list: bool) -> String {
    let spelled: Vec<String> = names
        .iter()
        .map(|name| match any_case {
            true => self::any_case(name),
            false => regex::escape(name),
        })
        .collect();
    let item = format!("{SPACE}*({}){SPACE}*", spelled.join("|"));
    match list {
        true => format!("^({item}(,{item})*)?$"),
        false => format!("^{item}$"),
    }
}

#[cfg(test)]
mod tests {
    use super::super::{line, optional_line};
    use super::*;

    /// Every string of up to three characters from a set with each kind
    /// the rules tell apart: the schema allows it exactly when the
    /// function takes it.
    #[test]
    fn the_patterns_allow_exactly_what_the_functions_take() {
        let one = regex::Regex::new(&one_line_pattern()).unwrap();
        let optional = regex::Regex::new(&optional_line_pattern()).unwrap();
        let chars = [
            'a', 'é', ' ', '\t', '\r', '\u{a0}', '\u{3000}', '\u{85}', '\u{1c}', '\u{7f}',
            '\u{200b}', '🚀',
        ];
        let mut strings = vec![String::new()];
        for _ in 0..3 {
            let longer: Vec<String> = strings
                .iter()
                .flat_map(|s| chars.iter().map(move |c| format!("{s}{c}")))
                .collect();
            strings.extend(longer);
        }
        strings.sort();
        strings.dedup();
        for s in &strings {
            let accepted = line("name", s, MAX_NAME).is_ok();
            assert_eq!(
                one.is_match(s),
                accepted,
                "{s:?}: OneLine allows it: {}",
                !accepted
            );
            let accepted = optional_line("group", s, MAX_NAME).is_ok();
            assert_eq!(
                optional.is_match(s),
                accepted,
                "{s:?}: OptionalLine allows it: {}",
                !accepted
            );
        }
        // The length is counted as given, before trimming.
        let padded = format!(" {}", "x".repeat(MAX_NAME));
        assert!(line("name", &padded, MAX_NAME).is_err());
    }

    /// A list filter's pattern allows exactly what `parse` takes of each
    /// comma-separated part, as the list filters read them.
    #[test]
    fn the_choice_patterns_allow_exactly_what_the_parsers_take() {
        let status = regex::Regex::new(&choice_pattern(
            &Status::ALL.map(Status::as_str),
            false,
            true,
        ))
        .unwrap();
        let priority = regex::Regex::new(&choice_pattern(
            &Priority::ALL.map(Priority::as_str),
            true,
            true,
        ))
        .unwrap();
        let colour = regex::Regex::new(&choice_pattern(&COLOURS, true, false)).unwrap();
        let samples = [
            "",
            "open",
            " open , pending",
            "OPEN",
            "Urgent",
            "low,urgent",
            "low,",
            ",low",
            "low,,high",
            "\u{a0}high\t",
            "lowx",
            "open pending",
            " ",
            "Blue",
            " red ",
            "red,blue",
        ];
        let each =
            |s: &str, ok: &dyn Fn(&str) -> bool| s.is_empty() || s.split(',').all(|p| ok(p.trim()));
        for s in samples {
            assert_eq!(
                status.is_match(s),
                each(s, &|p| Status::parse(p).is_ok()),
                "status {s:?}"
            );
            assert_eq!(
                priority.is_match(s),
                each(s, &|p| Priority::parse(p).is_ok()),
                "priority {s:?}"
            );
            let one = crate::api::ticket_changes::notes::colour(s).is_ok();
            assert_eq!(colour.is_match(s), one, "colour {s:?}");
        }
    }

    /// The list filters' patterns allow exactly what `GET tickets` takes
    /// of each comma-separated part.
    #[test]
    fn the_filter_patterns_allow_exactly_what_the_list_takes() {
        let people = regex::Regex::new(&people_list_pattern()).unwrap();
        let names = regex::Regex::new(&name_list_pattern()).unwrap();
        let one_name = regex::Regex::new(&name_filter_pattern()).unwrap();
        let long = "x".repeat(1000);
        let many = vec!["1"; filters::MAX_LIST].join(",");
        let too_many = format!("{many},2");
        let samples = [
            "",
            "me",
            "none",
            "7",
            " 7 , me",
            "+7",
            "-7",
            "7x",
            "me,",
            ",me",
            "1,,2",
            " ",
            "\u{a0}12\t",
            "123456789012345678",
            "1234567890123456789",
            "Billing",
            "a b",
            "\u{3000}x\u{3000}",
            "é",
            "x,y",
            long.as_str(),
            many.as_str(),
            too_many.as_str(),
            "\n",
            "a\u{1}b",
        ];
        let parts = |s: &str, ok: &dyn Fn(&str) -> bool| {
            s.is_empty()
                || (s.split(',').count() <= filters::MAX_LIST && s.split(',').all(|p| ok(p.trim())))
        };
        let person = |p: &str| p == "me" || filters::id_or_none("assignee", p).is_ok();
        let name = |p: &str| p == "none" || filters::name("team", p).is_ok();
        for s in samples {
            assert_eq!(people.is_match(s), parts(s, &person), "people {s:?}");
            assert_eq!(names.is_match(s), parts(s, &name), "names {s:?}");
            let whole = s.is_empty() || filters::name("from_domain", s).is_ok();
            assert_eq!(one_name.is_match(s), whole, "name {s:?}");
        }
    }

    /// The ban and webhook patterns allow only what the parsers take, and
    /// take the plain shapes they name.
    #[test]
    fn the_ban_and_url_patterns_allow_only_what_the_parsers_take() {
        use crate::domain::BanPattern;
        use crate::service::webhooks::{parse_url, targets::Targets};
        let ban = regex::Regex::new(&domain_ban_pattern()).unwrap();
        let url = regex::Regex::new(&webhook_url_pattern()).unwrap();
        let bans = [
            ("@example.com", true),
            (" @Example.COM. ", true),
            ("@a_b-c.d", true),
            ("@localhost", true),
            ("@xn--abc.com", false),
            ("@-a.com", true),
            ("@ab--c.com", true),
            ("@a-.b", true),
            ("@xn.com", true),
            ("@xn-.com", true),
            ("@x.xn-a", true),
            ("@xn--a.com", false),
            ("@a..b", false),
            ("@", false),
            ("example.com", false),
            ("@a b.com", false),
        ];
        for (s, shape) in bans {
            assert_eq!(ban.is_match(s), shape, "ban {s:?}");
            if shape {
                assert!(BanPattern::parse(s).is_ok(), "{s:?}");
            }
        }
        let targets = Targets::default();
        let urls = [
            ("https://hooks.example.com/in", true),
            (" HTTP://Example.com:8080/a/b_c ", true),
            ("http://a-b.example", true),
            ("http://example.123", false),
            ("ftp://a.com", false),
            ("http://a.com/?q=1", false),
            ("http://", false),
            ("http://a.com:0", false),
        ];
        for (s, shape) in urls {
            assert_eq!(url.is_match(s), shape, "url {s:?}");
            if shape {
                assert!(parse_url(s, &targets).is_ok(), "{s:?}");
            }
        }
    }

    /// Folder, after, MIME type and base64 patterns allow only what the
    /// parsers take.
    #[test]
    fn the_mail_setting_patterns_allow_only_what_the_parsers_take() {
        use crate::domain::AfterAction;
        let after = regex::Regex::new(&after_pattern()).unwrap();
        for (s, ok) in [
            ("seen", true),
            (" Delete ", true),
            ("move:Archive", true),
            ("MOVE: Old mail ", true),
            ("move:", false),
            ("move:a\"b", false),
            ("move: ", false),
            ("keep", false),
        ] {
            assert_eq!(after.is_match(s), ok, "after {s:?}");
            assert_eq!(AfterAction::parse(s).is_ok(), ok, "after parse {s:?}");
        }
        let folder = regex::Regex::new(&folder_pattern(false)).unwrap();
        let blank = regex::Regex::new(&folder_pattern(true)).unwrap();
        for (s, ok) in [
            ("INBOX", true),
            (" Old mail ", true),
            ("", false),
            (" ", false),
            ("a\"b", false),
            ("a\\b", false),
            ("a\u{1}", false),
        ] {
            assert_eq!(folder.is_match(s), ok, "folder {s:?}");
            assert_eq!(blank.is_match(s), ok || s.trim().is_empty(), "blank {s:?}");
        }
        let mime = regex::Regex::new(&mime_pattern()).unwrap();
        for (s, ok) in [
            ("application/pdf", true),
            ("text/csv; charset=utf-8", true),
            ("text/plain;name=\"a b\"", true),
            ("text", false),
            ("a/b c", false),
            ("", false),
            ("a/b; c=x", true),
            ("a/b;c=\"x\"", true),
            ("a/b ; c=x", false),
            ("a/b; c=\"\u{7f}\"", false),
        ] {
            assert_eq!(mime.is_match(s), ok, "mime {s:?}");
            if ok {
                assert!(
                    lettre::message::header::ContentType::parse(s).is_ok(),
                    "{s:?}"
                );
            }
        }
        let base64 = regex::Regex::new(&base64_pattern()).unwrap();
        for s in [
            "", "YQ==", "YWI=", "YWJj", "YR==", "YWJ=", "YQ", "Y===", "YWJj\n",
        ] {
            let decodes = data_encoding::BASE64.decode(s.as_bytes()).is_ok();
            assert_eq!(base64.is_match(s), decodes, "base64 {s:?}");
        }
    }
}

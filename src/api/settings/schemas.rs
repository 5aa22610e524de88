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
use crate::service::passwords;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};

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
fn choice_pattern(names: &[&str], any_case: bool, list: bool) -> String {
    let spelled: Vec<String> = names
        .iter()
        .map(|name| match any_case {
            true => name
                .chars()
                .map(|c| match c.is_ascii_alphabetic() {
                    true => format!("[{}{}]", c.to_ascii_lowercase(), c.to_ascii_uppercase()),
                    false => regex::escape(&c.to_string()),
                })
                .collect(),
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
}

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
}

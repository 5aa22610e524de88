//! Times in answers (JSON and CSV): RFC 3339 in UTC, to the microsecond,
//! with `Z`: one fixed width, so times compare as text too.
use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serializer;

/// An RFC 3339 time in a request's `field`.
pub fn parse(field: &str, value: &str) -> Result<DateTime<Utc>, crate::api::error::ApiError> {
    DateTime::parse_from_rfc3339(value.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| {
            crate::api::error::ApiError::invalid(
                field,
                format!("{value:?} is not an RFC 3339 time such as 2026-12-31T23:59:59Z"),
            )
        })
}

pub fn format(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// `#[serde(serialize_with = "crate::api::time::utc")]`
pub fn utc<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format(t))
}

/// `#[serde(serialize_with = "crate::api::time::utc_opt")]`
pub fn utc_opt<S: Serializer>(t: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => utc(t, s),
        None => s.serialize_none(),
    }
}

/// [`utc_opt`] of a value that may itself be left out (outer None,
/// skipped by the field) or null (inner None).
pub fn utc_opt_opt<S: Serializer>(
    t: &Option<Option<DateTime<Utc>>>,
    s: S,
) -> Result<S::Ok, S::Error> {
    utc_opt(&t.flatten(), s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_time_has_the_same_width_and_sorts_as_text() {
        let whole = DateTime::parse_from_rfc3339("2025-05-01T00:00:00+00:00").unwrap();
        let later = DateTime::parse_from_rfc3339("2025-05-01T02:00:00.5+02:00").unwrap();
        let (a, b) = (format(&whole.to_utc()), format(&later.to_utc()));
        assert_eq!(a, "2025-05-01T00:00:00.000000Z");
        assert_eq!(b, "2025-05-01T00:00:00.500000Z");
        assert!(a < b);
    }
}

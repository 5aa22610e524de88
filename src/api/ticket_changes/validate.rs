//! Checks shared by the endpoints that change or open tickets. Each turns a
//! request value into what the store takes, or a 422 naming the field.
use crate::api::error::{ApiError, ApiResult};
use crate::domain::{EmailDomain, FieldScope, Priority, Role, Status};
use crate::store::Store;
use crate::store::ticket_changes::FieldChange;
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};
use std::collections::BTreeSet;

/// Names: tags, topics, template names.
pub const MAX_NAME: usize = 200;
pub const MAX_SUBJECT: usize = 500;
pub const MAX_DESCRIPTION: usize = 10_000;
/// Replies and notes.
pub const MAX_BODY: usize = 100_000;
/// Teams or tags on one ticket.
pub const MAX_SET: usize = 100;

/// For `Option<Option<T>>` fields: absent → None, null → Some(None).
pub fn nullable<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// `value` if it has at most `max` characters.
pub fn limited(field: &str, value: String, max: usize) -> ApiResult<String> {
    if value.chars().count() > max {
        return Err(ApiError::invalid(
            field,
            format!("{field} is longer than {max} characters"),
        ));
    }
    Ok(value)
}

/// A name as the settings take one (`settings::line`, documented as
/// `OneLine`): one line, not empty, at most `MAX_NAME` characters.
pub fn name(field: &str, value: &str) -> ApiResult<String> {
    crate::api::settings::line(field, value, MAX_NAME)
}

/// A status an agent may set: open, pending or resolved.
pub fn status(value: &str) -> ApiResult<Status> {
    match Status::parse(value) {
        Ok(Status::Overdue) => Err(ApiError::invalid(
            "status",
            "overdue is set by the system when a ticket passes its due time; choose open, pending or resolved",
        )),
        Ok(s) => Ok(s),
        Err(_) => Err(ApiError::invalid(
            "status",
            format!("status must be open, pending or resolved, not {value:?}"),
        )),
    }
}

pub fn priority(value: &str) -> ApiResult<Priority> {
    Priority::parse(value).map_err(|e| ApiError::invalid("priority", e.0))
}

/// An active agent to assign.
pub async fn assignee(store: &Store, id: i64) -> ApiResult<i64> {
    match store.agent_active(id).await? {
        Some(true) => Ok(id),
        Some(false) => Err(ApiError::conflict(
            "assignee_id",
            format!("agent {id} is deactivated"),
        )),
        None => Err(ApiError::reference(
            "assignee_id",
            format!("agent {id} does not exist"),
        )),
    }
}

/// Existing teams, each once.
pub async fn teams(store: &Store, ids: Vec<i64>) -> ApiResult<Vec<i64>> {
    let ids: Vec<i64> = ids
        .into_iter()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    if ids.len() > MAX_SET {
        return Err(ApiError::invalid(
            "team_ids",
            format!("a ticket can be in at most {MAX_SET} teams"),
        ));
    }
    match store.missing_teams(&ids).await?.first() {
        Some(id) => Err(ApiError::reference(
            "team_ids",
            format!("team {id} does not exist"),
        )),
        None => Ok(ids),
    }
}

/// Tag names, trimmed, each once.
pub fn tags(names: Vec<String>) -> ApiResult<Vec<String>> {
    if names.len() > MAX_SET {
        return Err(ApiError::invalid(
            "tags",
            format!("a ticket can have at most {MAX_SET} tags"),
        ));
    }
    let mut seen = BTreeSet::new();
    for (i, n) in names.iter().enumerate() {
        seen.insert(name(&format!("tags[{i}]"), n)?);
    }
    Ok(seen.into_iter().collect())
}

/// Ticket custom field values checked against their definitions; null
/// removes one.
pub async fn fields(
    store: &Store,
    role: Role,
    values: Map<String, Value>,
) -> ApiResult<Vec<FieldChange>> {
    scoped_fields(store, FieldScope::Ticket, role, values).await
}

/// Custom field values of `scope` checked against their definitions and
/// what someone of `role` may change: a field they do not see is no field
/// to them; one they only see is a 403 naming it.
pub async fn scoped_fields(
    store: &Store,
    scope: FieldScope,
    role: Role,
    values: Map<String, Value>,
) -> ApiResult<Vec<FieldChange>> {
    if values.is_empty() {
        return Ok(Vec::new());
    }
    let defs = store.fields_in(scope).await?;
    let mut changes = Vec::with_capacity(values.len());
    for (key, value) in values {
        let field = format!("fields.{key}");
        let def = defs
            .iter()
            .find(|d| d.key == key && d.agent_access.seen_by(role))
            .ok_or_else(|| {
                ApiError::reference(&field, format!("there is no custom field {key:?}"))
            })?;
        if !def.agent_access.edited_by(role) {
            return Err(ApiError::forbidden(format!(
                "{field} is for agents to see, not to change: ask an admin"
            ))
            .field(&field));
        }
        let field_type = def.field_type;
        let value = match value {
            Value::Null => None,
            v => Some(
                field_type
                    .store(&v, &def.options)
                    .map_err(|e| ApiError::invalid(&field, format!("{field} {}", e.0)))?,
            ),
        };
        changes.push(FieldChange {
            field_id: def.id,
            key,
            field_type,
            value,
        });
    }
    Ok(changes)
}

/// An existing email domain.
pub async fn email_domain(store: &Store, id: i64) -> ApiResult<EmailDomain> {
    store.email_domain(id).await?.ok_or_else(|| {
        ApiError::reference(
            "email_domain_id",
            format!("email domain {id} does not exist"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agents_cannot_set_overdue_and_unknown_statuses_name_the_choices() {
        assert_eq!(status("resolved").unwrap(), Status::Resolved);
        let overdue = status("overdue").unwrap_err();
        assert_eq!(overdue.field.as_deref(), Some("status"));
        assert!(overdue.message.contains("system"), "{}", overdue.message);
        let closed = status("closed").unwrap_err();
        assert!(closed.message.contains("open, pending or resolved"));
    }

    #[test]
    fn tags_are_trimmed_deduplicated_and_blank_ones_named_by_index() {
        let got = tags(vec![" vip ".into(), "billing".into(), "vip".into()]).unwrap();
        assert_eq!(got, vec!["billing".to_string(), "vip".to_string()]);
        let blank = tags(vec!["ok".into(), "  ".into()]).unwrap_err();
        assert_eq!(blank.field.as_deref(), Some("tags[1]"));
        let long = tags(vec!["x".repeat(MAX_NAME + 1)]).unwrap_err();
        assert!(long.message.contains("200 characters"), "{}", long.message);
    }

    #[test]
    fn a_null_is_told_apart_from_an_absent_value() {
        #[derive(serde::Deserialize)]
        struct P {
            #[serde(default, deserialize_with = "nullable")]
            a: Option<Option<i64>>,
        }
        let absent: P = serde_json::from_str("{}").unwrap();
        let null: P = serde_json::from_str(r#"{"a":null}"#).unwrap();
        let set: P = serde_json::from_str(r#"{"a":3}"#).unwrap();
        assert_eq!((absent.a, null.a, set.a), (None, Some(None), Some(Some(3))));
    }
}

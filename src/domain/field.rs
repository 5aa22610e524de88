//! Custom fields: their types, and how a value of each is checked, stored
//! (as text) and shown (as JSON).
use super::{Invalid, Role};
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    Text,
    Number,
    /// `YYYY-MM-DD`.
    Date,
    /// One of the definition's options.
    Select,
    Checkbox,
}

/// What a custom field belongs to: each ticket, or each contact (the
/// customer, across their tickets).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldScope {
    Ticket,
    Contact,
}

impl FieldScope {
    pub fn as_str(self) -> &'static str {
        match self {
            FieldScope::Ticket => "ticket",
            FieldScope::Contact => "contact",
        }
    }

    pub fn parse(s: &str) -> Result<Self, Invalid> {
        match s {
            "ticket" => Ok(FieldScope::Ticket),
            "contact" => Ok(FieldScope::Contact),
            _ => Err(Invalid(format!(
                "scope must be ticket or contact, not {s:?}"
            ))),
        }
    }

    /// The table holding this scope's values.
    pub fn values_table(self) -> &'static str {
        match self {
            FieldScope::Ticket => "ticket_field_values",
            FieldScope::Contact => "contact_field_values",
        }
    }
}

/// What agents may do with a custom field; admins always see and edit all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldAccess {
    Edit,
    View,
    Hidden,
}

impl FieldAccess {
    pub const ALL: [FieldAccess; 3] = [FieldAccess::Edit, FieldAccess::View, FieldAccess::Hidden];

    pub fn as_str(self) -> &'static str {
        match self {
            FieldAccess::Edit => "edit",
            FieldAccess::View => "view",
            FieldAccess::Hidden => "hidden",
        }
    }

    pub fn parse(s: &str) -> Result<Self, Invalid> {
        Self::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| {
                Invalid(format!(
                    "agent_access must be edit, view or hidden, not {s:?}"
                ))
            })
    }

    /// Whether someone of `role` sees the field's values.
    pub fn seen_by(self, role: Role) -> bool {
        role == Role::Admin || self != FieldAccess::Hidden
    }

    /// Whether someone of `role` may change the field's values.
    pub fn edited_by(self, role: Role) -> bool {
        role == Role::Admin || self == FieldAccess::Edit
    }
}

/// The longest text a field value may hold.
pub const MAX_FIELD_TEXT: usize = 10_000;

impl FieldType {
    pub const ALL: [FieldType; 5] = [
        FieldType::Text,
        FieldType::Number,
        FieldType::Date,
        FieldType::Select,
        FieldType::Checkbox,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FieldType::Text => "text",
            FieldType::Number => "number",
            FieldType::Date => "date",
            FieldType::Select => "select",
            FieldType::Checkbox => "checkbox",
        }
    }

    pub fn parse(s: &str) -> Result<Self, Invalid> {
        Self::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| {
                Invalid(format!(
                    "type must be text, number, date, select or checkbox, not {s:?}"
                ))
            })
    }

    /// Checks a JSON value against this type and returns its stored text.
    pub fn store(self, value: &Value, options: &[String]) -> Result<String, Invalid> {
        let bad = |what: &str| Invalid(format!("must be {what}, not {value}"));
        match self {
            FieldType::Text => match value {
                Value::String(s) if s.chars().count() <= MAX_FIELD_TEXT => Ok(s.clone()),
                Value::String(_) => Err(Invalid(format!(
                    "is longer than {MAX_FIELD_TEXT} characters"
                ))),
                _ => Err(bad("a string")),
            },
            FieldType::Number => match value {
                Value::Number(n) if n.as_f64().is_some_and(f64::is_finite) => Ok(n.to_string()),
                Value::String(s) if s.trim().parse::<f64>().is_ok_and(f64::is_finite) => {
                    Ok(s.trim().to_string())
                }
                _ => Err(bad("a number")),
            },
            FieldType::Date => match value {
                Value::String(s) if chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok() => {
                    Ok(s.clone())
                }
                _ => Err(bad("a date as YYYY-MM-DD")),
            },
            FieldType::Select => match value {
                Value::String(s) if options.iter().any(|o| o == s) => Ok(s.clone()),
                _ => Err(Invalid(format!(
                    "must be one of {}, not {value}",
                    options
                        .iter()
                        .map(|o| format!("{o:?}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ))),
            },
            FieldType::Checkbox => match value {
                Value::Bool(b) => Ok(b.to_string()),
                _ => Err(bad("true or false")),
            },
        }
    }

    /// The JSON of a stored value.
    pub fn show(self, stored: &str) -> Value {
        match self {
            FieldType::Number => stored
                .parse::<serde_json::Number>()
                .map(Value::Number)
                .unwrap_or_else(|_| Value::String(stored.into())),
            FieldType::Checkbox => Value::Bool(stored == "true"),
            _ => Value::String(stored.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn each_type_accepts_its_values_and_names_what_it_wants() {
        let opts = vec!["gold".to_string(), "silver".to_string()];
        let cases: &[(FieldType, Value, Result<&str, &str>)] = &[
            (FieldType::Text, json!("hello"), Ok("hello")),
            (FieldType::Text, json!(5), Err("a string")),
            (FieldType::Number, json!(12.5), Ok("12.5")),
            (FieldType::Number, json!(" 7 "), Ok("7")),
            (FieldType::Number, json!("seven"), Err("a number")),
            (FieldType::Date, json!("2026-11-21"), Ok("2026-11-21")),
            (FieldType::Date, json!("21/11/2026"), Err("YYYY-MM-DD")),
            (FieldType::Select, json!("gold"), Ok("gold")),
            (
                FieldType::Select,
                json!("bronze"),
                Err("one of \"gold\", \"silver\""),
            ),
            (FieldType::Checkbox, json!(true), Ok("true")),
            (FieldType::Checkbox, json!("yes"), Err("true or false")),
        ];
        for (t, v, want) in cases {
            match (t.store(v, &opts), want) {
                (Ok(got), Ok(w)) => assert_eq!(&got, w, "{t:?} {v}"),
                (Err(e), Err(w)) => assert!(e.0.contains(w), "{t:?} {v}: {}", e.0),
                (got, w) => panic!("{t:?} {v}: got {got:?}, wanted {w:?}"),
            }
        }
    }

    #[test]
    fn agents_see_and_edit_as_the_access_says_and_admins_always() {
        let seen = FieldAccess::ALL.map(|a| (a.seen_by(Role::Agent), a.edited_by(Role::Agent)));
        assert_eq!(seen, [(true, true), (true, false), (false, false)]);
        assert!(
            FieldAccess::ALL
                .iter()
                .all(|a| a.seen_by(Role::Admin) && a.edited_by(Role::Admin))
        );
        assert_eq!(FieldAccess::parse("view").unwrap(), FieldAccess::View);
        assert!(
            FieldAccess::parse("read")
                .unwrap_err()
                .0
                .contains("edit, view or hidden")
        );
    }

    #[test]
    fn stored_values_show_as_their_json_types() {
        assert_eq!(FieldType::Number.show("12.5"), json!(12.5));
        assert_eq!(FieldType::Checkbox.show("true"), json!(true));
        assert_eq!(FieldType::Date.show("2026-11-21"), json!("2026-11-21"));
        assert_eq!(FieldType::parse("select").unwrap().as_str(), "select");
        assert!(FieldType::parse("colour").is_err());
    }
}

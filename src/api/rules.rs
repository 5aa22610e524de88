//! Rules between the fields of a body that the derived schemas cannot
//! say, added to the document's component schemas as JSON Schema
//! (`oneOf`, `anyOf`) beside their properties: a reply or a new ticket
//! gives `body` or `template`, never both; `options` go with select
//! fields only, and a select field has some; a transfer names an agent
//! or teams.
use crate::domain::FieldType;
use serde_json::{Value, json};
use utoipa::openapi::schema::Schema;
use utoipa::openapi::{OpenApi, RefOr};

/// Adds each rule to the schema it belongs to.
pub fn document(doc: &mut OpenApi) {
    let Some(components) = doc.components.as_mut() else {
        return;
    };
    let rules = [
        ("NewReply", "oneOf", body_or_template()),
        ("OpenTicket", "oneOf", body_or_template()),
        ("NewField", "oneOf", options_by_type(false)),
        ("FieldPatch", "anyOf", options_by_type(true)),
        ("PreviewRequest", "anyOf", ticket_or_sample()),
        ("PatchTicket", "anyOf", topic_or_its_id()),
        ("Transfer", "anyOf", agent_or_teams()),
        ("AssistRequest", "anyOf", translate_says_into_what()),
    ];
    for (name, keyword, rule) in rules {
        if let Some(RefOr::T(Schema::Object(object))) = components.schemas.get_mut(name) {
            object
                .extensions
                .get_or_insert_with(Default::default)
                .insert(keyword.to_string(), rule);
        }
    }
}

/// A translation says into which language.
fn translate_says_into_what() -> Value {
    json!([
        {"properties": {"action": {"const": "rewrite"}}},
        {"required": ["language"], "properties": {"language": {"type": "string"}}},
    ])
}

/// A transfer names the agent or the teams it goes to (or both).
fn agent_or_teams() -> Value {
    json!([
        {"required": ["agent_id"], "properties": {"agent_id": {"type": "integer"}}},
        {"required": ["team_ids"], "properties": {"team_ids": {"type": "array"}}},
    ])
}

/// A topic by name or by id, not both (`topic_id: null` is given).
fn topic_or_its_id() -> Value {
    json!([
        {"properties": {"topic": {"type": "null"}}},
        {"not": {"required": ["topic_id"]}},
    ])
}

/// Text (something besides spaces, or attachments), or a template (with
/// its `vars`): exactly one.
fn body_or_template() -> Value {
    json!([
        {"required": ["body"], "properties": {
            "body": {"type": "string"}, "template": {"type": "null"}, "vars": {"type": "null"}},
         "anyOf": [
            {"properties": {"body": {"pattern": "\\S"}}},
            {"required": ["attachments"],
             "properties": {"attachments": {"type": "array", "minItems": 1}}}]},
        {"required": ["template"], "properties": {
            "template": {"type": "string"}, "body": {"type": "null"}}},
    ])
}

/// A ticket to render against, or sample data: not both.
fn ticket_or_sample() -> Value {
    json!([
        {"properties": {"ticket_id": {"type": "null"}, "sample": {"enum": [true, null]}}},
        {"required": ["ticket_id"], "properties": {
            "ticket_id": {"type": "integer"}, "sample": {"enum": [false, null]}}},
    ])
}

/// A select field with at least one option, or another type without
/// any; a change may also leave the type out (what is stored decides).
fn options_by_type(change: bool) -> Value {
    let others: Vec<&str> = FieldType::ALL
        .iter()
        .filter(|t| **t != FieldType::Select)
        .map(|t| t.as_str())
        .collect();
    let none = json!({"anyOf": [{"type": "null"}, {"type": "array", "maxItems": 0}]});
    let some = json!({"type": "array", "minItems": 1});
    let select = json!([FieldType::Select.as_str()]);
    Value::Array(match change {
        false => vec![
            json!({"properties": {"type": {"enum": select}, "options": some},
                "required": ["options"]}),
            json!({"properties": {"type": {"enum": others}, "options": none}}),
        ],
        true => vec![
            json!({"properties": {"type": {"type": "null"}}}),
            json!({"properties": {"type": {"enum": select},
                "options": {"anyOf": [{"type": "null"}, some]}}}),
            json!({"properties": {"type": {"enum": others}, "options": none}}),
        ],
    })
}

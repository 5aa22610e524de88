//! OpenAPI links from each operation that creates a row to the operations
//! on that row, so a client (and a stateful fuzzer) can follow the `id` a
//! creation answers into the paths that name it: `POST /bans` →
//! `GET|PATCH|DELETE /bans/{id}`, `POST /tickets` → `/tickets/{id}/…`,
//! and a ticket's new note → `/notes/{id}`.
//!
//! Written into the serialized document: utoipa 5 writes a link's
//! `operationId` as `operation_id`, which no client reads.
use serde_json::{Map, Value, json};

/// Creations whose rows live under another path than their own.
const ELSEWHERE: &[(&str, &str)] = &[("/api/v1/tickets/{id}/notes", "/api/v1/notes")];

const METHODS: [&str; 5] = ["get", "put", "post", "patch", "delete"];

/// Adds the links to every creation's success answers.
pub fn document(doc: &mut Value) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    let targets = targets(paths);
    for (path, item) in paths.iter_mut() {
        let Some(answers) = item
            .pointer_mut("/post/responses")
            .and_then(Value::as_object_mut)
        else {
            continue;
        };
        let home = ELSEWHERE
            .iter()
            .find(|(from, _)| from == path)
            .map_or(path.as_str(), |(_, to)| *to);
        let row = format!("{home}/{{id}}");
        let links: Map<String, Value> = targets
            .iter()
            .filter(|(target, _)| target.starts_with(&row))
            .map(|(_, id)| {
                let link =
                    json!({"operationId": id, "parameters": {"path.id": "$response.body#/id"}});
                (id.clone(), link)
            })
            .collect();
        if links.is_empty() {
            continue;
        }
        for (status, answer) in answers.iter_mut() {
            if status.starts_with('2') && answer.is_object() {
                answer["links"] = Value::Object(links.clone());
            }
        }
    }
}

/// Every operation on a path with `{id}`: (path, operationId).
fn targets(paths: &Map<String, Value>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (path, item) in paths.iter().filter(|(p, _)| p.contains("{id}")) {
        for method in METHODS {
            if let Some(id) = item
                .pointer(&format!("/{method}/operationId"))
                .and_then(Value::as_str)
            {
                out.push((path.clone(), id.to_string()));
            }
        }
    }
    out
}

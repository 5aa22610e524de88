//! The answers every operation can give besides its own, added to the
//! OpenAPI document from what each operation takes, as the shared layers
//! answer them: an unreadable parameter or body (400), a missing or bad
//! token (401) and too many bad tokens (429) where a token is required,
//! no such row where the path names one (404), a body that names a record
//! that does not exist or cannot be used now (409), a body over the limit
//! (413), and values the handler refuses where there is input (422).
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::request_body::RequestBody;
use utoipa::openapi::{ContentBuilder, OpenApi, Ref, RefOr, ResponseBuilder, Responses};

/// Adds the shared answers each operation does not list yet.
pub fn document(doc: &mut OpenApi) {
    for item in doc.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ];
        for operation in operations.into_iter().flatten() {
            for (status, why) in shared_answers(operation) {
                add(&mut operation.responses, status, why);
            }
        }
    }
}

/// The shared answers `operation` can give: (status, description).
fn shared_answers(operation: &Operation) -> Vec<(&'static str, &'static str)> {
    let parameters = operation.parameters.as_deref().unwrap_or_default();
    let in_path = parameters
        .iter()
        .any(|p| matches!(p.parameter_in, ParameterIn::Path));
    let in_query = parameters
        .iter()
        .any(|p| matches!(p.parameter_in, ParameterIn::Query));
    let body = operation.request_body.as_ref().is_some_and(has_content);
    let mut answers = Vec::new();
    if in_path || in_query || body {
        answers.push((
            "400",
            "A parameter or the body cannot be read as this operation's types",
        ));
    }
    if needs_token(operation) {
        answers.push((
            "401",
            "No token, or one that is unknown, revoked or expired",
        ));
        answers.push((
            "429",
            "Too many requests with bad tokens from this address (Retry-After)",
        ));
    }
    if in_path {
        answers.push(("404", "What the path names does not exist"));
    }
    if body {
        answers.push((
            "409",
            "A record the body names does not exist (`invalid_reference`), or the change \
             conflicts with what is stored; `field` names it",
        ));
        answers.push(("413", "The body is larger than the API accepts"));
    }
    if in_query || body {
        answers.push(("422", "A value is not acceptable; `field` names it"));
    }
    answers
}

fn has_content(body: &RequestBody) -> bool {
    !body.content.is_empty()
}

/// Whether the operation takes only a token: not when it lists an empty
/// requirement (public, a token optional). Without a list of its own it
/// has the document's (a token).
fn needs_token(operation: &Operation) -> bool {
    operation
        .security
        .as_ref()
        .is_none_or(|list| !list.iter().any(|r| r == &Default::default()))
}

fn add(responses: &mut Responses, status: &str, why: &str) {
    if responses.responses.contains_key(status) {
        return;
    }
    let content = ContentBuilder::new()
        .schema(Some(Ref::from_schema_name("ErrorBody")))
        .build();
    let response = ResponseBuilder::new()
        .description(why)
        .content("application/json", content)
        .build();
    responses
        .responses
        .insert(status.to_string(), RefOr::T(response));
}

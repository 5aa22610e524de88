//! The composer under a ticket's thread: a reply (typed, or from a
//! template with its variables), previewed exactly as it will be sent
//! (rendered, signed, addressed) before sending, or an internal note in a
//! colour. A refusal shows beside the composer with the draft kept.
use super::error::{PageError, PageResult};
use super::session::WebAgent;
use super::ticket;
use super::upload::Posted;
use crate::api::AppState;
use crate::api::error::ApiError;
use crate::api::ticket_changes::assist::AssistRequest;
use crate::api::ticket_changes::compose;
use crate::api::ticket_changes::notes;
use crate::outbound::compose::OutgoingAttachment;
use crate::service::replies::ReplyRequest;
use axum::Form;
use axum::extract::{FromRequest, Path, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::{Map, Value};

/// What the composer holds when the page is drawn.
#[derive(Debug, Default)]
pub struct Composer {
    pub mode: String,
    pub body: String,
    pub template: String,
    pub vars: String,
    pub colour: String,
    pub preview: Option<Preview>,
    pub error: Option<String>,
}

impl Composer {
    pub fn is_note(&self) -> bool {
        self.mode == "note"
    }
}

/// A reply as it will be sent.
#[derive(Debug)]
pub struct Preview {
    pub to: String,
    pub cc: String,
    pub subject: String,
    pub body: String,
}

/// The composer's form as posted.
#[derive(Debug, Default)]
pub struct Composed {
    /// reply | note
    mode: String,
    body: String,
    template: String,
    /// `name = value`, one per line.
    vars: String,
    colour: String,
    /// The newest message the page showed (the collision check).
    seen: Option<i64>,
    /// Uploaded files (from a multipart form).
    files: Vec<OutgoingAttachment>,
    /// The assistant's task (rewrite | translate) and the language.
    assist_action: String,
    assist_language: String,
}

/// The composer's form, urlencoded or multipart (with files).
pub struct ComposerForm(Composed);

impl FromRequest<AppState> for ComposerForm {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let posted = Posted::from_request(req, state).await?;
        let mut f = Composed {
            files: posted.files,
            ..Composed::default()
        };
        for (name, text) in posted.fields {
            match name.as_str() {
                "mode" => f.mode = text,
                "body" => f.body = text,
                "template" => f.template = text,
                "vars" => f.vars = text,
                "colour" => f.colour = text,
                "seen_message_id" => f.seen = text.trim().parse().ok(),
                "assist_action" => f.assist_action = text,
                "assist_language" => f.assist_language = text,
                _ => {}
            }
        }
        Ok(Self(f))
    }
}

impl Composed {
    fn draft(&self) -> Composer {
        Composer {
            mode: self.mode.clone(),
            body: self.body.clone(),
            template: self.template.clone(),
            vars: self.vars.clone(),
            colour: self.colour.clone(),
            preview: None,
            error: None,
        }
    }

    /// The reply this asks for, checked as the API checks it.
    fn request(&self, ticket_id: i64, agent: &WebAgent) -> Result<ReplyRequest, ApiError> {
        let (body, template, vars) = if self.template.trim().is_empty() {
            (Some(self.body.clone()), None, None)
        } else {
            (
                None,
                Some(self.template.trim().to_owned()),
                Some(vars(&self.vars)?),
            )
        };
        let (body, _) = compose::content(body, template, vars, None)?;
        Ok(ReplyRequest {
            ticket_id,
            agent_id: Some(agent.agent_id),
            body,
            attachments: compose::outgoing(self.files.clone())?,
        })
    }
}

/// `name = value` lines as a template's variables.
pub(super) fn vars(text: &str) -> Result<Map<String, Value>, ApiError> {
    let mut out = Map::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let Some((name, value)) = line.split_once('=') else {
            return Err(ApiError::invalid(
                "vars",
                format!("write each variable as name = value, not {line:?}"),
            ));
        };
        out.insert(
            name.trim().to_owned(),
            Value::String(value.trim().to_owned()),
        );
    }
    Ok(out)
}

/// Send: a reply to the customer, or an internal note.
pub async fn send(
    State(state): State<AppState>,
    agent: WebAgent,
    Path(id): Path<i64>,
    ComposerForm(f): ComposerForm,
) -> PageResult<Response> {
    let sent = if f.mode == "note" {
        note(&state, &agent, id, &f).await
    } else {
        match f.request(id, &agent) {
            Ok(req) => state
                .replies
                .reply_after(req, f.seen)
                .await
                .map(|_| ())
                .map_err(compose::reply_error),
            Err(e) => Err(e),
        }
    };
    match sent {
        Ok(()) => Ok(Redirect::to(&format!("/tickets/{id}")).into_response()),
        Err(e) => refused(&state, &agent, id, f.draft(), e).await,
    }
}

async fn note(state: &AppState, agent: &WebAgent, id: i64, f: &Composed) -> Result<(), ApiError> {
    let text = notes::body(f.body.clone())?;
    let colour = notes::colour(if f.colour.is_empty() {
        "yellow"
    } else {
        &f.colour
    })?;
    state
        .store
        .add_note(id, Some(agent.agent_id), &text, colour)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("ticket {id}")))?;
    Ok(())
}

/// Preview: the reply rendered, signed and addressed, not sent.
pub async fn preview(
    State(state): State<AppState>,
    agent: WebAgent,
    Path(id): Path<i64>,
    ComposerForm(f): ComposerForm,
) -> PageResult<Response> {
    let mut draft = f.draft();
    draft.mode = "reply".into();
    let previewed = match f.request(id, &agent) {
        Ok(req) => state
            .replies
            .preview(req)
            .await
            .map_err(compose::reply_error),
        Err(e) => Err(e),
    };
    match previewed {
        Ok(m) => {
            let join = |list: &[crate::domain::Mailbox]| {
                list.iter()
                    .map(|m| m.address.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            draft.preview = Some(Preview {
                to: join(&m.to),
                cc: join(&m.cc),
                subject: m.subject,
                body: m.body_text,
            });
            ticket::render(&state, &agent, id, draft, StatusCode::OK).await
        }
        Err(e) => refused(&state, &agent, id, draft, e).await,
    }
}

/// Assist: the draft rewritten or translated by the assistant, put back in
/// the composer (nothing is sent); a failure is shown beside the draft.
pub async fn assist(
    State(state): State<AppState>,
    agent: WebAgent,
    Path(id): Path<i64>,
    ComposerForm(f): ComposerForm,
) -> PageResult<Response> {
    let mut draft = f.draft();
    let language = f.assist_language.trim();
    let req = AssistRequest {
        text: f.body.clone(),
        action: f.assist_action.clone(),
        language: (!language.is_empty()).then(|| language.to_string()),
    };
    match crate::api::ticket_changes::assist::assist(&state, id, req).await {
        Ok(text) => {
            draft.body = text;
            ticket::render(&state, &agent, id, draft, StatusCode::OK).await
        }
        Err(e) if e.code == "assist_failed" || e.code == "assist_disabled" => {
            draft.error = Some(e.message);
            ticket::render(&state, &agent, id, draft, e.status).await
        }
        Err(e) => refused(&state, &agent, id, draft, e).await,
    }
}

/// The ticket again, the draft kept and the refusal beside it.
async fn refused(
    state: &AppState,
    agent: &WebAgent,
    id: i64,
    mut draft: Composer,
    e: ApiError,
) -> PageResult<Response> {
    if e.status == StatusCode::NOT_FOUND || e.status.is_server_error() {
        return Err(PageError::from(e));
    }
    let status = e.status;
    draft.error = Some(e.message);
    ticket::render(state, agent, id, draft, status).await
}

#[cfg(test)]
mod tests {
    #[test]
    fn variables_are_name_value_lines() {
        let v = super::vars("order = 1234\n\n  name=Carla  \n").unwrap();
        assert_eq!(v["order"], "1234");
        assert_eq!(v["name"], "Carla");
        assert_eq!(
            super::vars("no equals sign").unwrap_err().field.as_deref(),
            Some("vars")
        );
    }
}

#[derive(Debug, Deserialize)]
pub struct NoteForm {
    #[serde(default)]
    body: String,
    #[serde(default)]
    colour: String,
}

/// Edits a note (its author or an admin, as in the API).
pub async fn edit_note(
    State(state): State<AppState>,
    agent: WebAgent,
    Path(id): Path<i64>,
    Form(f): Form<NoteForm>,
) -> PageResult<Response> {
    let colour = (!f.colour.is_empty()).then_some(f.colour.as_str());
    let note = notes::edit(&state, &agent.caller(), id, Some(f.body), colour).await?;
    Ok(Redirect::to(&format!("/tickets/{}", note.ticket_id)).into_response())
}

/// Deletes a note (its author or an admin, as in the API).
pub async fn delete_note(
    State(state): State<AppState>,
    agent: WebAgent,
    Path(id): Path<i64>,
) -> PageResult<Response> {
    let note = notes::remove(&state, &agent.caller(), id).await?;
    Ok(Redirect::to(&format!("/tickets/{}", note.ticket_id)).into_response())
}

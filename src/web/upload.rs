//! A posted form that may carry files: urlencoded, or multipart with the
//! files under `attachments` (the composer's and the new-ticket page's).
use super::error::PageError;
use crate::api::AppState;
use crate::outbound::compose::OutgoingAttachment;
use axum::Form;
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::header;
use axum::response::{IntoResponse, Response};

/// The form's fields in order, and its uploaded files.
#[derive(Debug, Default)]
pub struct Posted {
    pub fields: Vec<(String, String)>,
    pub files: Vec<OutgoingAttachment>,
}

impl FromRequest<AppState> for Posted {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let multipart = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("multipart/form-data"));
        if !multipart {
            let Form(fields) = Form::<Vec<(String, String)>>::from_request(req, state)
                .await
                .map_err(IntoResponse::into_response)?;
            return Ok(Self {
                fields,
                files: Vec::new(),
            });
        }
        let mut parts = Multipart::from_request(req, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let mut posted = Self::default();
        let too_large = |_| PageError::too_large("the attachments are too large").into_response();
        while let Some(field) = parts.next_field().await.map_err(too_large)? {
            let name = field.name().unwrap_or_default().to_owned();
            if name != "attachments" {
                let text = field.text().await.map_err(too_large)?;
                posted.fields.push((name, text));
                continue;
            }
            let filename = field.file_name().unwrap_or_default().to_owned();
            let content_type = field
                .content_type()
                .unwrap_or("application/octet-stream")
                .to_owned();
            let data = field.bytes().await.map_err(too_large)?;
            // An empty file input posts a part with no name and no bytes.
            if !filename.is_empty() || !data.is_empty() {
                posted.files.push(OutgoingAttachment {
                    filename,
                    content_type,
                    data: data.to_vec(),
                });
            }
        }
        Ok(posted)
    }
}

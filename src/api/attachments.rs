//! `GET attachments/{id}`, and serving an attachment for download the same
//! way for the API and the pages:
//! always as an attachment (never shown in the page), with `nosniff`, its
//! type as the mail gave it when that is a well-formed type, and a
//! filename a browser cannot be tricked by.
use super::AppState;
use super::auth::Caller;
use super::error::{ApiError, ApiResult, ErrorBody};
use super::extract::ApiPath;
use crate::store::Store;
use crate::store::attachments::AttachmentFile;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use futures::Stream;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_attachment))
}

/// An attachment's bytes, as an attachment with its type and filename.
#[utoipa::path(get, path = "/attachments/{id}", tag = "tickets",
    params(("id" = i64, Path, description = "Attachment id")),
    responses((status = 200, description = "The bytes, as the type the mail gave (or application/octet-stream)", content_type = "*/*"),
        (status = 404, body = ErrorBody), (status = 410, body = ErrorBody)))]
async fn get_attachment(
    State(state): State<AppState>,
    _caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Response> {
    load(&state, id).await
}

/// The attachment as a download, or the API's refusal.
pub async fn load(state: &AppState, id: i64) -> ApiResult<Response> {
    let file = state
        .store
        .attachment_file(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("attachment {id}")))?;
    match download(&state.store, file) {
        Download::File(response) => Ok(response),
        Download::Omitted(reason) => Err(ApiError::new(
            axum::http::StatusCode::GONE,
            "attachment_omitted",
            format!("attachment {id} was not kept: {reason}"),
        )),
    }
}

pub enum Download {
    File(Response),
    /// The attachment's bytes were not kept (the reason).
    Omitted(String),
}

pub fn download(store: &Store, file: AttachmentFile) -> Download {
    let Some(sha256) = file.sha256 else {
        return Download::Omitted(
            file.omitted_reason
                .unwrap_or_else(|| "the attachment's bytes were not kept".into()),
        );
    };
    let mut response = Body::from_stream(pieces(store.clone(), sha256)).into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(file.size.max(0)));
    let content_type = content_type(&file.content_type);
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&content_type)
            .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream")),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    let name = file.filename.unwrap_or_else(|| "attachment".into());
    if let Ok(v) = HeaderValue::from_str(&disposition(&name)) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    Download::File(response)
}

/// The stored pieces in order, each read when the client has taken the one
/// before: one piece in memory per download, whatever the file's size.
fn pieces(store: Store, sha256: String) -> impl Stream<Item = anyhow::Result<Vec<u8>>> {
    futures::stream::try_unfold(0, move |seq| {
        let (store, sha256) = (store.clone(), sha256.clone());
        async move {
            let piece = store.attachment_piece(&sha256, seq).await?;
            anyhow::Ok(piece.map(|bytes| (bytes, seq + 1)))
        }
    })
}

/// `type/subtype` as given when well formed, else a plain byte stream.
fn content_type(given: &str) -> String {
    let t = given.trim().to_ascii_lowercase();
    let ok = t.split_once('/').is_some_and(|(a, b)| {
        let token = |s: &str| {
            !s.is_empty()
                && s.bytes()
                    .all(|c| c.is_ascii_alphanumeric() || b"!#$&-^_.+".contains(&c))
        };
        token(a) && token(b)
    });
    if ok {
        t
    } else {
        "application/octet-stream".into()
    }
}

/// `attachment; filename="safe"; filename*=UTF-8''percent-encoded` (RFC 6266).
fn disposition(name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| match c {
            c if c.is_ascii_alphanumeric() || " .-_()[]+,@".contains(c) => c,
            _ => '_',
        })
        .take(200)
        .collect();
    let encoded: String = name
        .bytes()
        .take(600)
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'.' | b'-' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect();
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_filename_cannot_break_out_of_its_header() {
        let d = disposition("a\"b\r\nSet-Cookie: x.pdf");
        assert!(!d.contains('\r') && !d.contains('\n'));
        assert!(
            d.starts_with("attachment; filename=\"a_b__Set-Cookie_ x.pdf\""),
            "{d}"
        );
        assert!(disposition("Größe.txt").contains("filename*=UTF-8''Gr%C3%B6%C3%9Fe.txt"));
    }

    #[test]
    fn only_well_formed_types_are_kept() {
        assert_eq!(content_type("Application/PDF"), "application/pdf");
        assert_eq!(
            content_type("text/html\r\nX: y"),
            "application/octet-stream"
        );
        assert_eq!(content_type("nonsense"), "application/octet-stream");
    }
}

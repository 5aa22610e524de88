//! The pages' own files, embedded in the binary and served under names
//! that carry a hash of their bytes, so a browser may keep them forever and
//! a new build is never served from an old cache.
use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

struct Asset {
    /// `app.<hash>.css`
    name: String,
    content_type: &'static str,
    bytes: &'static [u8],
}

const FILES: [(&str, &str, &[u8]); 2] = [
    ("app", "css", include_bytes!("../../assets/app.css")),
    ("app", "js", include_bytes!("../../assets/app.js")),
];

static ASSETS: LazyLock<Vec<Asset>> = LazyLock::new(|| {
    FILES
        .iter()
        .map(|(stem, ext, bytes)| {
            let hash = data_encoding::HEXLOWER.encode(&Sha256::digest(bytes)[..5]);
            Asset {
                name: format!("{stem}.{hash}.{ext}"),
                content_type: match *ext {
                    "css" => "text/css; charset=utf-8",
                    _ => "text/javascript; charset=utf-8",
                },
                bytes,
            }
        })
        .collect()
});

/// The path a page links for `stem.ext` (`/assets/app.<hash>.css`).
pub fn url(stem: &str, ext: &str) -> String {
    let prefix = format!("{stem}.");
    let suffix = format!(".{ext}");
    ASSETS
        .iter()
        .find(|a| a.name.starts_with(&prefix) && a.name.ends_with(&suffix))
        .map_or_else(String::new, |a| format!("/assets/{}", a.name))
}

pub async fn serve(Path(name): Path<String>) -> Response {
    let Some(asset) = ASSETS.iter().find(|a| a.name == name) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let mut response = asset.bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(asset.content_type),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    response
}

#[cfg(test)]
mod tests {
    #[test]
    fn assets_are_named_by_their_bytes() {
        let css = super::url("app", "css");
        assert!(
            css.starts_with("/assets/app.") && css.ends_with(".css"),
            "{css}"
        );
        assert_eq!(css.len(), "/assets/app.".len() + 10 + ".css".len());
        assert_eq!(super::url("nothing", "css"), "");
    }
}

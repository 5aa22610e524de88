//! Extractors whose rejections are [`ApiError`]s, so bad JSON, wrong types
//! and bad paths answer in the API's error shape with the field named.
use super::error::ApiError;
use axum::body::Bytes;
use axum::extract::rejection::PathRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

/// A JSON body. Errors name the field (`tags[2]`, `imap.port`).
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let is_json = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json") || v.contains("+json"));
        if !is_json {
            return Err(ApiError::bad_request(
                "the body must be JSON (Content-Type: application/json)",
            ));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                let limit = super::MAX_BODY_BYTES;
                let message = format!("the body is larger than the {limit} bytes the API accepts");
                ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", message)
            } else {
                ApiError::bad_request(format!("the body could not be read: {e}"))
            }
        })?;
        // Every body of the API is an object: serde would read a struct
        // from an array of its fields in order too.
        if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
            return Err(ApiError::bad_request("the body must be a JSON object"));
        }
        parse_json(&bytes).map(ApiJson)
    }
}

/// Deserializes with the path of the failing field. A number with a zero
/// fraction (`7.0`) is an integer, as JSON Schema counts it: a body that
/// fails only on one is read again with such numbers made integers.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    let first = serde_path_to_error::deserialize(de);
    let Err(e) = first else {
        return first.map_err(json_error);
    };
    if !e
        .inner()
        .to_string()
        .starts_with("invalid type: floating point")
    {
        return Err(json_error(e));
    }
    let mut value: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|e| ApiError::bad_request(format!("the body is not valid JSON: {e}")))?;
    integral_floats_as_integers(&mut value);
    serde_path_to_error::deserialize(value).map_err(json_error)
}

/// `7.0` becomes `7`, in every array and object.
fn integral_floats_as_integers(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Number(n) => {
            let whole = n.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15);
            if let (true, Some(f)) = (n.is_f64(), whole) {
                *n = serde_json::Number::from(f as i64);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(integral_floats_as_integers),
        Value::Object(fields) => fields.values_mut().for_each(integral_floats_as_integers),
        _ => {}
    }
}

/// A body's error as the API's, naming the field at fault.
fn json_error(e: serde_path_to_error::Error<serde_json::Error>) -> ApiError {
    let path = e.path().to_string();
    let inner = e.into_inner();
    if inner.is_syntax() || inner.is_eof() {
        return ApiError::bad_request(format!("the body is not valid JSON: {inner}"));
    }
    let err = ApiError::bad_request(inner.to_string());
    if path == "." || path.is_empty() {
        err
    } else {
        err.field(path)
    }
}

/// Path parameters.
pub struct ApiPath<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiPath<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Send,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| ApiPath(p.0))
            .map_err(|e: PathRejection| ApiError::bad_request(e.body_text()).field("id"))
    }
}

/// Query parameters.
pub struct ApiQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiQuery<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        parse_query(parts.uri.query().unwrap_or_default()).map(ApiQuery)
    }
}

/// A query string as `T`, a parameter with an empty value (`status=`, as
/// most clients send a field left blank) read as not given.
fn parse_query<T: DeserializeOwned>(query: &str) -> Result<T, ApiError> {
    let bad = |e: serde_urlencoded::de::Error| {
        ApiError::bad_request(format!("Failed to deserialize query string: {e}"))
    };
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).map_err(bad)?;
    let given: Vec<(String, String)> = pairs.into_iter().filter(|(_, v)| !v.is_empty()).collect();
    let query = serde_urlencoded::to_string(&given)
        .map_err(|e| ApiError::bad_request(format!("Failed to read the query string: {e}")))?;
    serde_urlencoded::from_str(&query).map_err(bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Sample {
        name: String,
        imap: Inner,
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Inner {
        port: u16,
    }

    #[derive(Debug, PartialEq, serde::Deserialize)]
    struct Listing {
        status: Option<String>,
        limit: Option<u32>,
    }

    #[test]
    fn an_empty_query_parameter_is_not_given() {
        let got: Listing = parse_query("status=&limit=5").unwrap();
        assert_eq!(
            got,
            Listing {
                status: None,
                limit: Some(5)
            }
        );
        let got: Listing = parse_query("status=open&limit=").unwrap();
        assert_eq!(
            got,
            Listing {
                status: Some("open".into()),
                limit: None
            }
        );
        let pairs: Vec<(String, String)> = parse_query("q=&tag=a%20b&tag=").unwrap();
        assert_eq!(pairs, vec![("tag".to_string(), "a b".to_string())]);
        let bad = parse_query::<Listing>("limit=many").unwrap_err();
        assert_eq!(bad.status, axum::http::StatusCode::BAD_REQUEST);
    }

    #[derive(Debug, PartialEq, serde::Deserialize)]
    struct Counted {
        n: i64,
        list: Vec<u16>,
        ratio: f64,
    }

    #[test]
    fn a_number_with_a_zero_fraction_is_an_integer() {
        let got: Counted = parse_json(br#"{"n": 7.0, "list": [1, 2.0], "ratio": 2.0}"#).unwrap();
        assert_eq!(
            got,
            Counted {
                n: 7,
                list: vec![1, 2],
                ratio: 2.0
            }
        );
        let e = parse_json::<Counted>(br#"{"n": 7.5, "list": [], "ratio": 1}"#).unwrap_err();
        assert_eq!((e.status.as_u16(), e.field.as_deref()), (400, Some("n")));
        let e = parse_json::<Counted>(br#"{"n": 1, "list": [70000.0], "ratio": 1}"#).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("list[0]"));
    }

    #[test]
    fn a_wrong_type_names_the_nested_field() {
        let e = parse_json::<Sample>(br#"{"name":"x","imap":{"port":"many"}}"#).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("imap.port"));
        assert_eq!(e.status, axum::http::StatusCode::BAD_REQUEST);
    }

    #[test]
    fn broken_json_says_so_without_a_field() {
        let e = parse_json::<Sample>(b"{\"name\":").unwrap_err();
        assert!(e.message.contains("not valid JSON"), "{}", e.message);
        assert_eq!(e.field, None);
    }

    #[test]
    fn a_missing_field_is_named_in_the_message() {
        let e = parse_json::<Sample>(br#"{"imap":{"port":1}}"#).unwrap_err();
        assert!(e.message.contains("missing field `name`"), "{}", e.message);
    }
}

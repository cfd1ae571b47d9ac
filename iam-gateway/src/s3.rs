//! The S3 gateway (REST, path-style): GetObject, HeadObject, PutObject,
//! DeleteObject, the multipart upload of one object (CreateMultipartUpload,
//! UploadPart, CompleteMultipartUpload, AbortMultipartUpload, ListParts),
//! ListObjectsV2, HeadBucket and ListBuckets.
//!
//! A request maps to one IAM check: the object ARN `bucket/key` (key
//! decoded) for object actions, the bucket ARN with `s3:prefix`,
//! `s3:delimiter` and `s3:max-keys` for listing. As in AWS, creating,
//! uploading a part of and completing a multipart upload are `s3:PutObject`;
//! aborting one is `s3:AbortMultipartUpload` and listing its parts
//! `s3:ListMultipartUploadParts`, all on the object's ARN. A query parameter
//! or `x-amz-*` header that would need another permission (versions, ACLs,
//! tagging, copy, UploadPartCopy, listing a bucket's uploads, SSE-KMS)
//! makes the request unmappable, and unmappable requests are refused.
//! S3 binds an upload ID to its key; moto does not (it finds an upload by
//! ID alone and completes it to the key it was created for), so before a
//! request naming an upload is forwarded, the gateway asks moto for the
//! uploads under the checked key and answers S3's `NoSuchUpload` unless the
//! ID is one of them: IAM allowed that key, so only that key's upload may
//! move. Keys with `.`/`..`/empty segments are
//! refused too: moto's HTTP stack might read them differently than IAM.
//! The forwarded request is rebuilt from what was checked (key re-encoded,
//! only known headers), so moto sees exactly what IAM allowed.
//!
//! [`S3`] is this mapping ([`map`]) and S3's error format for the
//! [`pipeline`].

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, Response, StatusCode};
use http_body_util::Full;

use crate::auth::AuthFailure;
use crate::authz::Check;
use crate::moto::relay;
use crate::percent;
use crate::pipeline::{self, AwsService, Head, HttpResponse, Refusal, Unmappable};
use crate::sessions::RoleSession;
use crate::sigv4::{Service, sha256_hex};
use crate::state::State;
use crate::xml::escape;

/// An S3 error document; HEAD responses carry no body.
fn error_response(
    status: StatusCode,
    code: &str,
    message: &str,
    head: bool,
    request_id: &str,
) -> HttpResponse {
    let body = if head {
        Bytes::new()
    } else {
        Bytes::from(format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{}</Message><RequestId>{request_id}</RequestId><HostId>{request_id}</HostId></Error>",
            escape(message)
        ))
    };
    let mut response = Response::new(Full::new(body));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        "content-type",
        http::HeaderValue::from_static("application/xml"),
    );
    if let Ok(id) = http::HeaderValue::from_str(request_id) {
        headers.insert("x-amz-request-id", id);
    }
    response
}

/// The error for a request that could not be authenticated.
fn auth_error(failure: &AuthFailure) -> (StatusCode, &'static str, String) {
    match failure {
        AuthFailure::Missing => (StatusCode::FORBIDDEN, "AccessDenied", "Access Denied".to_owned()),
        AuthFailure::Malformed => (
            StatusCode::BAD_REQUEST,
            "AuthorizationHeaderMalformed",
            "The authorization header is malformed.".to_owned(),
        ),
        AuthFailure::UnknownKey => (
            StatusCode::FORBIDDEN,
            "InvalidAccessKeyId",
            "The AWS Access Key Id you provided does not exist in our records.".to_owned(),
        ),
        AuthFailure::Expired => (StatusCode::BAD_REQUEST, "ExpiredToken", "The provided token has expired.".to_owned()),
        AuthFailure::Signature(crate::sigv4::SignatureProblem::PayloadMismatch) => (
            StatusCode::BAD_REQUEST,
            "XAmzContentSHA256Mismatch",
            "The provided 'x-amz-content-sha256' header does not match what was computed.".to_owned(),
        ),
        AuthFailure::Signature(_) => (
            StatusCode::FORBIDDEN,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided. Check your key and signing method.".to_owned(),
        ),
    }
}

/// What a request is, once mapped.
#[derive(Debug, Clone, PartialEq)]
pub struct Mapped {
    /// The IAM check.
    pub check: Check,
    /// Path and query to send to moto, rebuilt from the checked parts.
    pub moto_path: String,
    /// The multipart upload the request names, which must belong to the
    /// checked key.
    pub upload: Option<Upload>,
}

/// A multipart upload named by a request: its ID and the key it is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    /// The bucket.
    pub bucket: String,
    /// The object key, decoded (the one IAM checked).
    pub key: String,
    /// The `uploadId` the request gave.
    pub upload_id: String,
}

/// What an object request does, as the decision table below reads it.
enum ObjectRequest<'a> {
    /// No query beyond `x-id`.
    Plain(&'static str),
    /// `POST ?uploads`.
    CreateUpload,
    /// `PUT ?partNumber&uploadId`.
    UploadPart { part: u16, upload_id: &'a str },
    /// `POST ?uploadId`, `DELETE ?uploadId`, `GET ?uploadId` (ListParts).
    OnUpload {
        action: &'static str,
        upload_id: &'a str,
    },
}

/// Headers forwarded to moto; anything `x-amz-*` not listed here (or
/// handled below) makes a request unmappable.
const FORWARDED_HEADERS: [&str; 16] = [
    "content-type",
    "content-md5",
    "cache-control",
    "content-disposition",
    "content-language",
    "expires",
    "range",
    "if-match",
    "if-none-match",
    "if-modified-since",
    "if-unmodified-since",
    "x-amz-checksum-mode",
    "x-amz-sdk-checksum-algorithm",
    "x-amz-expected-bucket-owner",
    "x-amz-storage-class",
    "content-encoding",
];

/// `x-amz-*` headers that only authenticate or describe the payload.
fn is_transport_header(name: &str) -> bool {
    matches!(
        name,
        "x-amz-content-sha256"
            | "x-amz-date"
            | "x-amz-security-token"
            | "x-amz-user-agent"
            | "x-amz-decoded-content-length"
            | "x-amz-trailer"
    ) || name.starts_with("x-amz-checksum-")
        || name.starts_with("x-amz-meta-")
}

fn bucket_arn(bucket: &str) -> String {
    format!("arn:{}:s3:::{bucket}", crate::account::PARTITION)
}

fn valid_bucket(bucket: &str) -> bool {
    (3..=63).contains(&bucket.len())
        && bucket
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
}

/// Maps a request to its IAM check, or says why it can't be mapped.
///
/// # Errors
/// A sentence saying what could not be mapped with certainty.
#[expect(
    clippy::too_many_lines,
    reason = "one decision table, reviewed as a whole"
)]
pub fn map(
    method: &Method,
    path: &str,
    query: Option<&str>,
    headers: &HeaderMap,
) -> Result<Mapped, String> {
    let params: Vec<(String, String)> = query
        .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default();
    // Parsers disagree on repeated parameters (first or last wins).
    if params
        .iter()
        .enumerate()
        .any(|(i, (k, _))| params[..i].iter().any(|(seen, _)| seen == k))
    {
        return Err("a repeated query parameter".into());
    }
    for (name, value) in headers {
        let name = name.as_str();
        if name.starts_with("x-amz-")
            && !is_transport_header(name)
            && !FORWARDED_HEADERS.contains(&name)
        {
            let allowed_sse =
                name == "x-amz-server-side-encryption" && value.as_bytes() == b"AES256";
            if !allowed_sse {
                return Err(format!(
                    "the header {name} needs permissions the sandbox does not map"
                ));
            }
        }
    }
    let rest = path.strip_prefix('/').ok_or("a path without /")?;
    if rest.is_empty() {
        if method == Method::GET && params.iter().all(|(k, _)| k == "x-id") {
            return Ok(Mapped {
                check: Check::new("s3:ListAllMyBuckets", "*"),
                moto_path: "/".into(),
                upload: None,
            });
        }
        return Err("only ListBuckets is mapped on the service root".into());
    }
    let (bucket, key) = match rest.split_once('/') {
        Some((bucket, key)) => (bucket, Some(key)),
        None => (rest, None),
    };
    if !valid_bucket(bucket) {
        return Err("an invalid bucket name".into());
    }
    let param = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let only = |allowed: &[&str]| params.iter().all(|(k, _)| allowed.contains(&k.as_str()));
    let x_id_is = |expected: &str| param("x-id").is_none_or(|v| v == expected);
    match key {
        None | Some("") => {
            if method == Method::HEAD && params.is_empty() {
                return Ok(Mapped {
                    check: Check::new("s3:ListBucket", bucket_arn(bucket)),
                    moto_path: format!("/{bucket}"),
                    upload: None,
                });
            }
            let list_v2 = method == Method::GET
                && param("list-type") == Some("2")
                && only(&[
                    "list-type",
                    "prefix",
                    "delimiter",
                    "max-keys",
                    "continuation-token",
                    "start-after",
                    "encoding-type",
                    "fetch-owner",
                    "x-id",
                ])
                && x_id_is("ListObjectsV2");
            if !list_v2 {
                return Err("only ListObjectsV2 and HeadBucket are mapped on a bucket".into());
            }
            let mut check = Check::new("s3:ListBucket", bucket_arn(bucket));
            for (name, key) in [
                ("prefix", "s3:prefix"),
                ("delimiter", "s3:delimiter"),
                ("max-keys", "s3:max-keys"),
            ] {
                if let Some(value) = param(name) {
                    check.context.set(key, value);
                }
            }
            let mut query = form_urlencoded::Serializer::new(String::new());
            for (k, v) in &params {
                if k != "x-id" {
                    query.append_pair(k, v);
                }
            }
            Ok(Mapped {
                check,
                moto_path: format!("/{bucket}?{}", query.finish()),
                upload: None,
            })
        }
        Some(raw_key) => {
            let key =
                percent::decode(raw_key).ok_or("a key that is not valid percent-encoded UTF-8")?;
            if key
                .split('/')
                .any(|segment| segment.is_empty() || segment == "." || segment == "..")
            {
                return Err("a key with an empty, . or .. segment".into());
            }
            let request = object_request(method, &params, headers)?;
            let path = format!("/{bucket}/{}", percent::encode(&key, true));
            let on_upload = |upload_id: &str| Upload {
                bucket: bucket.to_owned(),
                key: key.clone(),
                upload_id: upload_id.to_owned(),
            };
            let (action, moto_path, upload) = match request {
                ObjectRequest::Plain(action) => (action, path, None),
                ObjectRequest::CreateUpload => ("s3:PutObject", format!("{path}?uploads"), None),
                ObjectRequest::UploadPart { part, upload_id } => (
                    "s3:PutObject",
                    format!(
                        "{path}?partNumber={part}&uploadId={}",
                        percent::encode(upload_id, false)
                    ),
                    Some(on_upload(upload_id)),
                ),
                ObjectRequest::OnUpload { action, upload_id } => {
                    let mut query = form_urlencoded::Serializer::new(String::new());
                    query.append_pair("uploadId", upload_id);
                    for name in ["max-parts", "part-number-marker"] {
                        if let Some(value) = param(name) {
                            query.append_pair(name, value);
                        }
                    }
                    (
                        action,
                        format!("{path}?{}", query.finish()),
                        Some(on_upload(upload_id)),
                    )
                }
            };
            Ok(Mapped {
                check: Check::new(action, format!("{}/{key}", bucket_arn(bucket))),
                moto_path,
                upload,
            })
        }
    }
}

/// The decision table for requests on an object: the method, the query
/// parameters (nothing beyond what each operation takes) and `x-id`.
fn object_request<'a>(
    method: &Method,
    params: &'a [(String, String)],
    headers: &HeaderMap,
) -> Result<ObjectRequest<'a>, String> {
    let param = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let only = |allowed: &[&str]| params.iter().all(|(k, _)| allowed.contains(&k.as_str()));
    let x_id_is = |expected: &str| param("x-id").is_none_or(|v| v == expected);
    let upload_id = param("uploadId").filter(|id| !id.is_empty());
    let copy = headers.contains_key("x-amz-copy-source");
    let numeric = |name: &str| param(name).is_none_or(|v| v.parse::<u32>().is_ok());
    Ok(match (method, upload_id) {
        (&Method::GET, None) if only(&["x-id"]) && x_id_is("GetObject") => {
            ObjectRequest::Plain("s3:GetObject")
        }
        (&Method::HEAD, None) if only(&["x-id"]) && x_id_is("HeadObject") => {
            ObjectRequest::Plain("s3:GetObject")
        }
        (&Method::PUT, None) if only(&["x-id"]) && x_id_is("PutObject") && !copy => {
            ObjectRequest::Plain("s3:PutObject")
        }
        (&Method::DELETE, None) if only(&["x-id"]) && x_id_is("DeleteObject") => {
            ObjectRequest::Plain("s3:DeleteObject")
        }
        (&Method::POST, None)
            if param("uploads") == Some("")
                && only(&["uploads", "x-id"])
                && x_id_is("CreateMultipartUpload") =>
        {
            ObjectRequest::CreateUpload
        }
        (&Method::PUT, Some(upload_id))
            if only(&["partNumber", "uploadId", "x-id"]) && x_id_is("UploadPart") && !copy =>
        {
            let part = param("partNumber")
                .and_then(|n| n.parse::<u16>().ok())
                .filter(|n| (1..=10_000).contains(n))
                .ok_or("a part number that is not 1 to 10000")?;
            ObjectRequest::UploadPart { part, upload_id }
        }
        (&Method::POST, Some(upload_id))
            if only(&["uploadId", "x-id"]) && x_id_is("CompleteMultipartUpload") =>
        {
            ObjectRequest::OnUpload {
                action: "s3:PutObject",
                upload_id,
            }
        }
        (&Method::DELETE, Some(upload_id))
            if only(&["uploadId", "x-id"]) && x_id_is("AbortMultipartUpload") =>
        {
            ObjectRequest::OnUpload {
                action: "s3:AbortMultipartUpload",
                upload_id,
            }
        }
        (&Method::GET, Some(upload_id))
            if only(&["uploadId", "max-parts", "part-number-marker", "x-id"])
                && x_id_is("ListParts")
                && numeric("max-parts")
                && numeric("part-number-marker") =>
        {
            ObjectRequest::OnUpload {
                action: "s3:ListMultipartUploadParts",
                upload_id,
            }
        }
        _ => {
            return Err(
                "only GetObject, HeadObject, PutObject, DeleteObject and the multipart upload of one object are mapped on an object"
                    .into(),
            );
        }
    })
}

/// Whether moto holds `upload` for exactly its key (S3's binding of an
/// upload ID to one key, which moto does not enforce).
async fn upload_is_for_key(state: &State, upload: &Upload) -> Result<bool, Refusal<S3Error>> {
    let listing = state
        .moto
        .s3(
            &Method::GET,
            &format!(
                "/{}?uploads&prefix={}",
                upload.bucket,
                percent::encode(&upload.key, false)
            ),
            Bytes::new(),
        )
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "listing multipart uploads in moto");
            Refusal::Internal
        })?;
    let text = String::from_utf8_lossy(&listing.body);
    let doc = roxmltree::Document::parse(&text).map_err(|e| {
        tracing::error!(error = %e, "moto's ListMultipartUploads is not XML");
        Refusal::Internal
    })?;
    let child = |node: roxmltree::Node<'_, '_>, name: &str| {
        node.children()
            .find(|c| c.is_element() && c.tag_name().name() == name)
            .and_then(|c| c.text())
            .map(str::to_owned)
    };
    Ok(doc
        .descendants()
        .filter(|n| n.is_element() && n.tag_name().name() == "Upload")
        .any(|n| {
            child(n, "UploadId").as_deref() == Some(upload.upload_id.as_str())
                && child(n, "Key").as_deref() == Some(upload.key.as_str())
        }))
}

/// moto answers ListParts with a `ListPartsResponse` root, which SDKs
/// refuse; S3's is `ListPartsResult`.
fn list_parts_result(body: &Bytes) -> Bytes {
    let text = String::from_utf8_lossy(body);
    Bytes::from(
        text.replacen("<ListPartsResponse", "<ListPartsResult", 1)
            .replacen("</ListPartsResponse>", "</ListPartsResult>", 1),
    )
}

/// Decodes an `aws-chunked` body (unsigned chunks, optional trailers).
fn decode_aws_chunked(body: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut rest = body;
    loop {
        let line_end = rest.windows(2).position(|w| w == b"\r\n")?;
        let size_text = std::str::from_utf8(&rest[..line_end]).ok()?;
        let size_hex = size_text.split(';').next()?.trim();
        let size = usize::from_str_radix(size_hex, 16).ok()?;
        rest = &rest[line_end + 2..];
        if size == 0 {
            return Some(out);
        }
        if rest.len() < size + 2 || &rest[size..size + 2] != b"\r\n" {
            return None;
        }
        out.extend_from_slice(&rest[..size]);
        rest = &rest[size + 2..];
    }
}

/// S3 as the gateway serves it.
#[derive(Debug, Default, Clone, Copy)]
pub struct S3;

/// An allowed S3 request, to be rebuilt from what was checked.
#[derive(Debug)]
pub struct Forward {
    /// Path and query to send to moto ([`Mapped::moto_path`]).
    pub moto_path: String,
    /// The upload the request names ([`Mapped::upload`]).
    pub upload: Option<Upload>,
    /// A ListParts, whose answer needs S3's root element.
    pub list_parts: bool,
    /// The body as received (decoded first if it is `aws-chunked`).
    pub body: Bytes,
}

/// A request S3 refuses in its own words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum S3Error {
    /// An `aws-chunked` body that does not decode.
    IncompleteBody,
    /// The upload ID is not an upload of the request's key.
    NoSuchUpload,
}

impl AwsService for S3 {
    type Forward = Forward;
    type Error = S3Error;
    const NAME: &'static str = "s3";

    async fn map(
        &self,
        _state: &State,
        caller: &RoleSession,
        head: Head<'_>,
        body: &Bytes,
    ) -> Result<pipeline::Mapped<Forward>, Refusal<S3Error>> {
        let parts = head.parts;
        let mapped = map(
            &parts.method,
            parts.uri.path(),
            parts.uri.query(),
            &parts.headers,
        )
        .map_err(|why| Unmappable::new(caller, why))?;
        let list_parts = mapped.check.action == "s3:ListMultipartUploadParts";
        Ok(pipeline::Mapped::checked(
            vec![mapped.check],
            Forward {
                list_parts,
                moto_path: mapped.moto_path,
                upload: mapped.upload,
                body: body.clone(),
            },
        ))
    }

    async fn forward(
        &self,
        state: &State,
        _caller: &RoleSession,
        forward: Forward,
        head: Head<'_>,
    ) -> Result<HttpResponse, Refusal<S3Error>> {
        let parts = head.parts;
        if let Some(upload) = &forward.upload
            && !upload_is_for_key(state, upload).await?
        {
            return Err(Refusal::Service(S3Error::NoSuchUpload));
        }
        let chunked = parts
            .headers
            .get("x-amz-content-sha256")
            .is_some_and(|v| v.as_bytes().starts_with(b"STREAMING-"));
        let body = if chunked {
            let decoded = decode_aws_chunked(&forward.body)
                .ok_or(Refusal::Service(S3Error::IncompleteBody))?;
            Bytes::from(decoded)
        } else {
            forward.body
        };
        let mut headers = HeaderMap::new();
        for (name, value) in &parts.headers {
            let keep = FORWARDED_HEADERS.contains(&name.as_str())
                || name.as_str().starts_with("x-amz-meta-")
                || name.as_str() == "x-amz-server-side-encryption"
                || (name.as_str().starts_with("x-amz-checksum-")
                    && name.as_str() != "x-amz-checksum-mode"
                    && !chunked);
            if keep
                && !(name.as_str() == "content-encoding"
                    && value.as_bytes().starts_with(b"aws-chunked"))
            {
                headers.append(name.clone(), value.clone());
            }
        }
        if let Ok(hash) = HeaderValue::from_str(&sha256_hex(&body)) {
            headers.insert("x-amz-content-sha256", hash);
        }
        match state
            .moto
            .send(
                Service::S3,
                &parts.method,
                &forward.moto_path,
                &headers,
                body,
            )
            .await
        {
            Ok(mut response) => {
                if forward.list_parts && response.status.is_success() {
                    response.body = list_parts_result(&response.body);
                    // The body changed length: hyper sets it from the body.
                    response.headers.remove(http::header::CONTENT_LENGTH);
                }
                Ok(relay(response))
            }
            Err(e) => {
                tracing::error!(error = %e, "forwarding to moto");
                Err(Refusal::Internal)
            }
        }
    }

    fn refuse(&self, refusal: Refusal<S3Error>, head: Head<'_>) -> HttpResponse {
        let (status, code, message) = match refusal {
            Refusal::Unauthenticated(failure) => auth_error(&failure),
            Refusal::TooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "EntityTooLarge",
                "Your proposed upload exceeds the maximum allowed size".to_owned(),
            ),
            Refusal::Service(S3Error::IncompleteBody) => (
                StatusCode::BAD_REQUEST,
                "IncompleteBody",
                "The request body is not valid aws-chunked encoding.".to_owned(),
            ),
            Refusal::Service(S3Error::NoSuchUpload) => (
                StatusCode::NOT_FOUND,
                "NoSuchUpload",
                "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.".to_owned(),
            ),
            Refusal::Unmappable(u) => (
                StatusCode::FORBIDDEN,
                "AccessDenied",
                format!(
                    "User: {} is not authorized to perform this request: the sandbox can't map it with certainty ({})",
                    u.principal, u.why
                ),
            ),
            Refusal::Denied(denial) => (
                StatusCode::FORBIDDEN,
                "AccessDenied",
                format!(
                    "User: {} is not authorized to perform: {} on resource: \"{}\" {}",
                    denial.principal, denial.action, denial.resource, denial.reason
                ),
            ),
            Refusal::Internal => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "InternalError",
                "We encountered an internal error. Please try again.".to_owned(),
            ),
        };
        error_response(status, code, &message, head.is_head(), head.request_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mapped(method: &Method, uri: &str) -> Result<Mapped, String> {
        let uri: http::Uri = uri.parse().expect("uri");
        map(method, uri.path(), uri.query(), &HeaderMap::new())
    }

    #[test]
    fn maps_object_actions_to_the_decoded_object_arn() {
        let m = mapped(&Method::GET, "/b1b/k1/a%20b.txt?x-id=GetObject").expect("maps");
        assert_eq!(m.check.action, "s3:GetObject");
        assert_eq!(m.check.resource, "arn:aws:s3:::b1b/k1/a b.txt");
        assert_eq!(m.moto_path, "/b1b/k1/a%20b.txt");
        assert_eq!(
            mapped(&Method::PUT, "/b1b/k1/x?x-id=PutObject")
                .expect("put")
                .check
                .action,
            "s3:PutObject"
        );
        assert_eq!(
            mapped(&Method::DELETE, "/b1b/k1/x")
                .expect("delete")
                .check
                .action,
            "s3:DeleteObject"
        );
        assert_eq!(
            mapped(&Method::HEAD, "/b1b/k1/x")
                .expect("head")
                .check
                .action,
            "s3:GetObject"
        );
    }

    #[test]
    fn maps_list_objects_v2_with_its_condition_keys() {
        let m = mapped(&Method::GET, "/b1b?list-type=2&prefix=k1%2F&delimiter=%2F").expect("maps");
        assert_eq!(m.check.action, "s3:ListBucket");
        assert_eq!(m.check.resource, "arn:aws:s3:::b1b");
        assert_eq!(
            m.check.context.get("s3:prefix"),
            Some(&iam_eval::ContextValue::Single("k1/".into()))
        );
        let unprefixed = mapped(&Method::GET, "/b1b?list-type=2").expect("maps");
        assert_eq!(unprefixed.check.context.get("s3:prefix"), None);
    }

    #[test]
    fn refuses_what_needs_other_permissions_or_reads_ambiguously() {
        for (method, uri) in [
            (Method::GET, "/b1b/k1/x?versionId=1"),
            (Method::GET, "/b1b/k1/x?acl"),
            (Method::PUT, "/b1b/k1/x?tagging"),
            (Method::POST, "/b1b/k1/x"),
            (Method::POST, "/b1b/k1/x?uploads=x"),
            (Method::POST, "/b1b/k1/x?uploads&tagging"),
            (Method::PUT, "/b1b/k1/x?partNumber=0&uploadId=u1"),
            (Method::PUT, "/b1b/k1/x?partNumber=10001&uploadId=u1"),
            (Method::PUT, "/b1b/k1/x?partNumber=x&uploadId=u1"),
            (Method::PUT, "/b1b/k1/x?partNumber=1&uploadId="),
            (Method::PUT, "/b1b/k1/x?partNumber=1"),
            (Method::GET, "/b1b/k1/x?uploadId=u1&max-parts=many"),
            (Method::GET, "/b1b/k1/x?uploadId=u1&versionId=1"),
            (Method::DELETE, "/b1b/k1/x?uploadId=u1&x-id=DeleteObject"),
            (Method::GET, "/b1b?uploads"),
            (Method::GET, "/b1b?uploads&prefix=k1%2F"),
            (Method::GET, "/b1b"),
            (Method::GET, "/b1b?list-type=1"),
            (Method::DELETE, "/b1b"),
            (Method::GET, "/b1b/k1/../k1x/x"),
            (Method::GET, "/b1b/k1/%2E%2E/k1x/x"),
            (Method::GET, "/b1b/k1//x"),
            (Method::GET, "/b1b/k1/%FF"),
            (Method::GET, "/B_B/k1/x"),
            (Method::GET, "/b1b?list-type=2&prefix=k1%2F&prefix=k1x%2F"),
        ] {
            assert!(mapped(&method, uri).is_err(), "{method} {uri}");
        }
        let mut headers = HeaderMap::new();
        headers.insert("x-amz-copy-source", HeaderValue::from_static("b1b/k1x/x"));
        assert!(map(&Method::PUT, "/b1b/k1/x", None, &headers).is_err());
        let mut headers = HeaderMap::new();
        headers.insert("x-amz-acl", HeaderValue::from_static("public-read"));
        assert!(map(&Method::PUT, "/b1b/k1/x", None, &headers).is_err());
        // UploadPartCopy reads another object: it needs s3:GetObject there.
        let mut headers = HeaderMap::new();
        headers.insert("x-amz-copy-source", HeaderValue::from_static("b1b/k1x/x"));
        assert!(
            map(
                &Method::PUT,
                "/b1b/k1/x",
                Some("partNumber=1&uploadId=u1"),
                &headers
            )
            .is_err()
        );
    }

    #[test]
    fn maps_a_multipart_upload_to_the_object_arn_and_binds_its_upload_id() {
        let object = "arn:aws:s3:::b1b/k1/a b.bin";
        let upload = Some(Upload {
            bucket: "b1b".into(),
            key: "k1/a b.bin".into(),
            upload_id: "u1/+=".into(),
        });
        for (method, uri, action, moto_path, bound) in [
            (
                Method::POST,
                "/b1b/k1/a%20b.bin?uploads&x-id=CreateMultipartUpload",
                "s3:PutObject",
                "/b1b/k1/a%20b.bin?uploads",
                false,
            ),
            (
                Method::PUT,
                "/b1b/k1/a%20b.bin?partNumber=2&uploadId=u1%2F%2B%3D&x-id=UploadPart",
                "s3:PutObject",
                "/b1b/k1/a%20b.bin?partNumber=2&uploadId=u1%2F%2B%3D",
                true,
            ),
            (
                Method::POST,
                "/b1b/k1/a%20b.bin?uploadId=u1%2F%2B%3D",
                "s3:PutObject",
                "/b1b/k1/a%20b.bin?uploadId=u1%2F%2B%3D",
                true,
            ),
            (
                Method::DELETE,
                "/b1b/k1/a%20b.bin?uploadId=u1%2F%2B%3D&x-id=AbortMultipartUpload",
                "s3:AbortMultipartUpload",
                "/b1b/k1/a%20b.bin?uploadId=u1%2F%2B%3D",
                true,
            ),
            (
                Method::GET,
                "/b1b/k1/a%20b.bin?uploadId=u1%2F%2B%3D&max-parts=2&part-number-marker=1&x-id=ListParts",
                "s3:ListMultipartUploadParts",
                "/b1b/k1/a%20b.bin?uploadId=u1%2F%2B%3D&max-parts=2&part-number-marker=1",
                true,
            ),
        ] {
            let m = mapped(&method, uri).unwrap_or_else(|e| panic!("{method} {uri}: {e}"));
            assert_eq!(m.check.action, action, "{uri}");
            assert_eq!(m.check.resource, object, "{uri}");
            assert_eq!(m.moto_path, moto_path, "{uri}");
            assert_eq!(m.upload, if bound { upload.clone() } else { None }, "{uri}");
        }
    }

    #[test]
    fn decodes_aws_chunked_bodies() {
        let body = b"5\r\nhello\r\n6\r\n world\r\n0\r\nx-amz-checksum-crc32:abc=\r\n\r\n";
        assert_eq!(
            decode_aws_chunked(body).as_deref(),
            Some(&b"hello world"[..])
        );
        assert_eq!(decode_aws_chunked(b"5\r\nhel"), None);
    }
}

//! Bounded fuzzing of every gateway parser that reads a caller's bytes:
//! SigV4 headers (and query authentication, which is never accepted),
//! DynamoDB key conditions and PartiQL, S3 paths and queries, strict JSON,
//! percent-decoding, and the STS, IAM and API Gateway mappers.
//!
//! Each target runs `test_support::fuzz::cases()` inputs (512 under
//! `cargo test`; `FUZZ_CASES=N` for a longer run, `-- --nocapture` to see
//! each target's executions and time). Zero panics is the first property
//! of every target (the runner catches a panic and shrinks its input); the
//! others say what a parser may accept.

use std::time::SystemTime;

use http::{HeaderMap, HeaderName, HeaderValue, Method};
use iam_gateway::sigv4::{self, Authorization, Received, Service};
use iam_gateway::{apigateway, iam, key_condition, partiql, percent, s3, strict_json, sts};
use serde_json::{Map, Value, json};
use test_support::fuzz::proptest::collection::vec;
use test_support::fuzz::proptest::prelude::*;
use test_support::fuzz::{self, proptest::option};

/// Arbitrary text: any Unicode, or printable ASCII (closer to what a parser
/// looks for), or bytes that are barely UTF-8.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[ -~]{0,80}",
        vec(any::<u8>(), 0..64).prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
    ]
}

// ------------------------------------------------------------- SigV4

/// `Authorization` headers: shuffled, duplicated and broken parts of a real one.
fn authorization_header() -> impl Strategy<Value = String> {
    let part = prop_oneof![
        Just("Credential=ASIAEXAMPLE/20260101/us-east-1/dynamodb/aws4_request".to_owned()),
        Just("SignedHeaders=host;x-amz-date".to_owned()),
        Just(format!("Signature={}", "a".repeat(64))),
        "Credential=[A-Za-z0-9/_-]{0,40}",
        "SignedHeaders=[a-z;-]{0,20}",
        "Signature=[0-9a-fA-Fg]{0,70}",
        text(),
    ];
    (
        prop_oneof![Just("AWS4-HMAC-SHA256 ".to_owned()), text()],
        vec(part, 0..5),
        prop_oneof![
            Just(",".to_owned()),
            Just(", ".to_owned()),
            Just(" ".to_owned())
        ],
    )
        .prop_map(|(scheme, parts, sep)| format!("{scheme}{}", parts.join(&sep)))
}

#[test]
fn sigv4_authorization_headers() {
    fuzz::run(
        "sigv4 Authorization header",
        authorization_header(),
        |header| {
            if let Some(auth) = Authorization::parse(&header) {
                prop_assert!(header.starts_with("AWS4-HMAC-SHA256 "));
                prop_assert_eq!(auth.signature.len(), 64);
                prop_assert!(auth.signature.bytes().all(|b| b.is_ascii_hexdigit()));
                prop_assert!(!auth.access_key_id.is_empty());
                prop_assert!(auth.signed_headers.iter().all(|h| !h.is_empty()));
            }
            Ok(())
        },
    );
}

#[test]
fn sigv4_dates() {
    fuzz::run(
        "sigv4 x-amz-date",
        prop_oneof![text(), "[0-9]{8}T[0-9]{6}Z"],
        |date| {
            if sigv4::parse_amz_date(&date).is_some() {
                prop_assert_eq!(date.len(), 16);
            }
            Ok(())
        },
    );
}

/// A request: method, path, one extra header, body.
fn request_parts() -> impl Strategy<Value = (String, String, (String, String), Vec<u8>)> {
    (
        prop_oneof![
            Just("GET".to_owned()),
            Just("POST".to_owned()),
            Just("PUT".to_owned())
        ],
        "/[a-zA-Z0-9._~/-]{0,30}",
        ("x-fuzz-[a-z]{1,10}", "[ -~]{0,20}"),
        vec(any::<u8>(), 0..200),
    )
}

/// A signature verifies for the exact request signed and for nothing else:
/// another body, path, header value or secret is refused.
#[test]
fn sigv4_signatures_verify_only_the_request_signed() {
    let strategy = (
        request_parts(),
        vec(any::<u8>(), 0..200),
        "[a-zA-Z0-9]{1,20}",
        0..4u8,
    );
    fuzz::run(
        "sigv4 verify",
        strategy,
        |((method, path, (name, value), body), other_body, other, change)| {
            let mut headers = HeaderMap::new();
            headers.insert("host", HeaderValue::from_static("127.0.0.1:4566"));
            let name = HeaderName::from_bytes(name.as_bytes()).expect("generated name");
            headers.insert(
                name.clone(),
                HeaderValue::from_str(value.trim()).expect("generated value"),
            );
            let uri = format!("http://127.0.0.1:4566{path}");
            let now = SystemTime::now();
            let signed = sigv4::sign(
                Service::DynamoDb,
                &method,
                &uri,
                &headers,
                &body,
                "ASIAFUZZ",
                "secret",
                Some("token"),
                now,
            )
            .expect("signs");
            for (n, v) in signed {
                headers.insert(n, v);
            }
            let auth = Authorization::parse(headers["authorization"].to_str().expect("ascii"))
                .expect("parses");
            let verify = |headers: &HeaderMap, path: &str, body: &[u8], secret: &str| {
                let received = Received {
                    method: &method,
                    path_and_query: path,
                    headers,
                    body,
                };
                sigv4::verify(
                    &auth,
                    &received,
                    Service::DynamoDb,
                    secret,
                    Some("token"),
                    now,
                )
            };
            prop_assert_eq!(verify(&headers, &path, &body, "secret"), Ok(()));
            let refused = match change {
                0 if other_body != body => verify(&headers, &path, &other_body, "secret"),
                1 => verify(&headers, &format!("{path}x"), &body, "secret"),
                2 => {
                    let mut changed = headers.clone();
                    changed.insert(
                        name,
                        HeaderValue::from_str(&format!("{}{other}", value.trim())).expect("value"),
                    );
                    verify(&changed, &path, &body, "secret")
                }
                _ => verify(&headers, &path, &body, &format!("secret{other}")),
            };
            if !(change == 0 && other_body == body) {
                prop_assert!(refused.is_err(), "a changed request verified");
            }
            Ok(())
        },
    );
}

/// Query authentication (presigned URLs) is not accepted: without an
/// `Authorization` header a request is not authenticated, and the S3
/// mapper never maps a query carrying SigV4 parameters.
#[test]
fn sigv4_query_authentication_is_never_accepted() {
    let presign = (
        prop_oneof![
            Just("X-Amz-Signature"),
            Just("X-Amz-Credential"),
            Just("X-Amz-Algorithm"),
            Just("X-Amz-Security-Token")
        ],
        "[ -~]{0,30}",
        vec(("[a-z-]{1,12}", "[a-z0-9]{0,8}"), 0..3),
        prop_oneof![
            Just(Method::GET),
            Just(Method::PUT),
            Just(Method::HEAD),
            Just(Method::DELETE)
        ],
        "/tenant-bucket(/[a-z0-9]{1,8}){0,3}",
    );
    fuzz::run(
        "sigv4 query auth",
        presign,
        |(param, value, others, method, path)| {
            let mut query = form_urlencoded::Serializer::new(String::new());
            query.append_pair(param, &value);
            for (k, v) in &others {
                query.append_pair(k, v);
            }
            let query = query.finish();
            let headers = HeaderMap::new();
            prop_assert!(iam_gateway::auth::authorization(&headers).is_err());
            prop_assert!(
                s3::map(&method, &path, Some(&query), &headers).is_err(),
                "{} {}?{}",
                method,
                path,
                query
            );
            Ok(())
        },
    );
}

// ------------------------------------------------------ key conditions

fn key_condition_tokens() -> impl Strategy<Value = String> {
    vec(
        prop_oneof![
            Just("pk"),
            Just("sk"),
            Just("#p"),
            Just("#s"),
            Just("#x"),
            Just(":v"),
            Just(":w"),
            Just(":z"),
            Just("="),
            Just("<"),
            Just("<="),
            Just(">"),
            Just(">="),
            Just("<>"),
            Just("BETWEEN"),
            Just("AND"),
            Just("and"),
            Just("OR"),
            Just("NOT"),
            Just("IN"),
            Just("begins_with"),
            Just("("),
            Just(")"),
            Just(","),
            Just("size"),
            Just("attribute_exists"),
            Just("\u{a0}"),
            Just(""),
        ],
        0..10,
    )
    .prop_map(|t| t.join(" "))
}

fn names() -> impl Strategy<Value = Option<Map<String, Value>>> {
    option::of(
        vec(
            (
                prop_oneof![Just("#p"), Just("#s"), Just("#x")],
                prop_oneof![Just("pk"), Just("sk"), Just("other")],
            ),
            0..3,
        )
        .prop_map(|pairs| {
            pairs
                .into_iter()
                .map(|(k, v)| (k.to_owned(), Value::from(v)))
                .collect()
        }),
    )
}

#[test]
fn key_condition_expressions() {
    let strategy = (prop_oneof![key_condition_tokens(), text()], names());
    fuzz::run("key condition", strategy, |(expression, names)| {
        let result = key_condition::partition_value_placeholder(&expression, names.as_ref(), "pk");
        if let Ok(placeholder) = result {
            prop_assert!(placeholder.starts_with(':'), "{placeholder}");
            prop_assert!(expression.contains(&placeholder));
            // A key condition has no OR and no NOT: reading one would let a
            // second partition slip past the check.
            let words: Vec<String> = expression
                .split_whitespace()
                .map(str::to_ascii_uppercase)
                .collect();
            prop_assert!(
                !words.iter().any(|w| w == "OR" || w == "NOT"),
                "{expression}"
            );
        }
        Ok(())
    });
}

/// A well-formed condition yields the placeholder compared to the key,
/// however it is spaced, parenthesised or aliased.
#[test]
fn key_condition_expressions_read_as_dynamodb_reads_them() {
    let strategy = (
        prop_oneof![Just("pk"), Just("#p")],
        option::of(prop_oneof![
            Just("sk = :w"),
            Just("sk < :w"),
            Just("#s >= :w"),
            Just("sk BETWEEN :w AND :z"),
            Just("begins_with(sk, :w)"),
        ]),
        any::<bool>(),
        any::<bool>(),
        "[ ]{0,3}",
    );
    fuzz::run(
        "key condition (well-formed)",
        strategy,
        |(key, sort, sort_first, parens, pad)| {
            let names: Map<String, Value> = [
                ("#p".to_owned(), json!("pk")),
                ("#s".to_owned(), json!("sk")),
            ]
            .into_iter()
            .collect();
            let on_key = format!("{key}{pad}={pad}:v");
            let on_key = if parens {
                format!("({on_key})")
            } else {
                on_key
            };
            let expression = match sort {
                Some(sort) if sort_first => format!("{sort} AND {on_key}"),
                Some(sort) => format!("{on_key} AND {sort}"),
                None => on_key,
            };
            prop_assert_eq!(
                key_condition::partition_value_placeholder(&expression, Some(&names), "pk"),
                Ok(":v".to_owned()),
                "{}",
                expression
            );
            Ok(())
        },
    );
}

// ------------------------------------------------------------- PartiQL

fn partiql_tokens() -> impl Strategy<Value = String> {
    vec(
        prop_oneof![
            Just("SELECT"),
            Just("INSERT"),
            Just("INTO"),
            Just("UPDATE"),
            Just("DELETE"),
            Just("FROM"),
            Just("WHERE"),
            Just("SET"),
            Just("VALUE"),
            Just("AND"),
            Just("OR"),
            Just("NOT"),
            Just("IN"),
            Just("BETWEEN"),
            Just("*"),
            Just("\"TenantDataTable\""),
            Just("TenantDataTable"),
            Just("\"TenantDataTable\".\"byTenant\""),
            Just("pk"),
            Just("\"pk\""),
            Just("sk"),
            Just("="),
            Just("<"),
            Just(">="),
            Just("<>"),
            Just("'k1'"),
            Just("'k2'"),
            Just("'it''s'"),
            Just("?"),
            Just("1"),
            Just("-1.5e3"),
            Just("{"),
            Just("}"),
            Just(":"),
            Just(","),
            Just("("),
            Just(")"),
            Just("begins_with"),
            Just("--"),
            Just("/*"),
            Just("*/"),
            Just(";"),
            Just("["),
            Just("]"),
        ],
        0..14,
    )
    .prop_map(|t| t.join(" "))
}

#[test]
fn partiql_statements() {
    fuzz::run(
        "partiql",
        prop_oneof![partiql_tokens(), text()],
        |statement| {
            if let Ok(parsed) = partiql::parse(&statement) {
                let upper = statement.to_ascii_uppercase();
                let words: Vec<&str> = upper.split_whitespace().collect();
                // The generated literals never spell a keyword, so these words
                // are the statement's own: none of them is in the subset read.
                prop_assert!(
                    !words
                        .iter()
                        .any(|w| ["OR", "NOT", "IN", "--", "/*", ";"].contains(w)),
                    "{statement}"
                );
                prop_assert!(!parsed.table.is_empty());
                if let Ok(Some(partiql::Operand::Literal(value))) = parsed.partition_value("pk") {
                    // A string literal's quotes are doubled in the text.
                    prop_assert!(
                        statement.contains(&value.replace('\'', "''")),
                        "{statement}"
                    );
                }
                let questions = statement.matches('?').count();
                prop_assert!(parsed.parameters <= questions);
            }
            Ok(())
        },
    );
}

/// A statement confined to one partition names it, whichever verb.
#[test]
fn partiql_statements_pin_the_partition_they_name() {
    let strategy = (0..4u8, "k[0-9]{1,3}", any::<bool>());
    fuzz::run(
        "partiql (well-formed)",
        strategy,
        |(verb, key, parameter)| {
            let value = if parameter {
                "?".to_owned()
            } else {
                format!("'{key}'")
            };
            let statement = match verb {
                0 => format!("SELECT * FROM \"TenantDataTable\" WHERE pk = {value} AND sk > 'a'"),
                1 => {
                    format!("UPDATE \"TenantDataTable\" SET v = 1 WHERE pk = {value} AND sk = 'a'")
                }
                2 => format!("DELETE FROM \"TenantDataTable\" WHERE sk = 'a' AND pk = {value}"),
                _ => format!("INSERT INTO \"TenantDataTable\" VALUE {{'pk': {value}, 'sk': 'a'}}"),
            };
            let parsed = partiql::parse(&statement)
                .map_err(|e| TestCaseError::fail(format!("{statement}: {e}")))?;
            let expected = if parameter {
                partiql::Operand::Parameter(0)
            } else {
                partiql::Operand::Literal(key)
            };
            prop_assert_eq!(parsed.partition_value("pk"), Ok(Some(&expected)));
            Ok(())
        },
    );
}

// ------------------------------------------------------------------ S3

fn s3_path() -> impl Strategy<Value = String> {
    let segment = prop_oneof![
        "[a-z0-9.-]{0,8}",
        Just("..".to_owned()),
        Just(".".to_owned()),
        Just(String::new()),
        "%[0-9A-Fa-fg]{0,2}",
        "[ -~]{0,6}",
        Just("tenant-bucket".to_owned()),
        Just("k1".to_owned()),
    ];
    vec(segment, 0..5).prop_map(|s| format!("/{}", s.join("/")))
}

fn s3_query() -> impl Strategy<Value = Option<String>> {
    option::of(
        vec(
            (
                prop_oneof![
                    Just("list-type"),
                    Just("prefix"),
                    Just("delimiter"),
                    Just("x-id"),
                    Just("uploads"),
                    Just("acl"),
                    Just("versionId"),
                    Just("max-keys"),
                    Just("tagging"),
                    Just("X-Amz-Signature"),
                ],
                prop_oneof![
                    Just("2"),
                    Just("k1/"),
                    Just("GetObject"),
                    Just(""),
                    Just("%zz")
                ],
            ),
            0..4,
        )
        .prop_map(|pairs| {
            pairs
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("&")
        }),
    )
}

#[test]
fn s3_paths_queries_and_headers() {
    let strategy = (
        prop_oneof![
            Just(Method::GET),
            Just(Method::PUT),
            Just(Method::HEAD),
            Just(Method::DELETE),
            Just(Method::POST)
        ],
        s3_path(),
        s3_query(),
        vec(
            (
                prop_oneof![
                    Just("x-amz-copy-source"),
                    Just("x-amz-acl"),
                    Just("x-amz-meta-a"),
                    Just("content-type"),
                    Just("x-amz-server-side-encryption")
                ],
                "[a-zA-Z0-9]{0,8}",
            ),
            0..3,
        ),
    );
    fuzz::run(
        "s3 path and query",
        strategy,
        |(method, path, query, headers)| {
            let mut map = HeaderMap::new();
            for (name, value) in &headers {
                map.append(
                    *name,
                    HeaderValue::from_str(value).expect("generated value"),
                );
            }
            if let Ok(mapped) = s3::map(&method, &path, query.as_deref(), &map) {
                let action = mapped.check.action.as_str();
                prop_assert!(
                    [
                        "s3:GetObject",
                        "s3:PutObject",
                        "s3:DeleteObject",
                        "s3:ListBucket",
                        "s3:ListAllMyBuckets"
                    ]
                    .contains(&action)
                );
                prop_assert!(
                    !map.contains_key("x-amz-copy-source") && !map.contains_key("x-amz-acl")
                );
                if let Some(object) = mapped.check.resource.strip_prefix("arn:aws:s3:::")
                    && let Some((_, key)) = object.split_once('/')
                {
                    // What moto is sent decodes to the key that was checked.
                    let sent = mapped
                        .moto_path
                        .trim_start_matches('/')
                        .split_once('/')
                        .map(|(_, k)| k)
                        .unwrap_or_default();
                    let decoded = percent::decode(sent);
                    prop_assert_eq!(decoded.as_deref(), Some(key));
                    prop_assert!(
                        key.split('/')
                            .all(|s| !s.is_empty() && s != "." && s != "..")
                    );
                }
            }
            Ok(())
        },
    );
}

#[test]
fn percent_decoding() {
    fuzz::run(
        "percent decode/encode",
        (text(), any::<bool>()),
        |(text, keep_slash)| {
            let _ = percent::decode(&text);
            prop_assert_eq!(
                percent::decode(&percent::encode(&text, keep_slash)),
                Some(text)
            );
            Ok(())
        },
    );
}

// ----------------------------------------------------------- strict JSON

/// A JSON tree whose objects may repeat keys, and whether one does.
#[derive(Debug, Clone)]
enum Node {
    Scalar(&'static str),
    Array(Vec<Node>),
    Object(Vec<(&'static str, Node)>),
}

impl Node {
    fn text(&self) -> String {
        match self {
            Self::Scalar(s) => (*s).to_owned(),
            Self::Array(items) => format!(
                "[{}]",
                items.iter().map(Self::text).collect::<Vec<_>>().join(",")
            ),
            Self::Object(members) => format!(
                "{{{}}}",
                members
                    .iter()
                    .map(|(k, v)| format!("\"{k}\":{}", v.text()))
                    .collect::<Vec<_>>()
                    .join(",")
            ),
        }
    }

    fn repeats_a_key(&self) -> bool {
        match self {
            Self::Scalar(_) => false,
            Self::Array(items) => items.iter().any(Self::repeats_a_key),
            Self::Object(members) => {
                members
                    .iter()
                    .enumerate()
                    .any(|(i, (k, _))| members[..i].iter().any(|(seen, _)| seen == k))
                    || members.iter().any(|(_, v)| v.repeats_a_key())
            }
        }
    }
}

fn json_tree() -> impl Strategy<Value = Node> {
    let leaf = prop_oneof![
        Just(Node::Scalar("1")),
        Just(Node::Scalar("\"s\"")),
        Just(Node::Scalar("null")),
        Just(Node::Scalar("true"))
    ];
    leaf.prop_recursive(4, 32, 4, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..4).prop_map(Node::Array),
            vec(
                (
                    prop_oneof![Just("a"), Just("b"), Just("c"), Just("\\u0061")],
                    inner
                ),
                0..4
            )
            .prop_map(Node::Object),
        ]
    })
}

#[test]
fn strict_json_finds_every_repeated_key() {
    fuzz::run("strict_json", json_tree(), |tree| {
        let text = tree.text();
        // "\u0061" is "a" once decoded: a repeat only a parser would see.
        let decoded_repeat = text.contains("\\u0061") && {
            let plain = text.replace("\\u0061", "a");
            serde_json::from_str::<Value>(&plain).is_ok()
                && strict_json::has_duplicate_keys(plain.as_bytes())
        };
        let expected = tree.repeats_a_key() || decoded_repeat;
        prop_assert_eq!(
            strict_json::has_duplicate_keys(text.as_bytes()),
            expected,
            "{}",
            text
        );
        Ok(())
    });
}

#[test]
fn strict_json_arbitrary_bytes() {
    let deep =
        (1..300usize).prop_map(|n| format!("{}{}", "[".repeat(n), "]".repeat(n)).into_bytes());
    fuzz::run(
        "strict_json (bytes)",
        prop_oneof![vec(any::<u8>(), 0..256), deep],
        |bytes| {
            let _ = strict_json::has_duplicate_keys(&bytes);
            Ok(())
        },
    );
}

// ------------------------------------------------- STS, IAM, API Gateway

fn form_params(keys: Vec<&'static str>) -> impl Strategy<Value = Vec<(String, String)>> {
    vec(
        (
            prop::sample::select(keys),
            prop_oneof![
                text(),
                "[A-Za-z0-9+=,.@_-]{0,70}",
                Just("arn:aws:iam::123456789012:role/TenantRole".to_owned()),
                Just("3600".to_owned()),
                "-?[0-9]{1,6}",
            ],
        )
            .prop_map(|(k, v)| (k.to_owned(), v)),
        0..8,
    )
}

#[test]
fn sts_assume_role_parameters() {
    let keys = vec![
        "RoleArn",
        "RoleSessionName",
        "DurationSeconds",
        "SourceIdentity",
        "Policy",
        "ExternalId",
        "Tags.member.1.Key",
        "Tags.member.1.Value",
        "Tags.member.2.Key",
        "Tags.member.x.Value",
        "TransitiveTagKeys.member.1",
        "PolicyArns.member.1.arn",
        "SerialNumber",
        "Action",
        "Version",
    ];
    fuzz::run("sts AssumeRole parameters", form_params(keys), |params| {
        if let Ok(input) = sts::parse_assume_role(&params) {
            prop_assert!((900..=43_200).contains(&input.duration_seconds));
            let name_ok = |s: &str| {
                (2..=64).contains(&s.len())
                    && s.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b))
            };
            prop_assert!(name_ok(&input.session_name), "{}", input.session_name);
            if let Some(source) = &input.source_identity {
                prop_assert!(name_ok(source));
            }
            let suffix = format!("/{}", input.role_name);
            prop_assert!(input.role_arn.ends_with(&suffix), "{}", input.role_arn);
            prop_assert!(input.tags.len() <= 50);
        }
        Ok(())
    });
}

#[test]
fn iam_parameters() {
    let keys = vec![
        "Action",
        "RoleName",
        "PolicyArn",
        "UserName",
        "PolicyName",
        "PolicyDocument",
        "Version",
    ];
    fuzz::run("iam mapper", form_params(keys), |params| {
        if let Ok(check) = iam::map(&params) {
            let distinct: std::collections::HashSet<&str> =
                params.iter().map(|(k, _)| k.as_str()).collect();
            prop_assert_eq!(
                distinct.len(),
                params.len(),
                "a repeated parameter was mapped"
            );
            prop_assert!(
                check
                    .action
                    .strip_prefix("iam:")
                    .is_some_and(|a| !a.is_empty() && a.bytes().all(|b| b.is_ascii_alphanumeric()))
            );
            prop_assert!(
                check.resource == "*"
                    || check
                        .resource
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-/:".contains(&b))
            );
        }
        Ok(())
    });
}

#[test]
fn apigateway_paths() {
    let strategy = (
        prop_oneof![
            Just(Method::GET),
            Just(Method::POST),
            Just(Method::PATCH),
            Just(Method::DELETE),
            Just(Method::OPTIONS),
            Just(Method::HEAD)
        ],
        prop_oneof![
            "(/[a-z0-9_.~-]{0,6}){0,4}",
            Just("/apikeys/../usageplans".to_owned()),
            "/[ -~]{0,20}",
            text(),
        ],
    );
    fuzz::run("apigateway mapper", strategy, |(method, path)| {
        if let Ok(check) = apigateway::map(&method, &path) {
            let rest = path.strip_prefix('/').unwrap_or_default();
            prop_assert!(
                rest.split('/')
                    .all(|s| !s.is_empty() && s != "." && s != "..")
            );
            prop_assert!(check.resource.ends_with(&path));
            prop_assert_eq!(check.action, format!("apigateway:{method}"));
        }
        Ok(())
    });
}

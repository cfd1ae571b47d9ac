//! Credentials the gateway did not issue, that have expired, or whose
//! signature does not match the request are refused with AWS's own error
//! codes by DynamoDB and S3; bad input gets AWS-shaped errors and never
//! takes the gateway down.

mod gateway_support;

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_dynamodb::config::interceptors::BeforeTransmitInterceptorContextMut;
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_smithy_types::body::SdkBody;
use gateway_support::{TENANT_A, dynamodb, dynamodb_with, raw, s3, start, tenant};
use iam_gateway::sigv4::Service;
use vendor_fn::Scope;

fn own_key() -> HashMap<String, AttributeValue> {
    HashMap::from([
        ("pk".to_owned(), AttributeValue::S(TENANT_A.to_owned())),
        ("sk".to_owned(), AttributeValue::S("x".to_owned())),
    ])
}

/// After signing, swaps the tenant's own key for another tenant's in the
/// body: the request an attacker holding k1's credentials would forge.
#[derive(Debug)]
struct SwapPartitionAfterSigning;

impl Intercept for SwapPartitionAfterSigning {
    fn name(&self) -> &'static str {
        "SwapPartitionAfterSigning"
    }

    fn modify_before_transmit(
        &self,
        context: &mut BeforeTransmitInterceptorContextMut<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), aws_smithy_runtime_api::box_error::BoxError> {
        let request = context.request_mut();
        let body = request.body().bytes().unwrap_or_default().to_vec();
        let forged = String::from_utf8(body)?.replace("{\"S\":\"k1\"}", "{\"S\":\"k2\"}");
        *request.body_mut() = SdkBody::from(forged);
        Ok(())
    }
}

#[tokio::test]
async fn dynamodb_refuses_unknown_expired_and_tampered_requests_with_its_error_codes() {
    let gateway = start().await;
    let table = gateway.deployment().data_table.clone();
    let creds = tenant(&gateway, TENANT_A, Scope::ReadWrite).await;
    let get = |client: aws_sdk_dynamodb::Client| {
        let table = table.clone();
        async move {
            client
                .get_item()
                .table_name(table)
                .set_key(Some(own_key()))
                .send()
                .await
        }
    };
    get(dynamodb(&gateway, &creds))
        .await
        .expect("the genuine request works");

    let mut unknown = creds.clone();
    unknown.access_key_id = "ASIAUNKNOWNUNKNOWN00".into();
    let err = get(dynamodb(&gateway, &unknown))
        .await
        .expect_err("unknown key");
    assert_eq!(err.code(), Some("UnrecognizedClientException"));

    let mut foreign_token = creds.clone();
    foreign_token.session_token = iam_gateway::Secret::new("a-token-sandbox-never-issued");
    let err = get(dynamodb(&gateway, &foreign_token))
        .await
        .expect_err("foreign token");
    assert_eq!(err.code(), Some("UnrecognizedClientException"));

    let mut wrong_secret = creds.clone();
    wrong_secret.secret_access_key = iam_gateway::Secret::new("not-the-secret");
    let err = get(dynamodb(&gateway, &wrong_secret))
        .await
        .expect_err("wrong secret");
    assert_eq!(err.code(), Some("InvalidSignatureException"));

    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(aws_sdk_dynamodb::config::BehaviorVersion::latest())
        .region(aws_sdk_dynamodb::config::Region::new(iam_gateway::REGION))
        .endpoint_url(gateway.endpoint_url())
        .credentials_provider(creds.to_sdk())
        .retry_config(aws_sdk_dynamodb::config::retry::RetryConfig::disabled())
        .interceptor(SwapPartitionAfterSigning)
        .build();
    let err = get(aws_sdk_dynamodb::Client::from_conf(config))
        .await
        .expect_err("tampered body");
    assert_eq!(err.code(), Some("InvalidSignatureException"));

    gateway.advance_clock(Duration::from_secs(901));
    let err = get(dynamodb_with(&gateway, creds.to_sdk()))
        .await
        .expect_err("expired");
    assert_eq!(err.code(), Some("ExpiredTokenException"));
}

#[tokio::test]
async fn s3_refuses_unknown_expired_and_wrongly_signed_requests_with_its_error_codes() {
    let gateway = start().await;
    let bucket = gateway.deployment().bucket.clone();
    let creds = tenant(&gateway, TENANT_A, Scope::ReadWrite).await;
    let list = |client: aws_sdk_s3::Client| {
        let bucket = bucket.clone();
        async move {
            client
                .list_objects_v2()
                .bucket(bucket)
                .prefix("k1/")
                .send()
                .await
        }
    };
    list(s3(&gateway, &creds))
        .await
        .expect("the genuine request works");

    let mut unknown = creds.clone();
    unknown.access_key_id = "ASIAUNKNOWNUNKNOWN00".into();
    let err = list(s3(&gateway, &unknown)).await.expect_err("unknown key");
    assert_eq!(err.code(), Some("InvalidAccessKeyId"));

    let mut wrong_secret = creds.clone();
    wrong_secret.secret_access_key = iam_gateway::Secret::new("not-the-secret");
    let err = list(s3(&gateway, &wrong_secret))
        .await
        .expect_err("wrong secret");
    assert_eq!(err.code(), Some("SignatureDoesNotMatch"));

    gateway.advance_clock(Duration::from_secs(901));
    let err = list(s3(&gateway, &creds)).await.expect_err("expired");
    assert_eq!(err.code(), Some("ExpiredToken"));
}

/// (what, headers, body, expected status, expected error code)
type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, &'a [u8], u16, &'a str);

#[tokio::test]
#[expect(clippy::too_many_lines, reason = "one scenario, read top to bottom")]
async fn bad_input_gets_aws_shaped_errors_and_the_sandbox_keeps_serving() {
    let gateway = start().await;
    let creds = tenant(&gateway, TENANT_A, Scope::ReadWrite).await;
    let table = gateway.deployment().data_table.clone();
    let json = "application/x-amz-json-1.0";
    let target = |op: &str| format!("DynamoDB_20120810.{op}");
    let deep = "[".repeat(100_000);
    let huge = vec![b'x'; 17 * 1024 * 1024];
    let no_partition = format!(r#"{{"TableName":"{table}","Key":{{"sk":{{"S":"x"}}}}}}"#);
    let duplicate_keys = format!(
        r#"{{"TableName":"{table}","Key":{{"pk":{{"S":"k1"}},"pk":{{"S":"k1x"}},"sk":{{"S":"x"}}}}}}"#
    );
    let binary_partition =
        format!(r#"{{"TableName":"{table}","Key":{{"pk":{{"B":"azE="}},"sk":{{"S":"x"}}}}}}"#);
    let get_item = target("GetItem");
    let nope = target("Nope");
    let statement = target("ExecuteStatement");
    let dynamo_cases: Vec<Case<'_>> = vec![
        (
            "malformed JSON",
            vec![("content-type", json), ("x-amz-target", &get_item)],
            b"{not json",
            400,
            "SerializationException",
        ),
        (
            "JSON array",
            vec![("content-type", json), ("x-amz-target", &get_item)],
            b"[1,2]",
            400,
            "SerializationException",
        ),
        (
            "deeply nested JSON",
            vec![("content-type", json), ("x-amz-target", &get_item)],
            deep.as_bytes(),
            400,
            "SerializationException",
        ),
        (
            "unknown target",
            vec![("content-type", json), ("x-amz-target", &nope)],
            b"{}",
            400,
            "UnknownOperationException",
        ),
        (
            "no target",
            vec![("content-type", json)],
            b"{}",
            400,
            "UnknownOperationException",
        ),
        (
            "no partition key",
            vec![("content-type", json), ("x-amz-target", &get_item)],
            no_partition.as_bytes(),
            400,
            "AccessDeniedException",
        ),
        (
            "duplicate JSON keys",
            vec![("content-type", json), ("x-amz-target", &get_item)],
            duplicate_keys.as_bytes(),
            400,
            "AccessDeniedException",
        ),
        (
            "binary partition key",
            vec![("content-type", json), ("x-amz-target", &get_item)],
            binary_partition.as_bytes(),
            400,
            "AccessDeniedException",
        ),
        (
            "PartiQL",
            vec![("content-type", json), ("x-amz-target", &statement)],
            br#"{"Statement":"SELECT * FROM x"}"#,
            400,
            "AccessDeniedException",
        ),
        (
            "oversized body",
            vec![("content-type", json), ("x-amz-target", &get_item)],
            &huge,
            413,
            "RequestEntityTooLarge",
        ),
    ];
    for (what, headers, body, status, code) in dynamo_cases {
        let (got_status, got_body) = raw(
            &gateway,
            Some(&creds),
            Service::DynamoDb,
            "POST",
            "/",
            &headers,
            body,
        )
        .await;
        assert_eq!(got_status, status, "{what}: {got_body}");
        let parsed: serde_json::Value = serde_json::from_str(&got_body)
            .unwrap_or_else(|_| panic!("{what}: JSON error body: {got_body}"));
        assert!(
            parsed["__type"]
                .as_str()
                .is_some_and(|t| t.ends_with(&format!("#{code}"))),
            "{what}: {got_body}"
        );
    }

    let form = "application/x-www-form-urlencoded";
    let sts_cases: Vec<(&str, &[u8], u16, &str)> = vec![
        ("garbage form", b"\xff\xfe%%%&&==", 400, "InvalidAction"),
        ("unknown action", b"Action=Nope&Version=2011-06-15", 400, "InvalidAction"),
        ("malformed tags", b"Action=AssumeRole&Version=2011-06-15&RoleArn=arn:aws:iam::123456789012:role/TenantRole&RoleSessionName=k1&Tags.member.x.Key=a", 400, "ValidationError"),
        ("malformed session policy", b"Action=AssumeRole&Version=2011-06-15&RoleArn=arn:aws:iam::123456789012:role/TenantRole&RoleSessionName=k1&Policy=%7Bnot", 400, "MalformedPolicyDocument"),
    ];
    for (what, body, status, code) in sts_cases {
        let (got_status, got_body) = raw(
            &gateway,
            Some(&creds),
            Service::Sts,
            "POST",
            "/",
            &[("content-type", form)],
            body,
        )
        .await;
        assert_eq!(got_status, status, "{what}: {got_body}");
        assert!(
            got_body.contains(&format!("<Code>{code}</Code>"))
                && got_body.starts_with("<ErrorResponse"),
            "{what}: {got_body}"
        );
    }

    let bucket = gateway.deployment().bucket.clone();
    let s3_cases: Vec<(&str, &str, String, &[u8])> = vec![
        (
            "malformed XML to DeleteObjects",
            "POST",
            format!("/{bucket}?delete"),
            b"<Delete><Object><Key>k1x/a</Key",
        ),
        // Multipart uploads of one object are mapped (gateway_s3_multipart.rs);
        // listing a bucket's uploads is neither granted nor mapped.
        (
            "listing a bucket's multipart uploads",
            "GET",
            format!("/{bucket}?uploads"),
            b"",
        ),
        (
            "ACL",
            "PUT",
            format!("/{bucket}/k1/a?acl"),
            b"<AccessControlPolicy>",
        ),
    ];
    for (what, method, path, body) in s3_cases {
        let hash = iam_gateway::sigv4::sha256_hex(body);
        let (got_status, got_body) = raw(
            &gateway,
            Some(&creds),
            Service::S3,
            method,
            &path,
            &[("x-amz-content-sha256", &hash)],
            body,
        )
        .await;
        assert_eq!(got_status, 403, "{what}: {got_body}");
        assert!(
            got_body.contains("<Code>AccessDenied</Code>"),
            "{what}: {got_body}"
        );
    }

    let (status, body) = raw(
        &gateway,
        None,
        Service::DynamoDb,
        "POST",
        "/",
        &[("x-amz-target", &get_item)],
        b"{}",
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body.contains("MissingAuthenticationTokenException"),
        "{body}"
    );
    let (status, body) = raw(
        &gateway,
        None,
        Service::DynamoDb,
        "POST",
        "/",
        &[
            ("x-amz-target", &get_item),
            ("authorization", "AWS4-HMAC-SHA256 garbage"),
        ],
        b"{}",
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("IncompleteSignatureException"), "{body}");

    // Not HTTP at all.
    {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut stream =
            tokio::net::TcpStream::connect(gateway.endpoint_url().trim_start_matches("http://"))
                .await
                .expect("connects");
        let _ = stream.write_all(b"\x00\x01\x02 garbage \r\n\r\n").await;
        let mut sink = Vec::new();
        let _ = stream.read_to_end(&mut sink).await;
    }

    // Still serving.
    dynamodb(&gateway, &creds)
        .get_item()
        .table_name(&table)
        .set_key(Some(own_key()))
        .send()
        .await
        .expect("the sandbox still serves");
}

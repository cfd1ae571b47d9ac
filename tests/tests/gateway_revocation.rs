//! Session revocation and the same-account trust rule, through the gateway
//! with real SDK calls. The gateway puts each session's real issue time in
//! `aws:TokenIssueTime`, so the revocations tenantctl writes
//! (tenant-lifecycle's `Revocations`, on the tenant role in moto) refuse
//! exactly the sessions they target: on DynamoDB and S3, one issued in the
//! same second as the suspend included, while the other tenant's sessions
//! and the revoked tenant's later ones keep working.

mod gateway_support;

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_s3::primitives::ByteStream;
use chrono::Utc;
use gateway_support::{TENANT_A, TENANT_B, dynamodb, s3, start, sts, tenant};
use iam_gateway::{Gateway, IssuedCredentials};
use tenant_lifecycle::revocation::{REVOCATIONS_POLICY, deadline, max_refusal_after_suspend};
use tenant_lifecycle::{Revocations, RevokedBy};
use tenant_registry::ApiKeyId;
use vendor_fn::Scope;

fn key(tenant: &str) -> HashMap<String, AttributeValue> {
    HashMap::from([
        ("pk".to_owned(), AttributeValue::S(tenant.to_owned())),
        ("sk".to_owned(), AttributeValue::S("note".to_owned())),
    ])
}

/// Puts `revocations` on the tenant role, as `tenantctl suspend
/// --revoke-sessions` does.
async fn put_on_tenant_role(gateway: &Gateway, revocations: &Revocations) {
    let role = gateway.deployment().tenant_role.clone();
    gateway
        .moto()
        .iam(
            "PutRolePolicy",
            &[
                ("RoleName", role.as_str()),
                ("PolicyName", REVOCATIONS_POLICY),
                ("PolicyDocument", revocations.to_document().as_str()),
            ],
        )
        .await
        .expect("moto stores the revocation");
}

/// Whether `credentials` of `tenant` can still write its own item and object.
async fn own_data_works(gateway: &Gateway, tenant: &str, credentials: &IssuedCredentials) -> bool {
    let table = gateway.deployment().data_table.clone();
    let bucket = gateway.deployment().bucket.clone();
    let item = dynamodb(gateway, credentials)
        .put_item()
        .table_name(&table)
        .set_item(Some(key(tenant)))
        .send()
        .await;
    let object = s3(gateway, credentials)
        .put_object()
        .bucket(&bucket)
        .key(format!("{tenant}/note.txt"))
        .body(ByteStream::from_static(b"note"))
        .send()
        .await;
    match (item, object) {
        (Ok(_), Ok(_)) => true,
        (Err(item), Err(object)) => {
            assert_eq!(item.code(), Some("AccessDeniedException"), "{item:?}");
            assert_eq!(object.code(), Some("AccessDenied"), "{object:?}");
            false
        }
        (item, object) => panic!("DynamoDB and S3 disagree: {item:?} / {object:?}"),
    }
}

#[tokio::test]
async fn a_revoked_tenants_sessions_are_refused_on_dynamodb_and_s3_and_no_one_elses() {
    let gateway = start().await;
    let revoked = tenant(&gateway, TENANT_A, Scope::ReadWrite).await;
    let other = tenant(&gateway, TENANT_B, Scope::ReadWrite).await;
    assert!(own_data_works(&gateway, TENANT_A, &revoked).await);
    assert!(own_data_works(&gateway, TENANT_B, &other).await);

    // The suspend is written now: in the same second the session was issued.
    let mut revocations = Revocations::default();
    revocations.add(
        RevokedBy::Tenant,
        &ApiKeyId::parse(TENANT_A).unwrap(),
        deadline(Utc::now()),
    );
    put_on_tenant_role(&gateway, &revocations).await;

    assert!(
        !own_data_works(&gateway, TENANT_A, &revoked).await,
        "the revoked session is refused on its very next call"
    );
    assert!(
        own_data_works(&gateway, TENANT_B, &other).await,
        "another tenant (whose key ID starts with the revoked one's) is untouched"
    );
    // A session vended right after the suspend (a vend in flight) too.
    let in_flight = tenant(&gateway, TENANT_A, Scope::ReadWrite).await;
    assert!(!own_data_works(&gateway, TENANT_A, &in_flight).await);

    // After the deadline (a resume), new sessions work again.
    gateway.advance_clock(Duration::from_secs(
        u64::try_from(max_refusal_after_suspend().num_seconds()).unwrap() + 1,
    ));
    let after_resume = tenant(&gateway, TENANT_A, Scope::ReadWrite).await;
    assert!(own_data_works(&gateway, TENANT_A, &after_resume).await);
    assert!(!own_data_works(&gateway, TENANT_A, &revoked).await);
}

#[tokio::test]
async fn a_trust_policy_naming_the_tenant_role_lets_tenant_sessions_in_as_aws_would() {
    // AWS's same-account rule: a trust policy naming a role ARN grants
    // AssumeRole to its sessions with no identity-based permission, which
    // the tenant role's policy does not give. This is the path the audit's
    // trust lint guards against; the gateway must not hide it. (The tenant
    // session's source identity carries over in a chain, so the trust must
    // also allow sts:SetSourceIdentity, as AWS requires.)
    let gateway = start().await;
    let tenant_role = gateway.deployment().tenant_role_arn();
    for (name, principal, allowed) in [
        ("NamesTenantRole", tenant_role.as_str(), true),
        ("NamesTheAccount", "arn:aws:iam::123456789012:root", false),
    ] {
        let trust = format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"{principal}"}},"Action":["sts:AssumeRole","sts:SetSourceIdentity"]}}]}}"#
        );
        gateway
            .moto()
            .iam(
                "CreateRole",
                &[("RoleName", name), ("AssumeRolePolicyDocument", &trust)],
            )
            .await
            .expect("role created");
        let session = tenant(&gateway, TENANT_A, Scope::ReadWrite).await;
        let result = sts(&gateway, &session)
            .assume_role()
            .role_arn(format!("arn:aws:iam::123456789012:role/{name}"))
            .role_session_name("chained")
            .send()
            .await;
        if allowed {
            assert!(result.is_ok(), "{name}: {result:?}");
        } else {
            let err = result.expect_err(name);
            assert_eq!(err.code(), Some("AccessDenied"), "{name}: {err:?}");
        }
    }
}

fn config(gateway: &Gateway, credentials: &IssuedCredentials) -> aws_config::SdkConfig {
    aws_config::SdkConfig::builder()
        .behavior_version(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new(iam_gateway::REGION))
        .endpoint_url(gateway.endpoint_url())
        .credentials_provider(
            aws_credential_types::provider::SharedCredentialsProvider::new(credentials.to_sdk()),
        )
        .build()
}

#[tokio::test]
async fn a_tenant_session_can_not_lift_its_revocation_or_re_enable_a_key_but_the_operator_can() {
    let gateway = start().await;
    let role = gateway.deployment().tenant_role.clone();
    let session = tenant(&gateway, TENANT_A, Scope::ReadWrite).await;
    let operator = gateway.operator_credentials().await.expect("operator");

    let iam = aws_sdk_iam::Client::new(&config(&gateway, &session));
    let lifted = iam
        .delete_role_policy()
        .role_name(&role)
        .policy_name(REVOCATIONS_POLICY)
        .send()
        .await
        .expect_err("a tenant deleting the revocations policy");
    assert_eq!(lifted.code(), Some("AccessDenied"), "{lifted:?}");
    let listing = iam.list_role_policies().role_name(&role).send().await;
    assert_eq!(
        listing.expect_err("tenant lists").code(),
        Some("AccessDenied")
    );

    let apigateway = aws_sdk_apigateway::Client::new(&config(&gateway, &session));
    let keys = apigateway
        .get_api_keys()
        .send()
        .await
        .expect_err("tenant reads keys");
    assert_eq!(keys.code(), Some("AccessDeniedException"), "{keys:?}");

    // The operator, through the same gateway, may.
    let iam = aws_sdk_iam::Client::new(&config(&gateway, &operator));
    let names = iam
        .list_role_policies()
        .role_name(&role)
        .send()
        .await
        .expect("the operator lists the tenant role's policies");
    assert!(
        names
            .policy_names()
            .iter()
            .any(|n| n == "tenant-role-permissions")
    );
    aws_sdk_apigateway::Client::new(&config(&gateway, &operator))
        .get_api_keys()
        .send()
        .await
        .expect("the operator reads API keys");
}

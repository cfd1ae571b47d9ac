//! The gateway keeps the roles' documents it read from moto, and a change
//! to them takes effect on the very next request, whichever way it was
//! written: through the gateway's IAM (the operator's tenantctl and AWS
//! CLI, the sandbox's own life cycle), with `gateway.moto()` (in-process
//! code and tests), or straight into moto followed by
//! `Gateway::invalidate_policies()`.

mod gateway_support;

use std::collections::HashMap;

use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::types::AttributeValue;
use gateway_support::{TENANT_A, dynamodb, start, sts, tenant};
use iam_gateway::{Gateway, IssuedCredentials};
use tenant_registry::ApiKeyId;
use vendor_fn::Scope;
use vendor_fn::issuer::{SessionRequest, StsIssuer};

const POLICY: &str = "deny-tenant-a";

/// Denies everything to sessions tagged with tenant A's key ID.
fn deny_tenant_a() -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Deny","Action":"*","Resource":"*","Condition":{{"StringEquals":{{"aws:PrincipalTag/api-key-id":"{TENANT_A}"}}}}}}]}}"#
    )
}

fn sdk_config(
    endpoint: String,
    credentials: aws_credential_types::Credentials,
) -> aws_config::SdkConfig {
    aws_config::SdkConfig::builder()
        .behavior_version(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new(iam_gateway::REGION))
        .endpoint_url(endpoint)
        .credentials_provider(
            aws_credential_types::provider::SharedCredentialsProvider::new(credentials),
        )
        .build()
}

/// The operator's IAM client, through the gateway (as tenantctl acts).
async fn operator_iam(gateway: &Gateway) -> aws_sdk_iam::Client {
    let operator = gateway.operator_credentials().await.expect("operator");
    aws_sdk_iam::Client::new(&sdk_config(gateway.endpoint_url(), operator.to_sdk()))
}

/// Whether tenant A's session can read its own item (the gateway refuses
/// with AccessDeniedException when its policies say no).
async fn reads_own_item(gateway: &Gateway, session: &IssuedCredentials) -> bool {
    let key = HashMap::from([
        ("pk".to_owned(), AttributeValue::S(TENANT_A.to_owned())),
        ("sk".to_owned(), AttributeValue::S("cached".to_owned())),
    ]);
    match dynamodb(gateway, session)
        .get_item()
        .table_name(&gateway.deployment().data_table)
        .set_key(Some(key))
        .send()
        .await
    {
        Ok(_) => true,
        Err(e) => {
            assert_eq!(e.code(), Some("AccessDeniedException"), "{e:?}");
            false
        }
    }
}

/// Reads a few times, so the role is surely held by the gateway's cache.
async fn warm(gateway: &Gateway, session: &IssuedCredentials) {
    for _ in 0..3 {
        assert!(
            reads_own_item(gateway, session).await,
            "allowed before the change"
        );
    }
}

#[tokio::test]
async fn a_policy_put_through_the_gateways_iam_refuses_the_very_next_request_and_its_removal_allows_the_next()
 {
    let gateway = start().await;
    let session = tenant(&gateway, TENANT_A, Scope::ReadWrite).await;
    let iam = operator_iam(&gateway).await;
    let role = gateway.deployment().tenant_role.clone();
    warm(&gateway, &session).await;

    iam.put_role_policy()
        .role_name(&role)
        .policy_name(POLICY)
        .policy_document(deny_tenant_a())
        .send()
        .await
        .expect("the operator puts the policy");
    assert!(
        !reads_own_item(&gateway, &session).await,
        "refused on the very next request"
    );
    assert!(!reads_own_item(&gateway, &session).await, "and after it");

    iam.delete_role_policy()
        .role_name(&role)
        .policy_name(POLICY)
        .send()
        .await
        .expect("the operator deletes it");
    assert!(
        reads_own_item(&gateway, &session).await,
        "allowed again at once"
    );
}

#[tokio::test]
async fn a_policy_written_with_the_gateways_moto_client_refuses_the_very_next_request() {
    let gateway = start().await;
    let session = tenant(&gateway, TENANT_A, Scope::ReadWrite).await;
    let role = gateway.deployment().tenant_role.clone();
    warm(&gateway, &session).await;

    let document = deny_tenant_a();
    gateway
        .moto()
        .iam(
            "PutRolePolicy",
            &[
                ("RoleName", role.as_str()),
                ("PolicyName", POLICY),
                ("PolicyDocument", document.as_str()),
            ],
        )
        .await
        .expect("moto stores the policy");
    assert!(!reads_own_item(&gateway, &session).await);
}

#[tokio::test]
async fn a_policy_written_straight_into_moto_refuses_the_next_request_once_the_gateway_is_told() {
    let gateway = start().await;
    let session = tenant(&gateway, TENANT_A, Scope::ReadWrite).await;
    let role = gateway.deployment().tenant_role.clone();
    warm(&gateway, &session).await;

    // An administrator's SDK client on moto itself: the gateway can't see it.
    let admin =
        aws_credential_types::Credentials::new("LOCALADMINDIRECT0001", "admin", None, None, "test");
    aws_sdk_iam::Client::new(&sdk_config(
        format!("http://{}", gateway.moto_addr()),
        admin,
    ))
    .put_role_policy()
    .role_name(&role)
    .policy_name(POLICY)
    .policy_document(deny_tenant_a())
    .send()
    .await
    .expect("moto stores the policy");
    gateway.invalidate_policies();
    assert!(!reads_own_item(&gateway, &session).await);
}

#[tokio::test]
async fn a_trust_policy_changed_through_the_gateway_decides_the_very_next_assume_role() {
    let gateway = start().await;
    let iam = operator_iam(&gateway).await;
    let vendor = gateway.vendor_credentials().await.expect("vendor");
    let d = gateway.deployment().clone();
    // Vends read the tenant role's trust policy: warm it.
    for _ in 0..3 {
        tenant(&gateway, TENANT_A, Scope::ReadWrite).await;
    }

    let nobody = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:role/Nobody"},"Action":"sts:AssumeRole"}]}"#;
    iam.update_assume_role_policy()
        .role_name(&d.tenant_role)
        .policy_document(nobody)
        .send()
        .await
        .expect("the operator replaces the trust policy");
    // Exactly the request of a vend, which the old trust policy allowed.
    let issuer = StsIssuer::new(sts(&gateway, &vendor), d.tenant_role_arn());
    let request = SessionRequest {
        api_key_id: ApiKeyId::parse(TENANT_A).expect("key id"),
        partition_key_id: ApiKeyId::parse(TENANT_A).expect("key id"),
        duration_seconds: 900,
        scope: Scope::ReadWrite,
    };
    let refused = match issuer.issue(&request).await {
        Err(vendor_fn::VendError::Sts(failure)) => failure,
        other => panic!("the vendor is no longer trusted, got {other:?}"),
    };
    assert_eq!(refused.code, "AccessDenied", "{refused:?}");
}

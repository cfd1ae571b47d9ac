//! The gateway's STS with the Rust SDK: the trust policy decides who may
//! assume the tenant role and with which tags, as AWS would; a tenant's own
//! credentials assume nothing and tag nothing.

mod gateway_support;

use aws_sdk_sts::error::ProvideErrorMetadata;
use aws_sdk_sts::types::Tag;
use gateway_support::{TENANT_A, TENANT_B, start, sts, tenant};
use vendor_fn::Scope;

fn tag(key: &str, value: &str) -> Tag {
    Tag::builder().key(key).value(value).build().expect("tag")
}

async fn assume(
    client: &aws_sdk_sts::Client,
    role_arn: &str,
    tags: Vec<Tag>,
    source_identity: Option<&str>,
    duration: i32,
) -> Result<aws_sdk_sts::operation::assume_role::AssumeRoleOutput, String> {
    client
        .assume_role()
        .role_arn(role_arn)
        .role_session_name(TENANT_A)
        .set_tags(Some(tags))
        .set_source_identity(source_identity.map(str::to_owned))
        .duration_seconds(duration)
        .send()
        .await
        .map_err(|e| {
            e.into_service_error()
                .code()
                .unwrap_or("no code")
                .to_owned()
        })
}

#[tokio::test]
async fn the_vendor_role_assumes_the_tenant_role_with_the_tag_and_source_identity() {
    let gateway = start().await;
    let vendor = gateway.vendor_credentials().await.expect("vendor");
    let client = sts(&gateway, &vendor);
    let me = client
        .get_caller_identity()
        .send()
        .await
        .expect("caller identity");
    assert_eq!(
        me.arn(),
        Some("arn:aws:sts::123456789012:assumed-role/VendorFunctionRole/VendorFunction")
    );

    let role = gateway.deployment().tenant_role_arn();
    let out = assume(
        &client,
        &role,
        vec![tag("api-key-id", TENANT_A)],
        Some(TENANT_A),
        900,
    )
    .await
    .expect("assumed");
    assert_eq!(out.source_identity(), Some(TENANT_A));
    let user = out.assumed_role_user().expect("user");
    assert_eq!(
        user.arn(),
        "arn:aws:sts::123456789012:assumed-role/TenantRole/k1"
    );
    let creds = out.credentials().expect("credentials");
    assert!(creds.access_key_id().starts_with("ASIA"));

    // The session works and is who STS said it is.
    let tenant = iam_gateway::IssuedCredentials {
        access_key_id: creds.access_key_id().to_owned(),
        secret_access_key: iam_gateway::Secret::new(creds.secret_access_key().to_owned()),
        session_token: iam_gateway::Secret::new(creds.session_token().to_owned()),
        expiration: None,
    };
    let me = sts(&gateway, &tenant)
        .get_caller_identity()
        .send()
        .await
        .expect("tenant identity");
    assert_eq!(me.arn(), Some(user.arn()));
}

#[tokio::test]
async fn vendor_fn_issuer_gets_working_credentials_for_both_scopes() {
    let gateway = start().await;
    for scope in [Scope::ReadWrite, Scope::ReadOnly] {
        let creds = tenant(&gateway, TENANT_A, scope).await;
        let me = sts(&gateway, &creds)
            .get_caller_identity()
            .send()
            .await
            .expect("identity");
        assert_eq!(
            me.arn(),
            Some("arn:aws:sts::123456789012:assumed-role/TenantRole/k1")
        );
    }
}

#[tokio::test]
async fn a_principal_the_trust_policy_does_not_name_is_refused() {
    let gateway = start().await;
    // Its own policy allows everything STS: only the trust policy stops it.
    gateway
        .create_role(
            "Intruder",
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:*","Resource":"*"}]}"#,
        )
        .await
        .expect("role");
    let intruder = gateway
        .role_credentials("Intruder", "VendorFunction")
        .await
        .expect("creds");
    let role = gateway.deployment().tenant_role_arn();
    let code = assume(
        &sts(&gateway, &intruder),
        &role,
        vec![tag("api-key-id", TENANT_A)],
        Some(TENANT_A),
        900,
    )
    .await
    .expect_err("not trusted");
    assert_eq!(code, "AccessDenied");
}

#[tokio::test]
async fn a_missing_or_extra_tag_or_a_session_name_other_than_the_tag_is_refused() {
    let gateway = start().await;
    let vendor = gateway.vendor_credentials().await.expect("vendor");
    let client = sts(&gateway, &vendor);
    let role = gateway.deployment().tenant_role_arn();

    let no_tag = assume(&client, &role, vec![], Some(TENANT_A), 900).await;
    assert_eq!(no_tag.expect_err("no tag"), "AccessDenied");

    let extra = assume(
        &client,
        &role,
        vec![tag("api-key-id", TENANT_A), tag("tier", "premium")],
        Some(TENANT_A),
        900,
    )
    .await;
    assert_eq!(extra.expect_err("extra tag"), "AccessDenied");

    // After a rotation the source identity is the vending key, not the tag:
    // the trust policy admits it, and the session ARN still names the tenant.
    let rotated = assume(
        &client,
        &role,
        vec![tag("api-key-id", TENANT_A)],
        Some("k2"),
        900,
    )
    .await
    .expect("a rotated key's session");
    assert_eq!(rotated.source_identity(), Some("k2"));
    assert_eq!(
        rotated
            .assumed_role_user()
            .map(aws_sdk_sts::types::AssumedRoleUser::arn),
        Some("arn:aws:sts::123456789012:assumed-role/TenantRole/k1")
    );
    // The session name must be the tag.
    let other_name = client
        .assume_role()
        .role_arn(&role)
        .role_session_name("k2")
        .tags(tag("api-key-id", TENANT_A))
        .source_identity("k2")
        .send()
        .await
        .expect_err("session name differs from the tag");
    assert_eq!(other_name.into_service_error().code(), Some("AccessDenied"));

    let no_source = assume(&client, &role, vec![tag("api-key-id", TENANT_A)], None, 900).await;
    assert_eq!(no_source.expect_err("no source identity"), "AccessDenied");

    let one_char = assume(
        &client,
        &role,
        vec![tag("api-key-id", "k")],
        Some("kk"),
        900,
    )
    .await;
    assert_eq!(one_char.expect_err("tag shorter than ??*"), "AccessDenied");

    let transitive = client
        .assume_role()
        .role_arn(&role)
        .role_session_name(TENANT_A)
        .tags(tag("api-key-id", TENANT_A))
        .transitive_tag_keys("api-key-id")
        .source_identity(TENANT_A)
        .send()
        .await
        .expect_err("transitive tag");
    assert_eq!(transitive.into_service_error().code(), Some("AccessDenied"));
}

#[tokio::test]
async fn durations_beyond_the_role_chaining_hour_or_below_fifteen_minutes_are_refused() {
    let gateway = start().await;
    let vendor = gateway.vendor_credentials().await.expect("vendor");
    let client = sts(&gateway, &vendor);
    let role = gateway.deployment().tenant_role_arn();
    let tags = || vec![tag("api-key-id", TENANT_A)];
    assert!(
        assume(&client, &role, tags(), Some(TENANT_A), 3600)
            .await
            .is_ok()
    );
    assert_eq!(
        assume(&client, &role, tags(), Some(TENANT_A), 3601)
            .await
            .expect_err("> 1 h"),
        "ValidationError"
    );
    assert_eq!(
        assume(&client, &role, tags(), Some(TENANT_A), 899)
            .await
            .expect_err("< 15 min"),
        "ValidationError"
    );
}

#[tokio::test]
async fn tag_and_source_identity_syntax_is_checked_as_sts_does() {
    let gateway = start().await;
    let vendor = gateway.vendor_credentials().await.expect("vendor");
    let client = sts(&gateway, &vendor);
    let role = gateway.deployment().tenant_role_arn();
    let bad_value = assume(
        &client,
        &role,
        vec![tag("api-key-id", "k1*")],
        Some(TENANT_A),
        900,
    )
    .await;
    assert_eq!(bad_value.expect_err("* in tag value"), "ValidationError");
    let bad_source = assume(
        &client,
        &role,
        vec![tag("api-key-id", TENANT_A)],
        Some("k1 a"),
        900,
    )
    .await;
    assert_eq!(
        bad_source.expect_err("space in source identity"),
        "ValidationError"
    );
    let duplicate = assume(
        &client,
        &role,
        vec![tag("api-key-id", TENANT_A), tag("API-KEY-ID", TENANT_A)],
        Some(TENANT_A),
        900,
    )
    .await;
    assert_eq!(
        duplicate.expect_err("duplicate keys"),
        "InvalidParameterValue"
    );
}

#[tokio::test]
async fn unknown_expired_and_wrongly_signed_credentials_are_refused() {
    let gateway = start().await;
    let vendor = gateway.vendor_credentials().await.expect("vendor");

    let mut unknown = vendor.clone();
    unknown.access_key_id = "ASIAUNKNOWNUNKNOWN00".into();
    let err = sts(&gateway, &unknown)
        .get_caller_identity()
        .send()
        .await
        .expect_err("unknown key");
    assert_eq!(
        err.into_service_error().code(),
        Some("InvalidClientTokenId")
    );

    let mut wrong_secret = vendor.clone();
    wrong_secret.secret_access_key = iam_gateway::Secret::new("not-the-secret");
    let err = sts(&gateway, &wrong_secret)
        .get_caller_identity()
        .send()
        .await
        .expect_err("bad signature");
    assert_eq!(
        err.into_service_error().code(),
        Some("SignatureDoesNotMatch")
    );

    let tenant = tenant(&gateway, TENANT_A, Scope::ReadWrite).await;
    gateway.advance_clock(std::time::Duration::from_secs(901));
    let err = sts(&gateway, &tenant)
        .get_caller_identity()
        .send()
        .await
        .expect_err("expired");
    assert_eq!(err.into_service_error().code(), Some("ExpiredToken"));
}

#[tokio::test]
async fn a_tenants_own_credentials_assume_no_role_and_no_other_tenants_tag() {
    let gateway = start().await;
    let me = tenant(&gateway, TENANT_A, Scope::ReadWrite).await;
    let client = sts(&gateway, &me);
    let d = gateway.deployment();
    let tenant_role = d.tenant_role_arn();
    // Back into the tenant role: as another tenant (its source identity
    // carried on, or changed to match), as itself, untagged.
    for (tags, source) in [
        (vec![tag("api-key-id", TENANT_B)], None),
        (vec![tag("api-key-id", TENANT_B)], Some(TENANT_B)),
        (vec![tag("api-key-id", TENANT_A)], Some(TENANT_A)),
        (vec![], None),
    ] {
        let what = format!("{tags:?} {source:?}");
        let code = assume(&client, &tenant_role, tags, source, 900)
            .await
            .expect_err(&what);
        assert_eq!(code, "AccessDenied", "{what}");
    }
    // Into any other role: the vendor's, the operator's, a bystander's.
    gateway
        .create_role(
            "Bystander",
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"dynamodb:*","Resource":"*"}]}"#,
        )
        .await
        .expect("role");
    for role in [
        d.vendor_role_arn(),
        iam_gateway::Deployment::role_arn(&d.operator_role),
        iam_gateway::Deployment::role_arn("Bystander"),
    ] {
        let code = assume(&client, &role, vec![], None, 900)
            .await
            .expect_err(&role);
        assert_eq!(code, "AccessDenied", "{role}");
    }
}

#[tokio::test]
async fn a_tenant_session_may_not_tag_a_chained_session_even_where_it_may_assume() {
    let gateway = start().await;
    // A role whose trust policy names the tenant role for AssumeRole and
    // SetSourceIdentity (the tenant session's source identity carries on),
    // not for TagSession. Naming the role grants it in the same account,
    // without any identity policy: the untagged call shows that much.
    let trust = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"{}"}},"Action":["sts:AssumeRole","sts:SetSourceIdentity"]}}]}}"#,
        gateway.deployment().tenant_role_arn()
    );
    gateway
        .moto()
        .iam(
            "CreateRole",
            &[
                ("RoleName", "ChainTarget"),
                ("AssumeRolePolicyDocument", &trust),
            ],
        )
        .await
        .expect("role");
    let target = iam_gateway::Deployment::role_arn("ChainTarget");
    let me = tenant(&gateway, TENANT_A, Scope::ReadWrite).await;
    let client = sts(&gateway, &me);
    let chained = assume(&client, &target, vec![], None, 900)
        .await
        .expect("the trust policy names the tenant role");
    assert_eq!(chained.source_identity(), Some(TENANT_A));
    // sts:TagSession: neither the trust policy nor the tenant's own
    // permissions allow it, so no tag, another tenant's least of all.
    for value in [TENANT_B, TENANT_A] {
        let code = assume(&client, &target, vec![tag("api-key-id", value)], None, 900)
            .await
            .expect_err(value);
        assert_eq!(code, "AccessDenied", "tag {value}");
    }
}

#[tokio::test]
async fn the_vendor_roles_credentials_mint_tenant_sessions_only_inside_the_vendor_function() {
    // lambda:SourceFunctionArn: Lambda sets it for the function's own code.
    // The same role's credentials anywhere else (leaked, or handed to
    // another function the role was passed to) are refused by the vendor
    // policy's Deny, although the trust policy names the role.
    let gateway = start().await;
    let d = gateway.deployment().clone();
    let role = d.tenant_role_arn();
    let tags = || vec![tag("api-key-id", TENANT_A)];
    let other_function = iam_gateway::Deployment::function_arn("SomeOtherFunction");
    for (what, credentials) in [
        (
            "the role's credentials outside any function",
            gateway
                .role_credentials(&d.vendor_role, &d.vendor_session_name)
                .await
                .expect("creds"),
        ),
        (
            "another function running as the vendor role",
            gateway
                .function_credentials(&d.vendor_role, &other_function)
                .await
                .expect("creds"),
        ),
    ] {
        let code = assume(
            &sts(&gateway, &credentials),
            &role,
            tags(),
            Some(TENANT_A),
            900,
        )
        .await
        .expect_err(what);
        assert_eq!(code, "AccessDenied", "{what}");
    }
    let vendor = gateway.vendor_credentials().await.expect("vendor");
    assume(&sts(&gateway, &vendor), &role, tags(), Some(TENANT_A), 900)
        .await
        .expect("the vendor function's own code vends");
}

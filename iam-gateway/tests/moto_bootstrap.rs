//! moto starts, the deployment is bootstrapped from template.yaml and
//! policies/, and moto stops with the gateway.

use iam_gateway::{Gateway, GatewayError, roles};
use serde_json::json;

#[tokio::test]
async fn bootstraps_tables_bucket_and_roles_from_the_project_files() {
    let gateway = Gateway::start(&Gateway::workspace_root())
        .await
        .expect("sandbox starts");
    let d = gateway.deployment().clone();
    let moto = gateway.moto();

    let registry = moto
        .dynamodb("DescribeTable", &json!({"TableName": d.tenant_table}))
        .await
        .expect("registry table");
    assert_eq!(
        registry["Table"]["KeySchema"][0]["AttributeName"],
        "apiKeyId"
    );

    let data = moto
        .dynamodb("DescribeTable", &json!({"TableName": d.data_table}))
        .await
        .expect("data table");
    assert_eq!(data["Table"]["KeySchema"][0]["AttributeName"], "pk");
    let index = &data["Table"]["GlobalSecondaryIndexes"][0];
    assert_eq!(index["IndexName"], d.data_index.as_str());
    assert_eq!(index["KeySchema"][0]["AttributeName"], "pk");

    moto.s3(
        &http::Method::HEAD,
        &format!("/{}", d.bucket),
        bytes::Bytes::new(),
    )
    .await
    .expect("bucket exists");

    let tenant = roles::read_role(moto, &d.tenant_role)
        .await
        .expect("reads")
        .expect("tenant role");
    assert_eq!(tenant.arn, d.tenant_role_arn());
    assert_eq!(tenant.max_session_duration, 3600);
    assert_eq!(tenant.permissions.len(), 1);
    // The stored trust policy is the reviewed file with its one placeholder
    // filled, statement for statement (Sid, principal, actions, conditions).
    let reviewed =
        std::fs::read_to_string(Gateway::workspace_root().join("policies/tenant-role-trust.json"))
            .expect("policies/tenant-role-trust.json");
    assert!(reviewed.contains("${VendorFunctionRoleArn}"));
    let expected = iam_eval::Policy::parse(
        "reviewed",
        &reviewed.replace("${VendorFunctionRoleArn}", &d.vendor_role_arn()),
    )
    .expect("the reviewed trust policy parses");
    assert_eq!(tenant.trust.statements.len(), 3);
    assert_eq!(tenant.trust.statements, expected.statements);
    for statement in &tenant.trust.statements {
        assert_eq!(
            statement.principals,
            Some(iam_eval::Matcher::Listed(vec![
                iam_eval::PrincipalEntry::Aws(d.vendor_role_arn())
            ])),
            "{}",
            statement.sid
        );
    }

    let vendor = roles::read_role(moto, &d.vendor_role)
        .await
        .expect("reads")
        .expect("vendor role");
    assert_eq!(vendor.permissions.len(), 1);
    assert!(
        roles::read_role(moto, "NoSuchRole")
            .await
            .expect("reads")
            .is_none()
    );
}

#[tokio::test]
async fn moto_stops_when_the_sandbox_is_dropped() {
    let gateway = Gateway::start(&Gateway::workspace_root())
        .await
        .expect("sandbox starts");
    let addr = gateway.moto_addr();
    drop(gateway);
    let mut gone = false;
    for _ in 0..50 {
        if tokio::net::TcpStream::connect(addr).await.is_err() {
            gone = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(gone, "moto still listens after the sandbox was dropped");
}

#[tokio::test]
async fn a_missing_moto_names_the_install_command() {
    let empty = std::env::temp_dir().join("sandbox-no-venv");
    let err = Gateway::start(&empty).await.expect_err("no moto there");
    assert!(matches!(err, GatewayError::MotoMissing { .. }));
    assert!(err.to_string().contains("./scripts/setup.sh"), "{err}");
}

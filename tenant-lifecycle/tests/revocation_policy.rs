//! What a session revocation does to the tenant role, decided by iam-eval
//! over the reviewed permissions policy plus the Deny tenantctl adds: the
//! revoked tenant's older sessions lose everything, its newer sessions (after
//! a resume) and every other tenant keep exactly what the audit expects.

use iam_eval::{Decision, Policy, Request, RequestContext, evaluate};
use tenant_lifecycle::revocation_policy;
use tenant_registry::ApiKeyId;

const TABLE_ARN: &str = "arn:aws:dynamodb:us-east-1:123456789012:table/tcv-TenantData";

fn role_policies(revoked: &str, before: &str) -> Vec<Policy> {
    let permissions = include_str!("../../policies/tenant-role-permissions.json")
        .replace("${AWS::Partition}", "aws")
        .replace("${AWS::Region}", "us-east-1")
        .replace("${AWS::AccountId}", "123456789012")
        .replace("${TenantDataTable}", "tcv-TenantData")
        .replace("${TenantBucket}", "tcv-bucket")
        .replace("${SiloTablePrefix}", "tcv-silo");
    let revocation = revocation_policy(&ApiKeyId::parse(revoked).unwrap(), before.parse().unwrap());
    vec![
        Policy::parse("tenant-role-permissions", &permissions).unwrap(),
        Policy::parse(&format!("revoke-{revoked}"), &revocation.to_string()).unwrap(),
    ]
}

/// GetItem on `partition` by a session of `tenant` issued at `issued`.
fn get_item(tenant: &str, partition: &str, issued: &str) -> Request {
    Request::new("dynamodb:GetItem", TABLE_ARN).with_context(
        RequestContext::new()
            .with("aws:PrincipalTag/api-key-id", tenant)
            .with("aws:TokenIssueTime", issued)
            .with_multi("dynamodb:LeadingKeys", [partition]),
    )
}

#[test]
fn a_revoked_tenants_older_sessions_are_denied_and_its_newer_ones_are_not() {
    let policies = role_policies("k1a2b3c4d5", "2026-11-27T10:00:00Z");
    let old = evaluate(
        &get_item("k1a2b3c4d5", "k1a2b3c4d5", "2026-11-27T09:59:59Z"),
        &policies,
        None,
    );
    assert_eq!(old.decision, Decision::ExplicitDeny);
    assert_eq!(old.deciding[0].policy, "revoke-k1a2b3c4d5");
    let new = evaluate(
        &get_item("k1a2b3c4d5", "k1a2b3c4d5", "2026-11-27T10:00:00Z"),
        &policies,
        None,
    );
    assert_eq!(
        new.decision,
        Decision::Allowed,
        "a session issued after the revocation (after resume) works"
    );
}

#[test]
fn other_tenants_keep_exactly_their_own_partition() {
    let policies = role_policies("k1a2b3c4d5", "2026-11-27T10:00:00Z");
    // Tag values are never prefix-matched: k1a2b3c4d5x is another tenant.
    for other in ["k1a2b3c4d6", "k1a2b3c4d5x", "K1A2B3C4D5"] {
        let own = evaluate(
            &get_item(other, other, "2026-11-27T09:00:00Z"),
            &policies,
            None,
        );
        assert_eq!(own.decision, Decision::Allowed, "{other}");
        let foreign = evaluate(
            &get_item(other, "k1a2b3c4d5", "2026-11-27T09:00:00Z"),
            &policies,
            None,
        );
        assert_ne!(
            foreign.decision,
            Decision::Allowed,
            "{other} reaching the revoked tenant's partition"
        );
    }
}

#[test]
fn the_deny_covers_every_action_and_resource_of_the_revoked_sessions() {
    let policies = role_policies("k1a2b3c4d5", "2026-11-27T10:00:00Z");
    for (action, resource) in [
        ("s3:GetObject", "arn:aws:s3:::tcv-bucket/k1a2b3c4d5/file"),
        (
            "dynamodb:PutItem",
            "arn:aws:dynamodb:us-east-1:123456789012:table/tcv-silo-k1a2b3c4d5",
        ),
    ] {
        let request = Request::new(action, resource).with_context(
            RequestContext::new()
                .with("aws:PrincipalTag/api-key-id", "k1a2b3c4d5")
                .with("aws:TokenIssueTime", "2026-11-27T09:30:00Z")
                .with_multi("dynamodb:LeadingKeys", ["k1a2b3c4d5"]),
        );
        assert_eq!(
            evaluate(&request, &policies, None).decision,
            Decision::ExplicitDeny,
            "{action}"
        );
    }
}

#[test]
fn the_audit_still_passes_with_a_revocation_on_the_role() {
    // `tenantctl audit --live` simulates the deployed role, revocations
    // included, for its own test tenants and without aws:TokenIssueTime: the
    // Deny matches neither, so every row keeps its expected decision.
    let policies = role_policies("k1", "2026-11-27T10:00:00Z");
    for tenant in ["k1", "k1x", "K1"] {
        let request = Request::new("dynamodb:GetItem", TABLE_ARN).with_context(
            RequestContext::new()
                .with("aws:PrincipalTag/api-key-id", tenant)
                .with_multi("dynamodb:LeadingKeys", [tenant]),
        );
        assert_eq!(
            evaluate(&request, &policies, None).decision,
            Decision::Allowed,
            "{tenant}"
        );
    }
}

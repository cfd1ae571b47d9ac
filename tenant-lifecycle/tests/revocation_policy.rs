//! What a session revocation does to the tenant role, decided by iam-eval
//! over the reviewed permissions policy plus the revocations tenantctl
//! writes: the revoked tenant's sessions issued before the deadline lose
//! everything (one issued in the same second as the suspend, and one a vend
//! in flight finished after it, included), its sessions after the deadline
//! and every other tenant keep exactly what the audit expects.

use iam_eval::{Decision, Policy, Request, RequestContext, evaluate};
use tenant_lifecycle::revocation::{REVOCATIONS_POLICY, deadline, max_refusal_after_suspend};
use tenant_lifecycle::{Revocations, RevokedBy};
use tenant_registry::ApiKeyId;

const TABLE_ARN: &str = "arn:aws:dynamodb:us-east-1:123456789012:table/tcv-TenantData";

fn at(t: &str) -> chrono::DateTime<chrono::Utc> {
    t.parse().unwrap()
}

fn role_policies(revocations: &Revocations) -> Vec<Policy> {
    let params = isolation_audit::Params::new(&[
        "TenantDataTable=tcv-TenantData".into(),
        "TenantBucket=tcv-bucket".into(),
        "SiloTablePrefix=tcv-silo".into(),
    ])
    .unwrap();
    let permissions = isolation_audit::placeholders::fill(
        include_str!("../../policies/tenant-role-permissions.json"),
        &params,
    )
    .unwrap();
    vec![
        Policy::parse("tenant-role-permissions", &permissions).unwrap(),
        Policy::parse(REVOCATIONS_POLICY, &revocations.to_document()).unwrap(),
    ]
}

/// The revocation a suspend of `tenant` written at `written` adds.
fn suspended(tenant: &str, written: &str) -> Revocations {
    let mut r = Revocations::default();
    r.add(
        RevokedBy::Tenant,
        &ApiKeyId::parse(tenant).unwrap(),
        deadline(at(written)),
    );
    r
}

/// GetItem on `partition` by a session of `tenant` issued at `issued`.
fn get_item(tenant: &str, partition: &str, issued: &str) -> Request {
    Request::new("dynamodb:GetItem", TABLE_ARN).with_context(
        RequestContext::new()
            .with("aws:PrincipalTag/api-key-id", tenant)
            .with("aws:SourceIdentity", tenant)
            .with("aws:TokenIssueTime", issued)
            .with_multi("dynamodb:LeadingKeys", [partition]),
    )
}

fn decide(policies: &[Policy], request: &Request) -> Decision {
    evaluate(request, policies, None).decision
}

#[test]
fn sessions_issued_up_to_the_suspend_and_by_vends_in_flight_are_denied() {
    // The suspend's registry write finished at 10:00:00.400.
    let policies = role_policies(&suspended("k1a2b3c4d5", "2026-11-27T10:00:00.400Z"));
    for issued in [
        "2026-11-27T09:15:00Z",
        // The same second as the suspend: a truncated deadline let it live.
        "2026-11-27T10:00:00Z",
        // A vend that read the record as active just before the suspend
        // and finished AssumeRole up to the function's timeout later.
        "2026-11-27T10:00:10Z",
    ] {
        let request = get_item("k1a2b3c4d5", "k1a2b3c4d5", issued);
        assert_eq!(
            decide(&policies, &request),
            Decision::ExplicitDeny,
            "{issued}"
        );
        let deciding = evaluate(&request, &policies, None).deciding;
        assert_eq!(deciding[0].policy, REVOCATIONS_POLICY);
    }
}

#[test]
fn sessions_after_the_deadline_work_again_within_the_documented_bound() {
    let written = "2026-11-27T10:00:00.400Z";
    let policies = role_policies(&suspended("k1a2b3c4d5", written));
    let after_bound = at(written) + max_refusal_after_suspend();
    let issued = after_bound.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    assert_eq!(
        decide(&policies, &get_item("k1a2b3c4d5", "k1a2b3c4d5", &issued)),
        Decision::Allowed,
        "a session issued after the bound (after a resume) works"
    );
}

#[test]
fn other_tenants_keep_exactly_their_own_partition() {
    let policies = role_policies(&suspended("k1a2b3c4d5", "2026-11-27T10:00:00Z"));
    // Tag values are never prefix-matched: k1a2b3c4d5x is another tenant.
    for other in ["k1a2b3c4d6", "k1a2b3c4d5x", "K1A2B3C4D5"] {
        let own = get_item(other, other, "2026-11-27T09:30:00Z");
        assert_eq!(decide(&policies, &own), Decision::Allowed, "{other}");
        let foreign = get_item(other, "k1a2b3c4d5", "2026-11-27T09:30:00Z");
        assert_ne!(
            decide(&policies, &foreign),
            Decision::Allowed,
            "{other} reaching the revoked tenant's partition"
        );
    }
}

#[test]
fn a_key_revocation_refuses_only_the_sessions_that_key_vended() {
    let mut r = Revocations::default();
    r.add(
        RevokedBy::Key,
        &ApiKeyId::parse("o1d2k3e4y5").unwrap(),
        deadline(at("2026-11-27T10:00:00Z")),
    );
    let policies = role_policies(&r);
    let session = |source: &str| {
        Request::new("dynamodb:GetItem", TABLE_ARN).with_context(
            RequestContext::new()
                .with("aws:PrincipalTag/api-key-id", "p1a2r3t4i5")
                .with("aws:SourceIdentity", source)
                .with("aws:TokenIssueTime", "2026-11-27T09:59:00Z")
                .with_multi("dynamodb:LeadingKeys", ["p1a2r3t4i5"]),
        )
    };
    assert_eq!(
        decide(&policies, &session("o1d2k3e4y5")),
        Decision::ExplicitDeny
    );
    assert_eq!(decide(&policies, &session("n1e2w3k4e5")), Decision::Allowed);
}

#[test]
fn the_deny_covers_every_action_and_resource_of_the_revoked_sessions() {
    let policies = role_policies(&suspended("k1a2b3c4d5", "2026-11-27T10:00:00Z"));
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
            decide(&policies, &request),
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
    let policies = role_policies(&suspended("k1", "2026-11-27T10:00:00Z"));
    for tenant in ["k1", "k1x", "K1"] {
        let request = Request::new("dynamodb:GetItem", TABLE_ARN).with_context(
            RequestContext::new()
                .with("aws:PrincipalTag/api-key-id", tenant)
                .with_multi("dynamodb:LeadingKeys", [tenant]),
        );
        assert_eq!(decide(&policies, &request), Decision::Allowed, "{tenant}");
    }
}

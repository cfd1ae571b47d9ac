//! Evaluation tests across elements; operator details live beside the code.

use crate::{
    Decision, Policy, Request, RequestContext, evaluate, evaluate_trust, trust_names_principal,
};

const TABLE: &str = "arn:aws:dynamodb:us-east-1:123456789012:table/TenantData";
const ROLE: &str = "arn:aws:iam::123456789012:role/TenantRole";
const VENDOR: &str = "arn:aws:iam::123456789012:role/VendorFunctionRole";

fn policy(json: &str) -> Policy {
    Policy::parse("test", json).expect("test policy parses")
}

fn decide(policies: &[&str], request: &Request) -> Decision {
    let parsed: Vec<Policy> = policies.iter().map(|p| policy(p)).collect();
    evaluate(request, &parsed, None).decision
}

fn tagged(key: &str) -> RequestContext {
    RequestContext::new().with("aws:PrincipalTag/api-key-id", key)
}

#[test]
fn nothing_allows_is_an_implicit_deny() {
    let request = Request::new("s3:GetObject", "arn:aws:s3:::b/k");
    assert_eq!(
        decide(
            &[r#"{"Statement":[{"Effect":"Allow","Action":"s3:PutObject","Resource":"*"}]}"#],
            &request
        ),
        Decision::ImplicitDeny
    );
}

#[test]
fn an_explicit_deny_overrides_an_allow_in_another_policy() {
    let request = Request::new("s3:GetObject", "arn:aws:s3:::b/k");
    let allow = r#"{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#;
    let deny = r#"{"Statement":[{"Sid":"NoGet","Effect":"Deny","Action":"s3:Get*","Resource":"arn:aws:s3:::b/*"}]}"#;
    let parsed = [policy(allow), policy(deny)];
    let evaluation = evaluate(&request, &parsed, None);
    assert_eq!(evaluation.decision, Decision::ExplicitDeny);
    assert_eq!(evaluation.deciding[0].sid, "NoGet");
}

#[test]
fn a_session_policy_intersects_with_the_identity_policy() {
    let identity = policy(
        r#"{"Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"*"}]}"#,
    );
    let session = policy(
        r#"{"Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":"*"}]}"#,
    );
    let decide = |action: &str| {
        evaluate(
            &Request::new(action, "arn:aws:s3:::b/k"),
            std::slice::from_ref(&identity),
            Some(&session),
        )
        .decision
    };
    assert_eq!(decide("s3:GetObject"), Decision::Allowed);
    assert_eq!(decide("s3:PutObject"), Decision::ImplicitDeny);
    assert_eq!(decide("s3:ListBucket"), Decision::ImplicitDeny);
}

#[test]
fn a_deny_in_the_session_policy_denies() {
    let identity = policy(r#"{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#);
    let session = policy(
        r#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"s3:PutObject","Resource":"*"}]}"#,
    );
    let request = Request::new("s3:PutObject", "arn:aws:s3:::b/k");
    assert_eq!(
        evaluate(&request, &[identity], Some(&session)).decision,
        Decision::ExplicitDeny
    );
}

#[test]
fn actions_are_case_insensitive_resources_case_sensitive() {
    let p = r#"{"Statement":[{"Effect":"Allow","Action":"S3:get*","Resource":"arn:aws:s3:::Bucket/*"}]}"#;
    assert_eq!(
        decide(&[p], &Request::new("s3:GetObject", "arn:aws:s3:::Bucket/x")),
        Decision::Allowed
    );
    assert_eq!(
        decide(&[p], &Request::new("s3:GetObject", "arn:aws:s3:::bucket/x")),
        Decision::ImplicitDeny
    );
}

#[test]
fn not_action_and_not_resource_match_everything_else() {
    let p = r#"{"Statement":[{"Effect":"Allow","NotAction":"s3:Delete*","NotResource":"arn:aws:s3:::secret/*"}]}"#;
    assert_eq!(
        decide(&[p], &Request::new("s3:GetObject", "arn:aws:s3:::b/x")),
        Decision::Allowed
    );
    assert_eq!(
        decide(&[p], &Request::new("s3:DeleteObject", "arn:aws:s3:::b/x")),
        Decision::ImplicitDeny
    );
    assert_eq!(
        decide(&[p], &Request::new("s3:GetObject", "arn:aws:s3:::secret/x")),
        Decision::ImplicitDeny
    );
}

#[test]
fn resource_variables_scope_to_the_principal_tag() {
    let p = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/${aws:PrincipalTag/api-key-id}/*"}]}"#;
    let own = Request::new("s3:GetObject", "arn:aws:s3:::b/k1/doc").with_context(tagged("k1"));
    let lookalike =
        Request::new("s3:GetObject", "arn:aws:s3:::b/k1x/doc").with_context(tagged("k1"));
    let untagged = Request::new("s3:GetObject", "arn:aws:s3:::b//doc");
    assert_eq!(decide(&[p], &own), Decision::Allowed);
    assert_eq!(decide(&[p], &lookalike), Decision::ImplicitDeny);
    assert_eq!(
        decide(&[p], &untagged),
        Decision::ImplicitDeny,
        "unresolvable variable must not become empty"
    );
}

#[test]
fn an_unresolvable_variable_in_not_resource_does_not_widen_an_allow() {
    let p = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","NotResource":"arn:aws:s3:::b/${aws:username}/*"}]}"#;
    assert_eq!(
        decide(&[p], &Request::new("s3:GetObject", "arn:aws:s3:::b/x/y")),
        Decision::ImplicitDeny
    );
}

#[test]
fn variables_are_literal_text_without_version_2012() {
    let p = r#"{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/${aws:username}"}]}"#;
    let context = RequestContext::new().with("aws:username", "alice");
    assert_eq!(
        decide(
            &[p],
            &Request::new("s3:GetObject", "arn:aws:s3:::b/alice").with_context(context.clone())
        ),
        Decision::ImplicitDeny
    );
    assert_eq!(
        decide(
            &[p],
            &Request::new("s3:GetObject", "arn:aws:s3:::b/${aws:username}").with_context(context)
        ),
        Decision::Allowed
    );
}

#[test]
fn escape_variables_match_literal_wildcard_characters() {
    let p = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/a${*}b${?}${$}"}]}"#;
    assert_eq!(
        decide(&[p], &Request::new("s3:GetObject", "arn:aws:s3:::b/a*b?$")),
        Decision::Allowed
    );
    assert_eq!(
        decide(&[p], &Request::new("s3:GetObject", "arn:aws:s3:::b/axxb?$")),
        Decision::ImplicitDeny
    );
}

#[test]
fn default_values_fill_missing_keys() {
    let p = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/${aws:username, 'shared'}/*"}]}"#;
    assert_eq!(
        decide(
            &[p],
            &Request::new("s3:GetObject", "arn:aws:s3:::b/shared/x")
        ),
        Decision::Allowed
    );
}

#[test]
fn wildcards_in_resource_arns_do_not_span_arn_parts() {
    let p = r#"{"Statement":[{"Effect":"Allow","Action":"dynamodb:GetItem","Resource":"arn:aws:dynamodb:*:123456789012:table/TenantData"}]}"#;
    assert_eq!(
        decide(&[p], &Request::new("dynamodb:GetItem", TABLE)),
        Decision::Allowed
    );
    let q = r#"{"Statement":[{"Effect":"Allow","Action":"dynamodb:GetItem","Resource":"arn:aws:dynamodb:*:table/TenantData"}]}"#;
    assert_eq!(
        decide(&[q], &Request::new("dynamodb:GetItem", TABLE)),
        Decision::ImplicitDeny
    );
}

#[test]
fn leading_keys_without_null_guard_allow_a_scan() {
    let p = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"dynamodb:*","Resource":"*",
        "Condition":{"ForAllValues:StringEquals":{"dynamodb:LeadingKeys":["${aws:PrincipalTag/api-key-id}"]}}}]}"#;
    let scan = Request::new("dynamodb:Scan", TABLE).with_context(tagged("k1"));
    assert_eq!(
        decide(&[p], &scan),
        Decision::Allowed,
        "the documented pitfall"
    );
    let guarded = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"dynamodb:GetItem","Resource":"*",
        "Condition":{"ForAllValues:StringEquals":{"dynamodb:LeadingKeys":["${aws:PrincipalTag/api-key-id}"]},
                     "Null":{"dynamodb:LeadingKeys":"false"}}}]}"#;
    let get = |keys: &[&str]| {
        Request::new("dynamodb:GetItem", TABLE)
            .with_context(tagged("k1").with_multi("dynamodb:LeadingKeys", keys.iter().copied()))
    };
    assert_eq!(decide(&[guarded], &get(&["k1"])), Decision::Allowed);
    assert_eq!(decide(&[guarded], &get(&["k2"])), Decision::ImplicitDeny);
    assert_eq!(
        decide(&[guarded], &get(&["k1", "k2"])),
        Decision::ImplicitDeny
    );
    assert_eq!(
        decide(
            &[guarded],
            &Request::new("dynamodb:GetItem", TABLE).with_context(tagged("k1"))
        ),
        Decision::ImplicitDeny
    );
}

const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[
  {"Sid":"Assume","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:role/VendorFunctionRole"},
   "Action":["sts:AssumeRole","sts:SetSourceIdentity"]},
  {"Sid":"Tag","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:role/VendorFunctionRole"},
   "Action":"sts:TagSession",
   "Condition":{"Null":{"aws:RequestTag/api-key-id":"false"},
                "ForAllValues:StringEquals":{"aws:TagKeys":["api-key-id"]}}}]}"#;

#[test]
fn trust_matches_sessions_of_the_named_role_only() {
    let trust = policy(TRUST);
    let session = "arn:aws:sts::123456789012:assumed-role/VendorFunctionRole/vendor-fn";
    let assume = |principal: &str| {
        evaluate_trust(
            &Request::new("sts:AssumeRole", ROLE).with_principal(principal),
            &trust,
        )
        .decision
    };
    assert_eq!(assume(session), Decision::Allowed);
    assert_eq!(assume(VENDOR), Decision::Allowed);
    assert_eq!(
        assume("arn:aws:sts::123456789012:assumed-role/TenantRole/k1"),
        Decision::ImplicitDeny
    );
    assert_eq!(
        assume("arn:aws:sts::999999999999:assumed-role/VendorFunctionRole/x"),
        Decision::ImplicitDeny
    );
    assert_eq!(assume("lambda.amazonaws.com"), Decision::ImplicitDeny);
}

#[test]
fn trust_tag_session_requires_exactly_the_tenant_tag() {
    let trust = policy(TRUST);
    let tag = |context: RequestContext| {
        evaluate_trust(
            &Request::new("sts:TagSession", ROLE)
                .with_principal(VENDOR)
                .with_context(context),
            &trust,
        )
        .decision
    };
    let good = RequestContext::new()
        .with("aws:RequestTag/api-key-id", "k1")
        .with_multi("aws:TagKeys", ["api-key-id"]);
    let extra = good
        .clone()
        .with_multi("aws:TagKeys", ["api-key-id", "team"]);
    assert_eq!(tag(good), Decision::Allowed);
    assert_eq!(tag(extra), Decision::ImplicitDeny);
    assert_eq!(
        tag(RequestContext::new().with_multi("aws:TagKeys", ["api-key-id"])),
        Decision::ImplicitDeny
    );
}

#[test]
fn account_principals_match_every_principal_of_the_account() {
    let trust = policy(
        r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"sts:AssumeRole"},
                                        {"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"sts:AssumeRole"}]}"#,
    );
    let assume = |principal: &str| {
        evaluate_trust(
            &Request::new("sts:AssumeRole", ROLE).with_principal(principal),
            &trust,
        )
        .decision
    };
    assert_eq!(
        assume("arn:aws:sts::123456789012:assumed-role/TenantRole/k1"),
        Decision::Allowed
    );
    assert_eq!(
        assume("arn:aws:iam::111111111111:user/u"),
        Decision::Allowed
    );
    assert_eq!(
        assume("arn:aws:iam::222222222222:user/u"),
        Decision::ImplicitDeny
    );
}

#[test]
fn not_principal_denies_everyone_else() {
    let trust = policy(
        r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"},
        {"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::123456789012:role/VendorFunctionRole"},"Action":"sts:AssumeRole"}]}"#,
    );
    let assume = |principal: &str| {
        evaluate_trust(
            &Request::new("sts:AssumeRole", ROLE).with_principal(principal),
            &trust,
        )
        .decision
    };
    assert_eq!(assume(VENDOR), Decision::Allowed);
    assert_eq!(
        assume("arn:aws:iam::123456789012:role/Other"),
        Decision::ExplicitDeny
    );
}

#[test]
fn identity_statements_with_a_principal_never_apply() {
    let p = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}"#;
    assert_eq!(
        decide(&[p], &Request::new("s3:GetObject", "arn:aws:s3:::b/x")),
        Decision::ImplicitDeny
    );
}

#[test]
fn variables_may_sit_in_any_arn_part() {
    let p = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"dynamodb:GetItem","Resource":"arn:aws:dynamodb:*:${aws:PrincipalAccount}:table/TenantData"}]}"#;
    let request = |account: &str| {
        Request::new("dynamodb:GetItem", TABLE)
            .with_context(RequestContext::new().with("aws:PrincipalAccount", account))
    };
    assert_eq!(decide(&[p], &request("123456789012")), Decision::Allowed);
    assert_eq!(
        decide(&[p], &request("999999999999")),
        Decision::ImplicitDeny
    );
}

#[test]
fn a_not_resource_for_another_service_excludes_nothing_even_if_unresolvable() {
    let p = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","NotResource":"arn:aws:dynamodb:us-east-1:123456789012:table/${aws:username}"},
                                                  {"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
    assert_eq!(
        decide(&[p], &Request::new("s3:GetObject", "arn:aws:s3:::b/x")),
        Decision::ExplicitDeny
    );
    assert_eq!(
        decide(&[p], &Request::new("dynamodb:GetItem", TABLE)),
        Decision::Allowed,
        "unresolvable: the Deny doesn't apply"
    );
}

#[test]
fn a_trust_policy_naming_the_role_grants_alone_one_naming_the_account_defers() {
    let caller = "arn:aws:sts::123456789012:assumed-role/TenantRole/k1";
    let request = Request::new("sts:AssumeRole", "arn:aws:iam::123456789012:role/Other")
        .with_principal(caller);
    let naming = |principal: &str| {
        policy(&format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"{principal}"}},"Action":"sts:AssumeRole"}}]}}"#
        ))
    };
    for direct in ["arn:aws:iam::123456789012:role/TenantRole", caller, "*"] {
        assert!(trust_names_principal(&request, &naming(direct)), "{direct}");
    }
    for account in ["123456789012", "arn:aws:iam::123456789012:root"] {
        let trust = naming(account);
        assert_eq!(evaluate_trust(&request, &trust).decision, Decision::Allowed);
        assert!(!trust_names_principal(&request, &trust), "{account}");
    }
    // Another role, or a statement whose condition fails, names nobody.
    assert!(!trust_names_principal(
        &request,
        &naming("arn:aws:iam::123456789012:role/VendorFunctionRole")
    ));
    let conditioned = policy(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:role/TenantRole"},"Action":"sts:AssumeRole","Condition":{"Null":{"sts:SourceIdentity":"false"}}}]}"#,
    );
    assert!(!trust_names_principal(&request, &conditioned));
}

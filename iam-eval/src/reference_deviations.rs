//! iam-eval's answer, pinned to AWS's documentation, for every construct on
//! which the reference evaluator of the differential test
//! (`tests/differential.rs`, `@cloud-copilot/iam-simulate`) departs from it.
//! The differential test tolerates the reference's answer there only because
//! these tests fix what iam-eval answers instead; one test per `Deviation`
//! of that file, named after it.

use crate::condition::{Condition, Operator};
use crate::{Decision, Policy, Request, RequestContext, evaluate};

fn holds(op: &str, key: &str, values: &[&str], context: &RequestContext) -> bool {
    Condition {
        operator: Operator::parse(op).expect("operator"),
        key: key.into(),
        values: values.iter().map(|v| (*v).to_owned()).collect(),
    }
    .holds(context, true)
}

fn decide(policy: &str, request: &Request) -> Decision {
    let policy = Policy::parse("p", policy).expect("test policy parses");
    evaluate(request, std::slice::from_ref(&policy), None).decision
}

/// `IfExistsUnderForAnyValue`. AWS, "...IfExists condition operators": "If
/// the policy key is present in the context of the request, process the key
/// as specified in the policy. If the key is not present, evaluate the
/// condition element as true." The set modifier does not change that.
#[test]
fn for_any_value_if_exists_on_an_absent_key_is_true() {
    let absent = RequestContext::new();
    for op in [
        "ForAnyValue:StringEqualsIfExists",
        "ForAnyValue:StringLikeIfExists",
        "ForAnyValue:NumericLessThanIfExists",
        "ForAnyValue:IpAddressIfExists",
    ] {
        assert!(holds(op, "aws:TagKeys", &["x"], &absent), "{op}");
    }
    // Without IfExists, ForAnyValue on an absent key is false (nothing matches).
    assert!(!holds(
        "ForAnyValue:StringEquals",
        "aws:TagKeys",
        &["x"],
        &absent
    ));
    // Present, it is processed as written.
    let present = RequestContext::new().with_multi("aws:TagKeys", ["y"]);
    assert!(!holds(
        "ForAnyValue:StringEqualsIfExists",
        "aws:TagKeys",
        &["x"],
        &present
    ));
    let p = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*",
        "Condition":{"ForAnyValue:StringEqualsIfExists":{"aws:TagKeys":["x"]}}}]}"#;
    assert_eq!(
        decide(p, &Request::new("s3:GetObject", "arn:aws:s3:::b/k")),
        Decision::Allowed
    );
}

/// `BareIpAcrossFamilies`. AWS documents `NotIpAddress` as "negated
/// matching for IP address or range", and a bare address as that one
/// address: an IPv6 request address is not the IPv4 address `10.1.2.3`, so
/// NotIpAddress holds (and IpAddress does not).
#[test]
fn not_ip_address_with_a_bare_ipv4_address_holds_for_an_ipv6_request() {
    let v6 = RequestContext::new().with("aws:SourceIp", "2001:db8::1");
    assert!(holds("NotIpAddress", "aws:SourceIp", &["10.1.2.3"], &v6));
    assert!(!holds("IpAddress", "aws:SourceIp", &["10.1.2.3"], &v6));
    // The same across the other direction, and with a bare IPv6 address.
    let v4 = RequestContext::new().with("aws:SourceIp", "10.1.2.3");
    assert!(holds("NotIpAddress", "aws:SourceIp", &["2001:db8::1"], &v4));
    // A bare address is exactly that address within its own family.
    assert!(!holds("NotIpAddress", "aws:SourceIp", &["10.1.2.3"], &v4));
    assert!(holds("NotIpAddress", "aws:SourceIp", &["10.1.2.4"], &v4));
    let p = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*",
        "Condition":{"NotIpAddress":{"aws:SourceIp":"10.1.2.3"}}},
        {"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
    let request = Request::new("s3:GetObject", "arn:aws:s3:::b/k").with_context(v6);
    assert_eq!(decide(p, &request), Decision::ExplicitDeny);
}

/// `EscapeInPlainOperator`. AWS, "IAM policy elements: Variables and tags":
/// `${*}`, `${?}` and `${$}` stand for the literal characters "in any place
/// where you can use policy variables", StringEquals included, where they
/// are plain characters (StringEquals has no wildcards).
#[test]
fn an_escape_in_string_equals_is_the_literal_character() {
    let star = RequestContext::new().with("my:str", "a*b");
    assert!(holds("StringEquals", "my:str", &["a${*}b"], &star));
    assert!(!holds("StringNotEquals", "my:str", &["a${*}b"], &star));
    assert!(holds(
        "StringEqualsIgnoreCase",
        "my:str",
        &["A${*}B"],
        &star
    ));
    let other = RequestContext::new().with("my:str", "axb");
    assert!(!holds("StringEquals", "my:str", &["a${*}b"], &other));
    assert!(holds("StringNotEquals", "my:str", &["a${*}b"], &other));
    // The unescaped text is not what it matches.
    let raw = RequestContext::new().with("my:str", "a${*}b");
    assert!(!holds("StringEquals", "my:str", &["a${*}b"], &raw));
    let marks = RequestContext::new().with("my:str", "?$");
    assert!(holds("StringEquals", "my:str", &["${?}${$}"], &marks));
}

/// `MixedEpochAndIsoDates`. AWS, "Date condition operators": a date is
/// given "in W3C implementations of the ISO 8601 date format" or "in epoch
/// (UNIX) time"; both name an instant, so the two forms compare as the same
/// instant (epoch seconds, not milliseconds).
#[test]
fn epoch_and_iso_dates_compare_as_the_same_instant() {
    // 1767225600 is 2026-01-01T00:00:00Z.
    let epoch = RequestContext::new().with("my:date", "1767225600");
    assert!(holds(
        "DateEquals",
        "my:date",
        &["2026-01-01T00:00:00Z"],
        &epoch
    ));
    assert!(holds("DateEquals", "my:date", &["2026-01-01"], &epoch));
    assert!(holds(
        "DateLessThan",
        "my:date",
        &["2026-01-01T00:00:01Z"],
        &epoch
    ));
    assert!(!holds(
        "DateGreaterThan",
        "my:date",
        &["2026-01-01T00:00:00Z"],
        &epoch
    ));
    let iso = RequestContext::new().with("my:date", "2026-06-01T12:00:00Z");
    assert!(holds("DateGreaterThan", "my:date", &["1767225600"], &iso));
    assert!(holds("DateLessThan", "my:date", &["1790000000"], &iso));
}

/// `EmptyVariableValue`. AWS substitutes a variable with the request's
/// value; its "no value" rule (the default, or no match) is for a key that
/// is *absent*. A key present with the empty string substitutes the empty
/// string, and the default is not used.
#[test]
fn an_empty_variable_value_is_substituted_and_the_default_is_not_used() {
    let empty = RequestContext::new()
        .with("aws:PrincipalTag/api-key-id", "")
        .with("aws:username", "")
        .with("my:str", "");
    assert!(holds(
        "StringEquals",
        "my:str",
        &["${aws:PrincipalTag/api-key-id}"],
        &empty
    ));
    assert!(holds(
        "StringEquals",
        "my:str",
        &["${aws:username, 'k1'}"],
        &empty
    ));
    let k1 = empty.clone().with("my:str", "k1");
    assert!(!holds(
        "StringEquals",
        "my:str",
        &["${aws:username, 'k1'}"],
        &k1
    ));
    // Absent, the default applies.
    let absent = RequestContext::new().with("my:str", "k1");
    assert!(holds(
        "StringEquals",
        "my:str",
        &["${aws:username, 'k1'}"],
        &absent
    ));
    // In a resource: the empty tag makes `b//x`, never `b/${...}/x`.
    let p = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject",
        "Resource":"arn:aws:s3:::b/${aws:PrincipalTag/api-key-id}x"}]}"#;
    let request = |resource: &str| {
        Request::new("s3:GetObject", resource)
            .with_context(RequestContext::new().with("aws:PrincipalTag/api-key-id", ""))
    };
    assert_eq!(decide(p, &request("arn:aws:s3:::b/x")), Decision::Allowed);
    assert_eq!(
        decide(
            p,
            &request("arn:aws:s3:::b/${aws:PrincipalTag/api-key-id}x")
        ),
        Decision::ImplicitDeny
    );
}

/// `VariableUnderOldVersion`. AWS: "If you do not include the Version
/// element ... or use 2008-10-17, variables such as `${aws:username}` aren't
/// recognized as variables and are instead treated as literal strings."
#[test]
fn without_version_2012_a_variable_is_literal_text_in_conditions_too() {
    let context = RequestContext::new()
        .with("aws:PrincipalTag/api-key-id", "k1")
        .with("my:str", "k1");
    let condition = Condition {
        operator: Operator::parse("StringEquals").expect("operator"),
        key: "my:str".into(),
        values: vec!["${aws:PrincipalTag/api-key-id}".into()],
    };
    assert!(!condition.holds(&context, false));
    assert!(condition.holds(&context, true));
    let literal = context.with("my:str", "${aws:PrincipalTag/api-key-id}");
    assert!(condition.holds(&literal, false));
    let p = r#"{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject",
        "Resource":"arn:aws:s3:::b/${aws:PrincipalTag/api-key-id}/*"}]}"#;
    let request = Request::new("s3:GetObject", "arn:aws:s3:::b/k1/x")
        .with_context(RequestContext::new().with("aws:PrincipalTag/api-key-id", "k1"));
    assert_eq!(decide(p, &request), Decision::ImplicitDeny);
}

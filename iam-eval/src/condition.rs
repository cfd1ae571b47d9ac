//! Condition operators and their evaluation against a request context.
//!
//! Rules (AWS "Condition operators" and "Multivalued context keys"):
//! - several policy values of one key are OR'd; for negated operators
//!   (`StringNotEquals`, `NotIpAddress`, ...) they are NOR'd: the request
//!   value must differ from every one;
//! - an absent key fails a positive operator and passes a negated one;
//!   `...IfExists` passes on an absent key;
//! - a multivalued key needs a set modifier: without one the condition fails;
//! - `ForAllValues` passes on an absent or empty key, `ForAnyValue` fails on one;
//! - a policy value with an unresolvable variable, or a value that doesn't
//!   parse as the operator's type, never matches (for a negated operator it
//!   therefore fails the NOR).

use std::net::IpAddr;

use chrono::{DateTime, NaiveDate, NaiveDateTime};

use crate::context::{ContextValue, RequestContext};
use crate::pattern::{Pattern, glob_match};
use crate::variables::{Reading, resolve, resolve_plain};

/// The comparison an operator makes, without its modifiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[allow(missing_docs)]
pub enum BaseOperator {
    StringEquals,
    StringNotEquals,
    StringEqualsIgnoreCase,
    StringNotEqualsIgnoreCase,
    StringLike,
    StringNotLike,
    NumericEquals,
    NumericNotEquals,
    NumericLessThan,
    NumericLessThanEquals,
    NumericGreaterThan,
    NumericGreaterThanEquals,
    DateEquals,
    DateNotEquals,
    DateLessThan,
    DateLessThanEquals,
    DateGreaterThan,
    DateGreaterThanEquals,
    Bool,
    BinaryEquals,
    IpAddress,
    NotIpAddress,
    ArnEquals,
    ArnLike,
    ArnNotEquals,
    ArnNotLike,
    Null,
}

impl BaseOperator {
    /// Every operator, for generators and documentation.
    pub const ALL: [Self; 27] = [
        Self::StringEquals,
        Self::StringNotEquals,
        Self::StringEqualsIgnoreCase,
        Self::StringNotEqualsIgnoreCase,
        Self::StringLike,
        Self::StringNotLike,
        Self::NumericEquals,
        Self::NumericNotEquals,
        Self::NumericLessThan,
        Self::NumericLessThanEquals,
        Self::NumericGreaterThan,
        Self::NumericGreaterThanEquals,
        Self::DateEquals,
        Self::DateNotEquals,
        Self::DateLessThan,
        Self::DateLessThanEquals,
        Self::DateGreaterThan,
        Self::DateGreaterThanEquals,
        Self::Bool,
        Self::BinaryEquals,
        Self::IpAddress,
        Self::NotIpAddress,
        Self::ArnEquals,
        Self::ArnLike,
        Self::ArnNotEquals,
        Self::ArnNotLike,
        Self::Null,
    ];

    /// The name as written in a policy.
    pub fn name(self) -> &'static str {
        match self {
            Self::StringEquals => "StringEquals",
            Self::StringNotEquals => "StringNotEquals",
            Self::StringEqualsIgnoreCase => "StringEqualsIgnoreCase",
            Self::StringNotEqualsIgnoreCase => "StringNotEqualsIgnoreCase",
            Self::StringLike => "StringLike",
            Self::StringNotLike => "StringNotLike",
            Self::NumericEquals => "NumericEquals",
            Self::NumericNotEquals => "NumericNotEquals",
            Self::NumericLessThan => "NumericLessThan",
            Self::NumericLessThanEquals => "NumericLessThanEquals",
            Self::NumericGreaterThan => "NumericGreaterThan",
            Self::NumericGreaterThanEquals => "NumericGreaterThanEquals",
            Self::DateEquals => "DateEquals",
            Self::DateNotEquals => "DateNotEquals",
            Self::DateLessThan => "DateLessThan",
            Self::DateLessThanEquals => "DateLessThanEquals",
            Self::DateGreaterThan => "DateGreaterThan",
            Self::DateGreaterThanEquals => "DateGreaterThanEquals",
            Self::Bool => "Bool",
            Self::BinaryEquals => "BinaryEquals",
            Self::IpAddress => "IpAddress",
            Self::NotIpAddress => "NotIpAddress",
            Self::ArnEquals => "ArnEquals",
            Self::ArnLike => "ArnLike",
            Self::ArnNotEquals => "ArnNotEquals",
            Self::ArnNotLike => "ArnNotLike",
            Self::Null => "Null",
        }
    }

    /// Negated operators compare with NOR over the policy values and pass on
    /// an absent key.
    pub fn is_negated(self) -> bool {
        matches!(
            self,
            Self::StringNotEquals
                | Self::StringNotEqualsIgnoreCase
                | Self::StringNotLike
                | Self::NumericNotEquals
                | Self::DateNotEquals
                | Self::NotIpAddress
                | Self::ArnNotEquals
                | Self::ArnNotLike
        )
    }
}

/// `ForAllValues:` or `ForAnyValue:`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum SetModifier {
    /// Every request value must match; true when the key is absent or empty.
    ForAllValues,
    /// Some request value must match; false when the key is absent or empty.
    ForAnyValue,
}

/// A full operator: base comparison plus modifiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Operator {
    /// The comparison.
    pub base: BaseOperator,
    /// `ForAllValues:` / `ForAnyValue:` prefix.
    pub set: Option<SetModifier>,
    /// `...IfExists` suffix.
    pub if_exists: bool,
}

impl Operator {
    /// Parses an operator name such as `ForAnyValue:StringLikeIfExists`.
    pub fn parse(text: &str) -> Option<Self> {
        let (set, rest) = match text.split_once(':') {
            Some((prefix, rest)) if prefix.eq_ignore_ascii_case("ForAllValues") => {
                (Some(SetModifier::ForAllValues), rest)
            }
            Some((prefix, rest)) if prefix.eq_ignore_ascii_case("ForAnyValue") => {
                (Some(SetModifier::ForAnyValue), rest)
            }
            Some(_) => return None,
            None => (None, text),
        };
        let lower = rest.to_ascii_lowercase();
        let (base_name, if_exists) = match lower.strip_suffix("ifexists") {
            Some(base) => (base, true),
            None => (lower.as_str(), false),
        };
        let base = BaseOperator::ALL
            .into_iter()
            .find(|op| op.name().eq_ignore_ascii_case(base_name))?;
        if base == BaseOperator::Null && (if_exists || set.is_some()) {
            return None;
        }
        Some(Self {
            base,
            set,
            if_exists,
        })
    }

    /// The name as written in a policy.
    pub fn name(&self) -> String {
        let prefix = match self.set {
            Some(SetModifier::ForAllValues) => "ForAllValues:",
            Some(SetModifier::ForAnyValue) => "ForAnyValue:",
            None => "",
        };
        let suffix = if self.if_exists { "IfExists" } else { "" };
        format!("{prefix}{}{suffix}", self.base.name())
    }
}

/// One key under one operator, with its policy values (OR'd, or NOR'd when negated).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    /// The operator.
    pub operator: Operator,
    /// The context key as written (matched case-insensitively).
    pub key: String,
    /// The policy values as written, before variable substitution.
    pub values: Vec<String>,
}

impl Condition {
    /// Whether the condition holds for `context`. `variables` says whether
    /// policy variables are substituted (policy version 2012-10-17).
    pub fn holds(&self, context: &RequestContext, variables: bool) -> bool {
        let base = self.operator.base;
        let present = context.get(&self.key);
        if base == BaseOperator::Null {
            let want = if present.is_some() { "false" } else { "true" };
            return self.values.iter().any(|v| v.eq_ignore_ascii_case(want));
        }
        let matches_one = |request: &str| self.value_matches(request, context, variables);
        match (self.operator.set, present) {
            (Some(_), None) if self.operator.if_exists => true,
            (Some(set), None) => set == SetModifier::ForAllValues,
            (Some(SetModifier::ForAllValues), Some(ContextValue::Multi(vs))) => {
                vs.iter().all(|v| matches_one(v))
            }
            (Some(SetModifier::ForAnyValue), Some(ContextValue::Multi(vs))) => {
                vs.iter().any(|v| matches_one(v))
            }
            (None, None) => self.operator.if_exists || base.is_negated(),
            (None, Some(ContextValue::Multi(_))) => false,
            // A single value behaves as a one-element set under a set modifier.
            (_, Some(ContextValue::Single(v))) => matches_one(v),
        }
    }

    /// One request value against all policy values: OR, or NOR when negated.
    fn value_matches(&self, request: &str, context: &RequestContext, variables: bool) -> bool {
        let base = self.operator.base;
        let outcomes = self
            .values
            .iter()
            .map(|p| compare(base, request, p, context, variables));
        if base.is_negated() {
            outcomes.into_iter().all(|o| o == Some(false))
        } else {
            outcomes.into_iter().any(|o| o == Some(true))
        }
    }
}

/// The positive comparison behind `base`; `None` when the policy value can't
/// be resolved or either side doesn't parse as the operator's type.
fn compare(
    base: BaseOperator,
    request: &str,
    policy: &str,
    context: &RequestContext,
    variables: bool,
) -> Option<bool> {
    use BaseOperator as B;
    let like = Reading {
        variables,
        wildcards: true,
    };
    match base {
        B::StringEquals | B::StringNotEquals => {
            Some(resolve_plain(policy, context, variables)? == request)
        }
        B::StringEqualsIgnoreCase | B::StringNotEqualsIgnoreCase => Some(
            resolve_plain(policy, context, variables)?.to_lowercase() == request.to_lowercase(),
        ),
        B::StringLike | B::StringNotLike => {
            if !(variables && policy.contains("${")) {
                return Some(glob_match(policy, request, false));
            }
            Some(Pattern::from_pieces(&resolve(policy, context, like)?, false).matches(request))
        }
        B::NumericEquals | B::NumericNotEquals => {
            Some(number(request)?.total_cmp(&number(policy)?).is_eq())
        }
        B::NumericLessThan => Some(number(request)? < number(policy)?),
        B::NumericLessThanEquals => Some(number(request)? <= number(policy)?),
        B::NumericGreaterThan => Some(number(request)? > number(policy)?),
        B::NumericGreaterThanEquals => Some(number(request)? >= number(policy)?),
        B::DateEquals | B::DateNotEquals => Some(date(request)? == date(policy)?),
        B::DateLessThan => Some(date(request)? < date(policy)?),
        B::DateLessThanEquals => Some(date(request)? <= date(policy)?),
        B::DateGreaterThan => Some(date(request)? > date(policy)?),
        B::DateGreaterThanEquals => Some(date(request)? >= date(policy)?),
        B::Bool => {
            let policy = resolve_plain(policy, context, variables)?.to_ascii_lowercase();
            let request = request.to_ascii_lowercase();
            let is_bool = |s: &str| s == "true" || s == "false";
            (is_bool(&policy) && is_bool(&request)).then_some(policy == request)
        }
        B::BinaryEquals => Some(policy == request),
        B::IpAddress | B::NotIpAddress => ip_in(request, policy),
        B::ArnEquals | B::ArnLike | B::ArnNotEquals | B::ArnNotLike => {
            arn_like(request, policy, context, variables)
        }
        B::Null => None,
    }
}

fn number(text: &str) -> Option<f64> {
    let text = text.trim();
    let ok = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E'));
    if !ok {
        return None;
    }
    text.parse::<f64>().ok().filter(|n| n.is_finite())
}

/// Milliseconds since the epoch. Accepts epoch seconds and the W3C/ISO 8601
/// forms AWS documents (date, date-time with `Z` or an offset, fractions).
fn date(text: &str) -> Option<i64> {
    let text = text.trim();
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return text.parse::<i64>().ok()?.checked_mul(1000);
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(text) {
        return Some(dt.timestamp_millis());
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S%.fZ",
        "%Y-%m-%dT%H:%M:%SZ",
        "%Y-%m-%dT%H:%MZ",
        "%Y-%m-%dT%H:%M:%S",
    ] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(text, format) {
            return Some(dt.and_utc().timestamp_millis());
        }
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|dt| dt.and_utc().timestamp_millis())
}

fn ip_in(request: &str, policy: &str) -> Option<bool> {
    let address: IpAddr = request.trim().parse().ok()?;
    let (network, bits) = match policy.trim().split_once('/') {
        Some((net, bits)) => (net.parse::<IpAddr>().ok()?, Some(bits.parse::<u32>().ok()?)),
        None => (policy.trim().parse::<IpAddr>().ok()?, None),
    };
    match (address, network) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let bits = bits.unwrap_or(32);
            if bits > 32 {
                return None;
            }
            let mask = u32::MAX.checked_shl(32 - bits).unwrap_or(0);
            Some(u32::from(a) & mask == u32::from(n) & mask)
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let bits = bits.unwrap_or(128);
            if bits > 128 {
                return None;
            }
            let mask = u128::MAX.checked_shl(128 - bits).unwrap_or(0);
            Some(u128::from(a) & mask == u128::from(n) & mask)
        }
        _ => Some(false),
    }
}

/// Splits an ARN into its six colon-separated parts; the last keeps its colons.
pub(crate) fn arn_parts(arn: &str) -> Option<[&str; 6]> {
    let mut parts = arn.splitn(6, ':');
    let out = [
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    ];
    (out[0] == "arn").then_some(out)
}

/// Splits a policy ARN pattern at the colons outside `${...}` (a variable
/// name such as `aws:username` holds one), into at most six parts.
pub(crate) fn pattern_parts(pattern: &str) -> Vec<&str> {
    let bytes = pattern.as_bytes();
    let mut parts = Vec::with_capacity(6);
    let (mut start, mut i, mut in_variable) = (0, 0, false);
    while i < bytes.len() {
        match bytes[i] {
            b'$' if !in_variable && bytes.get(i + 1) == Some(&b'{') => {
                in_variable = true;
                i += 1;
            }
            b'}' if in_variable => in_variable = false,
            b':' if !in_variable && parts.len() < 5 => {
                parts.push(&pattern[start..i]);
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    parts.push(&pattern[start..]);
    parts
}

/// ARN operators (and the `Resource` element) match part by part, so a
/// wildcard never spans a colon between the first five parts.
pub(crate) fn arn_like(
    request: &str,
    policy: &str,
    context: &RequestContext,
    variables: bool,
) -> Option<bool> {
    let policy_parts = pattern_parts(policy);
    if policy_parts.len() != 6 || policy_parts[0] != "arn" {
        return None;
    }
    let request_parts = arn_parts(request)?;
    let reading = Reading {
        variables,
        wildcards: true,
    };
    // A part that can't match settles it, whatever an unresolvable variable
    // in another part would have said; otherwise that variable leaves the
    // answer open (None), which callers treat as "does not match".
    let mut unresolved = false;
    for (p, r) in policy_parts.iter().zip(request_parts.iter()) {
        if !(variables && p.contains("${")) {
            if glob_match(p, r, false) {
                continue;
            }
            return Some(false);
        }
        match resolve(p, context, reading) {
            Some(pieces) if !Pattern::from_pieces(&pieces, false).matches(r) => return Some(false),
            Some(_) => {}
            None => unresolved = true,
        }
    }
    (!unresolved).then_some(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cond(op: &str, key: &str, values: &[&str]) -> Condition {
        Condition {
            operator: Operator::parse(op).unwrap(),
            key: key.into(),
            values: values.iter().map(|v| (*v).to_owned()).collect(),
        }
    }

    fn holds(op: &str, key: &str, values: &[&str], ctx: &RequestContext) -> bool {
        cond(op, key, values).holds(ctx, true)
    }

    #[test]
    fn parses_modifiers_and_round_trips_names() {
        let op = Operator::parse("ForAnyValue:StringLikeIfExists").unwrap();
        assert_eq!(op.set, Some(SetModifier::ForAnyValue));
        assert!(op.if_exists);
        assert_eq!(op.name(), "ForAnyValue:StringLikeIfExists");
        assert!(Operator::parse("NullIfExists").is_none());
        assert!(Operator::parse("Sometimes:StringEquals").is_none());
    }

    #[test]
    fn several_values_are_ored_and_negated_operators_nor() {
        let ctx = RequestContext::new().with("k", "a");
        assert!(holds("StringEquals", "k", &["b", "a"], &ctx));
        assert!(!holds("StringNotEquals", "k", &["b", "a"], &ctx));
        assert!(holds("StringNotEquals", "k", &["b", "c"], &ctx));
    }

    #[test]
    fn absent_key_fails_positive_passes_negated_and_if_exists() {
        let ctx = RequestContext::new();
        assert!(!holds("StringEquals", "k", &["a"], &ctx));
        assert!(holds("StringNotEquals", "k", &["a"], &ctx));
        assert!(holds("StringEqualsIfExists", "k", &["a"], &ctx));
        assert!(holds("NotIpAddress", "aws:SourceIp", &["10.0.0.0/8"], &ctx));
    }

    #[test]
    fn key_names_are_case_insensitive() {
        let ctx = RequestContext::new().with("aws:PrincipalTag/Team", "x");
        assert!(holds("StringEquals", "AWS:principaltag/team", &["x"], &ctx));
    }

    #[test]
    fn set_modifiers_on_absent_empty_and_multivalued_keys() {
        let absent = RequestContext::new();
        let empty = RequestContext::new().with_multi("k", Vec::<String>::new());
        let both = RequestContext::new().with_multi("k", ["a", "b"]);
        let one = RequestContext::new().with_multi("k", ["a"]);
        assert!(holds("ForAllValues:StringEquals", "k", &["a"], &absent));
        assert!(holds("ForAllValues:StringEquals", "k", &["a"], &empty));
        assert!(!holds("ForAllValues:StringEquals", "k", &["a"], &both));
        assert!(holds("ForAllValues:StringEquals", "k", &["a"], &one));
        assert!(!holds("ForAnyValue:StringEquals", "k", &["a"], &absent));
        assert!(!holds("ForAnyValue:StringEquals", "k", &["a"], &empty));
        assert!(holds("ForAnyValue:StringEquals", "k", &["a"], &both));
        assert!(!holds("ForAnyValue:StringNotEquals", "k", &["a"], &one));
        assert!(holds("ForAnyValue:StringNotEquals", "k", &["a"], &both));
        // a multivalued key without a set modifier never matches
        assert!(!holds("StringEquals", "k", &["a"], &one));
        assert!(!holds("StringNotEquals", "k", &["z"], &one));
    }

    #[test]
    fn null_checks_presence_only() {
        let empty = RequestContext::new().with_multi("k", Vec::<String>::new());
        assert!(holds("Null", "k", &["false"], &empty));
        assert!(holds("Null", "k", &["true"], &RequestContext::new()));
        assert!(!holds("Null", "k", &["false"], &RequestContext::new()));
    }

    #[test]
    fn unresolvable_variable_never_matches_even_negated() {
        let ctx = RequestContext::new().with("k", "");
        assert!(!holds(
            "StringEquals",
            "k",
            &["${aws:PrincipalTag/api-key-id}"],
            &ctx
        ));
        assert!(!holds(
            "StringNotEquals",
            "k",
            &["${aws:PrincipalTag/api-key-id}"],
            &ctx
        ));
        let tagged = ctx.clone().with("aws:PrincipalTag/api-key-id", "");
        assert!(holds(
            "StringEquals",
            "k",
            &["${aws:PrincipalTag/api-key-id}"],
            &tagged
        ));
    }

    #[test]
    fn string_like_and_ignore_case() {
        let ctx = RequestContext::new().with("s3:prefix", "K1/docs/");
        assert!(holds("StringLike", "s3:prefix", &["K1/*"], &ctx));
        assert!(!holds("StringLike", "s3:prefix", &["k1/*"], &ctx));
        assert!(holds(
            "StringEqualsIgnoreCase",
            "s3:prefix",
            &["k1/DOCS/"],
            &ctx
        ));
        assert!(!holds("StringNotLike", "s3:prefix", &["K1/*", "x"], &ctx));
    }

    #[test]
    fn numeric_and_date_comparisons() {
        let ctx = RequestContext::new()
            .with("n", "10")
            .with("t", "2026-11-27T10:00:00Z")
            .with("e", "1700000000");
        assert!(holds("NumericLessThan", "n", &["11"], &ctx));
        assert!(!holds("NumericLessThan", "n", &["10"], &ctx));
        assert!(holds("NumericEquals", "n", &["10.0"], &ctx));
        assert!(!holds("NumericEquals", "n", &["ten"], &ctx));
        assert!(!holds("NumericNotEquals", "n", &["ten"], &ctx));
        assert!(holds("DateGreaterThan", "t", &["2026-11-27"], &ctx));
        assert!(holds(
            "DateEquals",
            "t",
            &["2026-11-27T11:00:00+01:00"],
            &ctx
        ));
        assert!(holds("DateLessThan", "e", &["2026-01-01T00:00:00Z"], &ctx));
    }

    #[test]
    fn ip_ranges_v4_and_v6() {
        let ctx = RequestContext::new().with("aws:SourceIp", "10.1.2.3");
        assert!(holds("IpAddress", "aws:SourceIp", &["10.0.0.0/8"], &ctx));
        assert!(holds("IpAddress", "aws:SourceIp", &["10.1.2.3"], &ctx));
        assert!(!holds(
            "IpAddress",
            "aws:SourceIp",
            &["2001:db8::/32"],
            &ctx
        ));
        assert!(!holds(
            "NotIpAddress",
            "aws:SourceIp",
            &["192.168.0.0/16", "10.0.0.0/8"],
            &ctx
        ));
        let v6 = RequestContext::new().with("aws:SourceIp", "2001:db8::1");
        assert!(holds("IpAddress", "aws:SourceIp", &["2001:db8::/32"], &v6));
    }

    #[test]
    fn arn_operators_match_part_by_part() {
        let ctx = RequestContext::new().with("aws:SourceArn", "arn:aws:iam::123456789012:role/a/b");
        assert!(holds(
            "ArnLike",
            "aws:SourceArn",
            &["arn:aws:iam::*:role/*"],
            &ctx
        ));
        assert!(holds(
            "ArnEquals",
            "aws:SourceArn",
            &["arn:aws:iam::123456789012:role/?/b"],
            &ctx
        ));
        assert!(!holds(
            "ArnLike",
            "aws:SourceArn",
            &["arn:aws:*:role/a/b"],
            &ctx
        ));
        assert!(holds(
            "ArnNotLike",
            "aws:SourceArn",
            &["arn:aws:iam::111111111111:*"],
            &ctx
        ));
        let not_arn = RequestContext::new().with("aws:SourceArn", "nope");
        assert!(!holds("ArnLike", "aws:SourceArn", &["*"], &not_arn));
        let in_account = RequestContext::new()
            .with("aws:SourceArn", "arn:aws:iam::123456789012:role/r")
            .with("aws:PrincipalAccount", "123456789012");
        assert!(holds(
            "ArnLike",
            "aws:SourceArn",
            &["arn:aws:iam::${aws:PrincipalAccount}:role/*"],
            &in_account
        ));
    }

    #[test]
    fn bool_and_binary() {
        let ctx = RequestContext::new()
            .with("aws:SecureTransport", "TRUE")
            .with("b", "QUJD");
        assert!(holds("Bool", "aws:SecureTransport", &["true"], &ctx));
        assert!(!holds("Bool", "aws:SecureTransport", &["false"], &ctx));
        assert!(holds("BinaryEquals", "b", &["QUJD"], &ctx));
        assert!(!holds("BinaryEquals", "b", &["qujd"], &ctx));
    }
}

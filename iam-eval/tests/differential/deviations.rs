//! Where iam-simulate departs from AWS's documented semantics, tagged per
//! condition (one key under one operator) or per resource pattern, never
//! per case.
//!
//! For a tagged element two rewrites of the case exist:
//! - [`emulate`] reproduces iam-simulate's reading of the element with
//!   iam-eval's documented semantics; iam-eval on it must give
//!   iam-simulate's answer on the original case. That keeps the tag honest:
//!   a tag can't explain away a disagreement that has another cause.
//! - [`normalise`] writes the element in an equivalent form (under AWS's
//!   documented semantics) that avoids the deviation; iam-simulate on it must
//!   give iam-eval's answer on the original case. So iam-eval is judged by
//!   the reference on every case, tagged or not, and the tagged element by
//!   its documented answer, which `src/reference_deviations.rs` pins.
//!
//! Both rewrites rest on one property of the corpus, checked by
//! [`assert_no_literal_variables`]: no request value or resource contains
//! `$`, `{` or `}`, so a variable read as literal text matches no request.

use std::collections::BTreeSet;
use std::net::IpAddr;

use serde_json::{Map, Value, json};

/// Known departures of iam-simulate from AWS's documentation. Each has a
/// unit test in `src/reference_deviations.rs` pinning iam-eval's answer.
///
/// One more departure is avoided rather than tagged: iam-simulate reads a `*`
/// in the *request's* resource ARN as a wildcard pattern (it simulates
/// wildcard resources), while AWS authorizes concrete ARNs whose S3 keys may
/// contain `*`. The corpus therefore sends no request resource with `*`; the
/// `${*}` escape is still exercised through `${*}` and `?` patterns, and
/// iam-eval's unit tests match a literal `*` key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Deviation {
    /// iam-simulate parses an all-digit date as epoch *seconds* but an ISO
    /// date as *milliseconds* (JS `Date.parse`), so comparing the two forms
    /// is off by 1000x. AWS documents both forms for Date operators.
    /// Pinned by `epoch_and_iso_dates_compare_as_the_same_instant`.
    MixedEpochAndIsoDates,
    /// iam-simulate reads a variable whose context value is the empty string
    /// as if the key were missing (JS truthiness): it takes the default if
    /// there is one, and otherwise keeps `${key}` as literal text. AWS
    /// substitutes the empty value (its "no value" rule is about absent keys).
    /// Pinned by `an_empty_variable_value_is_substituted_and_the_default_is_not_used`.
    EmptyVariableValue,
    /// iam-simulate leaves `${*}`, `${?}`, `${$}` unsubstituted in operators
    /// without wildcards (StringEquals, Bool, ...). AWS documents them as
    /// escapes for "any place where you can use policy variables".
    /// Pinned by `an_escape_in_string_equals_is_the_literal_character`.
    EscapeInPlainOperator,
    /// iam-simulate substitutes variables regardless of the policy Version;
    /// AWS substitutes only under "2012-10-17" and reads `${...}` literally
    /// otherwise. Pinned by
    /// `without_version_2012_a_variable_is_literal_text_in_conditions_too`.
    VariableUnderOldVersion,
    /// With `...IfExists` under a set modifier and the key absent, AWS's
    /// IfExists rule ("if the key is not present, the condition is true")
    /// applies; iam-simulate ignores IfExists for set modifiers, so
    /// `ForAnyValue:...IfExists` on an absent key is false there.
    /// Pinned by `for_any_value_if_exists_on_an_absent_key_is_true`.
    IfExistsUnderForAnyValue,
    /// iam-simulate compares a policy IP written without a `/prefix` only
    /// with a request address of the same family and otherwise answers "no"
    /// for IpAddress *and* NotIpAddress. AWS documents NotIpAddress as the
    /// negation, and an IPv6 address is plainly not the IPv4 address
    /// `10.1.2.3`, so iam-eval answers NotIpAddress true there.
    /// Pinned by `not_ip_address_with_a_bare_ipv4_address_holds_for_an_ipv6_request`.
    BareIpAcrossFamilies,
}

impl Deviation {
    /// Every deviation, for the report.
    pub const ALL: [Self; 6] = [
        Self::MixedEpochAndIsoDates,
        Self::EmptyVariableValue,
        Self::EscapeInPlainOperator,
        Self::VariableUnderOldVersion,
        Self::IfExistsUnderForAnyValue,
        Self::BareIpAcrossFamilies,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::MixedEpochAndIsoDates => "mixed epoch/ISO dates",
            Self::EmptyVariableValue => "empty variable value or default",
            Self::EscapeInPlainOperator => "${*}/${?}/${$} in a non-wildcard operator",
            Self::VariableUnderOldVersion => "variable under Version 2008-10-17 or none",
            Self::IfExistsUnderForAnyValue => "ForAnyValue:...IfExists on an absent key",
            Self::BareIpAcrossFamilies => {
                "NotIpAddress with a bare IP and a request of the other family"
            }
        }
    }
}

/// One policy document of a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Doc {
    Identity(usize),
    Session,
    Trust,
}

/// The element a tag is on.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Site {
    /// One key under one operator of a statement's `Condition`.
    Condition {
        doc: Doc,
        statement: usize,
        operator: String,
        key: String,
    },
    /// One pattern of a statement's `Resource` or `NotResource`.
    Resource {
        doc: Doc,
        statement: usize,
        element: &'static str,
        index: usize,
    },
}

/// A deviation on one element.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Tag {
    pub deviation: Deviation,
    pub site: Site,
}

/// Every element of a case: conditions and resource patterns.
pub fn site_count(case: &Value) -> usize {
    let mut n = 0;
    for (_, doc) in docs(case) {
        for st in statements(doc) {
            for element in ["Resource", "NotResource"] {
                n += strings(&st[element]).len();
            }
            if let Some(Value::Object(block)) = st.get("Condition") {
                n += block
                    .values()
                    .filter_map(Value::as_object)
                    .map(Map::len)
                    .sum::<usize>();
            }
        }
    }
    n
}

fn docs(case: &Value) -> Vec<(Doc, &Value)> {
    let mut out: Vec<(Doc, &Value)> = case["identity"]
        .as_array()
        .map(|list| {
            list.iter()
                .enumerate()
                .map(|(i, d)| (Doc::Identity(i), d))
                .collect()
        })
        .unwrap_or_default();
    if !case["session"].is_null() {
        out.push((Doc::Session, &case["session"]));
    }
    if !case["trust"].is_null() {
        out.push((Doc::Trust, &case["trust"]));
    }
    out
}

fn doc_mut(case: &mut Value, doc: Doc) -> &mut Value {
    match doc {
        Doc::Identity(i) => &mut case["identity"][i],
        Doc::Session => &mut case["session"],
        Doc::Trust => &mut case["trust"],
    }
}

fn statements(doc: &Value) -> impl Iterator<Item = &Value> {
    doc["Statement"].as_array().into_iter().flatten()
}

/// A JSON string or array of strings, as a list.
fn strings(value: &Value) -> Vec<&str> {
    match value {
        Value::String(s) => vec![s.as_str()],
        Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// The request's values of `key` (case-insensitive), `None` when absent.
fn context_values<'a>(context: &'a Map<String, Value>, key: &str) -> Option<Vec<&'a str>> {
    context
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| strings(v))
}

fn is_version_2012(doc: &Value) -> bool {
    doc["Version"] == "2012-10-17"
}

/// The operator without set modifier and `IfExists`: `StringEquals`.
fn base(operator: &str) -> &str {
    operator
        .rsplit(':')
        .next()
        .unwrap_or(operator)
        .trim_end_matches("IfExists")
}

/// Operators that read their values without wildcards.
fn is_plain_string(operator: &str) -> bool {
    matches!(
        base(operator),
        "StringEquals"
            | "StringNotEquals"
            | "StringEqualsIgnoreCase"
            | "StringNotEqualsIgnoreCase"
            | "Bool"
    )
}

const ESCAPES: [&str; 3] = ["${*}", "${?}", "${$}"];

/// A `${...}` reference: its name and default, as written.
struct Variable<'a> {
    name: &'a str,
    default: Option<&'a str>,
}

/// Rewrites every `${...}` of `text` with what `replace` returns for it
/// (`None`: keep it as written).
fn rewrite_variables(text: &str, replace: impl Fn(&str, Variable<'_>) -> Option<String>) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        let Some(len) = rest[start..].find('}') else {
            break;
        };
        let written = &rest[start..=start + len];
        let inner = &written[2..written.len() - 1];
        let variable = match inner.split_once(',') {
            Some((name, default)) => Variable {
                name: name.trim(),
                default: Some(default.trim().trim_matches('\'')),
            },
            None => Variable {
                name: inner.trim(),
                default: None,
            },
        };
        out.push_str(&rest[..start]);
        out.push_str(&replace(written, variable).unwrap_or_else(|| written.to_owned()));
        rest = &rest[start + len + 1..];
    }
    out.push_str(rest);
    out
}

/// Whether the request has `key` (case-insensitive) as the empty string.
fn is_empty_string(context: &Map<String, Value>, key: &str) -> bool {
    context
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case(key) && v == &json!(""))
}

/// Whether `text` has a variable that reads a key present with the empty string.
fn reads_an_empty_value(text: &str, context: &Map<String, Value>) -> bool {
    let found = std::cell::Cell::new(false);
    rewrite_variables(text, |_, v| {
        found.set(found.get() || is_empty_string(context, v.name));
        None
    });
    found.get()
}

/// The deviations one policy string touches, wherever it sits.
fn value_deviations(
    text: &str,
    version_2012: bool,
    operator: Option<&str>,
    context: &Map<String, Value>,
) -> BTreeSet<Deviation> {
    let mut found = BTreeSet::new();
    if !text.contains("${") {
        return found;
    }
    if !version_2012 {
        found.insert(Deviation::VariableUnderOldVersion);
    }
    // iam-simulate reads every document as 2012-10-17, so the deviations of
    // that version apply to an old one's element too (for `emulate`).
    if operator.is_some_and(is_plain_string) && ESCAPES.iter().any(|e| text.contains(e)) {
        found.insert(Deviation::EscapeInPlainOperator);
    }
    if reads_an_empty_value(text, context) {
        found.insert(Deviation::EmptyVariableValue);
    }
    found
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum DateForm {
    Epoch,
    Iso,
}

fn date_form(text: &str) -> Option<DateForm> {
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        Some(DateForm::Epoch)
    } else {
        iso_millis(text).map(|_| DateForm::Iso)
    }
}

/// Milliseconds since the epoch of an ISO 8601 date or date-time.
fn iso_millis(text: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|d| d.timestamp_millis())
        .ok()
        .or_else(|| {
            chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|d| d.and_utc().timestamp_millis())
        })
}

fn family(text: &str) -> Option<bool> {
    text.trim().parse::<IpAddr>().ok().map(|ip| ip.is_ipv4())
}

/// The deviations of one condition that depend on its operator and the request.
fn condition_deviations(
    operator: &str,
    key: &str,
    values: &[&str],
    context: &Map<String, Value>,
) -> BTreeSet<Deviation> {
    let mut found = BTreeSet::new();
    let request = context_values(context, key);
    if base(operator).starts_with("Date") {
        let forms: BTreeSet<DateForm> = values
            .iter()
            .copied()
            .chain(request.iter().flatten().copied())
            .filter_map(date_form)
            .collect();
        if forms.len() > 1 {
            found.insert(Deviation::MixedEpochAndIsoDates);
        }
    }
    if operator.starts_with("ForAnyValue:") && operator.ends_with("IfExists") && request.is_none() {
        found.insert(Deviation::IfExistsUnderForAnyValue);
    }
    if base(operator) == "NotIpAddress" {
        let bare: BTreeSet<bool> = values
            .iter()
            .filter(|v| !v.contains('/'))
            .filter_map(|v| family(v))
            .collect();
        let asked: BTreeSet<bool> = request.iter().flatten().filter_map(|v| family(v)).collect();
        if bare.iter().any(|f| asked.iter().any(|g| g != f)) {
            found.insert(Deviation::BareIpAcrossFamilies);
        }
    }
    found
}

/// Every tag of a case, computed from the case itself.
pub fn tags(case: &Value) -> Vec<Tag> {
    let context = case["context"].as_object().cloned().unwrap_or_default();
    let mut tags = Vec::new();
    for (doc, body) in docs(case) {
        let v2012 = is_version_2012(body);
        for (statement, st) in statements(body).enumerate() {
            for element in ["Resource", "NotResource"] {
                for (index, pattern) in strings(&st[element]).into_iter().enumerate() {
                    let site = Site::Resource {
                        doc,
                        statement,
                        element,
                        index,
                    };
                    for deviation in value_deviations(pattern, v2012, None, &context) {
                        tags.push(Tag {
                            deviation,
                            site: site.clone(),
                        });
                    }
                }
            }
            let Some(Value::Object(block)) = st.get("Condition") else {
                continue;
            };
            for (operator, entries) in block {
                for (key, values) in entries.as_object().into_iter().flatten() {
                    let values = strings(values);
                    let mut found = condition_deviations(operator, key, &values, &context);
                    for v in &values {
                        found.extend(value_deviations(v, v2012, Some(operator), &context));
                    }
                    let site = Site::Condition {
                        doc,
                        statement,
                        operator: operator.clone(),
                        key: key.clone(),
                    };
                    for deviation in found {
                        tags.push(Tag {
                            deviation,
                            site: site.clone(),
                        });
                    }
                }
            }
        }
    }
    tags
}

/// Panics unless no request value or resource holds `$`, `{` or `}`: the
/// property both rewrites rely on (a literal variable matches no request).
pub fn assert_no_literal_variables(case: &Value) {
    let context = case["context"].as_object().cloned().unwrap_or_default();
    let mut request: Vec<&str> = context.values().flat_map(strings).collect();
    request.push(case["resource"].as_str().unwrap_or(""));
    for value in request {
        assert!(
            !value.contains(['$', '{', '}']),
            "the corpus sends {value:?}, which a literal variable could match: {case}"
        );
    }
}

/// Applies `edit` to the values of a tagged site (a condition's values or
/// one resource pattern), as a list of strings.
fn edit_site(case: &mut Value, site: &Site, edit: impl Fn(&mut Vec<String>)) {
    let (doc, statement) = match site {
        Site::Condition { doc, statement, .. } | Site::Resource { doc, statement, .. } => {
            (*doc, *statement)
        }
    };
    let st = &mut doc_mut(case, doc)["Statement"][statement];
    let slot = match site {
        Site::Condition { operator, key, .. } => {
            &mut st["Condition"][operator.as_str()][key.as_str()]
        }
        Site::Resource { element, .. } => &mut st[*element],
    };
    let mut list: Vec<String> = strings(slot).into_iter().map(str::to_owned).collect();
    match site {
        Site::Resource { index, .. } => {
            let mut one = vec![list[*index].clone()];
            edit(&mut one);
            list[*index] = one.swap_remove(0);
        }
        Site::Condition { .. } => edit(&mut list),
    }
    *slot = json!(list);
}

/// Moves a tagged condition from `operator` to `to` (`None`: drops it), and
/// drops what is left empty.
fn move_condition(case: &mut Value, site: &Site, to: Option<&str>) {
    let Site::Condition {
        doc,
        statement,
        operator,
        key,
    } = site
    else {
        return;
    };
    let st = &mut doc_mut(case, *doc)["Statement"][*statement];
    let block = st["Condition"].as_object_mut().expect("condition block");
    let entries = block[operator.as_str()]
        .as_object_mut()
        .expect("operator entries");
    let values = entries.remove(key.as_str()).expect("tagged key");
    if entries.is_empty() {
        block.remove(operator.as_str());
    }
    if let Some(to) = to {
        block
            .entry(to)
            .or_insert_with(|| json!({}))
            .as_object_mut()
            .expect("operator entries")
            .insert(key.clone(), values);
    }
    if block.is_empty() {
        st.as_object_mut().expect("statement").remove("Condition");
    }
}

/// Rewrites the dates of every Date condition on `key` and of the request's
/// `key` with `rewrite`. Touches untagged Date conditions on the same key
/// too; `rewrite` keeps their comparisons (it is monotonic on each side).
fn rewrite_dates(case: &mut Value, key: &str, rewrite: &dyn Fn(&str) -> String) {
    for doc in [Doc::Session, Doc::Trust]
        .into_iter()
        .chain((0..case["identity"].as_array().map_or(0, Vec::len)).map(Doc::Identity))
    {
        let body = doc_mut(case, doc);
        if body.is_null() {
            continue;
        }
        for st in body["Statement"].as_array_mut().into_iter().flatten() {
            let Some(Value::Object(block)) = st.get_mut("Condition") else {
                continue;
            };
            for (operator, entries) in block.iter_mut() {
                if !base(operator).starts_with("Date") {
                    continue;
                }
                for (k, values) in entries.as_object_mut().into_iter().flatten() {
                    if k.eq_ignore_ascii_case(key) {
                        *values = map_strings(values, rewrite);
                    }
                }
            }
        }
    }
    if let Some(context) = case["context"].as_object_mut() {
        for (k, values) in context.iter_mut() {
            if k.eq_ignore_ascii_case(key) {
                *values = map_strings(values, rewrite);
            }
        }
    }
}

fn map_strings(value: &Value, f: &dyn Fn(&str) -> String) -> Value {
    match value {
        Value::String(s) => json!(f(s)),
        Value::Array(items) => json!(
            items
                .iter()
                .map(|i| f(i.as_str().unwrap_or("")))
                .collect::<Vec<_>>()
        ),
        other => other.clone(),
    }
}

fn site_key(site: &Site) -> Option<&str> {
    match site {
        Site::Condition { key, .. } => Some(key),
        Site::Resource { .. } => None,
    }
}

fn site_doc(site: &Site) -> Doc {
    match site {
        Site::Condition { doc, .. } | Site::Resource { doc, .. } => *doc,
    }
}

/// The case as iam-simulate reads its tagged elements, in iam-eval's terms.
pub fn emulate(case: &Value, tags: &[Tag]) -> Value {
    let mut out = case.clone();
    let context = case["context"].as_object().cloned().unwrap_or_default();
    for tag in tags {
        let site = &tag.site;
        match tag.deviation {
            // iam-simulate substitutes anyway: so does iam-eval under 2012-10-17.
            // Every element of the document with a `${` is tagged, so the
            // version change reaches tagged elements only.
            Deviation::VariableUnderOldVersion => {
                doc_mut(&mut out, site_doc(site))["Version"] = json!("2012-10-17");
            }
            // Left as literal text: iam-eval's own escape for `$` writes it.
            Deviation::EscapeInPlainOperator => edit_site(&mut out, site, |values| {
                for v in values.iter_mut() {
                    for e in ESCAPES {
                        *v = v.replace(e, &format!("${{$}}{}", &e[1..]));
                    }
                }
            }),
            // The empty value reads as missing: the default, or literal text.
            Deviation::EmptyVariableValue => edit_site(&mut out, site, |values| {
                for v in values.iter_mut() {
                    *v = rewrite_variables(v, |written, var| {
                        is_empty_string(&context, var.name).then(|| {
                            var.default
                                .map_or_else(|| format!("${{$}}{}", &written[1..]), str::to_owned)
                        })
                    });
                }
            }),
            // IfExists is ignored under the set modifier.
            Deviation::IfExistsUnderForAnyValue => {
                if let Site::Condition { operator, .. } = site {
                    let plain = operator.trim_end_matches("IfExists").to_owned();
                    move_condition(&mut out, site, Some(&plain));
                }
            }
            // A request of the other family is "in" the bare address: every
            // such address fails the NOR.
            Deviation::BareIpAcrossFamilies => edit_site(&mut out, site, |values| {
                let bare: Vec<bool> = values
                    .iter()
                    .filter(|v| !v.contains('/'))
                    .filter_map(|v| family(v))
                    .collect();
                if bare.contains(&true) {
                    values.push("::/0".into());
                }
                if bare.contains(&false) {
                    values.push("0.0.0.0/0".into());
                }
            }),
            // An ISO date compared in milliseconds with epoch seconds: the
            // millisecond count, which iam-eval reads as seconds.
            Deviation::MixedEpochAndIsoDates => {
                if let Some(key) = site_key(site) {
                    rewrite_dates(&mut out, key, &|v| {
                        if date_form(v) == Some(DateForm::Iso) {
                            iso_millis(v).map_or_else(|| v.to_owned(), |ms| ms.to_string())
                        } else {
                            v.to_owned()
                        }
                    });
                }
            }
        }
    }
    out
}

/// The case with each tagged element written as AWS documents it, in a form
/// iam-simulate reads the same way.
pub fn normalise(case: &Value, tags: &[Tag]) -> Value {
    let mut out = case.clone();
    let context = case["context"].as_object().cloned().unwrap_or_default();
    let old: BTreeSet<&Site> = tags
        .iter()
        .filter(|t| t.deviation == Deviation::VariableUnderOldVersion)
        .map(|t| &t.site)
        .collect();
    for tag in tags {
        let site = &tag.site;
        match tag.deviation {
            // Literal text that matches no request (the corpus sends no `$`):
            // any other literal without wildcards does the same.
            Deviation::VariableUnderOldVersion => edit_site(&mut out, site, |values| {
                for v in values.iter_mut() {
                    *v = rewrite_variables(v, |_, _| Some("LITERALVARIABLE".into()));
                }
            }),
            // Read as literal text anyway under an old version (above).
            Deviation::EscapeInPlainOperator | Deviation::EmptyVariableValue
                if old.contains(site) => {}
            // The literal character, which StringEquals reads as itself.
            Deviation::EscapeInPlainOperator => edit_site(&mut out, site, |values| {
                for v in values.iter_mut() {
                    for e in ESCAPES {
                        *v = v.replace(e, &e[2..3]);
                    }
                }
            }),
            // The empty value substituted.
            Deviation::EmptyVariableValue => edit_site(&mut out, site, |values| {
                for v in values.iter_mut() {
                    *v = rewrite_variables(v, |_, var| {
                        is_empty_string(&context, var.name).then(String::new)
                    });
                }
            }),
            // True on an absent key: the condition can go.
            Deviation::IfExistsUnderForAnyValue => move_condition(&mut out, site, None),
            // A bare address is that one address.
            Deviation::BareIpAcrossFamilies => edit_site(&mut out, site, |values| {
                for v in values.iter_mut() {
                    if !v.contains('/') {
                        match family(v) {
                            Some(true) => v.push_str("/32"),
                            Some(false) => v.push_str("/128"),
                            None => {}
                        }
                    }
                }
            }),
            // Every date of the key in ISO form.
            Deviation::MixedEpochAndIsoDates => {
                if let Some(key) = site_key(site) {
                    rewrite_dates(&mut out, key, &|v| {
                        if date_form(v) == Some(DateForm::Epoch) {
                            v.parse::<i64>()
                                .ok()
                                .and_then(|s| chrono::DateTime::from_timestamp(s, 0))
                                .map_or_else(
                                    || v.to_owned(),
                                    |d| d.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
                                )
                        } else {
                            v.to_owned()
                        }
                    });
                }
            }
        }
    }
    out
}

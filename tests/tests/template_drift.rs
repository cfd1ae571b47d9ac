//! `template.yaml` against `policies/` and DESIGN.md: the embedded IAM
//! documents are the files in `policies/` after placeholder mapping, the
//! template stays readable by any YAML parser, and the stack has what
//! vendor-fn, tenants and operators rely on.

mod repo_files;

use std::path::Path;

use isolation_audit::lints::{self, strict};
use isolation_audit::matrix::Names;
use isolation_audit::{Params, PolicySet};
use repo_files::{
    KEY_AUTHORIZER_PERMISSIONS, TENANT_ROLE_PERMISSIONS, TENANT_ROLE_TRUST, VENDOR_FN_PERMISSIONS,
    all_strings, policy, read_text, repo_root, strings, template,
};
use serde_json::{Map, Value, json};

// ------------------------------------------------- placeholder mapping

/// Turns a template fragment into policy-file form: `Fn::Sub` strings with
/// `${!x}` unescaped to `${x}` and `${Name.Attr}` to `${NameAttr}`; `Ref: X`
/// to `${X}`; `Fn::GetAtt: [X, Attr]` to `${XAttr}`.
fn to_policy_form(v: &Value) -> Result<Value, String> {
    match v {
        Value::Object(map) if map.len() == 1 => {
            let (key, arg) = map.iter().next().expect("one entry");
            match key.as_str() {
                "Fn::Sub" => {
                    let s = arg.as_str().ok_or_else(|| {
                        format!("only the string form of Fn::Sub is mapped, found {arg}")
                    })?;
                    Ok(Value::String(unescape_sub(s)))
                }
                "Ref" => Ok(Value::String(format!(
                    "${{{}}}",
                    arg.as_str().ok_or("Ref of a non-string")?
                ))),
                "Fn::GetAtt" => {
                    let parts: Vec<&str> = match arg {
                        Value::String(s) => s.splitn(2, '.').collect(),
                        other => strings(other),
                    };
                    match parts.as_slice() {
                        [name, attr] => Ok(Value::String(format!("${{{name}{attr}}}"))),
                        _ => Err(format!(
                            "Fn::GetAtt needs [Resource, Attribute], found {arg}"
                        )),
                    }
                }
                k if k.starts_with("Fn::") => Err(format!(
                    "{k} has no placeholder mapping; use Fn::Sub, Ref or Fn::GetAtt"
                )),
                _ => Ok(Value::Object(map_values(map)?)),
            }
        }
        Value::Object(map) => Ok(Value::Object(map_values(map)?)),
        Value::Array(list) => list
            .iter()
            .map(to_policy_form)
            .collect::<Result<_, _>>()
            .map(Value::Array),
        other => Ok(other.clone()),
    }
}

fn map_values(map: &Map<String, Value>) -> Result<Map<String, Value>, String> {
    map.iter()
        .map(|(k, v)| Ok((k.clone(), to_policy_form(v)?)))
        .collect()
}

fn unescape_sub(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(start) = rest.find("${") {
        let Some(len) = rest[start..].find('}') else {
            break;
        };
        out.push_str(&rest[..start]);
        let inner = &rest[start + 2..start + len];
        out.push_str("${");
        match inner.strip_prefix('!') {
            Some(literal) => out.push_str(literal),
            None => out.push_str(&inner.replace('.', "")),
        }
        out.push('}');
        rest = &rest[start + len + 1..];
    }
    out.push_str(rest);
    out
}

/// The first place two JSON values differ, as a path and both sides.
fn first_difference(path: &str, template: &Value, file: &Value) -> Option<String> {
    match (template, file) {
        (Value::Object(ours), Value::Object(theirs)) => {
            for key in ours.keys().chain(theirs.keys()) {
                let here = format!("{path}/{key}");
                match (ours.get(key), theirs.get(key)) {
                    (Some(left), Some(right)) => {
                        if let Some(found) = first_difference(&here, left, right) {
                            return Some(found);
                        }
                    }
                    (left, right) => {
                        return Some(format!(
                            "{here}: template has {left:?}, policies/ has {right:?}"
                        ));
                    }
                }
            }
            None
        }
        (Value::Array(ours), Value::Array(theirs)) if ours.len() == theirs.len() => ours
            .iter()
            .zip(theirs)
            .enumerate()
            .find_map(|(i, (left, right))| first_difference(&format!("{path}/{i}"), left, right)),
        _ if template == file => None,
        _ => Some(format!(
            "{path}: template has {template}, policies/ has {file}"
        )),
    }
}

fn embedded<'a>(tpl: &'a Value, pointer: &str) -> &'a Value {
    tpl.pointer(pointer)
        .unwrap_or_else(|| panic!("template.yaml has nothing at {pointer}"))
}

fn tenant_role_policy<'a>(tpl: &'a Value, name: &str) -> &'a Value {
    tpl["Resources"]["TenantRole"]["Properties"]["Policies"]
        .as_array()
        .and_then(|list| list.iter().find(|p| p["PolicyName"] == name))
        .map_or_else(
            || panic!("TenantRole has no inline policy named {name}"),
            |p| &p["PolicyDocument"],
        )
}

/// The vendor function's ARN as the template spells it: built from the
/// function's `FunctionName` (a `GetAtt` would close a cycle, since the
/// function depends on its policy), which the files write `${VendorFunctionArn}`.
fn vendor_function_arn_sub(tpl: &Value) -> String {
    let name = tpl["Resources"]["VendorFunction"]["Properties"]["FunctionName"]["Fn::Sub"]
        .as_str()
        .expect("VendorFunction has a FunctionName written as a Fn::Sub string");
    format!("arn:${{AWS::Partition}}:lambda:${{AWS::Region}}:${{AWS::AccountId}}:function:{name}")
}

/// Replaces the template's spelling of the vendor function's ARN with its placeholder.
fn name_vendor_function_arn(v: &mut Value, arn_sub: &str) {
    match v {
        Value::String(s) if s == arn_sub => "${VendorFunctionArn}".clone_into(s),
        Value::Array(list) => list
            .iter_mut()
            .for_each(|e| name_vendor_function_arn(e, arn_sub)),
        Value::Object(map) => map
            .values_mut()
            .for_each(|e| name_vendor_function_arn(e, arn_sub)),
        _ => {}
    }
}

fn drift(template_doc: &Value, file: &str, file_doc: &Value) -> Option<String> {
    let arn_sub = vendor_function_arn_sub(&template());
    match to_policy_form(template_doc).map(|mut mapped| {
        name_vendor_function_arn(&mut mapped, &arn_sub);
        mapped
    }) {
        Err(e) => Some(format!("the copy of policies/{file} in template.yaml can't be mapped: {e}")),
        Ok(mapped) => first_difference("", &mapped, file_doc).map(|d| {
            format!("template.yaml and policies/{file} have drifted apart at {d}; change both (the file is the reviewed contract)")
        }),
    }
}

#[test]
fn template_embeds_the_tenant_role_trust_policy_unchanged() {
    let tpl = template();
    let doc = embedded(
        &tpl,
        "/Resources/TenantRole/Properties/AssumeRolePolicyDocument",
    );
    if let Some(d) = drift(doc, TENANT_ROLE_TRUST, &policy(TENANT_ROLE_TRUST)) {
        panic!("{d}");
    }
}

#[test]
fn template_embeds_the_tenant_role_permissions_unchanged() {
    let tpl = template();
    let doc = tenant_role_policy(&tpl, "tenant-role-permissions");
    if let Some(d) = drift(
        doc,
        TENANT_ROLE_PERMISSIONS,
        &policy(TENANT_ROLE_PERMISSIONS),
    ) {
        panic!("{d}");
    }
}

#[test]
fn template_embeds_the_vendor_function_permissions_unchanged() {
    let tpl = template();
    let doc = embedded(
        &tpl,
        "/Resources/VendorFunctionPolicy/Properties/PolicyDocument",
    );
    if let Some(d) = drift(doc, VENDOR_FN_PERMISSIONS, &policy(VENDOR_FN_PERMISSIONS)) {
        panic!("{d}");
    }
}

#[test]
fn template_embeds_the_key_authorizer_permissions_unchanged() {
    let tpl = template();
    let doc = embedded(
        &tpl,
        "/Resources/KeyAuthorizerPolicy/Properties/PolicyDocument",
    );
    if let Some(d) = drift(
        doc,
        KEY_AUTHORIZER_PERMISSIONS,
        &policy(KEY_AUTHORIZER_PERMISSIONS),
    ) {
        panic!("{d}");
    }
}

#[test]
fn the_api_takes_its_key_from_the_key_authorizer_uncached() {
    let tpl = template();
    let api = &resource(&tpl, "CredentialsApi")["Properties"];
    assert_eq!(api["ApiKeySourceType"], "AUTHORIZER");
    assert_eq!(api["Auth"]["DefaultAuthorizer"], "KeyAuthorizer");
    let authorizer = &api["Auth"]["Authorizers"]["KeyAuthorizer"];
    assert_eq!(authorizer["FunctionPayloadType"], "REQUEST");
    assert_eq!(
        authorizer["FunctionArn"],
        json!({"Fn::GetAtt": ["KeyAuthorizerFunction", "Arn"]})
    );
    assert_eq!(
        authorizer["Identity"]["ReauthorizeEvery"], 0,
        "a cached Allow would outlive a suspension"
    );
    let function = resource(&tpl, "KeyAuthorizerFunction");
    assert_eq!(
        function["Metadata"]["BuildProperties"]["Binary"],
        "key-authorizer"
    );
    assert_eq!(
        function["Properties"]["Role"],
        json!({"Fn::GetAtt": ["KeyAuthorizerRole", "Arn"]})
    );
    let index = &resource(&tpl, "TenantTable")["Properties"]["GlobalSecondaryIndexes"][0];
    assert_eq!(index["IndexName"], tenant_registry::API_KEY_HASH_INDEX);
    assert_eq!(
        index["KeySchema"],
        json!([{"AttributeName": "apiKeySha256", "KeyType": "HASH"}])
    );
}

#[test]
fn drift_check_catches_an_edited_template_policy() {
    let tpl = template();
    let mut doc = tenant_role_policy(&tpl, "tenant-role-permissions").clone();
    doc["Statement"][0]["Action"]
        .as_array_mut()
        .unwrap()
        .push(json!("dynamodb:Scan"));
    let found = drift(
        &doc,
        TENANT_ROLE_PERMISSIONS,
        &policy(TENANT_ROLE_PERMISSIONS),
    );
    assert!(
        found
            .as_deref()
            .is_some_and(|d| d.contains("/Statement/0/Action")),
        "an added action went unnoticed: {found:?}"
    );

    let mut doc = embedded(
        &tpl,
        "/Resources/TenantRole/Properties/AssumeRolePolicyDocument",
    )
    .clone();
    doc["Statement"][0]["Principal"]["AWS"] = json!({"Fn::GetAtt": ["TenantRole", "Arn"]});
    let found = drift(&doc, TENANT_ROLE_TRUST, &policy(TENANT_ROLE_TRUST));
    assert!(
        found.is_some(),
        "a changed trusted principal went unnoticed"
    );
}

#[test]
fn the_vendor_function_is_named_after_the_stack_so_its_policy_can_name_it() {
    let tpl = template();
    assert_eq!(
        vendor_function_arn_sub(&tpl),
        "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:${AWS::StackName}-vendor-fn"
    );
    let condition = &embedded(
        &tpl,
        "/Resources/VendorFunctionPolicy/Properties/PolicyDocument",
    )["Statement"][1]["Condition"]["ArnEquals"]["lambda:SourceFunctionArn"];
    assert_eq!(
        condition["Fn::Sub"].as_str(),
        Some(vendor_function_arn_sub(&tpl).as_str())
    );
}

#[test]
fn placeholder_mapping_unescapes_policy_variables_and_resolves_references() {
    let mapped = to_policy_form(&json!([
        {"Fn::Sub": "arn:${AWS::Partition}:s3:::${TenantBucket}/${!aws:PrincipalTag/api-key-id}/*"},
        {"Fn::GetAtt": ["TenantRole", "Arn"]},
        {"Fn::Sub": "${TenantBucket.Arn}/*"},
        {"Ref": "TenantTable"}
    ]))
    .unwrap();
    assert_eq!(
        mapped,
        json!([
            "arn:${AWS::Partition}:s3:::${TenantBucket}/${aws:PrincipalTag/api-key-id}/*",
            "${TenantRoleArn}",
            "${TenantBucketArn}/*",
            "${TenantTable}"
        ]),
        "the placeholder mapping itself is wrong, so the drift tests prove nothing"
    );
}

// ------------------------------------------- pitfall: Fn::Sub escaping

/// DESIGN.md: in a `Fn::Sub`, a policy variable must be written `${!aws:...}`
/// (else `CloudFormation` tries to resolve it: the audit's lint ISO008);
/// outside `Fn::Sub` it must not be (nothing unescapes it, so IAM would see a
/// literal `${!`: the strict lint ISO026).
fn escaping_problems(tpl: &Value) -> Vec<String> {
    let params = Params::new(&[]).expect("the example values");
    let set = PolicySet::load(&repo_root().join("policies"), &params).expect("policies/");
    let path = Path::new("template.yaml");
    lints::run(&set, Some((path, tpl)))
        .into_iter()
        .chain(strict::run(&set, &Names::new(&params), Some((path, tpl))))
        .filter(|f| matches!(f.id, "ISO008" | "ISO026"))
        .map(|f| format!("{} {}: {}", f.id, f.location, f.message))
        .collect()
}

#[test]
fn policy_variables_are_escaped_inside_fn_sub_and_only_there() {
    let problems = escaping_problems(&template());
    assert!(
        problems.is_empty(),
        "template.yaml:\n  {}",
        problems.join("\n  ")
    );
}

#[test]
fn escaping_check_catches_an_unescaped_variable_in_fn_sub() {
    let mut tpl = template();
    let resource = tpl
        .pointer_mut(
            "/Resources/TenantRole/Properties/Policies/0/PolicyDocument/Statement/3/Resource",
        )
        .expect("the S3 object statement");
    *resource = json!({"Fn::Sub": "arn:${AWS::Partition}:s3:::${TenantBucket}/${aws:PrincipalTag/api-key-id}/*"});
    let problems = escaping_problems(&tpl);
    assert!(
        problems
            .iter()
            .any(|p| p.contains("write ${!aws:PrincipalTag/api-key-id}")),
        "missed an unescaped policy variable: {problems:?}"
    );

    let mut tpl = template();
    let value = tpl
        .pointer_mut("/Resources/TenantRole/Properties/Policies/0/PolicyDocument/Statement/0/Condition/ForAllValues:StringEquals/dynamodb:LeadingKeys/0")
        .expect("the LeadingKeys value");
    *value = json!("${!aws:PrincipalTag/api-key-id}");
    let problems = escaping_problems(&tpl);
    assert!(
        problems.iter().any(|p| p.contains("reaches IAM literally")),
        "missed an escaped variable outside Fn::Sub: {problems:?}"
    );
}

#[test]
fn template_uses_only_long_form_intrinsic_functions() {
    let text = read_text("template.yaml");
    let short: Vec<(usize, &str)> = text
        .lines()
        .enumerate()
        .filter(|(_, line)| {
            let code = line.split(" #").next().unwrap_or("").trim_start();
            !code.starts_with('#')
                && (code.starts_with("- !") || code.starts_with('!') || code.contains(": !"))
        })
        .map(|(i, line)| (i + 1, line.trim()))
        .collect();
    assert!(
        short.is_empty(),
        "template.yaml uses short-form tags (plain YAML parsers and the audit can't read them); use Fn::Sub:/Ref:/Fn::GetAtt: at {short:?}"
    );
}

// ------------------------------------------------- the rest of the stack

fn resource<'a>(tpl: &'a Value, name: &str) -> &'a Value {
    let r = &tpl["Resources"][name];
    assert!(r.is_object(), "template.yaml has no resource {name}");
    r
}

#[test]
fn vendor_function_environment_matches_the_design_contract() {
    let tpl = template();
    let env = &resource(&tpl, "VendorFunction")["Properties"]["Environment"]["Variables"];
    let expected = [
        ("TENANT_TABLE", json!({"Ref": "TenantTable"})),
        (
            "TENANT_ROLE_ARN",
            json!({"Fn::GetAtt": ["TenantRole", "Arn"]}),
        ),
        ("DATA_TABLE", json!({"Ref": "TenantDataTable"})),
        ("DATA_BUCKET", json!({"Ref": "TenantBucket"})),
        ("SILO_TABLE_PREFIX", json!({"Ref": "SiloTablePrefix"})),
    ];
    for (name, value) in expected {
        assert_eq!(
            env[name], value,
            "VendorFunction environment variable {name} must be {value}"
        );
    }
}

#[test]
fn vendor_function_is_built_by_cargo_lambda_for_arm64_from_the_vendor_fn_binary() {
    let tpl = template();
    let f = resource(&tpl, "VendorFunction");
    let globals = &tpl["Globals"]["Function"];
    let prop = |k: &str| {
        if f["Properties"][k].is_null() {
            globals[k].clone()
        } else {
            f["Properties"][k].clone()
        }
    };
    assert_eq!(
        prop("Runtime"),
        "provided.al2023",
        "the function must run on provided.al2023"
    );
    assert_eq!(
        prop("Architectures"),
        json!(["arm64"]),
        "the function must be arm64"
    );
    assert_eq!(
        prop("Handler"),
        "bootstrap",
        "cargo-lambda produces a binary named bootstrap"
    );
    assert_eq!(
        f["Metadata"]["BuildMethod"], "rust-cargolambda",
        "SAM must build with cargo-lambda"
    );
    let binary = f["Metadata"]["BuildProperties"]["Binary"]
        .as_str()
        .expect("Metadata.BuildProperties.Binary names the binary");
    let code_uri = prop("CodeUri");
    assert_eq!(
        code_uri, ".",
        "CodeUri must be the workspace root: SAM copies <CodeUri>/target/lambda/<Binary>/bootstrap and the workspace target dir is at the root"
    );
    let manifest = read_text("vendor-fn/Cargo.toml");
    let declares = manifest.contains(&format!("name = \"{binary}\""));
    assert!(
        declares,
        "template.yaml builds binary {binary:?} but vendor-fn/Cargo.toml declares no such package or [[bin]]"
    );
}

#[test]
fn credentials_routes_require_an_api_key() {
    let tpl = template();
    let events = resource(&tpl, "VendorFunction")["Properties"]["Events"]
        .as_object()
        .expect("VendorFunction has Events");
    let mut methods: Vec<String> = Vec::new();
    for (name, event) in events {
        let p = &event["Properties"];
        assert_eq!(
            event["Type"], "Api",
            "event {name} must be an API Gateway REST route"
        );
        assert_eq!(
            p["Path"], "/credentials",
            "event {name} must serve /credentials"
        );
        assert_eq!(
            p["Auth"]["ApiKeyRequired"], true,
            "route {name} must require an API key: the key ID is the tenant identity"
        );
        assert_eq!(
            p["RestApiId"],
            json!({"Ref": "CredentialsApi"}),
            "route {name} must belong to CredentialsApi (the usage plans' API)"
        );
        methods.push(
            p["Method"]
                .as_str()
                .unwrap_or_default()
                .to_ascii_uppercase(),
        );
    }
    methods.sort();
    assert_eq!(
        methods,
        ["GET", "POST"],
        "exactly GET and POST /credentials"
    );
    assert_eq!(
        resource(&tpl, "CredentialsApi")["Properties"]["Auth"]["ApiKeyRequired"],
        true,
        "the API's default must require an API key"
    );
}

#[test]
fn each_tier_has_a_usage_plan_with_throttle_and_quota_on_the_api() {
    let tpl = template();
    for tier in ["Basic", "Standard", "Premium"] {
        let p = &resource(&tpl, &format!("{tier}UsagePlan"))["Properties"];
        assert!(
            p["Throttle"]["RateLimit"].is_number() && p["Throttle"]["BurstLimit"].is_number(),
            "{tier}UsagePlan needs Throttle RateLimit and BurstLimit"
        );
        assert!(
            p["Quota"]["Limit"].is_number() && p["Quota"]["Period"].is_string(),
            "{tier}UsagePlan needs a Quota"
        );
        assert_eq!(
            p["ApiStages"][0]["ApiId"],
            json!({"Ref": "CredentialsApi"}),
            "{tier}UsagePlan must cover CredentialsApi"
        );
        assert_eq!(
            tpl["Outputs"][format!("{tier}UsagePlanId")]["Value"],
            json!({"Ref": format!("{tier}UsagePlan")}),
            "Outputs must give {tier}UsagePlanId for onboarding"
        );
    }
}

#[test]
fn tenant_role_sessions_last_at_most_one_hour() {
    let tpl = template();
    assert_eq!(
        resource(&tpl, "TenantRole")["Properties"]["MaxSessionDuration"],
        3600,
        "role chaining caps sessions at 3600 s; the tenant role must say so"
    );
}

#[test]
fn tables_are_keyed_as_designed_encrypted_and_recoverable() {
    let tpl = template();
    for (name, keys) in [
        (
            "TenantTable",
            json!([{"AttributeName": "apiKeyId", "KeyType": "HASH"}]),
        ),
        (
            "TenantDataTable",
            json!([{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}]),
        ),
    ] {
        let p = &resource(&tpl, name)["Properties"];
        assert_eq!(
            p["KeySchema"], keys,
            "{name} key schema differs from DESIGN.md"
        );
        assert_eq!(
            p["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"], true,
            "{name} needs point-in-time recovery"
        );
        assert_eq!(
            p["SSESpecification"]["SSEEnabled"], true,
            "{name} needs KMS encryption at rest"
        );
        assert_eq!(
            tpl["Resources"][name]["DeletionPolicy"], "Retain",
            "{name} holds tenant data; deleting the stack must not delete it"
        );
    }
}

#[test]
fn bucket_blocks_public_access_requires_tls_and_is_encrypted() {
    let tpl = template();
    let p = &resource(&tpl, "TenantBucket")["Properties"];
    for flag in [
        "BlockPublicAcls",
        "BlockPublicPolicy",
        "IgnorePublicAcls",
        "RestrictPublicBuckets",
    ] {
        assert_eq!(
            p["PublicAccessBlockConfiguration"][flag], true,
            "TenantBucket must set {flag}"
        );
    }
    assert!(p["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]["SSEAlgorithm"].is_string(), "TenantBucket needs default encryption");
    let policy = &resource(&tpl, "TenantBucketPolicy")["Properties"]["PolicyDocument"];
    let tls_only = policy["Statement"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|s| {
            s["Effect"] == "Deny"
                && s["Principal"] == "*"
                && s["Condition"]["Bool"]["aws:SecureTransport"] == "false"
        });
    assert!(
        tls_only,
        "TenantBucketPolicy must deny every request without TLS (aws:SecureTransport false)"
    );
}

#[test]
fn outputs_give_clients_and_operators_everything_they_need() {
    let tpl = template();
    for name in [
        "CredentialsEndpoint",
        "BasicUsagePlanId",
        "StandardUsagePlanId",
        "PremiumUsagePlanId",
        "TenantTableName",
        "TenantDataTableName",
        "TenantBucketName",
        "SiloTablePrefix",
        "TenantRoleArn",
        "VendorFunctionRoleArn",
    ] {
        assert!(
            tpl["Outputs"][name]["Value"].is_object() || tpl["Outputs"][name]["Value"].is_string(),
            "Outputs lacks {name}"
        );
        assert!(
            tpl["Outputs"][name]["Description"].is_string(),
            "Output {name} needs a Description saying what it is for"
        );
    }
    let url = all_strings(&tpl["Outputs"]["CredentialsEndpoint"]).join("");
    assert!(
        url.ends_with("/credentials"),
        "CredentialsEndpoint must be the full /credentials URL, found {url}"
    );
}

#[test]
fn the_api_caps_the_total_request_rate_below_the_account_sts_quota() {
    let tpl = template();
    let settings = &resource(&tpl, "CredentialsApi")["Properties"]["MethodSettings"];
    let all_routes = settings
        .as_array()
        .into_iter()
        .flatten()
        .find(|s| s["ResourcePath"] == "/*" && s["HttpMethod"] == "*");
    let rate = all_routes.and_then(|s| s["ThrottlingRateLimit"].as_f64());
    assert!(
        rate.is_some_and(|r| r > 0.0 && r < 600.0),
        "CredentialsApi needs a stage-wide ThrottlingRateLimit below 600/s (every request is an STS call; the account's STS quota is 600/s), found {rate:?}"
    );
}

/// Resources that attach permissions to `role`, other than the role itself.
fn policies_attached_to(tpl: &Value, role: &str) -> Vec<String> {
    let by_ref = json!({"Ref": role});
    tpl["Resources"]
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(_, r)| {
            let p = &r["Properties"];
            match r["Type"].as_str().unwrap_or_default() {
                "AWS::IAM::RolePolicy" => p["RoleName"] == by_ref,
                "AWS::IAM::Policy" | "AWS::IAM::ManagedPolicy" => p["Roles"]
                    .as_array()
                    .is_some_and(|roles| roles.contains(&by_ref)),
                _ => false,
            }
        })
        .map(|(name, _)| name.clone())
        .collect()
}

#[test]
fn tenant_role_has_no_permissions_beyond_the_reviewed_document() {
    let tpl = template();
    let p = &resource(&tpl, "TenantRole")["Properties"];
    let inline: Vec<&str> = p["Policies"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|x| x["PolicyName"].as_str())
        .collect();
    assert_eq!(
        inline,
        ["tenant-role-permissions"],
        "TenantRole must carry exactly the reviewed policies/tenant-role-permissions.json"
    );
    assert!(
        p["ManagedPolicyArns"].is_null(),
        "TenantRole must not attach managed policies: they would bypass the reviewed document"
    );
    let attached = policies_attached_to(&tpl, "TenantRole");
    assert!(
        attached.is_empty(),
        "{attached:?} attach permissions to TenantRole outside the reviewed document"
    );
}

#[test]
fn vendor_function_role_has_only_the_reviewed_policy() {
    let tpl = template();
    let p = &resource(&tpl, "VendorFunctionRole")["Properties"];
    assert!(
        p["Policies"].is_null() && p["ManagedPolicyArns"].is_null(),
        "VendorFunctionRole must get its permissions only from VendorFunctionPolicy (policies/vendor-fn-permissions.json)"
    );
    assert_eq!(
        policies_attached_to(&tpl, "VendorFunctionRole"),
        ["VendorFunctionPolicy"],
        "exactly one policy resource may attach to VendorFunctionRole"
    );
    let f = &resource(&tpl, "VendorFunction")["Properties"];
    assert!(
        f["Policies"].is_null(),
        "VendorFunction must not add SAM Policies; its role is VendorFunctionRole"
    );
    assert_eq!(
        f["Role"],
        json!({"Fn::GetAtt": ["VendorFunctionRole", "Arn"]}),
        "VendorFunction must run as VendorFunctionRole, the principal the tenant role trusts"
    );
}

#[test]
fn attached_policy_check_catches_an_extra_policy_on_the_tenant_role() {
    let mut tpl = template();
    tpl["Resources"]["Sneaky"] = json!({
        "Type": "AWS::IAM::Policy",
        "Properties": {"PolicyName": "x", "Roles": [{"Ref": "TenantRole"}], "PolicyDocument": {}}
    });
    assert_eq!(
        policies_attached_to(&tpl, "TenantRole"),
        ["Sneaky"],
        "an extra AWS::IAM::Policy on TenantRole went unnoticed"
    );
}

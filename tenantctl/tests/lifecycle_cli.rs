//! The tenant life-cycle commands end to end: the `tenantctl` binary against
//! moto, configured the ways an operator would (environment variables, the
//! SDK's AWS_ENDPOINT_URL, --stack), checking outputs and exit codes.

use std::process::{Command, Output};

use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType,
    ScalarAttributeType,
};
use serde_json::Value;
use test_support::Moto;

const TENANT_TABLE: &str = "cli-Tenants";
const DATA_TABLE: &str = "cli-TenantData";
const ROLE_NAME: &str = "cli-TenantRole";

struct Cli {
    moto: Moto,
    env: Vec<(&'static str, String)>,
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", self.stdout))
    }
}

impl Cli {
    fn run(&self, args: &[&str]) -> Run {
        let mut command = Command::new(env!("CARGO_BIN_EXE_tenantctl"));
        command
            .args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default());
        for (k, v) in &self.env {
            command.env(k, v);
        }
        let Output {
            status,
            stdout,
            stderr,
        } = command.output().unwrap();
        let run = Run {
            code: status.code().unwrap_or(-1),
            stdout: String::from_utf8(stdout).unwrap(),
            stderr: String::from_utf8(stderr).unwrap(),
        };
        eprintln!(
            "$ tenantctl {}\n{}{}",
            args.join(" "),
            run.stdout,
            run.stderr
        );
        run
    }

    fn without(mut self, key: &str) -> Self {
        self.env.retain(|(k, _)| *k != key);
        self
    }
}

async fn create_table(client: &aws_sdk_dynamodb::Client, name: &str, keys: &[(&str, KeyType)]) {
    let mut request = client
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest);
    for (key, kind) in keys {
        request = request
            .attribute_definitions(
                AttributeDefinition::builder()
                    .attribute_name(*key)
                    .attribute_type(ScalarAttributeType::S)
                    .build()
                    .unwrap(),
            )
            .key_schema(
                KeySchemaElement::builder()
                    .attribute_name(*key)
                    .key_type(kind.clone())
                    .build()
                    .unwrap(),
            );
    }
    request.send().await.unwrap();
}

/// A deployment in moto, and the CLI's environment naming it explicitly.
async fn deployment() -> (Cli, Vec<String>) {
    let moto = Moto::start().await;
    let conf = moto.sdk_config().await;
    let ddb = aws_sdk_dynamodb::Client::new(&conf);
    create_table(&ddb, TENANT_TABLE, &[("apiKeyId", KeyType::Hash)]).await;
    create_table(
        &ddb,
        DATA_TABLE,
        &[("pk", KeyType::Hash), ("sk", KeyType::Range)],
    )
    .await;
    let apigw = aws_sdk_apigateway::Client::new(&conf);
    let mut plans = Vec::new();
    for tier in ["basic", "standard", "premium"] {
        plans.push(
            apigw
                .create_usage_plan()
                .name(tier)
                .send()
                .await
                .unwrap()
                .id()
                .unwrap()
                .to_owned(),
        );
    }
    aws_sdk_iam::Client::new(&conf)
        .create_role()
        .role_name(ROLE_NAME)
        .assume_role_policy_document(include_str!("../../policies/tenant-role-trust.json"))
        .send()
        .await
        .unwrap();
    let mut env = moto.env();
    env.extend([
        ("TENANT_TABLE", TENANT_TABLE.to_owned()),
        ("DATA_TABLE", DATA_TABLE.to_owned()),
        ("SILO_TABLE_PREFIX", "cli-silo".to_owned()),
        ("BASIC_USAGE_PLAN_ID", plans[0].clone()),
        ("STANDARD_USAGE_PLAN_ID", plans[1].clone()),
        ("PREMIUM_USAGE_PLAN_ID", plans[2].clone()),
        (
            "TENANT_ROLE_NAME",
            format!("arn:aws:iam::123456789012:role/{ROLE_NAME}"),
        ),
    ]);
    (Cli { moto, env }, plans)
}

/// Bad input and conflicts, each with its documented exit code; returns
/// everything printed, for the check that the key value never reappears.
fn refusals_have_their_exit_codes(cli: &Cli) -> Vec<String> {
    let mut seen = Vec::new();
    for (args, code) in [
        ("onboard --name X --email x@x.example --tier gold", 2),
        ("onboard --name X --email not-an-email --tier basic", 2),
        (
            "onboard --name Acme --email ops@acme.example --tier basic",
            4,
        ),
        ("show zz9zz9zz9z", 3),
        ("show not/an/id", 2),
    ] {
        let args: Vec<&str> = args.split(' ').collect();
        let run = cli.run(&args);
        assert_eq!(run.code, code, "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains("error"), "{args:?}: {}", run.stderr);
        seen.push(run.stdout);
        seen.push(run.stderr);
    }
    seen
}

#[tokio::test]
async fn an_operator_runs_a_pooled_tenant_through_its_life_with_scriptable_output() {
    let (cli, _) = deployment().await;

    let onboard = cli.run(&[
        "onboard",
        "--name",
        "Acme",
        "--email",
        "ops@acme.example",
        "--tier",
        "standard",
        "--output",
        "json",
    ]);
    assert_eq!(onboard.code, 0, "{}", onboard.stderr);
    let created = onboard.json();
    let id = created["apiKeyId"].as_str().unwrap().to_owned();
    let value = created["apiKey"].as_str().unwrap().to_owned();
    assert!(value.len() >= 20, "the key value is printed once");
    assert_eq!(created["tenant"]["status"], "active");
    assert!(
        onboard.stderr.contains("adding API key"),
        "progress lines on stderr: {}",
        onboard.stderr
    );
    assert!(
        !onboard.stderr.contains(&value),
        "the value never reaches stderr"
    );

    let mut seen = vec![onboard.stderr.clone()];
    seen.extend(refusals_have_their_exit_codes(&cli));

    let list = cli.run(&["list", "--output", "json"]);
    assert_eq!(list.code, 0);
    assert_eq!(list.json()[0]["apiKeyId"], id.as_str());
    let table = cli.run(&["list"]);
    assert!(table.stdout.starts_with("API KEY ID"), "{}", table.stdout);
    assert!(table.stdout.contains("Acme"));
    let show = cli.run(&["show", "--name", "Acme"]);
    assert_eq!(show.code, 0);
    assert!(show.stdout.contains("standard"));

    let suspend = cli.run(&["suspend", &id, "--revoke-sessions", "--output", "json"]);
    assert_eq!(suspend.code, 0, "{}", suspend.stderr);
    assert_eq!(suspend.json()["status"], "suspended");
    assert!(suspend.json()["sessionsRevokedBefore"].is_string());
    let resume = cli.run(&["resume", "--name", "Acme"]);
    assert_eq!(resume.code, 0, "{}", resume.stderr);
    assert!(
        resume.stdout.contains("is active (was suspended)"),
        "{}",
        resume.stdout
    );

    let conf = cli.moto.sdk_config().await;
    let ddb = aws_sdk_dynamodb::Client::new(&conf);
    for sk in ["a", "b"] {
        ddb.put_item()
            .table_name(DATA_TABLE)
            .item("pk", AttributeValue::S(id.clone()))
            .item("sk", AttributeValue::S(sk.into()))
            .send()
            .await
            .unwrap();
    }
    let offboard = cli.run(&["offboard", &id, "--delete-data"]);
    assert_eq!(offboard.code, 0, "{}", offboard.stderr);
    assert!(
        offboard
            .stdout
            .contains(&format!("deleted 2 items from {DATA_TABLE}")),
        "{}",
        offboard.stdout
    );
    let suspend = cli.run(&["suspend", &id]);
    assert_eq!(suspend.code, 4, "an offboarded tenant can't be suspended");

    for run in [list, table, show, resume, offboard, suspend] {
        seen.push(run.stdout);
        seen.push(run.stderr);
    }
    for text in seen {
        assert!(
            !text.contains(&value),
            "the API key value is shown again: {text}"
        );
    }

    let unconfigured = cli.without("TENANT_TABLE").run(&["list"]);
    assert_eq!(unconfigured.code, 2);
    assert!(
        unconfigured.stderr.contains("--tenant-table"),
        "{}",
        unconfigured.stderr
    );
}

#[tokio::test]
async fn a_siloed_tenant_is_onboarded_from_the_stack_outputs_through_endpoint_url() {
    let (cli, plans) = deployment().await;
    let template = serde_json::json!({
        "Resources": { "Topic": { "Type": "AWS::SNS::Topic" } },
        "Outputs": {
            "TenantTableName": { "Value": TENANT_TABLE },
            "TenantDataTableName": { "Value": DATA_TABLE },
            "SiloTablePrefix": { "Value": "stack-silo" },
            "BasicUsagePlanId": { "Value": plans[0] },
            "StandardUsagePlanId": { "Value": plans[1] },
            "PremiumUsagePlanId": { "Value": plans[2] },
            "TenantRoleArn": { "Value": format!("arn:aws:iam::123456789012:role/{ROLE_NAME}") }
        }
    });
    let conf = cli.moto.sdk_config().await;
    aws_sdk_cloudformation::Client::new(&conf)
        .create_stack()
        .stack_name("tcv")
        .template_body(template.to_string())
        .send()
        .await
        .unwrap();
    let endpoint = cli.moto.endpoint().to_owned();
    let mut cli = cli;
    for key in [
        "AWS_ENDPOINT_URL",
        "TENANT_TABLE",
        "DATA_TABLE",
        "SILO_TABLE_PREFIX",
        "BASIC_USAGE_PLAN_ID",
        "PREMIUM_USAGE_PLAN_ID",
    ] {
        cli = cli.without(key);
    }
    let stack = ["--stack", "tcv", "--endpoint-url", endpoint.as_str()];

    let onboard = cli.run(
        &[
            &[
                "onboard",
                "--name",
                "Globex",
                "--email",
                "it@globex.example",
                "--tier",
                "premium",
                "--isolation",
                "siloed",
            ][..],
            &stack[..],
        ]
        .concat(),
    );
    assert_eq!(onboard.code, 0, "{}", onboard.stderr);
    let id = onboard
        .stdout
        .lines()
        .find_map(|l| l.trim().strip_prefix("api key id"))
        .unwrap()
        .trim()
        .to_owned();
    assert!(
        onboard
            .stdout
            .contains(&format!("silo table   stack-silo-{id}")),
        "{}",
        onboard.stdout
    );

    let offboard = cli.run(
        &[
            &[
                "offboard",
                "--name",
                "Globex",
                "--delete-data",
                "--output",
                "json",
            ][..],
            &stack[..],
        ]
        .concat(),
    );
    assert_eq!(offboard.code, 0, "{}", offboard.stderr);
    assert_eq!(
        offboard.json()["deletedTable"]["table"],
        format!("stack-silo-{id}")
    );
    assert_eq!(offboard.json()["deletedTable"]["existed"], true);

    let missing = cli.run(&[
        "list",
        "--stack",
        "nope",
        "--endpoint-url",
        endpoint.as_str(),
    ]);
    assert_eq!(missing.code, 2, "{}", missing.stderr);
    assert!(
        missing.stderr.contains("no stack named \"nope\""),
        "{}",
        missing.stderr
    );
}

#[tokio::test]
async fn backfill_key_hashes_counts_what_it_wrote_and_never_prints_a_value() {
    let (cli, _) = deployment().await;
    let onboard = cli.run(&[
        "onboard",
        "--name",
        "Legacy",
        "--email",
        "ops@legacy.example",
        "--tier",
        "basic",
        "--output",
        "json",
    ]);
    assert_eq!(onboard.code, 0, "{}", onboard.stderr);
    let id = onboard.json()["apiKeyId"].as_str().unwrap().to_owned();
    let value = onboard.json()["apiKey"].as_str().unwrap().to_owned();
    // As written before the registry held the hash.
    let conf = cli.moto.sdk_config().await;
    let ddb = aws_sdk_dynamodb::Client::new(&conf);
    ddb.update_item()
        .table_name(TENANT_TABLE)
        .key("apiKeyId", AttributeValue::S(id.clone()))
        .update_expression("REMOVE apiKeySha256")
        .send()
        .await
        .unwrap();

    let first = cli.run(&["backfill-key-hashes"]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    assert!(
        first.stdout.contains("wrote apiKeySha256 for 1 tenant"),
        "{}",
        first.stdout
    );
    let again = cli.run(&["backfill-key-hashes", "--output", "json"]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert_eq!(again.json()["written"], 0, "idempotent");
    assert_eq!(again.json()["alreadyHad"], 1);
    for text in [&first.stdout, &first.stderr, &again.stdout, &again.stderr] {
        assert!(!text.contains(&value), "a key value was printed: {text}");
    }
    let item = ddb
        .get_item()
        .table_name(TENANT_TABLE)
        .key("apiKeyId", AttributeValue::S(id))
        .send()
        .await
        .unwrap()
        .item
        .unwrap();
    assert_eq!(
        item["apiKeySha256"].as_s().unwrap(),
        &tenant_registry::ApiKeyHash::of(&value).to_hex()
    );
}

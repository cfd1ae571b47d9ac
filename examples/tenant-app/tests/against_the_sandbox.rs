//! Both tenant programs, run as a tenant runs them, against the whole local
//! system (`sandbox::system`): the API key in the environment, the SDK
//! pointed at the sandbox with `AWS_ENDPOINT_URL`.

use std::process::Output;

use sandbox::system::{Options, System, Tenant};
use tenant_registry::{Isolation, Tier};

async fn start() -> System {
    System::start(&System::workspace_root(), Options::default())
        .await
        .unwrap_or_else(|e| panic!("the system starts: {e}"))
}

async fn run(system: &System, tenant: &Tenant, exe: &str, args: &[&str]) -> Output {
    tokio::process::Command::new(exe)
        .args(args)
        .env_clear()
        .env("CREDENTIALS_ENDPOINT", system.credentials_url())
        .env("TENANT_API_KEY", &tenant.api_key)
        .env("AWS_ENDPOINT_URL", system.endpoint_url())
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .output()
        .await
        .expect("the program runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fetch_credentials_prints_the_tenants_credential_process_body() {
    let system = start().await;
    let tenant = system
        .onboard("Fetcher", Tier::Standard, Isolation::Pooled)
        .await
        .unwrap();
    let output = run(
        &system,
        &tenant,
        env!("CARGO_BIN_EXE_fetch-credentials"),
        &[],
    )
    .await;
    assert!(output.status.success(), "{}", text(&output.stderr));
    let body: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON on stdout");
    assert_eq!(body["Version"], 1);
    assert_eq!(body["Tenant"]["ApiKeyId"], tenant.api_key_id.as_str());
    assert!(body["SessionToken"].is_string() && body["Expiration"].is_string());

    let output = run(
        &system,
        &tenant,
        env!("CARGO_BIN_EXE_fetch-credentials"),
        &["--read-only", "--duration", "900"],
    )
    .await;
    assert!(output.status.success(), "{}", text(&output.stderr));

    let mut wrong = tenant.clone();
    wrong.api_key = "not-a-real-key-0123456789abcdefghijklmn".into();
    let output = run(
        &system,
        &wrong,
        env!("CARGO_BIN_EXE_fetch-credentials"),
        &[],
    )
    .await;
    assert!(!output.status.success());
    let stderr = text(&output.stderr);
    assert!(stderr.contains("403"), "{stderr}");
    assert!(
        !stderr.contains(&wrong.api_key),
        "the key is never printed: {stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn own_items_writes_and_reads_its_own_and_is_refused_another_tenants() {
    let system = start().await;
    let tenants = system.onboard_demo_tenants().await.unwrap();
    let (acme, globex) = (&tenants[0], &tenants[1]);
    for (me, other) in [(acme, globex), (globex, acme)] {
        let output = run(
            &system,
            me,
            env!("CARGO_BIN_EXE_own-items"),
            &[&other.api_key_id],
        )
        .await;
        let stdout = text(&output.stdout);
        assert!(
            output.status.success(),
            "{}: {stdout}\n{}",
            me.name,
            text(&output.stderr)
        );
        assert!(
            stdout.contains(&format!(
                "pk={} (another tenant): refused, AccessDeniedException",
                other.api_key_id
            )),
            "{stdout}"
        );
        assert!(stdout.contains("query   pk="), "{stdout}");
    }
}

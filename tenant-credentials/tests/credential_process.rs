//! The `tenant-credentials` binary as an SDK runs it, against a loopback
//! stand-in of the vendor, each test with its own cache directory.

mod support;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use support::{API_KEY, Reply, SECRET_STEM, StandIn, temp_dir};

/// One run of the binary.
struct Run {
    status: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Run {
    /// The AccessKeyId of a successful run, after checking the output is
    /// `credential_process` output and nothing else.
    fn access_key_id(&self) -> String {
        assert_eq!(self.status, Some(0), "stderr: {}", self.stderr);
        let json: serde_json::Value = serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is one JSON document ({e}): {}", self.stdout));
        assert_eq!(json["Version"], 1);
        for field in [
            "AccessKeyId",
            "SecretAccessKey",
            "SessionToken",
            "Expiration",
        ] {
            assert!(
                json[field].as_str().is_some_and(|v| !v.is_empty()),
                "{field}"
            );
        }
        json["AccessKeyId"].as_str().unwrap().to_owned()
    }
}

/// Environment for one run: the vendor, the key, a cache home, nothing else.
#[derive(Clone)]
struct Env {
    vars: Vec<(String, String)>,
}

impl Env {
    fn new(url: &str, cache_home: &Path) -> Self {
        Self {
            vars: vec![
                ("CREDENTIALS_ENDPOINT".into(), url.into()),
                ("TENANT_API_KEY".into(), API_KEY.into()),
                ("XDG_CACHE_HOME".into(), cache_home.display().to_string()),
            ],
        }
    }

    fn with(mut self, name: &str, value: &str) -> Self {
        self.vars.retain(|(n, _)| n != name);
        self.vars.push((name.into(), value.into()));
        self
    }

    fn without(mut self, name: &str) -> Self {
        self.vars.retain(|(n, _)| n != name);
        self
    }

    async fn run(&self, args: &[&str]) -> Run {
        let output: Output = tokio::process::Command::new(env!("CARGO_BIN_EXE_tenant-credentials"))
            .args(args)
            .env_clear()
            .envs(self.vars.iter().map(|(k, v)| (k, v)))
            .output()
            .await
            .unwrap();
        let run = Run {
            status: output.status.code(),
            stdout: String::from_utf8(output.stdout).unwrap(),
            stderr: String::from_utf8(output.stderr).unwrap(),
        };
        assert!(
            !run.stderr.contains(API_KEY),
            "stderr shows the key: {}",
            run.stderr
        );
        assert!(
            !run.stderr.contains(SECRET_STEM),
            "stderr shows a secret: {}",
            run.stderr
        );
        if run.status != Some(0) {
            assert!(
                run.stdout.is_empty(),
                "a failure prints nothing an SDK could use"
            );
        }
        run
    }
}

fn cache_dir(home: &Path) -> PathBuf {
    home.join("tenant-credentials")
}

fn entries(home: &Path, extension: &str) -> Vec<PathBuf> {
    let Ok(dir) = std::fs::read_dir(cache_dir(home)) else {
        return Vec::new();
    };
    dir.map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == extension))
        .collect()
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

const LONG: Duration = Duration::from_hours(1);
/// Less than the five minutes before expiry: not reused, but still valid.
const UNDER_FIVE_MINUTES: Duration = Duration::from_mins(4);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_second_invocation_is_served_from_the_cache_without_asking_the_vendor() {
    let vendor = StandIn::start(LONG).await;
    let home = temp_dir("second");
    let env = Env::new(&vendor.url, &home);
    let first = env.run(&[]).await.access_key_id();
    let second = env.run(&[]).await.access_key_id();
    assert_eq!(second, first);
    assert_eq!(
        vendor.vends().len(),
        1,
        "no request to the vendor the second time"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cache_file_is_mode_0600_in_a_0700_directory() {
    let vendor = StandIn::start(LONG).await;
    let home = temp_dir("mode");
    Env::new(&vendor.url, &home).run(&[]).await.access_key_id();
    let files = entries(&home, "json");
    assert_eq!(files.len(), 1, "{files:?}");
    assert_eq!(mode(&files[0]), 0o600);
    assert_eq!(mode(&cache_dir(&home)), 0o700);
    for lock in entries(&home, "lock") {
        assert_eq!(mode(&lock), 0o600);
    }
    let name = files[0].file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        !name.contains(API_KEY) && !name.contains("127.0.0.1"),
        "{name}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_invocations_get_the_same_credentials_from_one_fetch() {
    let vendor = StandIn::start(LONG).await;
    // A slow vendor, so the eight overlap while the first one fetches.
    vendor.set_delay(Duration::from_millis(500));
    let home = temp_dir("concurrent");
    let env = Env::new(&vendor.url, &home);
    let runs = all_at_once(&env, 8).await;
    let ids: Vec<String> = runs.iter().map(Run::access_key_id).collect();
    assert!(ids.iter().all(|id| *id == ids[0]), "{ids:?}");
    assert_eq!(vendor.vends().len(), 1, "one fetch for all eight");
    assert_eq!(entries(&home, "json").len(), 1);
    let leftovers: Vec<_> = std::fs::read_dir(cache_dir(&home))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_invocations_never_see_a_half_written_entry() {
    // Every run finds the entry stale and fetches (one at a time, under the
    // lock), while the others read it unlocked: atomic renames mean each
    // reads a whole entry or none, never half of one.
    let vendor = StandIn::start(UNDER_FIVE_MINUTES).await;
    let home = temp_dir("atomic");
    let env = Env::new(&vendor.url, &home);
    for _ in 0..3 {
        let runs = all_at_once(&env, 6).await;
        for run in &runs {
            run.access_key_id();
            assert!(!run.stderr.contains("not a valid entry"), "{}", run.stderr);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn while_the_vendor_is_down_a_valid_cached_entry_is_served_with_a_warning() {
    let vendor = StandIn::start(UNDER_FIVE_MINUTES).await;
    let home = temp_dir("down");
    let env = Env::new(&vendor.url, &home);
    let cached = env.run(&[]).await.access_key_id();
    vendor.set_down(true);
    let run = env.run(&[]).await;
    assert_eq!(run.access_key_id(), cached);
    assert!(
        run.stderr.contains("warning") && run.stderr.contains("unreachable"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("serving cached credentials"),
        "{}",
        run.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn while_the_vendor_throttles_a_valid_cached_entry_is_served_with_a_warning() {
    let vendor = StandIn::start(UNDER_FIVE_MINUTES).await;
    let home = temp_dir("throttled");
    let env = Env::new(&vendor.url, &home);
    let cached = env.run(&[]).await.access_key_id();
    vendor.script([Reply::throttled(429, "120")]);
    let run = env.run(&[]).await;
    assert_eq!(run.access_key_id(), cached);
    assert!(run.stderr.contains("throttling"), "{}", run.stderr);
    assert_eq!(vendor.vends().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_entry_is_never_served() {
    let vendor = StandIn::start(Duration::from_secs(2)).await;
    let home = temp_dir("expired");
    let env = Env::new(&vendor.url, &home);
    env.run(&[]).await.access_key_id();
    tokio::time::sleep(Duration::from_millis(2500)).await;
    vendor.set_down(true);
    let run = env.run(&[]).await;
    assert_eq!(run.status, Some(3), "{}", run.stderr);
    assert!(run.stderr.contains("expired"), "{}", run.stderr);
    assert!(run.stdout.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_entry_is_reused_until_five_minutes_before_it_expires() {
    let vendor = StandIn::start(Duration::from_secs(330)).await;
    let home = temp_dir("five-minutes");
    let env = Env::new(&vendor.url, &home);
    let first = env.run(&[]).await.access_key_id();
    assert_eq!(
        env.run(&[]).await.access_key_id(),
        first,
        "5.5 min left: reused"
    );
    assert_eq!(vendor.vends().len(), 1);

    let vendor = StandIn::start(Duration::from_secs(290)).await;
    let home = temp_dir("under-five-minutes");
    let env = Env::new(&vendor.url, &home);
    let first = env.run(&[]).await.access_key_id();
    let second = env.run(&[]).await.access_key_id();
    assert_ne!(second, first, "4 min 50 s left: fetched again");
    assert_eq!(vendor.vends().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_cache_always_asks_the_vendor_and_writes_nothing() {
    let vendor = StandIn::start(LONG).await;
    let home = temp_dir("no-cache");
    let env = Env::new(&vendor.url, &home);
    let first = env.run(&["--no-cache"]).await.access_key_id();
    let second = env.run(&["--no-cache"]).await.access_key_id();
    assert_ne!(first, second);
    assert_eq!(vendor.vends().len(), 2);
    assert!(!cache_dir(&home).exists(), "nothing written");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refusal_fails_with_the_vendors_code_and_drops_the_cached_entry() {
    let vendor = StandIn::start(UNDER_FIVE_MINUTES).await;
    let home = temp_dir("refused");
    let env = Env::new(&vendor.url, &home);
    env.run(&[]).await.access_key_id();
    vendor.script([Reply::refused("TenantSuspended")]);
    let run = env.run(&[]).await;
    assert_eq!(run.status, Some(1), "{}", run.stderr);
    assert!(run.stderr.contains("403 TenantSuspended"), "{}", run.stderr);
    assert!(
        entries(&home, "json").is_empty(),
        "a refused key's entry is dropped"
    );
    // So a later outage cannot resurrect the suspended tenant's credentials.
    vendor.set_down(true);
    assert_eq!(env.run(&[]).await.status, Some(3));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn options_are_sent_and_get_their_own_entry() {
    let vendor = StandIn::start(LONG).await;
    let home = temp_dir("options");
    let env = Env::new(&vendor.url, &home);
    let read_write = env.run(&[]).await.access_key_id();
    let read_only_env = Env::new(&vendor.url, &home)
        .with("SCOPE", "read-only")
        .with("DURATION_SECONDS", "900");
    let read_only = read_only_env.run(&[]).await.access_key_id();
    assert_ne!(
        read_only, read_write,
        "a read-only request never gets read-write credentials"
    );
    assert_eq!(read_only_env.run(&[]).await.access_key_id(), read_only);
    let bodies: Vec<String> = vendor.vends().into_iter().map(|v| v.body).collect();
    assert_eq!(
        bodies,
        ["{}", r#"{"durationSeconds":900,"scope":"read-only"}"#]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_xdg_cache_home_the_cache_is_under_home() {
    let vendor = StandIn::start(LONG).await;
    let home = temp_dir("home");
    let env = Env::new(&vendor.url, &home)
        .without("XDG_CACHE_HOME")
        .with("HOME", &home.display().to_string());
    env.run(&[]).await.access_key_id();
    assert_eq!(entries(&home.join(".cache"), "json").len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_entry_others_can_read_is_not_trusted() {
    let vendor = StandIn::start(LONG).await;
    let home = temp_dir("widened");
    let env = Env::new(&vendor.url, &home);
    let first = env.run(&[]).await.access_key_id();
    let file = &entries(&home, "json")[0];
    std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let run = env.run(&[]).await;
    assert_ne!(run.access_key_id(), first, "fetched anew");
    assert!(run.stderr.contains("lets others read it"), "{}", run.stderr);
    assert_eq!(mode(file), 0o600, "and replaced with a private one");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_configuration_exits_2_naming_the_variable() {
    let vendor = StandIn::start(LONG).await;
    let home = temp_dir("config");
    for (env, named) in [
        (
            Env::new(&vendor.url, &home).without("TENANT_API_KEY"),
            "TENANT_API_KEY",
        ),
        (
            Env::new(&vendor.url, &home).without("CREDENTIALS_ENDPOINT"),
            "CREDENTIALS_ENDPOINT",
        ),
        (Env::new(&vendor.url, &home).with("SCOPE", "admin"), "SCOPE"),
        (
            Env::new("http://vendor.example.com/credentials", &home),
            "CREDENTIALS_ENDPOINT",
        ),
    ] {
        let run = env.run(&[]).await;
        assert_eq!(run.status, Some(2), "{}", run.stderr);
        assert!(run.stderr.contains(named), "{}", run.stderr);
    }
    assert!(vendor.vends().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_key_exits_1_with_api_gateways_message() {
    let vendor = StandIn::start(LONG).await;
    let home = temp_dir("wrong-key");
    let run = Env::new(&vendor.url, &home)
        .with("TENANT_API_KEY", "not-the-key")
        .run(&[])
        .await;
    assert_eq!(run.status, Some(1), "{}", run.stderr);
    assert!(run.stderr.contains("403 Forbidden"), "{}", run.stderr);
    assert!(!run.stderr.contains("not-the-key"), "{}", run.stderr);
}

/// Runs `n` invocations at once.
async fn all_at_once(env: &Env, n: usize) -> Vec<Run> {
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..n {
        let env = env.clone();
        set.spawn(async move { env.run(&[]).await });
    }
    set.join_all().await
}

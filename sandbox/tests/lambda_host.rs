//! The local Lambda with stand-in functions (sh + curl speaking the Runtime
//! API): a function that never answers fails at the timeout and its process
//! is replaced; one that never asks for work fails at the init timeout.
//! The stand-ins log when each invocation starts and ends (nanoseconds), so
//! what ran side by side is read from their own clock, not from how long
//! the test took.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use bytes::Bytes;
use sandbox::lambda_host::{FunctionSpec, InvokeError, LambdaHost};

fn function(script: &str, timeout: Duration) -> (FunctionSpec, tempdir::Dir) {
    let dir = tempdir::Dir::new();
    let path = dir.path.join("bootstrap");
    std::fs::write(&path, format!("#!/bin/sh\n{script}\n")).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let spec = FunctionSpec {
        binary: path,
        name: "StandIn".into(),
        arn: "arn:aws:lambda:us-east-1:123456789012:function:StandIn".into(),
        memory_mb: 128,
        timeout,
        init_timeout: Duration::from_secs(2),
        environment: vec![
            ("PATH".into(), std::env::var("PATH").unwrap_or_default()),
            ("LOG".into(), dir.log().display().to_string()),
        ],
    };
    (spec, dir)
}

/// One handled invocation, as the stand-in logged it.
#[derive(Debug, Default, Clone, Copy)]
struct Span {
    start: Option<u128>,
    end: Option<u128>,
}

/// The stand-in's log: request ID → when it started and ended handling it.
fn spans(dir: &tempdir::Dir) -> std::collections::HashMap<String, Span> {
    let text = std::fs::read_to_string(dir.log()).unwrap_or_default();
    let mut spans: std::collections::HashMap<String, Span> = std::collections::HashMap::new();
    for line in text.lines() {
        let parts: Vec<&str> = line.split_whitespace().collect();
        let [what, id, at] = parts[..] else {
            panic!("log line {line:?}");
        };
        let at: u128 = at.parse().expect("nanoseconds");
        let span = spans.entry(id.to_owned()).or_default();
        match what {
            "start" => span.start = Some(at),
            "end" => span.end = Some(at),
            _ => panic!("log line {line:?}"),
        }
    }
    spans
}

mod tempdir {
    /// A directory removed when dropped.
    pub struct Dir {
        pub path: std::path::PathBuf,
    }
    impl Dir {
        pub fn log(&self) -> std::path::PathBuf {
            self.path.join("invocations.log")
        }

        pub fn new() -> Self {
            let path = std::env::temp_dir().join(format!(
                "lambda-host-{}-{:?}",
                std::process::id(),
                std::thread::current().id()
            ));
            std::fs::create_dir_all(&path).unwrap();
            Self { path }
        }
    }
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

fn curl() -> Option<PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|d| PathBuf::from(d).join("curl"))
        .find(|p| p.is_file())
}

const ECHO: &str = r#"
api="http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime/invocation"
while true; do
  headers=$(mktemp)
  event=$(curl -s -D "$headers" "$api/next")
  id=$(grep -i '^lambda-runtime-aws-request-id:' "$headers" | cut -d' ' -f2 | tr -d '\r')
  echo "start $id $(date +%s%N)" >> "$LOG"
  case "$event" in
    *hang*) sleep 60 ;;
    *slow*) sleep 2 ;;
  esac
  echo "end $id $(date +%s%N)" >> "$LOG"
  curl -s -X POST -d "$event" "$api/$id/response" >/dev/null
done
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_function_that_never_answers_times_out_and_is_replaced() {
    assert!(curl().is_some(), "curl is needed: run ./scripts/setup.sh");
    let (spec, dir) = function(ECHO, Duration::from_millis(1500));
    let host = LambdaHost::new(spec);
    let echoed = host
        .invoke("r1", Bytes::from_static(b"{\"x\":1}"))
        .await
        .expect("echo answers");
    assert_eq!(&echoed[..], b"{\"x\":1}");
    let first = host.idle_pids();
    assert_eq!(first.len(), 1);

    let started = Instant::now();
    let result = host.invoke("r2", Bytes::from_static(b"\"hang\"")).await;
    assert_eq!(result, Err(InvokeError::Timeout));
    // Not before the timeout, and well before the 60 s the function would
    // have taken: the timeout ended it, and the function never finished.
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(1500) && waited < Duration::from_secs(30),
        "{waited:?}"
    );
    let hung = spans(&dir)["r2"];
    assert!(
        hung.start.is_some() && hung.end.is_none(),
        "the hung invocation started and never ended: {hung:?}"
    );
    assert!(
        host.idle_pids().is_empty(),
        "the hung instance is not reused"
    );

    let again = host
        .invoke("r3", Bytes::from_static(b"{}"))
        .await
        .expect("a fresh instance answers");
    assert_eq!(&again[..], b"{}");
    assert_ne!(host.idle_pids(), first);
    assert_eq!(host.stats().cold_starts.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_function_that_never_asks_for_work_fails_to_start_in_time() {
    let (spec, _dir) = function("sleep 30", Duration::from_secs(1));
    let host = LambdaHost::new(spec);
    let started = Instant::now();
    let result = host.invoke("r1", Bytes::from_static(b"{}")).await;
    assert!(
        matches!(&result, Err(InvokeError::InitFailed(why)) if why.contains("no request for an invocation within 2s")),
        "{result:?}"
    );
    // At the 2 s init timeout, not at the 30 s the process would take.
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_secs(2) && waited < Duration::from_secs(20),
        "{waited:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_function_that_exits_at_once_fails_to_start() {
    let (spec, _dir) = function("exit 3", Duration::from_secs(1));
    let host = LambdaHost::new(spec);
    let result = host.invoke("r1", Bytes::from_static(b"{}")).await;
    assert!(
        matches!(result, Err(InvokeError::InitFailed(_))),
        "{result:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_invocations_get_one_instance_each_and_instances_are_reused() {
    assert!(curl().is_some(), "curl is needed: run ./scripts/setup.sh");
    let (spec, dir) = function(ECHO, Duration::from_secs(8));
    let host = LambdaHost::new(spec);
    let slow = || Bytes::from_static(b"\"slow\"");
    let (a, b, c) = tokio::join!(
        host.invoke("c0", slow()),
        host.invoke("c1", slow()),
        host.invoke("c2", slow())
    );
    let results = [a, b, c];
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    // Side by side: every invocation started before any of them ended (one
    // after another, the second would start only after the first's 2 s).
    let spans = spans(&dir);
    let of = |id: &str| spans.get(id).copied().unwrap_or_default();
    let (starts, ends): (Vec<_>, Vec<_>) = ["c0", "c1", "c2"]
        .iter()
        .map(|id| (of(id).start.expect("started"), of(id).end.expect("ended")))
        .unzip();
    assert!(
        starts.iter().max() < ends.iter().min(),
        "the three invocations overlapped: {spans:?}"
    );
    assert_eq!(host.stats().cold_starts.len(), 3);
    assert_eq!(host.idle_pids().len(), 3);
    host.invoke("warm", Bytes::from_static(b"{}"))
        .await
        .expect("a warm instance answers");
    assert_eq!(
        host.stats().cold_starts.len(),
        3,
        "no new instance for a sequential call"
    );
    assert_eq!(host.stats().warm_invocations, 1);
}

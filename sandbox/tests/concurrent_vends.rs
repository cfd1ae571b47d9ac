//! Vends through the local API Gateway and the local Lambda don't
//! serialize: N requests at once are N invocations in the function at once.
//!
//! The function is a stand-in (sh + curl on the Runtime API) that holds
//! each invocation at a barrier until N invocations have arrived, and only
//! then answers 200; one that waits 8 s in vain answers 504. Were the API
//! front or the Lambda host to run invocations one (or a few) at a time,
//! the first would never see N at the barrier and the requests would get
//! 504s or the host's timeout. No clock is asserted: the barrier is the
//! proof.

use std::path::PathBuf;

use sandbox::api_client::ApiClient;
use sandbox::system::{Options, System};
use tenant_registry::{Isolation, Tier};

const AT_ONCE: usize = 8;

fn barrier_function(dir: &std::path::Path) -> PathBuf {
    let barrier = dir.join("arrived");
    std::fs::create_dir_all(&barrier).unwrap();
    let path = std::env::var("PATH").unwrap_or_default();
    let script = format!(
        r#"#!/bin/sh
export PATH='{path}'
api="http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime/invocation"
while true; do
  headers=$(mktemp)
  curl -s -D "$headers" -o /dev/null "$api/next"
  id=$(grep -i '^lambda-runtime-aws-request-id:' "$headers" | cut -d' ' -f2 | tr -d '\r')
  touch '{barrier}'/"$id"
  n=0
  while [ "$(ls '{barrier}' | wc -l)" -lt {AT_ONCE} ] && [ $n -lt 160 ]; do sleep 0.05; n=$((n+1)); done
  if [ "$(ls '{barrier}' | wc -l)" -ge {AT_ONCE} ]; then status=200; else status=504; fi
  curl -s -X POST -d "{{\"statusCode\":$status,\"body\":\"{{}}\"}}" "$api/$id/response" >/dev/null
done
"#,
        barrier = barrier.display()
    );
    let file = dir.join("bootstrap");
    std::fs::write(&file, script).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    file
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_vends_are_concurrent_invocations_in_the_api_front_and_the_lambda_host() {
    let dir = std::env::temp_dir().join(format!("concurrent-vends-{}", std::process::id()));
    let function = barrier_function(&dir);
    let system = System::start(
        &System::workspace_root(),
        Options {
            vendor_fn: Some(function),
            ..Options::default()
        },
    )
    .await
    .expect("system starts");
    let tenant = system
        .onboard("Barrier", Tier::Premium, Isolation::Pooled)
        .await
        .expect("onboarded");
    let (api, url) = (ApiClient::default(), system.credentials_url());
    let requests: Vec<_> = (0..AT_ONCE)
        .map(|_| {
            let (api, url, key) = (api.clone(), url.clone(), tenant.api_key.clone());
            tokio::spawn(async move { api.get(&url, Some(&key)).await })
        })
        .collect();
    let mut statuses = Vec::new();
    for request in requests {
        statuses.push(request.await.unwrap().expect("answered").status.as_u16());
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(
        statuses,
        vec![200; AT_ONCE],
        "every invocation saw {AT_ONCE} at the barrier"
    );
}

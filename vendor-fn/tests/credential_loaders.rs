//! A real 200 body, fed to the Rust SDK's own credential loaders: the
//! `credential_process` provider and the container credentials provider.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::process::Command;

use aws_credential_types::provider::ProvideCredentials;
use common::*;
use tenant_registry::{TenantStatus, Tier};
use vendor_fn::handle;

const FULL_URI_VAR: &str = "AWS_CONTAINER_CREDENTIALS_FULL_URI";

async fn vended_body() -> String {
    let (gets, assumes) = (Captured::default(), Captured::default());
    let get = get_item_returns(Some(tenant(Tier::Standard, TenantStatus::Active)), &gets);
    let assume = assume_role_succeeds(&assumes);
    let response = handle(
        &vendor(&[&get], &[&assume]),
        fixture("get_credentials"),
        "r",
    )
    .await;
    assert_eq!(response.status_code, 200);
    body_json(&response).to_string()
}

fn assert_loaded(creds: &aws_credential_types::Credentials) {
    assert_eq!(creds.access_key_id(), ACCESS_KEY_ID);
    assert_eq!(creds.secret_access_key(), SECRET_ACCESS_KEY);
    assert_eq!(creds.session_token(), Some(SESSION_TOKEN));
    let expiry = creds.expiry().expect("expiry");
    assert_eq!(
        expiry
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs(),
        EXPIRATION_SECS.unsigned_abs()
    );
}

#[tokio::test]
async fn the_body_is_valid_credential_process_output() {
    let dir = std::env::temp_dir().join(format!("vendor-fn-cp-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("body.json");
    std::fs::write(&path, vended_body().await).unwrap();

    let provider = aws_config::credential_process::CredentialProcessProvider::new(format!(
        "cat {}",
        path.display()
    ));
    let creds = provider
        .provide_credentials()
        .await
        .expect("credential_process accepts the body");
    assert_loaded(&creds);
    std::fs::remove_dir_all(dir).ok();
}

/// Serves `body` to every request on a loopback port until `count` requests.
fn serve(body: String, count: usize) -> (String, std::thread::JoinHandle<Vec<String>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/credentials", listener.local_addr().unwrap());
    let handle = std::thread::spawn(move || {
        let mut request_lines = Vec::new();
        for stream in listener.incoming().take(count) {
            let mut stream = stream.unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut first = String::new();
            reader.read_line(&mut first).unwrap();
            request_lines.push(first.trim().to_owned());
            let mut line = String::new();
            while reader.read_line(&mut line).unwrap() > 2 {
                line.clear();
            }
            let response = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            stream.write_all(response.as_bytes()).unwrap();
        }
        request_lines
    });
    (url, handle)
}

#[tokio::test]
async fn the_body_is_a_valid_container_credentials_response() {
    let (url, server) = serve(vended_body().await, 1);
    // The provider reads its URI from the process environment only, and this
    // workspace forbids the unsafe `set_var`: run the loader in a child
    // process of this same test binary with the variable set.
    let output = Command::new(std::env::current_exe().unwrap())
        .args([
            "--ignored",
            "--exact",
            "container_provider_child",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(FULL_URI_VAR, &url)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "child failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("1 passed"), "the child test ran: {stdout}");
    assert_eq!(
        server.join().unwrap(),
        vec!["GET /credentials HTTP/1.1".to_owned()]
    );
}

#[tokio::test]
#[ignore = "run by the_body_is_a_valid_container_credentials_response in a child process with AWS_CONTAINER_CREDENTIALS_FULL_URI set"]
async fn container_provider_child() {
    assert!(
        std::env::var(FULL_URI_VAR).is_ok_and(|u| u.starts_with("http://127.0.0.1:")),
        "{FULL_URI_VAR} on loopback"
    );
    let provider = aws_config::ecs::EcsCredentialsProvider::builder().build();
    let creds = provider
        .provide_credentials()
        .await
        .expect("the container provider accepts the body");
    assert_loaded(&creds);
}

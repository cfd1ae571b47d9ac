//! examples/credential-process.sh against a loopback stand-in of the
//! credentials API.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Command, Output};

const API_KEY: &str = "Xq7TsecretApiKeyValue0123456789abcdefGHIJ";

fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/credential-process.sh")
}

/// What the stand-in received: request line, headers (lowercased names), body.
struct Seen {
    request_line: String,
    headers: Vec<(String, String)>,
    body: String,
}

/// Answers one request with `status` and `body`.
fn serve_once(status: u16, body: &'static str) -> (String, std::thread::JoinHandle<Seen>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/prod/credentials", listener.local_addr().unwrap());
    let handle = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut request_line = String::new();
        reader.read_line(&mut request_line).unwrap();
        let mut headers = Vec::new();
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            let (name, value) = line.split_once(':').unwrap();
            headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
        }
        let length: usize = headers
            .iter()
            .find(|(n, _)| n == "content-length")
            .map_or(0, |(_, v)| v.parse().unwrap());
        let mut request_body = vec![0; length];
        reader.read_exact(&mut request_body).unwrap();
        let response = format!(
            "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        stream.write_all(response.as_bytes()).unwrap();
        Seen {
            request_line: request_line.trim().to_owned(),
            headers,
            body: String::from_utf8(request_body).unwrap(),
        }
    });
    (url, handle)
}

fn run(url: &str, extra: &[(&str, &str)]) -> Output {
    let mut command = Command::new("sh");
    command
        .arg(script())
        .env("TENANT_API_KEY", API_KEY)
        .env("CREDENTIALS_ENDPOINT", url);
    for (k, v) in extra {
        command.env(k, v);
    }
    command
        .output()
        .expect("sh and curl are installed (scripts/setup.sh checks)")
}

const VENDED: &str = r#"{"Version":1,"AccessKeyId":"ASIAX","SecretAccessKey":"s","SessionToken":"t","Token":"t","Expiration":"2026-11-27T10:15:00Z"}"#;

#[test]
fn passes_the_vendors_body_through_as_credential_process_output() {
    let (url, server) = serve_once(200, VENDED);
    let out = run(&url, &[("DURATION_SECONDS", "900"), ("SCOPE", "read-only")]);
    let seen = server.join().unwrap();
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8(out.stdout).unwrap(), VENDED);
    assert_eq!(seen.request_line, "POST /prod/credentials HTTP/1.1");
    assert!(
        seen.headers.contains(&("x-api-key".into(), API_KEY.into())),
        "{:?}",
        seen.headers
    );
    let body: serde_json::Value =
        serde_json::from_str(&seen.body).expect("the request body is JSON");
    assert_eq!(
        body,
        serde_json::json!({"durationSeconds": 900, "scope": "read-only"})
    );
}

#[test]
fn a_refusal_fails_with_the_vendors_code_and_never_echoes_the_key() {
    let (url, server) = serve_once(
        403,
        r#"{"code":"TenantSuspended","message":"this tenant is suspended"}"#,
    );
    let out = run(&url, &[]);
    let seen = server.join().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        out.stdout.is_empty(),
        "nothing an SDK could mistake for credentials"
    );
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("403") && stderr.contains("TenantSuspended"),
        "{stderr}"
    );
    assert!(!stderr.contains(API_KEY));
    assert_eq!(seen.body, "{}", "no options: an empty JSON object");
}

#[test]
fn an_unreachable_endpoint_fails_with_exit_2() {
    // Bind and drop: a loopback port with nothing listening.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = run(&format!("http://127.0.0.1:{port}/credentials"), &[]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!String::from_utf8_lossy(&out.stderr).contains(API_KEY));
}

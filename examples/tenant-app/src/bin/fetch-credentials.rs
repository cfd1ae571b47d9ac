//! `fetch-credentials [--read-only] [--duration SECONDS]`: prints the
//! tenant's credentials as the API returns them (valid `credential_process`
//! output). Reads `CREDENTIALS_ENDPOINT` and `TENANT_API_KEY`.

use std::process::ExitCode;

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    match run().await {
        Ok(body) => {
            println!("{body}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("fetch-credentials: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<String, String> {
    let mut scope = None;
    let mut duration = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--read-only" => scope = Some("read-only"),
            "--duration" => {
                let seconds: u32 = args
                    .next()
                    .and_then(|s| s.parse().ok())
                    .ok_or("--duration takes a number of seconds")?;
                duration = Some(seconds);
            }
            other => {
                return Err(format!(
                    "unknown argument {other:?}; usage: fetch-credentials [--read-only] [--duration SECONDS]"
                ));
            }
        }
    }
    let request = (scope.is_some() || duration.is_some()).then(|| {
        let mut body = serde_json::Map::new();
        if let Some(seconds) = duration {
            body.insert("durationSeconds".into(), seconds.into());
        }
        if let Some(scope) = scope {
            body.insert("scope".into(), scope.into());
        }
        serde_json::Value::Object(body).to_string()
    });
    let endpoint = tenant_app::env("CREDENTIALS_ENDPOINT")?;
    let api_key = tenant_app::env("TENANT_API_KEY")?;
    tenant_app::fetch_body(&endpoint, &api_key, request.as_deref()).await
}

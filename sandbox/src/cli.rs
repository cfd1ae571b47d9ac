//! `sandbox up` and `sandbox demo`: the whole system in one command.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::demo;
use crate::system::{Options, System, Tenant};

/// The state file's default path, relative to the project root.
pub const DEFAULT_STATE_FILE: &str = "target/sandbox/state.json";

/// `sandbox up`: boots everything, onboards the demo tenants, prints where
/// to call and with which keys, writes the state file (mode 0600: it holds
/// the API keys), and serves until interrupted; then stops everything.
///
/// # Errors
/// What failed, as text for the terminal.
pub async fn up(root: &Path, port: u16, state_file: &Path) -> Result<(), String> {
    let system = System::start(
        root,
        Options {
            port,
            ..Options::default()
        },
    )
    .await
    .map_err(|e| e.to_string())?;
    let tenants = system
        .onboard_demo_tenants()
        .await
        .map_err(|e| e.to_string())?;
    let state = serde_json::to_string_pretty(&system.state(&tenants)).map_err(|e| e.to_string())?;
    write_private(state_file, &format!("{state}\n"))
        .map_err(|e| format!("writing {}: {e}", state_file.display()))?;
    print!("{}", banner(&system, &tenants, state_file));
    std::io::stdout().flush().map_err(|e| e.to_string())?;
    wait_for_interrupt().await?;
    eprintln!("sandbox: stopping");
    system.shutdown();
    drop(system);
    Ok(())
}

/// `sandbox demo`: the guided tour on a fresh system; `Ok(true)` only when
/// every expectation held.
///
/// # Errors
/// When the system does not start.
pub async fn demo(root: &Path) -> Result<bool, String> {
    let system = System::start(root, Options::default())
        .await
        .map_err(|e| e.to_string())?;
    let tenants = system
        .onboard_demo_tenants()
        .await
        .map_err(|e| e.to_string())?;
    println!("sandbox demo on {}", system.endpoint_url());
    for t in &tenants {
        println!(
            "  tenant {:<7} apiKeyId {}  tier {}  {}",
            t.name, t.api_key_id, t.tier, t.isolation
        );
    }
    println!();
    let mut n = 0;
    let tour = demo::run(&system, &tenants, &mut |step| {
        n += 1;
        let mark = if step.held { "ok  " } else { "FAIL" };
        println!(
            "{mark} {n:>2}. {}\n         -> {}",
            step.description, step.outcome
        );
    })
    .await;
    let failed = tour.steps.iter().filter(|s| !s.held).count();
    println!();
    if tour.passed() {
        println!(
            "every expectation held ({} steps): each tenant reaches its own data and nothing else",
            tour.steps.len()
        );
    } else {
        println!("{failed} of {} expectations did not hold", tour.steps.len());
    }
    let stats = system.host().stats();
    if let Some(cold) = stats.cold_starts.first() {
        println!(
            "vendor-fn cold start (spawn to first /next): {:.1} ms",
            cold.as_secs_f64() * 1e3
        );
    }
    Ok(tour.passed())
}

fn banner(system: &System, tenants: &[Tenant], state_file: &Path) -> String {
    use std::fmt::Write as _;
    let mut text = String::new();
    let endpoint = system.endpoint_url();
    let url = system.credentials_url();
    let _ = writeln!(
        text,
        "sandbox up: the credential vendor on {endpoint} (Ctrl-C stops everything)"
    );
    let _ = writeln!(
        text,
        "  credentials API   GET/POST {url}  (header x-api-key)"
    );
    let _ = writeln!(
        text,
        "  AWS endpoint      {endpoint}  (STS, DynamoDB, S3 path-style; region {})",
        iam_gateway::REGION
    );
    let _ = writeln!(
        text,
        "  pooled table      {}",
        system.deployment().data_table
    );
    let _ = writeln!(text, "  bucket            {}", system.deployment().bucket);
    let _ = writeln!(text, "  state file        {}", state_file.display());
    let _ = writeln!(
        text,
        "demo tenants (API keys are secrets; shown here for the demo only):"
    );
    for t in tenants {
        let _ = writeln!(
            text,
            "  {:<7} tier {:<8} {:<7} apiKeyId {}  apiKey {}",
            t.name,
            t.tier.as_str(),
            t.isolation.as_str(),
            t.api_key_id,
            t.api_key
        );
    }
    if let Some(first) = tenants.first() {
        let _ = writeln!(text, "try it:");
        let _ = writeln!(text, "  curl -s -H 'x-api-key: {}' {url}", first.api_key);
    }
    text
}

async fn wait_for_interrupt() -> Result<(), String> {
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .map_err(|e| e.to_string())?;
        tokio::select! {
            r = tokio::signal::ctrl_c() => r.map_err(|e| e.to_string()),
            _ = term.recv() => Ok(()),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await.map_err(|e| e.to_string())
    }
}

/// Writes `contents` to `path`, readable and writable by the owner only
/// (0600), whatever was there before: a new file is written next to it
/// (created exclusively, so never through a symlink) and renamed over
/// `path` (which replaces a symlink there rather than following it). A
/// reader sees the old file or the new one, never half of either.
///
/// # Errors
/// The I/O error.
pub fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or_else(|| Path::new("."));
    std::fs::create_dir_all(dir)?;
    let name = path
        .file_name()
        .ok_or_else(|| std::io::Error::other("the state file path names no file"))?;
    let mut temporary = dir.to_path_buf();
    temporary.push(format!(
        ".{}.{}.tmp",
        name.to_string_lossy(),
        std::process::id()
    ));
    let _ = std::fs::remove_file(&temporary);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let written = options.open(&temporary).and_then(|mut file| {
        file.write_all(contents.as_bytes())?;
        file.sync_all()
    });
    if let Err(e) = written.and_then(|()| std::fs::rename(&temporary, path)) {
        let _ = std::fs::remove_file(&temporary);
        return Err(e);
    }
    Ok(())
}

/// `<root>/target/sandbox/state.json`.
pub fn default_state_file(root: &Path) -> PathBuf {
    root.join(DEFAULT_STATE_FILE)
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("sandbox-cli-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn mode(path: &Path) -> u32 {
        std::fs::symlink_metadata(path)
            .unwrap()
            .permissions()
            .mode()
            & 0o777
    }

    #[test]
    fn an_existing_state_file_ends_up_0600_with_the_new_contents() {
        let dir = scratch("mode");
        let path = dir.join("state.json");
        std::fs::write(&path, "old").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        write_private(&path, "new").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        assert_eq!(mode(&path), 0o600);
        let leftovers: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temporary file left behind");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_symlink_at_the_path_is_replaced_never_followed() {
        let dir = scratch("symlink");
        let elsewhere = dir.join("elsewhere.txt");
        std::fs::write(&elsewhere, "keep me").unwrap();
        std::fs::set_permissions(&elsewhere, std::fs::Permissions::from_mode(0o644)).unwrap();
        let path = dir.join("state.json");
        std::os::unix::fs::symlink(&elsewhere, &path).unwrap();
        write_private(&path, "secret keys").unwrap();
        assert_eq!(std::fs::read_to_string(&elsewhere).unwrap(), "keep me");
        assert_eq!(mode(&elsewhere), 0o644);
        assert!(
            !std::fs::symlink_metadata(&path)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(mode(&path), 0o600);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_symlink_in_place_of_the_temporary_file_is_not_followed() {
        let dir = scratch("tmplink");
        let elsewhere = dir.join("elsewhere.txt");
        std::fs::write(&elsewhere, "keep me").unwrap();
        let path = dir.join("state.json");
        let temporary = dir.join(format!(".state.json.{}.tmp", std::process::id()));
        std::os::unix::fs::symlink(&elsewhere, &temporary).unwrap();
        write_private(&path, "secret keys").unwrap();
        assert_eq!(std::fs::read_to_string(&elsewhere).unwrap(), "keep me");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "secret keys");
        std::fs::remove_dir_all(dir).unwrap();
    }
}

//! A moto server for integration tests: started from the project's `.venv`,
//! one per test, killed when dropped. moto stores state and enforces no IAM,
//! so tests on it check life-cycle state, not isolation.
//!
//! Each test talks to its own moto, for sure: moto is started on port 0, so
//! the kernel gives its socket a free port that no other process can hold,
//! and the launcher reads that port from moto's start-up line
//! (` * Running on http://127.0.0.1:<port>`). Picking a free port first and
//! handing it to moto would leave a window in which another test's server
//! (or anything else) takes it, and a connect that succeeds would then prove
//! nothing. The launcher then waits until `/moto-api/` answers on that port
//! and checks the child is still running.
//!
//! moto uses its port setting only to build URLs back to itself (Lambda,
//! CloudFormation custom resources, Step Functions, Batch); with port 0
//! those would be wrong, and no test uses them.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_config::SdkConfig;

/// The command that installs moto into `.venv/`.
pub const INSTALL_COMMAND: &str = "./scripts/setup.sh";

/// How long moto may take to start (a cold Python import of moto is slow on
/// a loaded machine).
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// Lines of moto's log kept for failure messages.
const LOG_TAIL: usize = 40;

/// A running `moto_server` of this test's own.
#[derive(Debug)]
pub struct Moto {
    child: Running,
    port: u16,
    endpoint: String,
}

/// The child process, killed when dropped (also when start-up fails).
#[derive(Debug)]
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

type Log = Arc<Mutex<VecDeque<String>>>;

impl Moto {
    /// Starts moto and waits until it answers, or fails the test saying how
    /// to install it or what moto printed.
    ///
    /// # Panics
    /// When `.venv/bin/moto_server` is missing, exits early or doesn't
    /// answer within 30 seconds.
    pub fn start() -> Self {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
        let exe = root.join(".venv/bin/moto_server");
        assert!(
            exe.is_file(),
            "moto is not installed ({} is missing): run {INSTALL_COMMAND}, which installs moto[server] \
             from scripts/requirements.txt into .venv/",
            exe.display()
        );
        let mut child = Command::new(&exe)
            .args(["-H", "127.0.0.1", "-p", "0"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", exe.display()));
        let stderr = child.stderr.take().expect("stderr is piped");
        let mut child = Running(child);
        let log = Log::default();
        let ports = drain(stderr, Arc::clone(&log));
        let deadline = Instant::now() + START_TIMEOUT;
        let port = loop {
            match ports.recv_timeout(Duration::from_millis(100)) {
                Ok(port) => break port,
                Err(RecvTimeoutError::Timeout) => {}
                // stderr closed: moto is exiting; try_wait will say so.
                Err(RecvTimeoutError::Disconnected) => {
                    std::thread::sleep(Duration::from_millis(50));
                }
            }
            if let Ok(Some(status)) = child.0.try_wait() {
                panic!("moto_server exited early ({status}):\n{}", tail(&log));
            }
            assert!(
                Instant::now() < deadline,
                "moto_server did not report its port within {START_TIMEOUT:?}:\n{}",
                tail(&log)
            );
        };
        let mut moto = Self {
            child,
            port,
            endpoint: format!("http://127.0.0.1:{port}"),
        };
        moto.wait_answering(deadline, &log);
        moto
    }

    /// `http://127.0.0.1:<port>`.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The loopback port moto listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// SDK configuration pointing every service at this moto, with the fake
    /// credentials of [`sdk`](crate::sdk).
    pub async fn sdk_config(&self) -> SdkConfig {
        crate::sdk::sdk_config(&self.endpoint).await
    }

    /// The environment under which a child process (a CLI under test) talks
    /// to this moto: region, fake credentials, `AWS_ENDPOINT_URL`.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        crate::sdk::env(&self.endpoint)
    }

    /// Waits until `GET /moto-api/` answers 200 on our port, our child
    /// still running.
    fn wait_answering(&mut self, deadline: Instant, log: &Log) {
        loop {
            if let Ok(Some(status)) = self.child.0.try_wait() {
                panic!("moto_server exited early ({status}):\n{}", tail(log));
            }
            if self.answers() {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "moto_server did not answer on port {} within {START_TIMEOUT:?}:\n{}",
                self.port,
                tail(log)
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn answers(&self) -> bool {
        let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.port)) else {
            return false;
        };
        let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
        let request = format!(
            "GET /moto-api/ HTTP/1.0\r\nHost: 127.0.0.1:{}\r\n\r\n",
            self.port
        );
        if stream.write_all(request.as_bytes()).is_err() {
            return false;
        }
        let mut status = [0u8; 12];
        stream.read_exact(&mut status).is_ok()
            && status.starts_with(b"HTTP/1.")
            && status.ends_with(b" 200")
    }
}

/// Reads moto's log to its end (so moto never blocks on a full pipe), keeps
/// its tail, and sends the port from the start-up line.
fn drain(stderr: impl Read + Send + 'static, log: Log) -> mpsc::Receiver<u16> {
    let (ports, port) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(port) = announced_port(&line) {
                let _ = ports.send(port);
            }
            let mut log = log
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if log.len() == LOG_TAIL {
                log.pop_front();
            }
            log.push_back(line);
        }
    });
    port
}

fn tail(log: &Log) -> String {
    let log = log
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    log.iter().cloned().collect::<Vec<_>>().join("\n")
}

/// The port in werkzeug's start-up line ` * Running on http://127.0.0.1:<port>`.
fn announced_port(line: &str) -> Option<u16> {
    let address = line.split("Running on http://127.0.0.1:").nth(1)?;
    let digits: String = address.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok().filter(|port| *port != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_port_from_the_start_up_line_only() {
        assert_eq!(
            announced_port(" * Running on http://127.0.0.1:37993"),
            Some(37993)
        );
        assert_eq!(
            announced_port("\u{1b}[33m * Running on http://127.0.0.1:5000\u{1b}[0m"),
            Some(5000)
        );
        assert_eq!(announced_port("Press CTRL+C to quit"), None);
        assert_eq!(announced_port(" * Running on http://127.0.0.1:0"), None);
        assert_eq!(
            announced_port("127.0.0.1 - - \"GET /moto-api/ HTTP/1.0\" 200 -"),
            None
        );
    }
}

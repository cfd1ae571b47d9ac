//! A moto server for integration tests: one per test, killed when dropped.
//! moto stores state and enforces no IAM, so tests on it check life-cycle
//! state, not isolation.
//!
//! The launcher is the AWS stand-in's own ([`iam_gateway::moto::MotoServer`]):
//! moto binds port 0 and reports the port it got, so each test talks to its
//! own moto for sure, and it is ready only when `/moto-api/` answers 200
//! with the child still running. This module only adds what tests want
//! around it: a panic that says how to install moto, the endpoint, SDK
//! configuration and a child process's environment for it.

use std::path::PathBuf;

use aws_config::SdkConfig;
use iam_gateway::moto::MotoServer;

/// A running `moto_server` of this test's own.
#[derive(Debug)]
pub struct Moto {
    server: MotoServer,
    endpoint: String,
}

impl Moto {
    /// Starts moto and waits until it answers, or fails the test saying how
    /// to install it or what moto printed.
    ///
    /// # Panics
    /// When `.venv/bin/moto_server` is missing, exits early or doesn't
    /// answer within 30 seconds.
    pub async fn start() -> Self {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
        let server = MotoServer::start(&root)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let endpoint = format!("http://{}", server.addr());
        Self { server, endpoint }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The loopback port moto listens on.
    pub fn port(&self) -> u16 {
        self.server.addr().port()
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
}

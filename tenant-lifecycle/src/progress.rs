//! Progress lines for multi-step commands.

/// Receives one line per step as a command runs: tenantctl prints them to
/// stderr, the sandbox stays quiet, tests record them. Lines never hold an
/// API key value.
pub trait Progress: Send + Sync {
    /// A step is starting, or has a result worth telling.
    fn step(&self, message: &str);
}

/// Discards progress.
#[derive(Clone, Copy, Debug, Default)]
pub struct Silent;

impl Progress for Silent {
    fn step(&self, _message: &str) {}
}

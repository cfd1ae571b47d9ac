//! What every tenant session carries, and how long it may last.

/// The session tag every tenant session carries. The tenant role's
/// policies key every resource on `${aws:PrincipalTag/api-key-id}`, and the
/// trust policy requires it (`policies/tenant-role-trust.json`).
pub const SESSION_TAG_KEY: &str = "api-key-id";

/// The shortest session STS grants, in seconds.
pub const MIN_SESSION_SECONDS: u32 = 900;

/// The longest session the vendor can get, in seconds. The vendor runs on
/// role credentials, so every AssumeRole is role chaining, and AWS caps a
/// chained session at one hour whatever the role's MaxSessionDuration.
pub const MAX_CHAINED_SESSION_SECONDS: u32 = 3600;

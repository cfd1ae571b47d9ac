//! The account, region and partition the gateway serves (moto's defaults).

/// The account moto (and so the gateway) uses.
pub const ACCOUNT_ID: &str = "123456789012";
/// The only region the gateway serves.
pub const REGION: &str = "us-east-1";
/// The partition.
pub const PARTITION: &str = "aws";

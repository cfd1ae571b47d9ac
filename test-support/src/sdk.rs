//! SDK configuration for a local stand-in (moto), with fake credentials.

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;

/// The fake access key ID tests sign with. It doesn't look like a real AWS
/// key (`AKIA…`), so secret scanners leave it alone; moto maps any unknown
/// key to its default account.
pub const ACCESS_KEY_ID: &str = "LOCALMOTOTEST0000001";
/// The fake secret key that goes with [`ACCESS_KEY_ID`].
pub const SECRET_ACCESS_KEY: &str = "moto-test-secret";
/// The region every local test uses.
pub const REGION: &str = "us-east-1";
/// moto's default account, the one [`ACCESS_KEY_ID`] acts in.
pub const ACCOUNT_ID: &str = "123456789012";

/// SDK configuration sending every service to `endpoint`, in [`REGION`],
/// signed with the fake credentials.
pub async fn sdk_config(endpoint: &str) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(REGION))
        .endpoint_url(endpoint)
        .credentials_provider(Credentials::new(
            ACCESS_KEY_ID,
            SECRET_ACCESS_KEY,
            None,
            None,
            "test-support",
        ))
        .load()
        .await
}

/// The same settings as environment variables, for a child process (a CLI
/// under test) that reads them the SDK's standard way.
pub fn env(endpoint: &str) -> Vec<(&'static str, String)> {
    vec![
        ("AWS_REGION", REGION.to_owned()),
        ("AWS_ACCESS_KEY_ID", ACCESS_KEY_ID.to_owned()),
        ("AWS_SECRET_ACCESS_KEY", SECRET_ACCESS_KEY.to_owned()),
        ("AWS_EC2_METADATA_DISABLED", "true".to_owned()),
        ("AWS_ENDPOINT_URL", endpoint.to_owned()),
    ]
}

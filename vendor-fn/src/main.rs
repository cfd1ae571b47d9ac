//! Lambda entry point: wiring only.

use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::Value;
use vendor_fn::issuer::StsIssuer;
use vendor_fn::session_cache::SessionCache;
use vendor_fn::tenant_directory::TenantDirectory;
use vendor_fn::{Config, Vendor, handle, logging, sdk_settings};

#[tokio::main]
async fn main() -> Result<(), Error> {
    logging::init_from_env()?;

    let config = Config::from_env()?;
    let sdk = sdk_settings::load().await;
    let region = sdk
        .region()
        .map(ToString::to_string)
        .ok_or("configuration variable AWS_REGION is not set")?;

    let vendor = Vendor {
        tenants: TenantDirectory::new(
            aws_sdk_dynamodb::Client::new(&sdk),
            config.tenant_table.clone(),
        ),
        issuer: StsIssuer::new(
            aws_sdk_sts::Client::new(&sdk),
            config.tenant_role_arn.clone(),
        ),
        sessions: SessionCache::default(),
        region,
        config,
    };
    let vendor = &vendor;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        Ok::<_, Error>(handle(vendor, event.payload, &event.context.request_id).await)
    }))
    .await
}

//! The key authorizer Lambda's entry point: wiring only.

use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::Value;
use vendor_fn::key_authorizer::{AuthorizerConfig, authorize};
use vendor_fn::key_lookup::KeyLookup;
use vendor_fn::{logging, sdk_settings};

#[tokio::main]
async fn main() -> Result<(), Error> {
    logging::init_from_env()?;
    let config = AuthorizerConfig::from_env()?;
    let sdk = sdk_settings::load().await;
    let lookup = KeyLookup::new(aws_sdk_dynamodb::Client::new(&sdk), config.tenant_table);
    let lookup = &lookup;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        Ok::<_, Error>(authorize(lookup, event.payload, &event.context.request_id).await)
    }))
    .await
}

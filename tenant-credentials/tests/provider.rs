//! The provider against a loopback stand-in of the vendor: a Rust SDK client
//! across several expiries, and each kind of failure kept apart.

mod support;

use std::collections::{BTreeSet, HashMap};
use std::time::{Duration, Instant};

use aws_config::identity::IdentityCache;
use aws_credential_types::provider::ProvideCredentials;
use support::{API_KEY, Reply, SECRET_STEM, StandIn};
use tenant_credentials::settings::{API_KEY_VAR, ENDPOINT_VAR};
use tenant_credentials::{Error, RetryPolicy, Settings, TenantCredentialsProvider, VendorClient};

fn settings(url: &str, key: &str) -> Settings {
    let vars: HashMap<String, String> = [
        (ENDPOINT_VAR.to_owned(), url.to_owned()),
        (API_KEY_VAR.to_owned(), key.to_owned()),
    ]
    .into();
    Settings::from_vars(&vars).unwrap()
}

fn provider(url: &str) -> TenantCredentialsProvider {
    TenantCredentialsProvider::new(VendorClient::new(settings(url, API_KEY)))
}

/// The provider's error for one fetch, checked to hold no secret.
async fn failure(provider: &TenantCredentialsProvider) -> Error {
    let err = provider.credentials().await.unwrap_err();
    for text in [err.to_string(), format!("{err:?}")] {
        assert!(
            !text.contains(API_KEY) && !text.contains(SECRET_STEM),
            "{text}"
        );
    }
    err
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_sdk_client_keeps_working_across_several_expiries() {
    // Credentials that live 3 s; the SDK's identity cache refreshes them 1 s
    // (plus jitter) before they expire. Over 10 s that is at least three
    // expiries, and the stand-in refuses any call signed with expired ones.
    let vendor = StandIn::start(Duration::from_secs(3)).await;
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .endpoint_url(&vendor.base)
        .credentials_provider(provider(&vendor.url))
        .identity_cache(
            IdentityCache::lazy()
                .buffer_time(Duration::from_secs(1))
                .build(),
        )
        .load()
        .await;
    let dynamodb = aws_sdk_dynamodb::Client::new(&config);
    let started = Instant::now();
    let mut calls = 0;
    while started.elapsed() < Duration::from_secs(10) {
        dynamodb
            .get_item()
            .table_name("TenantData")
            .key(
                "pk",
                aws_sdk_dynamodb::types::AttributeValue::S("a1b2c3d4e5".into()),
            )
            .send()
            .await
            .unwrap_or_else(|e| panic!("call {calls} after {:?}: {e:?}", started.elapsed()));
        calls += 1;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let seen = vendor.service_calls();
    assert!(seen.iter().all(|c| c.accepted), "{seen:?}");
    let keys: BTreeSet<_> = seen.iter().map(|c| c.access_key_id.clone()).collect();
    let vends = vendor.vends().len();
    assert!(
        keys.len() >= 4,
        "signed with {} sets of credentials: {keys:?}",
        keys.len()
    );
    assert!(
        vends <= calls / 5,
        "{vends} vends for {calls} calls: the SDK must reuse credentials until they near expiry"
    );
}

#[tokio::test]
async fn the_sdk_gets_the_expiry_so_it_can_refresh_ahead_of_it() {
    let vendor = StandIn::start(Duration::from_mins(15)).await;
    let creds = provider(&vendor.url).provide_credentials().await.unwrap();
    let left = creds
        .expiry()
        .expect("an expiry")
        .duration_since(std::time::SystemTime::now())
        .unwrap();
    assert!(
        (Duration::from_secs(890)..=Duration::from_mins(15)).contains(&left),
        "{left:?}"
    );
    assert!(creds.session_token().is_some());
    let seen = vendor.vends();
    assert_eq!(seen.len(), 1);
    assert_eq!(
        seen[0].api_key.as_deref(),
        Some(API_KEY),
        "the key goes in x-api-key"
    );
    assert_eq!(seen[0].body, "{}");
}

#[tokio::test]
async fn a_refusal_carries_the_vendors_code_and_is_not_retried() {
    let vendor = StandIn::start(Duration::from_mins(15)).await;
    vendor.script([Reply::refused("TenantSuspended")]);
    let err = failure(&provider(&vendor.url)).await;
    assert!(
        matches!(&err, Error::Refused { status: 403, code, .. } if code == "TenantSuspended"),
        "{err:?}"
    );
    assert_eq!(vendor.vends().len(), 1);
    // Through the SDK's trait: a provider error whose source is ours.
    vendor.script([Reply::refused("TenantOffboarded")]);
    let sdk_err = provider(&vendor.url)
        .provide_credentials()
        .await
        .unwrap_err();
    let source = std::error::Error::source(&sdk_err)
        .and_then(|s| s.downcast_ref::<Error>())
        .expect("our error as the source");
    assert!(matches!(source, Error::Refused { code, .. } if code == "TenantOffboarded"));
}

#[tokio::test]
async fn a_wrong_key_is_refused_with_api_gateways_message() {
    let vendor = StandIn::start(Duration::from_mins(15)).await;
    let wrong =
        TenantCredentialsProvider::new(VendorClient::new(settings(&vendor.url, "not-the-key")));
    let err = failure(&wrong).await;
    assert!(
        matches!(&err, Error::Refused { status: 403, code, .. } if code == "Forbidden"),
        "{err:?}"
    );
}

#[tokio::test]
async fn throttling_is_retried_no_sooner_than_retry_after() {
    let vendor = StandIn::start(Duration::from_mins(15)).await;
    vendor.script([Reply::throttled(429, "1")]);
    let started = Instant::now();
    let creds = provider(&vendor.url).credentials().await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert!(creds.access_key_id().starts_with("ASIASTANDIN"));
    assert_eq!(vendor.vends().len(), 2);
}

#[tokio::test]
async fn throttling_that_outlasts_the_policy_is_a_throttled_error_after_bounded_attempts() {
    let vendor = StandIn::start(Duration::from_mins(15)).await;
    vendor.script([
        Reply::throttled(503, "0"),
        Reply::throttled(503, "0"),
        Reply::throttled(503, "0"),
        Reply::throttled(503, "0"),
    ]);
    let err = failure(&provider(&vendor.url)).await;
    assert!(
        matches!(&err, Error::Throttled { status: 503, attempts: 3, code, .. } if code == "StsThrottled"),
        "{err:?}"
    );
    assert_eq!(vendor.vends().len(), 3, "the default policy: 3 attempts");
    assert!(err.is_transient());
}

#[tokio::test]
async fn a_retry_after_beyond_the_policy_ends_at_once_and_says_when() {
    let vendor = StandIn::start(Duration::from_mins(15)).await;
    vendor.script([Reply::throttled(429, "120")]);
    let started = Instant::now();
    let err = failure(&provider(&vendor.url)).await;
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "no waiting it cannot honour"
    );
    assert!(
        matches!(err, Error::Throttled { retry_after: Some(d), attempts: 1, .. } if d == Duration::from_mins(2)),
        "{err:?}"
    );
    assert!(err.to_string().contains("120 s"), "{err}");
}

#[tokio::test]
async fn no_retries_when_the_policy_says_none() {
    let vendor = StandIn::start(Duration::from_mins(15)).await;
    vendor.script([Reply::throttled(429, "0")]);
    let client = VendorClient::new(settings(&vendor.url, API_KEY)).with_retry(RetryPolicy::none());
    let err = client.fetch().await.unwrap_err();
    assert!(
        matches!(err, Error::Throttled { attempts: 1, .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn an_unreachable_vendor_is_unreachable() {
    let vendor = StandIn::start(Duration::from_mins(15)).await;
    vendor.set_down(true);
    let err = failure(&provider(&vendor.url)).await;
    assert!(matches!(err, Error::Unreachable { .. }), "{err:?}");
    // Nothing listening at all.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let err = failure(&provider(&format!("http://127.0.0.1:{port}/credentials"))).await;
    assert!(matches!(err, Error::Unreachable { .. }), "{err:?}");
    assert!(err.is_transient());
}

#[tokio::test]
async fn a_200_that_is_not_credentials_is_an_invalid_response() {
    let vendor = StandIn::start(Duration::from_mins(15)).await;
    vendor.script([Reply::Status {
        status: 200,
        body: r#"{"Version":1,"AccessKeyId":"ASIAX"}"#.into(),
        retry_after: None,
    }]);
    let err = failure(&provider(&vendor.url)).await;
    assert!(matches!(err, Error::InvalidResponse { .. }), "{err:?}");
    // Credentials that are dead on arrival are not credentials either.
    vendor.set_lifetime(Duration::ZERO);
    let err = failure(&provider(&vendor.url)).await;
    assert!(err.to_string().contains("expired"), "{err}");
}

#[tokio::test]
async fn debug_shows_the_endpoint_never_the_key() {
    let vendor = StandIn::start(Duration::from_mins(15)).await;
    let text = format!("{:?}", provider(&vendor.url));
    assert!(text.contains("127.0.0.1"), "{text}");
    assert!(!text.contains(API_KEY), "{text}");
}

//! The launcher gives each test a moto of its own: two started side by side
//! listen on different ports and share no state.

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
};
use test_support::Moto;

async fn create_table(moto: &Moto, name: &str) {
    aws_sdk_dynamodb::Client::new(&moto.sdk_config().await)
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name("pk")
                .attribute_type(ScalarAttributeType::S)
                .build()
                .unwrap(),
        )
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name("pk")
                .key_type(KeyType::Hash)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
}

async fn tables(moto: &Moto) -> Vec<String> {
    aws_sdk_dynamodb::Client::new(&moto.sdk_config().await)
        .list_tables()
        .send()
        .await
        .unwrap()
        .table_names()
        .to_vec()
}

#[tokio::test]
async fn two_motos_started_together_are_separate_servers() {
    let (a, b) = tokio::join!(Moto::start(), Moto::start());
    assert_ne!(a.port(), b.port());
    assert_eq!(a.endpoint(), format!("http://127.0.0.1:{}", a.port()));
    create_table(&a, "only-in-a").await;
    create_table(&b, "only-in-b").await;
    assert_eq!(tables(&a).await, ["only-in-a"]);
    assert_eq!(tables(&b).await, ["only-in-b"]);
}

#[tokio::test]
async fn a_dropped_moto_stops_listening() {
    let moto = Moto::start().await;
    let port = moto.port();
    drop(moto);
    // The kill is sent at once; the socket closes when the process is gone.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
        assert!(
            std::time::Instant::now() < deadline,
            "port {port} still answers 10 s after drop"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

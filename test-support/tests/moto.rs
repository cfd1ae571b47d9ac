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
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(Moto::start);
        let b = s.spawn(Moto::start);
        (a.join().unwrap(), b.join().unwrap())
    });
    assert_ne!(a.port(), b.port());
    assert_eq!(a.endpoint(), format!("http://127.0.0.1:{}", a.port()));
    create_table(&a, "only-in-a").await;
    create_table(&b, "only-in-b").await;
    assert_eq!(tables(&a).await, ["only-in-a"]);
    assert_eq!(tables(&b).await, ["only-in-b"]);
}

#[test]
fn a_dropped_moto_stops_listening() {
    let moto = Moto::start();
    let port = moto.port();
    drop(moto);
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
        "port {port} still answers after drop"
    );
}

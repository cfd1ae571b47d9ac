//! Tenant isolation in S3 through the gateway with the Rust SDK: a tenant
//! reads, writes, lists and deletes under its own prefix only. Tenant B's
//! key `k1x` starts with tenant A's `k1`, so `k1x/…` is A's look-alike.

mod gateway_support;

use aws_sdk_s3::error::ProvideErrorMetadata;
use aws_sdk_s3::primitives::ByteStream;
use gateway_support::{TENANT_A, TENANT_B, s3, start, tenant};
use vendor_fn::Scope;

fn assert_denied<T: std::fmt::Debug, E: ProvideErrorMetadata + std::fmt::Debug>(
    result: Result<T, E>,
    what: &str,
) {
    match result {
        Ok(out) => panic!("{what}: allowed, expected AccessDenied ({out:?})"),
        Err(e) => assert_eq!(e.code(), Some("AccessDenied"), "{what}: {e:?}"),
    }
}

#[tokio::test]
#[expect(clippy::too_many_lines, reason = "one scenario, read top to bottom")]
async fn a_tenant_uses_its_own_prefix_and_nothing_else() {
    let gateway = start().await;
    let bucket = gateway.deployment().bucket.clone();
    let a = s3(
        &gateway,
        &tenant(&gateway, TENANT_A, Scope::ReadWrite).await,
    );
    let b = s3(
        &gateway,
        &tenant(&gateway, TENANT_B, Scope::ReadWrite).await,
    );

    // Own prefix: put, get, head, list, delete.
    for (client, id) in [(&a, TENANT_A), (&b, TENANT_B)] {
        client
            .put_object()
            .bucket(&bucket)
            .key(format!("{id}/report.txt"))
            .body(ByteStream::from_static(b"own data"))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{id} puts its own object: {e:?}"));
        let got = client
            .get_object()
            .bucket(&bucket)
            .key(format!("{id}/report.txt"))
            .send()
            .await
            .expect("get own");
        assert_eq!(
            got.body
                .collect()
                .await
                .expect("body")
                .into_bytes()
                .as_ref(),
            b"own data"
        );
        let head = client
            .head_object()
            .bucket(&bucket)
            .key(format!("{id}/report.txt"))
            .send()
            .await
            .expect("head own");
        assert_eq!(head.content_length(), Some(8));
        let listed = client
            .list_objects_v2()
            .bucket(&bucket)
            .prefix(format!("{id}/"))
            .send()
            .await
            .expect("list own");
        let keys: Vec<&str> = listed.contents().iter().filter_map(|o| o.key()).collect();
        assert_eq!(
            keys,
            [format!("{id}/report.txt").as_str()],
            "only its own objects"
        );
    }

    // The other tenant's prefix, A's look-alike (`k1x/` for k1), and B reaching back.
    assert_denied(
        a.get_object()
            .bucket(&bucket)
            .key("k1x/report.txt")
            .send()
            .await,
        "A gets B's object",
    );
    assert_denied(
        b.get_object()
            .bucket(&bucket)
            .key("k1/report.txt")
            .send()
            .await,
        "B gets A's object",
    );
    assert_denied(
        a.put_object()
            .bucket(&bucket)
            .key("k1x/planted.txt")
            .body(ByteStream::from_static(b"x"))
            .send()
            .await,
        "A puts into B's prefix",
    );
    assert_denied(
        a.delete_object()
            .bucket(&bucket)
            .key("k1x/report.txt")
            .send()
            .await,
        "A deletes B's object",
    );
    let head = a
        .head_object()
        .bucket(&bucket)
        .key("k1x/report.txt")
        .send()
        .await;
    assert!(
        head.is_err_and(|e| e.raw_response().map(|r| r.status().as_u16()) == Some(403)),
        "A heads B's object"
    );
    assert_denied(
        a.list_objects_v2()
            .bucket(&bucket)
            .prefix("k1x/")
            .send()
            .await,
        "A lists B's prefix",
    );
    assert_denied(
        a.list_objects_v2()
            .bucket(&bucket)
            .prefix("k1")
            .send()
            .await,
        "A lists a prefix covering B",
    );
    assert_denied(
        a.list_objects_v2().bucket(&bucket).send().await,
        "A lists without a prefix",
    );
    assert_denied(
        a.list_objects_v2().bucket(&bucket).prefix("").send().await,
        "A lists with an empty prefix",
    );
    assert_denied(
        a.get_object()
            .bucket(&bucket)
            .key("k1/../k1x/report.txt")
            .send()
            .await,
        "A walks up into B",
    );
    assert_denied(
        a.get_object()
            .bucket(&bucket)
            .key("unprefixed.txt")
            .send()
            .await,
        "object outside any prefix",
    );
    assert_denied(a.list_buckets().send().await, "list buckets");

    // A's own delete works; B's object survived A's attempts.
    a.delete_object()
        .bucket(&bucket)
        .key("k1/report.txt")
        .send()
        .await
        .expect("delete own");
    let survived = b
        .get_object()
        .bucket(&bucket)
        .key("k1x/report.txt")
        .send()
        .await
        .expect("B's object");
    assert_eq!(
        survived
            .body
            .collect()
            .await
            .expect("body")
            .into_bytes()
            .as_ref(),
        b"own data"
    );
}

#[tokio::test]
async fn a_read_only_session_reads_and_lists_but_cannot_write() {
    let gateway = start().await;
    let bucket = gateway.deployment().bucket.clone();
    let writer = s3(
        &gateway,
        &tenant(&gateway, TENANT_A, Scope::ReadWrite).await,
    );
    writer
        .put_object()
        .bucket(&bucket)
        .key("k1/a.txt")
        .body(ByteStream::from_static(b"a"))
        .send()
        .await
        .expect("put");
    let reader = s3(&gateway, &tenant(&gateway, TENANT_A, Scope::ReadOnly).await);
    reader
        .get_object()
        .bucket(&bucket)
        .key("k1/a.txt")
        .send()
        .await
        .expect("read own");
    reader
        .list_objects_v2()
        .bucket(&bucket)
        .prefix("k1/")
        .send()
        .await
        .expect("list own");
    assert_denied(
        reader
            .put_object()
            .bucket(&bucket)
            .key("k1/b.txt")
            .body(ByteStream::from_static(b"b"))
            .send()
            .await,
        "write own",
    );
    assert_denied(
        reader
            .delete_object()
            .bucket(&bucket)
            .key("k1/a.txt")
            .send()
            .await,
        "delete own",
    );
}

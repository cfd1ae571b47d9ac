//! Multipart uploads through the gateway with the Rust SDK, the grant of
//! the tenant policy (`s3:PutObject`, `s3:AbortMultipartUpload`,
//! `s3:ListMultipartUploadParts` on the tenant's own prefix): a tenant
//! uploads, lists, completes and aborts in parts under its own prefix;
//! another tenant is refused every step on it, and an upload ID works only
//! for the key it was created for, as in S3.

mod gateway_support;

use aws_sdk_s3::Client;
use aws_sdk_s3::error::ProvideErrorMetadata;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};
use gateway_support::{TENANT_A, TENANT_B, s3, start, tenant};
use vendor_fn::Scope;

/// S3's smallest part but the last.
const PART: usize = 5 * 1024 * 1024;

fn code<T, E: ProvideErrorMetadata>(result: Result<T, E>) -> Option<String> {
    result.err().and_then(|e| e.code().map(str::to_owned))
}

async fn create(client: &Client, bucket: &str, key: &str) -> Result<String, Option<String>> {
    client
        .create_multipart_upload()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .map(|out| out.upload_id().expect("upload id").to_owned())
        .map_err(|e| e.code().map(str::to_owned))
}

async fn upload_part(
    client: &Client,
    bucket: &str,
    key: &str,
    upload_id: &str,
    number: i32,
    body: Vec<u8>,
) -> Result<CompletedPart, Option<String>> {
    client
        .upload_part()
        .bucket(bucket)
        .key(key)
        .upload_id(upload_id)
        .part_number(number)
        .body(ByteStream::from(body))
        .send()
        .await
        .map(|out| {
            CompletedPart::builder()
                .part_number(number)
                .set_e_tag(out.e_tag().map(str::to_owned))
                .build()
        })
        .map_err(|e| e.code().map(str::to_owned))
}

async fn part_numbers(client: &Client, bucket: &str, key: &str, upload_id: &str) -> Vec<i32> {
    client
        .list_parts()
        .bucket(bucket)
        .key(key)
        .upload_id(upload_id)
        .send()
        .await
        .expect("list parts")
        .parts()
        .iter()
        .filter_map(aws_sdk_s3::types::Part::part_number)
        .collect()
}

#[tokio::test]
#[expect(clippy::too_many_lines, reason = "one scenario, read top to bottom")]
async fn a_tenant_uploads_in_parts_under_its_own_prefix_and_nowhere_else() {
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
    let key = format!("{TENANT_A}/big.bin");

    // Own prefix: create, two parts, list them, complete, read it back.
    let upload = create(&a, &bucket, &key).await.expect("create");
    let first = upload_part(&a, &bucket, &key, &upload, 1, vec![b'a'; PART])
        .await
        .expect("part 1");
    let second = upload_part(&a, &bucket, &key, &upload, 2, b"tail".to_vec())
        .await
        .expect("part 2");
    assert_eq!(part_numbers(&a, &bucket, &key, &upload).await, [1, 2]);

    // The other tenant, on the owner's key, at every step.
    assert_eq!(
        create(&b, &bucket, &key).await.err().flatten().as_deref(),
        Some("AccessDenied")
    );
    assert_eq!(
        upload_part(&b, &bucket, &key, &upload, 3, b"x".to_vec())
            .await
            .err()
            .flatten()
            .as_deref(),
        Some("AccessDenied")
    );
    let listed = b
        .list_parts()
        .bucket(&bucket)
        .key(&key)
        .upload_id(&upload)
        .send()
        .await;
    assert_eq!(code(listed).as_deref(), Some("AccessDenied"));
    let aborted = b
        .abort_multipart_upload()
        .bucket(&bucket)
        .key(&key)
        .upload_id(&upload)
        .send()
        .await;
    assert_eq!(code(aborted).as_deref(), Some("AccessDenied"));
    // The owner's upload ID on the other tenant's own key: IAM allows the
    // key, and S3 (here the gateway) knows no such upload for it.
    let own_key = format!("{TENANT_B}/big.bin");
    assert_eq!(
        upload_part(&b, &bucket, &own_key, &upload, 3, b"planted".to_vec())
            .await
            .err()
            .flatten()
            .as_deref(),
        Some("NoSuchUpload")
    );
    let hijacked = b
        .complete_multipart_upload()
        .bucket(&bucket)
        .key(&own_key)
        .upload_id(&upload)
        .multipart_upload(
            CompletedMultipartUpload::builder()
                .parts(first.clone())
                .build(),
        )
        .send()
        .await;
    assert_eq!(code(hijacked).as_deref(), Some("NoSuchUpload"));
    assert_eq!(part_numbers(&a, &bucket, &key, &upload).await, [1, 2]);

    a.complete_multipart_upload()
        .bucket(&bucket)
        .key(&key)
        .upload_id(&upload)
        .multipart_upload(
            CompletedMultipartUpload::builder()
                .parts(first)
                .parts(second)
                .build(),
        )
        .send()
        .await
        .expect("complete");
    let object = a
        .get_object()
        .bucket(&bucket)
        .key(&key)
        .send()
        .await
        .expect("the completed object")
        .body
        .collect()
        .await
        .expect("body")
        .into_bytes();
    assert_eq!(object.len(), PART + 4);
    assert_eq!(&object[PART..], b"tail");
    let absent = b.get_object().bucket(&bucket).key(&own_key).send().await;
    assert_eq!(code(absent).as_deref(), Some("NoSuchKey"));

    // Abort: the owner may, and the upload is gone.
    let second_upload = create(&a, &bucket, &key).await.expect("create again");
    a.abort_multipart_upload()
        .bucket(&bucket)
        .key(&key)
        .upload_id(&second_upload)
        .send()
        .await
        .expect("abort own");
    let gone = a
        .list_parts()
        .bucket(&bucket)
        .key(&key)
        .upload_id(&second_upload)
        .send()
        .await;
    assert_eq!(code(gone).as_deref(), Some("NoSuchUpload"));
}

#[tokio::test]
async fn a_read_only_session_starts_no_upload_and_a_look_alike_prefix_is_another_tenants() {
    let gateway = start().await;
    let bucket = gateway.deployment().bucket.clone();
    let reader = s3(&gateway, &tenant(&gateway, TENANT_A, Scope::ReadOnly).await);
    assert_eq!(
        create(&reader, &bucket, &format!("{TENANT_A}/r.bin"))
            .await
            .err()
            .flatten()
            .as_deref(),
        Some("AccessDenied")
    );
    let a = s3(
        &gateway,
        &tenant(&gateway, TENANT_A, Scope::ReadWrite).await,
    );
    // `k1x/` is tenant B's prefix, though it starts with `k1`.
    assert_eq!(
        create(&a, &bucket, &format!("{TENANT_B}/x.bin"))
            .await
            .err()
            .flatten()
            .as_deref(),
        Some("AccessDenied")
    );
    // Listing a bucket's uploads is not granted, and not mapped.
    let uploads = a.list_multipart_uploads().bucket(&bucket).send().await;
    assert_eq!(code(uploads).as_deref(), Some("AccessDenied"));
}

//! Decisions per second on a tenant-role-shaped policy with a session policy.
//! Target (issue 4): at least 100,000 decisions per second on one core.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use iam_eval::{Policy, Request, RequestContext, evaluate};

const PERMISSIONS: &str = r#"{"Version":"2012-10-17","Statement":[
 {"Sid":"Pooled","Effect":"Allow","Action":["dynamodb:GetItem","dynamodb:BatchGetItem","dynamodb:Query","dynamodb:PutItem","dynamodb:UpdateItem","dynamodb:DeleteItem","dynamodb:BatchWriteItem","dynamodb:ConditionCheckItem","dynamodb:PartiQLSelect","dynamodb:PartiQLInsert","dynamodb:PartiQLUpdate","dynamodb:PartiQLDelete"],
  "Resource":["arn:aws:dynamodb:us-east-1:123456789012:table/TenantData","arn:aws:dynamodb:us-east-1:123456789012:table/TenantData/index/*",
              "arn:aws:dynamodb:us-east-1:123456789012:table/tenant-silo-${aws:PrincipalTag/api-key-id}"],
  "Condition":{"ForAllValues:StringEquals":{"dynamodb:LeadingKeys":["${aws:PrincipalTag/api-key-id}"]},"Null":{"dynamodb:LeadingKeys":"false"}}},
 {"Sid":"NoScan","Effect":"Deny","Action":"dynamodb:PartiQLSelect","Resource":"arn:aws:dynamodb:us-east-1:123456789012:table/*","Condition":{"Bool":{"dynamodb:FullTableScan":"true"}}},
 {"Sid":"Objects","Effect":"Allow","Action":["s3:GetObject","s3:PutObject","s3:DeleteObject"],"Resource":"arn:aws:s3:::tenant-bucket/${aws:PrincipalTag/api-key-id}/*"},
 {"Sid":"List","Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::tenant-bucket","Condition":{"StringLike":{"s3:prefix":["${aws:PrincipalTag/api-key-id}/","${aws:PrincipalTag/api-key-id}/*"]}}}]}"#;

const SESSION: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["dynamodb:GetItem","dynamodb:Query","s3:GetObject","s3:ListBucket"],"Resource":"*"}]}"#;

fn requests() -> Vec<Request> {
    let tenant = || RequestContext::new().with("aws:PrincipalTag/api-key-id", "k1");
    let table = "arn:aws:dynamodb:us-east-1:123456789012:table/TenantData";
    vec![
        Request::new("dynamodb:GetItem", table)
            .with_context(tenant().with_multi("dynamodb:LeadingKeys", ["k1"])),
        Request::new("dynamodb:Query", table)
            .with_context(tenant().with_multi("dynamodb:LeadingKeys", ["k1x"])),
        Request::new("dynamodb:Scan", table).with_context(tenant()),
        Request::new("s3:GetObject", "arn:aws:s3:::tenant-bucket/k1/doc.txt")
            .with_context(tenant()),
        Request::new("s3:GetObject", "arn:aws:s3:::tenant-bucket/k1x/doc.txt")
            .with_context(tenant()),
        Request::new("s3:ListBucket", "arn:aws:s3:::tenant-bucket")
            .with_context(tenant().with("s3:prefix", "k1/docs/")),
    ]
}

fn decisions(c: &mut Criterion) {
    let identity = [Policy::parse("permissions", PERMISSIONS).expect("parses")];
    let session = Policy::parse("session", SESSION).expect("parses");
    let requests = requests();
    let mut group = c.benchmark_group("evaluate");
    group.throughput(Throughput::Elements(requests.len() as u64));
    group.bench_function("identity only", |b| {
        b.iter(|| {
            requests
                .iter()
                .map(|r| evaluate(r, &identity, None).decision as u8)
                .sum::<u8>()
        });
    });
    group.bench_function("identity and session", |b| {
        b.iter(|| {
            requests
                .iter()
                .map(|r| evaluate(r, &identity, Some(&session)).decision as u8)
                .sum::<u8>()
        });
    });
    group.finish();
}

criterion_group!(benches, decisions);
criterion_main!(benches);

//! Resource discovery from CloudFormation: the DescribeStacks request and
//! how its answers map to resources or errors.

use aws_sdk_cloudformation::operation::describe_stacks::{
    DescribeStacksError, DescribeStacksOutput,
};
use aws_sdk_cloudformation::types::{Output, Stack, StackStatus};
use aws_smithy_mocks::{RuleMode, mock, mock_client};
use aws_smithy_types::error::ErrorMetadata;
use aws_smithy_types::retry::RetryConfig;
use tenant_lifecycle::{Resources, exit_code, stack_outputs};

fn client(rules: &[&aws_smithy_mocks::Rule]) -> aws_sdk_cloudformation::Client {
    mock_client!(
        aws_sdk_cloudformation,
        RuleMode::MatchAny,
        rules.iter().copied(),
        |c| c.retry_config(RetryConfig::disabled())
    )
}

#[tokio::test]
async fn the_stack_outputs_become_resources() {
    let describe = mock!(aws_sdk_cloudformation::Client::describe_stacks)
        .match_requests(|r| r.stack_name() == Some("tcv"))
        .then_output(|| {
            let output = |k: &str, v: &str| Output::builder().output_key(k).output_value(v).build();
            let stack = Stack::builder()
                .stack_name("tcv")
                .stack_status(StackStatus::CreateComplete)
                .outputs(output("TenantTableName", "tcv-Tenants"))
                .outputs(output("PremiumUsagePlanId", "p3"))
                .outputs(output(
                    "TenantRoleArn",
                    "arn:aws:iam::123456789012:role/tcv-TenantRole-X",
                ))
                .outputs(output(
                    "CredentialsEndpoint",
                    "https://example/v1/credentials",
                ))
                .build();
            DescribeStacksOutput::builder().stacks(stack).build()
        });
    let outputs = stack_outputs(&client(&[&describe]), "tcv").await.unwrap();
    let resources = Resources::from_stack_outputs(&outputs);
    assert_eq!(resources.tenant_table.as_deref(), Some("tcv-Tenants"));
    assert_eq!(resources.premium_usage_plan.as_deref(), Some("p3"));
    assert_eq!(
        resources.tenant_role_name.as_deref(),
        Some("tcv-TenantRole-X")
    );
    assert_eq!(resources.data_table, None, "absent outputs stay unset");
}

#[tokio::test]
async fn a_missing_stack_is_bad_input_and_other_failures_are_aws_failures() {
    let missing = mock!(aws_sdk_cloudformation::Client::describe_stacks).then_error(|| {
        DescribeStacksError::generic(ErrorMetadata::builder().code("ValidationError").build())
    });
    let err = stack_outputs(&client(&[&missing]), "nope")
        .await
        .unwrap_err();
    assert_eq!(err.exit_code(), exit_code::INVALID_INPUT);
    assert_eq!(err.to_string(), "invalid stack: no stack named \"nope\"");

    let denied = mock!(aws_sdk_cloudformation::Client::describe_stacks).then_error(|| {
        DescribeStacksError::generic(ErrorMetadata::builder().code("AccessDenied").build())
    });
    let err = stack_outputs(&client(&[&denied]), "tcv").await.unwrap_err();
    assert_eq!(err.exit_code(), exit_code::AWS_FAILED);
    assert!(
        err.to_string()
            .starts_with("describe the stack failed: AccessDenied"),
        "{err}"
    );
}

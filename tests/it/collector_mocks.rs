//! Collector error handling against mocked responses, for what no emulator produces:
//! throttling that clears, and AccessDenied on a single call.

use aws_sdk_lambda::Client;
use aws_sdk_lambda::config::retry::RetryConfig;
use aws_sdk_lambda::operation::get_function::GetFunctionOutput;
use aws_sdk_lambda::operation::get_policy::GetPolicyOutput;
use aws_sdk_lambda::operation::list_aliases::ListAliasesOutput;
use aws_sdk_lambda::operation::list_code_signing_configs::ListCodeSigningConfigsOutput;
use aws_sdk_lambda::operation::list_event_source_mappings::ListEventSourceMappingsOutput;
use aws_sdk_lambda::operation::list_function_event_invoke_configs::ListFunctionEventInvokeConfigsOutput;
use aws_sdk_lambda::operation::list_function_url_configs::ListFunctionUrlConfigsOutput;
use aws_sdk_lambda::operation::list_functions::ListFunctionsOutput;
use aws_sdk_lambda::types::FunctionConfiguration;
use aws_smithy_mocks::{RuleMode, mock, mock_client};
use lambda_audit::collect::lambda::collect_region;
use lambda_audit::collect::limiter::RegionLimiters;
use lambda_audit::collect::{AwsSettings, CollectOptions, Recorder, RegionSelection};
use lambda_audit::inventory::{Collected, FailureKind};
use std::time::Duration;

const ACCOUNT: &str = "111122223333";

fn arn(name: &str) -> String {
    format!("arn:aws:lambda:us-east-1:{ACCOUNT}:function:{name}")
}

fn config(name: &str) -> FunctionConfiguration {
    FunctionConfiguration::builder()
        .function_name(name)
        .function_arn(arn(name))
        .version("$LATEST")
        .role(format!("arn:aws:iam::{ACCOUNT}:role/{name}-role"))
        .build()
}

fn options() -> CollectOptions {
    CollectOptions {
        aws: AwsSettings::default(),
        regions: RegionSelection::Configured,
        exhaustive: false,
        all_function_urls: false,
        rate_fraction: 1.0,
        progress: Default::default(),
    }
}

fn error_body(code: &str, message: &str) -> Option<String> {
    Some(format!(r#"{{"__type":"{code}","message":"{message}"}}"#))
}

#[tokio::test]
async fn throttling_is_retried_and_access_denied_becomes_a_gap() {
    let list = mock!(Client::list_functions).then_output(|| {
        ListFunctionsOutput::builder()
            .functions(config("ok"))
            .functions(config("denied"))
            .build()
    });
    let mappings = mock!(Client::list_event_source_mappings)
        .then_output(|| ListEventSourceMappingsOutput::builder().build());
    let signing = mock!(Client::list_code_signing_configs)
        .then_output(|| ListCodeSigningConfigsOutput::builder().build());
    let details = mock!(Client::get_function).then_output(|| GetFunctionOutput::builder().build());
    let aliases = mock!(Client::list_aliases).then_output(|| ListAliasesOutput::builder().build());
    let throttled_then_ok = mock!(Client::get_policy)
        .match_requests(|r| r.function_name() == Some("ok"))
        .sequence()
        .http_status(429, error_body("TooManyRequestsException", "Rate exceeded"))
        .times(2)
        .output(|| {
            GetPolicyOutput::builder()
                .policy(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Action":"lambda:InvokeFunction","Resource":"*"}]}"#)
                .build()
        })
        .build();
    let denied = mock!(Client::get_policy)
        .match_requests(|r| r.function_name() == Some("denied"))
        .sequence()
        .http_status(
            403,
            error_body(
                "AccessDeniedException",
                "not authorized to perform lambda:GetPolicy",
            ),
        )
        .times(4)
        .build();
    let urls = mock!(Client::list_function_url_configs).then_output(|| {
        ListFunctionUrlConfigsOutput::builder()
            .set_function_url_configs(Some(vec![]))
            .build()
            .expect("complete output")
    });
    let invoke_configs = mock!(Client::list_function_event_invoke_configs)
        .then_output(|| ListFunctionEventInvokeConfigsOutput::builder().build());

    let client = mock_client!(
        aws_sdk_lambda,
        RuleMode::MatchAny,
        [
            &list,
            &mappings,
            &signing,
            &details,
            &aliases,
            &throttled_then_ok,
            &denied,
            &urls,
            &invoke_configs
        ],
        |b| b.retry_config(
            RetryConfig::standard()
                .with_max_attempts(4)
                .with_initial_backoff(Duration::from_millis(1))
                .with_max_backoff(Duration::from_millis(5))
        )
    );
    let recorder = Recorder::new(ACCOUNT);
    let region = collect_region(
        &client,
        "us-east-1",
        &RegionLimiters::new(1.0),
        &options(),
        &recorder,
    )
    .await
    .expect("region is enabled");

    // Two throttles, then success: three attempts, one answer.
    assert_eq!(throttled_then_ok.num_calls(), 3);
    // AccessDenied is not retried.
    assert_eq!(denied.num_calls(), 1);

    let by_name = |n: &str| {
        region
            .functions
            .iter()
            .find(|f| f.name == n)
            .expect("function collected")
    };
    let ok = by_name("ok");
    assert!(matches!(
        &ok.policy,
        Collected::Collected { value: Some(_) }
    ));
    let denied_fn = by_name("denied");
    match &denied_fn.policy {
        Collected::Failed { error } => {
            assert_eq!(error.kind, FailureKind::AccessDenied);
            assert_eq!(error.code, "AccessDeniedException");
            assert_eq!(error.operation, "lambda:GetPolicy");
        }
        other => panic!("expected a failure, got {other:?}"),
    }
    // The rest of the audit completed: tags, aliases and the conservative URL listing for
    // the function whose policy we could not read.
    assert!(denied_fn.tags.value().is_some());
    assert!(denied_fn.aliases.value().is_some());
    assert!(denied_fn.url_configs.value().is_some());

    let gaps = recorder.take();
    assert_eq!(gaps.len(), 1, "{gaps:?}");
    assert_eq!(gaps[0].resource.as_deref(), Some(arn("denied").as_str()));
    assert_eq!(gaps[0].region.as_deref(), Some("us-east-1"));

    // And the checks say "not evaluated" for it instead of passing.
    let mut inventory = crate::support::inventory(vec![]);
    inventory.regions[0] = region;
    let results = lambda_audit::checks::run_all(&inventory);
    assert!(
        results
            .not_evaluated
            .iter()
            .any(|n| n.check_id == "LA101" && n.resource == arn("denied"))
    );
}

#[tokio::test]
async fn a_failed_function_listing_is_recorded_not_reported_clean() {
    let list = mock!(Client::list_functions)
        .sequence()
        .http_status(
            403,
            error_body("AccessDeniedException", "no lambda:ListFunctions"),
        )
        .times(4)
        .build();
    let mappings = mock!(Client::list_event_source_mappings)
        .then_output(|| ListEventSourceMappingsOutput::builder().build());
    let signing = mock!(Client::list_code_signing_configs)
        .then_output(|| ListCodeSigningConfigsOutput::builder().build());
    let client = mock_client!(
        aws_sdk_lambda,
        RuleMode::MatchAny,
        [&list, &mappings, &signing]
    );
    let recorder = Recorder::new(ACCOUNT);
    let region = collect_region(
        &client,
        "us-east-1",
        &RegionLimiters::new(1.0),
        &options(),
        &recorder,
    )
    .await
    .expect("us-east-1 is not an opt-in region");
    assert!(matches!(region.functions_listing, Collected::Failed { .. }));
    let mut inventory = crate::support::inventory(vec![]);
    inventory.regions[0] = region;
    // Guardrails that switch on every check (LA208 judges nothing without required tags).
    let guardrails = lambda_audit::guardrails::Guardrails {
        required_tags: vec!["owner".to_string()],
        ..Default::default()
    };
    let results = lambda_audit::checks::run_with(&inventory, &guardrails);
    // Every function-level check says it could not look, none says "clean". LA204 judges
    // event source mappings, which were listed (empty) and so were seen.
    let region_level = ["LA204"];
    // Drift checks (LA5xx) run only with declarations; their own tests cover this case.
    for check in lambda_audit::checks::registry()
        .iter()
        .filter(|c| !region_level.contains(&c.meta().id))
        .filter(|c| c.meta().family != lambda_audit::checks::Family::Drift)
    {
        assert!(
            results
                .not_evaluated
                .iter()
                .any(|n| n.check_id == check.meta().id),
            "{} did not report the region as not evaluated",
            check.meta().id
        );
    }
}

//! LA203 async-without-failure-destination.

use crate::support::*;
use serde_json::json;

fn s3_grant() -> serde_json::Value {
    policy(
        json!([{"Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"}, "Action": "lambda:InvokeFunction",
        "Resource": "*", "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:s3:::uploads"}}}]),
    )
}

fn invoke_config(name: &str, on_failure: Option<&str>) -> serde_json::Value {
    json!({"target_arn": function_arn(name), "qualifier": null, "maximum_retry_attempts": 2,
        "maximum_event_age_seconds": 3600, "on_success_destination": null, "on_failure_destination": on_failure})
}

#[test]
fn la203_flags_s3_triggered_function_without_dlq_or_destination() {
    let r = run(vec![function(
        "thumbs",
        json!({"policy": s3_grant(), "event_invoke_configs": {"status": "collected", "value": []}}),
    )]);
    let f = findings_of(&r, "LA203");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].evidence["async_sources"], json!(["s3.amazonaws.com"]));
}

#[test]
fn la203_flags_invoke_config_without_on_failure() {
    let r = run(vec![function(
        "cfg",
        json!({"event_invoke_configs": {"status": "collected", "value": [invoke_config("cfg", None)]}}),
    )]);
    assert_eq!(findings_of(&r, "LA203").len(), 1);
}

#[test]
fn la203_passes_with_dlq_or_on_failure_or_sync_only() {
    let r = run(vec![
        function(
            "dlq",
            json!({"policy": s3_grant(), "dead_letter_target_arn": "arn:aws:sqs:us-east-1:111122223333:dlq",
            "event_invoke_configs": {"status": "collected", "value": []}}),
        ),
        function(
            "dest",
            json!({"policy": s3_grant(), "event_invoke_configs": {"status": "collected",
            "value": [invoke_config("dest", Some("arn:aws:sqs:us-east-1:111122223333:failures"))]}}),
        ),
        // API Gateway invokes synchronously: nothing to lose.
        function(
            "api",
            json!({"policy": policy(json!([{"Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"},
            "Action": "lambda:InvokeFunction", "Resource": "*"}])), "event_invoke_configs": {"status": "collected", "value": []}}),
        ),
        // No resource policy: the call plan skipped invoke configs, and nothing async can reach it.
        function(
            "plain",
            json!({"event_invoke_configs": {"status": "not_collected", "reason": "no resource policy"}}),
        ),
    ]);
    assert!(
        findings_of(&r, "LA203").is_empty(),
        "{:?}",
        findings_of(&r, "LA203")
    );
    assert!(r.not_evaluated.iter().all(|n| n.check_id != "LA203"));
}

#[test]
fn la203_reports_not_evaluated_when_configs_or_policies_are_unknown() {
    let r = run(vec![
        function(
            "a",
            json!({"policy": s3_grant(), "event_invoke_configs": failed("lambda:ListFunctionEventInvokeConfigs")}),
        ),
        function("b", json!({"policy": failed("lambda:GetPolicy")})),
    ]);
    assert!(findings_of(&r, "LA203").is_empty());
    assert_eq!(
        r.not_evaluated
            .iter()
            .filter(|n| n.check_id == "LA203")
            .count(),
        2
    );
}

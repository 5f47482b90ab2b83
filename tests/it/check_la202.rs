//! LA202 timeout-exceeds-trigger.

use crate::support::*;
use lambda_audit::checks::run_all;
use lambda_audit::findings::Severity;
use serde_json::{Value, json};

fn rest_api(function: &str, timeout_ms: Value) -> Value {
    json!({"status": "collected", "value": [{
        "id": "api1", "name": "orders", "endpoint_types": ["REGIONAL"],
        "disable_execute_api_endpoint": false, "api_key_source": null, "policy": null,
        "resources": {"status": "collected", "value": [{"id": "r1", "path": "/orders", "methods": [{
            "http_method": "GET", "authorization_type": "AWS_IAM", "authorizer_id": null, "api_key_required": false,
            "integration": {"integration_type": "AWS_PROXY", "uri": null, "timeout_ms": timeout_ms,
                "lambda": {"function_arn": function_arn(function), "qualifier": null}}
        }]}]},
        "authorizers": {"status": "collected", "value": []},
        "stages": {"status": "collected", "value": []}
    }]})
}

fn sqs_region(function: &str, visibility: i64) -> Value {
    let queue = "arn:aws:sqs:us-east-1:111122223333:jobs";
    json!({
        "event_source_mappings": {"status": "collected", "value": [{
            "uuid": "m1", "function_arn": function_arn(function), "event_source_arn": queue,
            "self_managed_endpoints": [], "state": "Enabled", "batch_size": 10, "filter_patterns": [],
            "on_failure_destination": null, "source_access": [], "kms_key_arn": null, "last_modified": null
        }]},
        "queues": {queue: {"status": "collected", "value": {
            "arn": queue, "visibility_timeout_seconds": visibility, "redrive_target_arn": "arn:aws:sqs:us-east-1:111122223333:dlq",
            "max_receive_count": 5, "kms_master_key_id": null, "sqs_managed_sse": true
        }}}
    })
}

fn findings(inv: &lambda_audit::inventory::Inventory) -> Vec<lambda_audit::findings::Finding> {
    run_all(inv)
        .findings
        .into_iter()
        .filter(|f| f.check_id == "LA202")
        .collect()
}

#[test]
fn la202_flags_timeout_beyond_api_gateway_default_and_configured() {
    let inv = inventory_with_region(
        vec![function("slow", json!({"timeout_seconds": 60}))],
        json!({"rest_apis": rest_api("slow", Value::Null)}),
    );
    let f = findings(&inv);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].evidence["integration_timeout_ms"], 29000);
    let inv = inventory_with_region(
        vec![function("f", json!({"timeout_seconds": 10}))],
        json!({"rest_apis": rest_api("f", json!(5000))}),
    );
    assert_eq!(findings(&inv).len(), 1);
}

#[test]
fn la202_flags_timeout_beyond_queue_visibility() {
    let inv = inventory_with_region(
        vec![function("worker", json!({"timeout_seconds": 120}))],
        sqs_region("worker", 30),
    );
    let f = findings(&inv);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].evidence["visibility_timeout_seconds"], 30);
}

#[test]
fn la202_flags_maximum_timeout_on_a_url_function_as_low() {
    let url = json!({"url": "https://x.lambda-url.us-east-1.on.aws/", "target_arn": function_arn("max"), "qualifier": null,
        "auth_type": "AWS_IAM", "cors": null, "invoke_mode": null, "last_modified": null});
    let inv = inventory_with_region(
        vec![function(
            "max",
            json!({"timeout_seconds": 900, "url_configs": {"status": "collected", "value": [url]}}),
        )],
        json!({}),
    );
    let f = findings(&inv);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].severity, Severity::Low);
}

#[test]
fn la202_passes_timeouts_within_their_triggers() {
    let inv = inventory_with_region(
        vec![
            function("quick", json!({"timeout_seconds": 20})),
            function("worker", json!({"timeout_seconds": 30})),
        ],
        {
            let mut patch = sqs_region("worker", 180);
            merge(
                &mut patch,
                &json!({"rest_apis": rest_api("quick", Value::Null)}),
            );
            patch
        },
    );
    assert!(findings(&inv).is_empty());
    // A long timeout with no synchronous trigger is fine.
    let inv = inventory_with_region(
        vec![function("batch", json!({"timeout_seconds": 900}))],
        json!({}),
    );
    assert!(findings(&inv).is_empty());
    assert!(
        run_all(&inv)
            .not_evaluated
            .iter()
            .all(|n| n.check_id != "LA202")
    );
}

#[test]
fn la202_reports_not_evaluated_when_triggers_were_not_seen() {
    let inv = inventory_with_region(
        vec![function("f", json!({"timeout_seconds": 60}))],
        json!({"rest_apis": failed("apigateway:GetRestApis")}),
    );
    assert!(findings(&inv).is_empty());
    assert_eq!(
        run_all(&inv)
            .not_evaluated
            .iter()
            .filter(|n| n.check_id == "LA202")
            .count(),
        1
    );
    let mut patch = sqs_region("worker", 30);
    patch["queues"]["arn:aws:sqs:us-east-1:111122223333:jobs"] = failed("sqs:GetQueueAttributes");
    let inv = inventory_with_region(
        vec![function("worker", json!({"timeout_seconds": 120}))],
        patch,
    );
    assert!(findings(&inv).is_empty());
    assert_eq!(
        run_all(&inv)
            .not_evaluated
            .iter()
            .filter(|n| n.check_id == "LA202")
            .count(),
        1
    );
}

#[test]
fn la202_flags_timeouts_above_the_guardrails_limits() {
    use lambda_audit::guardrails::Guardrails;
    let inv = inventory_with_region(
        vec![function("worker", json!({"timeout_seconds": 120}))],
        sqs_region("worker", 900),
    );
    let mut guardrails = Guardrails::default();
    assert!(
        lambda_audit::checks::run_with(&inv, &guardrails)
            .findings
            .iter()
            .all(|f| f.check_id != "LA202")
    );
    guardrails.max_timeout_seconds.sqs = Some(60);
    let results = lambda_audit::checks::run_with(&inv, &guardrails);
    let f: Vec<_> = results
        .findings
        .iter()
        .filter(|f| f.check_id == "LA202")
        .collect();
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].evidence["guardrail_max_timeout_seconds"], 60);
    // A limit for a trigger the function does not have changes nothing.
    guardrails.max_timeout_seconds.sqs = None;
    guardrails.max_timeout_seconds.api = Some(10);
    assert!(
        lambda_audit::checks::run_with(&inv, &guardrails)
            .findings
            .iter()
            .all(|f| f.check_id != "LA202")
    );
}

//! LA204 event-source-without-failure-handling.

use crate::support::*;
use lambda_audit::checks::run_all;
use lambda_audit::findings::Severity;
use serde_json::{Value, json};

fn mapping(uuid: &str, source: &str, on_failure: Option<&str>) -> Value {
    json!({"uuid": uuid, "function_arn": function_arn("consumer"), "event_source_arn": source,
        "self_managed_endpoints": [], "state": "Enabled", "batch_size": 100, "filter_patterns": [],
        "on_failure_destination": on_failure, "source_access": [], "kms_key_arn": null, "last_modified": null})
}

fn queue(arn: &str, redrive: Option<&str>) -> Value {
    json!({"status": "collected", "value": {"arn": arn, "visibility_timeout_seconds": 300,
        "redrive_target_arn": redrive, "max_receive_count": redrive.map(|_| 5), "kms_master_key_id": null, "sqs_managed_sse": true}})
}

const STREAM: &str = "arn:aws:kinesis:us-east-1:111122223333:stream/clicks";
const TABLE_STREAM: &str =
    "arn:aws:dynamodb:us-east-1:111122223333:table/orders/stream/2026-01-01T00:00:00.000";
const QUEUE: &str = "arn:aws:sqs:us-east-1:111122223333:jobs";

fn check(region_patch: Value) -> (Vec<lambda_audit::findings::Finding>, usize) {
    let inv = inventory_with_region(vec![function("consumer", json!({}))], region_patch);
    let results = run_all(&inv);
    let not_evaluated = results
        .not_evaluated
        .iter()
        .filter(|n| n.check_id == "LA204")
        .count();
    (
        results
            .findings
            .into_iter()
            .filter(|f| f.check_id == "LA204")
            .collect(),
        not_evaluated,
    )
}

#[test]
fn la204_flags_streams_without_on_failure_and_queues_without_redrive() {
    let (f, _) = check(json!({
        "event_source_mappings": {"status": "collected", "value": [mapping("k", STREAM, None), mapping("d", TABLE_STREAM, None), mapping("q", QUEUE, None)]},
        "queues": {QUEUE: queue(QUEUE, None)}
    }));
    let mut kinds: Vec<(String, Severity)> = f
        .iter()
        .map(|x| {
            (
                x.evidence["mapping_uuid"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                x.severity,
            )
        })
        .collect();
    kinds.sort();
    assert_eq!(
        kinds,
        vec![
            ("d".into(), Severity::Medium),
            ("k".into(), Severity::Medium),
            ("q".into(), Severity::Low)
        ]
    );
}

#[test]
fn la204_passes_mappings_with_failure_handling() {
    let (f, n) = check(json!({
        "event_source_mappings": {"status": "collected", "value": [
            mapping("k", STREAM, Some("arn:aws:sqs:us-east-1:111122223333:failed-records")),
            mapping("q", QUEUE, None)
        ]},
        "queues": {QUEUE: queue(QUEUE, Some("arn:aws:sqs:us-east-1:111122223333:jobs-dlq"))}
    }));
    assert!(f.is_empty(), "{f:?}");
    assert_eq!(n, 0);
}

#[test]
fn la204_reports_not_evaluated_when_queue_or_mappings_unknown() {
    let (f, n) = check(json!({
        "event_source_mappings": {"status": "collected", "value": [mapping("q", QUEUE, None)]},
        "queues": {QUEUE: failed("sqs:GetQueueAttributes")}
    }));
    assert!(f.is_empty());
    assert_eq!(n, 1);
    let (f, n) = check(json!({"event_source_mappings": failed("lambda:ListEventSourceMappings")}));
    assert!(f.is_empty());
    assert_eq!(n, 1);
}

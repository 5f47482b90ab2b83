//! LA205 no-reserved-concurrency.

use crate::support::*;
use serde_json::json;

#[test]
fn la205_flags_function_without_reserved_concurrency() {
    let r = run(vec![function("f", json!({}))]);
    let f = findings_of(&r, "LA205");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].resource_arn, function_arn("f"));
    assert_eq!(f[0].severity, lambda_audit::findings::Severity::Info);
}

#[test]
fn la205_passes_reserved_concurrency_including_zero() {
    let r = run(vec![
        function(
            "a",
            json!({"reserved_concurrency": {"status": "collected", "value": 50}}),
        ),
        function(
            "off",
            json!({"reserved_concurrency": {"status": "collected", "value": 0}}),
        ),
    ]);
    assert!(findings_of(&r, "LA205").is_empty());
}

#[test]
fn la205_reports_failed_call_as_not_evaluated() {
    let r = run(vec![function(
        "f",
        json!({"reserved_concurrency": failed("lambda:GetFunctionConcurrency")}),
    )]);
    assert!(findings_of(&r, "LA205").is_empty());
    let ne: Vec<_> = r
        .not_evaluated
        .iter()
        .filter(|n| n.check_id == "LA205")
        .collect();
    assert_eq!(ne.len(), 1);
    assert!(
        ne[0].reason.contains("GetFunctionConcurrency"),
        "{}",
        ne[0].reason
    );
}

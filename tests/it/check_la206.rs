//! LA206 tracing-disabled.

use crate::support::*;
use serde_json::json;

#[test]
fn la206_flags_passthrough_and_missing_tracing() {
    let r = run(vec![
        function("p", json!({"tracing_mode": "PassThrough"})),
        function("n", json!({"tracing_mode": null})),
    ]);
    let mut arns: Vec<_> = findings_of(&r, "LA206")
        .iter()
        .map(|f| f.resource_arn.clone())
        .collect();
    arns.sort();
    assert_eq!(arns, vec![function_arn("n"), function_arn("p")]);
}

#[test]
fn la206_passes_active_tracing() {
    let r = run(vec![function("a", json!({"tracing_mode": "Active"}))]);
    assert!(findings_of(&r, "LA206").is_empty());
}

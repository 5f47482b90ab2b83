//! LA302 environment-without-cmk.

use crate::support::*;
use lambda_audit::inventory::secrets::redact_env;
use serde_json::json;

fn env(pairs: &[(&str, &str)]) -> serde_json::Value {
    serde_json::to_value(redact_env(
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())),
    ))
    .expect("serializes")
}

#[test]
fn la302_flags_environment_with_aws_managed_key_only() {
    let r = run(vec![function(
        "f",
        json!({"environment": env(&[("TABLE_NAME", "orders"), ("LOG_LEVEL", "info")])}),
    )]);
    let f = findings_of(&r, "LA302");
    assert_eq!(f.len(), 1);
    assert_eq!(
        f[0].evidence["variables"],
        json!(["LOG_LEVEL", "TABLE_NAME"])
    );
    let text = serde_json::to_string(&f[0]).unwrap_or_default();
    assert!(!text.contains("orders"), "a value leaked: {text}");
}

#[test]
fn la302_passes_customer_key_or_empty_environment() {
    let r = run(vec![
        function(
            "cmk",
            json!({"environment": env(&[("TABLE_NAME", "orders")]),
                   "kms_key_arn": "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"}),
        ),
        function("empty", json!({})),
    ]);
    assert!(findings_of(&r, "LA302").is_empty());
}

#[test]
fn la302_reports_undecryptable_environment_as_not_evaluated() {
    let r = run(vec![function(
        "k",
        json!({"environment_error": "KMSAccessDeniedException: denied"}),
    )]);
    assert!(findings_of(&r, "LA302").is_empty());
    assert_eq!(
        r.not_evaluated
            .iter()
            .filter(|n| n.check_id == "LA302")
            .count(),
        1
    );
}

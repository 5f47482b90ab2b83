//! LA301 secret-in-environment. Fixtures hold only redacted values, as the inventory does.

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
fn la301_flags_credentials_in_latest_and_in_versions() {
    let arn = function_arn("s");
    let r = run(vec![function(
        "s",
        json!({
            "environment": env(&[("DB_PASSWORD", "Zx8q-91kd-PPq2-vv7a"), ("LOG_LEVEL", "info")]),
            "versions": [{
                "version": "4", "arn": format!("{arn}:4"), "role": "r", "runtime": null,
                "description": null, "code_sha256": null, "last_modified": null,
                "environment": env(&[("STRIPE_KEY", "sk_live_51HqLyjWDarjtT1zdp7dcXYZ")]), "policy": {"status": "collected", "value": null}
            }]
        }),
    )]);
    let f = findings_of(&r, "LA301");
    let vars: Vec<_> = f
        .iter()
        .map(|x| (x.resource_arn.clone(), x.evidence["variable"].clone()))
        .collect();
    assert_eq!(
        vars,
        vec![
            (arn.clone(), json!("DB_PASSWORD")),
            (format!("{arn}:4"), json!("STRIPE_KEY"))
        ]
    );
    let text = serde_json::to_string(&r.findings).unwrap_or_default();
    assert!(
        !text.contains("Zx8q-91kd") && !text.contains("sk_live_51Hq"),
        "a value leaked: {text}"
    );
}

#[test]
fn la301_passes_benign_lookalikes() {
    let r = run(vec![function(
        "b",
        json!({"environment": env(&[
            ("LOG_LEVEL", "debug"),
            ("DB_PASSWORD_ARN", "arn:aws:secretsmanager:us-east-1:111122223333:secret:db-AbCdEf"),
            ("API_TOKEN_PARAM", "/prod/api/token"),
            ("FEATURE_ENABLED", "true"),
            ("SERVICE_URL", "https://api.example.com/v1/orders"),
            ("TABLE_NAME", "orders-table-prod"),
        ])}),
    )]);
    assert!(
        findings_of(&r, "LA301").is_empty(),
        "{:?}",
        findings_of(&r, "LA301")
    );
}

#[test]
fn la301_reports_not_evaluated_when_lambda_could_not_decrypt() {
    let r = run(vec![function(
        "k",
        json!({"environment_error": "KMSAccessDeniedException: denied"}),
    )]);
    assert!(findings_of(&r, "LA301").is_empty());
    assert_eq!(
        r.not_evaluated
            .iter()
            .filter(|n| n.check_id == "LA301")
            .count(),
        1
    );
}

//! LA405 excess-permissions and LA406 missing-permissions share the least-privilege
//! analysis; these fixtures exercise both through the registry.

use crate::support::*;
use lambda_audit::checks::run_all;
use lambda_audit::findings::Severity;
use serde_json::{Value, json};

const ACCOUNT: &str = "111122223333";

fn with_role(statements: Value) -> lambda_audit::inventory::Inventory {
    let mut inv = serde_json::to_value(inventory(vec![function(
        "f",
        json!({"role": format!("arn:aws:iam::{ACCOUNT}:role/r")}),
    )]))
    .expect("serializes");
    inv["iam"]["roles"] = json!({"status": "collected", "value": [{
        "name": "r", "arn": format!("arn:aws:iam::{ACCOUNT}:role/r"), "path": "/", "trust_policy": null,
        "inline_policies": [{"name": "p", "document": {"Version": "2012-10-17", "Statement": statements}}],
        "attached_managed_policies": [], "permissions_boundary_arn": null, "last_used": null,
        "last_used_region": null, "tags": {}, "unreadable_policies": []
    }]});
    serde_json::from_value(inv).expect("valid")
}

fn logs() -> Value {
    json!({"Effect": "Allow", "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": format!("arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/lambda/f:*")})
}

fn of(inv: &lambda_audit::inventory::Inventory, id: &str) -> Vec<lambda_audit::findings::Finding> {
    run_all(inv)
        .findings
        .into_iter()
        .filter(|f| f.check_id == id)
        .collect()
}

#[test]
fn la405_flags_write_on_star_as_high_and_scoped_reads_as_low() {
    let f = of(
        &with_role(json!([logs(), {"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}])),
        "LA405",
    );
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].severity, Severity::High);
    assert_eq!(f[0].evidence["excess"][0]["service"], "dynamodb");
    let f = of(
        &with_role(json!([logs(), {"Effect": "Allow", "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::reports/*"}])),
        "LA405",
    );
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].severity, Severity::Low);
}

#[test]
fn la405_passes_a_role_scoped_to_the_baseline() {
    let inv = with_role(json!([logs()]));
    assert!(of(&inv, "LA405").is_empty());
    assert!(
        run_all(&inv)
            .not_evaluated
            .iter()
            .all(|n| n.check_id != "LA405")
    );
}

#[test]
fn la406_flags_a_role_that_cannot_write_its_logs() {
    let f = of(
        &with_role(
            json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]),
        ),
        "LA406",
    );
    assert_eq!(f.len(), 1);
    let missing: Vec<&str> = f[0].evidence["missing"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|m| m["action"].as_str())
        .collect();
    assert_eq!(
        missing,
        vec![
            "logs:CreateLogGroup",
            "logs:CreateLogStream",
            "logs:PutLogEvents"
        ]
    );
}

#[test]
fn la406_passes_when_deny_spares_the_needs_and_flags_when_it_does_not() {
    let inv = with_role(json!([logs(), {"Effect": "Deny", "Action": "s3:*", "Resource": "*"}]));
    assert!(of(&inv, "LA406").is_empty());
    let inv = with_role(
        json!([logs(), {"Effect": "Deny", "Action": "logs:PutLogEvents", "Resource": "*"}]),
    );
    let f = of(&inv, "LA406");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].evidence["missing"][0]["decision"], "explicit deny");
}

#[test]
fn la405_and_la406_report_not_evaluated_without_the_role() {
    let inv = inventory(vec![function(
        "f",
        json!({"role": format!("arn:aws:iam::{ACCOUNT}:role/gone")}),
    )]);
    let results = run_all(&inv);
    for id in ["LA405", "LA406"] {
        assert!(results.findings.iter().all(|f| f.check_id != id));
        assert!(
            results.not_evaluated.iter().any(|n| n.check_id == id),
            "{id}"
        );
    }
}

//! LA403 data-exfiltration-on-star.

use crate::check_la401::*;
use crate::support::*;
use serde_json::json;

#[test]
fn la403_flags_reads_on_star_and_on_wildcard_accounts_and_buckets() {
    let r = run_role(
        vec![doc(json!([
            allow(json!("s3:GetObject"), json!("*")),
            allow(json!("secretsmanager:GetSecretValue"), json!("arn:aws:secretsmanager:*:*:secret:*")),
            allow(json!("s3:GetObjectVersion"), json!("arn:aws:s3:::data-*/*")),
            {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*",
             "Condition": {"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}}}
        ]))],
        &[],
        None,
        vec![],
    );
    let f = findings_of(&r, "LA403");
    assert_eq!(f.len(), 1, "{f:?}");
    let actions = f[0].evidence["actions"].as_array().unwrap();
    let by = |a: &str| actions.iter().find(|x| x["action"] == a).cloned();
    assert_eq!(by("s3:GetObject").unwrap()["resource"], "*");
    assert_eq!(
        by("secretsmanager:GetSecretValue").unwrap()["resource"],
        "arn:aws:secretsmanager:*:*:secret:*"
    );
    assert_eq!(
        by("s3:GetObjectVersion").unwrap()["resource"],
        "arn:aws:s3:::data-*/*"
    );
    assert_eq!(by("kms:Decrypt").unwrap()["conditional"], true);
    assert!(by("dynamodb:Scan").is_none());
    assert_eq!(f[0].evidence["role_arn"], role_arn("r"));
    assert_eq!(f[0].evidence["conditional"], false);
    assert!(
        by("s3:GetObject").unwrap()["reference"]
            .as_str()
            .unwrap()
            .starts_with("https://")
    );
}

#[test]
fn la403_flags_a_service_wildcard_through_a_managed_policy() {
    let p = policy_arn("reader");
    let r = run_role(
        vec![],
        &[&p],
        None,
        vec![managed(
            &p,
            doc(json!([allow(
                json!(["dynamodb:*", "ssm:Get*"]),
                json!("*")
            )])),
        )],
    );
    let f = findings_of(&r, "LA403");
    assert_eq!(f.len(), 1);
    let actions: Vec<&str> = f[0].evidence["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["action"].as_str().unwrap())
        .collect();
    assert!(actions.contains(&"dynamodb:Scan") && actions.contains(&"ssm:GetParametersByPath"));
    assert!(
        f[0].evidence["statements"][0]["source"]
            .as_str()
            .unwrap()
            .starts_with("managed policy reader")
    );
}

#[test]
fn la403_passes_scoped_reads_and_denied_ones() {
    let r = run_role(
        vec![doc(json!([
            allow(json!("s3:GetObject"), json!("arn:aws:s3:::orders/*")),
            allow(
                json!("secretsmanager:GetSecretValue"),
                json!("arn:aws:secretsmanager:us-east-1:111122223333:secret:orders-*")
            ),
            allow(json!("sqs:ReceiveMessage"), json!("*")),
            deny(json!("sqs:*"), json!("*"))
        ]))],
        &[],
        None,
        vec![],
    );
    assert!(
        findings_of(&r, "LA403").is_empty(),
        "{:?}",
        findings_of(&r, "LA403")
    );
    assert!(not_evaluated_of(&r, "LA403").is_empty());
}

#[test]
fn la403_passes_when_the_boundary_excludes_the_reads() {
    let boundary = policy_arn("no-data");
    let r = run_role(
        vec![doc(json!([allow(json!("s3:GetObject"), json!("*"))]))],
        &[],
        Some(&boundary),
        vec![managed(
            &boundary,
            doc(json!([allow(json!("logs:*"), json!("*"))])),
        )],
    );
    assert!(findings_of(&r, "LA403").is_empty());
}

#[test]
fn la403_reports_not_evaluated_for_a_missing_role() {
    let inv = inventory_with_iam(vec![function_with_role("f", "gone")], vec![], vec![]);
    let r = lambda_audit::checks::run_all(&inv);
    assert!(findings_of(&r, "LA403").is_empty());
    assert_eq!(not_evaluated_of(&r, "LA403").len(), 1);
}

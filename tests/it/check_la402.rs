//! LA402 service-wide-or-write-on-star.

use crate::check_la401::*;
use crate::support::*;
use lambda_audit::policy::catalogue::{AccessLevel, Catalogue};
use serde_json::json;

#[test]
fn la402_flags_service_wide_and_ranks_permissions_management_first() {
    let r = run_role(
        vec![doc(json!([
            allow(json!("s3:*"), json!("*")),
            allow(json!(["iam:PutRolePolicy", "dynamodb:PutItem"]), json!("*"))
        ]))],
        &[],
        None,
        vec![],
    );
    let f = findings_of(&r, "LA402");
    assert_eq!(f.len(), 1, "{f:?}");
    let e = &f[0].evidence;
    assert_eq!(e["role_arn"], role_arn("r"));
    let services = e["services"].as_array().unwrap();
    // s3 has Permissions-management actions too (PutBucketPolicy…) and more of them.
    let names: Vec<&str> = services
        .iter()
        .map(|s| s["service"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"s3") && names.contains(&"iam") && names.contains(&"dynamodb"));
    assert_eq!(names.last(), Some(&"dynamodb"), "{names:?}");
    let s3 = services.iter().find(|s| s["service"] == "s3").unwrap();
    assert_eq!(s3["service_wide_patterns"], json!(["s3:*"]));
    assert!(s3["count"].as_u64().unwrap() > 10);
    assert_eq!(s3["actions"].as_array().unwrap().len(), 10);
    // Permissions management first within the service.
    assert!(s3["permissions_management_count"].as_u64().unwrap() > 0);
    let level = |a: &serde_json::Value| {
        Catalogue::global()
            .action(a.as_str().unwrap())
            .unwrap()
            .access_level
    };
    assert_eq!(level(&s3["actions"][0]), AccessLevel::PermissionsManagement);
    let iam = services.iter().find(|s| s["service"] == "iam").unwrap();
    assert_eq!(iam["actions"], json!(["iam:PutRolePolicy"]));
    assert!(!e["statements"].as_array().unwrap().is_empty());
}

#[test]
fn la402_passes_scoped_grants_unscopable_actions_and_denied_ones() {
    let r = run_role(
        vec![doc(json!([
            allow(
                json!("s3:*"),
                json!(["arn:aws:s3:::orders", "arn:aws:s3:::orders/*"])
            ),
            allow(
                json!([
                    "xray:PutTraceSegments",
                    "xray:PutTelemetryRecords",
                    "ec2:DescribeNetworkInterfaces",
                    "logs:DescribeLogGroups"
                ]),
                json!("*")
            ),
            allow(json!(["s3:Get*", "dynamodb:Query"]), json!("*")),
            allow(json!("sqs:*"), json!("*")),
            deny(json!("sqs:*"), json!("*"))
        ]))],
        &[],
        None,
        vec![],
    );
    assert!(
        findings_of(&r, "LA402").is_empty(),
        "{:?}",
        findings_of(&r, "LA402")
    );
    assert!(not_evaluated_of(&r, "LA402").is_empty());
}

#[test]
fn la402_passes_administrators_left_to_la401() {
    let r = run_role(vec![], &[ADMIN_ARN], None, vec![]);
    assert_eq!(findings_of(&r, "LA401").len(), 1);
    assert!(findings_of(&r, "LA402").is_empty());
}

#[test]
fn la402_flags_power_user_and_conditional_grants() {
    let power_user = doc(json!([
        {"Effect": "Allow", "NotAction": ["iam:*", "organizations:*", "account:*"], "Resource": "*"}
    ]));
    let r = run_role(vec![power_user], &[], None, vec![]);
    assert_eq!(findings_of(&r, "LA402").len(), 1);

    let r = run_role(
        vec![doc(
            json!([{"Effect": "Allow", "Action": "sns:Publish", "Resource": "*",
            "Condition": {"StringEquals": {"aws:ResourceTag/team": "orders"}}}]),
        )],
        &[],
        None,
        vec![],
    );
    let f = findings_of(&r, "LA402");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].evidence["services"][0]["conditional"], true);
}

#[test]
fn la402_reports_not_evaluated_for_an_unknown_boundary() {
    let boundary = policy_arn("boundary");
    let r = run_role(
        vec![doc(json!([allow(json!("s3:*"), json!("*"))]))],
        &[],
        Some(&boundary),
        vec![],
    );
    assert!(findings_of(&r, "LA402").is_empty());
    let reasons = not_evaluated_of(&r, "LA402");
    assert_eq!(reasons.len(), 1);
    assert!(reasons[0].contains("permissions boundary"), "{reasons:?}");
}

#[test]
fn la402_flags_arn_wildcard_resources_and_ignores_partial_denies() {
    let r = run_role(
        vec![doc(json!([
            allow(json!("dynamodb:DeleteTable"), json!("arn:*")),
            allow(json!("sqs:DeleteQueue"), json!("arn:*:*:*:*:*")),
            deny(
                json!("dynamodb:*"),
                json!("arn:aws:dynamodb:us-east-1:111122223333:table/keep")
            )
        ]))],
        &[],
        None,
        vec![],
    );
    let f = findings_of(&r, "LA402");
    assert_eq!(f.len(), 1, "{f:?}");
    let services: Vec<&str> = f[0].evidence["services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["service"].as_str().unwrap())
        .collect();
    assert_eq!(services, vec!["dynamodb", "sqs"]);
}

//! LA404 privilege-escalation-path.

use crate::check_la401::*;
use crate::support::*;
use lambda_audit::checks::run_all;
use lambda_audit::findings::Severity;
use serde_json::{Value, json};

fn path_names(f: &lambda_audit::findings::Finding) -> Vec<String> {
    f.evidence["paths"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_string())
        .collect()
}

fn two_roles(statements: Value) -> lambda_audit::inventory::Inventory {
    inventory_with_iam(
        vec![
            function_with_role("f", "r"),
            function_with_role("g", "other"),
        ],
        vec![
            role("r", vec![doc(statements)], &[], None),
            role("other", vec![], &[], None),
        ],
        vec![],
    )
}

#[test]
fn la404_flags_pass_role_with_new_lambda_and_own_role_policy() {
    let r = run_all(&two_roles(json!([
        allow(
            json!([
                "iam:PassRole",
                "lambda:CreateFunction",
                "lambda:InvokeFunction"
            ]),
            json!("*")
        ),
        allow(json!("iam:PutRolePolicy"), json!(role_arn("r")))
    ])));
    let f: Vec<_> = findings_of(&r, "LA404")
        .into_iter()
        .filter(|f| f.function_name.as_deref() == Some("f"))
        .collect();
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0].severity, Severity::Critical);
    assert_eq!(f[0].evidence["role_arn"], role_arn("r"));
    let names = path_names(f[0]);
    assert!(
        names.contains(&"pass-role-to-new-lambda-then-invoke".to_string()),
        "{names:?}"
    );
    assert!(names.contains(&"put-role-policy".to_string()), "{names:?}");
    assert!(!names.contains(&"pass-role-to-ec2".to_string()));
    let path = &f[0].evidence["paths"][0];
    assert!(path["reference"].as_str().unwrap().starts_with("https://"));
    assert!(!f[0].evidence["statements"].as_array().unwrap().is_empty());
}

#[test]
fn la404_flags_update_code_of_other_functions_and_assume_role_on_star() {
    let r = run_all(&two_roles(json!([
        allow(
            json!("lambda:UpdateFunctionCode"),
            json!("arn:aws:lambda:us-east-1:111122223333:function:*")
        ),
        allow(json!("sts:AssumeRole"), json!("*"))
    ])));
    let f = findings_of(&r, "LA404");
    assert_eq!(f.len(), 1, "{f:?}");
    let names = path_names(f[0]);
    assert_eq!(names, vec!["update-other-function-code", "assume-any-role"]);
    let step = &f[0].evidence["paths"][0]["actions"][0];
    assert_eq!(step["resource"], function_arn("g"));
}

#[test]
fn la404_passes_own_role_own_code_and_named_assume_role() {
    let r = run_all(&two_roles(json!([
        // Passing its own role to a new function gains nothing.
        allow(json!("iam:PassRole"), json!(role_arn("r"))),
        allow(
            json!(["lambda:CreateFunction", "lambda:InvokeFunction"]),
            json!("*")
        ),
        // Updating its own code only.
        allow(json!("lambda:UpdateFunctionCode"), json!(function_arn("f"))),
        allow(json!("sts:AssumeRole"), json!(role_arn("other")))
    ])));
    assert!(
        findings_of(&r, "LA404").is_empty(),
        "{:?}",
        findings_of(&r, "LA404")
    );
    assert!(not_evaluated_of(&r, "LA404").is_empty());
}

#[test]
fn la404_passes_when_a_deny_overrides_and_flags_conditional_as_high() {
    let r = run_all(&two_roles(json!([
        allow(json!("iam:*"), json!("*")),
        deny(
            json!([
                "iam:Put*",
                "iam:Attach*",
                "iam:Create*",
                "iam:Update*",
                "iam:Set*",
                "iam:PassRole",
                "iam:AddUserToGroup"
            ]),
            json!("*")
        )
    ])));
    assert!(
        findings_of(&r, "LA404").is_empty(),
        "{:?}",
        findings_of(&r, "LA404")
    );

    let r = run_all(&two_roles(json!([
        {"Effect": "Allow", "Action": "iam:AttachRolePolicy", "Resource": "*",
         "Condition": {"ArnEquals": {"iam:PolicyARN": "arn:aws:iam::aws:policy/ReadOnlyAccess"}}}
    ])));
    let f = findings_of(&r, "LA404");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].severity, Severity::High);
    assert_eq!(f[0].evidence["conditional"], true);
}

#[test]
fn la404_reports_not_evaluated_for_an_unknown_managed_policy() {
    let p = policy_arn("unknown");
    let r = run_role(vec![], &[&p], None, vec![]);
    assert!(findings_of(&r, "LA404").is_empty());
    let reasons = not_evaluated_of(&r, "LA404");
    assert_eq!(reasons.len(), 1);
    assert!(
        reasons[0].contains("not among the collected managed policies"),
        "{reasons:?}"
    );
}

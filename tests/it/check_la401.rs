//! LA401 administrator-access, and the IAM fixture helpers LA402–LA404 share.

use crate::support::*;
use lambda_audit::checks::{CheckResults, run_all};
use lambda_audit::findings::Severity;
use lambda_audit::inventory::Inventory;
use serde_json::{Value, json};

pub const ADMIN_ARN: &str = "arn:aws:iam::aws:policy/AdministratorAccess";

pub fn role_arn(name: &str) -> String {
    format!("arn:aws:iam::111122223333:role/{name}")
}

pub fn policy_arn(name: &str) -> String {
    format!("arn:aws:iam::111122223333:policy/{name}")
}

/// A role: inline policy documents (named `inline0`…), attached managed policy ARNs and an
/// optional boundary ARN.
pub fn role(name: &str, inline: Vec<Value>, attached: &[&str], boundary: Option<&str>) -> Value {
    json!({
        "name": name, "arn": role_arn(name), "path": "/", "trust_policy": null,
        "inline_policies": inline.iter().enumerate()
            .map(|(i, d)| json!({"name": format!("inline{i}"), "document": d}))
            .collect::<Vec<_>>(),
        "attached_managed_policies": attached.iter()
            .map(|a| json!({"name": a.rsplit('/').next().unwrap(), "arn": a}))
            .collect::<Vec<_>>(),
        "permissions_boundary_arn": boundary,
        "last_used": null, "last_used_region": null, "tags": {}
    })
}

/// A customer managed policy (`document` null: IAM returned none).
pub fn managed(arn: &str, document: Value) -> Value {
    json!({"name": arn.rsplit('/').next().unwrap(), "arn": arn,
           "aws_managed": arn.contains(":aws:policy/"), "default_version_id": "v1",
           "attachment_count": 1,
           "document": if document.is_null() { Value::Null } else { document }})
}

pub fn doc(statements: Value) -> Value {
    json!({"Version": "2012-10-17", "Statement": statements})
}

pub fn allow(action: Value, resource: Value) -> Value {
    json!({"Effect": "Allow", "Action": action, "Resource": resource})
}

pub fn deny(action: Value, resource: Value) -> Value {
    json!({"Effect": "Deny", "Action": action, "Resource": resource})
}

/// A function `name` running with role `role_name`.
pub fn function_with_role(name: &str, role_name: &str) -> Value {
    function(name, json!({"role": role_arn(role_name)}))
}

/// The base inventory with `functions`, IAM roles and managed policies collected.
pub fn inventory_with_iam(
    functions: Vec<Value>,
    roles: Vec<Value>,
    managed: Vec<Value>,
) -> Inventory {
    let mut inv = serde_json::to_value(inventory(functions)).expect("serializes");
    inv["iam"]["roles"] = json!({"status": "collected", "value": roles});
    inv["iam"]["managed_policies"] = json!({"status": "collected", "value": managed});
    serde_json::from_value(inv).expect("fixture matches the inventory schema")
}

/// One function `f` with role `r` made of `inline` documents, `attached` and `boundary`.
pub fn run_role(
    inline: Vec<Value>,
    attached: &[&str],
    boundary: Option<&str>,
    managed: Vec<Value>,
) -> CheckResults {
    run_all(&inventory_with_iam(
        vec![function_with_role("f", "r")],
        vec![role("r", inline, attached, boundary)],
        managed,
    ))
}

pub fn not_evaluated_of<'a>(r: &'a CheckResults, id: &str) -> Vec<&'a str> {
    r.not_evaluated
        .iter()
        .filter(|n| n.check_id == id)
        .map(|n| n.reason.as_str())
        .collect()
}

#[test]
fn la401_flags_administrator_access_even_without_its_document() {
    let r = run_role(vec![], &[ADMIN_ARN], None, vec![]);
    let f = findings_of(&r, "LA401");
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0].severity, Severity::Critical);
    assert_eq!(f[0].resource_arn, function_arn("f"));
    assert_eq!(f[0].evidence["role_arn"], role_arn("r"));
    assert_eq!(f[0].evidence["basis"], "administrator-access");
    assert!(
        f[0].evidence["statements"][0]["source"]
            .as_str()
            .unwrap()
            .contains("AdministratorAccess")
    );
    assert!(not_evaluated_of(&r, "LA401").is_empty());
}

#[test]
fn la401_flags_inline_star_and_one_finding_per_function() {
    let inv = inventory_with_iam(
        vec![function_with_role("a", "r"), function_with_role("b", "r")],
        vec![role(
            "r",
            vec![doc(json!([allow(json!("*"), json!("*"))]))],
            &[],
            None,
        )],
        vec![],
    );
    let r = run_all(&inv);
    let f = findings_of(&r, "LA401");
    assert_eq!(f.len(), 2);
    assert_eq!(f[0].evidence["basis"], "unconditional-admin");
    assert!(f[0].evidence["statements"][0]["source"] == "inline policy inline0 statement 0");
}

#[test]
fn la401_flags_not_action_iam_as_admin_equivalent() {
    let r = run_role(
        vec![doc(
            json!([{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}]),
        )],
        &[],
        None,
        vec![],
    );
    let f = findings_of(&r, "LA401");
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0].evidence["basis"], "admin-equivalent");
    assert_eq!(f[0].evidence["excluded_services"], json!(["iam"]));
}

#[test]
fn la401_flags_star_with_an_iam_deny_as_admin_equivalent() {
    let r = run_role(
        vec![doc(json!([
            allow(json!("*"), json!("*")),
            deny(json!("iam:*"), json!("*"))
        ]))],
        &[],
        None,
        vec![],
    );
    assert_eq!(findings_of(&r, "LA401").len(), 1);
}

#[test]
fn la401_passes_when_the_boundary_cuts_administrator_access() {
    let boundary = policy_arn("s3-only");
    let r = run_role(
        vec![],
        &[ADMIN_ARN],
        Some(&boundary),
        vec![managed(
            &boundary,
            doc(json!([allow(json!("s3:*"), json!("*"))])),
        )],
    );
    assert!(findings_of(&r, "LA401").is_empty());
    assert!(not_evaluated_of(&r, "LA401").is_empty());
    let summary = r.per_check.iter().find(|c| c.check_id == "LA401").unwrap();
    assert_eq!(summary.evaluated, 1);
}

#[test]
fn la401_passes_power_user_and_denies_removing_two_services() {
    let power_user = doc(json!([
        {"Effect": "Allow", "NotAction": ["iam:*", "organizations:*", "account:*"], "Resource": "*"}
    ]));
    let r = run_role(vec![power_user], &[], None, vec![]);
    assert!(findings_of(&r, "LA401").is_empty());
    let r = run_role(
        vec![doc(json!([
            allow(json!("*"), json!("*")),
            deny(json!(["iam:*", "dynamodb:*"]), json!("*"))
        ]))],
        &[],
        None,
        vec![],
    );
    assert!(findings_of(&r, "LA401").is_empty());
    // A conditional Allow of everything is not an administrator grant.
    let r = run_role(
        vec![doc(
            json!([{"Effect": "Allow", "Action": "*", "Resource": "*",
            "Condition": {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}}]),
        )],
        &[],
        None,
        vec![],
    );
    assert!(findings_of(&r, "LA401").is_empty());
}

#[test]
fn la401_flags_conditional_boundary_as_high() {
    let boundary = policy_arn("regional");
    let r = run_role(
        vec![],
        &[ADMIN_ARN],
        Some(&boundary),
        vec![managed(
            &boundary,
            doc(json!([{"Effect": "Allow", "Action": "*", "Resource": "*",
                "Condition": {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}}])),
        )],
    );
    let f = findings_of(&r, "LA401");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].severity, Severity::High);
    assert_eq!(f[0].evidence["conditional"], true);
}

#[test]
fn la401_reports_not_evaluated_for_missing_role_and_unknown_documents() {
    // The role is not in the inventory.
    let inv = inventory_with_iam(vec![function_with_role("f", "gone")], vec![], vec![]);
    let r = run_all(&inv);
    assert!(findings_of(&r, "LA401").is_empty());
    let reasons = not_evaluated_of(&r, "LA401");
    assert_eq!(reasons.len(), 1);
    assert!(
        reasons[0].contains("not among the collected IAM roles"),
        "{reasons:?}"
    );

    // An attached customer managed policy without document, next to an admin inline.
    let unknown = policy_arn("mystery");
    let r = run_role(
        vec![doc(json!([allow(json!("*"), json!("*"))]))],
        &[&unknown],
        None,
        vec![managed(&unknown, Value::Null)],
    );
    assert!(findings_of(&r, "LA401").is_empty());
    let reasons = not_evaluated_of(&r, "LA401");
    assert_eq!(reasons.len(), 1);
    assert!(reasons[0].contains("mystery"), "{reasons:?}");

    // IAM roles could not be listed at all.
    let mut inv = serde_json::to_value(inventory(vec![function_with_role("f", "r")])).unwrap();
    inv["iam"]["roles"] = failed("iam:GetAccountAuthorizationDetails");
    let inv: Inventory = serde_json::from_value(inv).unwrap();
    let r = run_all(&inv);
    assert_eq!(not_evaluated_of(&r, "LA401").len(), 1);
    assert!(findings_of(&r, "LA401").is_empty());
}

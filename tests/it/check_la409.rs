//! LA409 others-can-modify-function.

use crate::support::*;
use lambda_audit::checks::{CheckResults, run_all};
use lambda_audit::findings::Severity;
use serde_json::{Value, json};

const FN_ROLE: &str = "arn:aws:iam::111122223333:role/fixture-role";

fn doc(statements: Value) -> Value {
    json!({"Version": "2012-10-17", "Statement": statements})
}

fn inline(statements: Value) -> Value {
    json!({"inline_policies": [{"name": "p", "document": doc(statements)}]})
}

fn user(name: &str, groups: &[&str], statements: Value) -> Value {
    json!({"name": name, "arn": format!("arn:aws:iam::111122223333:user/{name}"),
        "inline_policies": if statements.is_null() { json!([]) }
            else { json!([{"name": "u", "document": doc(statements)}]) },
        "attached_managed_policies": [], "group_names": groups,
        "permissions_boundary_arn": null, "unreadable_policies": []})
}

fn group(name: &str, attached: &[(&str, &str)]) -> Value {
    json!({"name": name, "arn": format!("arn:aws:iam::111122223333:group/{name}"),
        "inline_policies": [],
        "attached_managed_policies": attached.iter().map(|(n, a)| json!({"name": n, "arn": a})).collect::<Vec<_>>(),
        "unreadable_policies": []})
}

fn managed(name: &str, statements: Value) -> Value {
    json!({"name": name, "arn": format!("arn:aws:iam::111122223333:policy/{name}"),
        "aws_managed": false, "default_version_id": "v1", "attachment_count": 1,
        "document": doc(statements)})
}

fn audit(iam: Value) -> CheckResults {
    let mut iam = iam;
    for key in ["roles", "users", "groups", "managed_policies"] {
        if iam.get(key).is_none() {
            iam[key] = json!([]);
        }
    }
    // The function's own role is always there.
    if let Some(roles) = iam["roles"].as_array_mut()
        && !roles.iter().any(|r| r["arn"] == FN_ROLE)
    {
        roles.push(iam_role("fixture-role", json!({})));
    }
    run_all(&iam_inventory(vec![function("f", json!({}))], iam))
}

fn update_code() -> Value {
    json!([{"Effect": "Allow", "Action": "lambda:UpdateFunctionCode", "Resource": function_arn("f")}])
}

#[test]
fn la409_flags_a_user_through_its_group_as_high() {
    let r = audit(json!({
        "users": [user("alice", &["devs"], Value::Null)],
        "groups": [group("devs", &[("LambdaDeploy", "arn:aws:iam::111122223333:policy/LambdaDeploy")])],
        "managed_policies": [managed("LambdaDeploy", json!([
            {"Effect": "Allow", "Action": "lambda:Update*", "Resource": "arn:aws:lambda:*:111122223333:function:*"}
        ]))],
    }));
    let f = findings_of(&r, "LA409");
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0].severity, Severity::High);
    assert_eq!(f[0].resource_arn, function_arn("f"));
    let p = &f[0].evidence["principals"][0];
    assert_eq!(p["arn"], "arn:aws:iam::111122223333:user/alice");
    assert_eq!(p["type"], "user");
    let actions: Vec<&str> = p["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "lambda:UpdateFunctionCode",
            "lambda:UpdateFunctionConfiguration"
        ]
    );
    let by = p["actions"][0]["allowed_by"][0].as_str().unwrap();
    assert!(by.contains("group devs"), "{by}");
    assert_eq!(f[0].evidence["user_count"], 1);
}

#[test]
fn la409_flags_roles_conditional_grants_and_pass_role_as_medium() {
    let r = audit(json!({"roles": [
        iam_role("deployer", inline(json!([{"Effect": "Allow", "Action": "lambda:AddPermission",
            "Resource": "*", "Condition": {"StringEquals": {"aws:RequestedRegion": "us-east-1"}}}]))),
        iam_role("launcher", inline(json!([{"Effect": "Allow", "Action": "iam:PassRole", "Resource": FN_ROLE}]))),
        iam_role("admin", json!({"attached_managed_policies": [{"name": "Admin", "arn": "arn:aws:iam::111122223333:policy/Admin"}]})),
    ], "managed_policies": [managed("Admin", json!([{"Effect": "Allow", "Action": "*", "Resource": "*"}]))]}));
    let f = findings_of(&r, "LA409");
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0].severity, Severity::Medium);
    let e = &f[0].evidence;
    assert_eq!(e["principal_count"], 3);
    let by_arn = |name: &str| {
        e["principals"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["arn"] == format!("arn:aws:iam::111122223333:role/{name}"))
            .cloned()
            .unwrap_or_else(|| panic!("{name} listed: {e}"))
    };
    let deployer = by_arn("deployer");
    assert_eq!(
        deployer["actions"],
        json!([{"action": "lambda:AddPermission", "conditional": true,
        "allowed_by": ["inline policy p statement 0"]}])
    );
    assert_eq!(by_arn("launcher")["actions"][0]["action"], "iam:PassRole");
    let admin = by_arn("admin");
    assert_eq!(admin["administrator"], true);
    assert_eq!(admin["actions"].as_array().unwrap().len(), 4);
}

#[test]
fn la409_passes_own_role_service_linked_roles_and_denied_or_other_grants() {
    // A service-linked role: only its service assumes it, whatever its policies allow.
    let mut slr = inline(json!([{"Effect": "Allow", "Action": "lambda:*", "Resource": "*"}]));
    slr["path"] = json!("/aws-service-role/support.amazonaws.com/");
    let slr = iam_role("AWSServiceRoleForSupport", slr);
    let r = audit(json!({
        "roles": [
            // The function's own role may update itself: not "another" principal.
            iam_role("fixture-role", inline(update_code())),
            slr,
            // Another function's ARN; a read action; a denied grant.
            iam_role("other", inline(json!([
                {"Effect": "Allow", "Action": "lambda:UpdateFunctionCode", "Resource": function_arn("g")},
                {"Effect": "Allow", "Action": "lambda:GetFunction", "Resource": "*"},
                {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "arn:aws:iam::111122223333:role/other-*"}
            ]))),
            iam_role("denied", inline(json!([
                {"Effect": "Allow", "Action": "lambda:*", "Resource": "*"},
                {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"},
                {"Effect": "Deny", "Action": ["lambda:Update*", "lambda:AddPermission", "iam:PassRole"], "Resource": "*"}
            ]))),
        ],
        "users": [user("bob", &[], json!([{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]))],
    }));
    assert!(
        findings_of(&r, "LA409").is_empty(),
        "{:?}",
        findings_of(&r, "LA409")
    );
    assert!(
        r.not_evaluated.iter().all(|n| n.check_id != "LA409"),
        "{:?}",
        r.not_evaluated
    );
    assert_eq!(
        r.per_check
            .iter()
            .find(|c| c.check_id == "LA409")
            .unwrap()
            .evaluated,
        1
    );
}

#[test]
fn la409_caps_the_principal_list_and_lists_unknown_principals() {
    let mut roles: Vec<Value> = (0..30)
        .map(|i| iam_role(&format!("deploy-{i:02}"), inline(update_code())))
        .collect();
    roles.push(iam_role(
        "opaque",
        json!({"unreadable_policies": ["secret-sauce"]}),
    ));
    let r = audit(json!({"roles": roles}));
    let f = findings_of(&r, "LA409");
    let e = &f[0].evidence;
    assert_eq!(e["principal_count"], 30);
    assert_eq!(e["principals"].as_array().unwrap().len(), 25);
    assert_eq!(e["principals_truncated"], true);
    assert_eq!(e["unknown_principal_count"], 1);
    assert_eq!(
        e["unknown_principals"][0]["arn"],
        "arn:aws:iam::111122223333:role/opaque"
    );
}

#[test]
fn la409_reports_not_evaluated_without_users_or_with_only_unknown_principals() {
    let r = audit(json!({"users": failed("iam:GetAccountAuthorizationDetails")}));
    let ne: Vec<_> = r
        .not_evaluated
        .iter()
        .filter(|n| n.check_id == "LA409")
        .collect();
    assert_eq!(ne.len(), 1);
    assert!(ne[0].reason.contains("IAM users"), "{}", ne[0].reason);
    let r = audit(json!({"groups": failed("iam:GetAccountAuthorizationDetails")}));
    assert_eq!(
        r.not_evaluated
            .iter()
            .filter(|n| n.check_id == "LA409")
            .count(),
        1
    );
    // A user in a group we did not see.
    let r = audit(json!({"users": [user("carol", &["ghosts"], Value::Null)]}));
    assert!(findings_of(&r, "LA409").is_empty());
    let ne: Vec<_> = r
        .not_evaluated
        .iter()
        .filter(|n| n.check_id == "LA409")
        .collect();
    assert_eq!(ne.len(), 1, "{ne:?}");
    assert!(ne[0].reason.contains("user/carol"), "{}", ne[0].reason);
}

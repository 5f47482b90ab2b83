//! Per-function baseline, excess, missing and suggested policy on fixture inventories.

use crate::support::*;
use lambda_audit::inventory::Inventory;
use lambda_audit::least_privilege::analyze;
use lambda_audit::policy::catalogue::AccessLevel;
use serde_json::{Value, json};

const ACCOUNT: &str = "111122223333";

fn role(name: &str, statements: Value) -> Value {
    json!({
        "name": name, "arn": format!("arn:aws:iam::{ACCOUNT}:role/{name}"), "path": "/",
        "trust_policy": null,
        "inline_policies": [{"name": "inline", "document": {"Version": "2012-10-17", "Statement": statements}}],
        "attached_managed_policies": [], "permissions_boundary_arn": null,
        "last_used": null, "last_used_region": null, "tags": {}, "unreadable_policies": []
    })
}

fn estate(function_patch: Value, roles: Vec<Value>, region_patch: Value) -> Inventory {
    let mut inv = inventory_with_region(vec![function("worker", function_patch)], region_patch);
    let mut value = serde_json::to_value(&inv).expect("serializes");
    value["iam"]["roles"] = json!({"status": "collected", "value": roles});
    inv = serde_json::from_value(value).expect("valid inventory");
    inv
}

fn logs() -> Value {
    json!({"Effect": "Allow", "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
    "Resource": [
        format!("arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/lambda/worker:*"),
        format!("arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/lambda/worker:log-stream:*")
    ]})
}

fn queue_region() -> Value {
    let queue = format!("arn:aws:sqs:us-east-1:{ACCOUNT}:jobs");
    json!({"event_source_mappings": {"status": "collected", "value": [{
        "uuid": "m1", "function_arn": function_arn("worker"), "event_source_arn": queue,
        "self_managed_endpoints": [], "state": "Enabled", "batch_size": 10, "filter_patterns": [],
        "on_failure_destination": null, "source_access": [], "kms_key_arn": null, "last_modified": null
    }]}})
}

fn analysis(inv: &Inventory) -> lambda_audit::least_privilege::LeastPrivilege {
    analyze(inv, &inv.regions[0], &inv.regions[0].functions[0]).expect("analysable")
}

#[test]
fn a_role_that_grants_exactly_the_baseline_has_no_excess_and_nothing_missing() {
    let queue = format!("arn:aws:sqs:us-east-1:{ACCOUNT}:jobs");
    let inv = estate(
        json!({"role": format!("arn:aws:iam::{ACCOUNT}:role/exact")}),
        vec![role(
            "exact",
            json!([logs(), {"Effect": "Allow",
            "Action": ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"], "Resource": queue}]),
        )],
        queue_region(),
    );
    let a = analysis(&inv);
    let needed: Vec<(String, String)> = a
        .baseline
        .needs
        .iter()
        .map(|n| (n.action.clone(), n.resource.clone()))
        .collect();
    assert!(
        needed.contains(&("sqs:ReceiveMessage".to_string(), queue.clone())),
        "{needed:?}"
    );
    assert!(a.excess.is_empty(), "{:#?}", a.excess);
    assert!(a.missing.is_empty(), "{:#?}", a.missing);
}

#[test]
fn broad_grants_are_excess_ranked_by_access_level_and_missing_needs_are_listed() {
    let inv = estate(
        json!({"role": format!("arn:aws:iam::{ACCOUNT}:role/broad")}),
        vec![role(
            "broad",
            json!([logs(), {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
            {"Effect": "Allow", "Action": "sqs:ReceiveMessage", "Resource": "*"}]),
        )],
        queue_region(),
    );
    let a = analysis(&inv);
    // s3:* on * — Permissions management ranks first, then Write; all on "*".
    assert_eq!(a.excess[0].service, "s3");
    assert_eq!(a.excess[0].access_level, AccessLevel::PermissionsManagement);
    assert!(
        a.excess.iter().any(|g| g.service == "s3"
            && g.access_level == AccessLevel::Write
            && g.on_any_resource)
    );
    // sqs:ReceiveMessage is needed, but on the queue only.
    assert!(a.excess.iter().any(|g| {
        g.wider_than_needed
            .contains(&"sqs:ReceiveMessage".to_string())
    }));
    // DeleteMessage and GetQueueAttributes on the queue are not granted: the mapping fails.
    let mut missing: Vec<&str> = a.missing.iter().map(|m| m.action.as_str()).collect();
    missing.sort();
    assert_eq!(missing, vec!["sqs:DeleteMessage", "sqs:GetQueueAttributes"]);
}

#[test]
fn suggested_policy_is_the_resource_scoped_baseline() {
    let inv = estate(
        json!({"role": format!("arn:aws:iam::{ACCOUNT}:role/admin")}),
        vec![role(
            "admin",
            json!([{"Effect": "Allow", "Action": "*", "Resource": "*"}]),
        )],
        queue_region(),
    );
    let a = analysis(&inv);
    assert!(a.missing.is_empty());
    assert!(a.granted_actions_by_level.values().sum::<usize>() > 10_000);
    let statements = a.suggested_policy["Statement"]
        .as_array()
        .expect("statements");
    let mut pairs = Vec::new();
    for s in statements {
        assert_eq!(s["Effect"], "Allow");
        assert!(
            s["Resource"]
                .as_array()
                .is_some_and(|r| r.iter().all(|r| r != "*")),
            "{s}"
        );
        for action in s["Action"].as_array().expect("actions") {
            for resource in s["Resource"].as_array().expect("resources") {
                pairs.push((
                    action.as_str().unwrap_or_default().to_string(),
                    resource.as_str().unwrap_or_default().to_string(),
                ));
            }
        }
    }
    pairs.sort();
    let mut needs: Vec<(String, String)> = a
        .baseline
        .needs
        .iter()
        .map(|n| (n.action.clone(), n.resource.clone()))
        .collect();
    needs.sort();
    assert_eq!(pairs, needs);
}

#[test]
fn unknown_role_or_policy_is_not_analysed() {
    let inv = estate(
        json!({"role": format!("arn:aws:iam::{ACCOUNT}:role/ghost")}),
        vec![],
        json!({}),
    );
    assert!(analyze(&inv, &inv.regions[0], &inv.regions[0].functions[0]).is_err());
    let mut r = role("partial", json!([logs()]));
    r["attached_managed_policies"] =
        json!([{"name": "Mystery", "arn": format!("arn:aws:iam::{ACCOUNT}:policy/Mystery")}]);
    let inv = estate(
        json!({"role": format!("arn:aws:iam::{ACCOUNT}:role/partial")}),
        vec![r],
        json!({}),
    );
    let err = analyze(&inv, &inv.regions[0], &inv.regions[0].functions[0])
        .expect_err("unknown managed policy");
    assert!(err.contains("Mystery"), "{err}");
}

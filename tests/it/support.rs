//! Building inventories from JSON fixtures: a base inventory and a base function, each test
//! patching only the fields it is about.

use lambda_audit::checks::{CheckResults, run_all};
use lambda_audit::findings::Finding;
use lambda_audit::inventory::Inventory;
use serde_json::{Value, json};

const BASE_INVENTORY: &str = include_str!("../fixtures/inventory-base.json");
const BASE_FUNCTION: &str = include_str!("../fixtures/function-base.json");

/// Deep-merges `patch` into `base`: objects merge key by key, anything else replaces.
pub fn merge(base: &mut Value, patch: &Value) {
    match (base, patch) {
        (Value::Object(b), Value::Object(p)) => {
            for (k, v) in p {
                merge(b.entry(k.clone()).or_insert(Value::Null), v);
            }
        }
        (b, p) => *b = p.clone(),
    }
}

/// A function named `name` in us-east-1 of account 111122223333, with `patch` applied.
pub fn function(name: &str, patch: Value) -> Value {
    let mut f: Value = serde_json::from_str(BASE_FUNCTION).expect("fixture parses");
    merge(
        &mut f,
        &json!({
            "name": name,
            "arn": function_arn(name),
            "log_group": format!("/aws/lambda/{name}"),
        }),
    );
    merge(&mut f, &patch);
    f
}

pub fn function_arn(name: &str) -> String {
    format!("arn:aws:lambda:us-east-1:111122223333:function:{name}")
}

pub fn inventory(functions: Vec<Value>) -> Inventory {
    let mut inv: Value = serde_json::from_str(BASE_INVENTORY).expect("fixture parses");
    inv["regions"][0]["functions"] = Value::Array(functions);
    serde_json::from_value(inv).expect("fixture matches the inventory schema")
}

/// Like [`inventory`], with `region_patch` merged into the region (APIs, mappings, queues).
pub fn inventory_with_region(functions: Vec<Value>, region_patch: Value) -> Inventory {
    let mut inv: Value = serde_json::from_str(BASE_INVENTORY).expect("fixture parses");
    inv["regions"][0]["functions"] = Value::Array(functions);
    merge(&mut inv["regions"][0], &region_patch);
    serde_json::from_value(inv).expect("fixture matches the inventory schema")
}

pub fn run(functions: Vec<Value>) -> CheckResults {
    run_all(&inventory(functions))
}

pub fn findings_of<'a>(results: &'a CheckResults, check_id: &str) -> Vec<&'a Finding> {
    results
        .findings
        .iter()
        .filter(|f| f.check_id == check_id)
        .collect()
}

/// A collected resource policy holding `statements`.
pub fn policy(statements: Value) -> Value {
    json!({"status": "collected", "value": {
        "document": {"Version": "2012-10-17", "Statement": statements},
        "revision_id": "r1"
    }})
}

pub fn failed(operation: &str) -> Value {
    json!({"status": "failed", "error": {
        "operation": operation, "kind": "access_denied",
        "code": "AccessDeniedException", "message": "denied"
    }})
}

/// Like [`inventory`], with `iam` (e.g. `{"roles": …, "users": …}`) merged into the IAM
/// inventory. Lists given as plain arrays are wrapped as collected.
pub fn iam_inventory(functions: Vec<Value>, iam: Value) -> Inventory {
    let mut inv: Value = serde_json::from_str(BASE_INVENTORY).expect("fixture parses");
    inv["regions"][0]["functions"] = Value::Array(functions);
    for (key, value) in iam.as_object().expect("an object") {
        inv["iam"][key] = match value {
            Value::Array(_) => json!({"status": "collected", "value": value}),
            other => other.clone(),
        };
    }
    serde_json::from_value(inv).expect("fixture matches the inventory schema")
}

/// An IAM role `name` of account 111122223333 trusted by Lambda, last used on the base
/// inventory's audit date, with `patch` applied.
pub fn iam_role(name: &str, patch: Value) -> Value {
    let mut role = json!({
        "name": name, "arn": format!("arn:aws:iam::111122223333:role/{name}"), "path": "/",
        "trust_policy": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
        "inline_policies": [], "attached_managed_policies": [], "permissions_boundary_arn": null,
        "last_used": "2026-01-01T00:00:00Z", "last_used_region": "us-east-1", "tags": {},
        "unreadable_policies": []
    });
    merge(&mut role, &patch);
    role
}

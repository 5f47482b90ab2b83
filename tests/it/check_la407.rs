//! LA407 shared-execution-role.

use crate::support::*;
use lambda_audit::checks::run_all;
use lambda_audit::inventory::Inventory;
use serde_json::{Value, json};

fn role_arn(name: &str) -> String {
    format!("arn:aws:iam::111122223333:role/{name}")
}

fn with_role(name: &str, role: &str) -> Value {
    function(name, json!({"role": role_arn(role)}))
}

/// `us-east-1` holding `east`, plus `eu-west-1` holding `west` (its ARNs rewritten) or,
/// with `west` = `None`, a failed function list.
fn two_regions(east: Vec<Value>, west: Option<Vec<Value>>) -> Inventory {
    let mut inv = serde_json::to_value(inventory(east)).expect("serializes");
    let mut region = inv["regions"][0].clone();
    region["region"] = json!("eu-west-1");
    match west {
        Some(functions) => {
            let functions: Vec<Value> = functions
                .into_iter()
                .map(|mut f| {
                    let arn = f["arn"].as_str().unwrap().replace("us-east-1", "eu-west-1");
                    f["arn"] = json!(arn);
                    f
                })
                .collect();
            region["functions"] = Value::Array(functions);
        }
        None => {
            region["functions"] = json!([]);
            region["functions_listing"] = failed("lambda:ListFunctions");
        }
    }
    inv["regions"].as_array_mut().unwrap().push(region);
    serde_json::from_value(inv).expect("valid")
}

#[test]
fn la407_flags_every_function_sharing_a_role_across_regions() {
    let inv = two_regions(
        vec![
            with_role("a", "shared"),
            with_role("b", "shared"),
            with_role("c", "own"),
        ],
        Some(vec![with_role("w", "shared")]),
    );
    let r = run_all(&inv);
    let f = findings_of(&r, "LA407");
    assert_eq!(f.len(), 3, "{f:?}");
    let a = f
        .iter()
        .find(|x| x.resource_arn == function_arn("a"))
        .unwrap();
    assert_eq!(a.evidence["role_arn"], role_arn("shared"));
    assert_eq!(a.evidence["other_function_count"], 2);
    assert_eq!(
        a.evidence["other_functions"],
        // By ARN.
        json!([
            "arn:aws:lambda:eu-west-1:111122223333:function:w",
            function_arn("b")
        ])
    );
    assert!(a.message.contains("union"), "{}", a.message);
    let w = f.iter().find(|x| x.region == "eu-west-1").unwrap();
    assert_eq!(w.function_name.as_deref(), Some("w"));
    assert!(r.not_evaluated.iter().all(|n| n.check_id != "LA407"));
}

#[test]
fn la407_flags_a_role_shared_through_a_published_version() {
    // `old`'s version 1 still runs with the role `new` uses now.
    let old = function(
        "old",
        json!({"role": role_arn("old-role"), "versions": [{
            "version": "1", "arn": format!("{}:1", function_arn("old")), "role": role_arn("r"),
            "runtime": null, "description": null, "code_sha256": null, "last_modified": null,
            "environment": [], "policy": {"status": "collected", "value": null}
        }]}),
    );
    let r = run(vec![old, with_role("new", "r")]);
    let f = findings_of(&r, "LA407");
    assert_eq!(f.len(), 2, "{f:?}");
    let old = f
        .iter()
        .find(|x| x.resource_arn == function_arn("old"))
        .unwrap();
    assert_eq!(old.evidence["qualifiers"], json!(["1"]));
    assert_eq!(
        old.evidence["other_functions"],
        json!([function_arn("new")])
    );
}

#[test]
fn la407_passes_own_roles_and_versions_of_one_function() {
    let versioned = function(
        "v",
        json!({"role": role_arn("v-role"), "versions": [{
            "version": "3", "arn": format!("{}:3", function_arn("v")), "role": role_arn("v-role"),
            "runtime": null, "description": null, "code_sha256": null, "last_modified": null,
            "environment": [], "policy": {"status": "collected", "value": null}
        }]}),
    );
    let r = run(vec![versioned, with_role("a", "a-role")]);
    assert!(findings_of(&r, "LA407").is_empty());
    assert!(r.not_evaluated.iter().all(|n| n.check_id != "LA407"));
    let summary = r.per_check.iter().find(|c| c.check_id == "LA407").unwrap();
    assert_eq!(summary.evaluated, 2);
}

#[test]
fn la407_reports_not_evaluated_when_another_region_could_not_be_listed() {
    let inv = two_regions(
        vec![
            with_role("alone", "alone-role"),
            with_role("a", "s"),
            with_role("b", "s"),
        ],
        None,
    );
    let r = run_all(&inv);
    // Sharing that is seen is reported regardless.
    assert_eq!(findings_of(&r, "LA407").len(), 2);
    let ne: Vec<_> = r
        .not_evaluated
        .iter()
        .filter(|n| n.check_id == "LA407")
        .collect();
    assert_eq!(ne.len(), 2, "{ne:?}");
    assert!(
        ne.iter()
            .any(|n| n.resource == function_arn("alone") && n.reason.contains("eu-west-1"))
    );
    assert!(
        ne.iter()
            .any(|n| n.resource == "all functions in eu-west-1")
    );
}

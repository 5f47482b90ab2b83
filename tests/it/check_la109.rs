//! LA109 public-layer-version.

use crate::support::*;
use lambda_audit::checks::run_all;
use lambda_audit::inventory::Inventory;
use serde_json::{Value, json};

fn with_layers(layers: Vec<Value>) -> Inventory {
    let mut inv = inventory(vec![]);
    inv.regions[0].layers = serde_json::from_value(Value::Array(layers)).unwrap();
    inv
}

fn layer(account: &str, name: &str, policy_state: Value) -> Value {
    json!({"arn": format!("arn:aws:lambda:us-east-1:{account}:layer:{name}:1"),
           "owner_account": account, "policy": policy_state})
}

fn get_layer(sid: &str, principal: Value, condition: Value) -> Value {
    let mut s = json!({"Sid": sid, "Effect": "Allow", "Principal": principal,
                       "Action": "lambda:GetLayerVersion", "Resource": "*"});
    if !condition.is_null() {
        s["Condition"] = condition;
    }
    s
}

#[test]
fn la109_flags_layer_shared_with_everyone() {
    let r = run_all(&with_layers(vec![
        layer(
            "111122223333",
            "open",
            policy(json!([get_layer("pub", json!("*"), json!(null))])),
        ),
        layer(
            "111122223333",
            "wild",
            policy(json!([get_layer(
                "w",
                json!("*"),
                json!({"StringLike": {"aws:PrincipalOrgID": "o-*"}})
            )])),
        ),
    ]));
    let f = findings_of(&r, "LA109");
    assert_eq!(f.len(), 2, "{f:?}");
    assert!(f.iter().all(|x| x.function_name.is_none()));
}

#[test]
fn la109_passes_org_and_account_grants_and_foreign_layers() {
    let r = run_all(&with_layers(vec![
        layer(
            "111122223333",
            "org",
            policy(json!([get_layer(
                "o",
                json!("*"),
                json!({"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}})
            )])),
        ),
        layer(
            "111122223333",
            "acct",
            policy(json!([get_layer(
                "a",
                json!({"AWS": "444455556666"}),
                json!(null)
            )])),
        ),
        layer(
            "111122223333",
            "none",
            json!({"status": "collected", "value": null}),
        ),
        layer(
            "017000801446",
            "foreign",
            json!({"status": "not_collected", "reason": "owned by another account"}),
        ),
    ]));
    assert!(findings_of(&r, "LA109").is_empty());
    assert!(r.not_evaluated.iter().all(|n| n.check_id != "LA109"));
}

#[test]
fn la109_reports_not_evaluated_when_own_layer_policy_failed() {
    let r = run_all(&with_layers(vec![layer(
        "111122223333",
        "denied",
        failed("lambda:GetLayerVersionPolicy"),
    )]));
    assert!(findings_of(&r, "LA109").is_empty());
    assert_eq!(
        r.not_evaluated
            .iter()
            .filter(|n| n.check_id == "LA109")
            .count(),
        1
    );
}

#[test]
fn la109_reports_region_not_evaluated_when_functions_were_not_listed() {
    let mut inv = with_layers(vec![]);
    inv.regions[0].functions_listing =
        serde_json::from_value(failed("lambda:ListFunctions")).unwrap();
    let r = run_all(&inv);
    let n: Vec<_> = r
        .not_evaluated
        .iter()
        .filter(|n| n.check_id == "LA109")
        .map(|n| n.resource.as_str())
        .collect();
    assert_eq!(n, vec!["all layers in us-east-1"]);
}

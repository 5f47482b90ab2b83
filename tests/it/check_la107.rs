//! LA107 stale-trigger.

use crate::support::*;
use lambda_audit::checks::run_all;
use lambda_audit::inventory::Inventory;
use serde_json::{Value, json};

fn apigw_grant(sid: &str, source_arn: &str) -> Value {
    json!({"Sid": sid, "Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"},
           "Action": "lambda:InvokeFunction", "Resource": "*",
           "Condition": {"ArnLike": {"aws:SourceArn": source_arn}}})
}

fn with_apis(functions: Vec<Value>, rest_ids: &[&str], http_ids: &[&str]) -> Inventory {
    let mut inv = inventory(functions);
    let rest: Vec<Value> = rest_ids
        .iter()
        .map(|id| {
            json!({"id": id, "name": null, "endpoint_types": ["REGIONAL"],
            "disable_execute_api_endpoint": false, "api_key_source": null, "policy": null,
            "resources": {"status": "collected", "value": []},
            "authorizers": {"status": "collected", "value": []},
            "stages": {"status": "collected", "value": []}})
        })
        .collect();
    let http: Vec<Value> = http_ids
        .iter()
        .map(|id| {
            json!({"id": id, "name": null, "protocol_type": "HTTP", "endpoint": null,
            "disable_execute_api_endpoint": false,
            "routes": {"status": "collected", "value": []},
            "integrations": {"status": "collected", "value": []},
            "authorizers": {"status": "collected", "value": []}})
        })
        .collect();
    inv.regions[0].rest_apis =
        serde_json::from_value(json!({"status": "collected", "value": rest})).unwrap();
    inv.regions[0].http_apis =
        serde_json::from_value(json!({"status": "collected", "value": http})).unwrap();
    inv
}

const OWN: &str = "arn:aws:execute-api:us-east-1:111122223333";

#[test]
fn la107_flags_grant_for_a_deleted_api() {
    let inv = with_apis(
        vec![function(
            "f",
            json!({"policy": policy(json!([
                apigw_grant("gone", &format!("{OWN}:gone123/*/GET/orders")),
                apigw_grant("live", &format!("{OWN}:rest111/*")),
                apigw_grant("http", &format!("{OWN}:http222/*/$default")),
            ]))}),
        )],
        &["rest111"],
        &["http222"],
    );
    let r = run_all(&inv);
    let f = findings_of(&r, "LA107");
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0].evidence["api_id"], "gone123");
    assert_eq!(f[0].resource_arn, function_arn("f"));
}

#[test]
fn la107_flags_alias_only_grant() {
    let arn = function_arn("q");
    let inv = with_apis(
        vec![function(
            "q",
            json!({"aliases": {"status": "collected", "value": [{
                "name": "live", "arn": format!("{arn}:live"), "function_version": "1",
                "additional_version_weights": {}, "description": null,
                "policy": policy(json!([apigw_grant("s", &format!("{OWN}:old999/*"))]))
            }]}}),
        )],
        &[],
        &[],
    );
    let f = findings_of(&run_all(&inv), "LA107")
        .into_iter()
        .map(|f| f.resource_arn.clone())
        .collect::<Vec<_>>();
    assert_eq!(f, vec![format!("{arn}:live")]);
}

#[test]
fn la107_passes_existing_foreign_wildcard_and_s3_sources() {
    let inv = with_apis(
        vec![function(
            "f",
            json!({"policy": policy(json!([
                apigw_grant("live", &format!("{OWN}:rest111/*/*/*")),
                // Another account's API: not ours to list.
                apigw_grant("foreign", "arn:aws:execute-api:us-east-1:444455556666:zzz999/*"),
                // Wildcard API id: no id to look up.
                apigw_grant("wild", &format!("{OWN}:*/*")),
                // S3 buckets cannot be listed here; never reported.
                {"Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"}, "Action": "lambda:InvokeFunction",
                 "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:s3:::deleted-bucket"}}},
            ]))}),
        )],
        &["rest111"],
        &[],
    );
    let r = run_all(&inv);
    assert!(
        findings_of(&r, "LA107").is_empty(),
        "{:?}",
        findings_of(&r, "LA107")
    );
    assert!(r.not_evaluated.iter().all(|n| n.check_id != "LA107"));
}

#[test]
fn la107_reports_not_evaluated_when_api_lists_are_missing() {
    let mut inv = with_apis(
        vec![
            function(
                "f",
                json!({"policy": policy(json!([apigw_grant("x", &format!("{OWN}:gone123/*"))]))}),
            ),
            function(
                "other-region",
                json!({"policy": policy(json!([apigw_grant("y", "arn:aws:execute-api:eu-west-1:111122223333:abc/*")]))}),
            ),
        ],
        &[],
        &[],
    );
    inv.regions[0].http_apis = serde_json::from_value(failed("apigateway:GetApis")).unwrap();
    let r = run_all(&inv);
    assert!(findings_of(&r, "LA107").is_empty());
    assert_eq!(
        r.not_evaluated
            .iter()
            .filter(|n| n.check_id == "LA107")
            .count(),
        2
    );
}

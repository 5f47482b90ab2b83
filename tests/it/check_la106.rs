//! LA106 api-unauthenticated-route.

use crate::support::*;
use lambda_audit::checks::run_all;
use lambda_audit::inventory::Inventory;
use serde_json::{Value, json};

fn lambda_uri(name: &str, qualifier: Option<&str>) -> String {
    let arn = match qualifier {
        Some(q) => format!("{}:{q}", function_arn(name)),
        None => function_arn(name),
    };
    format!("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{arn}/invocations")
}

fn integration(name: &str, qualifier: Option<&str>) -> Value {
    json!({"integration_type": "AWS_PROXY", "uri": lambda_uri(name, qualifier),
           "lambda": {"function_arn": function_arn(name), "qualifier": qualifier}})
}

fn method(verb: &str, auth: &str, api_key: bool, integ: Value) -> Value {
    json!({"http_method": verb, "authorization_type": auth, "authorizer_id": null,
           "api_key_required": api_key, "integration": integ})
}

fn rest_api(id: &str, endpoint: &str, resources: Value) -> Value {
    json!({"id": id, "name": format!("{id}-name"), "endpoint_types": [endpoint],
           "disable_execute_api_endpoint": false, "api_key_source": null, "policy": null,
           "resources": resources,
           "authorizers": {"status": "collected", "value": []},
           "stages": {"status": "collected", "value": [{"name": "prod", "deployment_id": "d1",
                      "tracing_enabled": false, "web_acl_arn": null, "access_log_destination": null}]}})
}

fn collected(v: Value) -> Value {
    json!({"status": "collected", "value": v})
}

fn with_apis(rest: Value, http: Value) -> Inventory {
    let mut inv = inventory(vec![
        function("orders", json!({})),
        function("auth", json!({})),
    ]);
    inv.regions[0].rest_apis = serde_json::from_value(rest).expect("rest apis");
    inv.regions[0].http_apis = serde_json::from_value(http).expect("http apis");
    inv
}

fn http_api(id: &str, protocol: &str, routes: Value, integrations: Value) -> Value {
    json!({"id": id, "name": null, "protocol_type": protocol, "endpoint": null,
           "disable_execute_api_endpoint": false, "routes": routes, "integrations": integrations,
           "authorizers": collected(json!([]))})
}

fn route(id: &str, key: &str, auth: &str, target: Option<&str>) -> Value {
    json!({"id": id, "route_key": key, "authorization_type": auth, "authorizer_id": null,
           "api_key_required": false, "target": target})
}

fn http_integration(id: &str, name: &str, qualifier: Option<&str>) -> Value {
    json!({"id": id, "integration_type": "AWS_PROXY", "uri": function_arn(name),
           "lambda": {"function_arn": function_arn(name), "qualifier": qualifier}})
}

#[test]
fn la106_flags_open_rest_method_with_literal_qualifier() {
    let inv = with_apis(
        collected(json!([rest_api(
            "abc123",
            "REGIONAL",
            collected(json!([
                {"id": "r1", "path": "/orders", "methods": [
                    method("POST", "NONE", false, integration("orders", Some("live"))),
                    method("GET", "AWS_IAM", false, integration("orders", None)),
                    method("PUT", "NONE", true, integration("orders", None)),
                    method("DELETE", "NONE", false, json!({"integration_type": "MOCK", "uri": null, "lambda": null})),
                ]}
            ]))
        )])),
        collected(json!([])),
    );
    let r = run_all(&inv);
    let f = findings_of(&r, "LA106");
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(
        f[0].resource_arn,
        format!("{}:live", function_arn("orders"))
    );
    assert_eq!(f[0].function_name.as_deref(), Some("orders"));
    assert_eq!(f[0].evidence["api_id"], "abc123");
    assert_eq!(f[0].evidence["method"], "POST");
    assert_eq!(f[0].evidence["path"], "/orders");
}

#[test]
fn la106_flags_stage_variable_qualifier_on_the_unqualified_function() {
    let inv = with_apis(
        collected(json!([rest_api(
            "sv1",
            "EDGE",
            collected(json!([
                {"id": "r1", "path": "/", "methods": [
                    method("ANY", "NONE", false, integration("orders", Some("${stageVariables.alias}"))),
                ]}
            ]))
        )])),
        collected(json!([])),
    );
    let r = run_all(&inv);
    let f = findings_of(&r, "LA106");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].resource_arn, function_arn("orders"));
    assert_eq!(f[0].evidence["qualifier"], "${stageVariables.alias}");
}

#[test]
fn la106_flags_open_http_routes_and_websocket_routes_behind_an_open_connect() {
    let inv = with_apis(
        collected(json!([])),
        collected(json!([
            http_api(
                "h1",
                "HTTP",
                collected(json!([
                    route("a", "GET /orders", "NONE", Some("integrations/i1")),
                    route("b", "POST /orders", "JWT", Some("integrations/i1")),
                    route("c", "$default", "NONE", Some("integrations/i2")),
                ])),
                collected(json!([
                    http_integration("i1", "orders", None),
                    http_integration("i2", "auth", Some("7"))
                ]))
            ),
            http_api(
                "w1",
                "WEBSOCKET",
                collected(json!([route(
                    "d",
                    "sendmessage",
                    "NONE",
                    Some("integrations/i3")
                ),])),
                collected(json!([http_integration("i3", "orders", None)]))
            ),
            http_api(
                "w2",
                "WEBSOCKET",
                collected(json!([
                    route("e", "$connect", "AWS_IAM", Some("integrations/i4")),
                    route("f", "sendmessage", "NONE", Some("integrations/i4")),
                ])),
                collected(json!([http_integration("i4", "orders", None)]))
            ),
        ])),
    );
    let r = run_all(&inv);
    let mut keys: Vec<_> = findings_of(&r, "LA106")
        .iter()
        .map(|f| {
            format!(
                "{} {}",
                f.evidence["api_id"].as_str().unwrap(),
                f.evidence["details"]["route_key"].as_str().unwrap()
            )
        })
        .collect();
    keys.sort();
    assert_eq!(
        keys,
        vec!["h1 $default", "h1 GET /orders", "w1 sendmessage"]
    );
    let default = findings_of(&r, "LA106")
        .into_iter()
        .find(|f| f.evidence["details"]["route_key"] == "$default")
        .unwrap();
    assert_eq!(default.resource_arn, format!("{}:7", function_arn("auth")));
}

#[test]
fn la106_passes_private_and_authorized_apis() {
    let inv = with_apis(
        collected(json!([
            rest_api(
                "priv",
                "PRIVATE",
                collected(json!([
                    {"id": "r1", "path": "/", "methods": [method("GET", "NONE", false, integration("orders", None))]}
                ]))
            ),
            rest_api(
                "auth",
                "REGIONAL",
                collected(json!([
                    {"id": "r1", "path": "/", "methods": [
                        method("GET", "COGNITO_USER_POOLS", false, integration("orders", None)),
                        method("POST", "CUSTOM", false, integration("orders", None)),
                    ]}
                ]))
            ),
        ])),
        collected(json!([http_api(
            "h",
            "HTTP",
            collected(json!([
                route("a", "GET /x", "AWS_IAM", Some("integrations/i1")),
                route("b", "GET /y", "NONE", None)
            ])),
            collected(json!([http_integration("i1", "orders", None)]))
        )])),
    );
    let r = run_all(&inv);
    assert!(
        findings_of(&r, "LA106").is_empty(),
        "{:?}",
        findings_of(&r, "LA106")
    );
    assert!(r.not_evaluated.iter().all(|n| n.check_id != "LA106"));
}

#[test]
fn la106_reports_not_evaluated_for_unlisted_apis_and_regions() {
    let inv = with_apis(
        collected(json!([rest_api(
            "x",
            "REGIONAL",
            failed("apigateway:GetResources")
        )])),
        failed("apigateway:GetApis"),
    );
    let r = run_all(&inv);
    assert!(findings_of(&r, "LA106").is_empty());
    let mut n: Vec<_> = r
        .not_evaluated
        .iter()
        .filter(|n| n.check_id == "LA106")
        .map(|n| n.resource.clone())
        .collect();
    n.sort();
    assert_eq!(n, vec!["REST API x", "all HTTP APIs in us-east-1"]);
}

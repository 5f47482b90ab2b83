//! LA105 function-url-cors-any-origin.

use crate::support::*;
use lambda_audit::findings::Severity;
use serde_json::json;

fn url(
    name: &str,
    auth: &str,
    qualifier: Option<&str>,
    origins: &[&str],
    creds: bool,
) -> serde_json::Value {
    let target = match qualifier {
        Some(q) => format!("{}:{q}", function_arn(name)),
        None => function_arn(name),
    };
    json!({
        "url": format!("https://{name}-{}.lambda-url.us-east-1.on.aws/", qualifier.unwrap_or("fn")),
        "target_arn": target, "qualifier": qualifier, "auth_type": auth,
        "cors": {"allow_origins": origins, "allow_methods": ["*"], "allow_headers": [],
                 "expose_headers": [], "allow_credentials": creds, "max_age": null},
        "invoke_mode": "BUFFERED", "last_modified": null
    })
}

fn urls(list: Vec<serde_json::Value>) -> serde_json::Value {
    json!({"status": "collected", "value": list})
}

fn public_url_grant() -> serde_json::Value {
    json!({"Sid": "url", "Effect": "Allow", "Principal": "*", "Action": "lambda:InvokeFunctionUrl",
           "Condition": {"StringEquals": {"lambda:FunctionUrlAuthType": "NONE"}}})
}

#[test]
fn la105_flags_any_origin_as_medium_on_iam_url() {
    let r = run(vec![function(
        "f",
        json!({"url_configs": urls(vec![url("f", "AWS_IAM", None, &["*"], false)])}),
    )]);
    let f = findings_of(&r, "LA105");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].severity, Severity::Medium);
    assert_eq!(f[0].evidence["allow_origins"], json!(["*"]));
}

#[test]
fn la105_flags_credentials_and_public_urls_as_high() {
    let r = run(vec![
        function(
            "creds",
            json!({"url_configs": urls(vec![url("creds", "AWS_IAM", None, &["https://a.example", "*"], true)])}),
        ),
        function(
            "public",
            json!({"policy": policy(json!([public_url_grant()])),
                   "url_configs": urls(vec![url("public", "NONE", None, &["*"], false)])}),
        ),
        // NONE but no statement admits the public: medium.
        function(
            "dormant",
            json!({"url_configs": urls(vec![url("dormant", "NONE", None, &["*"], false)])}),
        ),
    ]);
    let f = findings_of(&r, "LA105");
    let sev = |n: &str| {
        f.iter()
            .find(|x| x.function_name.as_deref() == Some(n))
            .map(|x| x.severity)
    };
    assert_eq!(sev("creds"), Some(Severity::High));
    assert_eq!(sev("public"), Some(Severity::High));
    assert_eq!(sev("dormant"), Some(Severity::Medium));
}

#[test]
fn la105_flags_alias_url_against_the_alias_policy() {
    let arn = function_arn("a");
    let r = run(vec![function(
        "a",
        json!({
            "aliases": {"status": "collected", "value": [{
                "name": "live", "arn": format!("{arn}:live"), "function_version": "1",
                "additional_version_weights": {}, "description": null,
                "policy": policy(json!([public_url_grant()]))
            }]},
            "url_configs": urls(vec![url("a", "NONE", Some("live"), &["*"], false)])
        }),
    )]);
    let f = findings_of(&r, "LA105");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].resource_arn, format!("{arn}:live"));
    assert_eq!(f[0].severity, Severity::High);
}

#[test]
fn la105_passes_named_origins_no_cors_and_skipped_urls() {
    let r = run(vec![
        function(
            "named",
            json!({"url_configs": urls(vec![url("named", "NONE", None, &["https://app.example.com"], true)])}),
        ),
        function(
            "nocors",
            json!({"url_configs": urls(vec![json!({
                "url": "https://n.lambda-url.us-east-1.on.aws/", "target_arn": function_arn("nocors"),
                "qualifier": null, "auth_type": "NONE", "cors": null, "invoke_mode": null, "last_modified": null
            })])}),
        ),
        function(
            "skipped",
            json!({"url_configs": {"status": "not_collected", "reason": "no grant"}}),
        ),
    ]);
    assert!(findings_of(&r, "LA105").is_empty());
    assert!(r.not_evaluated.iter().all(|n| n.check_id != "LA105"));
}

#[test]
fn la105_reports_not_evaluated_when_urls_could_not_be_listed() {
    let r = run(vec![
        function(
            "denied",
            json!({"url_configs": failed("lambda:ListFunctionUrlConfigs")}),
        ),
        function(
            "inconsistent",
            json!({"policy": policy(json!([public_url_grant()])), "url_configs": {"status": "not_collected", "reason": "x"}}),
        ),
    ]);
    assert!(findings_of(&r, "LA105").is_empty());
    assert_eq!(
        r.not_evaluated
            .iter()
            .filter(|n| n.check_id == "LA105")
            .count(),
        2
    );
}

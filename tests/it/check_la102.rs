//! LA102 function-url-auth-none.

use crate::support::*;
use lambda_audit::findings::Severity;
use serde_json::json;

fn url(name: &str, auth: &str, qualifier: Option<&str>) -> serde_json::Value {
    let target = match qualifier {
        Some(q) => format!("{}:{q}", function_arn(name)),
        None => function_arn(name),
    };
    json!({
        "url": format!("https://{name}.lambda-url.us-east-1.on.aws/"),
        "target_arn": target, "qualifier": qualifier, "auth_type": auth,
        "cors": null, "invoke_mode": "BUFFERED", "last_modified": null
    })
}

fn url_grant() -> serde_json::Value {
    json!({"Sid": "url", "Effect": "Allow", "Principal": "*", "Action": "lambda:InvokeFunctionUrl",
           "Resource": "*", "Condition": {"StringEquals": {"lambda:FunctionUrlAuthType": "NONE"}}})
}

#[test]
fn la102_flags_public_url_as_high() {
    let r = run(vec![function(
        "web",
        json!({
            "policy": policy(json!([url_grant()])),
            "url_configs": {"status": "collected", "value": [url("web", "NONE", None)]}
        }),
    )]);
    let f = findings_of(&r, "LA102");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].severity, Severity::High);
    assert_eq!(f[0].evidence["public_statement"]["Sid"], "url");
}

#[test]
fn la102_flags_unadmitted_url_as_low_and_unknown_policy_as_medium() {
    let r = run(vec![
        function(
            "dormant",
            json!({"url_configs": {"status": "collected", "value": [url("dormant", "NONE", None)]}}),
        ),
        function(
            "unknown",
            json!({"policy": failed("lambda:GetPolicy"), "url_configs": {"status": "collected", "value": [url("unknown", "NONE", None)]}}),
        ),
    ]);
    let f = findings_of(&r, "LA102");
    let by_name = |n: &str| {
        f.iter()
            .find(|x| x.function_name.as_deref() == Some(n))
            .map(|x| x.severity)
    };
    assert_eq!(by_name("dormant"), Some(Severity::Low));
    assert_eq!(by_name("unknown"), Some(Severity::Medium));
}

#[test]
fn la102_flags_alias_url_against_the_alias_policy() {
    let arn = function_arn("a");
    let r = run(vec![function(
        "a",
        json!({
            "aliases": {"status": "collected", "value": [{
                "name": "live", "arn": format!("{arn}:live"), "function_version": "1",
                "additional_version_weights": {}, "description": null, "policy": policy(json!([url_grant()]))
            }]},
            "url_configs": {"status": "collected", "value": [url("a", "NONE", Some("live"))]}
        }),
    )]);
    let f = findings_of(&r, "LA102");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].resource_arn, format!("{arn}:live"));
    assert_eq!(f[0].severity, Severity::High);
}

#[test]
fn la102_passes_iam_urls_and_skipped_urls_without_grants() {
    let r = run(vec![
        function(
            "iam",
            json!({"url_configs": {"status": "collected", "value": [url("iam", "AWS_IAM", None)]}}),
        ),
        function(
            "skipped",
            json!({"url_configs": {"status": "not_collected", "reason": "no grant"}}),
        ),
    ]);
    assert!(findings_of(&r, "LA102").is_empty());
    assert!(r.not_evaluated.iter().all(|n| n.check_id != "LA102"));
}

#[test]
fn la102_reports_not_evaluated_when_urls_could_not_be_listed() {
    let r = run(vec![
        function(
            "denied",
            json!({"url_configs": failed("lambda:ListFunctionUrlConfigs")}),
        ),
        // Skipped although a policy could grant URL invocation: not a pass.
        function(
            "inconsistent",
            json!({"policy": policy(json!([url_grant()])), "url_configs": {"status": "not_collected", "reason": "x"}}),
        ),
    ]);
    assert!(findings_of(&r, "LA102").is_empty());
    assert_eq!(
        r.not_evaluated
            .iter()
            .filter(|n| n.check_id == "LA102")
            .count(),
        2
    );
}

#[test]
fn la102_flags_low_when_the_public_grant_is_for_another_auth_type() {
    // A grant conditioned on AWS_IAM does not admit unsigned requests to a NONE URL.
    let iam_only = json!({"Sid": "iam", "Effect": "Allow", "Principal": "*", "Action": "lambda:InvokeFunctionUrl",
        "Resource": "*", "Condition": {"StringEquals": {"lambda:FunctionUrlAuthType": "AWS_IAM"}}});
    let r = run(vec![function(
        "mixed",
        json!({
            "policy": policy(json!([iam_only])),
            "url_configs": {"status": "collected", "value": [url("mixed", "NONE", None)]}
        }),
    )]);
    let f = findings_of(&r, "LA102");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].severity, Severity::Low);
}

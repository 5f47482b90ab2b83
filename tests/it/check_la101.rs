//! LA101 public-resource-policy.

use crate::support::*;
use lambda_audit::findings::Severity;
use serde_json::json;

fn invoke_statement(extra: serde_json::Value) -> serde_json::Value {
    let mut s =
        json!({"Sid": "s1", "Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": "*"});
    merge(&mut s, &extra);
    s
}

#[test]
fn la101_flags_principal_star_without_condition() {
    let r = run(vec![function(
        "open",
        json!({"policy": policy(json!([invoke_statement(json!({"Principal": "*"}))]))}),
    )]);
    let f = findings_of(&r, "LA101");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].severity, Severity::High);
    assert_eq!(f[0].resource_arn, function_arn("open"));
    assert_eq!(f[0].evidence["statement"]["Sid"], "s1");
}

#[test]
fn la101_flags_aws_star_and_wildcard_condition_values() {
    let statements = json!([
        invoke_statement(json!({"Sid": "a", "Principal": {"AWS": ["*"]}})),
        invoke_statement(
            json!({"Sid": "b", "Principal": "*", "Condition": {"StringEquals": {"aws:SourceAccount": "*"}}})
        ),
        invoke_statement(
            json!({"Sid": "c", "Principal": "*", "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:s3:::*"}}})
        ),
        invoke_statement(
            json!({"Sid": "d", "Principal": "*", "Condition": {"StringEqualsIfExists": {"aws:SourceAccount": "111122223333"}}})
        ),
    ]);
    let r = run(vec![function("f", json!({"policy": policy(statements)}))]);
    let sids: Vec<_> = findings_of(&r, "LA101")
        .iter()
        .map(|f| f.evidence["statement"]["Sid"].clone())
        .collect();
    assert_eq!(sids.len(), 4, "{sids:?}");
    // Every finding has its own stable fingerprint.
    let mut prints: Vec<_> = findings_of(&r, "LA101")
        .iter()
        .map(|f| f.fingerprint.clone())
        .collect();
    prints.dedup();
    assert_eq!(prints.len(), 4);
}

#[test]
fn la101_flags_not_principal_and_takeover_as_critical() {
    let statements = json!([{
        "Sid": "np", "Effect": "Allow", "NotPrincipal": {"AWS": "arn:aws:iam::111122223333:root"},
        "Action": "lambda:*", "Resource": "*"
    }]);
    let r = run(vec![function("f", json!({"policy": policy(statements)}))]);
    let f = findings_of(&r, "LA101");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].severity, Severity::Critical);
    assert!(f[0].message.contains("NotPrincipal"), "{}", f[0].message);
}

#[test]
fn la101_flags_alias_and_version_policies_separately() {
    let public = policy(json!([invoke_statement(json!({"Principal": "*"}))]));
    let arn = function_arn("q");
    let r = run(vec![function(
        "q",
        json!({
            "aliases": {"status": "collected", "value": [{
                "name": "live", "arn": format!("{arn}:live"), "function_version": "3",
                "additional_version_weights": {}, "description": null, "policy": public
            }]},
            "versions": [{
                "version": "3", "arn": format!("{arn}:3"), "role": "r", "runtime": null,
                "description": null, "code_sha256": null, "last_modified": null,
                "environment": [], "policy": public
            }]
        }),
    )]);
    let mut arns: Vec<_> = findings_of(&r, "LA101")
        .iter()
        .map(|f| f.resource_arn.clone())
        .collect();
    arns.sort();
    assert_eq!(arns, vec![format!("{arn}:3"), format!("{arn}:live")]);
}

#[test]
fn la101_passes_restricted_service_and_account_grants() {
    let statements = json!([
        invoke_statement(json!({"Principal": {"Service": "s3.amazonaws.com"}, "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:s3:::my-bucket"}}})),
        invoke_statement(json!({"Principal": "*", "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}})),
        invoke_statement(json!({"Principal": "*", "Condition": {"StringEquals": {"aws:SourceAccount": "111122223333"}}})),
        invoke_statement(json!({"Principal": {"AWS": "arn:aws:iam::444455556666:root"}})),
        invoke_statement(json!({"Effect": "Deny", "Principal": "*"})),
        // URL-only public grants are LA102's to judge.
        {"Effect": "Allow", "Principal": "*", "Action": "lambda:InvokeFunctionUrl", "Condition": {"StringEquals": {"lambda:FunctionUrlAuthType": "NONE"}}},
        {"Effect": "Allow", "Principal": "*", "Action": "lambda:InvokeFunction", "Condition": {"Bool": {"lambda:InvokedViaFunctionUrl": "true"}}},
    ]);
    let r = run(vec![
        function("ok", json!({"policy": policy(statements)})),
        function("none", json!({})),
    ]);
    assert!(
        findings_of(&r, "LA101").is_empty(),
        "{:?}",
        findings_of(&r, "LA101")
    );
    assert!(r.not_evaluated.iter().all(|n| n.check_id != "LA101"));
}

#[test]
fn la101_reports_not_evaluated_when_a_policy_was_not_seen() {
    let r = run(vec![function(
        "hidden",
        json!({"policy": failed("lambda:GetPolicy")}),
    )]);
    assert!(findings_of(&r, "LA101").is_empty());
    let n: Vec<_> = r
        .not_evaluated
        .iter()
        .filter(|n| n.check_id == "LA101")
        .collect();
    assert_eq!(n.len(), 1);
    assert!(
        n[0].reason.contains("AccessDeniedException"),
        "{}",
        n[0].reason
    );

    let r = run(vec![function(
        "malformed",
        json!({"policy": {"status": "collected", "value": {"document": {"Statement": 7}, "revision_id": null}}}),
    )]);
    assert_eq!(
        r.not_evaluated
            .iter()
            .filter(|n| n.check_id == "LA101")
            .count(),
        1
    );
}

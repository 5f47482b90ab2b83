//! LA103 service-invoke-without-source.

use crate::support::*;
use lambda_audit::findings::Severity;
use serde_json::json;

fn service_grant(sid: &str, service: &str, condition: serde_json::Value) -> serde_json::Value {
    let mut s = json!({"Sid": sid, "Effect": "Allow", "Principal": {"Service": service},
                       "Action": "lambda:InvokeFunction", "Resource": "*"});
    if !condition.is_null() {
        s["Condition"] = condition;
    }
    s
}

#[test]
fn la103_flags_s3_without_source_as_high_and_sns_as_medium() {
    let r = run(vec![function(
        "f",
        json!({"policy": policy(json!([
            service_grant("s3", "s3.amazonaws.com", json!(null)),
            service_grant("sns", "sns.amazonaws.com", json!(null)),
        ]))}),
    )]);
    let f = findings_of(&r, "LA103");
    assert_eq!(f.len(), 2, "{f:?}");
    let by_sid = |sid: &str| {
        f.iter()
            .find(|x| x.evidence["statement"]["Sid"] == sid)
            .map(|x| x.severity)
    };
    assert_eq!(by_sid("s3"), Some(Severity::High));
    assert_eq!(by_sid("sns"), Some(Severity::Medium));
    assert_eq!(f[0].resource_arn, function_arn("f"));
}

#[test]
fn la103_flags_wildcard_and_if_exists_conditions() {
    let r = run(vec![function(
        "f",
        json!({"policy": policy(json!([
            service_grant("a", "s3.amazonaws.com", json!({"ArnLike": {"aws:SourceArn": "arn:aws:s3:::*"}})),
            service_grant("b", "events.amazonaws.com", json!({"StringEquals": {"aws:SourceAccount": "*"}})),
            service_grant("c", "sns.amazonaws.com", json!({"StringEqualsIfExists": {"aws:SourceAccount": "111122223333"}})),
            service_grant("d", "logs.amazonaws.com", json!({"ArnLike": {"aws:SourceArn": "arn:aws:logs:us-east-1:*:log-group:*"}})),
            {"Sid": "e", "Effect": "Allow", "Principal": {"Service": ["apigateway.amazonaws.com"]}, "Action": "lambda:*"},
        ]))}),
    )]);
    let f = findings_of(&r, "LA103");
    assert_eq!(f.len(), 5, "{f:?}");
    let a = f
        .iter()
        .find(|x| x.evidence["statement"]["Sid"] == "a")
        .unwrap();
    assert_eq!(a.severity, Severity::High);
    assert!(
        !a.evidence["conditions_not_restricting"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[test]
fn la103_flags_alias_only_grant_on_the_alias() {
    let arn = function_arn("q");
    let r = run(vec![function(
        "q",
        json!({"aliases": {"status": "collected", "value": [{
            "name": "live", "arn": format!("{arn}:live"), "function_version": "1",
            "additional_version_weights": {}, "description": null,
            "policy": policy(json!([service_grant("s", "sqs.amazonaws.com", json!(null))]))
        }]}}),
    )]);
    let f = findings_of(&r, "LA103");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].resource_arn, format!("{arn}:live"));
    assert_eq!(f[0].evidence["qualifier"], "live");
}

#[test]
fn la103_passes_scoped_service_grants_and_others_checks_cases() {
    let r = run(vec![
        function(
            "ok",
            json!({"policy": policy(json!([
                service_grant("a", "s3.amazonaws.com", json!({"ArnLike": {"aws:SourceArn": "arn:aws:s3:::my-bucket"}})),
                service_grant("b", "sns.amazonaws.com", json!({"StringEquals": {"aws:SourceAccount": "111122223333"}})),
                service_grant("c", "events.amazonaws.com", json!({"ArnLike": {"aws:SourceArn": "arn:aws:events:us-east-1:111122223333:rule/r"}})),
                // Other actions, Deny, and principal "*" (LA101's) are not this check's.
                {"Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"}, "Action": "lambda:GetFunction"},
                {"Effect": "Deny", "Principal": {"Service": "s3.amazonaws.com"}, "Action": "lambda:InvokeFunction"},
                {"Effect": "Allow", "Principal": "*", "Action": "lambda:InvokeFunction"},
                {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:root"}, "Action": "lambda:InvokeFunction"},
            ]))}),
        ),
        function("none", json!({})),
    ]);
    assert!(
        findings_of(&r, "LA103").is_empty(),
        "{:?}",
        findings_of(&r, "LA103")
    );
    assert!(r.not_evaluated.iter().all(|n| n.check_id != "LA103"));
}

#[test]
fn la103_reports_not_evaluated_when_policy_was_not_seen() {
    let r = run(vec![function(
        "h",
        json!({"policy": failed("lambda:GetPolicy")}),
    )]);
    assert!(findings_of(&r, "LA103").is_empty());
    assert_eq!(
        r.not_evaluated
            .iter()
            .filter(|n| n.check_id == "LA103")
            .count(),
        1
    );
}

#[test]
fn la103_flags_china_partition_service_principal() {
    let r = run(vec![function(
        "cn",
        json!({"policy": policy(json!([service_grant("cn", "events.amazonaws.com.cn", json!(null))]))}),
    )]);
    assert_eq!(findings_of(&r, "LA103").len(), 1);
}

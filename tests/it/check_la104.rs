//! LA104 cross-account-invoke.

use crate::support::*;
use lambda_audit::checks::run_with;
use lambda_audit::guardrails::Guardrails;
use serde_json::json;

fn grant(
    sid: &str,
    principal: serde_json::Value,
    condition: serde_json::Value,
) -> serde_json::Value {
    let mut s = json!({"Sid": sid, "Effect": "Allow", "Principal": principal,
                       "Action": "lambda:InvokeFunction", "Resource": "*"});
    if !condition.is_null() {
        s["Condition"] = condition;
    }
    s
}

#[test]
fn la104_flags_foreign_account_principals_and_conditions() {
    let r = run(vec![function(
        "f",
        json!({"policy": policy(json!([
            grant("acct", json!({"AWS": ["arn:aws:iam::444455556666:root", "111122223333"]}), json!(null)),
            grant("role", json!({"AWS": "arn:aws:iam::777788889999:role/caller"}), json!(null)),
            grant("svc", json!({"Service": "sns.amazonaws.com"}), json!({"StringEquals": {"aws:SourceAccount": "999988887777"}})),
            grant("org", json!("*"), json!({"StringEquals": {"aws:PrincipalAccount": ["555566667777"]}})),
        ]))}),
    )]);
    let f = findings_of(&r, "LA104");
    assert_eq!(f.len(), 4, "{f:?}");
    let accounts = |sid: &str| {
        f.iter()
            .find(|x| x.evidence["statement"]["Sid"] == sid)
            .map(|x| x.evidence["accounts"].clone())
            .unwrap()
    };
    assert_eq!(accounts("acct"), json!(["444455556666"]));
    assert_eq!(accounts("role"), json!(["777788889999"]));
    assert_eq!(accounts("svc"), json!(["999988887777"]));
    assert_eq!(accounts("org"), json!(["555566667777"]));
}

#[test]
fn la104_passes_own_and_allow_listed_accounts() {
    let inv = inventory(vec![function(
        "f",
        json!({"policy": policy(json!([
            grant("own", json!({"AWS": "arn:aws:iam::111122223333:root"}), json!(null)),
            grant("partner", json!({"AWS": "444455556666"}), json!(null)),
            grant("svc", json!({"Service": "s3.amazonaws.com"}), json!({"StringEquals": {"aws:SourceAccount": "111122223333"}})),
            // A wildcard condition value names no account (LA101/LA103 judge these).
            grant("wild", json!({"Service": "sns.amazonaws.com"}), json!({"StringLike": {"aws:SourceAccount": "*"}})),
            {"Effect": "Deny", "Principal": {"AWS": "999988887777"}, "Action": "lambda:InvokeFunction"},
            {"Effect": "Allow", "Principal": {"AWS": "999988887777"}, "Action": "lambda:GetFunction"},
        ]))}),
    )]);
    let mut guardrails = Guardrails::default();
    guardrails
        .allowed_invoker_accounts
        .insert("444455556666".to_string());
    let r = run_with(&inv, &guardrails);
    assert!(
        findings_of(&r, "LA104").is_empty(),
        "{:?}",
        findings_of(&r, "LA104")
    );
    // Without the allow-list the partner is reported.
    let r = run_with(&inv, &Guardrails::default());
    assert_eq!(findings_of(&r, "LA104").len(), 1);
}

#[test]
fn la104_flags_version_grant_and_reports_unseen_policies() {
    let arn = function_arn("v");
    let r = run(vec![function(
        "v",
        json!({
            "policy": failed("lambda:GetPolicy"),
            "versions": [{
                "version": "2", "arn": format!("{arn}:2"), "role": "r", "runtime": null,
                "description": null, "code_sha256": null, "last_modified": null,
                "environment": [], "policy": policy(json!([grant("x", json!({"AWS": "444455556666"}), json!(null))]))
            }]
        }),
    )]);
    let f = findings_of(&r, "LA104");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].resource_arn, format!("{arn}:2"));
    assert_eq!(
        r.not_evaluated
            .iter()
            .filter(|n| n.check_id == "LA104")
            .count(),
        1
    );
}

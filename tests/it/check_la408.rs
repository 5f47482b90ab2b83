//! LA408 permissive-trust-policy.

use crate::support::*;
use lambda_audit::findings::Severity;
use serde_json::{Value, json};

fn trust(statements: Value) -> Value {
    json!({"trust_policy": {"Version": "2012-10-17", "Statement": statements}})
}

fn lambda_statement() -> Value {
    json!({"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"})
}

fn audit(trust_patch: Value) -> lambda_audit::checks::CheckResults {
    lambda_audit::checks::run_all(&iam_inventory(
        vec![function("f", json!({}))],
        json!({"roles": [iam_role("fixture-role", trust_patch)]}),
    ))
}

#[test]
fn la408_flags_everyone_as_critical() {
    for principal in [json!("*"), json!({"AWS": "*"})] {
        let r = audit(trust(json!([lambda_statement(),
            {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}])));
        let f = findings_of(&r, "LA408");
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].severity, Severity::Critical);
        assert_eq!(f[0].resource_arn, function_arn("f"));
        assert_eq!(f[0].evidence["everyone"], true);
        assert_eq!(
            f[0].evidence["role_arn"],
            "arn:aws:iam::111122223333:role/fixture-role"
        );
    }
    // NotPrincipal with Allow admits everyone else.
    let r = audit(trust(json!([{"Effect": "Allow",
        "NotPrincipal": {"AWS": "arn:aws:iam::999988887777:root"}, "Action": "sts:AssumeRole"}])));
    assert_eq!(findings_of(&r, "LA408")[0].severity, Severity::Critical);
}

#[test]
fn la408_flags_other_accounts_services_and_federated_principals() {
    let r = audit(trust(json!([
        {"Effect": "Allow", "Principal": {"Service": ["lambda.amazonaws.com", "ec2.amazonaws.com"]},
         "Action": "sts:AssumeRole"},
        {"Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::444455556666:role/ci", "777788889999"]},
         "Action": "sts:AssumeRole", "Condition": {"StringEquals": {"sts:ExternalId": "x"}}},
        {"Effect": "Allow", "Principal": {"Federated": "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"},
         "Action": "sts:AssumeRoleWithWebIdentity"},
    ])));
    let f = findings_of(&r, "LA408");
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0].severity, Severity::High);
    let e = &f[0].evidence;
    assert_eq!(
        e["foreign_accounts"],
        json!(["444455556666", "777788889999"])
    );
    assert_eq!(e["services"], json!(["ec2.amazonaws.com"]));
    assert_eq!(
        e["federated"],
        json!(["arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"])
    );
    assert_eq!(e["statements"].as_array().unwrap().len(), 3);
}

#[test]
fn la408_flags_own_account_principals_as_medium_and_scoped_everyone_as_high() {
    let r = audit(trust(json!([lambda_statement(),
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "sts:AssumeRole"}])));
    let f = findings_of(&r, "LA408");
    assert_eq!(f[0].severity, Severity::Medium);
    assert_eq!(
        f[0].evidence["own_account_principals"],
        json!(["arn:aws:iam::111122223333:root"])
    );
    let r = audit(trust(
        json!([{"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}}]),
    ));
    let f = findings_of(&r, "LA408");
    assert_eq!(f[0].severity, Severity::High);
    assert_eq!(f[0].evidence["everyone_with_condition"], true);
}

#[test]
fn la408_passes_lambda_edge_and_missing_source_account() {
    let cases = [
        // The usual trust policy: no aws:SourceAccount, and none is required.
        json!([lambda_statement()]),
        // Lambda@Edge.
        json!([{"Effect": "Allow", "Principal": {"Service": ["lambda.amazonaws.com", "edgelambda.amazonaws.com"]},
                "Action": "sts:AssumeRole"}]),
        // The role trusting itself, as AWS documents for code that re-assumes it.
        json!([lambda_statement(), {"Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::111122223333:role/fixture-role"}, "Action": "sts:AssumeRole"}]),
        // Not an assume action; a Deny.
        json!([lambda_statement(),
            {"Effect": "Allow", "Principal": {"AWS": "444455556666"}, "Action": "sts:TagSession"},
            {"Effect": "Deny", "Principal": "*", "Action": "sts:AssumeRole",
             "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]),
    ];
    for statements in cases {
        let r = audit(trust(statements.clone()));
        assert!(
            findings_of(&r, "LA408").is_empty(),
            "{statements}: {:?}",
            findings_of(&r, "LA408")
        );
        assert!(r.not_evaluated.iter().all(|n| n.check_id != "LA408"));
    }
}

#[test]
fn la408_reports_not_evaluated_without_trust_policy_or_role() {
    let r = audit(json!({"trust_policy": null}));
    let ne: Vec<_> = r
        .not_evaluated
        .iter()
        .filter(|n| n.check_id == "LA408")
        .collect();
    assert_eq!(ne.len(), 1);
    assert!(ne[0].reason.contains("trust policy"), "{}", ne[0].reason);
    // The base inventory has no roles at all.
    let r = run(vec![function("f", json!({}))]);
    let ne: Vec<_> = r
        .not_evaluated
        .iter()
        .filter(|n| n.check_id == "LA408")
        .collect();
    assert_eq!(ne.len(), 1);
    assert!(ne[0].reason.contains("not among the collected IAM roles"));
    let r = lambda_audit::checks::run_all(&iam_inventory(
        vec![function("f", json!({}))],
        json!({"roles": failed("iam:GetAccountAuthorizationDetails")}),
    ));
    let ne: Vec<_> = r
        .not_evaluated
        .iter()
        .filter(|n| n.check_id == "LA408")
        .collect();
    assert_eq!(ne.len(), 1);
    assert!(ne[0].reason.contains("failed"), "{}", ne[0].reason);
    assert!(findings_of(&r, "LA408").is_empty());
}

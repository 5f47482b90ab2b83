//! LA108 layer-from-untrusted-account.

use crate::support::*;
use lambda_audit::checks::run_with;
use lambda_audit::findings::Severity;
use lambda_audit::guardrails::Guardrails;
use serde_json::json;

#[test]
fn la108_flags_layer_from_unknown_account() {
    let layer = "arn:aws:lambda:us-east-1:999988887777:layer:helpers:4";
    let r = run(vec![function("f", json!({"layers": [layer]}))]);
    let f = findings_of(&r, "LA108");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].severity, Severity::High);
    assert_eq!(f[0].evidence["layer_account"], "999988887777");
    assert_eq!(f[0].resource_arn, function_arn("f"));
}

#[test]
fn la108_passes_own_aws_and_allow_listed_layers() {
    let inv = inventory(vec![function(
        "f",
        json!({"layers": [
            "arn:aws:lambda:us-east-1:111122223333:layer:own:1",
            "arn:aws:lambda:us-east-1:017000801446:layer:AWSLambdaPowertoolsPythonV3-python312-x86_64:7",
            "arn:aws:lambda:us-east-1:580247275435:layer:LambdaInsightsExtension:53",
            "arn:aws:lambda:us-east-1:177933569100:layer:AWS-Parameters-and-Secrets-Lambda-Extension:12",
            "arn:aws:lambda:us-east-1:027255383542:layer:AWS-AppConfig-Extension:128",
            "arn:aws:lambda:us-east-1:901920570463:layer:aws-otel-python-amd64-ver-1-20-0:3",
            "arn:aws:lambda:us-east-1:444455556666:layer:partner:2",
        ]}),
    )]);
    let mut g = Guardrails::default();
    g.allowed_layer_accounts.insert("444455556666".to_string());
    let r = run_with(&inv, &g);
    assert!(
        findings_of(&r, "LA108").is_empty(),
        "{:?}",
        findings_of(&r, "LA108")
    );
    assert!(r.not_evaluated.iter().all(|n| n.check_id != "LA108"));
    // The partner's layer is reported without the allow-list.
    assert_eq!(
        findings_of(&run_with(&inv, &Guardrails::default()), "LA108").len(),
        1
    );
}

#[test]
fn la108_every_trusted_account_is_a_twelve_digit_id_with_a_source() {
    use lambda_audit::checks::exposure::trusted_layer_publishers::AWS_LAYER_PUBLISHERS;
    let mut seen = std::collections::BTreeSet::new();
    for p in AWS_LAYER_PUBLISHERS {
        assert!(
            p.account.len() == 12 && p.account.chars().all(|c| c.is_ascii_digit()),
            "{}",
            p.account
        );
        assert!(seen.insert(p.account), "duplicate {}", p.account);
        assert!(!p.source.is_empty() && !p.publisher.is_empty());
    }
}

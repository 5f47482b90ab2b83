//! LA504 environment-drift.

use crate::drift_support::*;
use crate::support::*;
use lambda_audit::findings::{Finding, Severity};
use lambda_audit::inventory::secrets::redact_env;
use serde_json::{Value, json};

const DEPLOYED_SECRET: &str = "sk_live_51HdeployedQp8Xz3TnV0aLmRk";
const DECLARED_SECRET: &str = "sk_live_51HdeclaredWr2Yc7JbU4eNsPq";

/// A function `api` whose environment holds `vars` (redacted as collection redacts them).
fn with_env(vars: &[(&str, &str)]) -> Value {
    let env = redact_env(vars.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    function(
        "api",
        json!({"environment": serde_json::to_value(env).unwrap()}),
    )
}

fn change<'a>(findings: &[&'a Finding], variable: &str) -> &'a Finding {
    finding_where(findings, "variable", variable)
}

const TEMPLATE: &str = r#"
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Api:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: api
      Role: arn:aws:iam::111122223333:role/fixture-role
      Code: {ZipFile: "x"}
      Environment:
        Variables:
          TABLE: orders
          STRIPE_KEY: sk_live_51HdeclaredWr2Yc7JbU4eNsPq
          FEATURE_FLAGS: !Sub "${AWS::Region}-beta"
          LOG_LEVEL: info
"#;

#[test]
fn la504_flags_added_removed_and_changed_variables_without_showing_values() {
    let inv = inventory(vec![with_env(&[
        ("TABLE", "orders"),
        ("STRIPE_KEY", DEPLOYED_SECRET),
        ("FEATURE_FLAGS", "us-east-1-beta"),
        ("DEBUG_TOKEN", "ghp_0123456789abcdefghijklmnopqrstuvwxyz"),
    ])]);
    let r = drift(&inv, TEMPLATE);
    let f = findings_of(&r, "LA504");
    assert_eq!(f.len(), 3, "{f:#?}");

    let added = change(&f, "DEBUG_TOKEN");
    assert_eq!(added.evidence["change"], "added");
    assert_eq!(added.severity, Severity::Medium);

    let changed = change(&f, "STRIPE_KEY");
    assert_eq!(changed.evidence["change"], "changed");
    assert_eq!(changed.severity, Severity::Medium);

    let removed = change(&f, "LOG_LEVEL");
    assert_eq!(removed.evidence["change"], "removed");
    assert_eq!(removed.severity, Severity::Low);

    for finding in &f {
        assert_eq!(finding.resource_arn, function_arn("api"));
        // Every finding points at the `Environment` property.
        assert_eq!(
            declared_line(finding),
            Some(line_of(TEMPLATE, "Variables:")),
            "{finding:#?}"
        );
    }
    // Neither value, nor the deployed token, ever appears.
    let serialized = serde_json::to_string(&r.findings).unwrap();
    for secret in [
        DEPLOYED_SECRET,
        DECLARED_SECRET,
        "ghp_0123456789abcdefghijklmnopqrstuvwxyz",
    ] {
        assert!(
            !serialized.contains(secret),
            "a value leaked into the findings"
        );
    }
    assert!(not_evaluated(&r, "LA504").is_empty());
}

#[test]
fn la504_passes_when_equal_and_when_declared_values_are_unknown() {
    let inv = inventory(vec![with_env(&[
        ("TABLE", "orders"),
        ("STRIPE_KEY", DECLARED_SECRET),
        ("FEATURE_FLAGS", "us-east-1-beta"),
        ("LOG_LEVEL", "info"),
    ])]);
    let r = drift(&inv, TEMPLATE);
    assert!(
        findings_of(&r, "LA504").is_empty(),
        "{:#?}",
        findings_of(&r, "LA504")
    );
    let summary = r.per_check.iter().find(|c| c.check_id == "LA504").unwrap();
    assert_eq!(summary.evaluated, 1);

    // An unresolvable declared value matches whatever is deployed.
    const IMPORTED: &str = r#"
Resources:
  Api:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: api
      Role: arn:aws:iam::111122223333:role/fixture-role
      Code: {ZipFile: "x"}
      Environment:
        Variables:
          STRIPE_KEY: !ImportValue payments-stripe-key
          TABLE: orders
"#;
    let inv = inventory(vec![with_env(&[
        ("TABLE", "orders"),
        ("STRIPE_KEY", DEPLOYED_SECRET),
    ])]);
    let r = drift(&inv, IMPORTED);
    assert!(
        findings_of(&r, "LA504").is_empty(),
        "{:#?}",
        findings_of(&r, "LA504")
    );

    // ... but its variable is still missed when it is not deployed.
    let inv = inventory(vec![with_env(&[("TABLE", "orders")])]);
    let r = drift(&inv, IMPORTED);
    let f = findings_of(&r, "LA504");
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0].evidence["variable"], "STRIPE_KEY");
    assert_eq!(f[0].evidence["change"], "removed");
}

#[test]
fn la504_reports_value_changes_of_a_snapshot_without_digests_as_not_evaluated() {
    // Snapshots written before `value_digest` existed: value changes cannot be judged, while
    // added and removed variables still can.
    let mut f = with_env(&[
        ("TABLE", "orders"),
        ("STRIPE_KEY", DEPLOYED_SECRET),
        ("FEATURE_FLAGS", "us-east-1-beta"),
        ("DEBUG", "1"),
    ]);
    for var in f["environment"].as_array_mut().unwrap() {
        var["value"].as_object_mut().unwrap().remove("value_digest");
    }
    let r = drift(&inventory(vec![f]), TEMPLATE);
    let f = findings_of(&r, "LA504");
    assert_eq!(f.len(), 2, "{f:#?}");
    assert_eq!(change(&f, "DEBUG").evidence["change"], "added");
    assert_eq!(change(&f, "LOG_LEVEL").evidence["change"], "removed");
    let skipped = not_evaluated(&r, "LA504");
    assert_eq!(skipped.len(), 1, "{skipped:#?}");
    assert_eq!(skipped[0].resource, function_arn("api"));
    for name in ["STRIPE_KEY", "TABLE", "FEATURE_FLAGS"] {
        assert!(skipped[0].reason.contains(name), "{}", skipped[0].reason);
    }
}

#[test]
fn la504_reports_not_evaluated_for_a_computed_map_or_an_unreadable_environment() {
    const COMPUTED: &str = r#"
Parameters:
  Stage:
    Type: String
    Default: dev
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
Resources:
  Api:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: api
      Role: arn:aws:iam::111122223333:role/fixture-role
      Code: {ZipFile: "x"}
      Environment:
        Variables: !If [IsProd, {MODE: live}, {MODE: test}]
"#;
    let inv = inventory(vec![with_env(&[("OTHER", "x")])]);
    let r = drift(&inv, COMPUTED);
    assert!(
        findings_of(&r, "LA504").is_empty(),
        "{:#?}",
        findings_of(&r, "LA504")
    );
    let skipped = not_evaluated(&r, "LA504");
    assert_eq!(skipped.len(), 1, "{skipped:#?}");
    assert_eq!(skipped[0].resource, function_arn("api"));
    assert!(
        skipped[0].reason.contains("computed"),
        "{}",
        skipped[0].reason
    );

    let mut f = with_env(&[]);
    f["environment_error"] = json!("KMSAccessDeniedException: the key is disabled");
    let r = drift(&inventory(vec![f]), TEMPLATE);
    assert!(
        findings_of(&r, "LA504").is_empty(),
        "{:#?}",
        findings_of(&r, "LA504")
    );
    let skipped = not_evaluated(&r, "LA504");
    assert_eq!(skipped.len(), 1, "{skipped:#?}");
    assert!(
        skipped[0].reason.contains("KMSAccessDenied"),
        "{}",
        skipped[0].reason
    );
}

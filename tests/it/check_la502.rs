//! LA502 declared-function-missing.

use crate::drift_support::*;
use crate::support::*;
use lambda_audit::findings::Severity;
use serde_json::json;

const TWO_FUNCTIONS: &str = r#"
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Api:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: api
      Role: arn:aws:iam::111122223333:role/fixture-role
      Code: {ZipFile: "x"}
  Reports:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: reports
      Role: arn:aws:iam::111122223333:role/fixture-role
      Code: {ZipFile: "x"}
"#;

#[test]
fn la502_flags_a_named_function_that_is_not_deployed_as_low() {
    let inv = inventory(vec![function("api", json!({}))]);
    let r = drift(&inv, TWO_FUNCTIONS);
    let f = findings_of(&r, "LA502");
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0].severity, Severity::Low);
    assert_eq!(f[0].resource_arn, function_arn("reports"));
    assert_eq!(f[0].function_name.as_deref(), Some("reports"));
    assert_eq!(f[0].region, "us-east-1");
    assert_eq!(f[0].evidence["declaration"]["key"], "Reports");
    assert_eq!(f[0].evidence["declaration"]["format"], "cloud_formation");
    // A resource is located at its logical id.
    assert_eq!(
        declared_line(f[0]),
        Some(line_of(TWO_FUNCTIONS, "Reports:"))
    );
    assert!(not_evaluated(&r, "LA502").is_empty());
}

#[test]
fn la502_flags_a_generated_name_that_matches_nothing_by_its_declaration() {
    const UNNAMED: &str = r#"
Resources:
  Worker:
    Type: AWS::Lambda::Function
    Properties: {Role: arn:aws:iam::111122223333:role/r, Code: {ZipFile: "x"}}
"#;
    // A function of another stack with the same logical id is not this one.
    let inv = inventory(vec![function(
        "other-Worker-ABCDEF123456",
        json!({"tags": {"status": "collected", "value": {
            "aws:cloudformation:stack-name": "other", "aws:cloudformation:logical-id": "Worker"}}}),
    )]);
    let r = drift_with_parameters(&inv, UNNAMED, &[("AWS::StackName", "shop")]);
    let f = findings_of(&r, "LA502");
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0].resource_arn, "declared:template.yaml#Worker");
    assert_eq!(f[0].function_name, None);
    assert!(
        f[0].message.contains("CloudFormation tags"),
        "{}",
        f[0].message
    );
    assert_eq!(f[0].evidence["declaration"]["stack_name"], "shop");
}

#[test]
fn la502_passes_when_every_declared_function_is_deployed() {
    let inv = inventory(vec![
        function("api", json!({})),
        function("reports", json!({})),
    ]);
    let r = drift(&inv, TWO_FUNCTIONS);
    assert!(findings_of(&r, "LA502").is_empty(), "{:#?}", r.findings);
    assert!(not_evaluated(&r, "LA502").is_empty());
    let summary = r.per_check.iter().find(|c| c.check_id == "LA502").unwrap();
    assert_eq!(summary.evaluated, 2);
}

#[test]
fn la502_passes_a_function_declared_for_a_region_outside_the_audit() {
    let inv = inventory(vec![function("api", json!({}))]);
    let r = drift_with_parameters(&inv, TWO_FUNCTIONS, &[("AWS::Region", "eu-west-1")]);
    // Neither missing nor not evaluated: this audit did not look at eu-west-1.
    assert!(findings_of(&r, "LA502").is_empty(), "{:#?}", r.findings);
    assert!(not_evaluated(&r, "LA502").is_empty());
    // And the us-east-1 `api` is then not the declared one.
    let unmanaged = findings_of(&r, "LA501");
    assert_eq!(unmanaged.len(), 1);
    assert_eq!(unmanaged[0].function_name.as_deref(), Some("api"));
}

#[test]
fn la502_reports_not_evaluated_when_the_region_could_not_be_listed() {
    let inv = inventory_with_region(
        vec![],
        json!({"functions_listing": failed("lambda:ListFunctions")}),
    );
    let r = drift(&inv, TWO_FUNCTIONS);
    assert!(findings_of(&r, "LA502").is_empty(), "{:#?}", r.findings);
    let skipped = not_evaluated(&r, "LA502");
    assert_eq!(skipped.len(), 2, "{skipped:#?}");
    assert!(skipped.iter().any(|n| n.resource == "reports"));
    assert!(
        skipped
            .iter()
            .all(|n| n.region == "us-east-1" && n.reason.contains("AccessDenied")),
        "{skipped:#?}"
    );
}

#[test]
fn la502_reports_not_evaluated_for_a_generated_name_without_a_known_stack() {
    const UNNAMED: &str = r#"
Resources:
  Worker:
    Type: AWS::Lambda::Function
    Properties: {Role: arn:aws:iam::111122223333:role/r, Code: {ZipFile: "x"}}
"#;
    let r = drift(&inventory(vec![function("api", json!({}))]), UNNAMED);
    assert!(
        findings_of(&r, "LA502").is_empty(),
        "{:#?}",
        findings_of(&r, "LA502")
    );
    let skipped = not_evaluated(&r, "LA502");
    assert_eq!(skipped.len(), 1, "{skipped:#?}");
    assert_eq!(skipped[0].resource, "Worker");
    assert!(
        skipped[0].reason.contains("AWS::StackName"),
        "{}",
        skipped[0].reason
    );
}

//! LA501 unmanaged-function.

use crate::drift_support::*;
use crate::support::*;
use lambda_audit::checks::run_all;
use lambda_audit::findings::Severity;
use serde_json::{Value, json};

/// Declares the function `api` only.
const API_ONLY: &str = r#"
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Api:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: api
      Runtime: python3.12
      Handler: index.handler
      Role: arn:aws:iam::111122223333:role/fixture-role
      MemorySize: 1024
      Timeout: 60
      Code: {ZipFile: "def handler(e, c): pass"}
"#;

fn tags(pairs: Value) -> Value {
    json!({"tags": {"status": "collected", "value": pairs}})
}

fn url(name: &str, auth: &str) -> Value {
    json!({"status": "collected", "value": [{
        "url": format!("https://{name}.lambda-url.us-east-1.on.aws/"),
        "target_arn": function_arn(name), "qualifier": null, "auth_type": auth,
        "cors": null, "invoke_mode": "BUFFERED", "last_modified": null
    }]})
}

fn url_grant() -> Value {
    json!({"Sid": "url", "Effect": "Allow", "Principal": "*", "Action": "lambda:InvokeFunctionUrl",
           "Resource": "*", "Condition": {"StringEquals": {"lambda:FunctionUrlAuthType": "NONE"}}})
}

#[test]
fn la501_flags_an_undeclared_function_as_medium_naming_its_stack() {
    let inv = inventory(vec![
        function("api", json!({})),
        function(
            "manual",
            tags(json!({"aws:cloudformation:stack-name": "other-stack",
                        "aws:cloudformation:logical-id": "Manual"})),
        ),
    ]);
    let r = drift(&inv, API_ONLY);
    let f = findings_of(&r, "LA501");
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0].severity, Severity::Medium);
    assert_eq!(f[0].resource_arn, function_arn("manual"));
    assert_eq!(f[0].function_name.as_deref(), Some("manual"));
    assert_eq!(f[0].region, "us-east-1");
    assert_eq!(f[0].evidence["stack_name"], "other-stack");
    assert_eq!(f[0].evidence["runtime"], "python3.12");
    assert_eq!(f[0].evidence["public_url"], Value::Null);
    assert!(f[0].message.contains("other-stack"), "{}", f[0].message);
    assert!(f[0].declared_at.is_none());
    assert!(not_evaluated(&r, "LA501").is_empty());
    let summary = r.per_check.iter().find(|c| c.check_id == "LA501").unwrap();
    assert_eq!(summary.evaluated, 1);
}

#[test]
fn la501_flags_an_undeclared_public_url_as_high() {
    let inv = inventory(vec![
        function("api", json!({})),
        function(
            "open",
            json!({"policy": policy(json!([url_grant()])), "url_configs": url("open", "NONE")}),
        ),
        // A NONE URL that no grant admits, and an IAM URL: not public.
        function("dormant", json!({"url_configs": url("dormant", "NONE")})),
        function("signed", json!({"url_configs": url("signed", "AWS_IAM")})),
    ]);
    let r = drift(&inv, API_ONLY);
    let f = findings_of(&r, "LA501");
    let by_name = |n: &str| {
        f.iter()
            .find(|x| x.function_name.as_deref() == Some(n))
            .unwrap_or_else(|| panic!("{n} is flagged"))
    };
    assert_eq!(f.len(), 3, "{f:#?}");
    let open = by_name("open");
    assert_eq!(open.severity, Severity::High);
    assert_eq!(
        open.evidence["public_url"],
        "https://open.lambda-url.us-east-1.on.aws/"
    );
    assert!(open.message.contains("public function URL"));
    assert_eq!(by_name("dormant").severity, Severity::Medium);
    assert_eq!(by_name("dormant").evidence["public_url"], Value::Null);
    assert_eq!(by_name("signed").severity, Severity::Medium);
}

#[test]
fn la501_passes_when_every_function_is_declared_by_name_tags_or_generated_name() {
    const STACK: &str = r#"
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Api:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: api
      Role: arn:aws:iam::111122223333:role/fixture-role
      Code: {ZipFile: "x"}
  Worker:
    Type: AWS::Lambda::Function
    Properties:
      Role: arn:aws:iam::111122223333:role/fixture-role
      Code: {ZipFile: "x"}
  Cron:
    Type: AWS::Lambda::Function
    Properties:
      Role: arn:aws:iam::111122223333:role/fixture-role
      Code: {ZipFile: "x"}
"#;
    let inv = inventory(vec![
        function("api", json!({})),
        // Generated name, matched by its stack tags.
        function(
            "shop-Worker-1A2B3C4D5E6F",
            tags(json!({"aws:cloudformation:stack-name": "shop",
                        "aws:cloudformation:logical-id": "Worker"})),
        ),
        // Generated name without tags (an emulator): matched by the name pattern.
        function("shop-Cron-9Z8Y7X6W5V4U", json!({})),
    ]);
    let r = drift(&inv, STACK);
    assert!(findings_of(&r, "LA501").is_empty(), "{:#?}", r.findings);
    assert!(findings_of(&r, "LA502").is_empty(), "{:#?}", r.findings);
    assert!(not_evaluated(&r, "LA501").is_empty());
}

#[test]
fn la501_does_not_match_a_generated_name_of_another_logical_id() {
    // `shop-Cron-Extra-…` is not `shop-Cron-<suffix>`: a suffix has no dash.
    const STACK: &str = r#"
Resources:
  Worker:
    Type: AWS::Lambda::Function
    Properties: {Role: arn:aws:iam::111122223333:role/r, Code: {ZipFile: "x"}}
  Cron:
    Type: AWS::Lambda::Function
    Properties: {Role: arn:aws:iam::111122223333:role/r, Code: {ZipFile: "x"}}
"#;
    let inv = inventory(vec![
        function(
            "shop-Worker-1A2B3C4D5E6F",
            tags(json!({"aws:cloudformation:stack-name": "shop",
                        "aws:cloudformation:logical-id": "Worker"})),
        ),
        function("shop-Cron-Extra-9Z8Y7X6W5V4U", json!({})),
    ]);
    let r = drift(&inv, STACK);
    let f = findings_of(&r, "LA501");
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(
        f[0].function_name.as_deref(),
        Some("shop-Cron-Extra-9Z8Y7X6W5V4U")
    );
    assert_eq!(findings_of(&r, "LA502").len(), 1);
}

#[test]
fn la501_reports_not_evaluated_when_the_function_list_failed() {
    let inv = inventory_with_region(
        vec![function("manual", json!({}))],
        json!({"functions_listing": failed("lambda:ListFunctions")}),
    );
    let r = drift(&inv, API_ONLY);
    assert!(findings_of(&r, "LA501").is_empty());
    let skipped = not_evaluated(&r, "LA501");
    assert_eq!(skipped.len(), 1, "{skipped:#?}");
    assert_eq!(skipped[0].resource, "all functions in us-east-1");
    assert!(
        skipped[0].reason.contains("lambda:ListFunctions"),
        "{}",
        skipped[0].reason
    );
}

#[test]
fn la501_passes_without_a_declared_estate_because_drift_does_not_run() {
    let inv = inventory(vec![function("manual", json!({}))]);
    let r = run_all(&inv);
    assert!(r.findings.iter().all(|f| !f.check_id.starts_with("LA5")));
    assert!(
        r.not_evaluated
            .iter()
            .all(|n| !n.check_id.starts_with("LA5"))
    );
    assert!(r.per_check.iter().any(|c| c.check_id == "LA101"));
    assert!(
        !r.per_check.iter().any(|c| c.check_id.starts_with("LA5")),
        "drift checks ran without declarations"
    );
}

#[test]
fn la501_reports_not_evaluated_for_untagged_functions_when_names_are_generated() {
    // `Worker`'s name is generated; a function whose tags could not be read may be it.
    const GENERATED: &str = r#"
Resources:
  Worker:
    Type: AWS::Lambda::Function
    Properties: {Role: arn:aws:iam::111122223333:role/r, Code: {ZipFile: "x"}}
"#;
    let inv = inventory(vec![
        function(
            "shop-Worker-1A2B3C4D5E6F",
            tags(json!({"aws:cloudformation:stack-name": "shop",
                        "aws:cloudformation:logical-id": "Worker"})),
        ),
        function("mystery", json!({"tags": failed("lambda:GetFunction")})),
    ]);
    let r = drift(&inv, GENERATED);
    assert!(
        findings_of(&r, "LA501").is_empty(),
        "{:#?}",
        findings_of(&r, "LA501")
    );
    let skipped = not_evaluated(&r, "LA501");
    assert_eq!(skipped.len(), 1, "{skipped:#?}");
    assert_eq!(skipped[0].resource, function_arn("mystery"));
    assert!(skipped[0].reason.contains("tags"), "{}", skipped[0].reason);

    // With every declared name known, untagged functions are judged by name.
    let r = drift(
        &inventory(vec![function(
            "mystery",
            json!({"tags": failed("lambda:GetFunction")}),
        )]),
        API_ONLY,
    );
    let f = findings_of(&r, "LA501");
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0].function_name.as_deref(), Some("mystery"));
}

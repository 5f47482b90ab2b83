//! LA506 function-url-drift.

use crate::drift_support::*;
use crate::support::*;
use lambda_audit::findings::{Finding, Severity};
use serde_json::{Value, json};

fn url(name: &str, auth: &str, cors: Value) -> Value {
    json!({
        "url": format!("https://{name}.lambda-url.us-east-1.on.aws/"),
        "target_arn": function_arn(name), "qualifier": null, "auth_type": auth,
        "cors": cors, "invoke_mode": "BUFFERED", "last_modified": null
    })
}

fn cors(origins: &[&str], methods: &[&str]) -> Value {
    json!({"allow_origins": origins, "allow_methods": methods, "allow_headers": [],
           "expose_headers": [], "allow_credentials": false, "max_age": null})
}

fn with_urls(name: &str, urls: Vec<Value>) -> Value {
    function(
        name,
        json!({"url_configs": {"status": "collected", "value": urls}}),
    )
}

fn of<'a>(findings: &[&'a Finding], name: &str) -> Vec<&'a Finding> {
    findings
        .iter()
        .filter(|f| f.function_name.as_deref() == Some(name))
        .copied()
        .collect()
}

/// `plain` and `signed` declare no URL; `iam` declares an AWS_IAM URL (CloudFormation),
/// `public` a NONE URL with CORS (SAM).
const TEMPLATE: &str = r#"
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Plain:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: plain
      Role: arn:aws:iam::111122223333:role/fixture-role
      Code: {ZipFile: "x"}
  Signed:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: signed
      Role: arn:aws:iam::111122223333:role/fixture-role
      Code: {ZipFile: "x"}
  Iam:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: iam
      Role: arn:aws:iam::111122223333:role/fixture-role
      Code: {ZipFile: "x"}
  IamUrl:
    Type: AWS::Lambda::Url
    Properties:
      TargetFunctionArn: !GetAtt Iam.Arn
      AuthType: AWS_IAM
  Public:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: public
      Runtime: python3.12
      Handler: index.handler
      Role: arn:aws:iam::111122223333:role/fixture-role
      CodeUri: src/
      FunctionUrlConfig:
        AuthType: NONE
        Cors:
          AllowOrigins: ["https://shop.example.com"]
          AllowMethods: [GET, POST]
"#;

#[test]
fn la506_flags_urls_added_out_of_band_by_auth_type() {
    let inv = inventory(vec![
        with_urls("plain", vec![url("plain", "NONE", Value::Null)]),
        with_urls("signed", vec![url("signed", "AWS_IAM", Value::Null)]),
        with_urls("iam", vec![url("iam", "AWS_IAM", Value::Null)]),
        with_urls(
            "public",
            vec![url(
                "public",
                "NONE",
                cors(&["https://shop.example.com"], &["GET", "POST"]),
            )],
        ),
    ]);
    let r = drift(&inv, TEMPLATE);
    let f = findings_of(&r, "LA506");
    assert_eq!(f.len(), 2, "{f:#?}");
    let plain = of(&f, "plain");
    assert_eq!(plain.len(), 1);
    assert_eq!(plain[0].severity, Severity::Critical);
    assert_eq!(plain[0].resource_arn, function_arn("plain"));
    assert_eq!(plain[0].evidence["change"], "added");
    assert_eq!(plain[0].evidence["detail"]["auth_type"], "NONE");
    assert_eq!(
        plain[0].evidence["detail"]["url"],
        "https://plain.lambda-url.us-east-1.on.aws/"
    );
    assert_eq!(declared_line(plain[0]), Some(line_of(TEMPLATE, "Plain:")));
    let signed = of(&f, "signed");
    assert_eq!(signed.len(), 1);
    assert_eq!(signed[0].severity, Severity::Medium);
    assert_eq!(signed[0].evidence["change"], "added");
}

#[test]
fn la506_flags_changed_auth_and_cors_and_a_removed_url() {
    let inv = inventory(vec![
        with_urls("plain", vec![]),
        with_urls("signed", vec![]),
        // Declared AWS_IAM, opened to NONE.
        with_urls("iam", vec![url("iam", "NONE", Value::Null)]),
        // Declared NONE, now AWS_IAM; CORS opened to any origin.
        with_urls(
            "public",
            vec![url("public", "AWS_IAM", cors(&["*"], &["GET", "POST"]))],
        ),
    ]);
    let r = drift(&inv, TEMPLATE);
    let f = findings_of(&r, "LA506");
    assert_eq!(f.len(), 3, "{f:#?}");
    let iam = of(&f, "iam");
    assert_eq!(iam.len(), 1);
    assert_eq!(iam[0].evidence["change"], "auth_type");
    assert_eq!(iam[0].severity, Severity::Critical);
    assert_eq!(iam[0].evidence["detail"]["declared"], "AWS_IAM");
    assert_eq!(iam[0].evidence["detail"]["deployed"], "NONE");
    // The URL is declared by its own resource.
    assert_eq!(declared_line(iam[0]), Some(line_of(TEMPLATE, "IamUrl:")));

    let public = of(&f, "public");
    let auth = finding_where(&public, "change", "auth_type");
    assert_eq!(auth.severity, Severity::Medium);
    let cors_change = finding_where(&public, "change", "cors");
    assert_eq!(cors_change.severity, Severity::Medium);
    assert_eq!(
        cors_change.evidence["detail"]["deployed"]["allow_origins"],
        json!(["*"])
    );
    assert_eq!(
        declared_line(cors_change),
        Some(line_of(TEMPLATE, "AuthType: NONE"))
    );

    // CORS narrowed to another origin: low. The declared URL removed: low.
    let inv = inventory(vec![
        with_urls("plain", vec![]),
        with_urls("signed", vec![]),
        with_urls("iam", vec![]),
        with_urls(
            "public",
            vec![url(
                "public",
                "NONE",
                cors(&["https://evil.example"], &["GET", "POST"]),
            )],
        ),
    ]);
    let r = drift(&inv, TEMPLATE);
    let f = findings_of(&r, "LA506");
    assert_eq!(f.len(), 2, "{f:#?}");
    let removed = of(&f, "iam");
    assert_eq!(removed.len(), 1);
    assert_eq!(removed[0].evidence["change"], "removed");
    assert_eq!(removed[0].severity, Severity::Low);
    assert_eq!(removed[0].resource_arn, function_arn("iam"));
    let narrowed = of(&f, "public");
    assert_eq!(narrowed.len(), 1);
    assert_eq!(narrowed[0].evidence["change"], "cors");
    assert_eq!(narrowed[0].severity, Severity::Low);
}

#[test]
fn la506_passes_urls_as_declared() {
    let inv = inventory(vec![
        with_urls("plain", vec![]),
        with_urls("signed", vec![]),
        // An empty CORS object is Lambda's "no CORS".
        with_urls("iam", vec![url("iam", "AWS_IAM", cors(&[], &[]))]),
        // Order and case of origins and methods do not matter.
        with_urls(
            "public",
            vec![url(
                "public",
                "NONE",
                cors(&["https://shop.example.com"], &["post", "get"]),
            )],
        ),
    ]);
    let r = drift(&inv, TEMPLATE);
    assert!(
        findings_of(&r, "LA506").is_empty(),
        "{:#?}",
        findings_of(&r, "LA506")
    );
    assert!(not_evaluated(&r, "LA506").is_empty());
    let summary = r.per_check.iter().find(|c| c.check_id == "LA506").unwrap();
    assert_eq!(summary.evaluated, 4);
}

#[test]
fn la506_passes_an_unresolvable_declared_auth_type() {
    const TEMPLATE: &str = r#"
Resources:
  Api:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: api
      Role: arn:aws:iam::111122223333:role/fixture-role
      Code: {ZipFile: "x"}
  ApiUrl:
    Type: AWS::Lambda::Url
    Properties:
      TargetFunctionArn: !Ref Api
      AuthType: !ImportValue shared-url-auth
"#;
    let inv = inventory(vec![with_urls(
        "api",
        vec![url("api", "NONE", Value::Null)],
    )]);
    let r = drift(&inv, TEMPLATE);
    assert!(
        findings_of(&r, "LA506").is_empty(),
        "{:#?}",
        findings_of(&r, "LA506")
    );
}

#[test]
fn la506_reports_not_evaluated_when_urls_were_not_listed() {
    let inv = inventory(vec![
        function(
            "plain",
            json!({"url_configs": {"status": "not_collected", "reason": "no URL grant in the policy"}}),
        ),
        function(
            "signed",
            json!({"url_configs": failed("lambda:ListFunctionUrlConfigs")}),
        ),
        with_urls("iam", vec![url("iam", "AWS_IAM", Value::Null)]),
        with_urls("public", vec![url("public", "NONE", Value::Null)]),
    ]);
    let r = drift(&inv, TEMPLATE);
    let skipped = not_evaluated(&r, "LA506");
    assert_eq!(skipped.len(), 2, "{skipped:#?}");
    assert!(
        skipped
            .iter()
            .any(|n| n.resource == function_arn("plain") && n.reason.contains("not collected"))
    );
    assert!(skipped.iter().any(|n| n.resource == function_arn("signed")
        && n.reason.contains("lambda:ListFunctionUrlConfigs")));
    // Only `public` is compared, and its CORS was removed.
    let f = findings_of(&r, "LA506");
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0].function_name.as_deref(), Some("public"));
    assert_eq!(f[0].evidence["change"], "cors");
}

#[test]
fn la506_flags_an_undeclared_alias_url_beside_the_declared_one() {
    let alias_url = json!({
        "url": "https://live.lambda-url.us-east-1.on.aws/",
        "target_arn": format!("{}:live", function_arn("iam")), "qualifier": "live",
        "auth_type": "NONE", "cors": null, "invoke_mode": "BUFFERED", "last_modified": null
    });
    let inv = inventory(vec![
        with_urls("plain", vec![]),
        with_urls("signed", vec![]),
        with_urls("iam", vec![url("iam", "AWS_IAM", Value::Null), alias_url]),
        with_urls(
            "public",
            vec![url(
                "public",
                "NONE",
                cors(&["https://shop.example.com"], &["GET", "POST"]),
            )],
        ),
    ]);
    let r = drift(&inv, TEMPLATE);
    let f = findings_of(&r, "LA506");
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0].evidence["change"], "added");
    assert_eq!(f[0].severity, Severity::Critical);
    assert_eq!(f[0].resource_arn, format!("{}:live", function_arn("iam")));
    assert_eq!(f[0].evidence["detail"]["qualifier"], "live");
}

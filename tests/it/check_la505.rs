//! LA505 resource-policy-drift.

use crate::drift_support::*;
use crate::support::*;
use lambda_audit::findings::Severity;
use serde_json::{Value, json};

const CRON_RULE: &str = "arn:aws:events:us-east-1:111122223333:rule/nightly";

const WITH_PERMISSION: &str = r#"
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Api:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: api
      Role: arn:aws:iam::111122223333:role/fixture-role
      Code: {ZipFile: "x"}
  CronPermission:
    Type: AWS::Lambda::Permission
    Properties:
      FunctionName: !Ref Api
      Action: lambda:InvokeFunction
      Principal: events.amazonaws.com
      SourceArn: arn:aws:events:us-east-1:111122223333:rule/nightly
"#;

fn statement(sid: &str, principal: Value, action: &str, condition: Option<Value>) -> Value {
    let mut s = json!({"Sid": sid, "Effect": "Allow", "Principal": principal, "Action": action,
                       "Resource": function_arn("api")});
    if let Some(condition) = condition {
        s["Condition"] = condition;
    }
    s
}

fn source_arn(arn: &str) -> Option<Value> {
    Some(json!({"ArnLike": {"AWS:SourceArn": arn}}))
}

fn cron_statement() -> Value {
    statement(
        "cron",
        json!({"Service": "events.amazonaws.com"}),
        "lambda:InvokeFunction",
        source_arn(CRON_RULE),
    )
}

#[test]
fn la505_flags_added_statements_by_exposure_and_a_missing_declared_grant() {
    let inv = inventory(vec![function(
        "api",
        json!({"policy": policy(json!([
            statement("open", json!("*"), "lambda:InvokeFunction", None),
            statement("partner", json!({"AWS": "arn:aws:iam::444455556666:root"}),
                      "lambda:InvokeFunction", None),
            statement("gateway", json!({"Service": "apigateway.amazonaws.com"}),
                      "lambda:InvokeFunction",
                      source_arn("arn:aws:execute-api:us-east-1:111122223333:abc123/*/GET/items")),
        ]))}),
    )]);
    let r = drift(&inv, WITH_PERMISSION);
    let f = findings_of(&r, "LA505");
    assert_eq!(f.len(), 4, "{f:#?}");
    let added = |sid: &str| {
        f.iter()
            .find(|x| x.evidence["change"] == "added" && x.evidence["statement"]["Sid"] == sid)
            .unwrap_or_else(|| panic!("statement {sid} is flagged"))
    };
    assert_eq!(added("open").severity, Severity::Critical);
    assert_eq!(added("partner").severity, Severity::High);
    assert_eq!(added("gateway").severity, Severity::Medium);
    for sid in ["open", "partner", "gateway"] {
        let finding = added(sid);
        assert_eq!(finding.resource_arn, function_arn("api"));
        // An added statement points at the function's declaration.
        assert_eq!(
            declared_line(finding),
            Some(line_of(WITH_PERMISSION, "Api:"))
        );
    }

    let removed = finding_where(&f, "change", "removed");
    assert_eq!(removed.severity, Severity::Low);
    assert_eq!(removed.resource_arn, function_arn("api"));
    assert_eq!(
        removed.evidence["principal"]["value"],
        "events.amazonaws.com"
    );
    assert_eq!(removed.evidence["action"]["value"], "lambda:InvokeFunction");
    assert_eq!(removed.evidence["source_arn"]["value"], CRON_RULE);
    // A missing grant points at the permission that declares it.
    assert_eq!(
        declared_line(removed),
        Some(line_of(WITH_PERMISSION, "CronPermission:"))
    );
    assert!(not_evaluated(&r, "LA505").is_empty());
}

#[test]
fn la505_flags_every_declared_grant_of_a_function_without_policy() {
    // No policy at all (GetPolicy: not found) is a policy that was read.
    let inv = inventory(vec![function("api", json!({}))]);
    let r = drift(&inv, WITH_PERMISSION);
    let f = findings_of(&r, "LA505");
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0].evidence["change"], "removed");
    assert_eq!(f[0].severity, Severity::Low);
}

#[test]
fn la505_passes_declared_grants_with_normalised_principals() {
    const TEMPLATE: &str = r#"
Resources:
  Api:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: api
      Role: arn:aws:iam::111122223333:role/fixture-role
      Code: {ZipFile: "x"}
  CronPermission:
    Type: AWS::Lambda::Permission
    Properties:
      FunctionName: !GetAtt Api.Arn
      Action: lambda:InvokeFunction
      Principal: events.amazonaws.com
      SourceArn: arn:aws:events:us-east-1:111122223333:rule/nightly
  PartnerPermission:
    Type: AWS::Lambda::Permission
    Properties:
      FunctionName: api
      Action: lambda:InvokeFunction
      Principal: "444455556666"
  LogsPermission:
    Type: AWS::Lambda::Permission
    Properties:
      FunctionName: !Ref Api
      Action: lambda:InvokeFunction
      Principal: logs.amazonaws.com
      SourceArn: !ImportValue shared-log-group-arn
"#;
    let inv = inventory(vec![function(
        "api",
        json!({"policy": policy(json!([
            cron_statement(),
            statement("partner", json!({"AWS": "arn:aws:iam::444455556666:root"}),
                      "lambda:InvokeFunction", None),
            // Regional service principal, and a source ARN the template cannot know.
            statement("logs", json!({"Service": "logs.us-east-1.amazonaws.com"}),
                      "lambda:InvokeFunction",
                      source_arn("arn:aws:logs:us-east-1:111122223333:log-group:/app:*")),
        ]))}),
    )]);
    let r = drift(&inv, TEMPLATE);
    assert!(
        findings_of(&r, "LA505").is_empty(),
        "{:#?}",
        findings_of(&r, "LA505")
    );
    assert!(not_evaluated(&r, "LA505").is_empty());
    let summary = r.per_check.iter().find(|c| c.check_id == "LA505").unwrap();
    assert_eq!(summary.evaluated, 1);
}

#[test]
fn la505_passes_the_grants_a_sam_api_event_and_public_url_imply() {
    const SAM: &str = r#"
Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: api
      Runtime: python3.12
      Handler: index.handler
      CodeUri: src/
      FunctionUrlConfig:
        AuthType: NONE
      Events:
        GetItems:
          Type: Api
          Properties:
            Path: /items
            Method: get
"#;
    let url_grant = statement(
        "FunctionUrlAllowPublicAccess",
        json!("*"),
        "lambda:InvokeFunctionUrl",
        Some(json!({"StringEquals": {"lambda:FunctionUrlAuthType": "NONE"}})),
    );
    // Since SAM 1.115, a public URL also needs `lambda:InvokeFunction`, scoped to the URL.
    let url_invoke_grant = statement(
        "FunctionUrlInvokeAllowPublicAccess",
        json!("*"),
        "lambda:InvokeFunction",
        Some(json!({"Bool": {"lambda:InvokedViaFunctionUrl": "true"}})),
    );
    let api_grant = statement(
        "ApiGetItemsPermissionProd",
        json!({"Service": "apigateway.amazonaws.com"}),
        "lambda:InvokeFunction",
        source_arn("arn:aws:execute-api:us-east-1:111122223333:abc123/*/GET/items"),
    );
    let inv = inventory(vec![function(
        "api",
        json!({"policy": policy(json!([url_grant.clone(), url_invoke_grant.clone(), api_grant]))}),
    )]);
    let r = drift(&inv, SAM);
    assert!(
        findings_of(&r, "LA505").is_empty(),
        "{:#?}",
        findings_of(&r, "LA505")
    );

    // Without the API grant, the implied one is missing.
    let inv = inventory(vec![function(
        "api",
        json!({"policy": policy(json!([url_grant, url_invoke_grant]))}),
    )]);
    let r = drift(&inv, SAM);
    let f = findings_of(&r, "LA505");
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0].evidence["change"], "removed");
    assert_eq!(
        f[0].evidence["principal"]["value"],
        "apigateway.amazonaws.com"
    );
    assert_eq!(declared_line(f[0]), Some(line_of(SAM, "GetItems:")));
}

#[test]
fn la505_passes_undeclared_statements_when_the_declaration_is_incomplete() {
    // An event type the parser does not model may grant anything.
    const SAM: &str = r#"
Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: api
      Runtime: python3.12
      Handler: index.handler
      CodeUri: src/
      Events:
        Future:
          Type: SomethingNew
"#;
    let inv = inventory(vec![function(
        "api",
        json!({"policy": policy(json!([
            statement("partner", json!({"AWS": "444455556666"}), "lambda:InvokeFunction", None)
        ]))}),
    )]);
    let r = drift(&inv, SAM);
    assert!(
        findings_of(&r, "LA505").is_empty(),
        "{:#?}",
        findings_of(&r, "LA505")
    );
}

#[test]
fn la505_compares_alias_policies_with_the_grants_on_that_alias() {
    const SAM: &str = r#"
Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: api
      Runtime: python3.12
      Handler: index.handler
      CodeUri: src/
      AutoPublishAlias: live
      Events:
        Nightly:
          Type: Schedule
          Properties:
            Schedule: rate(1 day)
"#;
    let alias = |policy_json: Value| {
        json!({"aliases": {"status": "collected", "value": [{
            "name": "live", "arn": format!("{}:live", function_arn("api")), "function_version": "3",
            "additional_version_weights": {}, "description": null, "policy": policy_json
        }]}})
    };
    // On the alias, as SAM deploys it: no drift.
    let inv = inventory(vec![function(
        "api",
        alias(policy(json!([cron_statement()]))),
    )]);
    let r = drift(&inv, SAM);
    assert!(
        findings_of(&r, "LA505").is_empty(),
        "{:#?}",
        findings_of(&r, "LA505")
    );

    // On the unqualified function instead: added there, missing on the alias.
    let mut patch = alias(json!({"status": "collected", "value": null}));
    patch["policy"] = policy(json!([cron_statement()]));
    let r = drift(&inventory(vec![function("api", patch)]), SAM);
    let f = findings_of(&r, "LA505");
    assert_eq!(f.len(), 2, "{f:#?}");
    let added = finding_where(&f, "change", "added");
    assert_eq!(added.resource_arn, function_arn("api"));
    assert_eq!(added.severity, Severity::Medium);
    let removed = finding_where(&f, "change", "removed");
    assert_eq!(
        removed.resource_arn,
        format!("{}:live", function_arn("api"))
    );
    assert_eq!(removed.severity, Severity::Low);
}

#[test]
fn la505_reports_not_evaluated_for_unreadable_policies_and_aliases() {
    let inv = inventory(vec![function(
        "api",
        json!({"policy": failed("lambda:GetPolicy"), "aliases": failed("lambda:ListAliases")}),
    )]);
    let r = drift(&inv, WITH_PERMISSION);
    // Unread, the declared grant is not called missing.
    assert!(
        findings_of(&r, "LA505").is_empty(),
        "{:#?}",
        findings_of(&r, "LA505")
    );
    let skipped = not_evaluated(&r, "LA505");
    assert_eq!(skipped.len(), 2, "{skipped:#?}");
    assert!(
        skipped
            .iter()
            .any(|n| n.resource == function_arn("api") && n.reason.contains("lambda:GetPolicy"))
    );
    assert!(
        skipped
            .iter()
            .any(|n| n.resource == format!("{}:<aliases>", function_arn("api")))
    );
}

#[test]
fn la505_flags_an_unscoped_public_invoke_beside_a_declared_public_url() {
    const SAM: &str = r#"
Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: api
      Runtime: python3.12
      Handler: index.handler
      CodeUri: src/
      FunctionUrlConfig:
        AuthType: NONE
"#;
    let inv = inventory(vec![function(
        "api",
        json!({"policy": policy(json!([
            statement("url", json!("*"), "lambda:InvokeFunctionUrl",
                      Some(json!({"StringEquals": {"lambda:FunctionUrlAuthType": "NONE"}}))),
            // Anyone may call Invoke directly: not what the template declares.
            statement("everyone", json!("*"), "lambda:InvokeFunction", None),
        ]))}),
    )]);
    let r = drift(&inv, SAM);
    let f = findings_of(&r, "LA505");
    let added = finding_where(&f, "change", "added");
    assert_eq!(added.evidence["statement"]["Sid"], "everyone");
    assert_eq!(added.severity, Severity::Critical);
}

#[test]
fn la505_flags_a_role_of_another_account_as_high_and_passes_an_added_deny() {
    let inv = inventory(vec![function(
        "api",
        json!({"policy": policy(json!([
            cron_statement(),
            statement("role", json!({"AWS": "arn:aws:iam::444455556666:role/deployer"}),
                      "lambda:InvokeFunction", None),
            statement("own", json!({"AWS": "arn:aws:iam::111122223333:role/caller"}),
                      "lambda:InvokeFunction", None),
            // A Deny only takes access away.
            {"Sid": "deny", "Effect": "Deny", "Principal": "*", "Action": "lambda:InvokeFunction",
             "Resource": function_arn("api")},
        ]))}),
    )]);
    let r = drift(&inv, WITH_PERMISSION);
    let f = findings_of(&r, "LA505");
    assert_eq!(f.len(), 2, "{f:#?}");
    let sid = |s: &str| {
        f.iter()
            .find(|x| x.evidence["statement"]["Sid"] == s)
            .unwrap_or_else(|| panic!("{s} is flagged"))
    };
    assert_eq!(sid("role").severity, Severity::High);
    assert_eq!(sid("own").severity, Severity::Medium);
}

//! LA508 execution-role-drift.

use crate::drift_support::*;
use crate::support::*;
use lambda_audit::findings::{Finding, Severity};
use lambda_audit::inventory::Inventory;
use serde_json::{Value, json};

const BASIC: &str = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole";
const ADMIN: &str = "arn:aws:iam::aws:policy/AdministratorAccess";
const S3_READ: &str = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess";
const TABLE: &str = "arn:aws:dynamodb:us-east-1:111122223333:table/orders";

/// A role `name` with `attached` managed policy ARNs and one inline policy per document.
fn role(name: &str, attached: &[&str], inline: Vec<Value>) -> Value {
    iam_role(
        name,
        json!({
            "attached_managed_policies": attached.iter()
                .map(|a| json!({"name": a.rsplit('/').next().unwrap(), "arn": a}))
                .collect::<Vec<_>>(),
            "inline_policies": inline.into_iter().enumerate()
                .map(|(i, d)| json!({"name": format!("inline{i}"), "document": d}))
                .collect::<Vec<_>>(),
        }),
    )
}

fn doc(statements: Value) -> Value {
    json!({"Version": "2012-10-17", "Statement": statements})
}

fn read_orders() -> Value {
    json!({"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:Query"], "Resource": TABLE})
}

fn deployed(role_name: &str, roles: Vec<Value>) -> Inventory {
    iam_inventory(
        vec![function(
            "api",
            json!({"role": format!("arn:aws:iam::111122223333:role/{role_name}")}),
        )],
        json!({"roles": roles}),
    )
}

fn change<'a>(findings: &[&'a Finding], change: &str) -> Vec<&'a Finding> {
    findings
        .iter()
        .filter(|f| f.evidence["detail"]["change"] == change)
        .copied()
        .collect()
}

/// A named role with the basic execution policy and an inline read of the orders table.
const CFN: &str = r#"
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Api:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: api
      Role: !GetAtt ApiRole.Arn
      Code: {ZipFile: "x"}
  ApiRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: api-role
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Principal: {Service: lambda.amazonaws.com}
            Action: sts:AssumeRole
      ManagedPolicyArns:
        - arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole
      Policies:
        - PolicyName: orders
          PolicyDocument:
            Version: "2012-10-17"
            Statement:
              - Effect: Allow
                Action: [dynamodb:Query, dynamodb:GetItem]
                Resource: !Sub "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/orders"
"#;

#[test]
fn la508_flags_policies_attached_and_statements_added_out_of_band() {
    let inv = deployed(
        "api-role",
        vec![role(
            "api-role",
            &[BASIC, ADMIN, "arn:aws:iam::111122223333:policy/extra"],
            vec![
                doc(json!([read_orders()])),
                doc(json!([
                    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::exports/*"},
                    {"Effect": "Allow", "Action": "*", "Resource": "*"}
                ])),
            ],
        )],
    );
    let r = drift(&inv, CFN);
    let f = findings_of(&r, "LA508");
    assert_eq!(f.len(), 4, "{f:#?}");
    for finding in &f {
        assert_eq!(
            finding.resource_arn,
            "arn:aws:iam::111122223333:role/api-role"
        );
        assert_eq!(finding.evidence["role"], "api-role");
        assert_eq!(declared_line(finding), Some(line_of(CFN, "ApiRole:")));
    }

    let attached = change(&f, "attached");
    assert_eq!(attached.len(), 2);
    let by_arn = |arn: &str| {
        attached
            .iter()
            .find(|x| x.evidence["detail"]["policy_arn"] == arn)
            .unwrap_or_else(|| panic!("{arn} is flagged"))
    };
    assert_eq!(by_arn(ADMIN).severity, Severity::Critical);
    assert_eq!(
        by_arn("arn:aws:iam::111122223333:policy/extra").severity,
        Severity::High
    );

    let added = change(&f, "statement_added");
    assert_eq!(added.len(), 2);
    let by_action = |action: &str| {
        added
            .iter()
            .find(|x| x.evidence["detail"]["statement"]["Action"] == action)
            .unwrap_or_else(|| panic!("{action} is flagged"))
    };
    assert_eq!(by_action("s3:GetObject").severity, Severity::High);
    assert_eq!(
        by_action("s3:GetObject").evidence["detail"]["policy"],
        "inline1"
    );
    assert_eq!(by_action("*").severity, Severity::Critical);
    assert!(not_evaluated(&r, "LA508").is_empty());
}

#[test]
fn la508_flags_declared_policies_and_statements_that_are_missing_as_low() {
    let inv = deployed("api-role", vec![role("api-role", &[], vec![])]);
    let r = drift(&inv, CFN);
    let f = findings_of(&r, "LA508");
    assert_eq!(f.len(), 2, "{f:#?}");
    let detached = change(&f, "detached");
    assert_eq!(detached.len(), 1);
    assert_eq!(detached[0].severity, Severity::Low);
    assert_eq!(detached[0].evidence["detail"]["policy_arn"], BASIC);
    let removed = change(&f, "statement_removed");
    assert_eq!(removed.len(), 1);
    assert_eq!(removed[0].severity, Severity::Low);
    assert_eq!(
        removed[0].evidence["detail"]["actions"],
        json!(["Action:dynamodb:getitem", "Action:dynamodb:query"])
    );
    // A missing statement points at the policy that declares it.
    assert_eq!(
        declared_line(removed[0]),
        Some(line_of(CFN, "PolicyName: orders"))
    );
}

#[test]
fn la508_passes_a_role_as_declared() {
    // Same statement with actions reordered and differently cased, a Sid, and one statement
    // object rather than a list.
    let inv = deployed(
        "api-role",
        vec![role(
            "api-role",
            &[BASIC],
            vec![json!({"Version": "2012-10-17", "Statement": {
                "Sid": "Orders", "Effect": "Allow",
                "Action": ["DynamoDB:Query", "dynamodb:GetItem"], "Resource": TABLE}})],
        )],
    );
    let r = drift(&inv, CFN);
    assert!(
        findings_of(&r, "LA508").is_empty(),
        "{:#?}",
        findings_of(&r, "LA508")
    );
    assert!(not_evaluated(&r, "LA508").is_empty());
    let summary = r.per_check.iter().find(|c| c.check_id == "LA508").unwrap();
    assert_eq!(summary.evaluated, 1);
}

#[test]
fn la508_passes_a_sam_generated_role_matched_through_its_function() {
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
      Policies:
        - AmazonS3ReadOnlyAccess
        - Statement:
            - Effect: Allow
              Action: [dynamodb:GetItem, dynamodb:Query]
              Resource: !Sub "arn:aws:dynamodb:${AWS::Region}:${AWS::AccountId}:table/orders"
        - SQSPollerPolicy:
            QueueName: jobs
"#;
    let poller = json!({"Effect": "Allow", "Action": [
        "sqs:ChangeMessageVisibility", "sqs:ChangeMessageVisibilityBatch", "sqs:DeleteMessage",
        "sqs:DeleteMessageBatch", "sqs:GetQueueAttributes", "sqs:ReceiveMessage"],
        "Resource": "arn:aws:sqs:us-east-1:111122223333:jobs"});
    let sam_role = |extra: Vec<Value>| {
        let mut inline = vec![doc(json!([read_orders()])), doc(json!([poller.clone()]))];
        inline.extend(extra);
        deployed(
            "shop-ApiRole-1QW2E3R4T5Y6",
            vec![role("shop-ApiRole-1QW2E3R4T5Y6", &[BASIC, S3_READ], inline)],
        )
    };
    let r = drift(&sam_role(vec![]), SAM);
    assert!(
        findings_of(&r, "LA508").is_empty(),
        "{:#?}",
        findings_of(&r, "LA508")
    );
    assert!(
        not_evaluated(&r, "LA508").is_empty(),
        "{:#?}",
        not_evaluated(&r, "LA508")
    );
    let summary = r.per_check.iter().find(|c| c.check_id == "LA508").unwrap();
    assert_eq!(summary.evaluated, 1);

    // The same role with a statement added is found through the function too.
    let r = drift(
        &sam_role(vec![doc(
            json!([{"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}]),
        )]),
        SAM,
    );
    let f = findings_of(&r, "LA508");
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0].severity, Severity::High);
    assert_eq!(
        f[0].resource_arn,
        "arn:aws:iam::111122223333:role/shop-ApiRole-1QW2E3R4T5Y6"
    );
}

#[test]
fn la508_passes_an_attachment_an_unresolvable_declared_arn_stands_for() {
    const IMPORTED: &str = r#"
Resources:
  Api:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: api
      Role: !GetAtt ApiRole.Arn
      Code: {ZipFile: "x"}
  ApiRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: api-role
      AssumeRolePolicyDocument: {}
      ManagedPolicyArns:
        - arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole
        - !ImportValue shared-policy-arn
"#;
    let inv = deployed(
        "api-role",
        vec![role(
            "api-role",
            &[BASIC, "arn:aws:iam::111122223333:policy/shared"],
            vec![],
        )],
    );
    let r = drift(&inv, IMPORTED);
    assert!(
        findings_of(&r, "LA508").is_empty(),
        "{:#?}",
        findings_of(&r, "LA508")
    );
}

#[test]
fn la508_reports_not_evaluated_when_roles_are_unknown() {
    // IAM roles could not be listed.
    let inv = iam_inventory(
        vec![function(
            "api",
            json!({"role": "arn:aws:iam::111122223333:role/api-role"}),
        )],
        json!({"roles": failed("iam:GetAccountAuthorizationDetails")}),
    );
    let r = drift(&inv, CFN);
    assert!(
        findings_of(&r, "LA508").is_empty(),
        "{:#?}",
        findings_of(&r, "LA508")
    );
    let skipped = not_evaluated(&r, "LA508");
    assert_eq!(skipped.len(), 1, "{skipped:#?}");
    assert_eq!(skipped[0].resource, "declared role ApiRole");
    assert!(
        skipped[0]
            .reason
            .contains("iam:GetAccountAuthorizationDetails")
    );

    // A named role that is not deployed.
    let r = drift(&deployed("api-role", vec![]), CFN);
    let skipped = not_evaluated(&r, "LA508");
    assert_eq!(skipped.len(), 1, "{skipped:#?}");
    assert!(
        skipped[0].reason.contains("api-role"),
        "{}",
        skipped[0].reason
    );
    assert!(findings_of(&r, "LA508").is_empty());
}

#[test]
fn la508_reports_not_evaluated_for_a_generated_role_whose_function_is_not_deployed() {
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
"#;
    let inv = iam_inventory(
        vec![],
        json!({"roles": [role("shop-ApiRole-1QW2E3R4T5Y6", &[BASIC, ADMIN], vec![])]}),
    );
    let r = drift(&inv, SAM);
    assert!(
        findings_of(&r, "LA508").is_empty(),
        "{:#?}",
        findings_of(&r, "LA508")
    );
    let skipped = not_evaluated(&r, "LA508");
    assert_eq!(skipped.len(), 1, "{skipped:#?}");
    assert_eq!(skipped[0].resource, "declared role ApiRole");
    assert!(
        skipped[0].reason.contains("generated"),
        "{}",
        skipped[0].reason
    );
}

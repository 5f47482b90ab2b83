//! LA507 event-source-mapping-drift.

use crate::drift_support::*;
use crate::support::*;
use lambda_audit::findings::Severity;
use serde_json::{Value, json};

const ORDERS: &str = "arn:aws:sqs:us-east-1:111122223333:orders";
const PAYMENTS: &str = "arn:aws:sqs:us-east-1:111122223333:payments";
const CLICKS: &str = "arn:aws:kinesis:us-east-1:111122223333:stream/clicks";

fn mapping(uuid: &str, function: &str, source: &str) -> Value {
    json!({
        "uuid": uuid, "function_arn": function, "event_source_arn": source,
        "self_managed_endpoints": [], "state": "Enabled", "batch_size": 10,
        "filter_patterns": [], "on_failure_destination": null, "source_access": [],
        "kms_key_arn": null, "last_modified": null
    })
}

fn with_mappings(mappings: Vec<Value>) -> lambda_audit::inventory::Inventory {
    inventory_with_region(
        vec![function("worker", json!({}))],
        json!({"event_source_mappings": {"status": "collected", "value": mappings}}),
    )
}

/// SAM events: an SQS queue by ARN and a Kinesis stream.
const SAM: &str = r#"
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: worker
      Runtime: python3.12
      Handler: index.handler
      Role: arn:aws:iam::111122223333:role/fixture-role
      CodeUri: src/
      Events:
        Orders:
          Type: SQS
          Properties:
            Queue: arn:aws:sqs:us-east-1:111122223333:orders
        Clicks:
          Type: Kinesis
          Properties:
            Stream: !Sub "arn:${AWS::Partition}:kinesis:${AWS::Region}:${AWS::AccountId}:stream/clicks"
            StartingPosition: LATEST
"#;

#[test]
fn la507_flags_an_added_mapping_as_medium_and_a_missing_one_as_low() {
    let worker = function_arn("worker");
    let inv = with_mappings(vec![
        mapping("uuid-orders", &worker, ORDERS),
        mapping("uuid-payments", &worker, PAYMENTS),
        // Another function's mapping is none of this one's business.
        mapping("uuid-other", &function_arn("other"), PAYMENTS),
    ]);
    let r = drift(&inv, SAM);
    let f = findings_of(&r, "LA507");
    assert_eq!(f.len(), 2, "{f:#?}");

    let added = finding_where(&f, "change", "added");
    assert_eq!(added.severity, Severity::Medium);
    assert_eq!(added.resource_arn, worker);
    assert_eq!(added.evidence["uuid"], "uuid-payments");
    assert_eq!(added.evidence["event_source_arn"], PAYMENTS);
    assert_eq!(declared_line(added), Some(line_of(SAM, "Worker:")));

    let removed = finding_where(&f, "change", "removed");
    assert_eq!(removed.severity, Severity::Low);
    assert_eq!(removed.evidence["event_source_arn"], CLICKS);
    // Points at the event that declares it.
    assert_eq!(declared_line(removed), Some(line_of(SAM, "Clicks:")));
    assert!(not_evaluated(&r, "LA507").is_empty());
}

#[test]
fn la507_passes_declared_mappings_including_alias_targets_and_cloudformation_resources() {
    let worker = function_arn("worker");
    let inv = with_mappings(vec![
        mapping("uuid-orders", &format!("{worker}:live"), ORDERS),
        mapping("uuid-clicks", &worker, CLICKS),
    ]);
    let r = drift(&inv, SAM);
    assert!(
        findings_of(&r, "LA507").is_empty(),
        "{:#?}",
        findings_of(&r, "LA507")
    );
    let summary = r.per_check.iter().find(|c| c.check_id == "LA507").unwrap();
    assert_eq!(summary.evaluated, 1);

    const CFN: &str = r#"
Resources:
  Worker:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: worker
      Role: arn:aws:iam::111122223333:role/fixture-role
      Code: {ZipFile: "x"}
  Orders:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: orders
  OrdersMapping:
    Type: AWS::Lambda::EventSourceMapping
    Properties:
      FunctionName: !Ref Worker
      EventSourceArn: !GetAtt Orders.Arn
"#;
    let inv = with_mappings(vec![mapping("uuid-orders", &worker, ORDERS)]);
    let r = drift(&inv, CFN);
    assert!(
        findings_of(&r, "LA507").is_empty(),
        "{:#?}",
        findings_of(&r, "LA507")
    );
    // The same template against a deployment without the mapping.
    let r = drift(&with_mappings(vec![]), CFN);
    let f = findings_of(&r, "LA507");
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0].evidence["event_source_arn"], ORDERS);
    assert_eq!(declared_line(f[0]), Some(line_of(CFN, "OrdersMapping:")));
}

#[test]
fn la507_passes_a_mapping_a_declared_unknown_source_stands_for() {
    const IMPORTED: &str = r#"
Transform: AWS::Serverless-2016-10-31
Resources:
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: worker
      Runtime: python3.12
      Handler: index.handler
      Role: arn:aws:iam::111122223333:role/fixture-role
      CodeUri: src/
      Events:
        Shared:
          Type: SQS
          Properties:
            Queue: !ImportValue shared-queue-arn
"#;
    let worker = function_arn("worker");
    let r = drift(
        &with_mappings(vec![mapping("uuid-payments", &worker, PAYMENTS)]),
        IMPORTED,
    );
    assert!(
        findings_of(&r, "LA507").is_empty(),
        "{:#?}",
        findings_of(&r, "LA507")
    );
    // Nor is an unknown source ever called missing.
    let r = drift(&with_mappings(vec![]), IMPORTED);
    assert!(
        findings_of(&r, "LA507").is_empty(),
        "{:#?}",
        findings_of(&r, "LA507")
    );

    // One unknown source cannot stand for two mappings: drift is reported (which of the two
    // it stands for cannot be told, so both are listed).
    let r = drift(
        &with_mappings(vec![
            mapping("uuid-payments", &worker, PAYMENTS),
            mapping("uuid-orders", &worker, ORDERS),
        ]),
        IMPORTED,
    );
    let f = findings_of(&r, "LA507");
    assert!(!f.is_empty(), "two mappings for one declared source");
    assert!(f.iter().all(|x| x.evidence["change"] == "added"), "{f:#?}");
}

#[test]
fn la507_passes_added_mappings_when_the_declaration_is_incomplete() {
    const KAFKA: &str = r#"
Transform: AWS::Serverless-2016-10-31
Resources:
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: worker
      Runtime: python3.12
      Handler: index.handler
      Role: arn:aws:iam::111122223333:role/fixture-role
      CodeUri: src/
      Events:
        Stream:
          Type: SelfManagedKafka
          Properties:
            KafkaBootstrapServers: ["broker:9092"]
            Topics: [clicks]
"#;
    let r = drift(
        &with_mappings(vec![mapping(
            "uuid-payments",
            &function_arn("worker"),
            PAYMENTS,
        )]),
        KAFKA,
    );
    assert!(
        findings_of(&r, "LA507").is_empty(),
        "{:#?}",
        findings_of(&r, "LA507")
    );
}

#[test]
fn la507_reports_not_evaluated_when_mappings_could_not_be_listed() {
    let inv = inventory_with_region(
        vec![function("worker", json!({}))],
        json!({"event_source_mappings": failed("lambda:ListEventSourceMappings")}),
    );
    let r = drift(&inv, SAM);
    // Not listed: the declared queue is not called missing.
    assert!(
        findings_of(&r, "LA507").is_empty(),
        "{:#?}",
        findings_of(&r, "LA507")
    );
    let skipped = not_evaluated(&r, "LA507");
    assert_eq!(skipped.len(), 1, "{skipped:#?}");
    assert_eq!(skipped[0].resource, function_arn("worker"));
    assert!(skipped[0].reason.contains("lambda:ListEventSourceMappings"));
}

#[test]
fn la507_flags_state_and_batch_size_changes_of_a_declared_mapping() {
    const SAM: &str = r#"
Transform: AWS::Serverless-2016-10-31
Resources:
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: worker
      Runtime: python3.12
      Handler: index.handler
      Role: arn:aws:iam::111122223333:role/fixture-role
      CodeUri: src/
      Events:
        Orders:
          Type: SQS
          Properties:
            Queue: arn:aws:sqs:us-east-1:111122223333:orders
            BatchSize: 10
        Payments:
          Type: SQS
          Properties:
            Queue: arn:aws:sqs:us-east-1:111122223333:payments
            Enabled: false
"#;
    let worker = function_arn("worker");
    let with = |orders: Value, payments: Value| {
        let mut o = mapping("uuid-orders", &worker, ORDERS);
        let mut p = mapping("uuid-payments", &worker, PAYMENTS);
        crate::support::merge(&mut o, &orders);
        crate::support::merge(&mut p, &payments);
        with_mappings(vec![o, p])
    };
    // As declared: orders enabled with 10 messages a batch, payments disabled.
    let r = drift(&with(json!({}), json!({"state": "Disabled"})), SAM);
    assert!(
        findings_of(&r, "LA507").is_empty(),
        "{:#?}",
        findings_of(&r, "LA507")
    );

    let r = drift(
        &with(
            json!({"state": "Disabled", "batch_size": 100}),
            json!({"state": "Enabled"}),
        ),
        SAM,
    );
    let f = findings_of(&r, "LA507");
    assert_eq!(f.len(), 2, "{f:#?}");
    let enabled = finding_where(&f, "change", "enabled");
    assert_eq!(enabled.severity, Severity::Medium);
    assert_eq!(enabled.evidence["event_source_arn"], PAYMENTS);
    assert_eq!(declared_line(enabled), Some(line_of(SAM, "Payments:")));
    let disabled = finding_where(&f, "change", "disabled");
    assert_eq!(disabled.severity, Severity::Low);
    assert_eq!(disabled.evidence["event_source_arn"], ORDERS);

    // Enabled as declared, another batch size: informational.
    let r = drift(
        &with(json!({"batch_size": 100}), json!({"state": "Disabled"})),
        SAM,
    );
    let f = findings_of(&r, "LA507");
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0].evidence["change"], "batch_size");
    assert_eq!(f[0].severity, Severity::Info);
    assert_eq!(f[0].evidence["declared_batch_size"], 10);
    assert_eq!(f[0].evidence["batch_size"], 100);
}

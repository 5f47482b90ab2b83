//! LA503 function-configuration-drift.

use crate::drift_support::*;
use crate::support::*;
use lambda_audit::findings::{Finding, Severity};
use serde_json::json;

const LAYER: &str = "arn:aws:lambda:us-east-1:111122223333:layer:shared:3";
const OTHER_LAYER: &str = "arn:aws:lambda:us-east-1:444455556666:layer:tools:1";

fn by_attribute<'a>(findings: &[&'a Finding], attribute: &str) -> &'a Finding {
    finding_where(findings, "attribute", attribute)
}

/// Declared differently from the base function in every compared attribute.
const DIFFERENT: &str = r#"
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Api:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: api
      Runtime: python3.11
      Handler: app.main
      Role: arn:aws:iam::111122223333:role/api-role
      MemorySize: 512
      Timeout: 30
      Layers:
        - arn:aws:lambda:us-east-1:111122223333:layer:shared:3
      VpcConfig:
        SubnetIds: [subnet-a, subnet-b]
        SecurityGroupIds: [sg-1]
      TracingConfig:
        Mode: Active
      ReservedConcurrentExecutions: 5
      Architectures: [arm64]
      Code: {ZipFile: "x"}
"#;

#[test]
fn la503_flags_each_differing_attribute_with_its_severity() {
    // Deployed: python3.12, index.handler, fixture-role, 1024 MB, 60 s, no VPC, PassThrough,
    // no reserved concurrency, x86_64; plus an undeclared layer.
    let inv = inventory(vec![function(
        "api",
        json!({"layers": [LAYER, OTHER_LAYER]}),
    )]);
    let r = drift(&inv, DIFFERENT);
    let f = findings_of(&r, "LA503");
    assert_eq!(f.len(), 10, "{f:#?}");
    let expect = [
        (
            "runtime",
            Severity::Medium,
            json!("python3.11"),
            json!("python3.12"),
        ),
        (
            "handler",
            Severity::Medium,
            json!("app.main"),
            json!("index.handler"),
        ),
        (
            "role",
            Severity::High,
            json!("api-role"),
            json!("fixture-role"),
        ),
        ("memory", Severity::Info, json!(512), json!(1024)),
        ("timeout", Severity::Low, json!(30), json!(60)),
        (
            "layers",
            Severity::High,
            json!([LAYER]),
            json!([LAYER, OTHER_LAYER]),
        ),
        (
            "vpc",
            Severity::High,
            json!({"subnet_ids": ["subnet-a", "subnet-b"], "security_group_ids": ["sg-1"]}),
            json!(null),
        ),
        (
            "tracing",
            Severity::Low,
            json!("Active"),
            json!("PassThrough"),
        ),
        ("reserved_concurrency", Severity::Low, json!(5), json!(null)),
        (
            "architectures",
            Severity::Info,
            json!(["arm64"]),
            json!(["x86_64"]),
        ),
    ];
    for (attribute, severity, declared, deployed) in expect {
        let finding = by_attribute(&f, attribute);
        assert_eq!(finding.severity, severity, "{attribute}");
        assert_eq!(finding.evidence["declared"], declared, "{attribute}");
        assert_eq!(finding.evidence["deployed"], deployed, "{attribute}");
        assert_eq!(finding.resource_arn, function_arn("api"));
    }
    // Each finding points at the property that declares the attribute.
    let timeout = by_attribute(&f, "timeout");
    assert_eq!(
        declared_line(timeout),
        Some(line_of(DIFFERENT, "Timeout: 30"))
    );
    assert_eq!(timeout.declared_at.as_ref().unwrap().column, Some(16));
    assert_eq!(
        declared_line(by_attribute(&f, "memory")),
        Some(line_of(DIFFERENT, "MemorySize"))
    );
    assert_eq!(
        declared_line(by_attribute(&f, "role")),
        Some(line_of(DIFFERENT, "Role:"))
    );
    assert!(
        timeout.message.contains("template.yaml:"),
        "{}",
        timeout.message
    );
}

#[test]
fn la503_flags_removed_layers_and_changed_subnets_as_medium() {
    const TEMPLATE: &str = r#"
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
      Layers:
        - arn:aws:lambda:us-east-1:111122223333:layer:shared:3
        - arn:aws:lambda:us-east-1:444455556666:layer:tools:1
      VpcConfig:
        SubnetIds: [subnet-a, subnet-b]
        SecurityGroupIds: [sg-1]
      Code: {ZipFile: "x"}
"#;
    let inv = inventory(vec![function(
        "api",
        json!({"layers": [LAYER],
               "vpc": {"vpc_id": "vpc-1", "subnet_ids": ["subnet-a"], "security_group_ids": ["sg-1"]}}),
    )]);
    let r = drift(&inv, TEMPLATE);
    let f = findings_of(&r, "LA503");
    assert_eq!(f.len(), 2, "{f:#?}");
    assert_eq!(by_attribute(&f, "layers").severity, Severity::Medium);
    let vpc = by_attribute(&f, "vpc");
    assert_eq!(vpc.severity, Severity::Medium);
    assert_eq!(
        vpc.evidence["deployed"],
        json!({"subnet_ids": ["subnet-a"], "security_group_ids": ["sg-1"]})
    );
}

#[test]
fn la503_passes_when_equal_including_cloudformation_defaults() {
    // No Timeout, MemorySize, TracingConfig or Architectures: 3 s, 128 MB, PassThrough, x86_64.
    const DEFAULTS: &str = r#"
Resources:
  Api:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: api
      Runtime: python3.12
      Handler: index.handler
      Role: !GetAtt ApiRole.Arn
      VpcConfig:
        SubnetIds: [subnet-b, subnet-a]
        SecurityGroupIds: [sg-1]
      Code: {ZipFile: "x"}
  ApiRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: fixture-role
      AssumeRolePolicyDocument: {}
"#;
    let inv = inventory(vec![function(
        "api",
        json!({"timeout_seconds": 3, "memory_mb": 128,
               "vpc": {"vpc_id": "vpc-1", "subnet_ids": ["subnet-a", "subnet-b"], "security_group_ids": ["sg-1"]}}),
    )]);
    let r = drift(&inv, DEFAULTS);
    assert!(
        findings_of(&r, "LA503").is_empty(),
        "{:#?}",
        findings_of(&r, "LA503")
    );
    let summary = r.per_check.iter().find(|c| c.check_id == "LA503").unwrap();
    assert_eq!(summary.evaluated, 1);

    // The same deployment with the default timeout changed is drift.
    let inv = inventory(vec![function(
        "api",
        json!({"timeout_seconds": 900, "memory_mb": 128,
               "vpc": {"vpc_id": "vpc-1", "subnet_ids": ["subnet-a", "subnet-b"], "security_group_ids": ["sg-1"]}}),
    )]);
    let r = drift(&inv, DEFAULTS);
    let f = findings_of(&r, "LA503");
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0].evidence["declared"], 3);
    // Nothing writes a timeout: the finding points at the function.
    assert_eq!(declared_line(f[0]), Some(line_of(DEFAULTS, "Api:")));
}

#[test]
fn la503_passes_a_sam_function_configured_through_globals() {
    const SAM: &str = r#"
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: python3.12
    Timeout: 60
    MemorySize: 1024
    Tracing: Active
    Layers:
      - arn:aws:lambda:us-east-1:111122223333:layer:shared:3
Resources:
  Api:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: api
      Handler: index.handler
      Role: arn:aws:iam::111122223333:role/fixture-role
      CodeUri: src/
      Layers:
        - arn:aws:lambda:us-east-1:444455556666:layer:tools:1
"#;
    let deployed = |layers: serde_json::Value| {
        inventory(vec![function(
            "api",
            json!({"tracing_mode": "Active", "layers": layers}),
        )])
    };
    // SAM puts the global layers first.
    let r = drift(&deployed(json!([LAYER, OTHER_LAYER])), SAM);
    assert!(
        findings_of(&r, "LA503").is_empty(),
        "{:#?}",
        findings_of(&r, "LA503")
    );
    let r = drift(&deployed(json!([OTHER_LAYER, LAYER])), SAM);
    let f = findings_of(&r, "LA503");
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0].evidence["attribute"], "layers");
    assert_eq!(f[0].severity, Severity::Medium, "reordered, none added");
}

#[test]
fn la503_passes_unresolvable_values_and_generated_role_names() {
    const UNKNOWN: &str = r#"
Parameters:
  Memory:
    Type: Number
Resources:
  Api:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: api
      Runtime: !ImportValue shared-runtime
      Handler: index.handler
      Role: !GetAtt ApiRole.Arn
      MemorySize: !Ref Memory
      Timeout: !ImportValue shared-timeout
      Layers:
        - !ImportValue shared-layer
      Code: {ZipFile: "x"}
  ApiRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: {}
"#;
    let inv = inventory(vec![function(
        "api",
        json!({"runtime": "nodejs22.x", "timeout_seconds": 900, "layers": [OTHER_LAYER],
               "role": "arn:aws:iam::111122223333:role/shop-ApiRole-XYZ"}),
    )]);
    let r = drift(&inv, UNKNOWN);
    assert!(
        findings_of(&r, "LA503").is_empty(),
        "{:#?}",
        findings_of(&r, "LA503")
    );
    // A parameter given on the command line is known again.
    let r = drift_with_parameters(&inv, UNKNOWN, &[("Memory", "256")]);
    let f = findings_of(&r, "LA503");
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0].evidence["attribute"], "memory");
    assert_eq!(f[0].evidence["declared"], 256);
}

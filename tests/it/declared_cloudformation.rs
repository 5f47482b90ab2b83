//! The CloudFormation/SAM parser on project-shaped fixtures: SAM `Globals`, parameters,
//! mappings and conditions, nested intrinsics, YAML anchors, what events imply, the generated
//! execution role and policy templates; a plain JSON stack; a folder of templates; bad input.

use lambda_audit::declared::{
    Declared, DeclaredCors, DeclaredEstate, DeclaredEventSource, DeclaredFunction,
    DeclaredPermission, DeclaredRole, DeclaredRoleRef, DeclaredUrl, DeclaredVpc, DeployedStack,
    Location, ResolveContext, SourceFormat, load,
};
use lambda_audit::inventory::secrets::value_digest;
use serde_json::json;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

const SAM: &str = "tests/fixtures/declared/cloudformation/sam-app/template.yaml";
const SAM_DIR: &str = "tests/fixtures/declared/cloudformation/sam-app";
const CFN_JSON: &str = "tests/fixtures/declared/cloudformation/cfn-json/stack.json";
const MULTI: &str = "tests/fixtures/declared/cloudformation/multi";

const ACCOUNT: &str = "111122223333";
const BASIC: &str = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole";
const VPC_ACCESS: &str = "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole";
const SQS_EXECUTION: &str = "arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole";
const XRAY: &str = "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess";

/// The context the issue describes; `stack`: the SAM app is deployed as `orders-dev` (four
/// of its five functions carry the stack's tags; the prod-only report function does not).
fn ctx(stack: bool, params: &[(&str, &str)]) -> ResolveContext {
    ResolveContext {
        account_id: ACCOUNT.into(),
        partition: "aws".into(),
        default_region: Some("us-east-1".into()),
        parameters: params
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        deployed_stacks: if stack {
            vec![DeployedStack {
                name: "orders-dev".into(),
                region: "us-east-1".into(),
                function_logical_ids: [
                    "ApiFunction",
                    "WorkerFunction",
                    "IngestFunction",
                    "HealthFunction",
                ]
                .map(String::from)
                .into(),
            }]
        } else {
            Vec::new()
        },
    }
}

fn load_one(path: &str, ctx: &ResolveContext) -> DeclaredEstate {
    let estate = load(&[PathBuf::from(path)], ctx);
    assert!(estate.errors.is_empty(), "{:?}", estate.errors);
    estate
}

fn function<'e>(estate: &'e DeclaredEstate, key: &str) -> &'e DeclaredFunction {
    estate
        .functions
        .iter()
        .find(|f| f.origin.key == key)
        .unwrap_or_else(|| panic!("function {key}"))
}

fn role<'e>(estate: &'e DeclaredEstate, key: &str) -> &'e DeclaredRole {
    estate
        .role(key)
        .unwrap_or_else(|| panic!("role {key} among {:?}", role_keys(estate)))
}

fn role_keys(estate: &DeclaredEstate) -> Vec<&str> {
    estate.roles.iter().map(|r| r.key.as_str()).collect()
}

fn at(file: &str, line: u32, column: u32) -> Location {
    Location::at(file, line, column)
}

fn known<T>(value: T) -> Declared<T> {
    Declared::Known(value)
}

fn unknown<T>(reason: &str) -> Declared<T> {
    Declared::Unknown(reason.to_string())
}

fn text(value: &str) -> Declared<String> {
    known(value.to_string())
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// Compares the environment without printing a value: same names, the same unknown reasons,
/// and for known values the inventory's digest of the expected value.
fn assert_environment(function: &DeclaredFunction, expected: &[(&str, Result<&str, &str>)]) {
    let Declared::Known(variables) = &function.environment else {
        panic!(
            "{}: environment is {:?}",
            function.origin.key, function.environment
        );
    };
    let names: Vec<&str> = variables.keys().map(String::as_str).collect();
    let mut expected_names: Vec<&str> = expected.iter().map(|(n, _)| *n).collect();
    expected_names.sort_unstable();
    assert_eq!(names, expected_names, "{}", function.origin.key);
    for (name, value) in expected {
        match (&variables[*name], value) {
            (Declared::Known(secret), Ok(value)) => assert!(
                secret.digest(name) == value_digest(name, value),
                "{}: {name} does not hold the expected value",
                function.origin.key
            ),
            (Declared::Unknown(reason), Err(expected)) => {
                assert_eq!(reason, expected, "{}: {name}", function.origin.key)
            }
            (actual, _) => panic!(
                "{}: {name} is {}",
                function.origin.key,
                match actual {
                    Declared::Known(_) => "known (value not shown)".to_string(),
                    Declared::Unknown(reason) => format!("unknown: {reason}"),
                }
            ),
        }
    }
}

fn invoke(principal: &str, source_arn: Declared<String>, location: Location) -> DeclaredPermission {
    DeclaredPermission {
        action: text("lambda:InvokeFunction"),
        principal: text(principal),
        source_arn: Some(source_arn),
        source_account: None,
        function_url_auth_type: None,
        qualifier: None,
        location,
    }
}

fn generated(event: &str) -> Declared<String> {
    unknown(&format!(
        "event {event}: the source ARN is generated at deployment"
    ))
}

fn sam_role_key(stack: &str, logical_id: &str) -> String {
    format!("{SAM}#{stack}#{logical_id}")
}

#[test]
fn sam_api_function_merges_globals_and_anchors_and_grants_its_events_on_the_alias() {
    let estate = load_one(SAM_DIR, &ctx(true, &[]));
    let api = function(&estate, "ApiFunction");
    assert_eq!(api.origin.format, SourceFormat::CloudFormation);
    assert_eq!(api.origin.stack_name.as_deref(), Some("orders-dev"));
    // The logical id's line.
    assert_eq!(api.origin.location, at(SAM, 95, 3));
    // `!Sub ${AWS::StackName}-api` with the stack found from the deployed tags.
    assert_eq!(api.name, text("orders-dev-api"));
    assert_eq!(api.region.as_deref(), Some("us-east-1"));
    // Globals: runtime; the function's own timeout wins over the global 10; the memory is
    // `!FindInMap [StageConfig, !Ref Stage, Memory]` with Stage's default `dev`.
    assert_eq!(api.runtime, known(Some("python3.12".to_string())));
    assert_eq!(api.timeout_seconds, known(30));
    assert_eq!(api.memory_mb, known(256));
    // `<<: *defaults` brings the architectures; the own Handler overrides the anchor's.
    assert_eq!(api.handler, known(Some("api.handler".to_string())));
    assert_eq!(api.architectures, known(strings(&["arm64"])));
    assert_eq!(api.tracing_mode, text("PassThrough"));
    assert_eq!(api.reserved_concurrency, known(None));
    // Lists: the global layer first, then the function's own.
    assert_eq!(
        api.layers,
        known(strings(&[
            "arn:aws:lambda:us-east-1:111122223333:layer:common:3",
            "arn:aws:lambda:us-east-1:111122223333:layer:api-extras:7",
        ]))
    );
    // The global VPC applies as is (`!Ref` of a List<> parameter with a default).
    assert_eq!(
        api.vpc,
        known(Some(DeclaredVpc {
            subnet_ids: strings(&["subnet-0aaa", "subnet-0bbb"]),
            security_group_ids: strings(&["sg-0global"]),
        }))
    );
    // Maps merge: global STAGE and SERVICE, the own LOG_LEVEL overrides the global one.
    assert_environment(
        api,
        &[
            ("STAGE", Ok("dev")),
            ("SERVICE", Ok("orders")),
            ("LOG_LEVEL", Ok("DEBUG")),
            ("TABLE_NAME", Ok("dev-orders-us-east-1")),
            (
                "API_KEY",
                Err("parameter ApiKey has no default (pass --parameter ApiKey=VALUE)"),
            ),
            (
                "DB_PASSWORD",
                Err("a dynamic reference ({{resolve:…}}) resolved at deployment"),
            ),
            ("SHARED_BUS", Err("!ImportValue shared-event-bus-arn")),
        ],
    );
    assert_eq!(
        api.role,
        DeclaredRoleRef::Declared {
            key: sam_role_key("orders-dev", "ApiFunctionRole")
        }
    );
    // The URL belongs to the alias AutoPublishAlias creates.
    assert_eq!(
        api.url,
        known(Some(DeclaredUrl {
            auth_type: text("NONE"),
            cors: known(Some(DeclaredCors {
                allow_origins: strings(&["https://shop.example.com"]),
                allow_methods: strings(&["GET", "POST"]),
                allow_credentials: true,
            })),
            qualifier: Some("live".into()),
            location: at(SAM, 113, 9),
        }))
    );
    let on_alias = |mut p: DeclaredPermission| {
        p.qualifier = Some("live".into());
        p
    };
    assert_eq!(
        api.permissions,
        [
            DeclaredPermission {
                action: text("lambda:InvokeFunctionUrl"),
                principal: text("*"),
                source_arn: None,
                source_account: None,
                function_url_auth_type: Some("NONE".into()),
                qualifier: Some("live".into()),
                location: at(SAM, 113, 9),
            },
            on_alias(invoke(
                "apigateway.amazonaws.com",
                generated("GetOrders"),
                at(SAM, 128, 9)
            )),
            on_alias(invoke(
                "apigateway.amazonaws.com",
                generated("PostOrder"),
                at(SAM, 133, 9)
            )),
            on_alias(invoke(
                "events.amazonaws.com",
                generated("Nightly"),
                at(SAM, 138, 9)
            )),
            on_alias(invoke(
                "events.amazonaws.com",
                generated("OrderShipped"),
                at(SAM, 142, 9)
            )),
        ]
    );
    assert!(api.event_sources.is_empty());
    assert!(api.permissions_complete);
    assert!(api.event_sources_complete);
    // Own properties at their lines; inherited ones at the Globals' and the anchor's lines.
    let lines: BTreeMap<&str, (Option<u32>, Option<u32>)> = api
        .attribute_locations
        .iter()
        .map(|(k, l)| {
            assert_eq!(l.file, SAM);
            (k.as_str(), (l.line, l.column))
        })
        .collect();
    let expected: BTreeMap<&str, (Option<u32>, Option<u32>)> = [
        ("architectures", (10, 20)),
        ("environment", (104, 9)),
        ("handler", (100, 16)),
        ("layers", (111, 9)),
        ("memory", (48, 28)),
        ("runtime", (46, 14)),
        ("timeout", (101, 16)),
        ("url", (113, 9)),
        ("vpc", (57, 7)),
    ]
    .into_iter()
    .map(|(k, (l, c))| (k, (Some(l), Some(c))))
    .collect();
    assert_eq!(lines, expected);
}

#[test]
fn sam_worker_function_with_its_own_role_sqs_and_sns_events_and_sub_variable_maps() {
    let estate = load_one(SAM_DIR, &ctx(true, &[]));
    let worker = function(&estate, "WorkerFunction");
    assert_eq!(worker.origin.location, at(SAM, 148, 3));
    assert_eq!(
        worker.name,
        unknown("the function name is generated by CloudFormation; matched by its stack tags")
    );
    assert_eq!(worker.handler, known(Some("worker.handler".to_string())));
    // The own Architectures wins over the anchor's.
    assert_eq!(worker.architectures, known(strings(&["x86_64"])));
    assert_eq!(worker.timeout_seconds, known(10));
    assert_eq!(worker.memory_mb, known(256));
    assert_eq!(
        worker.layers,
        known(strings(&[
            "arn:aws:lambda:us-east-1:111122223333:layer:common:3"
        ]))
    );
    // VpcConfig maps merge; the global security group first, then the function's.
    assert_eq!(
        worker.vpc,
        known(Some(DeclaredVpc {
            subnet_ids: strings(&["subnet-0aaa", "subnet-0bbb"]),
            security_group_ids: strings(&["sg-0global", "sg-0worker"]),
        }))
    );
    assert_environment(
        worker,
        &[
            ("STAGE", Ok("dev")),
            ("SERVICE", Ok("orders")),
            ("LOG_LEVEL", Ok("INFO")),
            (
                "QUEUE_ARN",
                Ok("arn:aws:sqs:us-east-1:111122223333:orders-dev"),
            ),
            // `!Sub [.., {QueueArn: !GetAtt .., Suffix: !If [IsProd, ..]}]`, IsProd false.
            (
                "DLQ_ARN",
                Ok("arn:aws:sqs:us-east-1:111122223333:orders-dev-dlq-relaxed"),
            ),
            // Long-form `Fn::ImportValue` of a short-form `!Sub`.
            ("VPC_ID", Err("!ImportValue dev-shared-vpc-id")),
        ],
    );
    // `Role: !GetAtt WorkerRole.Arn`: the declared role; SAM generates none.
    assert_eq!(
        worker.role,
        DeclaredRoleRef::Declared {
            key: sam_role_key("orders-dev", "WorkerRole")
        }
    );
    assert!(
        estate
            .role(&sam_role_key("orders-dev", "WorkerFunctionRole"))
            .is_none()
    );
    // SNS: the topic ARN from its TopicName `${AWS::StackName}-events`; no alias here.
    assert_eq!(
        worker.permissions,
        [invoke(
            "sns.amazonaws.com",
            text("arn:aws:sns:us-east-1:111122223333:orders-dev-events"),
            at(SAM, 173, 9)
        )]
    );
    // SQS: the queue ARN from `!Sub orders-${Stage}`, the batch size from the mapping.
    assert_eq!(
        worker.event_sources,
        [DeclaredEventSource {
            source_arn: text("arn:aws:sqs:us-east-1:111122223333:orders-dev"),
            enabled: true,
            batch_size: Some(5),
            location: at(SAM, 168, 9),
        }]
    );
    assert!(worker.permissions_complete && worker.event_sources_complete);
    assert_eq!(worker.attribute_locations["role"], at(SAM, 154, 21));
    assert_eq!(worker.attribute_locations["timeout"], at(SAM, 47, 14));
    assert_eq!(worker.attribute_locations["vpc"], at(SAM, 165, 9));

    let declared_role = role(&estate, &sam_role_key("orders-dev", "WorkerRole"));
    assert_eq!(declared_role.origin.key, "WorkerRole");
    assert_eq!(declared_role.origin.location, at(SAM, 83, 3));
    assert_eq!(declared_role.name, text("orders-worker-dev"));
    assert_eq!(declared_role.managed_policy_arns, [text(SQS_EXECUTION)]);
    assert!(declared_role.inline_policies.is_empty());
    assert!(declared_role.complete);
}

#[test]
fn sam_ingest_function_nested_intrinsics_s3_and_an_unknown_event_type() {
    let estate = load_one(SAM_DIR, &ctx(true, &[]));
    let ingest = function(&estate, "IngestFunction");
    assert_eq!(ingest.origin.location, at(SAM, 178, 3));
    // `!Join ["-", [!Ref Stage, !Ref "AWS::Region", ingest]]`.
    assert_eq!(ingest.name, text("dev-us-east-1-ingest"));
    // `!Select [1, !Split ["/", "src/ingest.handler"]]`.
    assert_eq!(ingest.handler, known(Some("ingest.handler".to_string())));
    // `!If [IsProd, 60, 20]` with Stage dev.
    assert_eq!(ingest.timeout_seconds, known(20));
    assert_eq!(ingest.memory_mb, known(512));
    assert_eq!(ingest.architectures, known(strings(&["x86_64"])));
    assert_eq!(ingest.tracing_mode, text("Active"));
    assert_environment(
        ingest,
        &[
            ("STAGE", Ok("dev")),
            ("SERVICE", Ok("orders")),
            ("LOG_LEVEL", Ok("INFO")),
        ],
    );
    let mut s3 = invoke(
        "s3.amazonaws.com",
        text("arn:aws:s3:::dev-uploads-111122223333"),
        at(SAM, 188, 9),
    );
    s3.source_account = Some(text(ACCOUNT));
    assert_eq!(ingest.permissions, [s3]);
    assert_eq!(
        ingest.event_sources,
        [DeclaredEventSource {
            source_arn: text("arn:aws:sqs:us-east-1:111122223333:backfill"),
            enabled: false,
            batch_size: None,
            location: at(SAM, 193, 9),
        }]
    );
    // `MyCompany::Firehose` may add grants and mappings this parser cannot see.
    assert!(!ingest.permissions_complete);
    assert!(!ingest.event_sources_complete);
    assert_eq!(
        ingest.role,
        DeclaredRoleRef::Declared {
            key: sam_role_key("orders-dev", "IngestFunctionRole")
        }
    );
    assert_eq!(ingest.attribute_locations["handler"], at(SAM, 183, 24));
    assert_eq!(ingest.attribute_locations["timeout"], at(SAM, 185, 20));
    assert_eq!(ingest.attribute_locations["tracing"], at(SAM, 186, 16));
    assert_eq!(ingest.attribute_locations["environment"], at(SAM, 50, 7));
}

#[test]
fn sam_generated_roles_hold_event_vpc_and_tracing_policies_and_expanded_templates() {
    let estate = load_one(SAM_DIR, &ctx(true, &[]));
    assert_eq!(
        role_keys(&estate),
        [
            sam_role_key("orders-dev", "WorkerRole"),
            sam_role_key("orders-dev", "ApiFunctionRole"),
            sam_role_key("orders-dev", "IngestFunctionRole"),
        ]
    );

    let api = role(&estate, &sam_role_key("orders-dev", "ApiFunctionRole"));
    assert_eq!(api.origin.key, "ApiFunctionRole");
    assert_eq!(api.origin.stack_name.as_deref(), Some("orders-dev"));
    // No resource of its own: located at its function.
    assert_eq!(api.origin.location, at(SAM, 95, 3));
    assert_eq!(
        api.name,
        unknown("SAM generates the name of ApiFunctionRole at deployment")
    );
    assert_eq!(
        api.managed_policy_arns,
        [
            text(BASIC),
            text(VPC_ACCESS),
            text("arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"),
        ]
    );
    assert_eq!(api.inline_policies.len(), 2, "{:#?}", api.inline_policies);
    assert_eq!(api.inline_policies[0].name, text("ApiFunctionRolePolicy1"));
    assert_eq!(api.inline_policies[0].location, at(SAM, 121, 11));
    assert_eq!(
        api.inline_policies[0].document,
        known(json!({"Statement": [{
            "Effect": "Allow",
            "Action": "ssm:GetParameter",
            "Resource": "arn:aws:ssm:us-east-1:111122223333:parameter/orders/dev/*"
        }]}))
    );
    assert_eq!(api.inline_policies[1].name, text("ApiFunctionRolePolicy2"));
    assert_eq!(api.inline_policies[1].location, at(SAM, 125, 11));
    assert_eq!(
        api.inline_policies[1].document,
        known(json!({"Statement": [{
            "Action": [
                "dynamodb:GetItem", "dynamodb:DeleteItem", "dynamodb:PutItem",
                "dynamodb:Scan", "dynamodb:Query", "dynamodb:UpdateItem",
                "dynamodb:BatchWriteItem", "dynamodb:BatchGetItem",
                "dynamodb:DescribeTable", "dynamodb:ConditionCheckItem"
            ],
            "Effect": "Allow",
            "Resource": [
                "arn:aws:dynamodb:us-east-1:111122223333:table/dev-orders-us-east-1",
                "arn:aws:dynamodb:us-east-1:111122223333:table/dev-orders-us-east-1/index/*"
            ]
        }]}))
    );
    assert!(api.complete);

    let ingest = role(&estate, &sam_role_key("orders-dev", "IngestFunctionRole"));
    assert_eq!(ingest.origin.location, at(SAM, 178, 3));
    assert_eq!(
        ingest.managed_policy_arns,
        [
            text(BASIC),
            text(SQS_EXECUTION),
            text(VPC_ACCESS),
            text(XRAY)
        ]
    );
    assert_eq!(
        ingest.inline_policies.len(),
        2,
        "{:#?}",
        ingest.inline_policies
    );
    assert_eq!(
        ingest.inline_policies[0].name,
        text("IngestFunctionRolePolicy0")
    );
    assert_eq!(ingest.inline_policies[0].location, at(SAM, 203, 11));
    assert_eq!(
        ingest.inline_policies[0].document,
        known(json!({"Statement": [{
            "Action": [
                "sqs:ChangeMessageVisibility", "sqs:ChangeMessageVisibilityBatch",
                "sqs:DeleteMessage", "sqs:DeleteMessageBatch",
                "sqs:GetQueueAttributes", "sqs:ReceiveMessage"
            ],
            "Effect": "Allow",
            "Resource": "arn:aws:sqs:us-east-1:111122223333:orders-dev"
        }]}))
    );
    assert_eq!(
        ingest.inline_policies[1].name,
        text("IngestFunctionRolePolicy1")
    );
    assert_eq!(
        ingest.inline_policies[1].document,
        known(json!({"Statement": [{
            "Action": [
                "s3:GetObject", "s3:ListBucket", "s3:GetBucketLocation",
                "s3:GetObjectVersion", "s3:GetLifecycleConfiguration"
            ],
            "Effect": "Allow",
            "Resource": [
                "arn:aws:s3:::dev-uploads-111122223333",
                "arn:aws:s3:::dev-uploads-111122223333/*"
            ]
        }]}))
    );
    // `OrdersAuditPolicy` is no SAM policy template.
    assert!(!ingest.complete);
}

#[test]
fn sam_plain_function_in_the_template_takes_no_globals() {
    let estate = load_one(SAM_DIR, &ctx(true, &[]));
    let health = function(&estate, "HealthFunction");
    assert_eq!(health.origin.location, at(SAM, 217, 3));
    assert_eq!(health.name, text("orders-health-dev"));
    assert_eq!(health.runtime, known(Some("nodejs20.x".to_string())));
    assert_eq!(health.timeout_seconds, known(3));
    assert_eq!(health.memory_mb, known(128));
    assert_eq!(health.architectures, known(strings(&["x86_64"])));
    assert_eq!(health.environment, known(BTreeMap::new()));
    assert_eq!(health.layers, known(vec![]));
    assert_eq!(health.vpc, known(None));
    assert_eq!(health.reserved_concurrency, known(Some(2)));
    assert_eq!(
        health.role,
        DeclaredRoleRef::Declared {
            key: sam_role_key("orders-dev", "WorkerRole")
        }
    );
    assert!(health.permissions.is_empty() && health.event_sources.is_empty());
    assert_eq!(
        health.attribute_locations.keys().collect::<Vec<_>>(),
        ["handler", "reserved_concurrency", "role", "runtime"]
    );
}

#[test]
fn sam_source_names_the_stack_its_evidence_and_what_was_not_understood() {
    let estate = load_one(SAM_DIR, &ctx(true, &[]));
    assert_eq!(estate.sources.len(), 1);
    let source = &estate.sources[0];
    assert_eq!(source.file, SAM);
    assert_eq!(source.format, SourceFormat::CloudFormation);
    assert_eq!(source.stack_name.as_deref(), Some("orders-dev"));
    assert_eq!(
        source.stack_evidence.as_deref(),
        Some(
            "4 of the template's 5 function logical ids are tagged on deployed functions of this stack"
        )
    );
    // `ReportFunction` has `Condition: IsProd`, false for the default stage.
    assert_eq!(source.functions, 4);
    assert_eq!(
        estate
            .functions
            .iter()
            .map(|f| f.origin.key.as_str())
            .collect::<Vec<_>>(),
        [
            "ApiFunction",
            "WorkerFunction",
            "IngestFunction",
            "HealthFunction"
        ]
    );
    assert_eq!(
        source.notes,
        [
            "IngestFunction.Stream: event type `MyCompany::Firehose` is not modelled; added permissions and mappings are not judged",
            "IngestFunction: a policy template at line 207 is not one SAM defines; the role is judged partially",
        ]
    );
}

#[test]
fn sam_without_a_matching_stack_leaves_stack_derived_values_unknown() {
    let estate = load_one(SAM, &ctx(false, &[]));
    let source = &estate.sources[0];
    assert_eq!(source.stack_name, None);
    assert_eq!(
        source.stack_evidence.as_deref(),
        Some("no deployed function carries this template's logical ids")
    );
    let api = function(&estate, "ApiFunction");
    assert_eq!(api.origin.stack_name, None);
    assert_eq!(
        api.name,
        unknown(
            "!Sub ${AWS::StackName}: AWS::StackName (no deployed stack matched; pass --parameter AWS::StackName=NAME)"
        )
    );
    // The default region still resolves what does not need the stack.
    assert_eq!(api.region.as_deref(), Some("us-east-1"));
    assert_eq!(
        function(&estate, "IngestFunction").name,
        text("dev-us-east-1-ingest")
    );
    // The topic is named after the stack: its ARN, and so the SNS grant's source, is unknown.
    let worker = function(&estate, "WorkerFunction");
    assert_eq!(worker.permissions.len(), 1);
    assert_eq!(worker.permissions[0].principal, text("sns.amazonaws.com"));
    assert_eq!(
        worker.permissions[0].source_arn,
        Some(unknown(
            "the physical id of OrdersTopic is generated at deployment"
        ))
    );
    assert_eq!(
        api.role,
        DeclaredRoleRef::Declared {
            key: sam_role_key("", "ApiFunctionRole")
        }
    );
}

#[test]
fn sam_stack_name_parameter_and_prod_stage_select_the_other_branches() {
    let estate = load_one(
        SAM,
        &ctx(
            false,
            &[
                ("AWS::StackName", "orders-prod"),
                ("Stage", "prod"),
                ("ApiKey", "k-123"),
            ],
        ),
    );
    let source = &estate.sources[0];
    assert_eq!(source.stack_name.as_deref(), Some("orders-prod"));
    assert_eq!(
        source.stack_evidence.as_deref(),
        Some("--parameter AWS::StackName")
    );
    // IsProd is true: the report function exists, with the anchor's settings.
    assert_eq!(source.functions, 5);
    let report = function(&estate, "ReportFunction");
    assert_eq!(report.origin.location, at(SAM, 210, 3));
    assert_eq!(report.name, text("orders-report-prod"));
    assert_eq!(report.handler, known(Some("app.handler".to_string())));
    assert_eq!(report.architectures, known(strings(&["arm64"])));
    assert_eq!(report.memory_mb, known(1024));

    let api = function(&estate, "ApiFunction");
    assert_eq!(api.name, text("orders-prod-api"));
    assert_eq!(api.memory_mb, known(1024));
    assert_environment(
        api,
        &[
            ("STAGE", Ok("prod")),
            ("SERVICE", Ok("orders")),
            ("LOG_LEVEL", Ok("DEBUG")),
            ("TABLE_NAME", Ok("prod-orders-us-east-1")),
            ("API_KEY", Ok("k-123")),
            (
                "DB_PASSWORD",
                Err("a dynamic reference ({{resolve:…}}) resolved at deployment"),
            ),
            ("SHARED_BUS", Err("!ImportValue shared-event-bus-arn")),
        ],
    );
    let worker = function(&estate, "WorkerFunction");
    assert_eq!(worker.event_sources[0].batch_size, Some(50));
    assert_eq!(
        worker.event_sources[0].source_arn,
        text("arn:aws:sqs:us-east-1:111122223333:orders-prod")
    );
    assert_eq!(
        worker.permissions[0].source_arn,
        Some(text(
            "arn:aws:sns:us-east-1:111122223333:orders-prod-events"
        ))
    );
    assert_environment(
        worker,
        &[
            ("STAGE", Ok("prod")),
            ("SERVICE", Ok("orders")),
            ("LOG_LEVEL", Ok("INFO")),
            (
                "QUEUE_ARN",
                Ok("arn:aws:sqs:us-east-1:111122223333:orders-prod"),
            ),
            (
                "DLQ_ARN",
                Ok("arn:aws:sqs:us-east-1:111122223333:orders-prod-dlq-critical"),
            ),
            ("VPC_ID", Err("!ImportValue prod-shared-vpc-id")),
        ],
    );
    assert_eq!(
        function(&estate, "IngestFunction").timeout_seconds,
        known(60)
    );
    assert_eq!(
        role(&estate, &sam_role_key("orders-prod", "WorkerRole")).name,
        text("orders-worker-prod")
    );
}

#[test]
fn cfn_json_stack_with_explicit_permissions_url_mapping_alias_and_iam() {
    let estate = load_one(CFN_JSON, &ctx(true, &[]));
    assert_eq!(estate.sources.len(), 1);
    let source = &estate.sources[0];
    assert_eq!(source.format, SourceFormat::CloudFormation);
    assert_eq!(source.stack_name, None);
    assert_eq!(source.functions, 1);
    assert!(source.notes.is_empty(), "{:?}", source.notes);
    assert_eq!(estate.functions.len(), 1);

    let billing = function(&estate, "BillingFunction");
    assert_eq!(billing.origin.location, at(CFN_JSON, 63, 5));
    // Long-form `Fn::Sub` with an (empty) variable map.
    assert_eq!(billing.name, text("staging-billing"));
    assert_eq!(billing.runtime, known(Some("java21".to_string())));
    assert_eq!(
        billing.handler,
        known(Some("billing.Handler::handleRequest".to_string()))
    );
    assert_eq!(billing.timeout_seconds, known(60));
    assert_eq!(billing.memory_mb, known(1024));
    assert_eq!(billing.architectures, known(strings(&["arm64"])));
    assert_eq!(billing.tracing_mode, text("Active"));
    assert_eq!(billing.reserved_concurrency, known(Some(10)));
    assert_eq!(billing.layers, known(vec![]));
    assert_eq!(billing.vpc, known(None));
    let role_key = format!("{CFN_JSON}##BillingRole");
    assert_eq!(
        billing.role,
        DeclaredRoleRef::Declared {
            key: role_key.clone()
        }
    );
    assert_environment(
        billing,
        &[
            (
                "TOPIC_ARN",
                Ok("arn:aws:sns:us-east-1:111122223333:staging-billing-events"),
            ),
            (
                "QUEUE_URL",
                Ok("https://sqs.us-east-1.amazonaws.com/111122223333/staging-billing-jobs"),
            ),
            // The role's Path is part of its ARN.
            (
                "ROLE_ARN",
                Ok("arn:aws:iam::111122223333:role/service/staging-billing-role"),
            ),
        ],
    );
    assert_eq!(
        billing.url,
        known(Some(DeclaredUrl {
            auth_type: text("AWS_IAM"),
            cors: known(Some(DeclaredCors {
                allow_origins: strings(&["https://billing.example.com"]),
                allow_methods: strings(&["POST"]),
                allow_credentials: false,
            })),
            qualifier: None,
            location: at(CFN_JSON, 110, 5),
        }))
    );
    let mut partner = invoke("444455556666", text(""), at(CFN_JSON, 102, 5));
    partner.source_arn = None;
    partner.qualifier = Some("live".into());
    assert_eq!(
        billing.permissions,
        [
            invoke(
                "sns.amazonaws.com",
                text("arn:aws:sns:us-east-1:111122223333:staging-billing-events"),
                at(CFN_JSON, 93, 5)
            ),
            // On the alias `BillingLiveAlias`, referred to by `Ref`.
            partner,
        ]
    );
    assert_eq!(
        billing.event_sources,
        [DeclaredEventSource {
            source_arn: text("arn:aws:sqs:us-east-1:111122223333:staging-billing-jobs"),
            enabled: true,
            batch_size: Some(25),
            location: at(CFN_JSON, 121, 5),
        }]
    );
    assert!(billing.permissions_complete && billing.event_sources_complete);
    assert_eq!(billing.attribute_locations["url"], at(CFN_JSON, 110, 5));
    assert_eq!(billing.attribute_locations["timeout"], at(CFN_JSON, 70, 20));
    assert_eq!(billing.attribute_locations["tracing"], at(CFN_JSON, 73, 26));
    assert_eq!(
        billing.attribute_locations["environment"],
        at(CFN_JSON, 75, 24)
    );

    assert_eq!(role_keys(&estate), [role_key.as_str()]);
    let billing_role = role(&estate, &role_key);
    assert_eq!(billing_role.origin.location, at(CFN_JSON, 28, 5));
    assert_eq!(billing_role.name, text("staging-billing-role"));
    // Its own list (one import unresolvable, the other still known), then the managed
    // policy that names it in `Roles`.
    assert_eq!(
        billing_role.managed_policy_arns,
        [
            text(BASIC),
            unknown("!ImportValue shared-kms-policy-arn"),
            text("arn:aws:iam::111122223333:policy/staging-billing-reporting"),
        ]
    );
    assert_eq!(billing_role.inline_policies.len(), 2);
    let own = &billing_role.inline_policies[0];
    assert_eq!(own.name, text("publish-events"));
    assert_eq!(own.location, at(CFN_JSON, 47, 11));
    assert_eq!(
        own.document,
        known(json!({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow",
            "Action": "sns:Publish",
            "Resource": "arn:aws:sns:us-east-1:111122223333:staging-billing-events"
        }]}))
    );
    // `AWS::IAM::Policy` with `Roles: [{"Ref": "BillingRole"}]`, at its logical id.
    let attached = &billing_role.inline_policies[1];
    assert_eq!(attached.name, text("consume-jobs"));
    assert_eq!(attached.location, at(CFN_JSON, 129, 5));
    assert_eq!(
        attached.document,
        known(json!({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow",
            "Action": ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
            "Resource": "arn:aws:sqs:us-east-1:111122223333:staging-billing-jobs"
        }]}))
    );
    assert!(billing_role.complete);
}

#[test]
fn multi_template_folder_reads_both_templates_skips_the_rest_and_reports_the_broken_one() {
    let estate = load(&[PathBuf::from(MULTI)], &ctx(true, &[]));
    let api = format!("{MULTI}/api/template.yaml");
    let jobs = format!("{MULTI}/jobs/template.yml");
    // `package.json` is not a declaration; `.github/` is hidden: neither is an error.
    assert_eq!(
        estate
            .errors
            .iter()
            .map(|e| e.to_string())
            .collect::<Vec<_>>(),
        [format!(
            "{MULTI}/broken/template.yaml:10:13: while parsing a block mapping, did not find expected key"
        )]
    );
    assert_eq!(
        estate.errors[0].location,
        at(&format!("{MULTI}/broken/template.yaml"), 10, 13)
    );
    assert_eq!(
        estate
            .sources
            .iter()
            .map(|s| (s.file.as_str(), s.format, s.functions))
            .collect::<Vec<_>>(),
        [
            (api.as_str(), SourceFormat::CloudFormation, 1),
            (jobs.as_str(), SourceFormat::CloudFormation, 1),
        ]
    );
    let names: Vec<&Declared<String>> = estate.functions.iter().map(|f| &f.name).collect();
    assert_eq!(names, [&text("shop-api"), &text("shop-jobs")]);
    // The same logical id in two templates: two roles, keyed by file.
    assert_eq!(
        role_keys(&estate),
        [
            format!("{api}##FunctionRole"),
            format!("{jobs}##FunctionRole")
        ]
    );
    let (api_fn, jobs_fn) = (&estate.functions[0], &estate.functions[1]);
    assert_eq!(api_fn.origin.location, at(&api, 6, 3));
    assert_eq!(jobs_fn.origin.location, at(&jobs, 4, 3));
    assert_eq!(
        api_fn.permissions,
        [invoke(
            "apigateway.amazonaws.com",
            generated("Proxy"),
            at(&api, 13, 9)
        )]
    );
    // `Transform` as a list; ScheduleV2 invokes through a role, so no grant.
    assert_eq!(jobs_fn.timeout_seconds, known(900));
    assert!(jobs_fn.permissions.is_empty());
    assert!(jobs_fn.permissions_complete);
    for role in &estate.roles {
        assert_eq!(role.managed_policy_arns, [text(BASIC)]);
    }
}

/// A good template beside every kind of bad file.
fn bad_input_folder() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let write = |name: &str, bytes: &[u8]| {
        std::fs::write(dir.path().join(name), bytes).expect("written");
    };
    write(
        "good.yaml",
        b"Transform: AWS::Serverless-2016-10-31\nResources:\n  Good:\n    Type: AWS::Serverless::Function\n    Properties:\n      FunctionName: good-fn\n      Runtime: python3.12\n      Handler: app.handler\n",
    );
    write(
        "malformed.yaml",
        b"Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties: {FunctionName: x\n  Other: 1\n",
    );
    write(
        "malformed.json",
        b"{\n  \"Resources\": {\n    \"Fn\": {\n      \"Type\": \"AWS::Lambda::Function\"\n      \"Properties\": {}\n    }\n  }\n}\n",
    );
    write(
        "unknown-tag.yaml",
        b"Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n      FunctionName: !Reff Name\n",
    );
    write(
        "bucket-only.yaml",
        b"AWSTemplateFormatVersion: \"2010-09-09\"\nResources:\n  Bucket:\n    Type: AWS::S3::Bucket\n",
    );
    write(
        "old.tfstate",
        b"{\n  \"version\": 3,\n  \"terraform_version\": \"0.11.14\",\n  \"serial\": 9,\n  \"lineage\": \"0c2b\",\n  \"modules\": []\n}\n",
    );
    write(
        "latin1.yaml",
        b"Resources:\n  Fn:\n    Description: caf\xe9\n",
    );
    write("deep.yaml", "[".repeat(10_000).as_bytes());
    // Ten levels of ten aliases each: 10^10 nodes once expanded.
    let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..10 {
        let p = i - 1;
        bomb.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    write("bomb.yaml", bomb.as_bytes());
    dir
}

#[test]
fn bad_files_are_errors_naming_file_line_and_column_and_the_good_file_is_still_read() {
    let dir = bad_input_folder();
    let estate = load(&[dir.path().to_path_buf()], &ctx(false, &[]));
    let file = |name: &str| dir.path().join(name).display().to_string();
    let errors: Vec<(Location, &str)> = estate
        .errors
        .iter()
        .map(|e| (e.location.clone(), e.message.as_str()))
        .collect();
    assert_eq!(
        errors,
        [
            (
                at(&file("bomb.yaml"), 7, 10),
                "more than 2000000 nodes once aliases are expanded"
            ),
            (
                at(&file("bucket-only.yaml"), 3, 3),
                "declares no Lambda function (AWS::Lambda::Function or AWS::Serverless::Function)"
            ),
            (at(&file("deep.yaml"), 1, 256), "recursion limit exceeded"),
            (Location::file(file("latin1.yaml")), "is not UTF-8 text"),
            (
                at(&file("malformed.json"), 5, 7),
                "while parsing a flow mapping, did not find expected ',' or '}'"
            ),
            (
                at(&file("malformed.yaml"), 5, 8),
                "while parsing a flow mapping, did not find expected ',' or '}'"
            ),
            (
                at(&file("old.tfstate"), 2, 14),
                "Terraform state format version 3 is not supported (only 4)"
            ),
            (
                at(&file("unknown-tag.yaml"), 5, 27),
                "unknown tag `!Reff` (not a CloudFormation intrinsic function)"
            ),
        ]
    );
    assert_eq!(
        estate
            .sources
            .iter()
            .map(|s| s.file.clone())
            .collect::<Vec<_>>(),
        [file("good.yaml")]
    );
    assert_eq!(estate.functions.len(), 1);
    assert_eq!(estate.functions[0].name, text("good-fn"));
}

fn snapshot(dir: &Path) -> PathBuf {
    let inventory = crate::support::inventory(vec![crate::support::function("good-fn", json!({}))]);
    let path = dir.join("snapshot.json");
    lambda_audit::inventory::snapshot::write(&inventory, &path).expect("written");
    path
}

#[test]
fn drift_binary_prints_each_bad_file_and_still_reports() {
    let declared = bad_input_folder();
    let work = tempfile::tempdir().expect("tempdir");
    let snapshot = snapshot(work.path());
    let output = Command::new(env!("CARGO_BIN_EXE_lambda-audit"))
        .current_dir(work.path())
        .args(["drift", "--from-snapshot"])
        .arg(&snapshot)
        .arg("--declared")
        .arg(declared.path())
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let file = |name: &str| declared.path().join(name).display().to_string();
    let error_lines: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("error: "))
        .collect();
    assert_eq!(
        error_lines,
        [
            format!(
                "error: {}:7:10: more than 2000000 nodes once aliases are expanded",
                file("bomb.yaml")
            ),
            format!(
                "error: {}:3:3: declares no Lambda function (AWS::Lambda::Function or AWS::Serverless::Function)",
                file("bucket-only.yaml")
            ),
            format!(
                "error: {}:1:256: recursion limit exceeded",
                file("deep.yaml")
            ),
            format!("error: {}: is not UTF-8 text", file("latin1.yaml")),
            format!(
                "error: {}:5:7: while parsing a flow mapping, did not find expected ',' or '}}'",
                file("malformed.json")
            ),
            format!(
                "error: {}:5:8: while parsing a flow mapping, did not find expected ',' or '}}'",
                file("malformed.yaml")
            ),
            format!(
                "error: {}:2:14: Terraform state format version 3 is not supported (only 4)",
                file("old.tfstate")
            ),
            format!(
                "error: {}:5:27: unknown tag `!Reff` (not a CloudFormation intrinsic function)",
                file("unknown-tag.yaml")
            ),
        ],
        "{stderr}"
    );
    // The report is still written, and it read the good template.
    assert_ne!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stdout.contains(&file("good.yaml")),
        "the report names the template it read:\n{stdout}"
    );
}

#[test]
fn drift_binary_exits_2_when_no_declared_path_is_readable() {
    let declared = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        declared.path().join("package.json"),
        b"{\"name\": \"shop\"}\n",
    )
    .expect("written");
    std::fs::write(declared.path().join("broken.yaml"), b"Resources: [\n").expect("written");
    let work = tempfile::tempdir().expect("tempdir");
    let snapshot = snapshot(work.path());
    let output = Command::new(env!("CARGO_BIN_EXE_lambda-audit"))
        .current_dir(work.path())
        .args(["drift", "--from-snapshot"])
        .arg(&snapshot)
        .arg("--declared")
        .arg(declared.path())
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(output.stdout.is_empty(), "no report is written");
    let broken = declared.path().join("broken.yaml").display().to_string();
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{stderr}");
    assert!(
        lines[0].starts_with(&format!("error: {broken}:2:1: ")),
        "{stderr}"
    );
    assert_eq!(
        lines[1],
        "error: none of the --declared paths holds a template, serverless.yml or Terraform state that could be read"
    );
}

//! The Terraform parser on hand-written fixtures shaped like `terraform.tfstate` and
//! `terraform show -json` output (of a plan and of a state): exact values, addresses,
//! locations, plan unknowns and notes.

use lambda_audit::declared::{
    Declared, DeclaredCors, DeclaredEstate, DeclaredEventSource, DeclaredFunction,
    DeclaredInlinePolicy, DeclaredPermission, DeclaredRoleRef, DeclaredUrl, DeclaredVpc, Location,
    ResolveContext, SecretText, SourceFormat, load, parse_text,
};
use serde_json::json;
use std::collections::BTreeMap;
use std::path::PathBuf;

const DIR: &str = "tests/fixtures/declared/terraform";
const STATE: &str = "tests/fixtures/declared/terraform/terraform.tfstate";
const PLAN: &str = "tests/fixtures/declared/terraform/plan.json";
const SHOW_STATE: &str = "tests/fixtures/declared/terraform/show-state.json";
const AFTER_APPLY: &str = "known after apply";

fn parse(path: &str) -> DeclaredEstate {
    let text = std::fs::read_to_string(path).expect("fixture is readable");
    match parse_text(path, &text, &ResolveContext::default()) {
        Ok(Some(estate)) => estate,
        other => panic!("{path}: {other:?}"),
    }
}

fn function<'e>(estate: &'e DeclaredEstate, key: &str) -> &'e DeclaredFunction {
    estate
        .functions
        .iter()
        .find(|f| f.origin.key == key)
        .unwrap_or_else(|| panic!("no function {key}"))
}

fn at(file: &str, line: u32, column: u32) -> Location {
    Location::at(file, line, column)
}

fn known<T>(value: T) -> Declared<T> {
    Declared::Known(value)
}

fn unknown<T>() -> Declared<T> {
    Declared::Unknown(AFTER_APPLY.into())
}

fn env(pairs: &[(&str, &str)]) -> Declared<BTreeMap<String, Declared<SecretText>>> {
    known(
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), known(SecretText::new(*v))))
            .collect(),
    )
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

#[test]
fn state_root_function_with_url_permissions_and_declared_role() {
    let estate = parse(STATE);
    let f = function(&estate, "aws_lambda_function.orders");
    assert_eq!(f.origin.format, SourceFormat::TerraformState);
    assert_eq!(f.origin.location, at(STATE, 117, 5));
    assert_eq!(f.origin.stack_name, None);
    assert_eq!(f.name, known("orders-api".to_string()));
    assert_eq!(f.region.as_deref(), Some("eu-west-1"));
    assert_eq!(f.runtime, known(Some("python3.12".to_string())));
    assert_eq!(f.handler, known(Some("app.handler".to_string())));
    assert_eq!(f.timeout_seconds, known(15));
    assert_eq!(f.memory_mb, known(256));
    assert_eq!(f.architectures, known(strings(&["arm64"])));
    assert_eq!(
        f.role,
        DeclaredRoleRef::Declared {
            key: format!("{STATE}#aws_iam_role.orders")
        }
    );
    assert_eq!(
        f.environment,
        env(&[("LOG_LEVEL", "INFO"), ("TABLE_NAME", "orders")])
    );
    assert_eq!(
        f.layers,
        known(strings(&[
            "arn:aws:lambda:eu-west-1:111122223333:layer:powertools:42"
        ]))
    );
    assert_eq!(f.vpc, known(None));
    assert_eq!(f.tracing_mode, known("Active".to_string()));
    assert_eq!(f.reserved_concurrency, known(None));
    assert_eq!(
        f.url,
        known(Some(DeclaredUrl {
            auth_type: known("NONE".into()),
            cors: known(Some(DeclaredCors {
                allow_origins: strings(&["https://shop.example.com"]),
                allow_methods: strings(&["GET", "POST"]),
                allow_credentials: false,
            })),
            qualifier: None,
            location: at(STATE, 269, 5),
        }))
    );
    // The URL's public permission is the one Terraform declares, not one inferred from
    // auth NONE.
    assert_eq!(
        f.permissions,
        [
            DeclaredPermission {
                action: known("lambda:InvokeFunction".into()),
                principal: known("apigateway.amazonaws.com".into()),
                source_arn: Some(known(
                    "arn:aws:execute-api:eu-west-1:111122223333:a1b2c3d4e5/*/*".into()
                )),
                source_account: None,
                function_url_auth_type: None,
                qualifier: None,
                location: at(STATE, 238, 5),
            },
            DeclaredPermission {
                action: known("lambda:InvokeFunctionUrl".into()),
                principal: known("*".into()),
                source_arn: None,
                source_account: None,
                function_url_auth_type: Some("NONE".into()),
                qualifier: None,
                location: at(STATE, 313, 5),
            },
        ]
    );
    assert!(f.event_sources.is_empty());
    assert!(f.permissions_complete && f.event_sources_complete);
    let located: Vec<(&str, Option<u32>)> = f
        .attribute_locations
        .iter()
        .map(|(k, l)| (k.as_str(), l.line))
        .collect();
    assert_eq!(
        located,
        [
            ("architectures", Some(126)),
            ("environment", Some(134)),
            ("handler", Some(150)),
            ("layers", Some(157)),
            ("memory", Some(168)),
            ("name", Some(149)),
            ("reserved_concurrency", Some(175)),
            ("role", Some(176)),
            ("runtime", Some(177)),
            ("timeout", Some(194)),
            ("tracing", Some(196)),
            ("url", Some(269)),
            ("vpc", Some(202)),
        ]
    );
    assert_eq!(f.attribute_locations["timeout"], at(STATE, 194, 24));
}

#[test]
fn state_module_for_each_functions_and_sqs_mapping() {
    let estate = parse(STATE);
    let keys: Vec<&str> = estate
        .functions
        .iter()
        .map(|f| f.origin.key.as_str())
        .collect();
    assert_eq!(
        keys,
        [
            "aws_lambda_function.orders",
            r#"module.workers.aws_lambda_function.worker["resize"]"#,
            r#"module.workers.aws_lambda_function.worker["thumbnail"]"#,
        ]
    );
    let worker_role = DeclaredRoleRef::Declared {
        key: format!("{STATE}#module.workers.aws_iam_role.worker"),
    };

    let resize = function(
        &estate,
        r#"module.workers.aws_lambda_function.worker["resize"]"#,
    );
    assert_eq!(resize.origin.location, at(STATE, 513, 5));
    assert_eq!(resize.name, known("image-resize".to_string()));
    assert_eq!(resize.runtime, known(Some("nodejs20.x".to_string())));
    assert_eq!(resize.timeout_seconds, known(120));
    assert_eq!(resize.memory_mb, known(1024));
    assert_eq!(resize.architectures, known(strings(&["x86_64"])));
    assert_eq!(resize.role, worker_role);
    assert_eq!(resize.environment, env(&[]));
    assert_eq!(resize.layers, known(Vec::new()));
    assert_eq!(
        resize.vpc,
        known(Some(DeclaredVpc {
            subnet_ids: strings(&["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"]),
            security_group_ids: strings(&["sg-0a1b2c3d4e5f60718"]),
        }))
    );
    assert_eq!(resize.tracing_mode, known("PassThrough".to_string()));
    assert_eq!(resize.reserved_concurrency, known(Some(5)));
    assert_eq!(resize.url, known(None));
    assert!(resize.permissions.is_empty());
    assert_eq!(
        resize.event_sources,
        [DeclaredEventSource {
            source_arn: known("arn:aws:sqs:eu-west-1:111122223333:image-jobs".into()),
            enabled: true,
            batch_size: Some(10),
            location: at(STATE, 699, 5),
        }]
    );
    assert_eq!(resize.attribute_locations["timeout"].line, Some(584));

    let thumbnail = function(
        &estate,
        r#"module.workers.aws_lambda_function.worker["thumbnail"]"#,
    );
    assert_eq!(thumbnail.environment, env(&[("SIZE", "128")]));
    assert_eq!(thumbnail.vpc, known(None));
    assert_eq!(thumbnail.reserved_concurrency, known(None));
    assert_eq!(thumbnail.role, worker_role);
    assert!(thumbnail.event_sources.is_empty());
}

#[test]
fn state_roles_with_inline_policies_and_attachments() {
    let estate = parse(STATE);
    assert_eq!(estate.roles.len(), 2);

    let orders = estate
        .role(&format!("{STATE}#aws_iam_role.orders"))
        .expect("orders role");
    assert_eq!(orders.origin.key, "aws_iam_role.orders");
    assert_eq!(orders.origin.location, at(STATE, 31, 5));
    assert_eq!(orders.name, known("orders-api-role".to_string()));
    // The attachments repeat what the state read back into `managed_policy_arns`.
    assert_eq!(
        orders.managed_policy_arns,
        [
            known("arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess".to_string()),
            known("arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole".to_string()),
        ]
    );
    assert_eq!(
        orders.inline_policies,
        [DeclaredInlinePolicy {
            name: known("dynamodb-read".into()),
            document: known(json!({
                "Version": "2012-10-17",
                "Statement": [{
                    "Effect": "Allow",
                    "Action": ["dynamodb:GetItem", "dynamodb:Query"],
                    "Resource": "arn:aws:dynamodb:eu-west-1:111122223333:table/orders"
                }]
            })),
            location: at(STATE, 47, 15),
        }]
    );
    assert!(orders.complete);

    let worker = estate
        .role(&format!("{STATE}#module.workers.aws_iam_role.worker"))
        .expect("worker role");
    assert_eq!(worker.name, known("image-workers-role".to_string()));
    assert_eq!(
        worker.managed_policy_arns,
        [known(
            "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole".to_string()
        )]
    );
    // The role lists `sqs-consume` as read from AWS; the `aws_iam_role_policy` that
    // manages it replaces it rather than doubling it.
    assert_eq!(worker.inline_policies.len(), 1);
    let sqs = &worker.inline_policies[0];
    assert_eq!(sqs.name, known("sqs-consume".to_string()));
    assert_eq!(sqs.location, at(STATE, 489, 5));
    assert_eq!(
        sqs.document
            .known()
            .map(|d| d["Statement"][0]["Resource"].clone()),
        Some(json!("arn:aws:sqs:eu-west-1:111122223333:image-jobs"))
    );
    assert!(worker.complete);
}

#[test]
fn state_source_counts_and_notes() {
    let estate = parse(STATE);
    assert!(estate.errors.is_empty());
    assert_eq!(estate.sources.len(), 1);
    let source = &estate.sources[0];
    assert_eq!(source.file, STATE);
    assert_eq!(source.format, SourceFormat::TerraformState);
    assert_eq!(source.functions, 3);
    assert_eq!(source.stack_name, None);
    assert_eq!(
        source.notes,
        [
            "aws_lambda_permission.legacy_cron: permission for function `legacy-cron`, which this file does not declare; not compared",
            "Lambda aliases read but not compared: aws_lambda_alias ×1",
            "API Gateway resources read but not compared: aws_api_gateway_resource ×1, aws_api_gateway_rest_api ×1",
        ]
    );
}

#[test]
fn plan_keeps_apply_time_values_unknown() {
    let estate = parse(PLAN);
    let source = &estate.sources[0];
    assert_eq!(source.format, SourceFormat::TerraformPlan);
    assert_eq!(source.functions, 2);
    assert_eq!(
        source.notes,
        [
            "module.reports.aws_iam_role.reports: the role's attached or inline policies are known only after apply; its policies are not taken as complete",
            "API Gateway resources read but not compared: aws_apigatewayv2_api ×1",
        ]
    );

    let export = function(
        &estate,
        r#"module.reports.aws_lambda_function.export["daily"]"#,
    );
    assert_eq!(export.origin.format, SourceFormat::TerraformPlan);
    assert_eq!(export.origin.location, at(PLAN, 217, 13));
    assert_eq!(export.name, known("reports-export-daily".to_string()));
    // No ARN before the function exists, hence no region.
    assert_eq!(export.region, None);
    assert_eq!(export.runtime, known(Some("python3.12".to_string())));
    assert_eq!(export.timeout_seconds, known(300));
    assert_eq!(export.memory_mb, known(512));
    assert_eq!(export.architectures, unknown());
    assert_eq!(export.layers, unknown());
    assert_eq!(export.tracing_mode, known("Active".to_string()));
    assert_eq!(export.vpc, known(None));
    assert_eq!(
        export.environment,
        known(BTreeMap::from([
            ("BUCKET".to_string(), known(SecretText::new("acme-reports"))),
            ("TABLE_NAME".to_string(), unknown()),
        ]))
    );
    // The role ARN is computed, but the configuration says which role it is.
    assert_eq!(
        export.role,
        DeclaredRoleRef::Declared {
            key: format!("{PLAN}#module.reports.aws_iam_role.reports")
        }
    );
    // So does the mapping's `function_name = aws_lambda_function.export["daily"].arn`.
    assert_eq!(
        export.event_sources,
        [DeclaredEventSource {
            source_arn: known("arn:aws:sqs:eu-west-1:111122223333:report-requests".into()),
            enabled: true,
            batch_size: Some(5),
            location: at(PLAN, 194, 13),
        }]
    );
    assert!(export.event_sources_complete && export.permissions_complete);
    assert!(!export.attribute_locations.contains_key("architectures"));
    assert_eq!(export.attribute_locations["timeout"].line, Some(253));

    let role = estate
        .role(&format!("{PLAN}#module.reports.aws_iam_role.reports"))
        .expect("reports role");
    assert_eq!(role.name, known("reports-export-role".to_string()));
    assert_eq!(
        role.managed_policy_arns,
        [known(
            "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole".to_string()
        )]
    );
    assert!(role.inline_policies.is_empty());
    assert!(!role.complete);
}

#[test]
fn plan_updates_existing_function_url_and_permission() {
    let estate = parse(PLAN);
    let orders = function(&estate, "aws_lambda_function.orders");
    assert_eq!(orders.origin.location, at(PLAN, 38, 9));
    assert_eq!(orders.region.as_deref(), Some("eu-west-1"));
    assert_eq!(orders.timeout_seconds, known(30));
    assert_eq!(orders.attribute_locations["timeout"], at(PLAN, 78, 24));
    assert_eq!(
        orders.role,
        DeclaredRoleRef::Arn {
            arn: known("arn:aws:iam::111122223333:role/orders-api-role".into())
        }
    );
    assert_eq!(
        orders.url,
        known(Some(DeclaredUrl {
            auth_type: known("AWS_IAM".into()),
            cors: known(None),
            qualifier: None,
            location: at(PLAN, 113, 9),
        }))
    );
    assert_eq!(
        orders.permissions,
        [DeclaredPermission {
            action: known("lambda:InvokeFunction".into()),
            principal: known("apigateway.amazonaws.com".into()),
            source_arn: Some(unknown()),
            source_account: None,
            function_url_auth_type: None,
            qualifier: None,
            location: at(PLAN, 136, 9),
        }]
    );
}

#[test]
fn show_json_state_with_nested_modules_and_an_image_function() {
    let estate = parse(SHOW_STATE);
    assert_eq!(estate.sources[0].format, SourceFormat::TerraformState);
    assert_eq!(
        estate.sources[0].notes,
        [
            "module.edge.module.auth.aws_iam_role_policy_attachment.secrets: role `edge-auth` is not declared in this file; its policies here are partial"
        ]
    );
    assert_eq!(estate.functions.len(), 1);
    let f = &estate.functions[0];
    assert_eq!(
        f.origin.key,
        "module.edge.module.auth.aws_lambda_function.this[0]"
    );
    assert_eq!(f.origin.location, at(SHOW_STATE, 31, 17));
    assert_eq!(f.region.as_deref(), Some("us-east-2"));
    // An image function: the provider writes empty strings for runtime and handler.
    assert_eq!(f.runtime, known(None));
    assert_eq!(f.handler, known(None));
    assert_eq!(f.memory_mb, known(2048));
    assert_eq!(f.reserved_concurrency, known(Some(0)));
    // A `vpc_config` block with empty lists is no VPC.
    assert_eq!(f.vpc, known(None));
    assert_eq!(f.environment, env(&[]));
    assert_eq!(f.url, known(None));
    assert_eq!(
        f.event_sources,
        [DeclaredEventSource {
            source_arn: known("arn:aws:kinesis:us-east-2:111122223333:stream/clicks".into()),
            enabled: false,
            batch_size: Some(100),
            location: at(SHOW_STATE, 71, 17),
        }]
    );
    // The role is only known by name, from an attachment: partial, and linked by name.
    let key = format!("{SHOW_STATE}#role/edge-auth");
    assert_eq!(f.role, DeclaredRoleRef::Declared { key: key.clone() });
    let role = estate.role(&key).expect("role from the attachment");
    assert_eq!(role.name, known("edge-auth".to_string()));
    assert_eq!(
        role.managed_policy_arns,
        [known(
            "arn:aws:iam::111122223333:policy/edge-auth-secrets".to_string()
        )]
    );
    assert!(!role.complete);
}

#[test]
fn state_format_version_3_is_refused_at_its_line() {
    let text = "{\n  \"version\": 3,\n  \"terraform_version\": \"0.11.14\",\n  \"serial\": 9,\n  \"lineage\": \"0c2b\",\n  \"modules\": []\n}\n";
    let error = parse_text("old.tfstate", text, &ResolveContext::default())
        .expect_err("version 3 is refused");
    assert_eq!(error.location, at("old.tfstate", 2, 14));
    assert_eq!(
        error.message,
        "Terraform state format version 3 is not supported (only 4)"
    );
}

#[test]
fn truncated_state_is_an_error_with_a_position() {
    let text = std::fs::read_to_string(STATE).expect("fixture is readable");
    let truncated = &text[..text.len() / 2];
    let error = parse_text(STATE, truncated, &ResolveContext::default())
        .expect_err("truncated JSON is refused");
    assert_eq!(error.location.file, STATE);
    assert!(error.location.line.is_some_and(|l| l > 300), "{error}");
}

#[test]
fn the_folder_loads_all_three_files() {
    let estate = load(&[PathBuf::from(DIR)], &ResolveContext::default());
    assert!(estate.errors.is_empty(), "{:?}", estate.errors);
    let formats: Vec<(String, SourceFormat, usize)> = estate
        .sources
        .iter()
        .map(|s| {
            (
                s.file.rsplit('/').next().unwrap_or_default().to_string(),
                s.format,
                s.functions,
            )
        })
        .collect();
    assert_eq!(
        formats,
        [
            ("plan.json".to_string(), SourceFormat::TerraformPlan, 2),
            (
                "show-state.json".to_string(),
                SourceFormat::TerraformState,
                1
            ),
            (
                "terraform.tfstate".to_string(),
                SourceFormat::TerraformState,
                3
            ),
        ]
    );
    assert_eq!(estate.functions.len(), 6);
    assert_eq!(estate.roles.len(), 4);
}

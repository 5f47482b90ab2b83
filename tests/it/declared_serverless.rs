//! The Serverless Framework parser on project-shaped fixtures: provider defaults, variables,
//! what events imply, and the framework's execution role.

use lambda_audit::declared::{
    Declared, DeclaredCors, DeclaredEstate, DeclaredEventSource, DeclaredFunction,
    DeclaredPermission, DeclaredRoleRef, DeclaredVpc, Location, ResolveContext, SecretText,
    SourceFormat, parse_text,
};
use serde_json::json;
use std::collections::BTreeMap;

const FULL: &str = include_str!("../fixtures/declared/serverless/full.yml");
const LEGACY: &str = include_str!("../fixtures/declared/serverless/legacy.yml");
const UNRESOLVED: &str = include_str!("../fixtures/declared/serverless/unresolved.yml");

fn ctx(params: &[(&str, &str)]) -> ResolveContext {
    ResolveContext {
        account_id: "111122223333".into(),
        partition: "aws".into(),
        default_region: Some("us-east-1".into()),
        parameters: params
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        deployed_stacks: Vec::new(),
    }
}

fn parse(file: &str, text: &str, params: &[(&str, &str)]) -> DeclaredEstate {
    parse_text(file, text, &ctx(params))
        .expect("parses")
        .expect("detected as a Serverless file")
}

fn function<'e>(estate: &'e DeclaredEstate, key: &str) -> &'e DeclaredFunction {
    estate
        .functions
        .iter()
        .find(|f| f.origin.key == key)
        .unwrap_or_else(|| panic!("function {key}"))
}

fn known<T: Clone>(value: T) -> Declared<T> {
    Declared::Known(value)
}

fn is_unknown<T>(value: &Declared<T>) -> bool {
    matches!(value, Declared::Unknown(_))
}

fn env(pairs: &[(&str, &str)]) -> Declared<BTreeMap<String, Declared<SecretText>>> {
    Declared::Known(
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), Declared::Known(SecretText::new(*v))))
            .collect(),
    )
}

#[test]
fn serverless_full_project_with_stage_parameter() {
    let file = "serverless/full.yml";
    let estate = parse(file, FULL, &[("stage", "prod")]);
    assert!(estate.errors.is_empty());
    assert_eq!(estate.functions.len(), 4);
    let source = &estate.sources[0];
    assert_eq!(source.format, SourceFormat::Serverless);
    assert_eq!(source.stack_name.as_deref(), Some("svc-prod"));
    assert_eq!(source.functions, 4);
    assert!(
        source.notes.iter().any(|n| n.contains("resources")),
        "{:?}",
        source.notes
    );

    let role_key = format!("{file}#IamRoleLambdaExecution");
    let api = function(&estate, "api");
    assert_eq!(api.name, known("svc-prod-api".to_string()));
    assert_eq!(api.region.as_deref(), Some("eu-west-1"));
    assert_eq!(api.origin.stack_name.as_deref(), Some("svc-prod"));
    assert_eq!(api.origin.location, Location::at(file, 44, 3));
    assert_eq!(api.runtime, known(Some("nodejs20.x".to_string())));
    assert_eq!(api.handler, known(Some("src/api.handler".to_string())));
    // `${self:custom.memory.${sls:stage}}` with stage prod.
    assert_eq!(api.memory_mb, known(2048));
    assert_eq!(api.timeout_seconds, known(10));
    assert_eq!(api.architectures, known(vec!["arm64".to_string()]));
    assert_eq!(api.tracing_mode, known("Active".to_string()));
    assert_eq!(api.reserved_concurrency, known(None));
    assert_eq!(api.url, known(None));
    assert_eq!(api.layers, known(vec![]));
    assert_eq!(api.vpc, known(None));
    assert_eq!(
        api.environment,
        env(&[
            ("LOG_LEVEL", "info"),
            ("STAGE", "prod"),
            ("TABLE_NAME", "svc-prod-orders"),
        ])
    );
    assert_eq!(
        api.role,
        DeclaredRoleRef::Declared {
            key: role_key.clone()
        }
    );
    // Provider values point at the provider's lines.
    assert_eq!(api.attribute_locations["timeout"].line, Some(22));
    assert_eq!(api.attribute_locations["memory"].line, Some(21));
    assert_eq!(api.attribute_locations["handler"].line, Some(45));
    // Two `http` routes and one `httpApi` route: one grant per API.
    assert_eq!(api.permissions.len(), 2, "{:#?}", api.permissions);
    for permission in &api.permissions {
        assert_eq!(
            permission.action,
            known("lambda:InvokeFunction".to_string())
        );
        assert_eq!(
            permission.principal,
            known("apigateway.amazonaws.com".to_string())
        );
        assert!(
            matches!(&permission.source_arn, Some(Declared::Unknown(r)) if r.contains("API id"))
        );
    }
    assert!(api.permissions_complete && api.event_sources_complete);
    assert!(api.event_sources.is_empty());

    let worker = function(&estate, "worker");
    assert_eq!(worker.name, known("svc-prod-worker".to_string()));
    assert_eq!(worker.timeout_seconds, known(30));
    assert_eq!(worker.attribute_locations["timeout"].line, Some(56));
    assert_eq!(worker.reserved_concurrency, known(Some(5)));
    assert_eq!(
        worker.environment,
        env(&[
            ("LOG_LEVEL", "debug"),
            (
                "QUEUE_URL",
                "https://sqs.eu-west-1.amazonaws.com/111122223333/jobs"
            ),
            ("STAGE", "prod"),
            ("TABLE_NAME", "svc-prod-orders"),
        ])
    );
    assert_eq!(worker.event_sources.len(), 2);
    assert_eq!(
        worker.event_sources[0],
        DeclaredEventSource {
            source_arn: known("arn:aws:sqs:eu-west-1:111122223333:jobs-prod".to_string()),
            enabled: true,
            batch_size: Some(5),
            location: Location::at(file, 62, 9),
        }
    );
    let dlq = &worker.event_sources[1];
    assert!(matches!(&dlq.source_arn, Declared::Unknown(r) if r.contains("Fn::GetAtt")));
    assert!(!dlq.enabled);
    assert_eq!(dlq.batch_size, Some(10));
    let principals: Vec<_> = worker
        .permissions
        .iter()
        .map(|p| (p.principal.clone(), p.source_arn.clone()))
        .collect();
    assert_eq!(principals.len(), 2);
    assert_eq!(principals[0].0, known("events.amazonaws.com".to_string()));
    assert!(matches!(principals[0].1, Some(Declared::Unknown(_))));
    assert_eq!(
        principals[1],
        (
            known("sns.amazonaws.com".to_string()),
            Some(known(
                "arn:aws:sns:eu-west-1:111122223333:alerts".to_string()
            ))
        )
    );

    let public = function(&estate, "public");
    assert_eq!(public.name, known("svc-public-prod".to_string()));
    assert_eq!(public.tracing_mode, known("PassThrough".to_string()));
    let url = public
        .url
        .known()
        .cloned()
        .flatten()
        .expect("public has a URL");
    assert_eq!(url.auth_type, known("NONE".to_string()));
    assert_eq!(
        url.cors,
        known(Some(DeclaredCors {
            allow_origins: vec!["https://example.com".into()],
            allow_methods: vec!["*".into()],
            allow_credentials: true,
        }))
    );
    assert_eq!(url.qualifier, None);
    assert_eq!(
        public.permissions,
        vec![DeclaredPermission {
            action: known("lambda:InvokeFunctionUrl".to_string()),
            principal: known("*".to_string()),
            source_arn: None,
            source_account: None,
            function_url_auth_type: Some("NONE".into()),
            qualifier: None,
            location: url.location.clone(),
        }]
    );

    let private = function(&estate, "private");
    assert_eq!(private.memory_mb, known(256));
    let url = private
        .url
        .known()
        .cloned()
        .flatten()
        .expect("private has a URL");
    assert_eq!(url.auth_type, known("AWS_IAM".to_string()));
    assert_eq!(url.cors, known(None));
    assert!(private.permissions.is_empty());

    assert_eq!(estate.roles.len(), 1);
    let role = estate.role(&role_key).expect("framework role");
    assert_eq!(
        role.name,
        known("svc-prod-eu-west-1-lambdaRole".to_string())
    );
    assert!(!role.complete);
    assert_eq!(
        role.managed_policy_arns,
        vec![known(
            "arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess".to_string()
        )]
    );
    assert_eq!(role.inline_policies.len(), 1);
    let policy = &role.inline_policies[0];
    assert_eq!(policy.name, known("svc-prod-lambda".to_string()));
    assert_eq!(
        policy.document,
        known(json!({
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": ["dynamodb:GetItem", "dynamodb:PutItem"],
                    "Resource": "arn:aws:dynamodb:eu-west-1:111122223333:table/svc-prod-orders",
                },
                {
                    "Effect": "Allow",
                    "Action": "sqs:SendMessage",
                    "Resource": "arn:aws:sqs:eu-west-1:111122223333:jobs-prod",
                },
            ],
        }))
    );
}

#[test]
fn serverless_custom_stage_default_applies_without_parameter() {
    let estate = parse("full.yml", FULL, &[]);
    let api = function(&estate, "api");
    assert_eq!(api.name, known("svc-staging-api".to_string()));
    assert_eq!(api.memory_mb, known(512));
    assert_eq!(estate.sources[0].stack_name.as_deref(), Some("svc-staging"));
    // `--parameter region=…` wins over `provider.region`.
    let estate = parse("full.yml", FULL, &[("region", "eu-central-1")]);
    assert_eq!(
        function(&estate, "api").region.as_deref(),
        Some("eu-central-1")
    );
    assert_eq!(
        estate.roles[0].name,
        known("svc-staging-eu-central-1-lambdaRole".to_string())
    );
}

#[test]
fn serverless_legacy_iam_role_statements_and_opt_defaults() {
    let file = "legacy/serverless.yml";
    let estate = parse(file, LEGACY, &[]);
    assert!(estate.errors.is_empty());
    let ingest = function(&estate, "ingest");
    assert_eq!(ingest.name, known("legacy-dev-ingest".to_string()));
    assert_eq!(ingest.region.as_deref(), Some("us-west-2"));
    assert_eq!(ingest.runtime, known(Some("python3.9".to_string())));
    assert_eq!(ingest.memory_mb, known(1024));
    assert_eq!(ingest.timeout_seconds, known(6));
    assert_eq!(ingest.architectures, known(vec!["x86_64".to_string()]));
    assert_eq!(ingest.tracing_mode, known("PassThrough".to_string()));
    assert_eq!(
        ingest.vpc,
        known(Some(DeclaredVpc {
            subnet_ids: vec!["subnet-aaaa1111".into(), "subnet-bbbb2222".into()],
            security_group_ids: vec!["sg-0123456789abcdef0".into()],
        }))
    );
    assert_eq!(ingest.attribute_locations["vpc"].line, Some(11));
    assert_eq!(ingest.event_sources.len(), 1);
    assert_eq!(
        ingest.event_sources[0].source_arn,
        known("arn:aws:kinesis:us-west-2:111122223333:stream/ingest".to_string())
    );
    assert_eq!(ingest.event_sources[0].batch_size, Some(50));
    assert_eq!(ingest.permissions.len(), 1);
    assert_eq!(
        ingest.permissions[0].principal,
        known("s3.amazonaws.com".to_string())
    );
    // An event type the parser does not know: nothing deployed is called out of band.
    assert!(!ingest.permissions_complete);
    assert!(!ingest.event_sources_complete);
    assert!(
        estate.sources[0]
            .notes
            .iter()
            .any(|n| n.contains("someFutureEvent"))
    );

    let external = function(&estate, "external");
    assert_eq!(
        external.role,
        DeclaredRoleRef::Arn {
            arn: known("arn:aws:iam::111122223333:role/external-role".to_string())
        }
    );
    // The function's empty `vpc` replaces the provider's.
    assert_eq!(external.vpc, known(None));

    let custom = function(&estate, "custom");
    assert_eq!(custom.runtime, known(None));
    assert_eq!(custom.handler, known(None));
    assert!(
        matches!(&custom.role, DeclaredRoleRef::Unknown { reason } if reason.contains("CustomRole"))
    );
    assert!(
        estate.sources[0]
            .notes
            .iter()
            .any(|n| n.contains("CustomRole"))
    );

    let role = &estate.roles[0];
    assert_eq!(role.key, format!("{file}#IamRoleLambdaExecution"));
    assert_eq!(
        role.name,
        known("legacy-dev-us-west-2-lambdaRole".to_string())
    );
    assert_eq!(
        role.managed_policy_arns,
        vec![
            known("arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess".to_string()),
            known(
                "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole".to_string()
            ),
        ]
    );
    assert_eq!(
        role.inline_policies[0].document,
        known(json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::legacy-dev-uploads/*",
            }],
        }))
    );
    assert_eq!(
        role.inline_policies[0].name,
        known("legacy-dev-lambda".to_string())
    );

    let prod = parse(file, LEGACY, &[("stage", "prod"), ("region", "eu-west-1")]);
    assert_eq!(
        function(&prod, "ingest").name,
        known("legacy-prod-ingest".to_string())
    );
    assert_eq!(
        prod.roles[0].name,
        known("legacy-prod-eu-west-1-lambdaRole".to_string())
    );
}

#[test]
fn serverless_deploy_time_values_are_unknown() {
    let estate = parse("unresolved.yml", UNRESOLVED, &[]);
    assert!(estate.errors.is_empty());
    let reader = function(&estate, "reader");
    assert_eq!(reader.name, known("secrets-dev-reader".to_string()));
    assert!(matches!(&reader.memory_mb, Declared::Unknown(r) if r.contains("ssm:/secrets/memory")));
    assert_eq!(reader.timeout_seconds, known(15));
    assert!(is_unknown(&reader.layers));
    assert!(is_unknown(&reader.vpc));
    assert!(matches!(
        &reader.role,
        DeclaredRoleRef::Arn {
            arn: Declared::Unknown(_)
        }
    ));
    let Declared::Known(env) = &reader.environment else {
        panic!("environment map is known");
    };
    assert!(is_unknown(&env["API_KEY"]));
    assert!(is_unknown(&env["HOME_DIR"]));
    assert!(is_unknown(&env["BUCKET"]));
    assert_eq!(env["MODE"], known(SecretText::new("safe")));
    assert_eq!(reader.event_sources.len(), 1);
    assert!(is_unknown(&reader.event_sources[0].source_arn));

    let config = function(&estate, "config");
    assert!(is_unknown(&config.name));
    assert!(!config.permissions_complete && !config.event_sources_complete);
    assert!(estate.roles.is_empty());
}

#[test]
fn serverless_errors_and_empty_files() {
    let err = parse_text(
        "bad.yml",
        "service: s\nfunctions:\n  - 1\n  - 2\n",
        &ctx(&[]),
    )
    .expect_err("functions list of numbers");
    assert_eq!(err.location, Location::at("bad.yml", 3, 5));
    let err = parse_text("bad.yml", "service: s\nfunctions: nope\n", &ctx(&[]))
        .expect_err("functions is a string");
    assert_eq!(err.location.line, Some(2));
    let err = parse_text(
        "bad.yml",
        "service: s\nprovider: {name: aws}\nfunctions:\n  f:\n    handler: h\n    events: {http: x}\n",
        &ctx(&[]),
    )
    .expect_err("events is a mapping");
    assert_eq!(err.location.line, Some(6));

    let estate = parse("empty.yml", "service: s\nprovider:\n  name: aws\n", &[]);
    assert!(estate.functions.is_empty());
    assert_eq!(estate.sources[0].functions, 0);
    assert!(
        estate.sources[0]
            .notes
            .iter()
            .any(|n| n.contains("no functions"))
    );
}

#[test]
fn serverless_url_true_and_provisioned_alias() {
    let text = "service: s\nprovider:\n  name: aws\n  runtime: nodejs20.x\nfunctions:\n  f:\n    handler: h\n    provisionedConcurrency: 2\n    url: true\n  g:\n    handler: h\n    url:\n      cors: true\n";
    let estate = parse("url.yml", text, &[]);
    let f = function(&estate, "f");
    let url = f.url.known().cloned().flatten().expect("url");
    assert_eq!(url.auth_type, known("NONE".to_string()));
    assert_eq!(url.cors, known(None));
    assert_eq!(url.qualifier.as_deref(), Some("provisioned"));
    assert_eq!(f.permissions[0].qualifier.as_deref(), Some("provisioned"));
    let g = function(&estate, "g");
    let url = g.url.known().cloned().flatten().expect("url");
    assert_eq!(
        url.cors,
        known(Some(DeclaredCors {
            allow_origins: vec!["*".into()],
            allow_methods: vec!["*".into()],
            allow_credentials: false,
        }))
    );
    assert_eq!(g.permissions.len(), 1);
}

#[test]
fn serverless_event_arns_from_existing_apis_buses_and_roles() {
    let text = r#"
service: ev
provider:
  name: aws
  runtime: nodejs20.x
  region: eu-west-1
  apiGateway:
    restApiId: abc123
  httpApi:
    id: ${self:custom.httpApiId}
  role: !GetAtt SharedRole.Arn
custom:
  httpApiId: h77
functions:
  f:
    handler: h
    events:
      - http: GET /a
      - httpApi: GET /b
      - eventBridge:
          name: on-order
          eventBus: arn:aws:events:eu-west-1:111122223333:event-bus/orders
          pattern: {source: [shop]}
      - alexaSkill:
          appId: amzn1.ask.skill.x
          enabled: false
      - kafka:
          topic: t
          bootstrapServers: [b:9092]
  g:
    handler: h
    role: !Sub arn:${AWS::Partition}:iam::${AWS::AccountId}:role/g-role
"#;
    let estate = parse("ev.yml", text, &[]);
    let f = function(&estate, "f");
    let arns: Vec<_> = f
        .permissions
        .iter()
        .map(|p| (p.action.clone(), p.source_arn.clone()))
        .collect();
    assert_eq!(
        arns,
        vec![
            (
                known("lambda:InvokeFunction".to_string()),
                Some(known(
                    "arn:aws:execute-api:eu-west-1:111122223333:abc123/*/*".to_string()
                ))
            ),
            (
                known("lambda:InvokeFunction".to_string()),
                Some(known(
                    "arn:aws:execute-api:eu-west-1:111122223333:h77/*".to_string()
                ))
            ),
            (
                known("lambda:InvokeFunction".to_string()),
                Some(known(
                    "arn:aws:events:eu-west-1:111122223333:rule/orders/on-order".to_string()
                ))
            ),
            (known("lambda:DisableInvokeFunction".to_string()), None),
        ]
    );
    assert_eq!(f.event_sources.len(), 1);
    assert!(is_unknown(&f.event_sources[0].source_arn));
    assert!(
        matches!(&f.role, DeclaredRoleRef::Unknown { reason } if reason.contains("SharedRole"))
    );
    assert_eq!(
        function(&estate, "g").role,
        DeclaredRoleRef::Arn {
            arn: known("arn:aws:iam::111122223333:role/g-role".to_string())
        }
    );
    assert!(estate.roles.is_empty());
}

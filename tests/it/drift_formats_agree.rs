//! One account, two declarations: the `shop` service as a Serverless Framework file and as
//! the Terraform state of the same deployment (`tests/fixtures/declared/equivalence/`). Run
//! against one inventory with the same out-of-band changes, both must yield the same drift
//! items, and exactly the expected ones.

use crate::support::*;
use lambda_audit::checks::{CheckResults, run_with_declared};
use lambda_audit::declared::{
    Declared, DeclaredEstate, DeclaredFunction, DeclaredRoleRef, ResolveContext, SourceFormat, load,
};
use lambda_audit::findings::Severity;
use lambda_audit::guardrails::Guardrails;
use lambda_audit::inventory::Inventory;
use lambda_audit::inventory::secrets::redact_env;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::PathBuf;

const SERVERLESS: &str = "tests/fixtures/declared/equivalence/serverless.yml";
const TERRAFORM: &str = "tests/fixtures/declared/equivalence/terraform.tfstate";

const ROLE_ARN: &str = "arn:aws:iam::111122223333:role/shop-prod-lambda";
/// The HTTP API's execution ARN: the Terraform state grants `…/*/*` of it; the Serverless
/// file creates the API, so its grant's source ARN is unknown until deployed.
const API_SOURCE_ARN: &str = "arn:aws:execute-api:us-east-1:111122223333:k7x2m9p4q1/*/*";
const QUEUE_ARN: &str = "arn:aws:sqs:us-east-1:111122223333:shop-prod-orders";
const DATA_POLICY: &str = "shop-prod-data";
const BASIC_EXECUTION: &str = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole";

/// The drift checks compared across formats. LA508 (execution-role drift) is left out: it
/// judges the declared *role*, and the two files do not declare the same thing about it. The
/// Serverless file only names the shared role by ARN (`provider.iam.role`), so it declares
/// no role at all (and had it let the framework generate one, that role is `complete: false`
/// because the framework adds log and event-source statements the parser does not
/// reproduce), while the state holds the `aws_iam_role` with its policies, which LA508
/// compares. Whether LA508 reports anything thus depends on the format, by design.
const COMPARED: [&str; 7] = [
    "LA501", "LA502", "LA503", "LA504", "LA505", "LA506", "LA507",
];

/// A drift finding reduced to what must not depend on the declaration's format: check,
/// resource, severity and the evidence fields that say what changed (`change`,
/// `attribute`, `variable`; empty when the check has none).
type DriftItem = (String, String, Severity, String, String, String);

fn env(pairs: &[(&str, &str)]) -> Value {
    serde_json::to_value(redact_env(
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())),
    ))
    .expect("serializes")
}

fn statement(sid: &str, function: &str, principal: Value, action: &str, condition: Value) -> Value {
    let mut s = json!({"Sid": sid, "Effect": "Allow", "Principal": principal, "Action": action,
                       "Resource": function_arn(function)});
    if !condition.is_null() {
        s["Condition"] = condition;
    }
    s
}

fn url(function: &str, id: &str, auth_type: &str) -> Value {
    json!({"status": "collected", "value": [{
        "url": format!("https://{id}.lambda-url.us-east-1.on.aws/"),
        "target_arn": function_arn(function), "qualifier": null, "auth_type": auth_type,
        "cors": null, "invoke_mode": "BUFFERED", "last_modified": "2025-11-03T10:21:30.000+0000"
    }]})
}

/// A function of the service as deployed: the declared settings, with `patch` applied.
fn shop_function(name: &str, patch: Value) -> Value {
    let mut settings = json!({
        "runtime": "python3.12", "role": ROLE_ARN, "architectures": ["arm64"],
        "memory_mb": 256, "timeout_seconds": 6, "tracing_mode": "PassThrough",
        "last_modified": "2025-11-03T10:21:07.000+0000",
    });
    merge(&mut settings, &patch);
    function(name, settings)
}

/// The deployed account: `shop-prod-api` and `shop-prod-webhook` as declared except for the
/// out-of-band changes below, `shop-prod-worker` deleted, and a `shop-prod-debug` nobody
/// declared.
fn deployed() -> Inventory {
    let api = "shop-prod-api";
    let webhook = "shop-prod-webhook";
    let functions = vec![
        shop_function(
            api,
            json!({
                "handler": "src/api.handler",
                "memory_mb": 512,
                // Declared 10 (LA503).
                "timeout_seconds": 60,
                "environment": env(&[
                    ("LOG_LEVEL", "info"),
                    ("STAGE", "prod"),
                    ("TABLE_NAME", "shop-prod-orders"),
                    // Not declared (LA504).
                    ("DEBUG_TOKEN", "dbg_4f9a1c77e2b04d1e9a3c"),
                ]),
                "policy": policy(json!([
                    // Declared: the Terraform permission exactly; the Serverless `httpApi`
                    // grant, whose source ARN is unknown, matches it too.
                    statement(
                        "AllowExecutionFromAPIGateway",
                        api,
                        json!({"Service": "apigateway.amazonaws.com"}),
                        "lambda:InvokeFunction",
                        json!({"ArnLike": {"AWS:SourceArn": API_SOURCE_ARN}}),
                    ),
                    // Added out of band, to anyone (LA505, critical).
                    statement("debug-open", api, json!("*"), "lambda:InvokeFunction", Value::Null),
                ])),
                // Added out of band, with IAM auth (LA506, medium).
                "url_configs": url(api, "4p1debugurlexample0123456789abcd", "AWS_IAM"),
            }),
        ),
        shop_function(
            webhook,
            json!({
                "handler": "src/webhook.handler",
                "environment": env(&[("LOG_LEVEL", "info"), ("STAGE", "prod")]),
                // The declared URL and its public grant, with the `InvokeFunction` statement
                // AWS pairs with it (scoped to URL calls).
                "policy": policy(json!([
                    statement(
                        "FunctionURLAllowPublicAccess",
                        webhook,
                        json!("*"),
                        "lambda:InvokeFunctionUrl",
                        json!({"StringEquals": {"lambda:FunctionUrlAuthType": "NONE"}}),
                    ),
                    statement(
                        "FunctionURLAllowInvokeAction",
                        webhook,
                        json!("*"),
                        "lambda:InvokeFunction",
                        json!({"Bool": {"lambda:InvokedViaFunctionUrl": "true"}}),
                    ),
                ])),
                "url_configs": url(webhook, "w3bh00kexampleurl0123456789abcd", "NONE"),
            }),
        ),
        // Created by hand (LA501).
        function(
            "shop-prod-debug",
            json!({"runtime": "python3.12", "role": ROLE_ARN, "handler": "debug.handler"}),
        ),
    ];
    let data_policy = json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"],
         "Resource": "arn:aws:dynamodb:us-east-1:111122223333:table/shop-prod-orders"},
        {"Effect": "Allow", "Action": ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
         "Resource": QUEUE_ARN}]});
    iam_inventory(
        functions,
        json!({"roles": [iam_role("shop-prod-lambda", json!({
            "inline_policies": [{"name": DATA_POLICY, "document": data_policy}],
            "attached_managed_policies": [{"name": "AWSLambdaBasicExecutionRole", "arn": BASIC_EXECUTION}],
        }))]}),
    )
}

fn context(inventory: &Inventory) -> ResolveContext {
    let parameters = BTreeMap::from([("stage".to_string(), "prod".to_string())]);
    ResolveContext::from_inventory(inventory, parameters)
}

/// One file read as `--declared FILE` reads it, which must be recognised and read whole.
fn declared(path: &str, format: SourceFormat, ctx: &ResolveContext) -> DeclaredEstate {
    let estate = load(&[PathBuf::from(path)], ctx);
    assert!(estate.errors.is_empty(), "{path}: {:?}", estate.errors);
    let formats: Vec<SourceFormat> = estate.sources.iter().map(|s| s.format).collect();
    assert_eq!(formats, [format], "{path}");
    assert_eq!(estate.functions.len(), 3, "{path}: {:#?}", estate.functions);
    estate
}

fn drift_items(results: &CheckResults) -> Vec<DriftItem> {
    let text = |value: &Value| value.as_str().unwrap_or_default().to_string();
    let mut items: Vec<DriftItem> = results
        .findings
        .iter()
        .filter(|f| COMPARED.contains(&f.check_id.as_str()))
        .map(|f| {
            (
                f.check_id.clone(),
                f.resource_arn.clone(),
                f.severity,
                text(&f.evidence["change"]),
                text(&f.evidence["attribute"]),
                text(&f.evidence["variable"]),
            )
        })
        .collect();
    items.sort();
    items
}

fn item(
    check: &str,
    function: &str,
    severity: Severity,
    change: &str,
    attribute: &str,
    variable: &str,
) -> DriftItem {
    (
        check.to_string(),
        function_arn(function),
        severity,
        change.to_string(),
        attribute.to_string(),
        variable.to_string(),
    )
}

/// What a function declaration says, in terms both formats can state: everything the drift
/// checks compare except where the formats legitimately differ (the API grant's source ARN,
/// unknown before the Serverless deployment creates the API; the role, by ARN or by key).
fn summary(estate: &DeclaredEstate, f: &DeclaredFunction) -> Value {
    let known = |d: &Declared<String>| match d {
        Declared::Known(v) => json!(v),
        Declared::Unknown(_) => json!("<unknown>"),
    };
    let role = match &f.role {
        DeclaredRoleRef::Declared { key } => estate
            .role(key)
            .and_then(|r| r.name.known().cloned())
            .unwrap_or_default(),
        DeclaredRoleRef::Arn { arn } => arn
            .known()
            .map(|a| a.rsplit('/').next().unwrap_or_default().to_string())
            .unwrap_or_default(),
        DeclaredRoleRef::Unknown { .. } => String::new(),
    };
    let environment: BTreeMap<&String, Option<String>> = f
        .environment
        .known()
        .expect("environment known")
        .iter()
        .map(|(name, value)| (name, value.known().map(|v| v.digest(name))))
        .collect();
    let mut permissions: Vec<Value> = f
        .permissions
        .iter()
        .map(|p| {
            json!([
                known(&p.action),
                known(&p.principal),
                p.function_url_auth_type,
                p.qualifier
            ])
        })
        .collect();
    permissions.sort_by_key(Value::to_string);
    json!({
        "name": known(&f.name),
        "region": f.region,
        "runtime": f.runtime.known(),
        "handler": f.handler.known(),
        "timeout": f.timeout_seconds.known(),
        "memory": f.memory_mb.known(),
        "architectures": f.architectures.known(),
        "role": role,
        "environment": environment,
        "layers": f.layers.known(),
        "vpc": f.vpc.known().map(Option::is_some),
        "tracing": f.tracing_mode.known(),
        "reserved_concurrency": f.reserved_concurrency.known(),
        "url": f.url.known().map(|u| u.as_ref().map(|u| (known(&u.auth_type), u.qualifier.clone()))),
        "permissions": permissions,
        "event_sources": f.event_sources.iter()
            .map(|e| json!([known(&e.source_arn), e.enabled, e.batch_size]))
            .collect::<Vec<_>>(),
        "complete": [f.permissions_complete, f.event_sources_complete],
    })
}

fn summaries(estate: &DeclaredEstate) -> BTreeMap<String, Value> {
    estate
        .functions
        .iter()
        .map(|f| {
            let name = f.name.known().cloned().expect("every function is named");
            (name, summary(estate, f))
        })
        .collect()
}

#[test]
fn serverless_and_terraform_declarations_of_one_account_yield_the_same_drift() {
    let inventory = deployed();
    let ctx = context(&inventory);
    let serverless = declared(SERVERLESS, SourceFormat::Serverless, &ctx);
    let terraform = declared(TERRAFORM, SourceFormat::TerraformState, &ctx);

    // The two files describe the same three functions.
    let (sls, tf) = (summaries(&serverless), summaries(&terraform));
    assert_eq!(
        sls.keys().collect::<Vec<_>>(),
        ["shop-prod-api", "shop-prod-webhook", "shop-prod-worker"]
    );
    for name in sls.keys() {
        assert_eq!(sls[name], tf[name], "{name} is declared alike");
    }
    assert_eq!(
        sls["shop-prod-worker"]["event_sources"],
        json!([[QUEUE_ARN, true, 10]])
    );

    let run = |estate: &DeclaredEstate| {
        run_with_declared(&inventory, &Guardrails::default(), Some(estate))
    };
    let (by_serverless, by_terraform) = (run(&serverless), run(&terraform));

    for (format, results) in [("serverless", &by_serverless), ("terraform", &by_terraform)] {
        let skipped: Vec<_> = results
            .not_evaluated
            .iter()
            .filter(|n| COMPARED.contains(&n.check_id.as_str()))
            .collect();
        assert!(skipped.is_empty(), "{format}: {skipped:#?}");
    }

    let (sls_items, tf_items) = (drift_items(&by_serverless), drift_items(&by_terraform));
    assert_eq!(sls_items, tf_items, "both formats report the same drift");

    let mut expected = vec![
        item("LA501", "shop-prod-debug", Severity::Medium, "", "", ""),
        item("LA502", "shop-prod-worker", Severity::Low, "", "", ""),
        item("LA503", "shop-prod-api", Severity::Low, "", "timeout", ""),
        item(
            "LA504",
            "shop-prod-api",
            Severity::Medium,
            "added",
            "",
            "DEBUG_TOKEN",
        ),
        item(
            "LA505",
            "shop-prod-api",
            Severity::Critical,
            "added",
            "",
            "",
        ),
        item("LA506", "shop-prod-api", Severity::Medium, "added", "", ""),
    ];
    expected.sort();
    assert_eq!(sls_items, expected);
}

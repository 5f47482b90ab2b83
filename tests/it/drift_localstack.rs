//! Drift end to end: the demo's SAM template deployed through LocalStack's CloudFormation
//! (SAM transform included), changed out of band with the SDK, and `lambda-audit drift`
//! must list exactly those changes — nothing more.

use crate::localstack::{endpoint, handler_zip, run_binary};
use aws_config::{BehaviorVersion, Region};
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{FunctionCode, FunctionUrlAuthType, Runtime};
use std::path::Path;
use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

/// A region no other LocalStack test seeds, so the account's other functions stay out.
const REGION: &str = "eu-central-1";
const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const TEMPLATE: &str = "localstack/demo/sam-template.yaml";

fn python() -> String {
    let venv = std::env::var("LAMBDA_AUDIT_VENV").unwrap_or_else(|_| format!("{ROOT}/.venv"));
    format!("{venv}/bin/python")
}

/// Deploys the template as `stack` with the demo's deploy script (it also applies what AWS's
/// CloudFormation does and LocalStack's does not: the stack tags, reserved concurrency).
fn deploy(stack: &str) {
    let out = Command::new(python())
        .arg(Path::new(ROOT).join("localstack/demo/sam.py"))
        .args(["--stack", stack, "--region", REGION])
        .output()
        .expect("the deploy script runs");
    assert!(
        out.status.success(),
        "deploy failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Drift findings on this stack's resources: (check, severity, resource name, change).
fn drift_of(stack: &str, report: &serde_json::Value) -> Vec<(String, String, String, String)> {
    let mut out: Vec<_> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| {
            f["resource_arn"]
                .as_str()
                .unwrap_or_default()
                .contains(stack)
        })
        .map(|f| {
            let arn = f["resource_arn"].as_str().unwrap_or_default();
            let name = arn.rsplit([':', '/']).next().unwrap_or_default();
            // Generated role names end in a random suffix; keep the part the test knows.
            let name = match name.find("ApiFunctionRole") {
                Some(_) => format!("{stack}-ApiFunctionRole"),
                None => name.to_string(),
            };
            let change = f["evidence"]["change"]
                .as_str()
                .or_else(|| f["evidence"]["detail"]["change"].as_str())
                .or_else(|| f["evidence"]["attribute"].as_str())
                .unwrap_or("")
                .to_string();
            (
                f["check_id"].as_str().unwrap_or_default().to_string(),
                f["severity"].as_str().unwrap_or_default().to_string(),
                name,
                change,
            )
        })
        .collect();
    out.sort();
    out
}

fn run_drift() -> serde_json::Value {
    let template = format!("{ROOT}/{TEMPLATE}");
    let (code, stdout, stderr) = run_binary(&[
        "drift",
        "--regions",
        REGION,
        "--declared",
        &template,
        "--format",
        "json",
        "--fail-on",
        "never",
    ]);
    assert_eq!(code, 0, "drift failed: {stderr}");
    serde_json::from_str(&stdout).expect("JSON report")
}

#[tokio::test(flavor = "multi_thread")]
async fn drift_lists_exactly_the_out_of_band_changes() {
    if endpoint().is_none() {
        return;
    }
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let stack = format!("drift{}", nanos % 1_000_000_000);
    deploy(&stack);

    // Deployed as declared: quiet.
    let before = run_drift();
    assert_eq!(
        drift_of(&stack, &before),
        vec![],
        "a fresh deployment has no drift"
    );
    let source = before["declared"]["sources"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["stack_name"] == stack.as_str()))
        .expect("the template is matched to the stack by its CloudFormation tags");
    assert_eq!(source["functions"], 5);

    let config = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(REGION))
        .load()
        .await;
    let lambda = aws_sdk_lambda::Client::new(&config);
    let iam = aws_sdk_iam::Client::new(&config);
    let api = lambda
        .get_function_configuration()
        .function_name(format!("{stack}-api"))
        .send()
        .await
        .expect("api function");
    let api_role = api.role().expect("role").to_string();

    // 1. A function created beside the stack.
    lambda
        .create_function()
        .function_name(format!("{stack}-extra"))
        .runtime(Runtime::Python312)
        .handler("index.handler")
        .role(&api_role)
        .code(
            FunctionCode::builder()
                .zip_file(Blob::new(handler_zip()))
                .build(),
        )
        .send()
        .await
        .expect("extra function");
    // 2. A declared function deleted.
    lambda
        .delete_function()
        .function_name(format!("{stack}-export"))
        .send()
        .await
        .expect("delete");
    // 3. A public invoke permission.
    lambda
        .add_permission()
        .function_name(format!("{stack}-report"))
        .statement_id("oob-public")
        .action("lambda:InvokeFunction")
        .principal("*")
        .send()
        .await
        .expect("public permission");
    // 4. AdministratorAccess on the API function's (SAM-generated) role.
    iam.attach_role_policy()
        .role_name(api_role.rsplit('/').next().unwrap_or_default())
        .policy_arn("arn:aws:iam::aws:policy/AdministratorAccess")
        .send()
        .await
        .expect("attach");
    // 5. A function URL without auth.
    lambda
        .create_function_url_config()
        .function_name(format!("{stack}-api"))
        .auth_type(FunctionUrlAuthType::None)
        .send()
        .await
        .expect("url");
    // 6. A different timeout.
    lambda
        .update_function_configuration()
        .function_name(format!("{stack}-report"))
        .timeout(120)
        .send()
        .await
        .expect("timeout");

    let after = run_drift();
    let s = |x: &str| x.to_string();
    assert_eq!(
        drift_of(&stack, &after),
        vec![
            (s("LA501"), s("medium"), format!("{stack}-extra"), s("")),
            (s("LA502"), s("low"), format!("{stack}-export"), s("")),
            (
                s("LA503"),
                s("low"),
                format!("{stack}-report"),
                s("timeout")
            ),
            (
                s("LA505"),
                s("critical"),
                format!("{stack}-report"),
                s("added")
            ),
            (
                s("LA506"),
                s("critical"),
                format!("{stack}-api"),
                s("added")
            ),
            (
                s("LA508"),
                s("critical"),
                format!("{stack}-ApiFunctionRole"),
                s("attached")
            ),
        ]
    );
    let timeout = after["findings"]
        .as_array()
        .and_then(|f| {
            f.iter().find(|f| {
                f["check_id"] == "LA503" && f["function_name"] == format!("{stack}-report").as_str()
            })
        })
        .expect("timeout finding");
    assert!(
        timeout["declared_at"]["file"]
            .as_str()
            .unwrap_or_default()
            .ends_with(TEMPLATE),
        "{timeout:#}"
    );
    let declared_line = timeout["declared_at"]["line"].as_u64().expect("a line");
    let template = std::fs::read_to_string(Path::new(ROOT).join(TEMPLATE)).expect("template");
    let line = template
        .lines()
        .nth(declared_line as usize - 1)
        .unwrap_or_default();
    assert!(
        line.trim_start().starts_with("Timeout:"),
        "declared_at points at `{line}`"
    );
}

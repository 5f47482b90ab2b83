//! `audit --organization` end to end: moto_server (as `localstack/with-localstack.sh` starts
//! it for API Gateway v2) plays AWS Organizations, LocalStack everything else. The accounts
//! `ListAccounts` returns are entered with `--assume-role` and audited in one report.

use crate::localstack::{REGION, endpoint};
use aws_config::{BehaviorVersion, Region};
use serde_json::Value;
use std::time::{SystemTime, UNIX_EPOCH};

/// Organizations' endpoint: `AWS_ENDPOINT_URL_ORGANIZATIONS`, else moto_server's.
fn organizations_endpoint() -> Option<String> {
    [
        "AWS_ENDPOINT_URL_ORGANIZATIONS",
        "AWS_ENDPOINT_URL_APIGATEWAYV2",
    ]
    .iter()
    .find_map(|v| std::env::var(v).ok().filter(|u| !u.is_empty()))
    .filter(|u| u.starts_with("http://127.0.0.1") || u.starts_with("http://localhost"))
}

#[tokio::test(flavor = "multi_thread")]
async fn organization_accounts_are_listed_and_audited() {
    if endpoint().is_none() {
        return;
    }
    let Some(orgs_url) = organizations_endpoint() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must run under localstack/with-localstack.sh (moto_server plays Organizations)"
        );
        eprintln!("skipped: no Organizations endpoint (AWS_ENDPOINT_URL_ORGANIZATIONS)");
        return;
    };
    let config = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(&orgs_url)
        .load()
        .await;
    let orgs = aws_sdk_organizations::Client::new(&config);
    // The emulator may already have the organization from an earlier run.
    let _ = orgs.create_organization().send().await;
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let created = orgs
        .create_account()
        .account_name(format!("it-{nanos}"))
        .email(format!("it-{nanos}@example.com"))
        .send()
        .await
        .expect("create an account")
        .create_account_status
        .and_then(|s| s.account_id)
        .expect("an account id");

    let orgs_for_child = orgs_url.clone();
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_lambda-audit"))
            .env("AWS_ENDPOINT_URL_ORGANIZATIONS", orgs_for_child)
            .args([
                "audit",
                "--organization",
                "--assume-role",
                "lambda-audit",
                "--regions",
                REGION,
                "--format",
                "json",
                "--fail-on",
                "never",
            ])
            .output()
            .expect("binary runs")
    })
    .await
    .expect("joined");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let report: Value = serde_json::from_slice(&out.stdout).expect("a JSON report");
    let accounts = report["accounts"].as_array().expect("accounts");
    let entry = accounts
        .iter()
        .find(|a| a["account_id"] == created.as_str())
        .unwrap_or_else(|| panic!("{created} not in {accounts:#?}"));
    assert_eq!(entry["status"], "audited", "{entry}");
    assert!(
        entry["report"]["account"]["caller_arn"]
            .as_str()
            .is_some_and(|arn| arn.contains("lambda-audit")),
        "{entry}"
    );
    assert!(accounts.len() >= 2, "the management account is listed too");
    assert_eq!(report["summary"]["failed"], 0, "{stderr}");
}

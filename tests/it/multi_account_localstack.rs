//! `audit --accounts` against LocalStack, which treats a 12-digit access key id as the
//! account and answers `sts:AssumeRole` with credentials for the role's account: the caller's
//! own account (no role), a second account entered through a role, and a third that cannot
//! be entered — three accounts in one report, the third a coverage gap. LocalStack grants
//! any role, even one that does not exist, so STS's refusal is injected by the fault proxy.

use crate::fault_proxy::{Fault, FaultProxy, Rule};
use crate::localstack::{REGION, endpoint, run_binary};
use aws_config::{BehaviorVersion, Region};
use serde_json::Value;
use std::time::{SystemTime, UNIX_EPOCH};

const CALLER: &str = "000000000000";
const SECOND: &str = "111111111111";
const UNREACHABLE: &str = "222222222222";

/// A role in SECOND the caller's account may assume (created with SECOND's own key).
async fn create_role(name: &str) {
    let config = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(REGION))
        .credentials_provider(aws_sdk_iam::config::Credentials::new(
            SECOND, "test", None, None, "it",
        ))
        .load()
        .await;
    let trust = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{CALLER}:root"}},"Action":"sts:AssumeRole"}}]}}"#
    );
    aws_sdk_iam::Client::new(&config)
        .create_role()
        .role_name(name)
        .assume_role_policy_document(trust)
        .send()
        .await
        .expect("create the audit role in the second account");
}

#[tokio::test(flavor = "multi_thread")]
async fn accounts_file_audits_each_account_and_an_unreachable_one_is_a_gap() {
    if endpoint().is_none() {
        return;
    }
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let role = format!("audit-role-{}", nanos % 1_000_000_000);
    create_role(&role).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("accounts.txt");
    std::fs::write(
        &file,
        // No role on the third line and no --assume-role: nothing to enter it with.
        format!("# caller\n{CALLER}\n{SECOND},{role}\n{UNREACHABLE}\n"),
    )
    .expect("write accounts");
    let file_arg = file.to_string_lossy().to_string();
    let (code, stdout, stderr) = run_binary(&[
        "audit",
        "--accounts",
        &file_arg,
        "--regions",
        REGION,
        "--format",
        "json",
        "--fail-on",
        "never",
        "--fail-on-gaps",
    ]);
    assert_eq!(code, 3, "{stderr}");
    let report: Value = serde_json::from_str(&stdout).expect("a JSON report");
    assert_eq!(report["kind"], "multi_account");
    let accounts = report["accounts"].as_array().expect("accounts");
    let ids: Vec<&str> = accounts
        .iter()
        .filter_map(|a| a["account_id"].as_str())
        .collect();
    assert_eq!(ids, [CALLER, SECOND, UNREACHABLE], "{stderr}");
    for audited in &accounts[..2] {
        assert_eq!(audited["status"], "audited", "{audited}");
        let inner = &audited["report"];
        assert_eq!(inner["account"]["account_id"], audited["account_id"]);
        assert_eq!(inner["regions"][0], REGION);
        // Entering through a role changes nothing about what the guard allows.
        let gaps = inner["coverage"]["gaps"].as_array().expect("gaps");
        assert!(
            gaps.iter().all(|g| g["kind"] != "refused_not_read_only"),
            "{gaps:#?}"
        );
    }
    assert!(
        accounts[1]["report"]["account"]["caller_arn"]
            .as_str()
            .is_some_and(|arn| arn.contains(SECOND) && arn.contains(&role)),
        "{}",
        accounts[1]["report"]["account"]
    );
    let failed = &accounts[2];
    assert_eq!(failed["status"], "failed", "{failed}");
    assert_eq!(failed["report"], Value::Null);
    assert_eq!(failed["error"]["operation"], "sts:AssumeRole", "{failed}");
    assert_eq!(failed["error"]["code"], "NoRole", "{failed}");
    assert_eq!(report["summary"]["audited"], 2);
    assert_eq!(report["summary"]["failed"], 1);
    assert!(
        stderr.contains(&format!("account {UNREACHABLE} not audited")),
        "{stderr}"
    );

    // Sharded: two shards merged give the same accounts.
    let mut shard_files = Vec::new();
    for index in 0..2 {
        let out = dir.path().join(format!("shard-{index}.json"));
        let out_arg = out.to_string_lossy().to_string();
        let shard = format!("{index}/2");
        let (code, _, stderr) = run_binary(&[
            "audit",
            "--accounts",
            &file_arg,
            "--regions",
            REGION,
            "--shard",
            &shard,
            "--format",
            "json",
            "--output",
            &out_arg,
            "--fail-on",
            "never",
        ]);
        assert_eq!(code, 0, "{stderr}");
        shard_files.push(out_arg);
    }
    let merged_path = dir.path().join("merged.json").to_string_lossy().to_string();
    let mut args = vec!["merge"];
    args.extend(shard_files.iter().map(String::as_str));
    args.extend(["--output", merged_path.as_str()]);
    let (code, _, stderr) = run_binary(&args);
    assert_eq!(code, 0, "{stderr}");
    let merged: Value =
        serde_json::from_str(&std::fs::read_to_string(&merged_path).expect("merged"))
            .expect("JSON");
    let merged_ids: Vec<&str> = merged["accounts"]
        .as_array()
        .expect("accounts")
        .iter()
        .map(|a| a["account_id"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(merged_ids, [CALLER, SECOND, UNREACHABLE]);
    let statuses: Vec<&Value> = merged["accounts"]
        .as_array()
        .expect("accounts")
        .iter()
        .map(|a| &a["status"])
        .collect();
    assert_eq!(statuses, ["audited", "audited", "failed"]);
}

/// STS refusing the role (AccessDenied in STS's own error shape, through the fault proxy):
/// that account is failed with an `sts:AssumeRole` gap, the others are audited, exit 3 with
/// `--fail-on-gaps`. The guard lets the provider's AssumeRole through (the proxy sees it),
/// and every other request is a read.
#[tokio::test(flavor = "multi_thread")]
async fn a_refused_role_is_a_failed_account_not_an_aborted_run() {
    let Some(url) = endpoint() else {
        return;
    };
    let upstream = url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    let proxy = FaultProxy::start(
        &upstream,
        vec![Rule {
            service: "sts",
            operation: "AssumeRole",
            fault: Some(Fault::AccessDenied),
            per_mille: 1000,
            latency: std::time::Duration::ZERO,
        }],
    )
    .await;
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("accounts.txt");
    std::fs::write(&file, format!("{CALLER}\n{UNREACHABLE},missing-role\n")).expect("write");
    let file_arg = file.to_string_lossy().to_string();
    let proxy_url = proxy.url.clone();
    let (code, stdout, stderr) = tokio::task::spawn_blocking(move || {
        run_binary(&[
            "audit",
            "--accounts",
            &file_arg,
            "--regions",
            REGION,
            "--endpoint-url",
            &proxy_url,
            "--format",
            "json",
            "--fail-on",
            "never",
            "--fail-on-gaps",
        ])
    })
    .await
    .expect("binary runs");
    assert_eq!(code, 3, "{stderr}");
    let report: Value = serde_json::from_str(&stdout).expect("a JSON report");
    let accounts = report["accounts"].as_array().expect("accounts");
    assert_eq!(accounts.len(), 2);
    assert_eq!(accounts[0]["status"], "audited", "{stderr}");
    let failed = &accounts[1];
    assert_eq!(failed["account_id"], UNREACHABLE);
    assert_eq!(failed["status"], "failed", "{failed}");
    assert_eq!(failed["error"]["operation"], "sts:AssumeRole");
    assert_eq!(failed["error"]["kind"], "access_denied", "{failed}");
    assert!(
        failed["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains(&format!("arn:aws:iam::{UNREACHABLE}:role/missing-role"))),
        "{failed}"
    );
    let seen = proxy.seen();
    assert!(
        seen.iter()
            .any(|s| s.service == "sts" && s.operation == "AssumeRole"),
        "the provider's AssumeRole reached STS: {seen:#?}"
    );
    for request in seen.iter().filter(|s| s.operation != "AssumeRole") {
        assert!(
            ["Get", "List", "Describe"]
                .iter()
                .any(|p| request.operation.starts_with(p)),
            "not a read: {request:?}"
        );
    }
}

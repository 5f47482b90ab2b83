//! The multi-account report: it matches `docs/multi-account-report-schema.json` (whose
//! `report` is the single-account schema), shards merged equal the unsharded report,
//! duplicates and other versions are refused, and usage errors exit 2 before any AWS call.

use crate::report_schema::validate;
use crate::support::*;
use crate::triage::run_in;
use lambda_audit::checks::{CheckResults, run_all};
use lambda_audit::collect::accounts::unreachable_account;
use lambda_audit::inventory::{ApiFailure, FailureKind, Inventory};
use lambda_audit::report::Audit;
use lambda_audit::report::merge::merge_files;
use lambda_audit::report::multi::{AccountAudit, AccountStatus, build, render_json, render_text};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

const DOCS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/docs");

fn load(name: &str) -> Value {
    let text = std::fs::read_to_string(Path::new(DOCS).join(name)).expect("schema readable");
    serde_json::from_str(&text).expect("schema is JSON")
}

/// The multi-account schema with `report-schema.json` inlined: its root where it is
/// referenced, its `$defs` next to ours (the validator resolves only local references).
fn composite_schema() -> Value {
    let mut multi = load("multi-account-report-schema.json");
    let single = load("report-schema.json");
    let defs = multi["$defs"].as_object_mut().expect("$defs");
    for (name, def) in single["$defs"].as_object().expect("single $defs") {
        assert!(
            defs.insert(name.clone(), def.clone()).is_none(),
            "{name} twice"
        );
    }
    let mut root = single.clone();
    for key in ["$schema", "$id", "$defs", "title"] {
        root.as_object_mut().expect("object").remove(key);
    }
    fn inline(node: &mut Value, root: &Value) {
        match node {
            Value::Object(map) => {
                if let Some(Value::String(target)) = map.get("$ref").cloned() {
                    if target == "report-schema.json" {
                        *node = root.clone();
                        return;
                    }
                    if let Some(def) = target.strip_prefix("report-schema.json") {
                        map.insert("$ref".to_string(), json!(def));
                    }
                }
                map.values_mut().for_each(|v| inline(v, root));
            }
            Value::Array(items) => items.iter_mut().for_each(|v| inline(v, root)),
            _ => {}
        }
    }
    inline(&mut multi, &root);
    multi
}

fn errors_of(report: &Value) -> Vec<String> {
    let schema = composite_schema();
    let mut errors = Vec::new();
    validate(&schema, &schema, report, "$", &mut errors);
    errors
}

fn account(id: &str, public_function: bool) -> Inventory {
    let open = policy(json!([{"Sid": "open", "Effect": "Allow", "Principal": "*",
        "Action": "lambda:InvokeFunction", "Resource": "*"}]));
    let mut functions = vec![function("quiet", json!({}))];
    if public_function {
        functions.push(function("open", json!({"policy": open})));
    }
    let mut inv = inventory(functions);
    inv.account.account_id = id.to_string();
    inv
}

fn denied() -> ApiFailure {
    ApiFailure {
        operation: "sts:AssumeRole".to_string(),
        kind: FailureKind::AccessDenied,
        code: "AccessDenied".to_string(),
        message: "arn:aws:iam::222222222222:role/missing: not authorized".to_string(),
    }
}

/// Four accounts: two audited with findings, one audited without a public function, one
/// failed (its role could not be assumed).
fn estate() -> Vec<(Inventory, CheckResults, Option<ApiFailure>)> {
    let failed = unreachable_account("222222222222", "aws", denied());
    let mut out: Vec<_> = [
        (account("333333333333", true), None),
        (account("111111111111", false), None),
        (account("444444444444", true), None),
        (failed, Some(denied())),
    ]
    .into_iter()
    .map(|(inv, failure)| {
        let results = run_all(&inv);
        (inv, results, failure)
    })
    .collect();
    out.sort_by(|a, b| a.0.account.account_id.cmp(&b.0.account.account_id));
    out
}

fn audits(estate: &[(Inventory, CheckResults, Option<ApiFailure>)]) -> Vec<AccountAudit<'_>> {
    estate
        .iter()
        .map(|(inventory, results, failure)| AccountAudit {
            audit: Audit {
                inventory,
                results,
                declared: None,
                baseline: None,
            },
            failure: failure.as_ref(),
        })
        .collect()
}

#[test]
fn multi_account_report_matches_its_schema() {
    let estate = estate();
    let report: Value = serde_json::from_str(&render_json(&audits(&estate))).expect("JSON");
    assert_eq!(errors_of(&report), Vec::<String>::new());
    assert_eq!(report["kind"], "multi_account");
    let ids: Vec<&str> = report["accounts"]
        .as_array()
        .expect("accounts")
        .iter()
        .filter_map(|a| a["account_id"].as_str())
        .collect();
    assert_eq!(
        ids,
        [
            "111111111111",
            "222222222222",
            "333333333333",
            "444444444444"
        ]
    );
    let failed = &report["accounts"][1];
    assert_eq!(failed["status"], "failed");
    assert_eq!(failed["report"], Value::Null);
    assert_eq!(failed["error"]["operation"], "sts:AssumeRole");
    let summary = &report["summary"];
    assert_eq!(
        (
            &summary["accounts"],
            &summary["audited"],
            &summary["failed"]
        ),
        (&json!(4), &json!(3), &json!(1))
    );
    let total: u64 = estate.iter().map(|e| e.1.findings.len() as u64).sum();
    assert_eq!(summary["findings"], json!(total));
    assert_eq!(summary["open_findings_by_account"]["222222222222"], 0);
    assert!(
        summary["open_findings_by_account"]["333333333333"]
            .as_u64()
            .is_some_and(|n| n > summary["open_findings_by_account"]["111111111111"]
                .as_u64()
                .unwrap_or(0)),
        "{summary}"
    );
    // The failed account's inventory says why every check that needs it is not evaluated.
    assert_eq!(estate[1].0.coverage_gaps.len(), 1);
    assert_eq!(
        estate[1].0.coverage_gaps[0].failure.operation,
        "sts:AssumeRole"
    );

    // Mutations are caught, including inside an account's report.
    type Mutation = Box<dyn Fn(&mut Value)>;
    let cases: Vec<(&str, Mutation, &str)> = vec![
        (
            "status",
            Box::new(|r| r["accounts"][0]["status"] = json!("skipped")),
            "$.accounts[0].status",
        ),
        (
            "extra",
            Box::new(|r| r["summary"]["extra"] = json!(1)),
            "$.summary: unknown property",
        ),
        (
            "inner",
            Box::new(|r| r["accounts"][0]["report"]["summary"]["findings"] = json!("x")),
            "$.accounts[0].report",
        ),
        (
            "error kind",
            Box::new(|r| r["accounts"][1]["error"]["kind"] = json!("nope")),
            "$.accounts[1].error",
        ),
        ("kind", Box::new(|r| r["kind"] = json!("single")), "$.kind"),
    ];
    for (name, mutate, expected) in cases {
        let mut broken = report.clone();
        mutate(&mut broken);
        let errors = errors_of(&broken);
        assert!(
            errors.iter().any(|e| e.starts_with(expected)),
            "{name}: expected {expected:?} in {errors:#?}"
        );
    }
}

#[test]
fn multi_account_schema_requires_and_documents_every_property() {
    fn walk(schema: &Value, path: &str) {
        let Some(object) = schema.as_object() else {
            return;
        };
        if let Some(props) = object.get("properties").and_then(Value::as_object) {
            let mut required: Vec<&str> = object["required"]
                .as_array()
                .unwrap_or_else(|| panic!("{path} has no `required`"))
                .iter()
                .filter_map(Value::as_str)
                .collect();
            let mut declared: Vec<&str> = props.keys().map(String::as_str).collect();
            required.sort_unstable();
            declared.sort_unstable();
            assert_eq!(required, declared, "{path}");
            assert_eq!(
                object.get("additionalProperties"),
                Some(&json!(false)),
                "{path}"
            );
            for (name, sub) in props {
                assert!(
                    sub.get("description").or(sub.get("$ref")).is_some(),
                    "{path}.{name} is not documented"
                );
            }
        }
        for (key, sub) in object {
            walk(sub, &format!("{path}/{key}"));
        }
    }
    walk(&load("multi-account-report-schema.json"), "#");
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write");
    path
}

#[test]
fn merged_shards_equal_the_unsharded_report() {
    let estate = estate();
    let all = audits(&estate);
    let whole = build(&all);
    let dir = tempfile::tempdir().expect("tempdir");
    // Shard reports (2 of 3 accounts interleaved) and a plain single-account report.
    let shard0: Vec<_> = audits(&estate).into_iter().step_by(2).take(2).collect();
    let shard1: Vec<_> = audits(&estate)
        .into_iter()
        .skip(1)
        .step_by(2)
        .take(1)
        .collect();
    let p0 = write(dir.path(), "shard-0.json", &render_json(&shard0));
    let p1 = write(dir.path(), "shard-1.json", &render_json(&shard1));
    let single = lambda_audit::report::json::render(&audits(&estate)[3].audit);
    assert_eq!(
        shard0.len() + shard1.len(),
        3,
        "the fourth account comes alone"
    );
    let p2 = write(dir.path(), "single.json", &single);
    let merged = merge_files(&[p1.clone(), p2.clone(), p0.clone()]).expect("merges");
    assert_eq!(merged.accounts, whole.accounts);
    assert_eq!(merged.summary, whole.summary);
    assert_eq!(merged.accounts[1].status, AccountStatus::Failed);
    // A merged report merges again (idempotent as an input) and still validates.
    let again = write(
        dir.path(),
        "merged.json",
        &lambda_audit::report::multi::to_json(&merged),
    );
    let twice = merge_files(std::slice::from_ref(&again)).expect("re-merges");
    assert_eq!(twice, merged);
    let value: Value =
        serde_json::from_str(&std::fs::read_to_string(&again).expect("read")).expect("JSON");
    assert_eq!(errors_of(&value), Vec::<String>::new());

    // The same account twice: both files named.
    let err = merge_files(&[p0.clone(), again.clone()])
        .expect_err("duplicate")
        .to_string();
    assert!(
        err.contains("is in both") && err.contains("shard-0.json") && err.contains("merged.json"),
        "{err}"
    );
}

#[test]
fn merge_refuses_other_versions_kinds_and_broken_reports_with_file_line_and_field() {
    let estate = estate();
    let dir = tempfile::tempdir().expect("tempdir");
    let good: Value = serde_json::from_str(&render_json(&audits(&estate))).expect("JSON");
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "v2.json",
            json!({"report_version": 2, "kind": "multi_account"}).to_string(),
            "v2.json: `report_version`: 2 is not supported",
        ),
        (
            "kind.json",
            json!({"report_version": 1, "kind": "diff"}).to_string(),
            "kind.json: `kind`: `diff` is not",
        ),
        (
            "nover.json",
            "{\n  \"kind\": \"multi_account\"\n}".to_string(),
            "nover.json:3:1: `.`: missing field `report_version`",
        ),
        (
            "status.json",
            {
                let mut r = good.clone();
                r["accounts"][0]["status"] = json!("skipped");
                serde_json::to_string_pretty(&r).expect("json")
            },
            "status.json:11:25: `accounts[0].status`: unknown variant `skipped`",
        ),
        (
            "inner.json",
            {
                let mut r = good.clone();
                r["accounts"][0]["report"]["report_version"] = json!(7);
                r.to_string()
            },
            "inner.json: `accounts[0]`: report_version 7 is not supported",
        ),
        (
            "mismatch.json",
            {
                let mut r = good.clone();
                r["accounts"][0]["account_id"] = json!("999999999999");
                r.to_string()
            },
            "mismatch.json: `accounts[0]`: account_id 999999999999 but its report is for account 111111111111",
        ),
        (
            "failed.json",
            {
                let mut r = good.clone();
                r["accounts"][1]["error"] = Value::Null;
                r.to_string()
            },
            "failed.json: `accounts[1]`: an audited account has a report",
        ),
        (
            "single.json",
            "{\"report_version\": 1, \"account\": {}}".to_string(),
            "single.json:1:35: `account`: missing field `account_id`",
        ),
    ];
    for (name, text, expected) in cases {
        let path = write(dir.path(), name, &text);
        let err = merge_files(&[path]).expect_err(name).to_string();
        assert!(err.contains(expected), "{name}: {err}");
    }
}

#[test]
fn multi_account_text_has_a_section_per_account_and_a_summary_table() {
    let estate = estate();
    let text = render_text(&audits(&estate), false);
    for id in [
        "111111111111",
        "222222222222",
        "333333333333",
        "444444444444",
    ] {
        assert!(
            text.contains(&format!("===== account {id} =====")),
            "{text}"
        );
    }
    assert!(
        text.contains("not audited: sts:AssumeRole failed: AccessDenied (access denied)"),
        "{text}"
    );
    assert!(
        text.contains("All accounts: 4 (3 audited, 1 failed)"),
        "{text}"
    );
    let table: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.starts_with("ACCOUNT "))
        .collect();
    assert_eq!(table.len(), 5, "{text}");
    assert!(table[2].starts_with("222222222222   failed"), "{text}");
}

#[test]
fn accounts_usage_errors_exit_2_before_any_aws_call() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "accounts.txt", "111111111111\n1234\n");
    write(dir.path(), "ok.txt", "111111111111\n");
    let cases: [(&[&str], &str); 7] = [
        (
            &["audit", "--organization", "--accounts", "ok.txt"],
            "cannot be used with",
        ),
        (&["audit", "--shard", "0/2"], "--accounts"),
        (
            &["audit", "--accounts", "accounts.txt"],
            "accounts.txt:2: account id: `1234`",
        ),
        (&["audit", "--assume-role", "x"], "--accounts"),
        (
            &["audit", "--accounts", "ok.txt", "--assume-role", "a/b"],
            "is not a role name",
        ),
        (
            &["audit", "--accounts", "ok.txt", "--shard", "2/2"],
            "is not I/N",
        ),
        (
            &["audit", "--accounts", "ok.txt", "--format", "sarif"],
            "--output-dir DIR",
        ),
    ];
    for (args, expected) in cases {
        let (code, stdout, stderr) = run_in(dir.path(), args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(stdout.is_empty(), "{args:?}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
}

#[test]
fn merge_through_the_binary() {
    let estate = estate();
    let dir = tempfile::tempdir().expect("tempdir");
    let all = audits(&estate);
    let (first, rest) = all.split_at(2);
    write(dir.path(), "a.json", &render_json(first));
    write(dir.path(), "b.json", &render_json(rest));
    let (code, _, stderr) = run_in(
        dir.path(),
        &["merge", "a.json", "b.json", "--output", "all.json"],
    );
    assert_eq!(code, 0, "{stderr}");
    let merged: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("all.json")).expect("read"))
            .expect("JSON");
    let whole: Value = serde_json::from_str(&render_json(&all)).expect("JSON");
    assert_eq!(merged["accounts"], whole["accounts"]);
    let (code, _, stderr) = run_in(dir.path(), &["merge", "a.json", "a.json"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("is in both a.json and a.json"), "{stderr}");
}

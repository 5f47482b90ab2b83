//! Baselines and `lambda-audit diff` through the binary: audit A, change the account (one
//! finding fixed, one new), audit B against A's report, diff the two reports in every
//! format, and refuse files that are not reports.

use crate::triage::{estate, public, run_in, snapshot, tagged};
use lambda_audit::inventory::Inventory;
use serde_json::{Value, json};
use std::path::Path;

/// Week 1: `pay-api` (owner payments) is public.
fn week1() -> Inventory {
    estate(vec![
        tagged("pay-api", json!({"owner": "payments"}), public()),
        tagged("orders", json!({"team": "orders"}), json!({})),
    ])
}

/// Week 2: `pay-api` was fixed; `orders` became public.
fn week2() -> Inventory {
    let mut inv = estate(vec![
        tagged("pay-api", json!({"owner": "payments"}), json!({})),
        tagged("orders", json!({"team": "orders"}), public()),
    ]);
    inv.collected_at = "2026-06-08T00:00:00Z".into();
    inv
}

/// A directory with both snapshots, `a.json` (week 1's full report) and `b.json` (week 2's
/// full report).
fn reports() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    snapshot(dir.path(), "week1.json", &week1());
    snapshot(dir.path(), "week2.json", &week2());
    for (snap, out) in [("week1.json", "a.json"), ("week2.json", "b.json")] {
        let (code, _, stderr) = run_in(
            dir.path(),
            &[
                "audit",
                "--from-snapshot",
                snap,
                "--format",
                "json",
                "--output",
                out,
                "--fail-on",
                "never",
            ],
        );
        assert_eq!(code, 0, "{stderr}");
    }
    dir
}

fn read(dir: &Path, name: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join(name)).expect("report")).expect("JSON")
}

/// The finding of `check` on `function` in a JSON report.
fn finding<'a>(report: &'a Value, check: &str, function: &str) -> &'a Value {
    let found: Vec<&Value> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["check_id"] == check && f["function_name"] == function)
        .collect();
    assert_eq!(found.len(), 1, "{check} on {function}");
    found[0]
}

/// A report finding as a baseline or diff records it.
fn recorded(f: &Value) -> Value {
    json!({
        "check_id": f["check_id"], "severity": f["severity"], "region": f["region"],
        "resource_arn": f["resource_arn"], "title": f["title"],
        "fingerprint": f["fingerprint"], "function_name": f["function_name"],
        "owner": f["owner"],
    })
}

fn prints(findings: &Value) -> Vec<String> {
    let mut out: Vec<String> = findings
        .as_array()
        .expect("array")
        .iter()
        .map(|f| f["fingerprint"].as_str().expect("fingerprint").to_string())
        .collect();
    out.sort();
    out
}

#[test]
fn audit_with_a_baseline_lists_only_new_findings() {
    let dir = reports();
    let a = read(dir.path(), "a.json");
    let b_full = read(dir.path(), "b.json");
    let fixed = finding(&a, "LA101", "pay-api");
    let new = finding(&b_full, "LA101", "orders");

    let (code, stdout, stderr) = run_in(
        dir.path(),
        &[
            "audit",
            "--from-snapshot",
            "week2.json",
            "--baseline",
            "a.json",
            "--format",
            "json",
        ],
    );
    // The new finding is high and open: the run fails.
    assert_eq!(code, 1, "{stderr}");
    let b: Value = serde_json::from_str(&stdout).expect("JSON");
    let listed = b["findings"].as_array().expect("findings");
    assert_eq!(listed.len(), 1, "{listed:#?}");
    assert_eq!(listed[0], *new);

    // Every other week-2 finding was already in week 1.
    let unchanged = b_full["findings"].as_array().unwrap().len() - 1;
    assert!(unchanged > 0);
    assert_eq!(
        b["baseline"],
        json!({
            "file": "a.json",
            "baseline_collected_at": "2026-06-01T00:00:00Z",
            "new": 1,
            "unchanged": unchanged,
            "resolved": [recorded(fixed)],
        })
    );
    assert_eq!(b["collected_at"], "2026-06-08T00:00:00Z");

    // Text and Markdown say the same.
    let (code, text, stderr) = run_in(
        dir.path(),
        &[
            "audit",
            "--from-snapshot",
            "week2.json",
            "--baseline",
            "a.json",
        ],
    );
    assert_eq!(code, 1, "{stderr}");
    assert!(
        text.contains(&format!(
            "baseline a.json (collected 2026-06-01T00:00:00Z): {unchanged} known finding(s) left out, 1 new, 1 resolved since"
        )),
        "{text}"
    );
    assert!(
        text.contains("  resolved: [HIGH] LA101 pay-api: pay-api: anyone can invoke"),
        "{text}"
    );
    assert!(
        text.contains("[HIGH] LA101 public-resource-policy: orders"),
        "{text}"
    );
    assert!(!text.contains("LA206 tracing-disabled"), "{text}");
    let (_, md, _) = run_in(
        dir.path(),
        &[
            "audit",
            "--from-snapshot",
            "week2.json",
            "--baseline",
            "a.json",
            "--format",
            "markdown",
        ],
    );
    assert!(
        md.contains(&format!(
            "Compared with the baseline from 2026\\-06\\-01T00\\:00\\:00Z: 1 new, {unchanged} unchanged (not listed), 1 resolved."
        )),
        "{md}"
    );
}

#[test]
fn known_findings_do_not_fail_the_run() {
    let dir = reports();
    // Week 1 against itself: its high finding is known, nothing is listed, exit 0.
    let (code, stdout, stderr) = run_in(
        dir.path(),
        &[
            "audit",
            "--from-snapshot",
            "week1.json",
            "--baseline",
            "a.json",
            "--format",
            "json",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let report: Value = serde_json::from_str(&stdout).expect("JSON");
    assert_eq!(report["findings"], json!([]));
    assert_eq!(report["baseline"]["new"], 0);
    assert_eq!(report["baseline"]["resolved"], json!([]));
}

#[test]
fn diff_json_has_exactly_new_resolved_and_unchanged() {
    let dir = reports();
    let a = read(dir.path(), "a.json");
    let b = read(dir.path(), "b.json");
    let (code, stdout, stderr) = run_in(
        dir.path(),
        &["diff", "a.json", "b.json", "--format", "json"],
    );
    assert_eq!(code, 0, "--fail-on defaults to never: {stderr}");
    let diff: Value = serde_json::from_str(&stdout).expect("JSON");

    let a_prints = prints(&a["findings"]);
    let unchanged: Vec<Value> = {
        let mut list: Vec<&Value> = b["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| a_prints.contains(&f["fingerprint"].as_str().unwrap().to_string()))
            .collect();
        // Worst first, then resource, check, fingerprint.
        let rank = |s: &Value| {
            ["critical", "high", "medium", "low", "info"]
                .iter()
                .position(|x| s == x)
                .unwrap()
        };
        list.sort_by(|x, y| {
            rank(&x["severity"])
                .cmp(&rank(&y["severity"]))
                .then_with(|| x["resource_arn"].as_str().cmp(&y["resource_arn"].as_str()))
                .then_with(|| x["check_id"].as_str().cmp(&y["check_id"].as_str()))
                .then_with(|| x["fingerprint"].as_str().cmp(&y["fingerprint"].as_str()))
        });
        list.into_iter().map(recorded).collect()
    };
    assert_eq!(unchanged.len(), b["findings"].as_array().unwrap().len() - 1);
    assert_eq!(
        diff,
        json!({
            "old_collected_at": "2026-06-01T00:00:00Z",
            "new_collected_at": "2026-06-08T00:00:00Z",
            "new": [recorded(finding(&b, "LA101", "orders"))],
            "resolved": [recorded(finding(&a, "LA101", "pay-api"))],
            "unchanged": unchanged,
        })
    );
    // Spelled out once, so a renamed field cannot hide behind `recorded`.
    assert_eq!(
        diff["new"][0],
        json!({
            "check_id": "LA101",
            "severity": "high",
            "region": "us-east-1",
            "resource_arn": "arn:aws:lambda:us-east-1:111122223333:function:orders",
            "title": "orders: anyone can invoke",
            "fingerprint": finding(&b, "LA101", "orders")["fingerprint"],
            "function_name": "orders",
            "owner": "orders",
        })
    );
}

#[test]
fn diff_text_and_markdown() {
    let dir = reports();
    let b = read(dir.path(), "b.json");
    let unchanged = b["findings"].as_array().unwrap().len() - 1;
    let (code, text, stderr) = run_in(dir.path(), &["diff", "a.json", "b.json"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        text,
        format!(
            "lambda-audit diff: 1 new, 1 resolved, {unchanged} unchanged (2026-06-01T00:00:00Z → 2026-06-08T00:00:00Z)\n\
             \nNew:\n  [high] LA101 orders: orders: anyone can invoke (owner: orders)\n\
             \nResolved:\n  [high] LA101 pay-api: pay-api: anyone can invoke (owner: payments)\n"
        )
    );

    let (code, md, stderr) = run_in(
        dir.path(),
        &["diff", "a.json", "b.json", "--format", "markdown"],
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        md,
        format!(
            "## lambda-audit: 1 new, 1 resolved, {unchanged} unchanged\n\n\
             From 2026\\-06\\-01T00\\:00\\:00Z to 2026\\-06\\-08T00\\:00\\:00Z.\n\n\
             ### New\n\n\
             | severity | check | resource | finding | owner |\n|---|---|---|---|---|\n\
             | high | LA101 | `orders` | orders\\: anyone can invoke | orders |\n\n\
             ### Resolved\n\n\
             | severity | check | resource | finding | owner |\n|---|---|---|---|---|\n\
             | high | LA101 | `pay-api` | pay\\-api\\: anyone can invoke | payments |\n"
        )
    );

    // Nothing changed: only the headline.
    let (code, text, _) = run_in(dir.path(), &["diff", "b.json", "b.json"]);
    assert_eq!(code, 0);
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(
        text.starts_with("lambda-audit diff: 0 new, 0 resolved, "),
        "{text}"
    );
}

#[test]
fn diff_fail_on_counts_only_new_findings_at_or_above_it() {
    let dir = reports();
    // Week 3: week 2 with `orders` fixed and a new, quieter function: new findings, none high.
    let mut week3 = estate(vec![
        tagged("pay-api", json!({"owner": "payments"}), json!({})),
        tagged("orders", json!({"team": "orders"}), json!({})),
        tagged("batch", json!({}), json!({})),
    ]);
    week3.collected_at = "2026-06-15T00:00:00Z".into();
    snapshot(dir.path(), "week3.json", &week3);
    let (code, _, stderr) = run_in(
        dir.path(),
        &[
            "audit",
            "--from-snapshot",
            "week3.json",
            "--format",
            "json",
            "--output",
            "c.json",
        ],
    );
    assert_eq!(code, 0, "{stderr}");

    for (old, new, threshold, expected) in [
        ("a.json", "b.json", "high", 1),     // LA101 on orders is new
        ("a.json", "b.json", "critical", 0), // nothing critical
        ("a.json", "b.json", "never", 0),
        ("b.json", "c.json", "high", 0), // only resolved high, new medium and below
        ("b.json", "c.json", "medium", 1), // LA406 on batch
        ("b.json", "b.json", "info", 0), // nothing new at all
        ("a.json", "a.json", "info", 0), // a known high finding is not new
    ] {
        let (code, _, stderr) = run_in(dir.path(), &["diff", old, new, "--fail-on", threshold]);
        assert_eq!(
            code, expected,
            "diff {old} {new} --fail-on {threshold}: {stderr}"
        );
    }
}

#[test]
fn diff_fail_on_ignores_new_findings_that_are_suppressed() {
    let dir = reports();
    // Week 2 again, with security's suppression of the new public function.
    std::fs::write(
        dir.path().join("suppress.toml"),
        "[[suppress]]\ncheck = \"LA101\"\nresource = \"arn:aws:lambda:*:function:orders\"\nreason = \"public status page\"\nowner = \"security\"\nexpires = 2026-12-31\n",
    )
    .unwrap();
    let (code, _, stderr) = run_in(
        dir.path(),
        &[
            "audit",
            "--from-snapshot",
            "week2.json",
            "--config",
            "suppress.toml",
            "--format",
            "json",
            "--output",
            "b-suppressed.json",
        ],
    );
    assert_eq!(code, 0, "the audit itself passes: {stderr}");
    let (code, stdout, stderr) = run_in(
        dir.path(),
        &["diff", "a.json", "b-suppressed.json", "--fail-on", "high"],
    );
    assert_eq!(
        code, 0,
        "a suppressed finding must not fail the diff either: {stdout}{stderr}"
    );
    // It is still reported as new, marked.
    assert!(stdout.contains("LA101 orders"), "{stdout}");
    assert!(stdout.contains("suppressed"), "{stdout}");
}

/// Writes `text` to `name` in `dir` and returns the error `diff` and `audit --baseline`
/// print for it (both exit 2, with nothing on stdout).
fn refused(dir: &Path, name: &str, text: &str) -> String {
    std::fs::write(dir.join(name), text).unwrap();
    let (code, stdout, stderr) = run_in(dir, &["diff", name, "b.json"]);
    assert_eq!(code, 2, "diff {name}: {stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    let (code, stdout, audit_stderr) = run_in(
        dir,
        &["audit", "--from-snapshot", "week2.json", "--baseline", name],
    );
    assert_eq!(code, 2, "audit --baseline {name}: {audit_stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    assert_eq!(stderr, audit_stderr);
    stderr
}

#[test]
fn files_that_are_not_reports_exit_2_naming_file_position_and_field() {
    let dir = reports();
    let a = read(dir.path(), "a.json");

    // A report whose finding has a severity no version ever wrote.
    let mut bad = a.clone();
    bad["findings"][0]["severity"] = json!("severe");
    let text = serde_json::to_string_pretty(&bad).unwrap();
    let line = text.lines().position(|l| l.contains("\"severe\"")).unwrap() + 1;
    let message = refused(dir.path(), "bad-severity.json", &text);
    assert!(
        message.contains(&format!("bad-severity.json:{line}:")),
        "{message}"
    );
    assert!(message.contains("`findings[0].severity`"), "{message}");
    assert!(message.contains("severe"), "{message}");

    // A finding without its fingerprint.
    let mut bad = a.clone();
    bad["findings"][1]
        .as_object_mut()
        .unwrap()
        .remove("fingerprint");
    let message = refused(
        dir.path(),
        "no-fingerprint.json",
        &serde_json::to_string_pretty(&bad).unwrap(),
    );
    assert!(message.contains("no-fingerprint.json:"), "{message}");
    assert!(message.contains("`findings[1]`"), "{message}");
    assert!(message.contains("fingerprint"), "{message}");

    // A snapshot is JSON but not a report.
    let message = refused(
        dir.path(),
        "snapshot-not-report.json",
        &std::fs::read_to_string(dir.path().join("week1.json")).unwrap(),
    );
    assert!(message.contains("snapshot-not-report.json:"), "{message}");
    assert!(message.contains("report_version"), "{message}");
    assert!(
        message.contains("a lambda-audit JSON report is expected"),
        "{message}"
    );

    // Not JSON at all: the position of the first bad character.
    let message = refused(
        dir.path(),
        "not-json.json",
        "{\n  \"report_version\": 1,\n  oops\n}\n",
    );
    assert!(message.contains("not-json.json:3:3:"), "{message}");
}

#[test]
fn another_report_version_is_refused_by_its_version() {
    let dir = reports();
    let a = read(dir.path(), "a.json");
    // Version 2 with the same shape.
    let mut v2 = a.clone();
    v2["report_version"] = json!(2);
    let message = refused(
        dir.path(),
        "v2.json",
        &serde_json::to_string_pretty(&v2).unwrap(),
    );
    assert!(message.contains("v2.json"), "{message}");
    assert!(message.contains("report_version 2"), "{message}");
    // Version 2 with another shape: the version is what is wrong, not a missing field.
    let mut v2 = json!({"report_version": 2, "collected_at": "2026-06-01T00:00:00Z"});
    v2["results"] = a["findings"].clone();
    let message = refused(
        dir.path(),
        "v2-shape.json",
        &serde_json::to_string_pretty(&v2).unwrap(),
    );
    assert!(message.contains("v2-shape.json"), "{message}");
    assert!(message.contains("report_version 2"), "{message}");
    assert!(!message.contains("missing field"), "{message}");
    // A version that is not a number.
    let mut bad = a.clone();
    bad["report_version"] = json!("1");
    let message = refused(
        dir.path(),
        "string-version.json",
        &serde_json::to_string_pretty(&bad).unwrap(),
    );
    assert!(message.contains("string-version.json:2:"), "{message}");
    assert!(message.contains("`report_version`"), "{message}");
}

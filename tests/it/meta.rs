//! Tests about the project itself: every check documented and tested, ids stable and
//! unique, the shipped IAM policy in step with the calls the code can make.

use lambda_audit::checks::registry;
use lambda_audit::collect::guard::READ_ONLY_OPERATIONS;
use std::collections::BTreeSet;
use std::path::Path;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const SECTIONS: [&str; 4] = [
    "## What it finds",
    "## How we know",
    "## Why it is a risk",
    "## How to fix",
];

#[test]
fn every_check_has_a_well_formed_doc_and_a_unique_id() {
    let mut ids = BTreeSet::new();
    let mut names = BTreeSet::new();
    for check in registry() {
        let m = check.meta();
        assert!(ids.insert(m.id), "duplicate id {}", m.id);
        assert!(names.insert(m.name), "duplicate name {}", m.name);
        assert!(
            m.id.len() == 5
                && m.id.starts_with("LA")
                && m.id[2..].chars().all(|c| c.is_ascii_digit()),
            "{} does not follow LAnnn",
            m.id
        );
        assert!(
            m.name.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
            "{} is not kebab-case",
            m.name
        );
        let first_line = m.doc.lines().next().unwrap_or_default();
        assert_eq!(
            first_line,
            format!("# {}: {}", m.id, m.name),
            "doc title of {}",
            m.id
        );
        let mut last = 0;
        for section in SECTIONS {
            let at = m
                .doc
                .find(section)
                .unwrap_or_else(|| panic!("{} lacks `{section}`", m.id));
            assert!(at > last, "{}: `{section}` is out of order", m.id);
            last = at;
        }
        assert!(!m.references.is_empty(), "{} has no references", m.id);
    }
}

#[test]
fn every_doc_has_a_check() {
    let ids: BTreeSet<String> = registry().iter().map(|c| c.meta().id.to_string()).collect();
    for entry in std::fs::read_dir(Path::new(ROOT).join("checks")).expect("checks/ exists") {
        let path = entry.expect("readable").path();
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_string();
        if path.extension().is_some_and(|e| e == "md") {
            assert!(
                ids.contains(&stem),
                "checks/{stem}.md documents no registered check"
            );
        }
    }
}

#[test]
fn every_check_has_a_failing_and_a_passing_fixture_test() {
    let mut sources = String::new();
    for entry in std::fs::read_dir(Path::new(ROOT).join("tests/it")).expect("tests/it exists") {
        let path = entry.expect("readable").path();
        if path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with("check_"))
        {
            sources.push_str(&std::fs::read_to_string(&path).expect("readable"));
        }
    }
    for check in registry() {
        let id = check.meta().id.to_lowercase();
        for kind in ["flags", "passes"] {
            assert!(
                sources.contains(&format!("fn {id}_{kind}_")),
                "{} has no `{id}_{kind}_…` fixture test",
                check.meta().id
            );
        }
    }
}

#[test]
fn shipped_iam_policy_grants_exactly_the_calls_the_code_can_make() {
    let text = std::fs::read_to_string(Path::new(ROOT).join("docs/iam-policy.json"))
        .expect("docs/iam-policy.json");
    let policy: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
    let mut granted = BTreeSet::new();
    for statement in policy["Statement"].as_array().expect("statements") {
        assert_eq!(statement["Effect"], "Allow");
        for action in statement["Action"].as_array().expect("action list") {
            granted.insert(action.as_str().expect("string").to_string());
        }
    }
    let needed: BTreeSet<String> = READ_ONLY_OPERATIONS
        .iter()
        .map(|o| o.iam_action.to_string())
        .collect();
    assert_eq!(
        granted, needed,
        "docs/iam-policy.json and READ_ONLY_OPERATIONS differ"
    );
}

#[test]
fn explain_prints_each_checks_doc_and_checks_lists_them_all() {
    let binary = env!("CARGO_BIN_EXE_lambda-audit");
    let listing = std::process::Command::new(binary)
        .arg("checks")
        .output()
        .expect("runs");
    let listing = String::from_utf8_lossy(&listing.stdout).into_owned();
    for check in registry() {
        let m = check.meta();
        assert!(
            listing.contains(m.id) && listing.contains(m.name),
            "`checks` omits {}",
            m.id
        );
        let out = std::process::Command::new(binary)
            .args(["explain", m.id])
            .output()
            .expect("runs");
        assert!(out.status.success(), "explain {} failed", m.id);
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            m.doc,
            "explain {}",
            m.id
        );
    }
    let unknown = std::process::Command::new(binary)
        .args(["explain", "LA999"])
        .output()
        .expect("runs");
    assert_eq!(unknown.status.code(), Some(2));
}

#[test]
fn check_ids_are_stable() {
    // An id never changes meaning: this list only ever grows. Changing a line here is a
    // breaking change for every user's suppressions and baselines.
    let expected = [
        ("LA101", "public-resource-policy"),
        ("LA102", "function-url-auth-none"),
        ("LA103", "service-invoke-without-source"),
        ("LA104", "cross-account-invoke"),
        ("LA105", "function-url-cors-any-origin"),
        ("LA106", "api-unauthenticated-route"),
        ("LA107", "stale-trigger"),
        ("LA108", "layer-from-untrusted-account"),
        ("LA109", "public-layer-version"),
        ("LA201", "runtime-deprecated"),
        ("LA202", "timeout-exceeds-trigger"),
        ("LA203", "async-without-failure-destination"),
        ("LA204", "event-source-without-failure-handling"),
        ("LA205", "no-reserved-concurrency"),
        ("LA206", "tracing-disabled"),
        ("LA207", "no-code-signing"),
        ("LA208", "missing-required-tags"),
        ("LA209", "vpc-single-subnet"),
        ("LA301", "secret-in-environment"),
        ("LA302", "environment-without-cmk"),
        ("LA401", "administrator-access"),
        ("LA402", "service-wide-or-write-on-star"),
        ("LA403", "data-exfiltration-on-star"),
        ("LA404", "privilege-escalation-path"),
        ("LA405", "excess-permissions"),
        ("LA406", "missing-permissions"),
        ("LA407", "shared-execution-role"),
        ("LA408", "permissive-trust-policy"),
        ("LA409", "others-can-modify-function"),
        ("LA410", "role-unused"),
        ("LA501", "unmanaged-function"),
        ("LA502", "declared-function-missing"),
        ("LA503", "function-configuration-drift"),
        ("LA504", "environment-drift"),
        ("LA505", "resource-policy-drift"),
        ("LA506", "function-url-drift"),
        ("LA507", "event-source-mapping-drift"),
        ("LA508", "execution-role-drift"),
    ];
    let actual: Vec<(&str, &str)> = registry()
        .iter()
        .map(|c| (c.meta().id, c.meta().name))
        .collect();
    assert_eq!(actual, expected);
}

#[test]
fn snapshot_round_trip_reproduces_findings() {
    use crate::support::*;
    use serde_json::json;
    let inv = inventory(vec![function(
        "open",
        json!({"policy": policy(json!([
            {"Effect": "Allow", "Principal": "*", "Action": "lambda:InvokeFunction", "Resource": "*"}
        ]))}),
    )]);
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("snap.json");
    lambda_audit::inventory::snapshot::write(&inv, &path).expect("written");
    let back = lambda_audit::inventory::snapshot::read(&path).expect("read back");
    assert_eq!(back, inv);
    let a = lambda_audit::checks::run_all(&inv).findings;
    let b = lambda_audit::checks::run_all(&back).findings;
    assert_eq!(a, b);
    assert_eq!(a.iter().filter(|f| f.check_id == "LA101").count(), 1);
}

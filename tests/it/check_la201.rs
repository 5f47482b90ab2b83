//! LA201 runtime-deprecated: judged at the inventory's collection date, never today's.

use crate::support::*;
use lambda_audit::checks::{CheckResults, run_with};
use lambda_audit::findings::Severity;
use lambda_audit::guardrails::Guardrails;
use serde_json::{Value, json};

/// Runs every check on `functions` as if collected on `date` (YYYY-MM-DD).
fn run_at(date: &str, functions: Vec<Value>, guardrails: &Guardrails) -> CheckResults {
    let mut inv = inventory(functions);
    inv.collected_at = format!("{date}T12:34:56Z");
    run_with(&inv, guardrails)
}

fn on(runtime: &str) -> Value {
    function("f", json!({"runtime": runtime}))
}

fn severities(r: &CheckResults) -> Vec<Severity> {
    findings_of(r, "LA201").iter().map(|f| f.severity).collect()
}

fn not_evaluated(r: &CheckResults) -> Vec<String> {
    r.not_evaluated
        .iter()
        .filter(|n| n.check_id == "LA201")
        .map(|n| n.reason.clone())
        .collect()
}

#[test]
fn la201_flags_deprecated_runtime_high() {
    let r = run_at("2026-01-01", vec![on("python3.9")], &Guardrails::default());
    let f = findings_of(&r, "LA201");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].severity, Severity::High);
    assert_eq!(f[0].resource_arn, function_arn("f"));
    assert_eq!(f[0].evidence["deprecation_date"], "2025-12-15");
    assert_eq!(f[0].evidence["audit_date"], "2026-01-01");
    assert_eq!(f[0].evidence["days_until_deprecation"], -17);
}

#[test]
fn la201_flags_runtime_deprecating_within_the_window_medium() {
    // nodejs20.x: 2026-04-30, 60 days after 2026-03-01.
    let r = run_at("2026-03-01", vec![on("nodejs20.x")], &Guardrails::default());
    assert_eq!(severities(&r), vec![Severity::Medium]);
    assert_eq!(
        findings_of(&r, "LA201")[0].evidence["days_until_deprecation"],
        60
    );
}

#[test]
fn la201_passes_supported_runtime() {
    let r = run_at("2026-01-01", vec![on("python3.13")], &Guardrails::default());
    assert!(severities(&r).is_empty());
    assert!(not_evaluated(&r).is_empty());
}

#[test]
fn la201_boundaries_deprecation_day_and_last_warning_day() {
    // python3.10: 2026-06-30.
    let g = Guardrails::default();
    assert_eq!(
        severities(&run_at("2026-06-30", vec![on("python3.10")], &g)),
        vec![Severity::High],
        "deprecated on the audit date itself"
    );
    assert_eq!(
        severities(&run_at("2026-06-29", vec![on("python3.10")], &g)),
        vec![Severity::Medium],
        "one day before"
    );
    assert_eq!(
        severities(&run_at("2026-04-01", vec![on("python3.10")], &g)),
        vec![Severity::Medium],
        "exactly 90 days ahead is inside the window"
    );
    assert!(
        severities(&run_at("2026-03-31", vec![on("python3.10")], &g)).is_empty(),
        "91 days ahead is outside"
    );
}

#[test]
fn la201_warning_window_comes_from_the_guardrails() {
    let wide = Guardrails {
        runtime_warning_days: 200,
        ..Guardrails::default()
    };
    let none = Guardrails {
        runtime_warning_days: 0,
        ..Guardrails::default()
    };
    // nodejs20.x is 119 days after 2026-01-01.
    assert!(
        severities(&run_at(
            "2026-01-01",
            vec![on("nodejs20.x")],
            &Guardrails::default()
        ))
        .is_empty()
    );
    assert_eq!(
        severities(&run_at("2026-01-01", vec![on("nodejs20.x")], &wide)),
        vec![Severity::Medium]
    );
    assert!(severities(&run_at("2026-04-29", vec![on("nodejs20.x")], &none)).is_empty());
    assert_eq!(
        severities(&run_at("2026-04-30", vec![on("nodejs20.x")], &none)),
        vec![Severity::High]
    );
}

#[test]
fn la201_passes_an_old_snapshot_judged_at_its_own_date() {
    // python3.8 is long deprecated today, but not when this snapshot was taken.
    let mut inv = inventory(vec![on("python3.8")]);
    inv.collected_at = "2023-06-01T00:00:00Z".to_string();
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("old.json");
    lambda_audit::inventory::snapshot::write(&inv, &path).expect("written");
    let back = lambda_audit::inventory::snapshot::read(&path).expect("read back");
    let r = run_with(&back, &Guardrails::default());
    assert!(severities(&r).is_empty(), "{:?}", findings_of(&r, "LA201"));
    // The same function collected after the date is flagged.
    inv.collected_at = "2024-10-14T00:00:00Z".to_string();
    assert_eq!(
        severities(&run_with(&inv, &Guardrails::default())),
        vec![Severity::High]
    );
}

#[test]
fn la201_flags_published_versions_on_old_runtimes() {
    let arn = function_arn("f");
    let f = function(
        "f",
        json!({
            "runtime": "python3.13",
            "versions": [
                {"version": "3", "arn": format!("{arn}:3"), "role": "r", "runtime": "python3.8",
                 "description": null, "code_sha256": null, "last_modified": null,
                 "environment": [], "policy": {"status": "collected", "value": null}},
                {"version": "4", "arn": format!("{arn}:4"), "role": "r", "runtime": "python3.13",
                 "description": null, "code_sha256": null, "last_modified": null,
                 "environment": [], "policy": {"status": "collected", "value": null}}
            ]
        }),
    );
    let r = run_at("2026-01-01", vec![f], &Guardrails::default());
    let found = findings_of(&r, "LA201");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].resource_arn, format!("{arn}:3"));
    assert_eq!(found[0].evidence["version"], "3");
    assert!(found[0].title.starts_with("f:3:"), "{}", found[0].title);
}

#[test]
fn la201_passes_image_functions_without_a_runtime() {
    let arn = function_arn("img");
    let f = function(
        "img",
        json!({
            "runtime": null, "handler": null, "package_type": "Image",
            "versions": [{"version": "1", "arn": format!("{arn}:1"), "role": "r", "runtime": null,
                 "description": null, "code_sha256": null, "last_modified": null,
                 "environment": [], "policy": {"status": "collected", "value": null}}]
        }),
    );
    let r = run_at("2026-01-01", vec![f], &Guardrails::default());
    assert!(severities(&r).is_empty());
    assert!(not_evaluated(&r).is_empty(), "{:?}", not_evaluated(&r));
}

#[test]
fn la201_reports_unknown_runtime_as_not_evaluated() {
    let r = run_at("2026-01-01", vec![on("python4.0")], &Guardrails::default());
    assert!(severities(&r).is_empty());
    let reasons = not_evaluated(&r);
    assert_eq!(reasons.len(), 1);
    assert!(reasons[0].contains("python4.0"), "{}", reasons[0]);
}

#[test]
fn la201_reports_zip_function_without_runtime_and_bad_date_as_not_evaluated() {
    let r = run_at(
        "2026-01-01",
        vec![function("z", json!({"runtime": null}))],
        &Guardrails::default(),
    );
    assert_eq!(not_evaluated(&r).len(), 1);
    let mut inv = inventory(vec![on("python3.8")]);
    inv.collected_at = "sometime".to_string();
    let r = run_with(&inv, &Guardrails::default());
    assert!(severities(&r).is_empty());
    assert_eq!(not_evaluated(&r).len(), 1);
}

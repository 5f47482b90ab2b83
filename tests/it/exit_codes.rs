//! Exit codes through the binary: 0 nothing open at or above `--fail-on`, 1 open findings
//! at or above it, 2 usage or configuration errors (before any output), 3 coverage gaps with
//! `--fail-on-gaps`.

use crate::support::*;
use crate::triage::{estate, public, run_in, snapshot, tagged};
use lambda_audit::inventory::{ApiFailure, CoverageGap, FailureKind};
use serde_json::json;
use std::path::Path;

/// A directory holding `clean.json` (no high finding: medium, low and info only) and
/// `public.json` (one high LA101 finding), both complete.
fn fixtures() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    snapshot(
        dir.path(),
        "clean.json",
        &estate(vec![tagged("quiet", json!({}), json!({}))]),
    );
    snapshot(
        dir.path(),
        "public.json",
        &estate(vec![tagged("open", json!({}), public())]),
    );
    dir
}

fn audit(dir: &Path, snapshot: &str, extra: &[&str]) -> (i32, String, String) {
    let mut args = vec!["audit", "--from-snapshot", snapshot];
    args.extend_from_slice(extra);
    run_in(dir, &args)
}

#[test]
fn exit_0_when_nothing_open_reaches_the_threshold() {
    let dir = fixtures();
    let (code, stdout, stderr) = audit(dir.path(), "clean.json", &[]);
    assert_eq!(code, 0, "{stderr}");
    // There are findings, just none at or above the default threshold (high).
    assert!(stdout.contains("[MEDIUM] LA406"), "{stdout}");
    let (code, _, stderr) = audit(dir.path(), "public.json", &["--fail-on", "critical"]);
    assert_eq!(code, 0, "{stderr}");
}

#[test]
fn exit_1_when_an_open_finding_reaches_the_threshold() {
    let dir = fixtures();
    let (code, stdout, stderr) = audit(dir.path(), "public.json", &[]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stdout.contains("[HIGH] LA101"), "{stdout}");
    for (threshold, expected) in [
        ("critical", 0),
        ("high", 0),
        ("medium", 1),
        ("low", 1),
        ("info", 1),
    ] {
        let (code, _, stderr) = audit(dir.path(), "clean.json", &["--fail-on", threshold]);
        assert_eq!(code, expected, "--fail-on {threshold}: {stderr}");
    }
}

#[test]
fn fail_on_never_exits_0_whatever_is_found() {
    let dir = fixtures();
    let (code, stdout, stderr) = audit(dir.path(), "public.json", &["--fail-on", "never"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("[HIGH] LA101"), "{stdout}");
    // Gaps still count with --fail-on-gaps: `never` is about findings only.
    let mut inv = estate(vec![tagged("open", json!({}), public())]);
    inv.coverage_gaps.push(gap());
    snapshot(dir.path(), "gap.json", &inv);
    let (code, _, stderr) = audit(
        dir.path(),
        "gap.json",
        &["--fail-on", "never", "--fail-on-gaps"],
    );
    assert_eq!(code, 3, "{stderr}");
}

#[test]
fn exit_2_on_a_bad_guardrails_file_before_any_report() {
    let dir = fixtures();
    std::fs::write(
        dir.path().join("bad.toml"),
        "[[suppress]]\ncheck = \"LA101\"\nresource = \"*\"\nreason = \"r\"\nowner = \"o\"\nexpires = \"tomorrow\"\n",
    )
    .expect("written");
    let (code, stdout, stderr) = audit(dir.path(), "public.json", &["--config", "bad.toml"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    assert!(
        stderr.contains("bad.toml:6: `suppress.expires`"),
        "{stderr}"
    );
}

#[test]
fn exit_2_on_an_unreadable_snapshot() {
    let dir = fixtures();
    let (code, stdout, stderr) = audit(dir.path(), "missing.json", &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    assert!(stderr.contains("missing.json"), "{stderr}");

    std::fs::write(
        dir.path().join("garbage.json"),
        "{\"schema_version\": 1,\n oops",
    )
    .unwrap();
    let (code, stdout, stderr) = audit(dir.path(), "garbage.json", &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    assert!(
        stderr.contains("garbage.json") && stderr.contains("line 2"),
        "{stderr}"
    );
}

#[test]
fn exit_2_on_several_formats_without_an_output_dir() {
    let dir = fixtures();
    for extra in [
        &["--format", "json", "--format", "markdown"][..],
        &["--format", "text", "--format", "json", "--output", "r.txt"][..],
    ] {
        let (code, stdout, stderr) = audit(dir.path(), "public.json", extra);
        assert_eq!(code, 2, "{extra:?}: {stderr}");
        assert!(stdout.is_empty(), "{extra:?}: {stdout}");
        assert!(stderr.contains("--output-dir"), "{extra:?}: {stderr}");
    }
    assert!(!dir.path().join("r.txt").exists());
    // The same format twice is one format.
    let (code, _, stderr) = audit(
        dir.path(),
        "clean.json",
        &["--format", "json", "--format", "json"],
    );
    assert_eq!(code, 0, "{stderr}");
    // --output and --output-dir together: a usage error from the parser.
    let (code, _, stderr) = audit(
        dir.path(),
        "clean.json",
        &["--output", "a.txt", "--output-dir", "out"],
    );
    assert_eq!(code, 2, "{stderr}");
}

#[test]
fn exit_2_on_a_baseline_that_is_not_a_report() {
    let dir = fixtures();
    // A snapshot is JSON, but not a report.
    let (code, stdout, stderr) = audit(dir.path(), "public.json", &["--baseline", "clean.json"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    assert!(
        stderr.contains("clean.json") && stderr.contains("report"),
        "{stderr}"
    );
    let (code, _, stderr) = audit(dir.path(), "public.json", &["--baseline", "nope.json"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("nope.json"), "{stderr}");
}

#[test]
fn exit_2_on_usage_errors() {
    let dir = fixtures();
    for args in [
        &[
            "audit",
            "--from-snapshot",
            "clean.json",
            "--fail-on",
            "severe",
        ][..],
        &["audit", "--from-snapshot", "clean.json", "--format", "pdf"][..],
        &["diff", "only-one.json"][..],
        &["audit", "--no-such-flag"][..],
    ] {
        let (code, _, stderr) = run_in(dir.path(), args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
    }
}

fn gap() -> CoverageGap {
    CoverageGap {
        account: "111122223333".into(),
        region: Some("us-east-1".into()),
        resource: None,
        failure: ApiFailure {
            operation: "lambda:ListEventSourceMappings".into(),
            kind: FailureKind::AccessDenied,
            code: "AccessDeniedException".into(),
            message: "denied".into(),
        },
    }
}

#[test]
fn exit_3_on_gaps_with_fail_on_gaps() {
    let dir = fixtures();
    // A complete snapshot passes --fail-on-gaps: the usual codes apply.
    let (code, _, stderr) = audit(dir.path(), "clean.json", &["--fail-on-gaps"]);
    assert_eq!(code, 0, "{stderr}");
    let (code, _, stderr) = audit(dir.path(), "public.json", &["--fail-on-gaps"]);
    assert_eq!(code, 1, "{stderr}");

    // A failed call recorded as a coverage gap.
    let mut inv = estate(vec![tagged("quiet", json!({}), json!({}))]);
    inv.coverage_gaps.push(gap());
    snapshot(dir.path(), "gap.json", &inv);
    let (code, stdout, stderr) = audit(dir.path(), "gap.json", &["--fail-on-gaps"]);
    assert_eq!(code, 3, "{stderr}");
    assert!(
        stdout.contains("Coverage gaps (1 failed call(s))"),
        "{stdout}"
    );
    let (code, _, stderr) = audit(dir.path(), "gap.json", &[]);
    assert_eq!(code, 0, "without --fail-on-gaps: {stderr}");

    // A field that could not be read (the resource policy): checks not evaluated. Gaps win
    // over findings.
    let failed_field = estate(vec![
        tagged(
            "locked",
            json!({}),
            json!({"policy": failed("lambda:GetPolicy")}),
        ),
        tagged("open", json!({}), public()),
    ]);
    snapshot(dir.path(), "failed-field.json", &failed_field);
    let (code, stdout, stderr) = audit(dir.path(), "failed-field.json", &["--fail-on-gaps"]);
    assert_eq!(code, 3, "{stderr}");
    assert!(stdout.contains("Not evaluated ("), "{stdout}");
    let (code, _, stderr) = audit(dir.path(), "failed-field.json", &[]);
    assert_eq!(code, 1, "without --fail-on-gaps: {stderr}");
}

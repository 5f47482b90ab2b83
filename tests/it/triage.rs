//! Triage after the checks: owners from tags, `[[suppress]]` entries (glob, expiry against
//! the audit date, unmatched ones), `lambda-audit:accept` tags, and `--fail-on` counting only
//! open findings. The helpers here build the fixed "estate" the other report tests share.

use crate::support::*;
use lambda_audit::checks::run_with;
use lambda_audit::findings::{Finding, FindingStatus, Severity, SuppressionRecord};
use lambda_audit::guardrails::Guardrails;
use lambda_audit::inventory::Inventory;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The audit date of every inventory built here (a fixed clock).
pub(crate) const COLLECTED_AT: &str = "2026-06-01T00:00:00Z";

/// A function with its own execution role `<name>-role` (collected by [`estate`], so the
/// permission checks evaluate) and `tags`, with `patch` applied.
pub(crate) fn tagged(name: &str, tags: Value, patch: Value) -> Value {
    let mut f = function(
        name,
        json!({
            "role": format!("arn:aws:iam::111122223333:role/{name}-role"),
            "tags": {"status": "collected", "value": tags},
        }),
    );
    merge(&mut f, &patch);
    f
}

/// A resource policy letting anyone invoke: one LA101 (high) finding.
pub(crate) fn public() -> Value {
    json!({"policy": policy(json!([{"Sid": "public", "Effect": "Allow", "Principal": "*",
        "Action": "lambda:InvokeFunction", "Resource": "*"}]))})
}

/// An inventory collected at [`COLLECTED_AT`] holding `functions` and, collected and used
/// recently, every execution role they name: no check is left unevaluated.
pub(crate) fn estate(functions: Vec<Value>) -> Inventory {
    let roles: Vec<Value> = functions
        .iter()
        .filter_map(|f| f["role"].as_str())
        .map(|arn| {
            let name = arn.rsplit('/').next().expect("role name");
            iam_role(name, json!({"last_used": "2026-05-30T00:00:00Z"}))
        })
        .collect();
    let mut inv = iam_inventory(functions, json!({ "roles": roles }));
    inv.collected_at = COLLECTED_AT.to_string();
    inv
}

pub(crate) fn guardrails(text: &str) -> Guardrails {
    Guardrails::parse(text, Path::new("lambda-audit.toml")).expect("guardrails parse")
}

/// Writes `inventory` as a snapshot `name` in `dir`.
pub(crate) fn snapshot(dir: &Path, name: &str, inventory: &Inventory) -> PathBuf {
    let path = dir.join(name);
    lambda_audit::inventory::snapshot::write(inventory, &path).expect("snapshot written");
    path
}

/// Runs the binary in `dir` (so no stray `lambda-audit.toml` is picked up) with `args`;
/// returns the exit code, stdout and stderr.
pub(crate) fn run_in(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_lambda-audit"))
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .args(args)
        .output()
        .expect("binary runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn one<'a>(findings: &'a [Finding], check: &str, function: &str) -> &'a Finding {
    let matching: Vec<&Finding> = findings
        .iter()
        .filter(|f| f.check_id == check && f.function_name.as_deref() == Some(function))
        .collect();
    assert_eq!(matching.len(), 1, "{check} on {function}: {matching:#?}");
    matching[0]
}

fn statuses(findings: &[Finding], check: &str) -> Vec<(String, FindingStatus)> {
    let mut out: Vec<_> = findings
        .iter()
        .filter(|f| f.check_id == check)
        .map(|f| (f.function_name.clone().unwrap_or_default(), f.status))
        .collect();
    out.sort();
    out
}

fn suppress(check: &str, resource: &str, expires: &str) -> String {
    format!(
        "[[suppress]]\ncheck = \"{check}\"\nresource = \"{resource}\"\nreason = \"signed webhook\"\nowner = \"security@example.com\"\nexpires = {expires}\n"
    )
}

fn arn(name: &str) -> String {
    function_arn(name)
}

#[test]
fn estate_is_complete_and_findings_are_open_by_default() {
    let r = run_with(
        &estate(vec![tagged(
            "pay-api",
            json!({"owner": "payments"}),
            public(),
        )]),
        &Guardrails::default(),
    );
    assert!(r.not_evaluated.is_empty(), "{:#?}", r.not_evaluated);
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    assert!(!r.findings.is_empty());
    for f in &r.findings {
        assert_eq!(f.status, FindingStatus::Open, "{f:#?}");
        assert_eq!(f.suppression, None);
        assert_eq!(f.owner.as_deref(), Some("payments"));
    }
    assert_eq!(
        one(&r.findings, "LA101", "pay-api").severity,
        Severity::High
    );
}

#[test]
fn suppression_marks_the_finding_and_records_why() {
    let inv = estate(vec![tagged(
        "pay-api",
        json!({"owner": "payments"}),
        public(),
    )]);
    let g = guardrails(&format!(
        "# risks we live with\n\n{}",
        suppress("LA101", &arn("pay-api"), "2026-12-31")
    ));
    let r = run_with(&inv, &g);
    let f = one(&r.findings, "LA101", "pay-api");
    assert_eq!(f.status, FindingStatus::Suppressed);
    assert!(!f.is_open());
    assert_eq!(
        f.suppression,
        Some(SuppressionRecord {
            source: "guardrails".into(),
            reason: "signed webhook".into(),
            owner: Some("security@example.com".into()),
            expires: Some("2026-12-31".into()),
            expired: false,
            line: Some(3),
        })
    );
    // The function's owner stays the owner; suppression does not change it.
    assert_eq!(f.owner.as_deref(), Some("payments"));
    // Other checks on the same function are untouched.
    let la206 = one(&r.findings, "LA206", "pay-api");
    assert_eq!(
        (la206.status, &la206.suppression),
        (FindingStatus::Open, &None)
    );
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    // Suppressed findings stay in the results.
    assert_eq!(
        r.findings.len(),
        run_with(&inv, &Guardrails::default()).findings.len()
    );
}

#[test]
fn resource_globs_match_star_and_question_mark_and_only_their_check() {
    let inv = estate(vec![
        tagged("pay-api", json!({}), public()),
        tagged("pay-batch", json!({}), public()),
        tagged("pay-apis", json!({}), public()),
        tagged("orders", json!({}), public()),
    ]);
    let star = guardrails(&suppress(
        "LA101",
        "arn:aws:lambda:us-east-1:111122223333:function:pay-*",
        "2026-12-31",
    ));
    let r = run_with(&inv, &star);
    assert_eq!(
        statuses(&r.findings, "LA101"),
        vec![
            ("orders".into(), FindingStatus::Open),
            ("pay-api".into(), FindingStatus::Suppressed),
            ("pay-apis".into(), FindingStatus::Suppressed),
            ("pay-batch".into(), FindingStatus::Suppressed),
        ]
    );
    assert!(
        r.findings
            .iter()
            .filter(|f| f.check_id != "LA101")
            .all(Finding::is_open)
    );

    // `*` spans colons: any region, any function.
    let anywhere = guardrails(&suppress("LA101", "arn:aws:lambda:*", "2026-12-31"));
    let r = run_with(&inv, &anywhere);
    assert!(
        statuses(&r.findings, "LA101")
            .iter()
            .all(|(_, s)| *s == FindingStatus::Suppressed)
    );

    // `?` is exactly one character.
    let one_char = guardrails(&suppress(
        "LA101",
        "arn:aws:lambda:us-east-1:111122223333:function:pay-ap?",
        "2026-12-31",
    ));
    let r = run_with(&inv, &one_char);
    assert_eq!(
        statuses(&r.findings, "LA101"),
        vec![
            ("orders".into(), FindingStatus::Open),
            ("pay-api".into(), FindingStatus::Suppressed),
            ("pay-apis".into(), FindingStatus::Open),
            ("pay-batch".into(), FindingStatus::Open),
        ]
    );

    // Without a wildcard the pattern is the whole ARN: a prefix does not match.
    let prefix = guardrails(&suppress(
        "LA101",
        "arn:aws:lambda:us-east-1:111122223333:function:pay",
        "2026-12-31",
    ));
    let r = run_with(&inv, &prefix);
    assert!(
        statuses(&r.findings, "LA101")
            .iter()
            .all(|(_, s)| *s == FindingStatus::Open)
    );
    assert_eq!(r.warnings.len(), 1, "{:?}", r.warnings);
}

#[test]
fn suppression_holds_on_its_expiry_date_and_lapses_the_day_after() {
    let inv = estate(vec![tagged("pay-api", json!({}), public())]);
    // The audit date is 2026-06-01: a suppression expiring that day still applies, as a
    // TOML date or a string.
    for expires in ["2026-06-01", "\"2026-06-01\"", "2026-06-02"] {
        let r = run_with(
            &inv,
            &guardrails(&suppress("LA101", &arn("pay-api"), expires)),
        );
        let f = one(&r.findings, "LA101", "pay-api");
        assert_eq!(f.status, FindingStatus::Suppressed, "{expires}");
        assert!(r.warnings.is_empty(), "{expires}: {:?}", r.warnings);
    }

    // Expired the day before the audit: open again, marked, and a warning naming the line.
    let text = format!(
        "[accept]\nby_tag = []\n\n{}",
        suppress("LA101", &arn("pay-api"), "2026-05-31")
    );
    let r = run_with(&inv, &guardrails(&text));
    let f = one(&r.findings, "LA101", "pay-api");
    assert_eq!(f.status, FindingStatus::Open);
    assert!(f.is_open());
    assert_eq!(
        f.suppression,
        Some(SuppressionRecord {
            source: "guardrails".into(),
            reason: "signed webhook".into(),
            owner: Some("security@example.com".into()),
            expires: Some("2026-05-31".into()),
            expired: true,
            line: Some(4),
        })
    );
    assert_eq!(r.warnings.len(), 1, "{:?}", r.warnings);
    let warning = &r.warnings[0];
    assert!(warning.contains("line 4"), "{warning}");
    assert!(warning.contains("expired"), "{warning}");
    assert!(warning.contains("2026-05-31"), "{warning}");
    assert!(warning.contains("LA101"), "{warning}");
}

#[test]
fn a_live_suppression_wins_over_an_expired_one() {
    let inv = estate(vec![tagged("pay-api", json!({}), public())]);
    let text = format!(
        "{}{}",
        suppress("LA101", "arn:aws:lambda:*:function:pay-*", "2026-01-31"),
        suppress("LA101", &arn("pay-api"), "2026-07-01")
    );
    let r = run_with(&inv, &guardrails(&text));
    let f = one(&r.findings, "LA101", "pay-api");
    assert_eq!(f.status, FindingStatus::Suppressed);
    let record = f.suppression.as_ref().expect("record");
    assert_eq!((record.line, record.expired), (Some(7), false));
    // The expired entry still matched: it is reported as expired, not as matching nothing.
    assert_eq!(r.warnings.len(), 1, "{:?}", r.warnings);
    assert!(r.warnings[0].contains("line 1"), "{:?}", r.warnings);
    assert!(r.warnings[0].contains("expired"), "{:?}", r.warnings);
}

#[test]
fn a_suppression_matching_nothing_is_a_warning() {
    let inv = estate(vec![tagged("pay-api", json!({}), public())]);
    let text = format!(
        "{}\n{}",
        suppress("LA101", &arn("pay-api"), "2026-12-31"),
        // Right resource, but the check has no finding there.
        suppress("LA102", &arn("pay-api"), "2026-12-31"),
    );
    let text = format!(
        "{text}\n{}",
        suppress(
            "LA101",
            "arn:aws:lambda:eu-west-1:111122223333:function:*",
            "2026-12-31"
        )
    );
    let r = run_with(&inv, &guardrails(&text));
    assert_eq!(
        one(&r.findings, "LA101", "pay-api").status,
        FindingStatus::Suppressed
    );
    assert_eq!(r.warnings.len(), 2, "{:?}", r.warnings);
    let about = |needle: &str| {
        r.warnings
            .iter()
            .find(|w| w.contains(needle))
            .unwrap_or_else(|| panic!("no warning about {needle}: {:?}", r.warnings))
    };
    let eu = about("eu-west-1");
    assert!(
        eu.contains("line 15") && eu.contains("matches no finding"),
        "{eu}"
    );
    let la102 = about("LA102");
    assert!(
        la102.contains("line 8") && la102.contains("matches no finding"),
        "{la102}"
    );
}

#[test]
fn accept_tag_is_honoured_only_for_allowed_checks() {
    let accept = |value: &str| json!({"owner": "payments", "lambda-audit:accept": value});
    let inv = estate(vec![tagged("pay-api", accept("LA206 LA101"), public())]);

    // Allowed for LA206: accepted, by the function's owner, without expiry.
    let g = guardrails("[accept]\nby_tag = [\"LA206\"]\n");
    let r = run_with(&inv, &g);
    let f = one(&r.findings, "LA206", "pay-api");
    assert_eq!(f.status, FindingStatus::Accepted);
    assert_eq!(
        f.suppression,
        Some(SuppressionRecord {
            source: "tag".into(),
            reason: "lambda-audit:accept tag on the function".into(),
            owner: Some("payments".into()),
            expires: None,
            expired: false,
            line: None,
        })
    );
    // Not allowed for LA101: stays open, with a warning naming the function and the check.
    let f = one(&r.findings, "LA101", "pay-api");
    assert_eq!((f.status, &f.suppression), (FindingStatus::Open, &None));
    assert_eq!(r.warnings.len(), 1, "{:?}", r.warnings);
    assert!(
        r.warnings[0].contains("pay-api")
            && r.warnings[0].contains("LA101")
            && r.warnings[0].contains("stays open"),
        "{:?}",
        r.warnings
    );
    // Checks the tag does not name are untouched.
    assert!(one(&r.findings, "LA205", "pay-api").is_open());

    // Without an [accept] section the tag accepts nothing.
    let r = run_with(&inv, &Guardrails::default());
    assert!(r.findings.iter().all(Finding::is_open));
    assert_eq!(r.warnings.len(), 2, "{:?}", r.warnings);
}

#[test]
fn accept_tag_values_split_on_space_plus_and_slash() {
    let g = guardrails("[accept]\nby_tag = [\"LA205\", \"LA206\", \"LA207\"]\n");
    for value in [
        "LA205 LA206",
        "LA205+LA206",
        "LA205/LA206",
        " la205  /+ la206 ",
    ] {
        let inv = estate(vec![tagged(
            "f",
            json!({"lambda-audit:accept": value}),
            json!({}),
        )]);
        let r = run_with(&inv, &g);
        assert_eq!(
            one(&r.findings, "LA205", "f").status,
            FindingStatus::Accepted,
            "{value:?}"
        );
        assert_eq!(
            one(&r.findings, "LA206", "f").status,
            FindingStatus::Accepted,
            "{value:?}"
        );
        assert_eq!(
            one(&r.findings, "LA207", "f").status,
            FindingStatus::Open,
            "{value:?}"
        );
        assert!(r.warnings.is_empty(), "{value:?}: {:?}", r.warnings);
        // An untagged function has no owner, and the acceptance says so.
        let f = one(&r.findings, "LA205", "f");
        assert_eq!(f.suppression.as_ref().and_then(|s| s.owner.clone()), None);
    }
    // Not a separator: a run-together value names no check.
    let inv = estate(vec![tagged(
        "f",
        json!({"lambda-audit:accept": "LA205LA206"}),
        json!({}),
    )]);
    let r = run_with(&inv, &g);
    assert!(r.findings.iter().all(Finding::is_open));
}

#[test]
fn a_suppression_wins_over_an_acceptance_tag() {
    let inv = estate(vec![tagged(
        "f",
        json!({"lambda-audit:accept": "LA206"}),
        json!({}),
    )]);
    let text = format!(
        "[accept]\nby_tag = [\"LA206\"]\n{}",
        suppress("LA206", &arn("f"), "2026-12-31")
    );
    let r = run_with(&inv, &guardrails(&text));
    let f = one(&r.findings, "LA206", "f");
    assert_eq!(f.status, FindingStatus::Suppressed);
    assert_eq!(
        f.suppression.as_ref().map(|s| s.source.as_str()),
        Some("guardrails")
    );
}

#[test]
fn owner_comes_from_the_first_owner_tag_present() {
    let inv = estate(vec![
        tagged(
            "both",
            json!({"team": "t-both", "owner": "o-both"}),
            json!({}),
        ),
        tagged("team-only", json!({"team": "t-only"}), json!({})),
        tagged(
            "blank-owner",
            json!({"owner": "  ", "team": "t-blank"}),
            json!({}),
        ),
        tagged("squad-only", json!({"squad": "s-only"}), json!({})),
        tagged("untagged", json!({}), json!({})),
    ]);
    let owner_of = |r: &lambda_audit::checks::CheckResults, name: &str| {
        let owners: Vec<Option<String>> = r
            .findings
            .iter()
            .filter(|f| f.function_name.as_deref() == Some(name))
            .map(|f| f.owner.clone())
            .collect();
        assert!(!owners.is_empty(), "{name} has findings");
        assert!(
            owners.windows(2).all(|w| w[0] == w[1]),
            "{name}: {owners:?}"
        );
        owners[0].clone()
    };

    let r = run_with(&inv, &Guardrails::default());
    assert_eq!(owner_of(&r, "both").as_deref(), Some("o-both"));
    assert_eq!(owner_of(&r, "team-only").as_deref(), Some("t-only"));
    assert_eq!(owner_of(&r, "blank-owner").as_deref(), Some("t-blank"));
    assert_eq!(owner_of(&r, "squad-only"), None);
    assert_eq!(owner_of(&r, "untagged"), None);

    // The guardrails' order decides.
    let r = run_with(
        &inv,
        &guardrails("[owners]\ntags = [\"team\", \"owner\"]\n"),
    );
    assert_eq!(owner_of(&r, "both").as_deref(), Some("t-both"));

    // A custom list replaces the default entirely.
    let r = run_with(&inv, &guardrails("[owners]\ntags = [\"squad\"]\n"));
    assert_eq!(owner_of(&r, "squad-only").as_deref(), Some("s-only"));
    assert_eq!(owner_of(&r, "both"), None);
    assert_eq!(owner_of(&r, "team-only"), None);
}

#[test]
fn findings_outside_a_function_have_no_owner() {
    // A role finding names no function: even though the role's only function is tagged,
    // the finding is not routed to that function's owner.
    let inv = estate(vec![tagged("f", json!({"owner": "payments"}), json!({}))]);
    let role_arn = "arn:aws:iam::111122223333:role/f-role";
    let mut findings = vec![Finding {
        check_id: "LA508".into(),
        check_name: "execution-role-drift".into(),
        severity: Severity::High,
        account: "111122223333".into(),
        region: "us-east-1".into(),
        resource_arn: role_arn.into(),
        function_name: None,
        title: "f-role: policy attached outside the template".into(),
        message: "m".into(),
        evidence: json!({}),
        fingerprint: lambda_audit::findings::fingerprint("LA508", role_arn, "x"),
        declared_at: None,
        owner: Some("stale".into()),
        status: FindingStatus::Open,
        suppression: None,
    }];
    let warnings = lambda_audit::triage::triage(&inv, &Guardrails::default(), &mut findings);
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(findings[0].owner, None);
    assert!(findings[0].is_open());

    // A layer finding (LA109) from the checks themselves: no function, no owner.
    let mut inv = estate(vec![tagged("f", json!({"owner": "payments"}), json!({}))]);
    inv.regions[0].layers = serde_json::from_value(json!([{
        "arn": "arn:aws:lambda:us-east-1:111122223333:layer:shared:1",
        "owner_account": "111122223333",
        "policy": policy(json!([{"Sid": "pub", "Effect": "Allow", "Principal": "*",
            "Action": "lambda:GetLayerVersion", "Resource": "*"}])),
    }]))
    .expect("layers");
    let r = run_with(&inv, &Guardrails::default());
    let layer: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.check_id == "LA109")
        .collect();
    assert_eq!(layer.len(), 1, "{layer:#?}");
    assert_eq!(
        (layer[0].function_name.as_deref(), &layer[0].owner),
        (None, &None)
    );
}

#[test]
fn triage_is_deterministic_across_days() {
    // Same snapshot, same guardrails: the same answer whatever today is, because only the
    // inventory's date is compared.
    let inv = estate(vec![tagged("pay-api", json!({}), public())]);
    let g = guardrails(&suppress("LA101", &arn("pay-api"), "2026-05-31"));
    let a = run_with(&inv, &g);
    let b = run_with(&inv, &g);
    assert_eq!(a.findings, b.findings);
    assert_eq!(a.warnings, b.warnings);
    let mut later = inv.clone();
    later.collected_at = "2026-05-31T23:59:59Z".into();
    let r = run_with(&later, &g);
    assert_eq!(
        one(&r.findings, "LA101", "pay-api").status,
        FindingStatus::Suppressed
    );
}

/// Through the binary: the only high finding is suppressed, so `--fail-on high` passes;
/// without the suppression it fails.
#[test]
fn only_open_findings_fail_the_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let inv = estate(vec![tagged(
        "pay-api",
        json!({"owner": "payments"}),
        public(),
    )]);
    let snap = snapshot(dir.path(), "snapshot.json", &inv);
    let snap = snap.to_str().expect("utf-8 path");
    std::fs::write(
        dir.path().join("suppress.toml"),
        suppress("LA101", &arn("pay-api"), "2026-06-01"),
    )
    .expect("written");
    std::fs::write(dir.path().join("none.toml"), "").expect("written");

    let (code, stdout, stderr) = run_in(
        dir.path(),
        &[
            "audit",
            "--from-snapshot",
            snap,
            "--config",
            "suppress.toml",
            "--fail-on",
            "high",
            "--format",
            "json",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let report: Value = serde_json::from_str(&stdout).expect("json");
    assert_eq!(report["summary"]["findings_by_severity"]["high"], 1);
    assert_eq!(report["summary"]["findings_by_status"]["suppressed"], 1);

    // Lower thresholds still see the open medium and low findings.
    let (code, _, stderr) = run_in(
        dir.path(),
        &[
            "audit",
            "--from-snapshot",
            snap,
            "--config",
            "suppress.toml",
            "--fail-on",
            "low",
        ],
    );
    assert_eq!(code, 1, "{stderr}");

    let (code, _, stderr) = run_in(
        dir.path(),
        &[
            "audit",
            "--from-snapshot",
            snap,
            "--config",
            "none.toml",
            "--fail-on",
            "high",
        ],
    );
    assert_eq!(code, 1, "{stderr}");

    // An expired suppression no longer protects the run, and says so on stderr.
    std::fs::write(
        dir.path().join("expired.toml"),
        suppress("LA101", &arn("pay-api"), "2026-05-31"),
    )
    .expect("written");
    let (code, _, stderr) = run_in(
        dir.path(),
        &[
            "audit",
            "--from-snapshot",
            snap,
            "--config",
            "expired.toml",
            "--fail-on",
            "high",
        ],
    );
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("warning: suppression at line 1") && stderr.contains("expired"),
        "{stderr}"
    );
}

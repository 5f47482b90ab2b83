//! The guardrails file: the shipped example parses, every error names its line and key, and
//! overrides take effect on a fixture inventory.

use crate::support::*;
use lambda_audit::checks::run_with;
use lambda_audit::findings::Severity;
use lambda_audit::guardrails::{Guardrails, GuardrailsError};
use serde_json::json;
use std::path::Path;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn parse(text: &str) -> Result<Guardrails, GuardrailsError> {
    Guardrails::parse(text, Path::new("lambda-audit.toml"))
}

/// Parses `text`, expects an error, and returns it with its rendered message.
fn error(text: &str) -> (GuardrailsError, String) {
    let err = parse(text).expect_err("should be rejected");
    let message = err.to_string();
    (err, message)
}

#[test]
fn example_file_parses_to_what_it_says() {
    let path = Path::new(ROOT).join("lambda-audit.example.toml");
    let g = Guardrails::load(&path).expect("the example parses");
    assert!(g.disabled_checks.contains("LA205"));
    assert_eq!(g.severity_overrides.get("LA206"), Some(&Severity::Medium));
    assert_eq!(g.runtime_warning_days, 90);
    assert_eq!(g.required_tags, vec!["owner", "team"]);
    assert!(g.allowed_invoker_accounts.contains("123456789012"));
    assert!(g.allowed_layer_accounts.contains("123456789012"));
    assert_eq!(g.max_timeout_seconds.api, Some(29));
    assert_eq!(g.max_timeout_seconds.url, Some(60));
    assert_eq!(g.max_timeout_seconds.r#async, Some(300));
    assert_eq!(g.max_timeout_seconds.sqs, None);
}

#[test]
fn timeout_limits_outside_lambdas_range_name_line_and_key() {
    let (err, message) = error("[thresholds.max_timeout_seconds]\napi = 29\nsqs = 901\n");
    assert_eq!(err.line(), Some(3), "{message}");
    assert!(
        message.contains("thresholds.max_timeout_seconds.sqs"),
        "{message}"
    );
    let (err, message) = error("[thresholds.max_timeout_seconds]\nsync = 10\n");
    assert_eq!(err.line(), Some(2), "{message}");
}

#[test]
fn readme_documents_the_same_format() {
    let readme = std::fs::read_to_string(Path::new(ROOT).join("README.md")).expect("README");
    assert!(readme.contains("## Guardrails file"));
    let start = readme.find("## Guardrails file").unwrap_or_default();
    let section = &readme[start..];
    let toml_block = section
        .split("```toml\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("a toml block in the Guardrails file section");
    parse(toml_block).expect("the README's example parses");
}

#[test]
fn empty_and_partial_files_keep_defaults() {
    assert_eq!(parse("").expect("parses"), Guardrails::default());
    let g = parse("[thresholds]\nrequired_tags = [\"owner\"]\n").expect("parses");
    assert_eq!(g.runtime_warning_days, 90);
    assert_eq!(g.required_tags, vec!["owner"]);
}

#[test]
fn unknown_top_level_key_names_line_and_key() {
    let (err, message) = error("[checks]\ndisabled = []\n\n[treshold]\nx = 1\n");
    assert_eq!(err.line(), Some(4), "{message}");
    assert!(message.starts_with("lambda-audit.toml:4:"), "{message}");
    assert!(message.contains("treshold"), "{message}");
}

#[test]
fn unknown_nested_key_names_line_and_key() {
    let (err, message) = error("[thresholds]\nruntime_warning_days = 30\nrequire_tags = [\"a\"]\n");
    assert_eq!(err.line(), Some(3), "{message}");
    assert!(message.contains("`thresholds.require_tags`"), "{message}");
}

#[test]
fn wrong_type_names_line() {
    let (err, message) = error("[thresholds]\n\nruntime_warning_days = \"ninety\"\n");
    assert_eq!(err.line(), Some(3), "{message}");
    assert!(matches!(err, GuardrailsError::Syntax { .. }));
    assert!(
        message.contains("`thresholds.runtime_warning_days`"),
        "{message}"
    );
    let (err, message) =
        error("[allow]\ninvoker_accounts = [\n  \"123456789012\",\n  123456789012,\n]\n");
    assert_eq!(err.line(), Some(4), "{message}");
    assert!(message.contains("`allow.invoker_accounts`"), "{message}");
}

#[test]
fn not_toml_names_line() {
    let (err, message) = error("[checks]\ndisabled = [\"LA205\"\n");
    assert!(matches!(err, GuardrailsError::Syntax { .. }), "{message}");
    assert!(err.line().is_some_and(|l| l >= 2), "{message}");
}

#[test]
fn unknown_check_id_in_disabled_names_line_and_key() {
    let (err, message) = error("[checks]\ndisabled = [\n  \"LA205\",\n  \"LA999\",\n]\n");
    assert_eq!(err.line(), Some(4), "{message}");
    assert!(message.contains("`checks.disabled`"), "{message}");
    assert!(message.contains("LA999"), "{message}");
}

#[test]
fn unknown_check_id_in_severity_names_line_and_key() {
    let (err, message) = error("[checks.severity]\nLA206 = \"low\"\nLA998 = \"high\"\n");
    assert_eq!(err.line(), Some(3), "{message}");
    assert!(message.contains("`checks.severity.LA998`"), "{message}");
}

#[test]
fn bad_severity_word_names_line_and_key() {
    let (err, message) = error("# comment\n[checks.severity]\nLA206 = \"severe\"\n");
    assert_eq!(err.line(), Some(3), "{message}");
    assert!(message.contains("`checks.severity.LA206`"), "{message}");
    assert!(message.contains("severe"), "{message}");
}

#[test]
fn malformed_account_ids_name_line_and_key() {
    let (err, message) =
        error("[allow]\ninvoker_accounts = [\"123456789012\"]\nlayer_accounts = [\"12345\"]\n");
    assert_eq!(err.line(), Some(3), "{message}");
    assert!(message.contains("`allow.layer_accounts`"), "{message}");
    let (err, message) = error("[allow]\ninvoker_accounts = [\"12345678901x\"]\n");
    assert_eq!(err.line(), Some(2), "{message}");
    assert!(message.contains("`allow.invoker_accounts`"), "{message}");
}

#[test]
fn negative_days_name_line_and_key() {
    let (err, message) = error("[thresholds]\nruntime_warning_days = -1\n");
    assert_eq!(err.line(), Some(2), "{message}");
    assert!(
        message.contains("`thresholds.runtime_warning_days`"),
        "{message}"
    );
    assert!(matches!(err, GuardrailsError::Invalid { .. }));
}

#[test]
fn ids_are_case_insensitive_and_canonicalised() {
    let g = parse("[checks]\ndisabled = [\"la205\"]\n[checks.severity]\nla206 = \"HIGH\"\n")
        .expect("parses");
    assert!(g.disabled_checks.contains("LA205"));
    assert_eq!(g.severity_overrides.get("LA206"), Some(&Severity::High));
}

#[test]
fn discover_uses_cwd_file_explicit_file_or_defaults() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (g, file) = Guardrails::discover(None, dir.path()).expect("defaults");
    assert_eq!((g, file), (Guardrails::default(), None));

    std::fs::write(
        dir.path().join("lambda-audit.toml"),
        "[thresholds]\nruntime_warning_days = 7\n",
    )
    .expect("written");
    let (g, file) = Guardrails::discover(None, dir.path()).expect("found in dir");
    assert_eq!(g.runtime_warning_days, 7);
    assert_eq!(file, Some(dir.path().join("lambda-audit.toml")));

    let missing = dir.path().join("nope.toml");
    let err = Guardrails::discover(Some(&missing), dir.path()).expect_err("missing --config");
    assert!(matches!(err, GuardrailsError::Read { .. }));
    assert!(err.to_string().contains("nope.toml"), "{err}");
}

#[test]
fn severity_override_and_disabled_check_take_effect() {
    let inv = inventory(vec![function("f", json!({"tracing_mode": "PassThrough"}))]);
    let defaults = run_with(&inv, &Guardrails::default());
    assert!(defaults.findings.iter().any(|f| f.check_id == "LA205"));
    assert!(
        defaults
            .findings
            .iter()
            .any(|f| f.check_id == "LA206" && f.severity == Severity::Low)
    );

    let g = parse("[checks]\ndisabled = [\"LA205\"]\n[checks.severity]\nLA206 = \"medium\"\n")
        .expect("parses");
    let r = run_with(&inv, &g);
    assert!(!r.findings.iter().any(|f| f.check_id == "LA205"));
    assert!(!r.per_check.iter().any(|c| c.check_id == "LA205"));
    let la206: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.check_id == "LA206")
        .collect();
    assert_eq!(la206.len(), 1);
    assert_eq!(la206[0].severity, Severity::Medium);
}

/// The binary: a missing `--config` file and a broken `lambda-audit.toml` in the working
/// directory both stop the audit with exit 2 before anything else happens.
#[test]
fn audit_exits_2_on_missing_or_invalid_guardrails() {
    use std::process::Command;
    let bin = env!("CARGO_BIN_EXE_lambda-audit");
    let snapshot = Path::new(ROOT).join("tests/fixtures/inventory-base.json");
    let dir = tempfile::tempdir().expect("tempdir");

    let out = Command::new(bin)
        .current_dir(dir.path())
        .args(["audit", "--from-snapshot"])
        .arg(&snapshot)
        .args(["--config", "missing.toml"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing.toml"));

    // No file in the working directory: the defaults, and a clean exit.
    let out = Command::new(bin)
        .current_dir(dir.path())
        .args(["audit", "--from-snapshot"])
        .arg(&snapshot)
        .output()
        .expect("runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    std::fs::write(
        dir.path().join("lambda-audit.toml"),
        "[checks.severity]\nLA206 = \"severe\"\n",
    )
    .expect("written");
    let out = Command::new(bin)
        .current_dir(dir.path())
        .args(["audit", "--from-snapshot"])
        .arg(&snapshot)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("lambda-audit.toml:2: `checks.severity.LA206`"),
        "{stderr}"
    );
}

// ---- [[suppress]], [accept] and [owners] ----

use lambda_audit::guardrails::Suppression;

const ARN: &str = "arn:aws:lambda:us-east-1:111122223333:function:pay-*";

/// A `[[suppress]]` entry with `check`, `resource`, `reason`, `owner` and `expires`, each
/// given as TOML text (so a test can omit, empty or retype one); `None` leaves it out.
fn suppress_entry(fields: [(&str, Option<&str>); 5]) -> String {
    let mut text = String::from("[[suppress]]\n");
    for (key, value) in fields {
        if let Some(value) = value {
            text.push_str(&format!("{key} = {value}\n"));
        }
    }
    text
}

fn full_entry() -> [(&'static str, Option<&'static str>); 5] {
    [
        ("check", Some("\"LA101\"")),
        (
            "resource",
            Some("\"arn:aws:lambda:us-east-1:111122223333:function:pay-*\""),
        ),
        ("reason", Some("\"public webhook; payloads are signed\"")),
        ("owner", Some("\"security@example.com\"")),
        ("expires", Some("2026-12-31")),
    ]
}

#[test]
fn suppress_entries_parse_with_toml_or_string_dates() {
    let text = format!(
        "# accepted risks\n{}\n[[suppress]]\ncheck = \"la206\"\nresource = \" arn:aws:lambda:*:111122223333:function:batch-?? \"\nreason = \" tracing costs too much \"\nowner = \"team-batch\"\nexpires = \"2027-01-15\"\n",
        suppress_entry(full_entry())
    );
    let g = parse(&text).expect("parses");
    assert_eq!(
        g.suppressions,
        vec![
            Suppression {
                check: "LA101".into(),
                resource: ARN.into(),
                reason: "public webhook; payloads are signed".into(),
                owner: "security@example.com".into(),
                expires: "2026-12-31".into(),
                line: 2,
            },
            Suppression {
                check: "LA206".into(),
                resource: "arn:aws:lambda:*:111122223333:function:batch-??".into(),
                reason: "tracing costs too much".into(),
                owner: "team-batch".into(),
                expires: "2027-01-15".into(),
                line: 9,
            },
        ]
    );
    // Nothing else changes.
    assert_eq!(
        Guardrails {
            suppressions: Vec::new(),
            ..g
        },
        Guardrails::default()
    );
}

#[test]
fn suppress_entry_missing_a_field_names_line_and_field() {
    for (i, (field, _)) in full_entry().iter().enumerate() {
        let mut fields = full_entry();
        fields[i].1 = None;
        let text = format!("[checks]\ndisabled = []\n\n{}", suppress_entry(fields));
        let (err, message) = error(&text);
        assert!(matches!(err, GuardrailsError::Syntax { .. }), "{message}");
        assert_eq!(err.line(), Some(4), "{field}: {message}");
        assert!(message.starts_with("lambda-audit.toml:4:"), "{message}");
        assert!(message.contains("suppress"), "{message}");
        assert!(
            message.contains(&format!("`{field}`")),
            "{field}: {message}"
        );
    }
}

#[test]
fn suppress_entry_with_an_empty_field_names_line_and_key() {
    // resource, reason and owner: empty or blank is refused on the field's own line.
    for (i, field) in [(1, "resource"), (2, "reason"), (3, "owner")] {
        for blank in ["\"\"", "\"   \""] {
            let mut fields = full_entry();
            fields[i].1 = Some(blank);
            let (err, message) = error(&suppress_entry(fields));
            assert!(matches!(err, GuardrailsError::Invalid { .. }), "{message}");
            assert_eq!(err.line(), Some(i + 2), "{field}: {message}");
            assert!(
                message.contains(&format!("`suppress.{field}`")),
                "{field}: {message}"
            );
        }
    }
    // An empty check id is no check; an empty date is no date.
    let mut fields = full_entry();
    fields[0].1 = Some("\"\"");
    let (err, message) = error(&suppress_entry(fields));
    assert_eq!(err.line(), Some(2), "{message}");
    assert!(message.contains("`suppress.check`"), "{message}");
    let mut fields = full_entry();
    fields[4].1 = Some("\"\"");
    let (err, message) = error(&suppress_entry(fields));
    assert_eq!(err.line(), Some(6), "{message}");
    assert!(message.contains("`suppress.expires`"), "{message}");
}

#[test]
fn suppress_entry_with_a_bad_date_names_line_and_key() {
    for bad in [
        "\"2027-13-01\"",
        "\"2027-00-10\"",
        "\"2027-01-32\"",
        "\"2027-02-30\"",
        "\"2026-02-29\"",
        "\"tomorrow\"",
        "\"2027-1-1\"",
        "\"27-01-01\"",
        "\"2027-01-01T10:00:00Z\"",
        "\"2027/01/01\"",
        "2027-01-01T10:00:00",
        "2027-01-01T10:00:00Z",
        "10:00:00",
        "20270101",
        "true",
    ] {
        let mut fields = full_entry();
        fields[4].1 = Some(bad);
        let text = format!("\n{}", suppress_entry(fields));
        let (err, message) = error(&text);
        assert_eq!(err.line(), Some(7), "{bad}: {message}");
        assert!(message.contains("`suppress.expires`"), "{bad}: {message}");
        assert!(message.contains("YYYY-MM-DD"), "{bad}: {message}");
    }
    // A leap day is a date.
    let mut fields = full_entry();
    fields[4].1 = Some("\"2028-02-29\"");
    let g = parse(&suppress_entry(fields)).expect("2028-02-29 exists");
    assert_eq!(g.suppressions[0].expires, "2028-02-29");
}

#[test]
fn suppress_entry_with_an_impossible_toml_date_names_its_line() {
    // Not even TOML: the parser refuses it, still naming the line and key.
    let mut fields = full_entry();
    fields[4].1 = Some("2027-13-01");
    let (err, message) = error(&format!("\n\n{}", suppress_entry(fields)));
    assert!(matches!(err, GuardrailsError::Syntax { .. }), "{message}");
    assert_eq!(err.line(), Some(8), "{message}");
    assert!(message.contains("`suppress.expires`"), "{message}");
}

#[test]
fn suppress_entry_with_an_unknown_check_names_line_and_key() {
    let mut fields = full_entry();
    fields[0].1 = Some("\"LA999\"");
    let (err, message) = error(&format!(
        "{}\n{}",
        suppress_entry(full_entry()),
        suppress_entry(fields)
    ));
    assert!(matches!(err, GuardrailsError::Invalid { .. }), "{message}");
    assert_eq!(err.line(), Some(9), "{message}");
    assert!(message.contains("`suppress.check`"), "{message}");
    assert!(message.contains("LA999"), "{message}");
}

#[test]
fn unknown_keys_in_the_new_sections_name_line_and_key() {
    let text = format!("{}until = 2027-01-01\n", suppress_entry(full_entry()));
    let (err, message) = error(&text);
    assert!(matches!(err, GuardrailsError::Syntax { .. }), "{message}");
    assert_eq!(err.line(), Some(7), "{message}");
    assert!(message.contains("`suppress.until`"), "{message}");

    let (err, message) = error("[accept]\nby_tag = [\"LA205\"]\nby_tags = [\"LA206\"]\n");
    assert_eq!(err.line(), Some(3), "{message}");
    assert!(message.contains("`accept.by_tags`"), "{message}");

    let (err, message) = error("[owners]\ntag = [\"owner\"]\n");
    assert_eq!(err.line(), Some(2), "{message}");
    assert!(message.contains("`owners.tag`"), "{message}");

    // A single table where an array of tables is expected is a type error, not ignored.
    let text = suppress_entry(full_entry()).replace("[[suppress]]", "[suppress]");
    let (err, message) = error(&text);
    assert!(matches!(err, GuardrailsError::Syntax { .. }), "{message}");
    assert_eq!(err.line(), Some(1), "{message}");
}

#[test]
fn accept_by_tag_parses_and_rejects_unknown_ids() {
    let g = parse("[accept]\nby_tag = [\"LA205\", \"la206\"]\n").expect("parses");
    assert_eq!(
        g.accept_by_tag
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
        vec!["LA205", "LA206"]
    );
    assert!(Guardrails::default().accept_by_tag.is_empty());

    let (err, message) = error("[accept]\nby_tag = [\n  \"LA205\",\n  \"LA2O6\",\n]\n");
    assert!(matches!(err, GuardrailsError::Invalid { .. }), "{message}");
    assert_eq!(err.line(), Some(4), "{message}");
    assert!(message.contains("`accept.by_tag`"), "{message}");
    assert!(message.contains("LA2O6"), "{message}");
}

#[test]
fn owners_tags_replace_the_default_and_refuse_empty_keys() {
    assert_eq!(Guardrails::default().owner_tags, vec!["owner", "team"]);
    let g = parse("[owners]\ntags = [\"squad\", \" cost-center \"]\n").expect("parses");
    assert_eq!(g.owner_tags, vec!["squad", "cost-center"]);

    let (err, message) = error("[owners]\ntags = [\n  \"squad\",\n  \"\",\n]\n");
    assert!(matches!(err, GuardrailsError::Invalid { .. }), "{message}");
    assert_eq!(err.line(), Some(4), "{message}");
    assert!(message.contains("`owners.tags`"), "{message}");
    let (err, message) = error("[owners]\ntags = [\"  \"]\n");
    assert_eq!(err.line(), Some(2), "{message}");
    assert!(message.contains("`owners.tags`"), "{message}");
}

//! The text, JSON and Markdown reports: several formats from one run agree; snapshots of a
//! fixed audit (several owners, a suppressed and an accepted finding, a baseline); hostile
//! names and tags can neither break a Markdown table nor reach a terminal as escapes.

use crate::triage::{estate, guardrails, public, run_in, snapshot, tagged};
use lambda_audit::baseline::{self, BaselineSummary, ReportFindings};
use lambda_audit::checks::{CheckResults, run_with};
use lambda_audit::findings::FindingStatus;
use lambda_audit::inventory::Inventory;
use lambda_audit::report::{Audit, json as json_report, markdown, text};
use serde_json::{Value, json};
use std::path::Path;

/// Security's suppression of `pay-api`'s public policy; owners may accept LA206 by tag;
/// LA205 and LA207 (one each per function) left out to keep the reports short.
const GUARDRAILS: &str = r#"[checks]
disabled = ["LA205", "LA207"]

[accept]
by_tag = ["LA206"]

[[suppress]]
check = "LA101"
resource = "arn:aws:lambda:us-east-1:111122223333:function:pay-api"
reason = "public webhook; every payload is signed"
owner = "security@example.com"
expires = 2026-09-30
"#;

/// Four functions, three owners (one of them none): `pay-api` public but suppressed,
/// `pay-batch` accepting LA206 by tag, `orders` public and open, `legacy` untagged.
fn fixed_estate() -> Inventory {
    estate(vec![
        tagged("pay-api", json!({"owner": "payments"}), public()),
        tagged(
            "pay-batch",
            json!({"owner": "payments", "lambda-audit:accept": "LA206"}),
            json!({}),
        ),
        tagged("orders", json!({"team": "orders"}), public()),
        tagged("legacy", json!({}), json!({})),
    ])
}

/// A baseline from a week before: `legacy`'s findings were already known; a retired
/// function's public policy has been resolved since.
fn baseline_for(results: &CheckResults) -> ReportFindings {
    let known: Vec<Value> = results
        .findings
        .iter()
        .filter(|f| f.function_name.as_deref() == Some("legacy"))
        .map(|f| {
            json!({"check_id": f.check_id, "severity": f.severity, "region": f.region,
                   "resource_arn": f.resource_arn, "title": f.title,
                   "fingerprint": f.fingerprint, "function_name": f.function_name,
                   "owner": f.owner})
        })
        .collect();
    assert!(!known.is_empty());
    let mut findings = known;
    findings.push(json!({
        "check_id": "LA101", "severity": "high", "region": "us-east-1",
        "resource_arn": "arn:aws:lambda:us-east-1:111122223333:function:retired",
        "title": "retired: anyone can invoke", "fingerprint": "00112233445566778899aabbccddeeff",
        "function_name": "retired", "owner": "payments"
    }));
    serde_json::from_value(json!({
        "report_version": 1, "collected_at": "2026-05-25T00:00:00Z", "findings": findings,
        "summary": {"ignored": true}
    }))
    .expect("a baseline")
}

/// The fixed audit: results after triage and the baseline.
fn fixed_audit(inv: &Inventory) -> (CheckResults, BaselineSummary) {
    let mut results = run_with(inv, &guardrails(GUARDRAILS));
    let base = baseline_for(&results);
    let summary = baseline::apply(Path::new("baseline.json"), &base, &mut results.findings);
    (results, summary)
}

/// Replaces what changes with every release (the tool's version).
fn normalise(text: &str) -> String {
    text.replace(env!("CARGO_PKG_VERSION"), "[version]")
}

#[test]
fn fixed_audit_is_what_the_snapshots_say() {
    let inv = fixed_estate();
    let (results, summary) = fixed_audit(&inv);
    // The premises, so a snapshot cannot silently lose them.
    let status_of = |check: &str, function: &str| {
        results
            .findings
            .iter()
            .find(|f| f.check_id == check && f.function_name.as_deref() == Some(function))
            .map(|f| f.status)
    };
    assert_eq!(
        status_of("LA101", "pay-api"),
        Some(FindingStatus::Suppressed)
    );
    assert_eq!(
        status_of("LA206", "pay-batch"),
        Some(FindingStatus::Accepted)
    );
    assert_eq!(status_of("LA101", "orders"), Some(FindingStatus::Open));
    assert_eq!(
        status_of("LA206", "legacy"),
        None,
        "left out by the baseline"
    );
    assert!(summary.unchanged > 0 && summary.resolved.len() == 1);
    assert!(results.warnings.is_empty(), "{:?}", results.warnings);

    let audit = Audit {
        inventory: &inv,
        results: &results,
        declared: None,
        baseline: Some(&summary),
    };
    insta::assert_snapshot!("text", normalise(&text::render_with(&audit, false)));
    insta::assert_snapshot!("markdown", normalise(&markdown::render(&audit)));
    let mut report: Value = serde_json::from_str(&json_report::render(&audit)).expect("JSON");
    assert_eq!(report["tool"]["version"], env!("CARGO_PKG_VERSION"));
    report["tool"]["version"] = json!("[version]");
    insta::assert_json_snapshot!("json", report);
}

/// `--format` three times with `--output-dir`: three files from one collection, and they
/// count the same findings.
#[test]
fn several_formats_into_a_directory_agree() {
    let dir = tempfile::tempdir().expect("tempdir");
    snapshot(dir.path(), "snapshot.json", &fixed_estate());
    std::fs::write(dir.path().join("guardrails.toml"), GUARDRAILS).unwrap();
    let (code, stdout, stderr) = run_in(
        dir.path(),
        &[
            "audit",
            "--from-snapshot",
            "snapshot.json",
            "--config",
            "guardrails.toml",
            "--format",
            "json",
            "--format",
            "markdown",
            "--format",
            "text",
            "--output-dir",
            "out",
        ],
    );
    // `orders` is public and open.
    assert_eq!(code, 1, "{stderr}");
    assert!(stdout.is_empty(), "reports go to files: {stdout}");
    let mut files: Vec<String> = std::fs::read_dir(dir.path().join("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(files, vec!["report.json", "report.md", "report.txt"]);
    let read = |name: &str| std::fs::read_to_string(dir.path().join("out").join(name)).unwrap();
    let report: Value = serde_json::from_str(&read("report.json")).expect("JSON");
    let md = read("report.md");
    let txt = read("report.txt");

    // The same run: what the binary wrote is what the renderers give in-process.
    let inv = fixed_estate();
    let results = run_with(&inv, &guardrails(GUARDRAILS));
    let audit = Audit {
        inventory: &inv,
        results: &results,
        declared: None,
        baseline: None,
    };
    assert_eq!(txt, text::render_with(&audit, false), "no colour in a file");
    assert_eq!(md, markdown::render(&audit));

    let by_status = &report["summary"]["findings_by_status"];
    let open = by_status["open"].as_u64().unwrap();
    let set_aside =
        by_status["suppressed"].as_u64().unwrap() + by_status["accepted"].as_u64().unwrap();
    assert_eq!(
        (
            by_status["suppressed"].as_u64(),
            by_status["accepted"].as_u64()
        ),
        (Some(1), Some(1))
    );
    assert_eq!(
        report["summary"]["findings"].as_u64().unwrap(),
        open + set_aside
    );
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(
        findings.iter().filter(|f| f["status"] == "open").count() as u64,
        open
    );

    // Text: the closing line and one heading per owner.
    assert!(
        txt.contains(&format!(
            "\n{open} open finding(s) (1 high, 4 medium, 3 low), {set_aside} suppressed or accepted;"
        )),
        "{txt}"
    );
    assert!(
        txt.contains(&format!(
            "\nSuppressed or accepted ({set_aside}): kept for the record, not counted\n"
        )),
        "{txt}"
    );
    // Markdown: the headline, the set-aside summary, and the severity table's columns.
    assert!(
        md.starts_with(&format!(
            "## lambda-audit: {open} open finding(s) in account 111122223333\n"
        )),
        "{md}"
    );
    assert!(
        md.contains(&format!(
            "<summary>{set_aside} suppressed or accepted finding(s)</summary>"
        )),
        "{md}"
    );
    for (severity, badge) in [
        ("critical", "🟥 critical"),
        ("high", "🟧 high"),
        ("medium", "🟨 medium"),
        ("low", "🟦 low"),
        ("info", "⬜ info"),
    ] {
        let of = |is_open: bool| {
            findings
                .iter()
                .filter(|f| f["severity"] == severity && (f["status"] == "open") == is_open)
                .count()
        };
        assert!(
            md.contains(&format!("| {badge} | {} | {} |\n", of(true), of(false))),
            "{severity}: {md}"
        );
    }

    // Per owner, all three agree.
    let by_owner = report["summary"]["open_findings_by_owner"]
        .as_object()
        .unwrap();
    assert_eq!(
        by_owner.keys().collect::<Vec<_>>(),
        vec!["(no owner)", "orders", "payments"]
    );
    for (owner, count) in by_owner {
        let count = count.as_u64().unwrap();
        assert_eq!(
            findings
                .iter()
                .filter(|f| f["status"] == "open"
                    && f["owner"].as_str().unwrap_or("(no owner)") == owner)
                .count() as u64,
            count
        );
        assert!(
            txt.contains(&format!("== owner: {owner} — {count} open finding(s) ==")),
            "{owner}: {txt}"
        );
        assert!(
            md.contains(&format!(
                "### {} — {count} open finding(s)\n",
                markdown::escape(owner)
            )),
            "{owner}: {md}"
        );
    }
}

const HOSTILE_OWNER: &str = "evil | <script>alert(1)</script> `x` [x](y)\nnext";
const HOSTILE_NAME: &str = "fn|<script>`[x](y)\nline";

/// A function whose name and owner tag try to break out of a Markdown table cell.
fn hostile_estate() -> Inventory {
    estate(vec![
        tagged(
            HOSTILE_NAME,
            json!({"owner": HOSTILE_OWNER, "lambda-audit:accept": "LA206"}),
            public(),
        ),
        tagged("plain", json!({"owner": "payments"}), json!({})),
    ])
}

/// The text of `md` outside code spans, line by line; panics when a line leaves a code
/// span open (a backtick from the data would have opened it).
fn outside_code_spans(md: &str) -> String {
    let mut out = String::new();
    for line in md.lines() {
        let mut in_code = false;
        let mut chars = line.chars();
        while let Some(c) = chars.next() {
            match (in_code, c) {
                (false, '\\') => {
                    out.push(c);
                    out.extend(chars.next());
                }
                (_, '`') => in_code = !in_code,
                (false, c) => out.push(c),
                (true, _) => {}
            }
        }
        assert!(!in_code, "code span left open: {line}");
        out.push('\n');
    }
    out
}

/// Pipes that delimit cells: not backslashed.
fn cell_pipes(row: &str) -> usize {
    let chars: Vec<char> = row.chars().collect();
    (0..chars.len())
        .filter(|&i| chars[i] == '|' && (i == 0 || chars[i - 1] != '\\'))
        .count()
}

#[test]
fn markdown_tables_survive_hostile_names_and_tags() {
    let inv = hostile_estate();
    let mut results = run_with(&inv, &guardrails("[accept]\nby_tag = [\"LA206\"]\n"));
    // A suppression reason and owner are text too.
    for f in results
        .findings
        .iter_mut()
        .filter(|f| f.check_id == "LA205")
    {
        f.status = FindingStatus::Suppressed;
        f.suppression = Some(lambda_audit::findings::SuppressionRecord {
            source: "guardrails".into(),
            reason: "because | <b>reasons</b> [click](http://e)\nsecond".into(),
            owner: Some("sec|`ops`".into()),
            expires: Some("2026-12-31".into()),
            expired: false,
            line: Some(1),
        });
    }
    let audit = Audit {
        inventory: &inv,
        results: &results,
        declared: None,
        baseline: None,
    };
    let md = markdown::render(&audit);
    assert!(
        !md.contains("\nnext") && !md.contains("\nline") && !md.contains("\nsecond"),
        "{md}"
    );
    // Outside code spans (where Markdown renders nothing), the data is inert: no HTML, no
    // link; and no line leaves a code span open.
    let outside = outside_code_spans(&md);
    for live in ["<script", "<b>", "[x](y)", "[click](http", "alert(1)"] {
        assert!(!outside.contains(live), "{live} in {outside}");
    }
    assert!(outside.contains("&lt;script&gt;"), "{outside}");

    // Every table keeps its shape: each row has as many cell pipes as its header.
    let mut tables = 0;
    let mut header: Option<usize> = None;
    for line in md.lines() {
        if !line.starts_with('|') {
            header = None;
            continue;
        }
        match header {
            None => {
                header = Some(cell_pipes(line));
                tables += 1;
            }
            Some(n) => assert_eq!(cell_pipes(line), n, "row breaks its table: {line}\n{md}"),
        }
    }
    // Severity summary, one per owner (hostile and payments), set-aside.
    assert_eq!(tables, 4, "{md}");

    let owner_heading = md
        .lines()
        .find(|l| l.starts_with("### evil"))
        .unwrap_or_else(|| panic!("hostile owner's heading: {md}"));
    assert!(!owner_heading.contains(" | "), "{owner_heading}");
    assert_eq!(
        owner_heading.matches('`').count(),
        owner_heading.matches("\\`").count(),
        "every backtick escaped: {owner_heading}"
    );
    let reason_row = md
        .lines()
        .find(|l| l.contains("reasons"))
        .unwrap_or_else(|| panic!("set-aside row: {md}"));
    assert!(!reason_row.contains("[click](http"), "{reason_row}");
    // Resource cells are code spans: one opening and one closing backtick, whatever the name.
    for row in md
        .lines()
        .filter(|l| l.starts_with("| ") && l.contains("`fn"))
    {
        let resource_cell = row.split(" | ").nth(2).unwrap_or_default();
        assert_eq!(resource_cell.matches('`').count(), 2, "{row}");
    }
}

#[test]
fn text_colours_only_severity_labels_and_neutralises_hostile_escapes() {
    let evil_name = "evil\x1b[31mred\x1b[0m\x1b]0;pwned\x07";
    let inv = estate(vec![
        tagged(evil_name, json!({"owner": "ops\x1b[2J\x1b[H"}), public()),
        tagged("plain", json!({"team": "payments"}), json!({})),
    ]);
    let results = run_with(&inv, &guardrails(""));
    let audit = Audit {
        inventory: &inv,
        results: &results,
        declared: None,
        baseline: None,
    };

    let plain = text::render_with(&audit, false);
    assert!(!plain.contains('\x1b'), "{plain:?}");
    assert!(!plain.contains('\x07'), "{plain:?}");
    assert!(
        plain.contains("evil\\u{1b}[31mred\\u{1b}[0m\\u{1b}]0;pwned\\u{7}"),
        "{plain}"
    );
    assert!(
        plain.contains("== owner: ops\\u{1b}[2J\\u{1b}[H — "),
        "{plain}"
    );
    assert_eq!(plain, text::render(&audit));

    let coloured = text::render_with(&audit, true);
    // Each severity label is wrapped in its colour and a reset...
    for painted in [
        "[\x1b[31mHIGH\x1b[0m] LA101",
        "[\x1b[33mMEDIUM\x1b[0m] LA406",
        "[\x1b[36mLOW\x1b[0m] LA206",
        "[\x1b[2mINFO\x1b[0m] LA205",
    ] {
        assert!(coloured.contains(painted), "{painted:?} in {coloured:?}");
    }
    // ...and those are the only escapes: without them, the coloured report is the plain one.
    let mut stripped = coloured.clone();
    for code in ["1;31", "31", "33", "36", "2"] {
        for label in ["CRITICAL", "HIGH", "MEDIUM", "LOW", "INFO"] {
            stripped = stripped.replace(&format!("\x1b[{code}m{label}\x1b[0m"), label);
        }
    }
    assert!(!stripped.contains('\x1b'), "{stripped:?}");
    assert_eq!(stripped, plain);
}

//! Markdown for pull-request comments and CI job summaries (GitHub-flavoured): a summary,
//! then each owner's open findings as a table, then drift, suppressed findings, gaps.
//!
//! Everything from the account (names, tags, messages) is escaped: it can neither close a
//! table cell, start a link or image, nor inject HTML.

use super::Audit;
use super::json::owner_label;
use crate::findings::{Finding, Severity};
use std::collections::BTreeMap;
use std::fmt::Write;

/// The longest message kept in a table cell; the JSON report has the whole text.
const MAX_CELL_CHARS: usize = 400;

pub fn render(audit: &Audit<'_>) -> String {
    let inventory = audit.inventory;
    let results = audit.results;
    let mut out = String::new();
    let open: Vec<&Finding> = results.findings.iter().filter(|f| f.is_open()).collect();
    let _ = writeln!(
        out,
        "## lambda-audit: {} open finding(s) in account {}\n",
        open.len(),
        escape(&inventory.account.account_id)
    );
    let _ = writeln!(
        out,
        "{} function(s) in {} — collected {}\n",
        inventory.functions().count(),
        escape(
            &inventory
                .regions
                .iter()
                .map(|r| r.region.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        escape(&inventory.collected_at)
    );
    let _ = writeln!(
        out,
        "| severity | open | suppressed or accepted |\n|---|---:|---:|"
    );
    for severity in [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ] {
        let of = |open: bool| {
            results
                .findings
                .iter()
                .filter(|f| f.severity == severity && f.is_open() == open)
                .count()
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} |",
            severity_badge(severity),
            of(true),
            of(false)
        );
    }
    if let Some(baseline) = audit.baseline {
        let _ = writeln!(
            out,
            "\nCompared with the baseline from {}: {} new, {} unchanged (not listed), {} resolved.",
            escape(&baseline.baseline_collected_at),
            baseline.new,
            baseline.unchanged,
            baseline.resolved.len()
        );
    }

    let mut by_owner: BTreeMap<String, Vec<&Finding>> = BTreeMap::new();
    for finding in &open {
        by_owner
            .entry(owner_label(finding))
            .or_default()
            .push(finding);
    }
    for (owner, findings) in &by_owner {
        let _ = writeln!(
            out,
            "\n### {} — {} open finding(s)\n",
            escape(owner),
            findings.len()
        );
        let _ = writeln!(
            out,
            "| severity | check | resource | finding | fix |\n|---|---|---|---|---|"
        );
        for f in findings {
            let mut what = format!("**{}**<br>{}", escape(&f.title), escape(&cut(&f.message)));
            if let Some(at) = &f.declared_at {
                let _ = write!(what, "<br>declared at `{}`", code(&at.to_string()));
            }
            let _ = writeln!(
                out,
                "| {} | {} | `{}` | {} | `lambda-audit explain {}` |",
                severity_badge(f.severity),
                escape(&f.check_id),
                code(f.function_name.as_deref().unwrap_or(&f.resource_arn)),
                what,
                code(&f.check_id)
            );
        }
    }

    let set_aside: Vec<&Finding> = results.findings.iter().filter(|f| !f.is_open()).collect();
    if !set_aside.is_empty() {
        let _ = writeln!(
            out,
            "\n<details><summary>{} suppressed or accepted finding(s)</summary>\n",
            set_aside.len()
        );
        let _ = writeln!(
            out,
            "| severity | check | resource | status | by | until | reason |\n|---|---|---|---|---|---|---|"
        );
        for f in set_aside {
            let s = f.suppression.as_ref();
            let _ = writeln!(
                out,
                "| {} | {} | `{}` | {} | {} | {} | {} |",
                severity_badge(f.severity),
                escape(&f.check_id),
                code(f.function_name.as_deref().unwrap_or(&f.resource_arn)),
                f.status,
                escape(s.and_then(|s| s.owner.as_deref()).unwrap_or("")),
                escape(s.and_then(|s| s.expires.as_deref()).unwrap_or("")),
                escape(s.map(|s| s.reason.as_str()).unwrap_or(""))
            );
        }
        let _ = writeln!(out, "\n</details>");
    }

    if let Some(declared) = audit.declared {
        let drift = open
            .iter()
            .filter(|f| f.check_id.starts_with("LA5"))
            .count();
        let _ = writeln!(
            out,
            "\n### Drift: {drift} open finding(s) against {} declared source(s)\n",
            declared.sources.len()
        );
        for source in &declared.sources {
            let _ = writeln!(
                out,
                "- `{}` — {}, {} function(s){}",
                code(&source.file),
                source.format,
                source.functions,
                source
                    .stack_name
                    .as_deref()
                    .map(|s| format!(", stack `{}`", code(s)))
                    .unwrap_or_default()
            );
        }
        for error in &declared.errors {
            let _ = writeln!(
                out,
                "- could not read `{}`: {}",
                code(&error.location.to_string()),
                escape(&error.message)
            );
        }
    }

    if !results.not_evaluated.is_empty() || !inventory.coverage_gaps.is_empty() {
        let _ = writeln!(
            out,
            "\n> **Incomplete:** {} check result(s) not evaluated and {} failed call(s); see the JSON report. These were not checked, not passed.",
            results.not_evaluated.len(),
            inventory.coverage_gaps.len()
        );
    }
    for warning in &results.warnings {
        let _ = writeln!(out, "\n> warning: {}", escape(warning));
    }
    out
}

fn severity_badge(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "🟥 critical",
        Severity::High => "🟧 high",
        Severity::Medium => "🟨 medium",
        Severity::Low => "🟦 low",
        Severity::Info => "⬜ info",
    }
}

fn cut(text: &str) -> String {
    if text.chars().count() <= MAX_CELL_CHARS {
        return text.to_string();
    }
    let mut short: String = text.chars().take(MAX_CELL_CHARS).collect();
    short.push('…');
    short
}

/// Text for a Markdown table cell: control characters and line breaks become spaces, HTML
/// is neutralised as entities, and every character Markdown gives meaning is backslashed.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '|' => out.push_str("\\|"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '(' | ')' | '#' | '!' | '~' | '{' | '}' | '+'
            | '-' | '.' | '"' | '\'' | '=' | ':' | '@' | '$' | '^' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Text inside a code span: backticks cannot end the span (replaced by `ˋ`), pipes cannot
/// end the table cell, control characters become spaces.
pub fn code(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '`' => "ˋ".to_string(),
            '|' => "\\|".to_string(),
            c if c.is_control() => " ".to_string(),
            c => c.to_string(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_text_cannot_escape_its_cell() {
        let hostile = "x | <img src=x onerror=alert(1)> [link](http://e) `code` \n# h\x1b[31m";
        let cell = escape(hostile);
        assert!(!cell.contains('<') && !cell.contains('\n') && !cell.contains('\x1b'));
        assert!(!cell.contains(" | "), "{cell}");
        assert!(cell.contains("\\[link\\]\\(http"), "{cell}");
        let span = code("a`b|c\nd");
        assert_eq!(span, "aˋb\\|c d");
    }
}

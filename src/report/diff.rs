//! `lambda-audit diff OLD NEW` for people: text for a terminal or a mail, Markdown for a
//! pull request or chat post. JSON is the [`crate::baseline::Diff`] itself.

use super::markdown::{code, escape};
use super::sanitize_for_terminal as clean;
use crate::baseline::{Diff, ReportedFinding};
use std::fmt::Write;

pub fn text(diff: &Diff) -> String {
    let mut out = format!(
        "lambda-audit diff: {} new, {} resolved, {} unchanged ({} → {})\n",
        diff.new.len(),
        diff.resolved.len(),
        diff.unchanged.len(),
        clean(&diff.old_collected_at),
        clean(&diff.new_collected_at)
    );
    for (title, list) in [("New", &diff.new), ("Resolved", &diff.resolved)] {
        if list.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n{title}:");
        for f in list {
            let _ = writeln!(
                out,
                "  [{}] {} {}: {}{}{}",
                f.severity,
                f.check_id,
                clean(f.function_name.as_deref().unwrap_or(&f.resource_arn)),
                clean(&f.title),
                owner_suffix(f),
                status_suffix(f)
            );
        }
    }
    out
}

pub fn markdown(diff: &Diff) -> String {
    let mut out = format!(
        "## lambda-audit: {} new, {} resolved, {} unchanged\n\nFrom {} to {}.\n",
        diff.new.len(),
        diff.resolved.len(),
        diff.unchanged.len(),
        escape(&diff.old_collected_at),
        escape(&diff.new_collected_at)
    );
    for (title, list) in [("New", &diff.new), ("Resolved", &diff.resolved)] {
        if list.is_empty() {
            continue;
        }
        let _ = writeln!(
            out,
            "\n### {title}\n\n| severity | check | resource | finding | owner |\n|---|---|---|---|---|"
        );
        for f in list {
            let _ = writeln!(
                out,
                "| {} | {} | `{}` | {}{} | {} |",
                f.severity,
                escape(&f.check_id),
                code(f.function_name.as_deref().unwrap_or(&f.resource_arn)),
                escape(&f.title),
                status_suffix(f),
                escape(f.owner.as_deref().unwrap_or(""))
            );
        }
    }
    out
}

/// ` — suppressed` / ` — accepted by the owner` for findings that are not open (they do
/// not count towards `diff --fail-on`).
fn status_suffix(f: &ReportedFinding) -> String {
    if f.is_open() {
        String::new()
    } else {
        format!(" — {}", f.status)
    }
}

fn owner_suffix(f: &ReportedFinding) -> String {
    f.owner
        .as_deref()
        .map(|o| format!(" (owner: {})", clean(o)))
        .unwrap_or_default()
}

//! The terminal report: findings grouped by function, worst first, then what could not be
//! evaluated and why.

use super::{Audit, sanitize_for_terminal as clean};
use crate::declared::DeclaredEstate;
use crate::findings::{Finding, FindingStatus, Severity};
use std::collections::BTreeMap;
use std::fmt::Write;

pub fn render(audit: &Audit<'_>) -> String {
    render_with(audit, false)
}

/// The report, with severity labels in colour when `color` (a terminal that wants it).
pub fn render_with(audit: &Audit<'_>, color: bool) -> String {
    let inventory = audit.inventory;
    let results = audit.results;
    let mut out = String::new();
    let regions: Vec<&str> = inventory
        .regions
        .iter()
        .map(|r| r.region.as_str())
        .collect();
    let _ = writeln!(
        out,
        "lambda-audit {} — account {} ({}) — {} function(s) in {} — collected {}",
        env!("CARGO_PKG_VERSION"),
        clean(&inventory.account.account_id),
        clean(&inventory.account.partition),
        inventory.functions().count(),
        if regions.is_empty() {
            "no region".to_string()
        } else {
            clean(&regions.join(", "))
        },
        clean(&inventory.collected_at),
    );
    for skipped in &inventory.skipped_regions {
        let _ = writeln!(
            out,
            "note: region {} skipped: {}",
            clean(&skipped.region),
            clean(&skipped.reason)
        );
    }

    if let Some(baseline) = audit.baseline {
        let _ = writeln!(
            out,
            "baseline {} (collected {}): {} known finding(s) left out, {} new, {} resolved since",
            clean(&baseline.file),
            clean(&baseline.baseline_collected_at),
            baseline.unchanged,
            baseline.new,
            baseline.resolved.len()
        );
        for f in &baseline.resolved {
            let _ = writeln!(
                out,
                "  resolved: [{}] {} {}: {}",
                label(f.severity),
                f.check_id,
                clean(f.function_name.as_deref().unwrap_or(&f.resource_arn)),
                clean(&f.title)
            );
        }
    }

    // Open findings by owner, then by function (worst first); findings on resources outside
    // any function go under their ARN.
    let mut owners: BTreeMap<String, BTreeMap<(String, String), Vec<&Finding>>> = BTreeMap::new();
    for finding in results.findings.iter().filter(|f| f.is_open()) {
        let key = finding
            .function_name
            .clone()
            .unwrap_or_else(|| finding.resource_arn.clone());
        owners
            .entry(super::json::owner_label(finding))
            .or_default()
            .entry((finding.region.clone(), key))
            .or_default()
            .push(finding);
    }
    let worst = |v: &Vec<&Finding>| v.iter().map(|f| f.severity).max();
    let mut ordered_owners: Vec<_> = owners.into_iter().collect();
    ordered_owners.sort_by(|a, b| {
        let top = |groups: &BTreeMap<(String, String), Vec<&Finding>>| {
            groups.values().filter_map(worst).max()
        };
        top(&b.1).cmp(&top(&a.1)).then_with(|| a.0.cmp(&b.0))
    });
    let several_owners = ordered_owners.len() > 1;
    for (owner, groups) in ordered_owners {
        if several_owners {
            let count: usize = groups.values().map(Vec::len).sum();
            let _ = writeln!(
                out,
                "\n== owner: {} — {count} open finding(s) ==",
                clean(&owner)
            );
        }
        let mut ordered: Vec<_> = groups.into_iter().collect();
        ordered.sort_by(|a, b| worst(&b.1).cmp(&worst(&a.1)).then_with(|| a.0.cmp(&b.0)));
        for ((region, name), findings) in &ordered {
            let _ = writeln!(out, "\n{} ({})", clean(name), clean(region));
            for f in findings {
                let _ = writeln!(
                    out,
                    "  [{}] {} {}: {}",
                    paint(f.severity, color),
                    f.check_id,
                    f.check_name,
                    clean(&f.title)
                );
                let _ = writeln!(out, "      {}", clean(&f.message));
                let _ = writeln!(out, "      resource: {}", clean(&f.resource_arn));
                if let Some(at) = &f.declared_at {
                    let _ = writeln!(out, "      declared at: {}", clean(&at.to_string()));
                }
                if let Some(s) = f.suppression.as_ref().filter(|s| s.expired) {
                    let _ = writeln!(
                        out,
                        "      note: its suppression (guardrails line {}) expired on {}",
                        s.line.unwrap_or_default(),
                        clean(s.expires.as_deref().unwrap_or_default())
                    );
                }
                let _ = writeln!(out, "      how to fix: lambda-audit explain {}", f.check_id);
            }
        }
    }

    let set_aside: Vec<&Finding> = results.findings.iter().filter(|f| !f.is_open()).collect();
    if !set_aside.is_empty() {
        let _ = writeln!(
            out,
            "\nSuppressed or accepted ({}): kept for the record, not counted",
            set_aside.len()
        );
        for f in set_aside {
            let why = f.suppression.as_ref().map_or(String::new(), |s| {
                format!(
                    "{}{}: {}",
                    s.owner
                        .as_deref()
                        .map(|o| match f.status {
                            // "accepted by the owner (payments)", not "… by the owner by …".
                            FindingStatus::Accepted => format!(" ({})", clean(o)),
                            _ => format!(" by {}", clean(o)),
                        })
                        .unwrap_or_default(),
                    s.expires
                        .as_deref()
                        .map(|e| format!(" until {}", clean(e)))
                        .unwrap_or_default(),
                    clean(&s.reason)
                )
            });
            let _ = writeln!(
                out,
                "  [{}] {} {}: {} — {}{}",
                label(f.severity),
                f.check_id,
                clean(f.function_name.as_deref().unwrap_or(&f.resource_arn)),
                clean(&f.title),
                f.status,
                why
            );
        }
    }

    if !results.not_evaluated.is_empty() {
        let _ = writeln!(
            out,
            "\nNot evaluated ({}): these were not checked, not passed",
            results.not_evaluated.len()
        );
        for n in &results.not_evaluated {
            let _ = writeln!(
                out,
                "  {} {} ({}): {}",
                n.check_id,
                clean(&n.resource),
                clean(&n.region),
                clean(&n.reason)
            );
        }
    }
    if !inventory.coverage_gaps.is_empty() {
        let _ = writeln!(
            out,
            "\nCoverage gaps ({} failed call(s)):",
            inventory.coverage_gaps.len()
        );
        for gap in &inventory.coverage_gaps {
            let _ = writeln!(
                out,
                "  {} in {}{}: {} ({}): {}",
                clean(&gap.failure.operation),
                clean(gap.region.as_deref().unwrap_or("global")),
                gap.resource
                    .as_deref()
                    .map(|r| format!(" for {}", clean(r)))
                    .unwrap_or_default(),
                clean(&gap.failure.code),
                gap.failure.kind,
                clean(&gap.failure.message)
            );
        }
    }

    if let Some(declared) = audit.declared {
        drift_section(&mut out, declared, &results.findings);
    }

    if !results.warnings.is_empty() {
        let _ = writeln!(out, "\nWarnings ({}):", results.warnings.len());
        for warning in &results.warnings {
            let _ = writeln!(out, "  {}", clean(warning));
        }
    }

    let mut counts: BTreeMap<Severity, usize> = BTreeMap::new();
    for f in results.findings.iter().filter(|f| f.is_open()) {
        *counts.entry(f.severity).or_default() += 1;
    }
    let set_aside = results.findings.iter().filter(|f| !f.is_open()).count();
    let breakdown: Vec<String> = counts
        .iter()
        .rev()
        .map(|(s, n)| format!("{n} {s}"))
        .collect();
    let _ = writeln!(
        out,
        "\n{} open finding(s){}{}; {} not evaluated; {} coverage gap(s).",
        results.findings.len() - set_aside,
        if breakdown.is_empty() {
            String::new()
        } else {
            format!(" ({})", breakdown.join(", "))
        },
        if set_aside > 0 {
            format!(", {set_aside} suppressed or accepted")
        } else {
            String::new()
        },
        results.not_evaluated.len(),
        inventory.coverage_gaps.len()
    );
    out
}

/// What the drift checks compared against, and the drift they found, in one place.
fn drift_section(out: &mut String, declared: &DeclaredEstate, findings: &[Finding]) {
    let _ = writeln!(
        out,
        "\nDrift against {} declared source(s):",
        declared.sources.len()
    );
    for source in &declared.sources {
        let _ = writeln!(
            out,
            "  {} — {}, {} function(s){}",
            clean(&source.file),
            source.format,
            source.functions,
            source
                .stack_name
                .as_deref()
                .map(|s| format!(", stack {}", clean(s)))
                .unwrap_or_default()
        );
        if let Some(evidence) = &source.stack_evidence {
            let _ = writeln!(out, "      stack: {}", clean(evidence));
        }
        for note in &source.notes {
            let _ = writeln!(out, "      note: {}", clean(note));
        }
    }
    for error in &declared.errors {
        let _ = writeln!(out, "  error: {}", clean(&error.to_string()));
    }
    let drift: Vec<&Finding> = findings
        .iter()
        .filter(|f| f.check_id.starts_with("LA5"))
        .collect();
    let count = |id: &str| drift.iter().filter(|f| f.check_id == id).count();
    let _ = writeln!(
        out,
        "  {} declared function(s): {} not deployed (LA502); {} deployed function(s) declared nowhere (LA501); {} drift finding(s) in all.",
        declared.functions.len(),
        count("LA502"),
        count("LA501"),
        drift.len()
    );
    for f in drift.iter().filter(|f| f.check_id != "LA501") {
        let _ = writeln!(
            out,
            "    [{}] {} {}: {}{}",
            label(f.severity),
            f.check_id,
            clean(f.function_name.as_deref().unwrap_or(&f.resource_arn)),
            clean(&f.title),
            f.declared_at
                .as_ref()
                .map(|at| format!(" ({})", clean(&at.to_string())))
                .unwrap_or_default()
        );
    }
}

/// The severity label, in colour on a terminal that wants it.
fn paint(severity: Severity, color: bool) -> String {
    if !color {
        return label(severity).to_string();
    }
    let code = match severity {
        Severity::Critical => "1;31",
        Severity::High => "31",
        Severity::Medium => "33",
        Severity::Low => "36",
        Severity::Info => "2",
    };
    format!("\x1b[{code}m{}\x1b[0m", label(severity))
}

fn label(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "CRITICAL",
        Severity::High => "HIGH",
        Severity::Medium => "MEDIUM",
        Severity::Low => "LOW",
        Severity::Info => "INFO",
    }
}

/// The end-of-run call statistics printed with `-v`: requests per operation and per function.
pub fn call_statistics(inventory: &crate::inventory::Inventory) -> String {
    let stats = &inventory.collection;
    let mut out = String::from("API requests by operation (retries included):\n");
    for (operation, count) in &stats.attempts_by_operation {
        let _ = writeln!(out, "  {operation:<45} {count:>6}");
    }
    let total = stats.total_attempts();
    let per_function = if stats.functions == 0 {
        0.0
    } else {
        total as f64 / stats.functions as f64
    };
    let _ = writeln!(
        out,
        "  {:<45} {:>6}\n  {} function(s): {:.2} requests per function; collected in {:.1} s",
        "total",
        total,
        stats.functions,
        per_function,
        stats.elapsed_ms as f64 / 1000.0
    );
    out
}

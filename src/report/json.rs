//! The JSON report: its own versioned wire type (documented in `docs/report-schema.json`),
//! not a dump of internal structures, so internal refactors cannot change the format.

use super::Audit;
use crate::baseline::BaselineSummary;
use crate::checks::CheckSummary;
use crate::declared::{DeclaredError, DeclaredSource};
use crate::findings::{Finding, FindingStatus, NotEvaluated, Severity};
use crate::inventory::{AccountIdentity, CoverageGap, SkippedRegion};
use crate::least_privilege::LeastPrivilege;
use serde::Serialize;
use std::collections::BTreeMap;

pub const REPORT_VERSION: u32 = 1;

#[derive(Serialize)]
pub struct ReportV1<'a> {
    pub report_version: u32,
    pub tool: Tool,
    pub account: &'a AccountIdentity,
    pub collected_at: &'a str,
    pub regions: Vec<&'a str>,
    pub skipped_regions: &'a [SkippedRegion],
    pub summary: Summary<'a>,
    pub findings: &'a [Finding],
    pub not_evaluated: &'a [NotEvaluated],
    pub coverage: Coverage<'a>,
    /// Per function: granted versus needed (see `lambda-audit explain LA405`).
    pub least_privilege: Vec<LeastPrivilegeEntry<'a>>,
    /// With `--declared`: the files the drift checks compared against.
    pub declared: Option<DeclaredSection<'a>>,
    /// With `--baseline`: how many findings it left out and which baseline findings are
    /// resolved; null without.
    pub baseline: Option<&'a BaselineSummary>,
    /// For the operator: suppressions that matched nothing or expired, acceptance tags the
    /// guardrails do not honour.
    pub warnings: &'a [String],
}

#[derive(Serialize)]
pub struct DeclaredSection<'a> {
    pub sources: &'a [DeclaredSource],
    pub errors: &'a [DeclaredError],
}

#[derive(Serialize)]
pub struct LeastPrivilegeEntry<'a> {
    pub function_arn: &'a str,
    /// `analysed` or `not_evaluated`.
    pub status: &'static str,
    pub reason: Option<&'a str>,
    pub analysis: Option<&'a LeastPrivilege>,
}

#[derive(Serialize)]
pub struct Tool {
    pub name: &'static str,
    pub version: &'static str,
}

#[derive(Serialize)]
pub struct Summary<'a> {
    pub functions: usize,
    pub findings: usize,
    /// Every severity present, zero included, so consumers need no defaults.
    pub findings_by_severity: BTreeMap<Severity, usize>,
    pub not_evaluated: usize,
    pub coverage_gaps: usize,
    /// True when nothing failed: every check saw everything it needed.
    pub complete: bool,
    pub checks: &'a [CheckSummary],
    /// Findings by status: `open`, `suppressed`, `accepted` (zero included).
    pub findings_by_status: BTreeMap<FindingStatus, usize>,
    /// Open findings per owner (the owner tag's value; `(no owner)` when untagged).
    pub open_findings_by_owner: BTreeMap<String, usize>,
}

#[derive(Serialize)]
pub struct Coverage<'a> {
    pub gaps: &'a [CoverageGap],
    /// Requests sent, by `service:Operation`, retries included.
    pub api_calls: &'a BTreeMap<String, u64>,
}

pub fn build<'a>(audit: &Audit<'a>) -> ReportV1<'a> {
    let inventory = audit.inventory;
    let results = audit.results;
    let mut by_severity: BTreeMap<Severity, usize> = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ]
    .into_iter()
    .map(|s| (s, 0))
    .collect();
    for finding in &results.findings {
        *by_severity.entry(finding.severity).or_default() += 1;
    }
    ReportV1 {
        report_version: REPORT_VERSION,
        tool: Tool {
            name: "lambda-audit",
            version: env!("CARGO_PKG_VERSION"),
        },
        account: &inventory.account,
        collected_at: &inventory.collected_at,
        regions: inventory
            .regions
            .iter()
            .map(|r| r.region.as_str())
            .collect(),
        skipped_regions: &inventory.skipped_regions,
        summary: Summary {
            functions: inventory.functions().count(),
            findings: results.findings.len(),
            findings_by_severity: by_severity,
            not_evaluated: results.not_evaluated.len(),
            coverage_gaps: inventory.coverage_gaps.len(),
            complete: inventory.coverage_gaps.is_empty() && results.not_evaluated.is_empty(),
            checks: &results.per_check,
            findings_by_status: {
                let mut by_status: BTreeMap<FindingStatus, usize> = [
                    FindingStatus::Open,
                    FindingStatus::Suppressed,
                    FindingStatus::Accepted,
                ]
                .into_iter()
                .map(|s| (s, 0))
                .collect();
                for finding in &results.findings {
                    *by_status.entry(finding.status).or_default() += 1;
                }
                by_status
            },
            open_findings_by_owner: {
                let mut by_owner: BTreeMap<String, usize> = BTreeMap::new();
                for finding in results.findings.iter().filter(|f| f.is_open()) {
                    *by_owner.entry(owner_label(finding)).or_default() += 1;
                }
                by_owner
            },
        },
        findings: &results.findings,
        not_evaluated: &results.not_evaluated,
        coverage: Coverage {
            gaps: &inventory.coverage_gaps,
            api_calls: &inventory.collection.attempts_by_operation,
        },
        least_privilege: results
            .least_privilege
            .iter()
            .map(|(arn, analysis)| match analysis {
                Ok(a) => LeastPrivilegeEntry {
                    function_arn: arn,
                    status: "analysed",
                    reason: None,
                    analysis: Some(a),
                },
                Err(reason) => LeastPrivilegeEntry {
                    function_arn: arn,
                    status: "not_evaluated",
                    reason: Some(reason),
                    analysis: None,
                },
            })
            .collect(),
        declared: audit.declared.map(|d| DeclaredSection {
            sources: &d.sources,
            errors: &d.errors,
        }),
        baseline: audit.baseline,
        warnings: &results.warnings,
    }
}

pub fn render(audit: &Audit<'_>) -> String {
    // Serializing plain data structures cannot fail; fall back to an explicit error object
    // rather than panicking if it ever did.
    serde_json::to_string_pretty(&build(audit))
        .unwrap_or_else(|e| format!("{{\"error\": \"cannot serialize report: {e}\"}}"))
        + "\n"
}

/// How reports group findings by owner: the owner tag's value, or `(no owner)`.
pub fn owner_label(finding: &Finding) -> String {
    finding
        .owner
        .clone()
        .unwrap_or_else(|| "(no owner)".to_string())
}

//! The multi-account report (`--accounts`): one entry per account holding that account's
//! normal JSON report, or why it could not be audited, and a summary across accounts.
//! Documented in `docs/multi-account-report-schema.json`; `lambda-audit merge` combines
//! shards' reports into one (see [`super::merge`]).

use super::{Audit, json, sanitize_for_terminal as clean, text};
use crate::findings::{FindingStatus, Severity};
use crate::inventory::ApiFailure;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt::Write;

pub const KIND: &str = "multi_account";

/// One account of a multi-account run: its audit, or the failure that kept it out.
pub struct AccountAudit<'a> {
    pub audit: Audit<'a>,
    /// Set when the account could not be entered or identified; its inventory is then empty.
    pub failure: Option<&'a ApiFailure>,
}

impl AccountAudit<'_> {
    pub fn account_id(&self) -> &str {
        &self.audit.inventory.account.account_id
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MultiReport {
    pub report_version: u32,
    pub kind: String,
    pub tool: ToolInfo,
    /// Sorted by account id.
    pub accounts: Vec<AccountEntry>,
    pub summary: MultiSummary,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ToolInfo {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountStatus {
    Audited,
    Failed,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountEntry {
    pub account_id: String,
    pub status: AccountStatus,
    /// The account's single-account report (`docs/report-schema.json`); null when failed.
    pub report: Option<Value>,
    /// Why the account was not audited; null when audited.
    pub error: Option<ApiFailure>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MultiSummary {
    pub accounts: usize,
    pub audited: usize,
    pub failed: usize,
    pub findings: usize,
    pub findings_by_severity: BTreeMap<Severity, usize>,
    /// Every account, failed ones with 0.
    pub open_findings_by_account: BTreeMap<String, usize>,
}

/// The part of a single-account report the summary reads (and `merge` checks).
#[derive(Debug, Deserialize)]
pub(crate) struct ReportShape {
    pub report_version: u32,
    pub account: AccountShape,
    pub summary: SummaryShape,
    pub findings: Vec<FindingShape>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct AccountShape {
    pub account_id: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct SummaryShape {
    pub findings: usize,
    pub findings_by_severity: BTreeMap<Severity, usize>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct FindingShape {
    pub status: FindingStatus,
}

fn every_severity() -> BTreeMap<Severity, usize> {
    [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ]
    .into_iter()
    .map(|s| (s, 0))
    .collect()
}

/// The entry for one account.
pub fn entry(account: &AccountAudit<'_>) -> AccountEntry {
    match account.failure {
        Some(failure) => AccountEntry {
            account_id: account.account_id().to_string(),
            status: AccountStatus::Failed,
            report: None,
            error: Some(failure.clone()),
        },
        None => AccountEntry {
            account_id: account.account_id().to_string(),
            status: AccountStatus::Audited,
            // Plain data: serializing cannot fail; a null report would fail the schema.
            report: serde_json::to_value(json::build(&account.audit)).ok(),
            error: None,
        },
    }
}

/// The report for `entries` (any order): sorted by account, summary computed from the
/// accounts' reports, so an audit and a merge of its shards agree.
pub fn assemble(mut entries: Vec<AccountEntry>) -> MultiReport {
    entries.sort_by(|a, b| a.account_id.cmp(&b.account_id));
    let mut summary = MultiSummary {
        accounts: entries.len(),
        audited: 0,
        failed: 0,
        findings: 0,
        findings_by_severity: every_severity(),
        open_findings_by_account: BTreeMap::new(),
    };
    for entry in &entries {
        let shape = entry
            .report
            .as_ref()
            .and_then(|r| serde_json::from_value::<ReportShape>(r.clone()).ok());
        match entry.status {
            AccountStatus::Audited => summary.audited += 1,
            AccountStatus::Failed => summary.failed += 1,
        }
        let open = shape.as_ref().map_or(0, |s| {
            summary.findings += s.summary.findings;
            for (severity, count) in &s.summary.findings_by_severity {
                *summary.findings_by_severity.entry(*severity).or_default() += count;
            }
            s.findings
                .iter()
                .filter(|f| f.status == FindingStatus::Open)
                .count()
        });
        summary
            .open_findings_by_account
            .insert(entry.account_id.clone(), open);
    }
    MultiReport {
        report_version: json::REPORT_VERSION,
        kind: KIND.to_string(),
        tool: ToolInfo {
            name: "lambda-audit".to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
        },
        accounts: entries,
        summary,
    }
}

pub fn build(accounts: &[AccountAudit<'_>]) -> MultiReport {
    assemble(accounts.iter().map(entry).collect())
}

pub fn to_json(report: &MultiReport) -> String {
    serde_json::to_string_pretty(report)
        .unwrap_or_else(|e| format!("{{\"error\": \"cannot serialize report: {e}\"}}"))
        + "\n"
}

pub fn render_json(accounts: &[AccountAudit<'_>]) -> String {
    to_json(&build(accounts))
}

/// One section per account (its normal text report, or why it was not audited), then a
/// table across accounts.
pub fn render_text(accounts: &[AccountAudit<'_>], color: bool) -> String {
    let mut out = String::new();
    for account in accounts {
        let _ = writeln!(out, "===== account {} =====", clean(account.account_id()));
        match account.failure {
            Some(failure) => {
                let _ = writeln!(
                    out,
                    "not audited: {} failed: {} ({}): {}",
                    clean(&failure.operation),
                    clean(&failure.code),
                    failure.kind,
                    clean(&failure.message)
                );
            }
            None => out.push_str(&text::render_with(&account.audit, color)),
        }
        out.push('\n');
    }
    let report = build(accounts);
    let s = &report.summary;
    let _ = writeln!(
        out,
        "All accounts: {} ({} audited, {} failed); {} finding(s): {}",
        s.accounts,
        s.audited,
        s.failed,
        s.findings,
        s.findings_by_severity
            .iter()
            .rev()
            .map(|(severity, n)| format!("{severity} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let _ = writeln!(
        out,
        "{:<14} {:<8} {:>8} {:>5} {:>13} {:>5}",
        "ACCOUNT", "STATUS", "FINDINGS", "OPEN", "NOT EVALUATED", "GAPS"
    );
    for account in accounts {
        let (status, findings, open, not_evaluated) = match account.failure {
            Some(_) => ("failed", "-".to_string(), "-".to_string(), "-".to_string()),
            None => {
                let results = account.audit.results;
                (
                    "audited",
                    results.findings.len().to_string(),
                    results
                        .findings
                        .iter()
                        .filter(|f| f.is_open())
                        .count()
                        .to_string(),
                    results.not_evaluated.len().to_string(),
                )
            }
        };
        let _ = writeln!(
            out,
            "{:<14} {:<8} {:>8} {:>5} {:>13} {:>5}",
            clean(account.account_id()),
            status,
            findings,
            open,
            not_evaluated,
            account.audit.inventory.coverage_gaps.len()
        );
    }
    out
}

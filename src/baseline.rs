//! Baselines: a previous JSON report, so a scheduled audit or a pull request shows only
//! what is new. Findings are matched by fingerprint (check id, resource ARN and detail),
//! which stays stable across runs.

use crate::findings::{Finding, FindingStatus, Severity};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The part of a JSON report (any `report_version` 1) a baseline or a diff needs.
#[derive(Debug, Clone, Deserialize)]
pub struct ReportFindings {
    pub report_version: u32,
    pub collected_at: String,
    pub findings: Vec<ReportedFinding>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportedFinding {
    pub check_id: String,
    pub severity: Severity,
    pub region: String,
    pub resource_arn: String,
    pub title: String,
    pub fingerprint: String,
    #[serde(default)]
    pub function_name: Option<String>,
    #[serde(default)]
    pub owner: Option<String>,
    /// Read from the report so `diff --fail-on` counts only open findings; not written
    /// (baselines and diffs record findings, not their triage).
    #[serde(default, skip_serializing)]
    pub status: FindingStatus,
}

impl ReportedFinding {
    pub fn is_open(&self) -> bool {
        self.status == FindingStatus::Open
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    #[error("cannot read the report {}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}:{line}:{column}: `{field}`: {message} (a lambda-audit JSON report is expected)", path.display())]
    Parse {
        path: PathBuf,
        line: usize,
        column: usize,
        field: String,
        message: String,
    },
    #[error("{}: report_version {found} is not supported (only 1)", path.display())]
    Version { path: PathBuf, found: u32 },
}

/// Reads a JSON report written by `audit --format json`.
pub fn read_report(path: &Path) -> Result<ReportFindings, BaselineError> {
    let text = std::fs::read_to_string(path).map_err(|source| BaselineError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    // The version first: another version's report gets the version message, not a
    // confusing error about a field it names differently.
    #[derive(Deserialize)]
    struct Versioned {
        report_version: u32,
    }
    let versioned: Versioned = parse_json(&text, path)?;
    if versioned.report_version != 1 {
        return Err(BaselineError::Version {
            path: path.to_path_buf(),
            found: versioned.report_version,
        });
    }
    parse_json(&text, path)
}

fn parse_json<T: serde::de::DeserializeOwned>(text: &str, path: &Path) -> Result<T, BaselineError> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
        let inner = e.inner();
        BaselineError::Parse {
            path: path.to_path_buf(),
            line: inner.line(),
            column: inner.column(),
            field: e.path().to_string(),
            message: inner.to_string(),
        }
    })
}

/// What `--baseline` did: the findings it hid and those gone since.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BaselineSummary {
    pub file: String,
    pub baseline_collected_at: String,
    /// Findings not in the baseline: the ones the report still lists.
    pub new: usize,
    /// Findings already in the baseline, left out of the report.
    pub unchanged: usize,
    /// Baseline findings no longer present.
    pub resolved: Vec<ReportedFinding>,
}

/// Keeps only the findings that are not in `baseline`.
pub fn apply(
    file: &Path,
    baseline: &ReportFindings,
    findings: &mut Vec<Finding>,
) -> BaselineSummary {
    let known: BTreeSet<&str> = baseline
        .findings
        .iter()
        .map(|f| f.fingerprint.as_str())
        .collect();
    let current: BTreeSet<String> = findings.iter().map(|f| f.fingerprint.clone()).collect();
    let before = findings.len();
    findings.retain(|f| !known.contains(f.fingerprint.as_str()));
    BaselineSummary {
        file: file.display().to_string(),
        baseline_collected_at: baseline.collected_at.clone(),
        new: findings.len(),
        unchanged: before - findings.len(),
        resolved: baseline
            .findings
            .iter()
            .filter(|f| !current.contains(&f.fingerprint))
            .cloned()
            .collect(),
    }
}

/// `lambda-audit diff OLD NEW`: findings new in NEW, resolved since OLD, and unchanged.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diff {
    pub old_collected_at: String,
    pub new_collected_at: String,
    pub new: Vec<ReportedFinding>,
    pub resolved: Vec<ReportedFinding>,
    pub unchanged: Vec<ReportedFinding>,
}

pub fn diff(old: &ReportFindings, new: &ReportFindings) -> Diff {
    let old_prints: BTreeSet<&str> = old
        .findings
        .iter()
        .map(|f| f.fingerprint.as_str())
        .collect();
    let new_prints: BTreeSet<&str> = new
        .findings
        .iter()
        .map(|f| f.fingerprint.as_str())
        .collect();
    let mut out = Diff {
        old_collected_at: old.collected_at.clone(),
        new_collected_at: new.collected_at.clone(),
        new: Vec::new(),
        resolved: Vec::new(),
        unchanged: Vec::new(),
    };
    for f in &new.findings {
        if old_prints.contains(f.fingerprint.as_str()) {
            out.unchanged.push(f.clone());
        } else {
            out.new.push(f.clone());
        }
    }
    out.resolved = old
        .findings
        .iter()
        .filter(|f| !new_prints.contains(f.fingerprint.as_str()))
        .cloned()
        .collect();
    for list in [&mut out.new, &mut out.resolved, &mut out.unchanged] {
        list.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then_with(|| a.resource_arn.cmp(&b.resource_arn))
                .then_with(|| a.check_id.cmp(&b.check_id))
                .then_with(|| a.fingerprint.cmp(&b.fingerprint))
        });
    }
    out
}

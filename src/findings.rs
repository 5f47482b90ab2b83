//! Findings and "not evaluated" records: what checks produce and every renderer consumes.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub check_id: String,
    pub check_name: String,
    pub severity: Severity,
    pub account: String,
    pub region: String,
    /// The exact resource at fault: a function, alias or version ARN.
    pub resource_arn: String,
    /// The function the resource belongs to, for grouping.
    pub function_name: Option<String>,
    pub title: String,
    pub message: String,
    /// Structured proof, e.g. the offending statement. Never holds secret values.
    pub evidence: serde_json::Value,
    /// Stable across runs: SHA-256 of check id, resource ARN and the finding's detail key.
    pub fingerprint: String,
    /// Where infrastructure-as-code declares what the finding is about (drift findings), so
    /// code scanning can show it on the template line.
    #[serde(default)]
    pub declared_at: Option<crate::declared::Location>,
    /// Who owns the resource, from the function's owner tag (guardrails `owners.tags`), so
    /// each team can be given its own list.
    #[serde(default)]
    pub owner: Option<String>,
    /// Whether the finding still needs action (see [`FindingStatus`]).
    #[serde(default)]
    pub status: FindingStatus,
    /// The suppression or acceptance that applies, or applied until it expired.
    #[serde(default)]
    pub suppression: Option<SuppressionRecord>,
}

/// Open findings count towards `--fail-on`; suppressed and accepted ones are kept visible
/// (JSON, HTML) but not acted on.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum FindingStatus {
    #[default]
    Open,
    /// By a `[[suppress]]` entry of the guardrails file (security's decision).
    Suppressed,
    /// By the resource owner's `lambda-audit:accept` tag, for a check the guardrails file
    /// lets owners accept.
    Accepted,
}

impl std::fmt::Display for FindingStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            FindingStatus::Open => "open",
            FindingStatus::Suppressed => "suppressed",
            FindingStatus::Accepted => "accepted by the owner",
        })
    }
}

/// Why a finding is (or was) not open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SuppressionRecord {
    /// `guardrails` (a `[[suppress]]` entry) or `tag` (the owner's `lambda-audit:accept`).
    pub source: String,
    pub reason: String,
    /// Who accepted the risk (the entry's `owner`, or the function's owner for a tag).
    pub owner: Option<String>,
    /// `YYYY-MM-DD`; `None` for tag acceptances, which last as long as the tag.
    pub expires: Option<String>,
    /// True when the suppression expired before the audit date: the finding is open again.
    pub expired: bool,
    /// The `[[suppress]]` entry's line in the guardrails file.
    pub line: Option<usize>,
}

/// A check that could not judge a resource because what it needed was not collected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotEvaluated {
    pub check_id: String,
    pub account: String,
    pub region: String,
    pub resource: String,
    pub reason: String,
}

pub fn fingerprint(check_id: &str, resource_arn: &str, detail: &str) -> String {
    let mut hasher = Sha256::new();
    for part in [check_id, resource_arn, detail] {
        hasher.update(part.as_bytes());
        // A separator that cannot occur in ids or ARNs keeps ("a","bc") apart from ("ab","c").
        hasher.update([0u8]);
    }
    hex::encode(&hasher.finalize()[..16])
}

/// Deterministic order for every output: severity (worst first), then region, resource,
/// check and fingerprint.
pub fn sort_findings(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.region.cmp(&b.region))
            .then_with(|| a.resource_arn.cmp(&b.resource_arn))
            .then_with(|| a.check_id.cmp(&b.check_id))
            .then_with(|| a.fingerprint.cmp(&b.fingerprint))
    });
}

impl Finding {
    /// Counts towards `--fail-on` and the "needs action" lists.
    pub fn is_open(&self) -> bool {
        self.status == FindingStatus::Open
    }
}

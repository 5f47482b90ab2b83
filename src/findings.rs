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

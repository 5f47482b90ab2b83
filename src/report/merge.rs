//! `lambda-audit merge REPORT...`: single-account JSON reports and multi-account reports
//! (e.g. one per shard) combined into one multi-account report. An account may appear only
//! once across the inputs.

use super::multi::{self, AccountEntry, AccountStatus, MultiReport, ReportShape};
use crate::inventory::ApiFailure;
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum MergeError {
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
    #[error("{}: `report_version`: {found} is not supported (only 1)", path.display())]
    Version { path: PathBuf, found: u32 },
    #[error("{}: `kind`: `{found}` is not a lambda-audit report kind (only `multi_account`)", path.display())]
    Kind { path: PathBuf, found: String },
    #[error("{}: `{field}`: {message}", path.display())]
    Invalid {
        path: PathBuf,
        field: String,
        message: String,
    },
    #[error("account {account} is in both {} and {}", first.display(), second.display())]
    Duplicate {
        account: String,
        first: PathBuf,
        second: PathBuf,
    },
}

/// Reads and combines `paths` into one report, accounts sorted by id.
pub fn merge_files(paths: &[PathBuf]) -> Result<MultiReport, MergeError> {
    let mut seen: BTreeMap<String, PathBuf> = BTreeMap::new();
    let mut entries = Vec::new();
    for path in paths {
        let text = std::fs::read_to_string(path).map_err(|source| MergeError::Read {
            path: path.clone(),
            source,
        })?;
        for entry in read_entries(&text, path)? {
            if let Some(first) = seen.insert(entry.account_id.clone(), path.clone()) {
                return Err(MergeError::Duplicate {
                    account: entry.account_id,
                    first,
                    second: path.clone(),
                });
            }
            entries.push(entry);
        }
    }
    Ok(multi::assemble(entries))
}

/// The accounts of one report: a single-account report is one audited account.
pub fn read_entries(text: &str, path: &Path) -> Result<Vec<AccountEntry>, MergeError> {
    // The version and kind first: another version's report gets that message, not one
    // about a field it names differently.
    #[derive(Deserialize)]
    struct Header {
        report_version: u32,
        #[serde(default)]
        kind: Option<String>,
    }
    let header: Header = parse(text, path)?;
    if header.report_version != 1 {
        return Err(MergeError::Version {
            path: path.to_path_buf(),
            found: header.report_version,
        });
    }
    match header.kind.as_deref() {
        None => {
            let shape: ReportShape = parse(text, path)?;
            let report: Value = parse(text, path)?;
            Ok(vec![AccountEntry {
                account_id: shape.account.account_id,
                status: AccountStatus::Audited,
                report: Some(report),
                error: None,
            }])
        }
        Some(multi::KIND) => {
            // Checked with positions first; then kept as values, so nothing is lost.
            #[derive(Deserialize)]
            #[allow(dead_code)]
            struct EntryShape {
                account_id: String,
                status: AccountStatus,
                report: Option<ReportShape>,
                error: Option<ApiFailure>,
            }
            #[derive(Deserialize)]
            struct Shape {
                accounts: Vec<EntryShape>,
            }
            let shape: Shape = parse(text, path)?;
            let report: MultiReport = parse(text, path)?;
            for (i, (entry, checked)) in report.accounts.iter().zip(&shape.accounts).enumerate() {
                let invalid = |message: String| MergeError::Invalid {
                    path: path.to_path_buf(),
                    field: format!("accounts[{i}]"),
                    message,
                };
                match (entry.status, &checked.report, &entry.error) {
                    (AccountStatus::Audited, Some(inner), None) => {
                        if inner.report_version != 1 {
                            return Err(invalid(format!(
                                "report_version {} is not supported (only 1)",
                                inner.report_version
                            )));
                        }
                        if inner.account.account_id != entry.account_id {
                            return Err(invalid(format!(
                                "account_id {} but its report is for account {}",
                                entry.account_id, inner.account.account_id
                            )));
                        }
                    }
                    (AccountStatus::Failed, None, Some(_)) => {}
                    _ => {
                        return Err(invalid(
                            "an audited account has a report and no error; a failed one an error and no report"
                                .to_string(),
                        ));
                    }
                }
            }
            Ok(report.accounts)
        }
        Some(other) => Err(MergeError::Kind {
            path: path.to_path_buf(),
            found: other.to_string(),
        }),
    }
}

fn parse<T: serde::de::DeserializeOwned>(text: &str, path: &Path) -> Result<T, MergeError> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
        let inner = e.inner();
        MergeError::Parse {
            path: path.to_path_buf(),
            line: inner.line(),
            column: inner.column(),
            field: e.path().to_string(),
            message: inner.to_string(),
        }
    })
}

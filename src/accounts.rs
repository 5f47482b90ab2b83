//! Many accounts: the `--accounts FILE` list, per-account roles, and `--shard I/N`.
//!
//! The file holds one account per line, `ACCOUNT_ID[,ROLE[,EXTERNAL_ID]]`, where ROLE is a
//! role name (in the account itself) or a full role ARN; `#` starts a comment and blank
//! lines are ignored. A line without a role uses `--assume-role`, and a line naming the
//! caller's own account without a role uses the caller's credentials.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One account to audit, as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountSpec {
    pub account_id: String,
    pub role: Option<RoleRef>,
    pub external_id: Option<String>,
}

/// The role a line names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoleRef {
    /// A role name (`audit-role`), in the listed account.
    Name(String),
    /// A full role ARN, used as is.
    Arn(String),
}

#[derive(Debug, thiserror::Error)]
pub enum AccountsError {
    #[error("cannot read the accounts file {}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}:{line}: {field}: {message}", path.display())]
    Line {
        path: PathBuf,
        line: usize,
        field: &'static str,
        message: String,
    },
    #[error("{}: no account listed", path.display())]
    Empty { path: PathBuf },
}

/// How to reach one account: the role to assume, or `None` for the caller's credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Access {
    pub role_arn: Option<String>,
    pub external_id: Option<String>,
}

impl AccountSpec {
    /// The role ARN to assume for this account: the line's role, else `default_role` (a
    /// name), except for the caller's own account without a role on its line, which is read
    /// with the caller's credentials. `Err` when no role is known for another account.
    pub fn access(
        &self,
        caller_account: &str,
        partition: &str,
        default_role: Option<&str>,
        default_external_id: Option<&str>,
    ) -> Result<Access, String> {
        let external_id = self
            .external_id
            .clone()
            .or_else(|| default_external_id.map(str::to_string));
        let role_arn = match (&self.role, default_role) {
            (Some(RoleRef::Arn(arn)), _) => arn.clone(),
            (Some(RoleRef::Name(name)), _) => role_arn(partition, &self.account_id, name),
            (None, _) if self.account_id == caller_account => {
                return Ok(Access {
                    role_arn: None,
                    external_id: None,
                });
            }
            (None, Some(name)) => role_arn(partition, &self.account_id, name),
            (None, None) => {
                return Err(format!(
                    "no role to assume in account {}: give one on its line or --assume-role NAME",
                    self.account_id
                ));
            }
        };
        Ok(Access {
            role_arn: Some(role_arn),
            external_id,
        })
    }
}

fn role_arn(partition: &str, account_id: &str, name: &str) -> String {
    format!("arn:{partition}:iam::{account_id}:role/{name}")
}

pub fn read_accounts(path: &Path) -> Result<Vec<AccountSpec>, AccountsError> {
    let text = std::fs::read_to_string(path).map_err(|source| AccountsError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    parse_accounts(&text, path)
}

/// Parses the accounts file; every error names the file, the line and the field.
pub fn parse_accounts(text: &str, path: &Path) -> Result<Vec<AccountSpec>, AccountsError> {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut accounts = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let err = |field: &'static str, message: String| AccountsError::Line {
            path: path.to_path_buf(),
            line,
            field,
            message,
        };
        let content = raw.split_once('#').map_or(raw, |(before, _)| before).trim();
        if content.is_empty() {
            continue;
        }
        let fields: Vec<&str> = content.split(',').map(str::trim).collect();
        if fields.len() > 3 {
            return Err(err(
                "line",
                format!(
                    "{} fields; expected ACCOUNT_ID[,ROLE[,EXTERNAL_ID]]",
                    fields.len()
                ),
            ));
        }
        let account_id = fields[0];
        if !is_account_id(account_id) {
            return Err(err(
                "account id",
                format!("`{account_id}` is not a 12-digit AWS account id"),
            ));
        }
        if let Some(first) = seen.insert(account_id.to_string(), line) {
            return Err(err(
                "account id",
                format!("account {account_id} is listed twice (first on line {first})"),
            ));
        }
        let role = match fields.get(1).copied().filter(|r| !r.is_empty()) {
            None => None,
            Some(role) if role.starts_with("arn:") => Some(RoleRef::Arn(
                parse_role_arn(role, account_id).map_err(|m| err("role", m))?,
            )),
            Some(name) if is_role_name(name) => Some(RoleRef::Name(name.to_string())),
            Some(name) => {
                return Err(err(
                    "role",
                    format!(
                        "`{name}` is neither a role name (1-64 of A-Z a-z 0-9 +=,.@_-) nor a role ARN"
                    ),
                ));
            }
        };
        let external_id = match fields.get(2).copied() {
            None => None,
            Some(id) if is_external_id(id) => Some(id.to_string()),
            Some(id) => {
                return Err(err(
                    "external id",
                    format!("`{id}` is not an external id (2-1224 of A-Z a-z 0-9 +=,.@:/_-)"),
                ));
            }
        };
        if external_id.is_some() && role.is_none() {
            return Err(err(
                "role",
                "an external id needs a role on the same line".to_string(),
            ));
        }
        accounts.push(AccountSpec {
            account_id: account_id.to_string(),
            role,
            external_id,
        });
    }
    if accounts.is_empty() {
        return Err(AccountsError::Empty {
            path: path.to_path_buf(),
        });
    }
    Ok(accounts)
}

pub fn is_account_id(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())
}

/// IAM role names: 1-64 characters of `[A-Za-z0-9+=,.@_-]`.
pub fn is_role_name(text: &str) -> bool {
    (1..=64).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b))
}

fn is_external_id(text: &str) -> bool {
    (2..=1224).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+=,.@:/_-".contains(&b))
}

/// `arn:PARTITION:iam::ACCOUNT:role/[PATH/]NAME`, in the line's own account (the role is how
/// the auditor enters the account it audits).
fn parse_role_arn(arn: &str, account_id: &str) -> Result<String, String> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let bad = |why: &str| format!("`{arn}` is not a role ARN: {why}");
    let [_, partition, service, region, account, resource] = parts.as_slice() else {
        return Err(bad("expected arn:PARTITION:iam::ACCOUNT_ID:role/NAME"));
    };
    if !matches!(*partition, "aws" | "aws-cn" | "aws-us-gov") {
        return Err(bad("unknown partition"));
    }
    if *service != "iam" || !region.is_empty() {
        return Err(bad(
            "expected the IAM service and no region (arn:aws:iam::…)",
        ));
    }
    if !is_account_id(account) {
        return Err(bad("the account is not 12 digits"));
    }
    if *account != account_id {
        return Err(format!(
            "`{arn}` is a role in account {account}, not in the listed account {account_id}"
        ));
    }
    let name = resource
        .strip_prefix("role/")
        .ok_or_else(|| bad("expected role/NAME"))?;
    let role_name = name.rsplit('/').next().unwrap_or_default();
    if !is_role_name(role_name) {
        return Err(bad(
            "the role name is empty or has characters IAM does not allow",
        ));
    }
    Ok(arn.to_string())
}

/// `--shard I/N`: the I-th of N disjoint subsets (0-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl std::str::FromStr for Shard {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let usage = || format!("`{text}` is not I/N with 0 <= I < N (e.g. 0/4)");
        let (i, n) = text.split_once('/').ok_or_else(usage)?;
        let index: usize = i.trim().parse().map_err(|_| usage())?;
        let count: usize = n.trim().parse().map_err(|_| usage())?;
        if count == 0 || index >= count {
            return Err(usage());
        }
        Ok(Shard { index, count })
    }
}

/// The accounts of `shard`: with the ids sorted, those whose position modulo N is I. Every
/// account lands in exactly one shard, and the split depends only on the list of ids (not
/// on the file's order).
pub fn select_shard(mut accounts: Vec<AccountSpec>, shard: Shard) -> Vec<AccountSpec> {
    accounts.sort_by(|a, b| a.account_id.cmp(&b.account_id));
    accounts
        .into_iter()
        .enumerate()
        .filter(|(position, _)| position % shard.count == shard.index)
        .map(|(_, account)| account)
        .collect()
}

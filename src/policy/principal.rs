//! The `Principal` element: `"*"`, or a map of `AWS` / `Service` / `Federated` /
//! `CanonicalUser` to one value or many.

use super::{PolicyError, string_list};
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Principal {
    /// The bare `"Principal": "*"`.
    pub wildcard: bool,
    pub aws: Vec<String>,
    pub service: Vec<String>,
    pub federated: Vec<String>,
    pub canonical_user: Vec<String>,
}

impl Principal {
    pub fn parse(value: &Value, index: usize) -> Result<Self, PolicyError> {
        match value {
            Value::String(s) if s == "*" => Ok(Principal {
                wildcard: true,
                ..Default::default()
            }),
            // A bare string other than "*" is how some emitters write an account or ARN.
            Value::String(s) => Ok(Principal {
                aws: vec![s.clone()],
                ..Default::default()
            }),
            Value::Object(map) => {
                let mut principal = Principal::default();
                for (kind, values) in map {
                    let list = string_list(values, index, "Principal")?;
                    match kind.as_str() {
                        "AWS" => principal.aws.extend(list),
                        "Service" => principal.service.extend(list),
                        "Federated" => principal.federated.extend(list),
                        "CanonicalUser" => principal.canonical_user.extend(list),
                        _ => {
                            return Err(PolicyError::BadStringList {
                                index,
                                field: "Principal",
                            });
                        }
                    }
                }
                Ok(principal)
            }
            _ => Err(PolicyError::BadStringList {
                index,
                field: "Principal",
            }),
        }
    }

    /// Anyone at all: `"*"` or `{"AWS": "*"}` (both mean every principal: any AWS account's
    /// signed requests, and unsigned ones where the entry point accepts them, as function
    /// URLs with AuthType NONE do).
    pub fn is_everyone(&self) -> bool {
        self.wildcard || self.aws.iter().any(|a| a == "*")
    }

    /// Account ids named by the `AWS` entries (`123456789012`, `arn:…:iam::123456789012:root`,
    /// or any IAM ARN of that account).
    pub fn aws_accounts(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .aws
            .iter()
            .filter_map(|entry| account_of_principal(entry))
            .collect();
        out.sort();
        out.dedup();
        out
    }
}

fn account_of_principal(entry: &str) -> Option<String> {
    if entry.len() == 12 && entry.chars().all(|c| c.is_ascii_digit()) {
        return Some(entry.to_string());
    }
    let parts: Vec<&str> = entry.split(':').collect();
    if parts.len() >= 6 && parts[0] == "arn" {
        let account = parts[4];
        if account.len() == 12 && account.chars().all(|c| c.is_ascii_digit()) {
            return Some(account.to_string());
        }
    }
    None
}

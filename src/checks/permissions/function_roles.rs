//! Shared by LA407–LA410: the execution roles a function runs with (`$LATEST` and each
//! published version keep their own), and finding them in the IAM inventory.

use crate::inventory::{Function, Inventory, Role};
use std::collections::HashMap;

/// One execution role of a function and the qualifiers that run with it.
pub(crate) struct FunctionRole<'f> {
    pub arn: &'f str,
    /// `$LATEST` and/or published version numbers, in the function's order.
    pub qualifiers: Vec<&'f str>,
}

/// The distinct execution roles of `function`: `$LATEST`'s first, then any other role a
/// published version was published with.
pub(crate) fn function_roles(function: &Function) -> Vec<FunctionRole<'_>> {
    let mut out = vec![FunctionRole {
        arn: function.role.as_str(),
        qualifiers: vec!["$LATEST"],
    }];
    for version in &function.versions {
        match out.iter_mut().find(|r| r.arn == version.role) {
            Some(r) => r.qualifiers.push(&version.version),
            None => out.push(FunctionRole {
                arn: &version.role,
                qualifiers: vec![&version.version],
            }),
        }
    }
    out
}

/// The role name of a role ARN (the last path segment), for titles.
pub(crate) fn role_name(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

/// The collected roles by ARN, or why they are not known.
pub(crate) struct RoleIndex<'i> {
    roles: Result<HashMap<&'i str, &'i Role>, String>,
}

impl<'i> RoleIndex<'i> {
    pub fn new(inventory: &'i Inventory) -> Self {
        let roles = match inventory.iam.roles.value() {
            Some(roles) => Ok(roles.iter().map(|r| (r.arn.as_str(), r)).collect()),
            None => Err(format!(
                "IAM roles not known: {}",
                inventory.iam.roles.unavailable_reason().unwrap_or_default()
            )),
        };
        RoleIndex { roles }
    }

    /// The role, or the reason for a "not evaluated" line.
    pub fn get(&self, arn: &str) -> Result<&'i Role, String> {
        match &self.roles {
            Err(why) => Err(format!("execution role {arn}: {why}")),
            Ok(roles) => roles.get(arn).copied().ok_or_else(|| {
                format!(
                    "execution role {arn} is not among the collected IAM roles (deleted, or in another account)"
                )
            }),
        }
    }
}

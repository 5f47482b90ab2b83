//! LA407: one execution role serves several functions.

use super::function_roles::{function_roles, role_name};
use crate::checks::{Check, CheckContext, CheckMeta, CheckOutput, Family, FindingDraft};
use crate::findings::Severity;
use crate::inventory::Function;
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};

pub struct SharedExecutionRole;

static META: CheckMeta = CheckMeta {
    id: "LA407",
    name: "shared-execution-role",
    family: Family::Permissions,
    severity: Severity::Low,
    summary: "The execution role is shared with other functions, so each gets the union of their permissions",
    references: &[
        "AWS Lambda Developer Guide: Lambda execution role (grant least privilege)",
        "AWS Well-Architected Serverless Lens: SEC 2 (scope each function's permissions)",
        "OWASP Serverless Top 10 A5:2017 Broken Access Control",
    ],
    doc: include_str!("../../../checks/LA407.md"),
};

/// How many other functions the evidence lists by ARN.
const LIST_CAP: usize = 25;

impl Check for SharedExecutionRole {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn run(&self, ctx: &CheckContext<'_>, out: &mut CheckOutput) {
        let inventory = ctx.inventory;
        // Role ARN → the functions (by ARN) of every listed region that run with it.
        let mut users: BTreeMap<&str, BTreeMap<&str, &Function>> = BTreeMap::new();
        for region in &inventory.regions {
            if region.functions_listing.value().is_none() {
                continue;
            }
            for function in &region.functions {
                for role in function_roles(function) {
                    users
                        .entry(role.arn)
                        .or_default()
                        .insert(function.arn.as_str(), function);
                }
            }
        }
        let unlisted: BTreeSet<&str> = inventory
            .regions
            .iter()
            .filter(|r| r.functions_listing.value().is_none())
            .map(|r| r.region.as_str())
            .collect();

        out.each_function(inventory, |out, region, function| {
            let mut judged = true;
            for role in function_roles(function) {
                let others: Vec<&Function> = users
                    .get(role.arn)
                    .map(|m| {
                        m.values()
                            .copied()
                            .filter(|f| f.arn != function.arn)
                            .collect()
                    })
                    .unwrap_or_default();
                if others.is_empty() {
                    if !unlisted.is_empty() {
                        // It may be shared with a function we could not see.
                        judged = false;
                        out.not_evaluated(
                            &region.region,
                            &function.arn,
                            format!(
                                "execution role {} runs no other function of the regions read, but the function list of {} could not be read",
                                role.arn,
                                unlisted.iter().copied().collect::<Vec<_>>().join(", ")
                            ),
                        );
                    }
                    continue;
                }
                let name = role_name(role.arn);
                let listed: Vec<&str> = others
                    .iter()
                    .take(LIST_CAP)
                    .map(|f| f.arn.as_str())
                    .collect();
                let named: Vec<&str> = others.iter().take(3).map(|f| f.name.as_str()).collect();
                let more = if others.len() > named.len() {
                    format!(" and {} more", others.len() - named.len())
                } else {
                    String::new()
                };
                out.finding(FindingDraft {
                    region: &region.region,
                    resource_arn: &function.arn,
                    function_name: Some(&function.name),
                    severity: None,
                    title: format!(
                        "{}: execution role {name} is shared with {} other function(s)",
                        function.name,
                        others.len()
                    ),
                    message: format!(
                        "Function {} ({}) runs with role {}, which {} other function(s) also run with: {}{more}. The role must hold the union of what all of them need, so each of them gets the permissions of all the others: a flaw in any one of them exposes the data and actions of every function sharing the role. Give each function its own role.",
                        function.name,
                        role.qualifiers.join(", "),
                        role.arn,
                        others.len(),
                        named.join(", "),
                    ),
                    evidence: json!({
                        "role_arn": role.arn,
                        "qualifiers": role.qualifiers,
                        "other_functions": listed,
                        "other_function_count": others.len(),
                        "other_functions_truncated": others.len() > LIST_CAP,
                    }),
                    detail_key: role.arn.to_string(),
                });
            }
            if judged {
                out.evaluated();
            }
        });
    }
}

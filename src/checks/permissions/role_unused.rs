//! LA410: the execution role has not been used for 90 days, or never as far as IAM knows.

use super::function_roles::{RoleIndex, function_roles, role_name};
use crate::checks::{Check, CheckContext, CheckMeta, CheckOutput, Family, FindingDraft};
use crate::findings::Severity;
use serde_json::json;
use std::time::{Duration, SystemTime};

pub struct RoleUnused;

static META: CheckMeta = CheckMeta {
    id: "LA410",
    name: "role-unused",
    family: Family::Permissions,
    severity: Severity::Low,
    summary: "The execution role has not been used for 90 days before the audit, or IAM has no record of its use",
    references: &[
        "AWS IAM User Guide: Refining permissions in AWS using last accessed information",
        "AWS IAM User Guide: Security best practices in IAM (regularly review and remove unused users, roles, permissions)",
        "AWS Security Hub IAM.8 (unused credentials)",
        "CIS AWS Foundations Benchmark 1.12",
    ],
    doc: include_str!("../../../checks/LA410.md"),
};

/// A role unused for longer than this before the audit is reported.
pub const UNUSED_DAYS: u64 = 90;
const DAY: u64 = 86_400;

/// An RFC 3339 timestamp in UTC (`Z` or `+00:00`, any fractional digits).
fn instant(text: &str) -> Option<SystemTime> {
    humantime::parse_rfc3339(text).ok()
}

impl Check for RoleUnused {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn run(&self, ctx: &CheckContext<'_>, out: &mut CheckOutput) {
        let collected_at = &ctx.inventory.collected_at;
        // The audit date is the inventory's, not the wall clock's: a snapshot audited later
        // gives the same findings.
        let audit = instant(collected_at);
        let audit_date = collected_at.get(..10).unwrap_or_default();
        let roles = RoleIndex::new(ctx.inventory);
        out.each_function(ctx.inventory, |out, region, function| {
            let Some(audit) = audit else {
                out.not_evaluated(
                    &region.region,
                    &function.arn,
                    format!(
                        "the inventory's collected_at `{collected_at}` is not an RFC 3339 UTC timestamp"
                    ),
                );
                return;
            };
            let mut judged = true;
            for function_role in function_roles(function) {
                let role = match roles.get(function_role.arn) {
                    Ok(role) => role,
                    Err(why) => {
                        judged = false;
                        out.not_evaluated(&region.region, &function.arn, why);
                        continue;
                    }
                };
                let days_unused = match role.last_used.as_deref() {
                    None => None,
                    Some(text) => match instant(text) {
                        Some(t) => {
                            let idle = audit.duration_since(t).unwrap_or(Duration::ZERO);
                            if idle <= Duration::from_secs(UNUSED_DAYS * DAY) {
                                continue;
                            }
                            Some(idle.as_secs() / DAY)
                        }
                        None => {
                            judged = false;
                            out.not_evaluated(
                                &region.region,
                                &function.arn,
                                format!(
                                    "the last-used date `{text}` of role {} is not an RFC 3339 UTC timestamp",
                                    role.arn
                                ),
                            );
                            continue;
                        }
                    },
                };
                let name = role_name(&role.arn);
                let (title, when) = match days_unused {
                    Some(days) => (
                        format!(
                            "{}: execution role {name} unused for {days} days",
                            function.name
                        ),
                        format!(
                            "was last used on {} ({days} days before this audit on {audit_date}; the threshold is {UNUSED_DAYS} days)",
                            role.last_used.as_deref().unwrap_or_default().get(..10).unwrap_or_default()
                        ),
                    ),
                    None => (
                        format!("{}: execution role {name} has no record of use", function.name),
                        "has no record of use in IAM's tracking window (about 400 days)"
                            .to_string(),
                    ),
                };
                out.finding(FindingDraft {
                    region: &region.region,
                    resource_arn: &function.arn,
                    function_name: Some(&function.name),
                    severity: None,
                    title,
                    message: format!(
                        "Role {}, the execution role of {} ({}), {when}. Lambda assumes the execution role to run the function, so the function has not run in that time: it is dormant attack surface — deployed code, a role with permissions and possibly triggers or a resource policy that anyone able to invoke or update it can still use. Delete the function and its role if it is no longer needed.",
                        role.arn,
                        function.name,
                        function_role.qualifiers.join(", "),
                    ),
                    evidence: json!({
                        "role_arn": role.arn,
                        "qualifiers": function_role.qualifiers,
                        "last_used": role.last_used,
                        "last_used_region": role.last_used_region,
                        "days_unused": days_unused,
                        "threshold_days": UNUSED_DAYS,
                        "audit_date": audit_date,
                        "function_last_modified": function.last_modified,
                    }),
                    detail_key: role.arn.clone(),
                });
            }
            if judged {
                out.evaluated();
            }
        });
    }
}

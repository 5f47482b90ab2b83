//! LA405: the execution role grants more than the function's configuration needs.

use crate::checks::{Check, CheckContext, CheckMeta, CheckOutput, Family, FindingDraft};
use crate::findings::Severity;
use crate::least_privilege::analysis::ExcessGroup;
use crate::policy::catalogue::AccessLevel;
use serde_json::json;

pub struct ExcessPermissions;

static META: CheckMeta = CheckMeta {
    id: "LA405",
    name: "excess-permissions",
    family: Family::Permissions,
    severity: Severity::Medium,
    summary: "Execution role grants actions or resources beyond what the function's configuration needs",
    references: &[
        "AWS IAM User Guide: Apply least-privilege permissions",
        "OWASP Serverless Top 10 A5:2017 Broken Access Control (over-privileged functions)",
    ],
    doc: include_str!("../../../checks/LA405.md"),
};

/// High when something that writes or manages permissions is granted on every resource;
/// medium for scoped writes; low when only reads, lists or tags are in excess.
fn severity(groups: &[ExcessGroup]) -> Severity {
    let worst = |g: &&ExcessGroup| (g.access_level, g.on_any_resource);
    match groups
        .iter()
        .max_by_key(worst)
        .map(|g| (g.access_level, g.on_any_resource))
    {
        Some((AccessLevel::PermissionsManagement | AccessLevel::Write, true)) => Severity::High,
        Some((AccessLevel::PermissionsManagement | AccessLevel::Write, false)) => Severity::Medium,
        _ => Severity::Low,
    }
}

impl Check for ExcessPermissions {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn run(&self, ctx: &CheckContext<'_>, out: &mut CheckOutput) {
        out.each_function(ctx.inventory, |out, region, function| {
            let analysis = match ctx.least_privilege(function) {
                Ok(a) => a,
                Err(reason) => {
                    out.not_evaluated(&region.region, &function.arn, reason);
                    return;
                }
            };
            out.evaluated();
            if analysis.excess.is_empty() {
                return;
            }
            let total: usize = analysis.excess.iter().map(|g| g.count).sum();
            let worst = &analysis.excess[0];
            out.finding(FindingDraft {
                region: &region.region,
                resource_arn: &function.arn,
                function_name: Some(&function.name),
                severity: Some(severity(&analysis.excess)),
                title: format!(
                    "{}: role grants {total} action(s) beyond what it needs",
                    function.name
                ),
                message: format!(
                    "The execution role {} grants {total} action(s) the function's configuration does not need, or on more resources than it needs; the riskiest: {} {} actions of {}{}. `lambda-audit policy {}` prints a least-privilege policy derived from its configuration.",
                    analysis.role_arn,
                    worst.count,
                    worst.access_level,
                    worst.service,
                    if worst.on_any_resource { " on every resource" } else { "" },
                    function.name
                ),
                evidence: json!({
                    "role_arn": analysis.role_arn,
                    "excess": analysis.excess.iter().take(10).collect::<Vec<_>>(),
                    "excess_groups": analysis.excess.len(),
                    "granted_actions_by_level": analysis.granted_actions_by_level,
                }),
                detail_key: analysis.role_arn.clone(),
            });
        });
    }
}

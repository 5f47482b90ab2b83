//! LA406: the function's configuration needs something its role does not grant.

use crate::checks::{Check, CheckContext, CheckMeta, CheckOutput, Family, FindingDraft};
use crate::findings::Severity;
use crate::least_privilege::baseline::Confidence;
use serde_json::json;

pub struct MissingPermissions;

static META: CheckMeta = CheckMeta {
    id: "LA406",
    name: "missing-permissions",
    family: Family::Permissions,
    severity: Severity::Medium,
    summary: "Function's configuration needs permissions its execution role does not grant (it will fail at run time)",
    references: &[
        "AWS Lambda Developer Guide: Defining Lambda function permissions with an execution role",
    ],
    doc: include_str!("../../../checks/LA406.md"),
};

impl Check for MissingPermissions {
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
            // What could not be derived (e.g. async destinations not listed) is unknown, not
            // "nothing missing".
            if !analysis.baseline.unknown.is_empty() {
                out.not_evaluated(
                    &region.region,
                    &function.arn,
                    format!("baseline incomplete: {}", analysis.baseline.unknown.join("; ")),
                );
            } else {
                out.evaluated();
            }
            if analysis.missing.is_empty() {
                return;
            }
            let certain = analysis
                .missing
                .iter()
                .any(|m| m.confidence == Confidence::Certain);
            let listed: Vec<String> = analysis
                .missing
                .iter()
                .map(|m| format!("{} on {} ({})", m.action, m.resource, m.because))
                .collect();
            out.finding(FindingDraft {
                region: &region.region,
                resource_arn: &function.arn,
                function_name: Some(&function.name),
                severity: Some(if certain { Severity::Medium } else { Severity::Low }),
                title: format!(
                    "{}: role lacks {} permission(s) its configuration needs",
                    function.name,
                    analysis.missing.len()
                ),
                message: format!(
                    "The execution role {} does not grant: {}. Those invocations, event sources or destinations fail at run time.",
                    analysis.role_arn,
                    listed.join("; ")
                ),
                evidence: json!({"role_arn": analysis.role_arn, "missing": analysis.missing}),
                detail_key: analysis.role_arn.clone(),
            });
        });
    }
}

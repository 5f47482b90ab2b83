//! LA208: a function lacks tags the guardrails require.

use crate::checks::{Check, CheckContext, CheckMeta, CheckOutput, Family, FindingDraft};
use crate::findings::Severity;
use serde_json::json;

pub struct MissingRequiredTags;

static META: CheckMeta = CheckMeta {
    id: "LA208",
    name: "missing-required-tags",
    family: Family::Configuration,
    severity: Severity::Low,
    summary: "Function lacks tags required by the guardrails file (thresholds.required_tags)",
    references: &[
        "AWS Security Hub [Lambda.6] Lambda functions should be tagged",
        "AWS Whitepaper: Best Practices for Tagging AWS Resources",
    ],
    doc: include_str!("../../../checks/LA208.md"),
};

impl Check for MissingRequiredTags {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn run(&self, ctx: &CheckContext<'_>, out: &mut CheckOutput) {
        let required = &ctx.guardrails.required_tags;
        // No tag policy stated, nothing to judge.
        if required.is_empty() {
            return;
        }
        out.each_function(ctx.inventory, |out, region, function| {
            let Some(tags) = function.tags.value() else {
                let reason = function.tags.unavailable_reason().unwrap_or_default();
                out.not_evaluated(&region.region, &function.arn, reason);
                return;
            };
            out.evaluated();
            let missing: Vec<&str> = required
                .iter()
                .filter(|key| !tags.contains_key(key.as_str()))
                .map(String::as_str)
                .collect();
            if missing.is_empty() {
                return;
            }
            out.finding(FindingDraft {
                region: &region.region,
                resource_arn: &function.arn,
                function_name: Some(&function.name),
                severity: None,
                title: format!("{}: missing required tags {}", function.name, missing.join(", ")),
                message: format!(
                    "{} lacks the tag(s) {} that the guardrails file requires (tag keys are case-sensitive). Untagged functions have no recorded owner to page in an incident and fall outside tag-based access control and cost allocation.",
                    function.name,
                    missing.join(", ")
                ),
                evidence: json!({
                    "missing": missing,
                    "required": required,
                    "present": tags.keys().collect::<Vec<_>>(),
                }),
                detail_key: String::new(),
            });
        });
    }
}

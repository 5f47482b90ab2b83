//! LA501: a deployed function that no declaration describes.

use crate::checks::exposure::{Admission, admission};
use crate::checks::{Check, CheckContext, CheckMeta, CheckOutput, Family, FindingDraft};
use crate::findings::Severity;
use serde_json::json;

pub struct UnmanagedFunction;

static META: CheckMeta = CheckMeta {
    id: "LA501",
    name: "unmanaged-function",
    family: Family::Drift,
    severity: Severity::Medium,
    summary: "Deployed function that no declared template, Serverless file or Terraform state describes",
    references: &["OWASP Serverless Top 10 A10:2017 Insufficient Logging and Monitoring"],
    doc: include_str!("../../../checks/LA501.md"),
};

impl Check for UnmanagedFunction {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn run(&self, ctx: &CheckContext<'_>, out: &mut CheckOutput) {
        let Some(view) = ctx.drift() else { return };
        for region in &ctx.inventory.regions {
            if let Some(reason) = region.functions_listing.unavailable_reason() {
                out.not_evaluated(
                    &region.region,
                    &format!("all functions in {}", region.region),
                    reason,
                );
            }
        }
        // A function whose tags were not read may be a declared one with a generated name.
        let generated_names = view
            .functions
            .iter()
            .any(|m| m.declared.name.known().is_none());
        for (region, function) in &view.unmanaged {
            if generated_names && let Some(reason) = function.tags.unavailable_reason() {
                out.not_evaluated(
                    &region.region,
                    &function.arn,
                    format!("its tags were not collected: {reason}"),
                );
                continue;
            }
            out.evaluated();
            let public_url = function.url_configs.value().and_then(|urls| {
                urls.iter()
                    .filter(|u| u.auth_type == "NONE")
                    .find(|u| matches!(admission(function, u), Admission::Public { .. }))
            });
            let severity = public_url.map(|_| Severity::High);
            let stack = function
                .tags
                .value()
                .and_then(|t| t.get("aws:cloudformation:stack-name"))
                .cloned();
            out.finding(FindingDraft {
                region: &region.region,
                resource_arn: &function.arn,
                function_name: Some(&function.name),
                severity,
                title: "Function is not declared in any infrastructure-as-code source given".into(),
                message: format!(
                    "{} is deployed but none of the {} declared file(s) describes it{}{}.",
                    function.name,
                    view.declared.sources.len(),
                    stack
                        .as_deref()
                        .map(|s| format!(" (it belongs to CloudFormation stack {s}, whose template was not given)"))
                        .unwrap_or_default(),
                    if public_url.is_some() {
                        "; it has a public function URL"
                    } else {
                        ""
                    }
                ),
                evidence: json!({
                    "stack_name": stack,
                    "runtime": function.runtime,
                    "last_modified": function.last_modified,
                    "public_url": public_url.map(|u| &u.url),
                }),
                detail_key: String::new(),
            });
        }
    }
}

//! LA207: a .zip function with no code signing config.

use super::is_image;
use crate::checks::{Check, CheckContext, CheckMeta, CheckOutput, Family, FindingDraft};
use crate::findings::Severity;
use serde_json::json;

pub struct NoCodeSigning;

static META: CheckMeta = CheckMeta {
    id: "LA207",
    name: "no-code-signing",
    family: Family::Configuration,
    severity: Severity::Info,
    summary: "A .zip function accepts unsigned code: no code signing config governs it",
    references: &[
        "OWASP Serverless Top 10 A6:2017 Security Misconfiguration",
        "AWS Lambda Developer Guide: Configuring code signing for Lambda",
    ],
    doc: include_str!("../../../checks/LA207.md"),
};

impl Check for NoCodeSigning {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn run(&self, ctx: &CheckContext<'_>, out: &mut CheckOutput) {
        out.each_function(ctx.inventory, |out, region, function| {
            // Code signing applies to .zip packages only; images are verified by other means.
            if is_image(function) {
                return;
            }
            let Some(config) = out.seen(&region.region, &function.arn, &function.code_signing_config_arn) else {
                return;
            };
            out.evaluated();
            if config.is_some() {
                return;
            }
            out.finding(FindingDraft {
                region: &region.region,
                resource_arn: &function.arn,
                function_name: Some(&function.name),
                severity: None,
                title: format!("{}: no code signing config", function.name),
                message: format!(
                    "No code signing config governs {}: Lambda accepts any .zip package or layer for it, signed or not, from whoever holds lambda:UpdateFunctionCode.",
                    function.name
                ),
                evidence: json!({
                    "code_signing_config_arn": null,
                    "package_type": function.package_type,
                }),
                detail_key: String::new(),
            });
        });
    }
}

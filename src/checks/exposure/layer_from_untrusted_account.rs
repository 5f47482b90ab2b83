//! LA108: a function loads a layer published by an account nobody vouched for.

use super::arn_account;
use super::trusted_layer_publishers::aws_publisher;
use crate::checks::{Check, CheckContext, CheckMeta, CheckOutput, Family, FindingDraft};
use crate::findings::Severity;
use serde_json::json;

pub struct LayerFromUntrustedAccount;

static META: CheckMeta = CheckMeta {
    id: "LA108",
    name: "layer-from-untrusted-account",
    family: Family::Exposure,
    severity: Severity::High,
    summary: "Function uses a layer from an account that is neither yours, AWS's, nor allow-listed",
    references: &[
        "OWASP Serverless Top 10 A9:2017 Using Components with Known Vulnerabilities",
        "OWASP Top 10 2021 A08 Software and Data Integrity Failures",
        "AWS Lambda Developer Guide: Layer permissions",
    ],
    doc: include_str!("../../../checks/LA108.md"),
};

impl Check for LayerFromUntrustedAccount {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn run(&self, ctx: &CheckContext<'_>, out: &mut CheckOutput) {
        let own = ctx.inventory.account.account_id.as_str();
        let allowed = &ctx.guardrails.allowed_layer_accounts;
        out.each_function(ctx.inventory, |out, region, function| {
            out.evaluated();
            for layer in &function.layers {
                let Some(account) = arn_account(layer) else {
                    out.not_evaluated(
                        &region.region,
                        &function.arn,
                        format!("layer ARN {layer} names no account"),
                    );
                    continue;
                };
                if account == own || allowed.contains(account) || aws_publisher(account).is_some()
                {
                    continue;
                }
                out.finding(FindingDraft {
                    region: &region.region,
                    resource_arn: &function.arn,
                    function_name: Some(&function.name),
                    severity: None,
                    title: format!("{}: layer from untrusted account {account}", function.name),
                    message: format!(
                        "{} loads layer {layer}, published by account {account}, which is not the audited account, not a known AWS layer publisher and not allow-listed in the guardrails file ([allow] layer_accounts). Layer code runs inside the function with its execution role.",
                        function.name
                    ),
                    evidence: json!({
                        "layer_arn": layer,
                        "layer_account": account,
                        "layers": function.layers,
                    }),
                    detail_key: layer.clone(),
                });
            }
        });
    }
}

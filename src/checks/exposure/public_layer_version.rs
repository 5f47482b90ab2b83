//! LA109: a layer version of the audited account that any AWS account can use.

use super::statement_key;
use crate::checks::{Check, CheckContext, CheckMeta, CheckOutput, Family, FindingDraft};
use crate::findings::Severity;
use crate::inventory::Collected;
use crate::policy::condition::{RestrictingKeys, first_restricting};
use crate::policy::{Effect, PrincipalSpec, parse_statements};
use serde_json::json;

pub struct PublicLayerVersion;

static META: CheckMeta = CheckMeta {
    id: "LA109",
    name: "public-layer-version",
    family: Family::Exposure,
    severity: Severity::Medium,
    summary: "Layer version policy lets every AWS account download the layer",
    references: &[
        "AWS Lambda Developer Guide: Granting layer access to other accounts",
        "OWASP Serverless Top 10 A3:2017 Sensitive Data Exposure",
    ],
    doc: include_str!("../../../checks/LA109.md"),
};

/// Keys that confine a layer grant to known callers.
const LAYER_SCOPING_KEYS: RestrictingKeys = RestrictingKeys(&[
    "aws:PrincipalOrgID",
    "aws:PrincipalOrgPaths",
    "aws:PrincipalAccount",
    "aws:PrincipalArn",
]);

impl Check for PublicLayerVersion {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn run(&self, ctx: &CheckContext<'_>, out: &mut CheckOutput) {
        let own = ctx.inventory.account.account_id.as_str();
        for region in &ctx.inventory.regions {
            // Layers are found through the functions that use them: without the function
            // list, the region's layer list is incomplete.
            if let Some(reason) = region.functions_listing.unavailable_reason() {
                out.not_evaluated(
                    &region.region,
                    &format!("all layers in {}", region.region),
                    reason,
                );
                continue;
            }
            for layer in &region.layers {
                let policy = match &layer.policy {
                    Collected::Collected { value: None } => {
                        out.evaluated();
                        continue;
                    }
                    Collected::Collected { value: Some(p) } => p,
                    // Another account's layer policy is not ours to read or judge.
                    Collected::NotCollected { .. } if layer.owner_account != own => continue,
                    other => {
                        let reason = other.unavailable_reason().unwrap_or_default();
                        out.not_evaluated(&region.region, &layer.arn, reason);
                        continue;
                    }
                };
                let statements = match parse_statements(&policy.document) {
                    Ok(s) => s,
                    Err(e) => {
                        out.not_evaluated(
                            &region.region,
                            &layer.arn,
                            format!("layer policy could not be read: {e}"),
                        );
                        continue;
                    }
                };
                out.evaluated();
                for statement in &statements {
                    let everyone = match &statement.principal {
                        PrincipalSpec::Principal(p) => p.is_everyone(),
                        PrincipalSpec::NotPrincipal(_) => true,
                        PrincipalSpec::None => false,
                    };
                    if statement.effect != Effect::Allow
                        || !everyone
                        || !statement.covers_action("lambda:GetLayerVersion")
                        || first_restricting(&statement.conditions, LAYER_SCOPING_KEYS).is_some()
                    {
                        continue;
                    }
                    out.finding(FindingDraft {
                        region: &region.region,
                        resource_arn: &layer.arn,
                        function_name: None,
                        severity: None,
                        title: format!("layer {} is public", layer.arn),
                        message: format!(
                            "{} of the policy of layer version {} grants lambda:GetLayerVersion to every AWS account with no restricting aws:PrincipalOrgID: anyone can download its content.",
                            statement.label(),
                            layer.arn
                        ),
                        evidence: json!({
                            "layer_arn": layer.arn,
                            "statement": statement.raw,
                        }),
                        detail_key: statement_key(statement),
                    });
                }
            }
        }
    }
}

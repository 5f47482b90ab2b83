//! LA502: a declared function that is not deployed.

use super::declaration;
use crate::checks::{Check, CheckContext, CheckMeta, CheckOutput, Family, FindingDraft};
use crate::drift::Deployment;
use crate::findings::Severity;
use serde_json::json;

pub struct DeclaredFunctionMissing;

static META: CheckMeta = CheckMeta {
    id: "LA502",
    name: "declared-function-missing",
    family: Family::Drift,
    severity: Severity::Low,
    summary: "Function declared in infrastructure-as-code but not deployed",
    references: &["OWASP Serverless Top 10 A10:2017 Insufficient Logging and Monitoring"],
    doc: include_str!("../../../checks/LA502.md"),
};

impl Check for DeclaredFunctionMissing {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn run(&self, ctx: &CheckContext<'_>, out: &mut CheckOutput) {
        let Some(view) = ctx.drift() else { return };
        for m in &view.functions {
            let declared = m.declared;
            let label = declared
                .name
                .known()
                .cloned()
                .unwrap_or_else(|| declared.origin.key.clone());
            match &m.deployed {
                Deployment::Deployed { .. } | Deployment::OutsideAudit { .. } => out.evaluated(),
                Deployment::NotEvaluated { region, reason } => {
                    out.not_evaluated(region, &label, reason.clone())
                }
                Deployment::Missing { region } => {
                    out.evaluated();
                    let resource = match declared.name.known() {
                        Some(name) => format!(
                            "arn:{}:lambda:{region}:{}:function:{name}",
                            ctx.inventory.account.partition, ctx.inventory.account.account_id
                        ),
                        None => format!(
                            "declared:{}#{}",
                            declared.origin.location.file, declared.origin.key
                        ),
                    };
                    out.finding_at(
                        FindingDraft {
                            region,
                            resource_arn: &resource,
                            function_name: declared.name.known().map(String::as_str),
                            severity: None,
                            title: "Declared function is not deployed".into(),
                            message: format!(
                                "{} ({} in {}) is declared but no deployed function in {region} matches it by name{}.",
                                label,
                                declared.origin.key,
                                declared.origin.location,
                                if declared.origin.stack_name.is_some() {
                                    " or by its stack's CloudFormation tags"
                                } else {
                                    ""
                                }
                            ),
                            evidence: json!({ "declaration": declaration(declared) }),
                            detail_key: declared.origin.key.clone(),
                        },
                        Some(&declared.origin.location),
                    );
                }
            }
        }
    }
}

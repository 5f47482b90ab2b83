//! LA403: the execution role may read data (objects, secrets, parameters, plaintext, items,
//! messages, records, code) on every resource, or across accounts or buckets.

use super::data_read_actions::DATA_READ_ACTIONS;
use super::role_policies::{
    allow_patterns, allowing, each_function_role, is_wide_pattern, labels, statements_evidence,
};
use crate::checks::{Check, CheckContext, CheckMeta, CheckOutput, Family, FindingDraft};
use crate::findings::Severity;
use crate::policy::effective::PolicySourceRef;
use serde_json::json;

pub struct DataExfiltrationOnStar;

static META: CheckMeta = CheckMeta {
    id: "LA403",
    name: "data-exfiltration-on-star",
    family: Family::Permissions,
    severity: Severity::High,
    summary: "The execution role may read data (S3 objects, secrets, parameters, KMS plaintext, items, messages, records) on Resource \"*\" or across accounts or buckets",
    references: &[
        "AWS IAM User Guide: Security best practices in IAM (apply least-privilege permissions)",
        "AWS Well-Architected Security Pillar SEC03-BP02 Grant least privilege access",
        "OWASP Serverless Top 10 A5:2017 Broken Access Control",
    ],
    doc: include_str!("../../../checks/LA403.md"),
};

impl Check for DataExfiltrationOnStar {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn run(&self, ctx: &CheckContext<'_>, out: &mut CheckOutput) {
        each_function_role(out, ctx.inventory, |out, region, function, view| {
            let policies = &view.policies;
            let mut exposures = Vec::new();
            let mut all_refs: Vec<PolicySourceRef> = Vec::new();
            let mut all_conditional = true;
            for entry in DATA_READ_ACTIONS {
                // `*` first, then every wide pattern an Allow statement names.
                let mut candidates = vec!["*".to_string()];
                candidates.extend(
                    allow_patterns(policies, entry.action)
                        .into_iter()
                        .filter(|p| p != "*" && is_wide_pattern(p)),
                );
                for resource in candidates {
                    let decision = policies.evaluate(entry.action, &resource);
                    let Some((refs, conditional)) = allowing(&decision) else {
                        continue;
                    };
                    all_conditional &= conditional;
                    all_refs.extend(refs.iter().cloned());
                    exposures.push(json!({
                        "action": entry.action,
                        "resource": resource,
                        "reads": entry.reads,
                        "conditional": conditional,
                        "statements": labels(refs),
                        "reference": entry.reference,
                    }));
                    break;
                }
            }
            if exposures.is_empty() {
                return;
            }
            let actions: Vec<&str> = exposures
                .iter()
                .filter_map(|e| e["action"].as_str())
                .collect();
            let conditional = if all_conditional {
                " Every such grant carries a Condition, so it holds only for requests that meet it."
            } else {
                ""
            };
            out.finding(FindingDraft {
                region: &region.region,
                resource_arn: &function.arn,
                function_name: Some(&function.name),
                severity: None,
                title: format!(
                    "{}: role {} may read data on every resource ({})",
                    function.name,
                    view.role.name,
                    actions.join(", ")
                ),
                message: format!(
                    "Function {} runs with role {}, which allows {} on Resource \"*\" or on patterns spanning accounts or buckets: code running in the function can read data it has no use for.{conditional}",
                    function.name,
                    view.role.arn,
                    actions.join(", ")
                ),
                evidence: json!({
                    "role_arn": view.role.arn,
                    "actions": exposures,
                    "conditional": all_conditional,
                    "statements": statements_evidence(policies, &all_refs),
                }),
                detail_key: view.role.arn.clone(),
            });
        });
    }
}

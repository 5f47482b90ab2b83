//! LA505: resource-policy grants added or removed outside the declaration.

use super::declaration;
use crate::checks::exposure::public_grant;
use crate::checks::{Check, CheckContext, CheckMeta, CheckOutput, Family, FindingDraft};
use crate::declared::DeclaredPermission;
use crate::drift::statements::{declared_by, grants, permission_matches};
use crate::findings::Severity;
use crate::inventory::Collected;
use crate::policy::parse_statements;
use serde_json::json;

pub struct ResourcePolicyDrift;

static META: CheckMeta = CheckMeta {
    id: "LA505",
    name: "resource-policy-drift",
    family: Family::Drift,
    severity: Severity::High,
    summary: "Resource-policy statement added outside the declaration (public: critical), or a declared grant missing",
    references: &[
        "AWS Security Hub Lambda.1",
        "OWASP Serverless Top 10 A5:2017 Broken Access Control",
    ],
    doc: include_str!("../../../checks/LA505.md"),
};

impl Check for ResourcePolicyDrift {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn run(&self, ctx: &CheckContext<'_>, out: &mut CheckOutput) {
        let Some(view) = ctx.drift() else { return };
        let account = &ctx.inventory.account.account_id;
        for (m, region, function) in view.deployed() {
            let declared = m.declared;
            if let Some(reason) = function.aliases.unavailable_reason() {
                out.not_evaluated(
                    &region.region,
                    &format!("{}:<aliases>", function.arn),
                    reason,
                );
            }
            let mut matched = vec![false; declared.permissions.len()];
            for qualified in function.policies() {
                let document = match qualified.policy {
                    Collected::Collected { value: None } => None,
                    Collected::Collected {
                        value: Some(policy),
                    } => Some(&policy.document),
                    other => {
                        out.not_evaluated(
                            &region.region,
                            qualified.arn,
                            other.unavailable_reason().unwrap_or_default(),
                        );
                        continue;
                    }
                };
                let statements = match document.map(parse_statements).transpose() {
                    Ok(statements) => statements.unwrap_or_default(),
                    Err(e) => {
                        out.not_evaluated(
                            &region.region,
                            qualified.arn,
                            format!("resource policy could not be read: {e}"),
                        );
                        continue;
                    }
                };
                out.evaluated();
                let in_scope: Vec<(usize, &DeclaredPermission)> = declared
                    .permissions
                    .iter()
                    .enumerate()
                    .filter(|(_, p)| p.qualifier.as_deref() == qualified.qualifier)
                    .collect();
                for statement in &statements {
                    let covered = grants(statement).is_some_and(|grants| {
                        grants.iter().all(|grant| {
                            let hits: Vec<usize> = in_scope
                                .iter()
                                .filter(|(_, p)| !declared_by(grant, [*p]).is_empty())
                                .map(|(i, _)| *i)
                                .collect();
                            // A URL-scoped pair statement is covered by the URL grant but does
                            // not deploy it: only an exact match counts as deployed.
                            for i in &hits {
                                if permission_matches(&declared.permissions[*i], grant) {
                                    matched[*i] = true;
                                }
                            }
                            !hits.is_empty()
                        })
                    });
                    // An added Deny only takes access away.
                    if covered
                        || !declared.permissions_complete
                        || statement.effect == crate::policy::Effect::Deny
                    {
                        continue;
                    }
                    let public = [
                        "lambda:InvokeFunction",
                        "lambda:InvokeFunctionUrl",
                        "lambda:*",
                    ]
                    .iter()
                    .any(|a| public_grant(statement, a).is_some());
                    let other_account = match &statement.principal {
                        crate::policy::PrincipalSpec::Principal(p) => {
                            p.aws_accounts().iter().any(|a| a != account)
                        }
                        _ => false,
                    };
                    let (severity, exposure) = if public {
                        (Severity::Critical, "anyone")
                    } else if other_account {
                        (Severity::High, "another AWS account")
                    } else {
                        (Severity::Medium, "a principal")
                    };
                    let sid = statement
                        .sid
                        .clone()
                        .unwrap_or_else(|| format!("#{}", statement.index));
                    out.finding_at(
                        FindingDraft {
                            region: &region.region,
                            resource_arn: qualified.arn,
                            function_name: Some(&function.name),
                            severity: Some(severity),
                            title: format!("Resource-policy statement {sid} was added outside the declaration"),
                            message: format!(
                                "{} lets {exposure} call it through statement {sid}, which no declaration in {} grants: someone changed the policy out of band.",
                                qualified.arn, declared.origin.location
                            ),
                            evidence: json!({
                                "change": "added",
                                "statement": statement.raw,
                                "declaration": declaration(declared),
                            }),
                            detail_key: format!("added:{sid}"),
                        },
                        Some(&declared.origin.location),
                    );
                }
            }
            for (i, permission) in declared.permissions.iter().enumerate() {
                if matched[i] {
                    continue;
                }
                let target = match &permission.qualifier {
                    Some(q) => format!("{}:{q}", function.arn),
                    None => function.arn.clone(),
                };
                // Only judged where the policy it belongs to was read.
                let seen = function.policies().iter().any(|p| {
                    p.qualifier == permission.qualifier.as_deref() && p.policy.value().is_some()
                });
                if !seen {
                    continue;
                }
                out.finding_at(
                    FindingDraft {
                        region: &region.region,
                        resource_arn: &target,
                        function_name: Some(&function.name),
                        severity: Some(Severity::Low),
                        title: "A declared resource-policy grant is not deployed".into(),
                        message: format!(
                            "{} is declared at {} to let {} call {} but the deployed policy has no such statement: it was removed out of band or the deployment failed.",
                            target,
                            permission.location,
                            describe(&permission.principal),
                            describe(&permission.action)
                        ),
                        evidence: json!({
                            "change": "removed",
                            "principal": permission.principal,
                            "action": permission.action,
                            "source_arn": permission.source_arn,
                            "declaration": declaration(declared),
                        }),
                        detail_key: format!(
                            "removed:{}:{}:{}",
                            describe(&permission.principal),
                            describe(&permission.action),
                            permission.location
                        ),
                    },
                    Some(&permission.location),
                );
            }
        }
    }
}

fn describe(value: &crate::declared::Declared<String>) -> String {
    value
        .known()
        .cloned()
        .unwrap_or_else(|| "(unresolved)".into())
}

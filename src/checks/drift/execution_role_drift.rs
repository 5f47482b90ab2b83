//! LA508: execution-role policies attached, detached or edited outside the declaration.

use crate::checks::{Check, CheckContext, CheckMeta, CheckOutput, Family, FindingDraft};
use crate::declared::first_unknown;
use crate::drift::statements::{Normalized, normalize_document, statement_matches};
use crate::findings::Severity;
use serde_json::json;

pub struct ExecutionRoleDrift;

static META: CheckMeta = CheckMeta {
    id: "LA508",
    name: "execution-role-drift",
    family: Family::Drift,
    severity: Severity::High,
    summary: "Execution role has policies attached or statements added outside the declaration (admin: critical), or declared ones missing",
    references: &[
        "OWASP Serverless Top 10 A5:2017 Broken Access Control",
        "AWS Lambda Developer Guide: Lambda execution role",
    ],
    doc: include_str!("../../../checks/LA508.md"),
};

/// Managed policies that hand over the account.
const ADMIN_POLICIES: [&str; 3] = ["AdministratorAccess", "IAMFullAccess", "PowerUserAccess"];

impl Check for ExecutionRoleDrift {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn run(&self, ctx: &CheckContext<'_>, out: &mut CheckOutput) {
        let Some(view) = ctx.drift() else { return };
        // IAM is global; so are its findings.
        let region = "global";
        for m in &view.roles {
            let declared = m.declared;
            let role = match &m.deployed {
                Ok(role) => *role,
                Err(reason) => {
                    out.not_evaluated(
                        "global",
                        &format!("declared role {}", declared.origin.key),
                        reason.clone(),
                    );
                    continue;
                }
            };
            out.evaluated();
            let at = &declared.origin.location;
            let mut report = |change: String,
                              severity: Severity,
                              title: String,
                              message: String,
                              detail: serde_json::Value,
                              location: &crate::declared::Location| {
                out.finding_at(
                    FindingDraft {
                        region,
                        resource_arn: &role.arn,
                        function_name: None,
                        severity: Some(severity),
                        title,
                        message,
                        evidence: json!({
                            "role": role.name,
                            "detail": detail,
                            "declared_role": declared.origin.key,
                        }),
                        detail_key: change,
                    },
                    Some(location),
                )
            };

            // Managed attachments.
            let known: Vec<&str> = declared
                .managed_policy_arns
                .iter()
                .filter_map(|a| a.known().map(String::as_str))
                .collect();
            let unknown = declared.managed_policy_arns.len() - known.len();
            let extra: Vec<_> = role
                .attached_managed_policies
                .iter()
                .filter(|p| !known.contains(&p.arn.as_str()))
                .collect();
            if declared.complete && extra.len() > unknown {
                for policy in extra {
                    let admin = ADMIN_POLICIES
                        .iter()
                        .any(|a| policy.arn.ends_with(&format!("/{a}")));
                    report(
                        format!("attached:{}", policy.arn),
                        if admin {
                            Severity::Critical
                        } else {
                            Severity::High
                        },
                        format!(
                            "{} was attached to {} outside the declaration",
                            policy.name, role.name
                        ),
                        format!(
                            "Role {} has {} attached, which {at} does not declare: every function using the role gained its permissions unreviewed.",
                            role.name, policy.arn
                        ),
                        json!({"change": "attached", "policy_arn": policy.arn}),
                        at,
                    );
                }
            }
            for arn in &known {
                if !role.attached_managed_policies.iter().any(|p| &p.arn == arn) {
                    report(
                        format!("detached:{arn}"),
                        Severity::Low,
                        format!("Declared policy {arn} is not attached to {}", role.name),
                        format!(
                            "Role {} lacks {arn}, declared at {at}: removed out of band, or the deployment failed.",
                            role.name
                        ),
                        json!({"change": "detached", "policy_arn": arn}),
                        at,
                    );
                }
            }

            // Inline statements, compared across all inline policies of the role.
            let mut declared_statements: Vec<(Normalized, &crate::declared::Location)> = Vec::new();
            let mut declared_complete = declared.complete;
            for policy in &declared.inline_policies {
                match policy.document.known().and_then(normalize_document) {
                    Some(statements) => declared_statements
                        .extend(statements.into_iter().map(|s| (s, &policy.location))),
                    None => declared_complete = false,
                }
            }
            let mut deployed_statements: Vec<(Normalized, serde_json::Value, &str)> = Vec::new();
            for policy in &role.inline_policies {
                if let (Some(statements), Some(raw)) = (
                    normalize_document(&policy.document),
                    raw_statements(&policy.document),
                ) {
                    deployed_statements.extend(
                        statements
                            .into_iter()
                            .zip(raw)
                            .map(|(n, r)| (n, r, policy.name.as_str())),
                    );
                }
            }
            if declared_complete {
                for (normalized, raw, policy_name) in &deployed_statements {
                    if declared_statements
                        .iter()
                        .any(|(d, _)| statement_matches(d, normalized))
                    {
                        continue;
                    }
                    let everything = normalized.effect == "Allow"
                        && normalized.actions.iter().any(|a| a == "Action:*")
                        && normalized.resources.iter().any(|r| r == "Resource:*");
                    report(
                        format!(
                            "statement-added:{policy_name}:{}",
                            serde_json::to_string(raw).unwrap_or_default()
                        ),
                        if everything {
                            Severity::Critical
                        } else {
                            Severity::High
                        },
                        format!(
                            "Inline statement added to {} outside the declaration",
                            role.name
                        ),
                        format!(
                            "Role {}'s inline policy {policy_name} has a statement that {at} does not declare{}.",
                            role.name,
                            if everything {
                                ": it allows every action on every resource"
                            } else {
                                ""
                            }
                        ),
                        json!({"change": "statement_added", "policy": policy_name, "statement": raw}),
                        at,
                    );
                }
            }
            for (normalized, location) in &declared_statements {
                if deployed_statements
                    .iter()
                    .any(|(d, _, _)| statement_matches(normalized, d))
                {
                    continue;
                }
                report(
                    format!("statement-removed:{location}"),
                    Severity::Low,
                    format!("Declared inline statement is not on {}", role.name),
                    format!(
                        "A statement declared at {location} (actions {}) is not in role {}'s inline policies: removed or edited out of band.",
                        normalized
                            .actions
                            .iter()
                            .map(|a| a.split_once(':').map_or(a.as_str(), |(_, b)| b))
                            .collect::<Vec<_>>()
                            .join(", "),
                        role.name
                    ),
                    json!({"change": "statement_removed", "actions": normalized.actions, "has_unresolved_values": declared.inline_policies.iter().any(|p| p.document.known().and_then(first_unknown).is_some())}),
                    location,
                );
            }
        }
    }
}

fn raw_statements(document: &serde_json::Value) -> Option<Vec<serde_json::Value>> {
    match document.get("Statement")? {
        serde_json::Value::Array(items) => Some(items.clone()),
        item @ serde_json::Value::Object(_) => Some(vec![item.clone()]),
        _ => None,
    }
}

//! LA408: the execution role's trust policy lets more than Lambda assume it.

use super::function_roles::{RoleIndex, function_roles, role_name};
use crate::checks::{Check, CheckContext, CheckMeta, CheckOutput, Family, FindingDraft};
use crate::findings::Severity;
use crate::inventory::Role;
use crate::policy::condition::{CALLER_SCOPING_KEYS, first_restricting};
use crate::policy::{Effect, PrincipalSpec, Statement, parse_statements};
use serde_json::{Value, json};
use std::collections::BTreeSet;

pub struct PermissiveTrustPolicy;

static META: CheckMeta = CheckMeta {
    id: "LA408",
    name: "permissive-trust-policy",
    family: Family::Permissions,
    severity: Severity::High,
    summary: "The execution role's trust policy lets principals other than the Lambda service assume it",
    references: &[
        "AWS IAM User Guide: Roles terms and concepts (trust policy)",
        "AWS IAM User Guide: The confused deputy problem",
        "AWS Lambda Developer Guide: Lambda execution role",
        "AWS Security Hub IAM.1",
        "OWASP Serverless Top 10 A5:2017 Broken Access Control",
    ],
    doc: include_str!("../../../checks/LA408.md"),
};

/// The actions that hand out the role's credentials.
const ASSUME_ACTIONS: &[&str] = &[
    "sts:AssumeRole",
    "sts:AssumeRoleWithWebIdentity",
    "sts:AssumeRoleWithSAML",
];

/// Service principals an execution role legitimately trusts: Lambda, and Lambda@Edge, which
/// assumes the role in the Regions where the replicated function runs.
fn is_lambda_service(service: &str) -> bool {
    let s = service.to_ascii_lowercase();
    let s = s.strip_suffix(".cn").unwrap_or(&s);
    matches!(s, "lambda.amazonaws.com" | "edgelambda.amazonaws.com")
}

/// Who, besides Lambda, the trust policy admits.
#[derive(Default)]
struct Admitted {
    /// `Principal: "*"`, `{"AWS": "*"}` or `NotPrincipal`, without a condition naming the
    /// caller's account, organization or ARN.
    everyone: bool,
    /// The same, but a condition names who may call.
    everyone_scoped: bool,
    foreign_accounts: BTreeSet<String>,
    /// Principals of the audited account (its root, users, other roles).
    own_account: BTreeSet<String>,
    services: BTreeSet<String>,
    federated: BTreeSet<String>,
    /// Canonical users and AWS entries that name no account (e.g. the unique id left when a
    /// trusted role was deleted).
    other: BTreeSet<String>,
    statements: Vec<Value>,
}

impl Admitted {
    fn is_empty(&self) -> bool {
        !self.everyone
            && !self.everyone_scoped
            && self.foreign_accounts.is_empty()
            && self.own_account.is_empty()
            && self.services.is_empty()
            && self.federated.is_empty()
    }

    fn severity(&self) -> Severity {
        if self.everyone {
            Severity::Critical
        } else if self.everyone_scoped
            || !self.foreign_accounts.is_empty()
            || !self.services.is_empty()
            || !self.federated.is_empty()
        {
            Severity::High
        } else {
            Severity::Medium
        }
    }

    fn describe(&self) -> Vec<String> {
        let list = |set: &BTreeSet<String>| set.iter().cloned().collect::<Vec<_>>().join(", ");
        let mut parts = Vec::new();
        if self.everyone {
            parts.push("every AWS principal (Principal \"*\")".to_string());
        }
        if self.everyone_scoped {
            parts.push(
                "every principal that meets a condition on its account, organization or ARN"
                    .to_string(),
            );
        }
        if !self.foreign_accounts.is_empty() {
            parts.push(format!("account(s) {}", list(&self.foreign_accounts)));
        }
        if !self.own_account.is_empty() {
            parts.push(format!(
                "principal(s) of this account {}",
                list(&self.own_account)
            ));
        }
        if !self.services.is_empty() {
            parts.push(format!("service(s) {}", list(&self.services)));
        }
        if !self.federated.is_empty() {
            parts.push(format!("federated identities of {}", list(&self.federated)));
        }
        parts
    }
}

fn account_of(entry: &str) -> Option<&str> {
    if entry.len() == 12 && entry.chars().all(|c| c.is_ascii_digit()) {
        return Some(entry);
    }
    crate::checks::exposure::arn_account(entry)
}

fn admitted(role: &Role, own_account: &str, statements: &[Statement]) -> Admitted {
    let mut out = Admitted::default();
    for statement in statements {
        if statement.effect != Effect::Allow
            || !ASSUME_ACTIONS.iter().any(|a| statement.covers_action(a))
        {
            continue;
        }
        let scoped = first_restricting(&statement.conditions, CALLER_SCOPING_KEYS).is_some();
        let before = (
            out.everyone,
            out.everyone_scoped,
            out.foreign_accounts.len(),
            out.own_account.len(),
            out.services.len(),
            out.federated.len(),
        );
        match &statement.principal {
            PrincipalSpec::None => continue,
            // Allow + NotPrincipal admits everyone but the listed principals.
            PrincipalSpec::NotPrincipal(_) => {
                if scoped {
                    out.everyone_scoped = true;
                } else {
                    out.everyone = true;
                }
            }
            PrincipalSpec::Principal(p) => {
                if p.is_everyone() {
                    if scoped {
                        out.everyone_scoped = true;
                    } else {
                        out.everyone = true;
                    }
                }
                for entry in p.aws.iter().filter(|a| *a != "*") {
                    // A role may trust itself (AWS documents it for code that re-assumes
                    // its own role): that admits no one new.
                    if entry == &role.arn {
                        continue;
                    }
                    match account_of(entry) {
                        Some(account) if account == own_account => {
                            out.own_account.insert(entry.clone());
                        }
                        Some(account) => {
                            out.foreign_accounts.insert(account.to_string());
                        }
                        None => {
                            out.other.insert(entry.clone());
                        }
                    }
                }
                for service in p.service.iter().filter(|s| !is_lambda_service(s)) {
                    out.services.insert(service.clone());
                }
                out.federated.extend(p.federated.iter().cloned());
                out.other.extend(p.canonical_user.iter().cloned());
            }
        }
        let after = (
            out.everyone,
            out.everyone_scoped,
            out.foreign_accounts.len(),
            out.own_account.len(),
            out.services.len(),
            out.federated.len(),
        );
        if before != after {
            out.statements.push(statement.raw.clone());
        }
    }
    out
}

impl Check for PermissiveTrustPolicy {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn run(&self, ctx: &CheckContext<'_>, out: &mut CheckOutput) {
        let roles = RoleIndex::new(ctx.inventory);
        let own_account = ctx.inventory.account.account_id.as_str();
        out.each_function(ctx.inventory, |out, region, function| {
            let mut judged = true;
            for function_role in function_roles(function) {
                let role = match roles.get(function_role.arn) {
                    Ok(role) => role,
                    Err(why) => {
                        judged = false;
                        out.not_evaluated(&region.region, &function.arn, why);
                        continue;
                    }
                };
                let Some(document) = &role.trust_policy else {
                    judged = false;
                    out.not_evaluated(
                        &region.region,
                        &function.arn,
                        format!("the trust policy of role {} was not collected", role.arn),
                    );
                    continue;
                };
                let statements = match parse_statements(document) {
                    Ok(s) => s,
                    Err(e) => {
                        judged = false;
                        out.not_evaluated(
                            &region.region,
                            &function.arn,
                            format!("the trust policy of role {} could not be read: {e}", role.arn),
                        );
                        continue;
                    }
                };
                let admitted = admitted(role, own_account, &statements);
                if admitted.is_empty() {
                    continue;
                }
                let who = admitted.describe();
                out.finding(FindingDraft {
                    region: &region.region,
                    resource_arn: &function.arn,
                    function_name: Some(&function.name),
                    severity: Some(admitted.severity()),
                    title: format!(
                        "{}: execution role {} can be assumed by {}",
                        function.name,
                        role_name(&role.arn),
                        who.join("; ")
                    ),
                    message: format!(
                        "The trust policy of role {}, the execution role of {} ({}), lets {} assume it, besides the Lambda service. Whoever assumes it gets the function's permissions outside the function: no code deployment, no invocation and no function log is needed. Trust only lambda.amazonaws.com (and edgelambda.amazonaws.com for Lambda@Edge).",
                        role.arn,
                        function.name,
                        function_role.qualifiers.join(", "),
                        who.join("; "),
                    ),
                    evidence: json!({
                        "role_arn": role.arn,
                        "qualifiers": function_role.qualifiers,
                        "everyone": admitted.everyone,
                        "everyone_with_condition": admitted.everyone_scoped,
                        "foreign_accounts": admitted.foreign_accounts,
                        "own_account_principals": admitted.own_account,
                        "services": admitted.services,
                        "federated": admitted.federated,
                        "unrecognised_principals": admitted.other,
                        "statements": admitted.statements,
                    }),
                    detail_key: role.arn.clone(),
                });
            }
            if judged {
                out.evaluated();
            }
        });
    }
}

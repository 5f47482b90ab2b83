//! LA104: a resource policy lets principals of another account invoke the function.

use super::{arn_account, display_target, each_policy, statement_key};
use crate::checks::{Check, CheckContext, CheckMeta, CheckOutput, Family, FindingDraft};
use crate::findings::Severity;
use crate::policy::condition::RestrictingKeys;
use crate::policy::{Effect, PrincipalSpec, Statement};
use serde_json::json;
use std::collections::BTreeSet;

pub struct CrossAccountInvoke;

static META: CheckMeta = CheckMeta {
    id: "LA104",
    name: "cross-account-invoke",
    family: Family::Exposure,
    severity: Severity::Medium,
    summary: "Resource policy lets principals or resources of another account invoke the function",
    references: &[
        "AWS Lambda Developer Guide: Granting function access to other accounts",
        "OWASP Serverless Top 10 A5:2017 Broken Access Control",
    ],
    doc: include_str!("../../../checks/LA104.md"),
};

const INVOKE_ACTIONS: &[&str] = &["lambda:InvokeFunction", "lambda:InvokeFunctionUrl"];

/// Condition keys whose values are account ids.
const ACCOUNT_KEYS: RestrictingKeys = RestrictingKeys(&[
    "aws:SourceAccount",
    "aws:SourceOwner",
    "aws:PrincipalAccount",
]);
/// Condition keys whose values are ARNs carrying an account.
const ARN_KEYS: RestrictingKeys = RestrictingKeys(&["aws:SourceArn", "aws:PrincipalArn"]);

/// Every account the statement names as caller or source, with where it was named.
fn named_accounts(statement: &Statement) -> BTreeSet<(String, &'static str)> {
    let mut out = BTreeSet::new();
    if let PrincipalSpec::Principal(principal) = &statement.principal {
        for account in principal.aws_accounts() {
            out.insert((account, "Principal"));
        }
    }
    for condition in &statement.conditions {
        if condition.restricts(ACCOUNT_KEYS) {
            for v in &condition.values {
                out.insert((v.clone(), "condition"));
            }
        } else if condition.restricts(ARN_KEYS) {
            for v in &condition.values {
                if let Some(account) = arn_account(v) {
                    out.insert((account.to_string(), "condition"));
                }
            }
        }
    }
    out
}

impl Check for CrossAccountInvoke {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn run(&self, ctx: &CheckContext<'_>, out: &mut CheckOutput) {
        let own = ctx.inventory.account.account_id.as_str();
        let allowed = &ctx.guardrails.allowed_invoker_accounts;
        out.each_function(ctx.inventory, |out, region, function| {
            each_policy(out, region, function, |out, qualified, statements| {
                for statement in statements {
                    if statement.effect != Effect::Allow
                        || matches!(statement.principal, PrincipalSpec::NotPrincipal(_))
                    {
                        continue;
                    }
                    let actions: Vec<&str> = INVOKE_ACTIONS
                        .iter()
                        .copied()
                        .filter(|a| statement.covers_action(a))
                        .collect();
                    if actions.is_empty() {
                        continue;
                    }
                    let named = named_accounts(statement);
                    let foreign: BTreeSet<&str> = named
                        .iter()
                        .map(|(a, _)| a.as_str())
                        .filter(|a| *a != own && !allowed.contains(*a))
                        .collect();
                    if foreign.is_empty() {
                        continue;
                    }
                    let via: BTreeSet<&str> = named
                        .iter()
                        .filter(|(a, _)| foreign.contains(a.as_str()))
                        .map(|(_, w)| *w)
                        .collect();
                    let accounts: Vec<&str> = foreign.into_iter().collect();
                    let target = display_target(function, qualified.qualifier);
                    out.finding(FindingDraft {
                        region: &region.region,
                        resource_arn: qualified.arn,
                        function_name: Some(&function.name),
                        severity: None,
                        title: format!(
                            "{target}: invocable from account(s) {}",
                            accounts.join(", ")
                        ),
                        message: format!(
                            "{} of the resource policy of {target} allows {} for account(s) {} (named in the {}), which are neither the audited account nor allow-listed in the guardrails file ([allow] invoker_accounts).",
                            statement.label(),
                            actions.join(" and "),
                            accounts.join(", "),
                            via.into_iter().collect::<Vec<_>>().join(" and "),
                        ),
                        evidence: json!({
                            "qualifier": qualified.qualifier,
                            "accounts": accounts,
                            "actions": actions,
                            "statement": statement.raw,
                        }),
                        detail_key: statement_key(statement),
                    });
                }
            });
        });
    }
}

//! LA101: a function, alias or version whose resource policy lets anyone invoke it.

use super::public_grant;
use crate::checks::{Check, CheckContext, CheckMeta, CheckOutput, Family, FindingDraft};
use crate::findings::Severity;
use crate::policy::parse_statements;
use serde_json::json;

pub struct PublicResourcePolicy;

static META: CheckMeta = CheckMeta {
    id: "LA101",
    name: "public-resource-policy",
    family: Family::Exposure,
    severity: Severity::High,
    summary: "Resource policy lets any principal invoke or manage the function",
    references: &[
        "AWS Security Hub Lambda.1",
        "OWASP Serverless Top 10 A5:2017 Broken Access Control",
    ],
    doc: include_str!("../../../checks/LA101.md"),
};

/// Actions that hand over the function itself (its code, configuration, exposure or
/// existence), not just its output: critical when public.
const TAKEOVER_ACTIONS: &[&str] = &[
    "lambda:UpdateFunctionCode",
    "lambda:UpdateFunctionConfiguration",
    "lambda:AddPermission",
    "lambda:RemovePermission",
    "lambda:CreateFunctionUrlConfig",
    "lambda:UpdateFunctionUrlConfig",
    "lambda:DeleteFunction",
    "lambda:PublishVersion",
    "lambda:UpdateAlias",
    "lambda:PutFunctionConcurrency",
];

/// Actions that disclose the function: `GetFunction` returns a download link for the code,
/// and both return the environment variables in clear.
const READ_ACTIONS: &[&str] = &["lambda:GetFunction", "lambda:GetFunctionConfiguration"];

impl Check for PublicResourcePolicy {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn run(&self, ctx: &CheckContext<'_>, out: &mut CheckOutput) {
        out.each_function(ctx.inventory, |out, region, function| {
            // Aliases whose list could not be read have policies we never saw.
            if let Some(reason) = function.aliases.unavailable_reason() {
                out.not_evaluated(&region.region, &format!("{}:<aliases>", function.arn), reason);
            }
            for qualified in function.policies() {
                let policy = match qualified.policy {
                    crate::inventory::Collected::Collected { value } => value,
                    other => {
                        let reason = other.unavailable_reason().unwrap_or_default();
                        out.not_evaluated(&region.region, qualified.arn, reason);
                        continue;
                    }
                };
                let Some(policy) = policy else {
                    out.evaluated();
                    continue;
                };
                let statements = match parse_statements(&policy.document) {
                    Ok(s) => {
                        out.evaluated();
                        s
                    }
                    Err(e) => {
                        out.not_evaluated(
                            &region.region,
                            qualified.arn,
                            format!("resource policy could not be read: {e}"),
                        );
                        continue;
                    }
                };
                for statement in &statements {
                    // URL-only public grants are the function-URL check's to judge (LA102);
                    // a URL-scoping condition also keeps management calls out, since they
                    // never carry the URL keys.
                    let invoke =
                        public_grant(statement, "lambda:InvokeFunction").filter(|g| !g.url_only);
                    let takeover: Vec<&str> = TAKEOVER_ACTIONS
                        .iter()
                        .copied()
                        .filter(|a| public_grant(statement, a).is_some_and(|g| !g.url_only))
                        .collect();
                    let reads: Vec<&str> = READ_ACTIONS
                        .iter()
                        .copied()
                        .filter(|a| public_grant(statement, a).is_some_and(|g| !g.url_only))
                        .collect();
                    if invoke.is_none() && takeover.is_empty() && reads.is_empty() {
                        continue;
                    }
                    let ignored = match &invoke {
                        Some(grant) => grant.ignored_conditions.clone(),
                        None => takeover
                            .first()
                            .or(reads.first())
                            .and_then(|action| public_grant(statement, action))
                            .map(|grant| grant.ignored_conditions)
                            .unwrap_or_default(),
                    };
                    let target = match qualified.qualifier {
                        Some(q) => format!("{}:{q}", function.name),
                        None => function.name.clone(),
                    };
                    let mut what: Vec<String> = Vec::new();
                    if invoke.is_some() {
                        what.push("invoke".to_string());
                    }
                    if !reads.is_empty() {
                        what.push(format!("read its code and environment ({})", reads.join(", ")));
                    }
                    if !takeover.is_empty() {
                        what.push(format!("call {}", takeover.join(", ")));
                    }
                    let what = what.join(" and ");
                    let severity = (!takeover.is_empty()).then_some(Severity::Critical);
                    out.finding(FindingDraft {
                        region: &region.region,
                        resource_arn: qualified.arn,
                        function_name: Some(&function.name),
                        severity,
                        title: format!("{target}: anyone can {what}"),
                        message: format!(
                            "{} of the resource policy of {target} allows {} to {what} with no condition that restricts the caller's account, organization or source.",
                            statement.label(),
                            match statement.principal {
                                crate::policy::PrincipalSpec::NotPrincipal(_) => "every principal but those in NotPrincipal",
                                _ => "principal \"*\"",
                            }
                        ),
                        evidence: json!({
                            "qualifier": qualified.qualifier,
                            "statement": statement.raw,
                            "takeover_actions": takeover,
                            "read_actions": reads,
                            "conditions_not_restricting": ignored,
                        }),
                        detail_key: super::statement_key(statement),
                    });
                }
            }
        });
    }
}

//! LA102: a function URL that accepts unsigned requests (`AuthType: NONE`).

use super::public_grant;
use crate::checks::{Check, CheckContext, CheckMeta, CheckOutput, Family, FindingDraft};
use crate::findings::Severity;
use crate::inventory::{Collected, Function, FunctionUrl};
use crate::policy::parse_statements;
use serde_json::json;

pub struct FunctionUrlAuthNone;

static META: CheckMeta = CheckMeta {
    id: "LA102",
    name: "function-url-auth-none",
    family: Family::Exposure,
    severity: Severity::High,
    summary: "Function URL accepts unauthenticated requests (AuthType NONE)",
    references: &[
        "AWS Security Hub Lambda.1",
        "OWASP Serverless Top 10 A2:2017 Broken Authentication",
        "OWASP Serverless Top 10 A5:2017 Broken Access Control",
    ],
    doc: include_str!("../../../checks/LA102.md"),
};

/// Whether the policy protecting the URL's target lets everyone call it.
enum Admission {
    Public { statement: serde_json::Value },
    NotPublic,
    Unknown { reason: String },
}

fn admission(function: &Function, url: &FunctionUrl) -> Admission {
    let Some(qualified) = function
        .policies()
        .into_iter()
        .find(|p| p.arn == url.target_arn)
    else {
        return Admission::Unknown {
            reason: format!("no policy was collected for {}", url.target_arn),
        };
    };
    let policy = match qualified.policy {
        Collected::Collected { value: None } => return Admission::NotPublic,
        Collected::Collected { value: Some(p) } => p,
        other => {
            return Admission::Unknown {
                reason: other.unavailable_reason().unwrap_or_default(),
            };
        }
    };
    match parse_statements(&policy.document) {
        Ok(statements) => statements
            .iter()
            .find(|s| public_grant(s, "lambda:InvokeFunctionUrl").is_some())
            .map_or(Admission::NotPublic, |s| Admission::Public {
                statement: s.raw.clone(),
            }),
        Err(e) => Admission::Unknown {
            reason: format!("resource policy could not be read: {e}"),
        },
    }
}

/// True only when every policy of every qualifier was read and none has an Allow statement
/// whose actions cover `lambda:InvokeFunctionUrl`.
fn no_policy_can_grant_url(function: &Function) -> bool {
    function.aliases.value().is_some()
        && function.policies().iter().all(|q| match q.policy {
            Collected::Collected { value: None } => true,
            Collected::Collected { value: Some(p) } => {
                parse_statements(&p.document).is_ok_and(|statements| {
                    !statements.iter().any(|s| {
                        s.effect == crate::policy::Effect::Allow
                            && s.covers_action("lambda:InvokeFunctionUrl")
                    })
                })
            }
            _ => false,
        })
}

impl Check for FunctionUrlAuthNone {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn run(&self, ctx: &CheckContext<'_>, out: &mut CheckOutput) {
        out.each_function(ctx.inventory, |out, region, function| {
            let urls = match &function.url_configs {
                Collected::Collected { value } => value,
                // The call plan skips URL configs when no statement of any qualifier's
                // policy can grant lambda:InvokeFunctionUrl. That is a pass for reachability
                // (every URL request is refused), judged here from the policies themselves;
                // a dormant NONE URL is only listed with --exhaustive.
                not_collected @ Collected::NotCollected { .. } => {
                    if no_policy_can_grant_url(function) {
                        out.evaluated();
                    } else {
                        let reason = not_collected.unavailable_reason().unwrap_or_default();
                        out.not_evaluated(&region.region, &function.arn, reason);
                    }
                    return;
                }
                failed @ Collected::Failed { .. } => {
                    let reason = failed.unavailable_reason().unwrap_or_default();
                    out.not_evaluated(&region.region, &function.arn, reason);
                    return;
                }
            };
            out.evaluated();
            for url in urls.iter().filter(|u| u.auth_type.eq_ignore_ascii_case("NONE")) {
                let target = match &url.qualifier {
                    Some(q) => format!("{}:{q}", function.name),
                    None => function.name.clone(),
                };
                let (severity, verdict, statement) = match admission(function, url) {
                    Admission::Public { statement } => (
                        Severity::High,
                        "its resource policy grants lambda:InvokeFunctionUrl to everyone, so anyone on the internet can invoke it".to_string(),
                        Some(statement),
                    ),
                    Admission::NotPublic => (
                        Severity::Low,
                        "no policy statement grants it to everyone yet, so requests are refused today; one add-permission makes it public".to_string(),
                        None,
                    ),
                    Admission::Unknown { reason } => (
                        Severity::Medium,
                        format!("whether its policy admits the public is unknown ({reason})"),
                        None,
                    ),
                };
                out.finding(FindingDraft {
                    region: &region.region,
                    resource_arn: &url.target_arn,
                    function_name: Some(&function.name),
                    severity: Some(severity),
                    title: format!("{target}: function URL without authentication"),
                    message: format!(
                        "The function URL {} of {target} has AuthType NONE; {verdict}.",
                        url.url
                    ),
                    evidence: json!({
                        "url": url.url,
                        "auth_type": url.auth_type,
                        "qualifier": url.qualifier,
                        "public_statement": statement,
                        "cors_allow_origins": url.cors.as_ref().map(|c| &c.allow_origins),
                    }),
                    detail_key: url.url.clone(),
                });
            }
        });
    }
}

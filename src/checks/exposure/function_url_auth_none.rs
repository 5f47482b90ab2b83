//! LA102: a function URL that accepts unsigned requests (`AuthType: NONE`).

use super::{Admission, admission, no_policy_can_grant_url};
use crate::checks::{Check, CheckContext, CheckMeta, CheckOutput, Family, FindingDraft};
use crate::findings::Severity;
use crate::inventory::Collected;
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

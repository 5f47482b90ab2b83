//! LA102: a function URL that accepts unsigned requests (`AuthType: NONE`).

use super::{Admission, admission, reachable_urls};
use crate::checks::{Check, CheckContext, CheckMeta, CheckOutput, Family, FindingDraft};
use crate::findings::Severity;
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
            let Some(urls) = reachable_urls(out, &region.region, function) else {
                return;
            };
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

//! LA105: a function URL whose CORS configuration allows every origin.

use super::{Admission, admission, display_target, reachable_urls};
use crate::checks::{Check, CheckContext, CheckMeta, CheckOutput, Family, FindingDraft};
use crate::findings::Severity;
use serde_json::json;

pub struct FunctionUrlCorsAnyOrigin;

static META: CheckMeta = CheckMeta {
    id: "LA105",
    name: "function-url-cors-any-origin",
    family: Family::Exposure,
    severity: Severity::Medium,
    summary: "Function URL CORS allows any origin (AllowOrigins contains \"*\")",
    references: &[
        "OWASP Top 10 2021 A05 Security Misconfiguration (CORS)",
        "AWS Lambda Developer Guide: Function URL CORS settings",
    ],
    doc: include_str!("../../../checks/LA105.md"),
};

impl Check for FunctionUrlCorsAnyOrigin {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn run(&self, ctx: &CheckContext<'_>, out: &mut CheckOutput) {
        out.each_function(ctx.inventory, |out, region, function| {
            let Some(urls) = reachable_urls(out, &region.region, function) else {
                return;
            };
            for url in urls {
                let Some(cors) = &url.cors else { continue };
                if !cors.allow_origins.iter().any(|o| o.trim() == "*") {
                    continue;
                }
                let target = display_target(function, url.qualifier.as_deref());
                let auth_none = url.auth_type.eq_ignore_ascii_case("NONE");
                let public = auth_none && matches!(admission(function, url), Admission::Public { .. });
                let mut reasons = Vec::new();
                if cors.allow_credentials {
                    reasons.push("AllowCredentials is true: the configuration intends credentialed cross-origin requests from any site (browsers refuse \"*\" with credentials, so a later change to reflect origins would make it exploitable)");
                }
                if public {
                    reasons.push("the URL has AuthType NONE and its policy admits everyone, so any web page can call it from its visitors' browsers and read the responses");
                }
                let severity = if reasons.is_empty() {
                    Severity::Medium
                } else {
                    Severity::High
                };
                let why = if reasons.is_empty() {
                    "any web page can send cross-origin requests to it and read the responses its visitors are allowed to see".to_string()
                } else {
                    reasons.join("; ")
                };
                out.finding(FindingDraft {
                    region: &region.region,
                    resource_arn: &url.target_arn,
                    function_name: Some(&function.name),
                    severity: Some(severity),
                    title: format!("{target}: function URL CORS allows any origin"),
                    message: format!(
                        "The function URL {} of {target} lists \"*\" in CORS AllowOrigins; {why}.",
                        url.url
                    ),
                    evidence: json!({
                        "url": url.url,
                        "auth_type": url.auth_type,
                        "qualifier": url.qualifier,
                        "allow_origins": cors.allow_origins,
                        "allow_methods": cors.allow_methods,
                        "allow_headers": cors.allow_headers,
                        "allow_credentials": cors.allow_credentials,
                        "publicly_admitted": public,
                    }),
                    detail_key: url.url.clone(),
                });
            }
        });
    }
}

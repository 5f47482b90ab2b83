//! LA506: a function URL added, removed or reconfigured outside the declaration.

use super::{declaration, declared_at};
use crate::checks::{Check, CheckContext, CheckMeta, CheckOutput, Family, FindingDraft};
use crate::declared::{Declared, DeclaredCors};
use crate::findings::Severity;
use crate::inventory::{Cors, FunctionUrl};
use serde_json::json;

pub struct FunctionUrlDrift;

static META: CheckMeta = CheckMeta {
    id: "LA506",
    name: "function-url-drift",
    family: Family::Drift,
    severity: Severity::High,
    summary: "Function URL added (auth NONE: critical), removed, or its auth type or CORS changed outside the declaration",
    references: &[
        "AWS Security Hub Lambda.1",
        "OWASP Serverless Top 10 A5:2017 Broken Access Control",
    ],
    doc: include_str!("../../../checks/LA506.md"),
};

impl Check for FunctionUrlDrift {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn run(&self, ctx: &CheckContext<'_>, out: &mut CheckOutput) {
        let Some(view) = ctx.drift() else { return };
        for (m, region, function) in view.deployed() {
            let Some(urls) = out.seen(&region.region, &function.arn, &function.url_configs) else {
                continue;
            };
            let declared_url = match &m.declared.url {
                Declared::Known(url) => url.as_ref(),
                Declared::Unknown(reason) => {
                    out.not_evaluated(
                        &region.region,
                        &function.arn,
                        format!("declared URL: {reason}"),
                    );
                    continue;
                }
            };
            out.evaluated();
            let at = declared_at(m.declared, "url");
            let mut report = |url_arn: &str,
                              change: &str,
                              severity: Severity,
                              title: String,
                              message: String,
                              detail: serde_json::Value| {
                out.finding_at(
                    FindingDraft {
                        region: &region.region,
                        resource_arn: url_arn,
                        function_name: Some(&function.name),
                        severity: Some(severity),
                        title,
                        message,
                        evidence: json!({
                            "change": change,
                            "detail": detail,
                            "declaration": declaration(m.declared),
                        }),
                        detail_key: change.to_string(),
                    },
                    Some(at),
                )
            };
            let wanted_qualifier = declared_url.and_then(|d| d.qualifier.as_deref());
            let counterpart = declared_url.and_then(|want| {
                urls.iter()
                    .find(|u| u.qualifier.as_deref() == wanted_qualifier)
                    .map(|u| (want, u))
            });
            // Every deployed URL the declaration does not describe (another alias's, too).
            for url in urls {
                if counterpart.is_some_and(|(_, u)| std::ptr::eq(u, url)) {
                    continue;
                }
                let public = url.auth_type == "NONE";
                report(
                    &url.target_arn,
                    "added",
                    if public {
                        Severity::Critical
                    } else {
                        Severity::Medium
                    },
                    format!(
                        "Function URL with auth {} was added outside the declaration",
                        url.auth_type
                    ),
                    format!(
                        "{} has a function URL ({}, auth {}) that {} does not declare{}.",
                        function.name,
                        url.url,
                        url.auth_type,
                        m.declared.origin.location,
                        if public {
                            ": an HTTPS endpoint that needs no credentials, opened out of band"
                        } else {
                            ""
                        }
                    ),
                    json!({"url": url.url, "auth_type": url.auth_type, "qualifier": url.qualifier}),
                );
            }
            match (declared_url, counterpart) {
                (None, _) => {}
                (Some(want), None) => report(
                    &function.arn,
                    "removed",
                    Severity::Low,
                    "Declared function URL is not deployed".into(),
                    format!(
                        "{} declares a function URL at {} but none is deployed.",
                        function.name, want.location
                    ),
                    json!({"declared_auth_type": want.auth_type, "qualifier": want.qualifier}),
                ),
                (Some(_), Some((want, url))) => {
                    if let Declared::Known(auth) = &want.auth_type
                        && !auth.eq_ignore_ascii_case(&url.auth_type)
                    {
                        let opened = url.auth_type == "NONE";
                        report(
                            &url.target_arn,
                            "auth_type",
                            if opened {
                                Severity::Critical
                            } else {
                                Severity::Medium
                            },
                            format!("Function URL auth changed from {auth} to {}", url.auth_type),
                            format!(
                                "{}: the URL {} is declared with auth {auth} at {} but deployed with {}.",
                                function.name, url.url, want.location, url.auth_type
                            ),
                            json!({"declared": auth, "deployed": url.auth_type}),
                        );
                    }
                    if let Declared::Known(want_cors) = &want.cors
                        && !cors_equal(want_cors.as_ref(), url)
                    {
                        let any_origin = url
                            .cors
                            .as_ref()
                            .is_some_and(|c| c.allow_origins.iter().any(|o| o == "*"));
                        report(
                            &url.target_arn,
                            "cors",
                            if any_origin {
                                Severity::Medium
                            } else {
                                Severity::Low
                            },
                            "Function URL CORS differs from the declaration".into(),
                            format!(
                                "{}: the URL's CORS settings differ from those declared at {}{}.",
                                function.name,
                                want.location,
                                if any_origin {
                                    "; any origin may now call it from a browser"
                                } else {
                                    ""
                                }
                            ),
                            json!({"declared": want_cors, "deployed": url.cors.as_ref().map(cors_json)}),
                        );
                    }
                }
            }
        }
    }
}

fn sorted_lower(items: &[String]) -> Vec<String> {
    let mut out: Vec<String> = items.iter().map(|s| s.to_ascii_lowercase()).collect();
    out.sort();
    out.dedup();
    out
}

fn cors_equal(declared: Option<&DeclaredCors>, url: &FunctionUrl) -> bool {
    match (declared, &url.cors) {
        (None, None) => true,
        (Some(d), Some(c)) => {
            sorted_lower(&d.allow_origins) == sorted_lower(&c.allow_origins)
                && sorted_lower(&d.allow_methods) == sorted_lower(&c.allow_methods)
                && d.allow_credentials == c.allow_credentials
        }
        // An empty CORS object is what Lambda returns for "no CORS".
        (None, Some(c)) => {
            c.allow_origins.is_empty() && c.allow_methods.is_empty() && !c.allow_credentials
        }
        (Some(d), None) => {
            d.allow_origins.is_empty() && d.allow_methods.is_empty() && !d.allow_credentials
        }
    }
}

fn cors_json(c: &Cors) -> serde_json::Value {
    json!({
        "allow_origins": c.allow_origins,
        "allow_methods": c.allow_methods,
        "allow_credentials": c.allow_credentials,
    })
}

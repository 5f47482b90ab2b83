//! LA201: a function (or a published version) on a deprecated or soon deprecated runtime.

use super::is_image;
use super::runtimes::{TABLE_AS_OF, days_from_date, deprecation_date};
use crate::checks::{Check, CheckContext, CheckMeta, CheckOutput, Family, FindingDraft};
use crate::findings::Severity;
use serde_json::json;

pub struct RuntimeDeprecated;

static META: CheckMeta = CheckMeta {
    id: "LA201",
    name: "runtime-deprecated",
    family: Family::Configuration,
    severity: Severity::High,
    summary: "Function runs on a deprecated runtime, or one deprecated within the warning window",
    references: &[
        "AWS Security Hub [Lambda.2] Lambda functions should use supported runtimes",
        "OWASP Serverless Top 10 A9:2017 Using Components with Known Vulnerabilities",
    ],
    doc: include_str!("../../../checks/LA201.md"),
};

impl Check for RuntimeDeprecated {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn run(&self, ctx: &CheckContext<'_>, out: &mut CheckOutput) {
        let collected_at = &ctx.inventory.collected_at;
        // The audit date is the inventory's, not the wall clock's: a snapshot audited next
        // year gives the same findings.
        let audit_day = days_from_date(collected_at);
        let audit_date = collected_at.get(..10).unwrap_or_default();
        let warning_days = i64::from(ctx.guardrails.runtime_warning_days);
        out.each_function(ctx.inventory, |out, region, function| {
            let Some(audit_day) = audit_day else {
                out.not_evaluated(
                    &region.region,
                    &function.arn,
                    format!("the inventory's collected_at `{collected_at}` is not an RFC 3339 date"),
                );
                return;
            };
            let mut targets = vec![(function.arn.as_str(), None, function.runtime.as_deref())];
            // A published version keeps the runtime it was published with.
            targets.extend(
                function
                    .versions
                    .iter()
                    .map(|v| (v.arn.as_str(), Some(v.version.as_str()), v.runtime.as_deref())),
            );
            for (arn, version, runtime) in targets {
                let target = match version {
                    Some(v) => format!("{}:{v}", function.name),
                    None => function.name.clone(),
                };
                let Some(runtime) = runtime else {
                    if is_image(function) {
                        // A container image brings its own runtime: nothing to judge here.
                        out.evaluated();
                    } else {
                        out.not_evaluated(
                            &region.region,
                            arn,
                            "Lambda reported no runtime for this .zip function",
                        );
                    }
                    continue;
                };
                let Some(date) = deprecation_date(runtime) else {
                    out.not_evaluated(
                        &region.region,
                        arn,
                        format!(
                            "runtime `{runtime}` is not in lambda-audit's runtime table (as of {TABLE_AS_OF}); it may be newer than this release"
                        ),
                    );
                    continue;
                };
                out.evaluated();
                let Some(deprecation_day) = days_from_date(date) else {
                    continue;
                };
                let days_left = deprecation_day - audit_day;
                let (severity, title, message) = if days_left <= 0 {
                    (
                        Severity::High,
                        format!("{target}: runtime {runtime} is deprecated (since {date})"),
                        format!(
                            "{target} runs on {runtime}, deprecated on {date}: it no longer receives security patches and the function is not eligible for technical support. Lambda then blocks creating, and later updating, functions on it — so a fix cannot be deployed without a runtime upgrade."
                        ),
                    )
                } else if days_left <= warning_days {
                    (
                        Severity::Medium,
                        format!("{target}: runtime {runtime} is deprecated on {date} ({days_left} days)"),
                        format!(
                            "{target} runs on {runtime}, which AWS deprecates on {date}, {days_left} days after this audit ({audit_date}). Plan the upgrade now (the warning window is {warning_days} days)."
                        ),
                    )
                } else {
                    continue;
                };
                out.finding(FindingDraft {
                    region: &region.region,
                    resource_arn: arn,
                    function_name: Some(&function.name),
                    severity: Some(severity),
                    title,
                    message,
                    evidence: json!({
                        "runtime": runtime,
                        "version": version,
                        "deprecation_date": date,
                        "audit_date": audit_date,
                        "days_until_deprecation": days_left,
                        "warning_days": warning_days,
                        "runtime_table_as_of": TABLE_AS_OF,
                    }),
                    detail_key: runtime.to_string(),
                });
            }
        });
    }
}

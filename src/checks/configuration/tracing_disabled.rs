//! LA206: active X-Ray tracing is off.

use crate::checks::{Check, CheckContext, CheckMeta, CheckOutput, Family, FindingDraft};
use crate::findings::Severity;
use serde_json::json;

pub struct TracingDisabled;

static META: CheckMeta = CheckMeta {
    id: "LA206",
    name: "tracing-disabled",
    family: Family::Configuration,
    severity: Severity::Low,
    summary: "Active X-Ray tracing is not enabled",
    references: &[
        "AWS Security Hub [Lambda.7] Lambda functions should have AWS X-Ray active tracing enabled",
        "OWASP Serverless Top 10 A10:2017 Insufficient Logging and Monitoring",
    ],
    doc: include_str!("../../../checks/LA206.md"),
};

impl Check for TracingDisabled {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn run(&self, ctx: &CheckContext<'_>, out: &mut CheckOutput) {
        out.each_function(ctx.inventory, |out, region, function| {
            out.evaluated();
            let mode = function.tracing_mode.as_deref();
            if mode == Some("Active") {
                return;
            }
            out.finding(FindingDraft {
                region: &region.region,
                resource_arn: &function.arn,
                function_name: Some(&function.name),
                severity: None,
                title: format!("{}: X-Ray tracing is not active", function.name),
                message: format!(
                    "{} has tracing mode {}: Lambda does not sample and record its invocations in X-Ray, so a request's path through it and its downstream calls cannot be reconstructed during an investigation.",
                    function.name,
                    mode.unwrap_or("(not set)")
                ),
                evidence: json!({"tracing_mode": mode}),
                detail_key: String::new(),
            });
        });
    }
}

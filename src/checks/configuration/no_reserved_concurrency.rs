//! LA205: a function without reserved concurrency.

use crate::checks::{Check, CheckContext, CheckMeta, CheckOutput, Family, FindingDraft};
use crate::findings::Severity;
use serde_json::json;

pub struct NoReservedConcurrency;

static META: CheckMeta = CheckMeta {
    id: "LA205",
    name: "no-reserved-concurrency",
    family: Family::Configuration,
    severity: Severity::Info,
    summary: "Function has no reserved concurrency: it shares, and can exhaust, the account's pool",
    references: &[
        "OWASP Serverless Top 10 A6:2017 Security Misconfiguration",
        "PureSec Serverless Security Top 10: SAS-8 Denial of Service & Financial Resource Exhaustion",
    ],
    doc: include_str!("../../../checks/LA205.md"),
};

impl Check for NoReservedConcurrency {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn run(&self, ctx: &CheckContext<'_>, out: &mut CheckOutput) {
        out.each_function(ctx.inventory, |out, region, function| {
            let Some(reserved) = out.seen(&region.region, &function.arn, &function.reserved_concurrency) else {
                return;
            };
            out.evaluated();
            if reserved.is_some() {
                return;
            }
            out.finding(FindingDraft {
                region: &region.region,
                resource_arn: &function.arn,
                function_name: Some(&function.name),
                severity: None,
                title: format!("{}: no reserved concurrency", function.name),
                message: format!(
                    "{} draws on the account's unreserved concurrency pool with no ceiling of its own: a burst of invocations (a flood of events, a retry storm, an attacker hammering a public endpoint) can scale it until it throttles every other function in the region, and bills for every invocation.",
                    function.name
                ),
                evidence: json!({"reserved_concurrency": null}),
                detail_key: String::new(),
            });
        });
    }
}

//! LA203: asynchronously invoked function whose failed events go nowhere.

use super::triggers::async_sources;
use crate::checks::{Check, CheckContext, CheckMeta, CheckOutput, Family, FindingDraft};
use crate::findings::Severity;
use crate::inventory::Collected;
use serde_json::json;

pub struct AsyncWithoutFailureDestination;

static META: CheckMeta = CheckMeta {
    id: "LA203",
    name: "async-without-failure-destination",
    family: Family::Configuration,
    severity: Severity::Medium,
    summary: "Asynchronously invoked function has neither a dead-letter queue nor an on-failure destination",
    references: &[
        "AWS Lambda Developer Guide: Asynchronous invocation (retries, destinations, dead-letter queues)",
        "OWASP Serverless Top 10 A10:2017 Insufficient Logging and Monitoring",
    ],
    doc: include_str!("../../../checks/LA203.md"),
};

impl Check for AsyncWithoutFailureDestination {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn run(&self, ctx: &CheckContext<'_>, out: &mut CheckOutput) {
        out.each_function(ctx.inventory, |out, region, function| {
            let sources = match async_sources(function) {
                Ok(sources) => sources,
                Err(reason) => {
                    out.not_evaluated(&region.region, &function.arn, reason);
                    return;
                }
            };
            let configs = match &function.event_invoke_configs {
                Collected::Collected { value } => value.as_slice(),
                // Skipped by the call plan only for functions without any resource policy,
                // which no service or other account can invoke asynchronously.
                Collected::NotCollected { .. } if sources.is_empty() => &[],
                other => {
                    out.not_evaluated(&region.region, &function.arn, other.unavailable_reason().unwrap_or_default());
                    return;
                }
            };
            out.evaluated();
            if sources.is_empty() && configs.is_empty() {
                return;
            }
            let on_failure: Vec<&str> = configs
                .iter()
                .filter_map(|c| c.on_failure_destination.as_deref())
                .collect();
            if function.dead_letter_target_arn.is_some() || !on_failure.is_empty() {
                return;
            }
            let invoked_by = if sources.is_empty() {
                "an async invoke configuration".to_string()
            } else {
                sources.join(", ")
            };
            out.finding(FindingDraft {
                region: &region.region,
                resource_arn: &function.arn,
                function_name: Some(&function.name),
                severity: None,
                title: format!("{}: failed async events are dropped", function.name),
                message: format!(
                    "{} is invoked asynchronously ({invoked_by}) but has no dead-letter queue and no on-failure destination: after two retries Lambda discards the event, so failures (and attacks that cause them) leave no trace and the data is lost.",
                    function.name
                ),
                evidence: json!({
                    "async_sources": sources,
                    "event_invoke_configs": configs.len(),
                    "dead_letter_target_arn": null,
                }),
                detail_key: String::new(),
            });
        });
    }
}

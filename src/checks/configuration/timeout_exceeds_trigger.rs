//! LA202: a function allowed to run longer than whatever invokes it will wait.

use super::triggers::{api_triggers, async_sources};
use crate::checks::{Check, CheckContext, CheckMeta, CheckOutput, Family, FindingDraft};
use crate::findings::Severity;
use crate::inventory::Collected;
use serde_json::json;

pub struct TimeoutExceedsTrigger;

static META: CheckMeta = CheckMeta {
    id: "LA202",
    name: "timeout-exceeds-trigger",
    family: Family::Configuration,
    severity: Severity::Medium,
    summary: "Function timeout is longer than its trigger waits (API Gateway, SQS visibility) or the maximum on a synchronous function",
    references: &[
        "AWS Lambda Developer Guide: Configuring a function timeout",
        "OWASP Serverless Top 10 A6:2017 Security Misconfiguration",
    ],
    doc: include_str!("../../../checks/LA202.md"),
};

/// Lambda's hard maximum; on a synchronous path it only extends what an attacker can hold.
const MAX_TIMEOUT_SECONDS: i32 = 900;

impl Check for TimeoutExceedsTrigger {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn run(&self, ctx: &CheckContext<'_>, out: &mut CheckOutput) {
        out.each_function(ctx.inventory, |out, region, function| {
            let Some(timeout) = function.timeout_seconds else {
                out.not_evaluated(&region.region, &function.arn, "the function's timeout was not returned");
                return;
            };
            let (apis, mut unseen) = api_triggers(region, function);
            for api in apis.iter().filter(|a| i64::from(timeout) * 1000 > i64::from(a.timeout_ms)) {
                out.finding(FindingDraft {
                    region: &region.region,
                    resource_arn: &function.arn,
                    function_name: Some(&function.name),
                    severity: None,
                    title: format!("{}: timeout {timeout} s exceeds API {} ({} ms)", function.name, api.api_id, api.timeout_ms),
                    message: format!(
                        "API {} ({}) stops waiting after {} ms and answers 504, but {} may keep running for {timeout} s: every slow or hostile request holds concurrency and bills compute long after the caller is gone.",
                        api.api_id, api.route, api.timeout_ms, function.name
                    ),
                    evidence: json!({"trigger": "api-gateway", "api_id": api.api_id, "route": api.route, "integration_timeout_ms": api.timeout_ms, "function_timeout_seconds": timeout}),
                    detail_key: format!("api:{}:{}", api.api_id, api.route),
                });
            }

            match region.event_source_mappings.value() {
                None => unseen.push(format!(
                    "event source mappings: {}",
                    region.event_source_mappings.unavailable_reason().unwrap_or_default()
                )),
                Some(mappings) => {
                    for mapping in mappings.iter().filter(|m| m.function_arn == function.arn) {
                        let Some(source) = mapping.event_source_arn.as_deref().filter(|a| a.contains(":sqs:")) else { continue };
                        match region.queues.get(source) {
                            Some(Collected::Collected { value: queue }) => {
                                let Some(visibility) = queue.visibility_timeout_seconds else {
                                    unseen.push(format!("queue {source}: no VisibilityTimeout returned"));
                                    continue;
                                };
                                if i64::from(timeout) > visibility {
                                    out.finding(FindingDraft {
                                        region: &region.region,
                                        resource_arn: &function.arn,
                                        function_name: Some(&function.name),
                                        severity: None,
                                        title: format!("{}: timeout {timeout} s exceeds the visibility timeout of its queue ({visibility} s)", function.name),
                                        message: format!(
                                            "{} consumes {source}, whose messages become visible again after {visibility} s while a batch may still be running for up to {timeout} s: the same message is then processed twice, in parallel.",
                                            function.name
                                        ),
                                        evidence: json!({"trigger": "sqs", "queue_arn": source, "visibility_timeout_seconds": visibility, "function_timeout_seconds": timeout, "mapping_uuid": mapping.uuid}),
                                        detail_key: format!("sqs:{source}"),
                                    });
                                }
                            }
                            Some(other) => unseen.push(format!("queue {source}: {}", other.unavailable_reason().unwrap_or_default())),
                            None => unseen.push(format!("queue {source}: attributes not collected")),
                        }
                    }
                }
            }

            // Any function URL, whatever its auth type, is a synchronous entry point. URL
            // configs skipped by the call plan (no policy grants InvokeFunctionUrl) are
            // treated as absent: only `--exhaustive` sees AWS_IAM URLs used by callers of
            // the same account.
            if let Collected::Failed { .. } = &function.url_configs {
                unseen.push(format!(
                    "function URLs: {}",
                    function.url_configs.unavailable_reason().unwrap_or_default()
                ));
            }
            let has_url = function
                .url_configs
                .value()
                .is_some_and(|urls| !urls.is_empty());
            if timeout >= MAX_TIMEOUT_SECONDS && (has_url || !apis.is_empty()) {
                out.finding(FindingDraft {
                    region: &region.region,
                    resource_arn: &function.arn,
                    function_name: Some(&function.name),
                    severity: Some(Severity::Low),
                    title: format!("{}: maximum timeout (900 s) on a synchronously invoked function", function.name),
                    message: format!(
                        "{} is invoked synchronously (function URL or API Gateway) with the maximum timeout of 900 s: no caller waits that long, so the limit only bounds how long a hostile request can hold the function.",
                        function.name
                    ),
                    evidence: json!({"trigger": if has_url { "function-url" } else { "api-gateway" }, "function_timeout_seconds": timeout}),
                    detail_key: "max-timeout".to_string(),
                });
            }

            // The team's own ceilings per kind of trigger (guardrails file).
            let limits = &ctx.guardrails.max_timeout_seconds;
            let mappings = region.event_source_mappings.value().map(Vec::as_slice).unwrap_or_default();
            let consumes = |kinds: &[&str]| {
                mappings.iter().any(|m| {
                    m.function_arn == function.arn
                        && (m.event_source_arn.as_deref().and_then(|a| a.split(':').nth(2)).is_some_and(|s| kinds.contains(&s))
                            || (kinds.contains(&"kafka") && !m.self_managed_endpoints.is_empty()))
                })
            };
            let is_async = async_sources(function).is_ok_and(|s| !s.is_empty())
                || function.event_invoke_configs.value().is_some_and(|c| !c.is_empty());
            let kinds = [
                ("api", limits.api, !apis.is_empty()),
                ("url", limits.url, has_url),
                ("sqs", limits.sqs, consumes(&["sqs"])),
                ("stream", limits.stream, consumes(&["kinesis", "dynamodb", "kafka"])),
                ("async", limits.r#async, is_async),
            ];
            for (kind, limit, present) in kinds {
                let Some(limit) = limit.filter(|_| present) else { continue };
                if i64::from(timeout) > i64::from(limit) {
                    out.finding(FindingDraft {
                        region: &region.region,
                        resource_arn: &function.arn,
                        function_name: Some(&function.name),
                        severity: None,
                        title: format!("{}: timeout {timeout} s exceeds the {kind} limit of {limit} s", function.name),
                        message: format!(
                            "{} has a {kind} trigger and a timeout of {timeout} s; the guardrails file allows at most {limit} s for that kind of trigger.",
                            function.name
                        ),
                        evidence: json!({"trigger": kind, "guardrail_max_timeout_seconds": limit, "function_timeout_seconds": timeout}),
                        detail_key: format!("limit:{kind}"),
                    });
                }
            }

            if unseen.is_empty() {
                out.evaluated();
            } else {
                out.not_evaluated(&region.region, &function.arn, unseen.join("; "));
            }
        });
    }
}

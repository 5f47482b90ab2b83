//! LA204: event source mappings whose failing records have nowhere to go.

use crate::checks::{Check, CheckContext, CheckMeta, CheckOutput, Family, FindingDraft};
use crate::findings::Severity;
use crate::inventory::Collected;
use serde_json::json;

pub struct EventSourceWithoutFailureHandling;

static META: CheckMeta = CheckMeta {
    id: "LA204",
    name: "event-source-without-failure-handling",
    family: Family::Configuration,
    severity: Severity::Medium,
    summary: "Stream mapping without an on-failure destination, or SQS source queue without a redrive policy",
    references: &[
        "AWS Lambda Developer Guide: Event source mappings (error handling, on-failure destinations)",
        "Amazon SQS Developer Guide: Dead-letter queues",
    ],
    doc: include_str!("../../../checks/LA204.md"),
};

/// The kind of source an event source mapping reads, from its ARN (or Kafka endpoints).
fn source_kind(arn: Option<&str>, self_managed: bool) -> &'static str {
    match arn.and_then(|a| a.split(':').nth(2)) {
        Some("sqs") => "sqs",
        Some("kinesis") => "kinesis",
        Some("dynamodb") => "dynamodb-stream",
        Some("kafka") => "msk",
        Some("mq") => "mq",
        Some("docdb") | Some("rds") => "documentdb",
        _ if self_managed => "kafka",
        _ => "other",
    }
}

impl Check for EventSourceWithoutFailureHandling {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn run(&self, ctx: &CheckContext<'_>, out: &mut CheckOutput) {
        for region in &ctx.inventory.regions {
            let Some(mappings) = region.event_source_mappings.value() else {
                out.not_evaluated(
                    &region.region,
                    &format!("event source mappings in {}", region.region),
                    region
                        .event_source_mappings
                        .unavailable_reason()
                        .unwrap_or_default(),
                );
                continue;
            };
            for mapping in mappings {
                // A disabled mapping reads nothing, so nothing can be lost through it.
                if mapping
                    .state
                    .as_deref()
                    .is_some_and(|s| s.eq_ignore_ascii_case("Disabled"))
                {
                    out.evaluated();
                    continue;
                }
                let function_name = mapping.function_arn.rsplit(':').next();
                let source = mapping.event_source_arn.as_deref();
                let kind = source_kind(source, !mapping.self_managed_endpoints.is_empty());
                let source_label =
                    source.map_or_else(|| mapping.self_managed_endpoints.join(","), str::to_string);
                match kind {
                    "kinesis" | "dynamodb-stream" | "msk" | "kafka" => {
                        out.evaluated();
                        if mapping.on_failure_destination.is_some() {
                            continue;
                        }
                        let retries = match (
                            mapping.maximum_retry_attempts,
                            mapping.maximum_record_age_seconds,
                        ) {
                            (Some(n), _) if n >= 0 => format!("retried {n} time(s)"),
                            (_, Some(age)) if age >= 0 => format!("retried for up to {age} s"),
                            _ => "retried until it expires from the stream".to_string(),
                        };
                        out.finding(FindingDraft {
                            region: &region.region,
                            resource_arn: &mapping.function_arn,
                            function_name,
                            severity: None,
                            title: format!("{}: {kind} mapping without an on-failure destination", function_name.unwrap_or("function")),
                            message: format!(
                                "The mapping {} from {source_label} has no on-failure destination: a record the function cannot process is {retries}, blocking its shard or partition meanwhile, and is then dropped without a trace.",
                                mapping.uuid
                            ),
                            evidence: json!({"mapping_uuid": mapping.uuid, "source": source_label, "source_kind": kind,
                                "maximum_retry_attempts": mapping.maximum_retry_attempts,
                                "maximum_record_age_seconds": mapping.maximum_record_age_seconds}),
                            detail_key: mapping.uuid.clone(),
                        });
                    }
                    "sqs" => {
                        let queue_arn = source.unwrap_or_default();
                        match region.queues.get(queue_arn) {
                            Some(Collected::Collected { value: queue }) => {
                                out.evaluated();
                                if queue.redrive_target_arn.is_some() {
                                    continue;
                                }
                                out.finding(FindingDraft {
                                    region: &region.region,
                                    resource_arn: &mapping.function_arn,
                                    function_name,
                                    severity: Some(Severity::Low),
                                    title: format!("{}: source queue has no dead-letter queue", function_name.unwrap_or("function")),
                                    message: format!(
                                        "{queue_arn} feeds the function through mapping {} but has no redrive policy: a message that always fails is received again and again until the queue's retention period ends, consuming concurrency, and is then deleted unseen.",
                                        mapping.uuid
                                    ),
                                    evidence: json!({"mapping_uuid": mapping.uuid, "queue_arn": queue_arn, "redrive_policy": null}),
                                    detail_key: mapping.uuid.clone(),
                                });
                            }
                            Some(other) => out.not_evaluated(
                                &region.region,
                                queue_arn,
                                other.unavailable_reason().unwrap_or_default(),
                            ),
                            None => out.not_evaluated(
                                &region.region,
                                queue_arn,
                                "queue attributes not collected (the queue ARN could not be read)",
                            ),
                        }
                    }
                    // MQ and DocumentDB sources have no on-failure destination to set.
                    _ => out.evaluated(),
                }
            }
        }
    }
}

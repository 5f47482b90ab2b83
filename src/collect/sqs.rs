//! SQS queue attributes, for the queues the region's functions touch: event sources,
//! dead-letter queues and async destinations. One `GetQueueAttributes` per queue, never a
//! listing of every queue in the account.

use super::Recorder;
use super::failure::classify;
use super::limiter::Limiter;
use crate::inventory::{Collected, Queue, RegionInventory};
use aws_sdk_sqs::types::QueueAttributeName;
use std::collections::{BTreeMap, BTreeSet};

/// Queue ARNs referenced in the region's Lambda configuration.
pub fn referenced_queues(region: &RegionInventory) -> BTreeSet<String> {
    let is_queue = |arn: &str| arn.starts_with("arn:") && arn.split(':').nth(2) == Some("sqs");
    let mut arns = BTreeSet::new();
    for function in &region.functions {
        arns.extend(function.dead_letter_target_arn.iter().cloned());
        if let Some(configs) = function.event_invoke_configs.value() {
            for config in configs {
                arns.extend(config.on_success_destination.iter().cloned());
                arns.extend(config.on_failure_destination.iter().cloned());
            }
        }
    }
    if let Some(mappings) = region.event_source_mappings.value() {
        for mapping in mappings {
            arns.extend(mapping.event_source_arn.iter().cloned());
            arns.extend(mapping.on_failure_destination.iter().cloned());
        }
    }
    arns.retain(|arn| is_queue(arn));
    arns
}

/// `arn:aws:sqs:REGION:ACCOUNT:NAME` → the queue URL the API expects.
fn queue_url(arn: &str) -> Option<String> {
    let parts: Vec<&str> = arn.split(':').collect();
    match parts.as_slice() {
        ["arn", partition, "sqs", region, account, name] => {
            let domain = if partition.starts_with("aws-cn") {
                "amazonaws.com.cn"
            } else {
                "amazonaws.com"
            };
            Some(format!("https://sqs.{region}.{domain}/{account}/{name}"))
        }
        _ => None,
    }
}

pub async fn collect_queues(
    client: &aws_sdk_sqs::Client,
    region: &RegionInventory,
    limiter: &Limiter,
    recorder: &Recorder,
) -> BTreeMap<String, Collected<Queue>> {
    let mut out = BTreeMap::new();
    for arn in referenced_queues(region) {
        // Queues of other regions are read with that region's inventory, if audited.
        if arn.split(':').nth(3) != Some(region.region.as_str()) {
            continue;
        }
        let Some(url) = queue_url(&arn) else { continue };
        let request = client
            .get_queue_attributes()
            .queue_url(url)
            .attribute_names(QueueAttributeName::VisibilityTimeout)
            .attribute_names(QueueAttributeName::RedrivePolicy)
            .attribute_names(QueueAttributeName::KmsMasterKeyId)
            .attribute_names(QueueAttributeName::SqsManagedSseEnabled)
            .send();
        let result = recorder
            .paced(limiter, "sqs:GetQueueAttributes", request)
            .await;
        let state = match result {
            Ok(output) => {
                let attributes = output.attributes().cloned().unwrap_or_default();
                let get = |name: QueueAttributeName| attributes.get(&name).cloned();
                let redrive = match get(QueueAttributeName::RedrivePolicy)
                    .map(|text| serde_json::from_str::<serde_json::Value>(&text))
                {
                    None => None,
                    Some(Ok(value)) => Some(value),
                    // Present but unreadable is not "no dead-letter queue".
                    Some(Err(e)) => {
                        let error = recorder.gap(
                            Some(&region.region),
                            Some(&arn),
                            crate::inventory::ApiFailure {
                                operation: "sqs:GetQueueAttributes".to_string(),
                                kind: crate::inventory::FailureKind::MalformedResponse,
                                code: "InvalidRedrivePolicy".to_string(),
                                message: format!("RedrivePolicy is not valid JSON: {e}"),
                            },
                        );
                        out.insert(arn, Collected::Failed { error });
                        continue;
                    }
                };
                Collected::Collected {
                    value: Queue {
                        arn: arn.clone(),
                        visibility_timeout_seconds: get(QueueAttributeName::VisibilityTimeout)
                            .and_then(|v| v.parse().ok()),
                        redrive_target_arn: redrive
                            .as_ref()
                            .and_then(|r| r.get("deadLetterTargetArn"))
                            .and_then(|v| v.as_str())
                            .map(str::to_string),
                        max_receive_count: redrive
                            .as_ref()
                            .and_then(|r| r.get("maxReceiveCount"))
                            .and_then(|v| v.as_i64().or_else(|| v.as_str()?.parse().ok())),
                        kms_master_key_id: get(QueueAttributeName::KmsMasterKeyId),
                        sqs_managed_sse: get(QueueAttributeName::SqsManagedSseEnabled)
                            .is_some_and(|v| v == "true"),
                    },
                }
            }
            Err(err) => Collected::Failed {
                error: recorder.gap(
                    Some(&region.region),
                    Some(&arn),
                    classify("sqs:GetQueueAttributes", &err),
                ),
            },
        };
        out.insert(arn, state);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_urls_follow_the_partition() {
        assert_eq!(
            queue_url("arn:aws:sqs:eu-west-1:111122223333:orders").as_deref(),
            Some("https://sqs.eu-west-1.amazonaws.com/111122223333/orders")
        );
        assert_eq!(
            queue_url("arn:aws-cn:sqs:cn-north-1:111122223333:q").as_deref(),
            Some("https://sqs.cn-north-1.amazonaws.com.cn/111122223333/q")
        );
        assert_eq!(queue_url("arn:aws:sns:us-east-1:1:topic"), None);
    }
}

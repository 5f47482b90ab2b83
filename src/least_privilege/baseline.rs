//! What a function demonstrably needs, derived from its deployed configuration — no
//! CloudTrail. Each need is an (action, resource) pair with the configuration that implies
//! it and how sure we are.

use crate::inventory::secrets::sha256_hex;
use crate::inventory::{Collected, Function, Inventory, RegionInventory};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    /// Lambda cannot do what the configuration says without it.
    Certain,
    /// Inferred from an environment variable that references a resource we know.
    Heuristic,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Need {
    pub action: String,
    pub resource: String,
    pub confidence: Confidence,
    /// The configuration that implies it, e.g. `event source mapping 1234 (SQS)`.
    pub because: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Baseline {
    pub needs: Vec<Need>,
    /// What could not be derived because the data was not collected.
    pub unknown: Vec<String>,
}

struct Builder<'a> {
    needs: Vec<Need>,
    partition: &'a str,
}

impl Builder<'_> {
    fn need(&mut self, actions: &[&str], resource: &str, confidence: Confidence, because: &str) {
        for action in actions {
            self.needs.push(Need {
                action: action.to_string(),
                resource: resource.to_string(),
                confidence,
                because: because.to_string(),
            });
        }
    }

    /// What writing to a destination ARN (DLQ, on-success/on-failure) takes.
    fn send_to(&mut self, destination: &str, because: &str) {
        match arn_service(destination) {
            Some("sqs") => self.need(
                &["sqs:SendMessage"],
                destination,
                Confidence::Certain,
                because,
            ),
            Some("sns") => self.need(&["sns:Publish"], destination, Confidence::Certain, because),
            Some("lambda") => self.need(
                &["lambda:InvokeFunction"],
                destination,
                Confidence::Certain,
                because,
            ),
            Some("events") => self.need(
                &["events:PutEvents"],
                destination,
                Confidence::Certain,
                because,
            ),
            Some("s3") => {
                let objects = format!("{destination}/*");
                self.need(&["s3:PutObject"], &objects, Confidence::Certain, because);
                self.need(
                    &["s3:ListBucket"],
                    destination,
                    Confidence::Certain,
                    because,
                );
            }
            _ => {}
        }
    }
}

fn arn_service(arn: &str) -> Option<&str> {
    let mut parts = arn.split(':');
    (parts.next() == Some("arn")).then_some(())?;
    parts.nth(1)
}

/// The function's needs in `region` of `inventory`.
pub fn baseline(inventory: &Inventory, region: &RegionInventory, function: &Function) -> Baseline {
    let account = &inventory.account.account_id;
    let mut b = Builder {
        needs: Vec::new(),
        partition: &inventory.account.partition,
    };
    let mut unknown = Vec::new();
    let r = &region.region;

    // Logging: its own log group only (the one Lambda writes to unless configured otherwise).
    let log_group = function
        .log_group
        .clone()
        .unwrap_or_else(|| format!("/aws/lambda/{}", function.name));
    let log_group_arn = format!(
        "arn:{}:logs:{r}:{account}:log-group:{log_group}",
        b.partition
    );
    // `log-group:NAME:*` covers the group and its streams, the scoping AWS documents.
    b.need(
        &[
            "logs:CreateLogGroup",
            "logs:CreateLogStream",
            "logs:PutLogEvents",
        ],
        &format!("{log_group_arn}:*"),
        Confidence::Certain,
        "logging",
    );

    // VPC networking: Lambda manages the function's network interfaces with the role; EC2
    // offers no resource-level scoping for these describe/create calls in practice.
    if function.vpc.is_some() {
        b.need(
            &[
                "ec2:CreateNetworkInterface",
                "ec2:DescribeNetworkInterfaces",
                "ec2:DescribeSubnets",
                "ec2:DeleteNetworkInterface",
                "ec2:AssignPrivateIpAddresses",
                "ec2:UnassignPrivateIpAddresses",
            ],
            "*",
            Confidence::Certain,
            "VPC configuration",
        );
    }
    if function.tracing_mode.as_deref() == Some("Active") {
        b.need(
            &["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
            "*",
            Confidence::Certain,
            "active X-Ray tracing",
        );
    }
    if let Some(key) = &function.kms_key_arn {
        b.need(
            &["kms:Decrypt"],
            key,
            Confidence::Certain,
            "environment encrypted with this key",
        );
    }
    if let Some(dlq) = &function.dead_letter_target_arn {
        b.send_to(dlq, "dead-letter queue");
    }
    for fs in &function.file_systems {
        b.need(
            &[
                "elasticfilesystem:ClientMount",
                "elasticfilesystem:ClientWrite",
            ],
            &fs.arn,
            Confidence::Certain,
            &format!("file system mounted at {}", fs.local_mount_path),
        );
    }

    match &function.event_invoke_configs {
        Collected::Collected { value } => {
            for config in value {
                if let Some(d) = &config.on_success_destination {
                    b.send_to(d, "on-success destination");
                }
                if let Some(d) = &config.on_failure_destination {
                    b.send_to(d, "on-failure destination");
                }
            }
        }
        // Skipped only for functions no other service or account can invoke asynchronously.
        Collected::NotCollected { .. } => {}
        failed @ Collected::Failed { .. } => unknown.push(format!(
            "async destinations: {}",
            failed.unavailable_reason().unwrap_or_default()
        )),
    }

    match region.event_source_mappings.value() {
        None => unknown.push(format!(
            "event sources: {}",
            region
                .event_source_mappings
                .unavailable_reason()
                .unwrap_or_default()
        )),
        Some(mappings) => {
            for m in mappings.iter().filter(|m| m.function_arn == function.arn) {
                let because = format!("event source mapping {}", m.uuid);
                if let Some(source) = &m.event_source_arn {
                    let actions: &[&str] = match arn_service(source) {
                        Some("sqs") => &[
                            "sqs:ReceiveMessage",
                            "sqs:DeleteMessage",
                            "sqs:GetQueueAttributes",
                        ],
                        Some("kinesis") => &[
                            "kinesis:GetRecords",
                            "kinesis:GetShardIterator",
                            "kinesis:DescribeStream",
                            "kinesis:DescribeStreamSummary",
                            "kinesis:ListShards",
                            "kinesis:SubscribeToShard",
                        ],
                        Some("dynamodb") => &[
                            "dynamodb:GetRecords",
                            "dynamodb:GetShardIterator",
                            "dynamodb:DescribeStream",
                            "dynamodb:ListStreams",
                        ],
                        Some("kafka") => &[
                            "kafka:DescribeCluster",
                            "kafka:DescribeClusterV2",
                            "kafka:GetBootstrapBrokers",
                        ],
                        Some("mq") => &["mq:DescribeBroker"],
                        _ => &[],
                    };
                    b.need(actions, source, Confidence::Certain, &because);
                }
                if let Some(key) = &m.kms_key_arn {
                    b.need(&["kms:Decrypt"], key, Confidence::Certain, &because);
                }
                if let Some(d) = &m.on_failure_destination {
                    b.send_to(d, &format!("{because} on-failure destination"));
                }
            }
        }
    }

    // Environment variables that reference a resource the inventory knows (matched by the
    // hash kept at collection time; the values themselves were never stored).
    // Hashing every ARN of the inventory is only worth it for functions that reference one.
    let references = function
        .environment
        .iter()
        .any(|v| v.value.resource_ref_sha256.is_some());
    let known = if references {
        known_resources(inventory)
    } else {
        BTreeMap::new()
    };
    for var in &function.environment {
        let Some(hash) = &var.value.resource_ref_sha256 else {
            continue;
        };
        if let Some(arn) = known.get(hash) {
            let actions: &[&str] = match arn_service(arn) {
                Some("sqs") => &["sqs:SendMessage"],
                Some("sns") => &["sns:Publish"],
                Some("lambda") => &["lambda:InvokeFunction"],
                _ => &[],
            };
            b.need(
                actions,
                arn,
                Confidence::Heuristic,
                &format!("environment variable {}", var.name),
            );
        }
    }

    let mut needs = b.needs;
    needs.sort();
    needs.dedup_by(|a, b| a.action == b.action && a.resource == b.resource);
    Baseline { needs, unknown }
}

/// SHA-256 → ARN of every resource the inventory names: functions, queues, topics and
/// other destinations.
fn known_resources(inventory: &Inventory) -> BTreeMap<String, String> {
    let mut arns: Vec<String> = Vec::new();
    for region in &inventory.regions {
        arns.extend(region.queues.keys().cloned());
        for function in &region.functions {
            arns.push(function.arn.clone());
            arns.extend(function.dead_letter_target_arn.iter().cloned());
            if let Some(configs) = function.event_invoke_configs.value() {
                for c in configs {
                    arns.extend(c.on_success_destination.iter().cloned());
                    arns.extend(c.on_failure_destination.iter().cloned());
                }
            }
        }
        if let Some(mappings) = region.event_source_mappings.value() {
            for m in mappings {
                arns.extend(m.event_source_arn.iter().cloned());
            }
        }
    }
    arns.into_iter()
        .map(|arn| (sha256_hex(&arn), arn))
        .collect()
}

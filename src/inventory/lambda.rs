//! Lambda resources as collected: functions with their qualifiers, policies, URLs and
//! invoke settings; event source mappings; code signing configs; layer versions.

use super::coverage::Collected;
use super::secrets::EnvVar;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A resource-based policy as returned by `GetPolicy` / `GetLayerVersionPolicy`: the JSON
/// document parsed but otherwise untouched, so checks read exactly what AWS enforces.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourcePolicy {
    pub document: serde_json::Value,
    pub revision_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Function {
    pub name: String,
    /// Unqualified ARN.
    pub arn: String,
    pub runtime: Option<String>,
    pub handler: Option<String>,
    /// Execution role ARN.
    pub role: String,
    pub description: Option<String>,
    pub memory_mb: Option<i32>,
    pub timeout_seconds: Option<i32>,
    pub package_type: Option<String>,
    pub architectures: Vec<String>,
    pub last_modified: Option<String>,
    pub code_sha256: Option<String>,
    pub code_size: i64,
    pub state: Option<String>,
    pub environment: Vec<EnvVar>,
    /// Set when Lambda could not decrypt the environment (its KMS key is gone or denied).
    pub environment_error: Option<String>,
    pub kms_key_arn: Option<String>,
    pub vpc: Option<VpcConfig>,
    pub dead_letter_target_arn: Option<String>,
    pub tracing_mode: Option<String>,
    /// Layer version ARNs, in the order the function loads them.
    pub layers: Vec<String>,
    pub signing_profile_version_arn: Option<String>,
    pub log_group: Option<String>,
    pub ephemeral_storage_mb: Option<i32>,
    pub file_systems: Vec<FileSystem>,
    pub tags: Collected<BTreeMap<String, String>>,
    /// `Some(n)` when reserved concurrency is set (0 means the function is switched off).
    pub reserved_concurrency: Collected<Option<i32>>,
    /// The policy of the unqualified function (and `$LATEST`); `None`: it has none.
    pub policy: Collected<Option<ResourcePolicy>>,
    pub aliases: Collected<Vec<Alias>>,
    /// Published versions (not `$LATEST`), from `ListFunctions` with `FunctionVersion=ALL`.
    pub versions: Vec<FunctionVersion>,
    pub url_configs: Collected<Vec<FunctionUrl>>,
    pub event_invoke_configs: Collected<Vec<EventInvokeConfig>>,
    /// The code signing config that governs this function, if any.
    pub code_signing_config_arn: Collected<Option<String>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VpcConfig {
    pub vpc_id: Option<String>,
    pub subnet_ids: Vec<String>,
    pub security_group_ids: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileSystem {
    pub arn: String,
    pub local_mount_path: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alias {
    pub name: String,
    pub arn: String,
    pub function_version: String,
    /// Weighted routing: version → weight, for aliases that shift traffic.
    pub additional_version_weights: BTreeMap<String, f64>,
    pub description: Option<String>,
    pub policy: Collected<Option<ResourcePolicy>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FunctionVersion {
    pub version: String,
    /// Qualified ARN (`…:function:name:3`).
    pub arn: String,
    pub role: String,
    pub runtime: Option<String>,
    pub description: Option<String>,
    pub code_sha256: Option<String>,
    pub last_modified: Option<String>,
    /// Published versions keep the environment they were published with, secrets included.
    pub environment: Vec<EnvVar>,
    /// Set when Lambda could not decrypt this version's environment.
    #[serde(default)]
    pub environment_error: Option<String>,
    pub policy: Collected<Option<ResourcePolicy>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FunctionUrl {
    pub url: String,
    /// The ARN the URL is attached to: the function's or an alias's.
    pub target_arn: String,
    /// The alias name when the URL belongs to an alias.
    pub qualifier: Option<String>,
    /// `NONE` or `AWS_IAM`.
    pub auth_type: String,
    pub cors: Option<Cors>,
    pub invoke_mode: Option<String>,
    pub last_modified: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cors {
    pub allow_origins: Vec<String>,
    pub allow_methods: Vec<String>,
    pub allow_headers: Vec<String>,
    pub expose_headers: Vec<String>,
    pub allow_credentials: bool,
    pub max_age: Option<i32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventInvokeConfig {
    pub target_arn: String,
    pub qualifier: Option<String>,
    pub maximum_retry_attempts: Option<i32>,
    pub maximum_event_age_seconds: Option<i32>,
    pub on_success_destination: Option<String>,
    pub on_failure_destination: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventSourceMapping {
    pub uuid: String,
    pub function_arn: String,
    pub event_source_arn: Option<String>,
    /// Bootstrap servers of a self-managed Kafka source.
    pub self_managed_endpoints: Vec<String>,
    pub state: Option<String>,
    pub batch_size: Option<i32>,
    pub filter_patterns: Vec<String>,
    pub on_failure_destination: Option<String>,
    /// `Type` → URI of each source access configuration (VPC subnets, secrets for auth).
    pub source_access: Vec<(String, String)>,
    pub kms_key_arn: Option<String>,
    pub last_modified: Option<String>,
    /// Stream sources: -1 (or absent) retries until the record expires.
    #[serde(default)]
    pub maximum_retry_attempts: Option<i32>,
    #[serde(default)]
    pub maximum_record_age_seconds: Option<i32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CodeSigningConfig {
    pub arn: String,
    pub description: Option<String>,
    pub allowed_publishers: Vec<String>,
    /// `Warn` or `Enforce`.
    pub untrusted_artifact_on_deployment: Option<String>,
    pub function_arns: Collected<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LayerVersion {
    pub arn: String,
    pub owner_account: String,
    /// Only collected for layers the audited account owns; another account's layer policy
    /// is not ours to read.
    pub policy: Collected<Option<ResourcePolicy>>,
}

impl Function {
    /// Every resource policy attached to the function, with the ARN it protects:
    /// the unqualified function, then each alias, then each published version.
    pub fn policies(&self) -> Vec<QualifiedPolicy<'_>> {
        let mut out = vec![QualifiedPolicy {
            arn: &self.arn,
            qualifier: None,
            policy: &self.policy,
        }];
        if let Some(aliases) = self.aliases.value() {
            out.extend(aliases.iter().map(|a| QualifiedPolicy {
                arn: &a.arn,
                qualifier: Some(&a.name),
                policy: &a.policy,
            }));
        }
        out.extend(self.versions.iter().map(|v| QualifiedPolicy {
            arn: &v.arn,
            qualifier: Some(&v.version),
            policy: &v.policy,
        }));
        out
    }
}

/// A resource policy together with the (possibly qualified) ARN it governs.
#[derive(Debug, Clone, Copy)]
pub struct QualifiedPolicy<'a> {
    pub arn: &'a str,
    pub qualifier: Option<&'a str>,
    pub policy: &'a Collected<Option<ResourcePolicy>>,
}

/// An SQS queue the estate touches: an event source, a dead-letter queue or a destination.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Queue {
    pub arn: String,
    pub visibility_timeout_seconds: Option<i64>,
    /// Where messages go after `max_receive_count` failed receives; `None`: nowhere.
    pub redrive_target_arn: Option<String>,
    pub max_receive_count: Option<i64>,
    pub kms_master_key_id: Option<String>,
    pub sqs_managed_sse: bool,
}

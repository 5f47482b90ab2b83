//! The inventory: everything the collectors saw in one account, as one serde data model.
//!
//! Checks see nothing else. It is written to disk by `--snapshot-out` and read back by
//! `--from-snapshot`, so every field must survive a JSON round trip unchanged, and nothing
//! secret may be stored in it (environment values are kept only as [`secrets::RedactedValue`]).

pub mod apigateway;
pub mod coverage;
pub mod iam;
pub mod lambda;
pub mod secrets;
pub mod snapshot;

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub use apigateway::*;
pub use coverage::*;
pub use iam::*;
pub use lambda::*;

/// Bumped whenever a field changes meaning or is removed; additions keep the version.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Inventory {
    pub schema_version: u32,
    pub tool_version: String,
    /// RFC 3339, UTC.
    pub collected_at: String,
    pub account: AccountIdentity,
    /// Sorted by region name.
    pub regions: Vec<RegionInventory>,
    /// Regions asked for but not audited, with the reason (e.g. an opt-in region not enabled).
    #[serde(default)]
    pub skipped_regions: Vec<SkippedRegion>,
    pub iam: IamInventory,
    /// Every call that failed, in the order recorded. Checks consult the per-field
    /// [`Collected`] state; this list is what the report shows as coverage.
    #[serde(default)]
    pub coverage_gaps: Vec<CoverageGap>,
    #[serde(default)]
    pub collection: CollectionStats,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountIdentity {
    pub account_id: String,
    /// `aws`, `aws-cn` or `aws-us-gov`, taken from the caller ARN.
    pub partition: String,
    pub caller_arn: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SkippedRegion {
    pub region: String,
    pub reason: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RegionInventory {
    pub region: String,
    /// Complete only when `functions_listing` is `Collected`; otherwise empty and every
    /// function-level check for the region is "not evaluated".
    pub functions_listing: Collected<()>,
    pub functions: Vec<Function>,
    pub event_source_mappings: Collected<Vec<EventSourceMapping>>,
    pub code_signing_configs: Collected<Vec<CodeSigningConfig>>,
    /// Layer versions referenced by any function of the region, with their policies.
    pub layers: Vec<LayerVersion>,
    pub rest_apis: Collected<Vec<RestApi>>,
    pub http_apis: Collected<Vec<HttpApi>>,
    /// Attributes of the SQS queues referenced by event source mappings, dead-letter
    /// configs and destinations in this region, one entry per queue ARN.
    #[serde(default)]
    pub queues: BTreeMap<String, Collected<Queue>>,
}

/// How many requests the collection sent, by `service:Operation` (every attempt, retries
/// included) — the figure that matters against AWS's per-second quotas.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CollectionStats {
    pub attempts_by_operation: BTreeMap<String, u64>,
    pub functions: u64,
    pub elapsed_ms: u64,
}

impl CollectionStats {
    pub fn total_attempts(&self) -> u64 {
        self.attempts_by_operation.values().sum()
    }
}

impl Inventory {
    pub fn functions(&self) -> impl Iterator<Item = (&RegionInventory, &Function)> {
        self.regions
            .iter()
            .flat_map(|region| region.functions.iter().map(move |f| (region, f)))
    }
}

//! Collectors: read one account through the AWS APIs into an [`Inventory`].
//!
//! Call plan (per region unless noted; see README "API calls"):
//! listed once per region — functions with every version, event source mappings, code
//! signing configs, REST and HTTP APIs; per function — `GetFunction` (tags, reserved
//! concurrency; its own 100/s bucket), `GetPolicy` for the function and for each alias and
//! published version (its own 15/s bucket), `ListAliases`; only where they can change a
//! finding — `ListFunctionUrlConfigs` (some policy can grant `lambda:InvokeFunctionUrl`) and
//! `ListFunctionEventInvokeConfigs` (the function has a resource policy, the only way another
//! service or account can invoke it asynchronously); `--exhaustive` fetches both for all.

pub mod accounts;
pub mod apigateway;
mod client;
pub mod failure;
pub mod guard;
pub mod iam;
pub mod lambda;
pub mod limiter;
pub mod progress;
pub mod regions;
pub mod sqs;

use crate::inventory::{
    AccountIdentity, ApiFailure, CollectionStats, CoverageGap, Inventory, SCHEMA_VERSION,
};
use std::sync::{Arc, Mutex};
use std::time::Instant;

pub use client::{AssumeRoleTarget, AwsSettings, Clients};
pub use regions::RegionSelection;

#[derive(Debug, Clone)]
pub struct CollectOptions {
    pub aws: AwsSettings,
    pub regions: RegionSelection,
    /// Fetch URL and async-invoke configs for every function, not only where relevant.
    pub exhaustive: bool,
    /// Fetch function URL configs for every function: drift needs to see URLs that no
    /// resource policy makes reachable yet (one more request per function).
    pub all_function_urls: bool,
    /// Share of each published quota the auditor may use (0 < f ≤ 1).
    pub rate_fraction: f64,
    /// Counters the caller may watch (a progress bar); the collection only adds to them.
    pub progress: Arc<progress::Progress>,
}

#[derive(Debug, thiserror::Error)]
pub enum CollectError {
    #[error(
        "no AWS region configured: pass --regions, or set AWS_REGION or a region in the profile"
    )]
    NoRegion,
    #[error("cannot identify the account (sts:GetCallerIdentity): {}: {}", .0.code, .0.message)]
    Identity(ApiFailure),
    #[error("{0}")]
    Regions(String),
    #[error("cannot assume the role (sts:AssumeRole): {}: {}", .0.code, .0.message)]
    AssumeRole(ApiFailure),
    #[error("cannot list the organization's accounts (organizations:ListAccounts): {}: {}", .0.code, .0.message)]
    Organization(ApiFailure),
}

/// Shared by every collector of one run: where failures are written down.
#[derive(Debug)]
pub struct Recorder {
    account_id: String,
    gaps: Mutex<Vec<CoverageGap>>,
    /// The clients' call counter, when there is one: it says which operations AWS throttled.
    counter: Option<Arc<guard::CallCounter>>,
}

impl Recorder {
    pub fn new(account_id: &str) -> Self {
        Recorder {
            account_id: account_id.to_string(),
            gaps: Mutex::new(Vec::new()),
            counter: None,
        }
    }

    /// Reads throttling from `counter`, so paced calls can slow their bucket down.
    pub fn with_counter(mut self, counter: Arc<guard::CallCounter>) -> Self {
        self.counter = Some(counter);
        self
    }

    /// Throttled attempts of `operation` so far.
    pub fn throttled(&self, operation: &str) -> u64 {
        self.counter.as_ref().map_or(0, |c| c.throttled(operation))
    }

    /// Runs `send` paced by `limiter`, and slows the bucket down when AWS throttled any of
    /// its attempts (the SDK retries them; the bucket should not keep pushing).
    pub async fn paced<T>(
        &self,
        limiter: &limiter::Limiter,
        operation: &str,
        send: impl std::future::Future<Output = T>,
    ) -> T {
        let before = self.throttled(operation);
        limiter.acquire().await;
        let result = send.await;
        if self.throttled(operation) > before {
            limiter.slow_down().await;
        }
        result
    }

    /// Records a failed call and returns it, for the field that now says `Failed`.
    pub fn gap(
        &self,
        region: Option<&str>,
        resource: Option<&str>,
        failure: ApiFailure,
    ) -> ApiFailure {
        tracing::warn!(
            operation = %failure.operation,
            region = region.unwrap_or("global"),
            resource = resource.unwrap_or("-"),
            code = %failure.code,
            "coverage gap: {}",
            failure.message
        );
        if let Ok(mut gaps) = self.gaps.lock() {
            gaps.push(CoverageGap {
                account: self.account_id.clone(),
                region: region.map(str::to_string),
                resource: resource.map(str::to_string),
                failure: failure.clone(),
            });
        }
        failure
    }

    /// The recorded gaps in a deterministic order (calls fail in whatever order the
    /// concurrent collectors reach them).
    pub fn take(&self) -> Vec<CoverageGap> {
        let mut gaps = self
            .gaps
            .lock()
            .map(|mut g| std::mem::take(&mut *g))
            .unwrap_or_default();
        gaps.sort_by(|a, b| {
            (
                &a.region,
                &a.resource,
                &a.failure.operation,
                &a.failure.code,
            )
                .cmp(&(
                    &b.region,
                    &b.resource,
                    &b.failure.operation,
                    &b.failure.code,
                ))
        });
        gaps
    }
}

pub async fn collect(options: &CollectOptions) -> Result<Inventory, CollectError> {
    let started = Instant::now();
    let clients = Clients::load(&options.aws).await?;
    let identity = clients.caller_identity().await?;
    let recorder =
        Arc::new(Recorder::new(&identity.account_id).with_counter(clients.counter.clone()));
    let (regions, skipped) = regions::resolve(&options.regions, &clients, &identity).await?;
    progress::Progress::add(&options.progress.regions_total, regions.len() as u64);
    tracing::info!(account = %identity.account_id, regions = ?regions, "collecting");

    let iam = iam::collect(&clients, &recorder);
    let per_region = futures::future::join_all(regions.iter().map(|region| {
        let recorder = Arc::clone(&recorder);
        let clients = &clients;
        async move {
            let limiters = limiter::RegionLimiters::new(options.rate_fraction);
            let lambda_client = clients.lambda(region);
            let mut inventory =
                lambda::collect_region(&lambda_client, region, &limiters, options, &recorder)
                    .await?;
            // A region whose Lambda listing shows it is not enabled is skipped above, before
            // API Gateway is asked; otherwise both API families are read side by side.
            let (rest, http) = futures::join!(
                apigateway::collect_rest_apis(clients, region, &limiters, &recorder),
                apigateway::collect_http_apis(clients, region, &limiters, &recorder),
            );
            inventory.rest_apis = rest;
            inventory.http_apis = http;
            inventory.queues =
                sqs::collect_queues(&clients.sqs(region), &inventory, &limiters.sqs, &recorder)
                    .await;
            progress::Progress::add(&options.progress.regions_done, 1);
            Ok::<_, crate::inventory::SkippedRegion>(inventory)
        }
    }));
    let (iam, results) = futures::join!(iam, per_region);
    let mut skipped = skipped;
    let mut region_inventories = Vec::new();
    for result in results {
        match result {
            Ok(inventory) => region_inventories.push(inventory),
            Err(skip) => skipped.push(skip),
        }
    }
    region_inventories.sort_by(|a, b| a.region.cmp(&b.region));
    skipped.sort_by(|a, b| a.region.cmp(&b.region));

    let functions = region_inventories
        .iter()
        .map(|r| r.functions.len() as u64)
        .sum();
    Ok(Inventory {
        schema_version: SCHEMA_VERSION,
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        collected_at: humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string(),
        account: identity,
        regions: region_inventories,
        skipped_regions: skipped,
        iam,
        coverage_gaps: recorder.take(),
        collection: CollectionStats {
            attempts_by_operation: clients.counter.snapshot(),
            functions,
            elapsed_ms: started.elapsed().as_millis() as u64,
        },
    })
}

impl AccountIdentity {
    pub(crate) fn from_caller_arn(account_id: String, caller_arn: String) -> Self {
        let partition = caller_arn.split(':').nth(1).unwrap_or("aws").to_string();
        AccountIdentity {
            account_id,
            partition,
            caller_arn,
        }
    }
}

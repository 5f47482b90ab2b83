//! The Lambda collector for one region.

use super::failure::{PageGuard, SdkResult, classify, is_not_found};
use super::limiter::{Limiter, RegionLimiters};
use super::regions::is_region_not_enabled;
use super::{CollectOptions, Recorder, RegionSelection};
use crate::inventory::secrets::{EnvVar, redact_env};
use crate::inventory::*;
use aws_sdk_lambda::Client;
use aws_sdk_lambda::types::FunctionConfiguration;
use futures::StreamExt;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Functions whose details are fetched at once per region; the limiters do the pacing.
/// Each function walks several quota buckets in turn (GetFunction, GetPolicy, the shared
/// bucket), so enough must be in flight that every bucket always has a request waiting:
/// with 16, a benchmark of 2,000 functions left the shared bucket idle while tasks queued
/// for GetPolicy (wall time 1.45× the quota floor).
const FUNCTIONS_IN_FLIGHT: usize = 64;

pub(crate) struct RegionContext<'a> {
    pub client: &'a Client,
    pub region: &'a str,
    pub limiters: &'a RegionLimiters,
    pub recorder: &'a Recorder,
    pub exhaustive: bool,
    pub all_function_urls: bool,
}

impl RegionContext<'_> {
    fn gap(&self, resource: Option<&str>, failure: ApiFailure) -> ApiFailure {
        self.recorder.gap(Some(self.region), resource, failure)
    }

    /// Runs one paced call; a failure is recorded as a gap and returned as `Failed`.
    async fn call<T, E, F>(
        &self,
        limiter: &Limiter,
        operation: &str,
        resource: Option<&str>,
        send: F,
    ) -> Result<Option<T>, ApiFailure>
    where
        F: std::future::Future<Output = SdkResult<T, E>>,
        E: aws_smithy_types::error::metadata::ProvideErrorMetadata + std::error::Error + 'static,
    {
        match self.recorder.paced(limiter, operation, send).await {
            Ok(out) => Ok(Some(out)),
            Err(err) if is_not_found(&err) => Ok(None),
            Err(err) => Err(self.gap(resource, classify(operation, &err))),
        }
    }
}

impl RegionContext<'_> {
    /// Follows Lambda's `Marker`/`NextMarker` pagination to the end, paced by `limiter`.
    /// A resource that does not exist (deleted mid-run) reads as empty; any other failure
    /// is recorded and returned as `Failed`.
    async fn pages<Out, Item, E, Fut>(
        &self,
        limiter: &Limiter,
        operation: &str,
        resource: Option<&str>,
        send: impl Fn(Option<String>) -> Fut,
        read: impl Fn(&Out) -> (Vec<Item>, Option<&str>),
    ) -> Collected<Vec<Item>>
    where
        Fut: std::future::Future<Output = SdkResult<Out, E>>,
        E: aws_smithy_types::error::metadata::ProvideErrorMetadata + std::error::Error + 'static,
    {
        let mut items = Vec::new();
        let mut marker: Option<String> = None;
        let mut guard = PageGuard::default();
        loop {
            let page = match self
                .call(limiter, operation, resource, send(marker.clone()))
                .await
            {
                Ok(Some(page)) => page,
                Ok(None) => break,
                Err(error) => return Collected::Failed { error },
            };
            let (mut page_items, next) = read(&page);
            items.append(&mut page_items);
            marker = match guard.next(operation, next) {
                Ok(next) => next,
                Err(failure) => {
                    return Collected::Failed {
                        error: self.gap(resource, failure),
                    };
                }
            };
            if marker.is_none() {
                break;
            }
        }
        Collected::Collected { value: items }
    }
}

pub async fn collect_region(
    client: &Client,
    region: &str,
    limiters: &RegionLimiters,
    options: &CollectOptions,
    recorder: &Recorder,
) -> Result<RegionInventory, SkippedRegion> {
    let ctx = RegionContext {
        client,
        region,
        limiters,
        recorder,
        exhaustive: options.exhaustive,
        all_function_urls: options.all_function_urls,
    };
    // The function listing goes first: in an opt-in region that refuses our credentials it
    // is the only call made, so a skipped region leaves no gaps behind.
    let listing = list_functions(&ctx).await;
    let (functions_listing, configurations) = match listing {
        Ok(configs) => (Collected::Collected { value: () }, configs),
        Err(failure) => {
            // Only under `--regions all` without the Account API, where the partition's
            // whole list is tried: a region the user named is never silently dropped.
            if options.regions == RegionSelection::All && is_region_not_enabled(region, &failure) {
                return Err(SkippedRegion {
                    region: region.to_string(),
                    reason: format!(
                        "opt-in region refused the credentials ({}): not enabled for this account, or the credentials are not valid there (global-endpoint STS tokens are not accepted in opt-in regions); name it in --regions to see the error as a coverage gap",
                        failure.code
                    ),
                });
            }
            (
                Collected::Failed {
                    error: ctx.gap(None, failure),
                },
                Vec::new(),
            )
        }
    };

    let (mappings, signing) = futures::join!(
        list_event_source_mappings(&ctx),
        list_code_signing_configs(&ctx),
    );
    let signing_by_function = signing_map(&signing);
    let grouped = group_versions(configurations);
    let progress = &options.progress;
    super::progress::Progress::add(&progress.functions_found, grouped.len() as u64);
    let functions: Vec<Function> = futures::stream::iter(grouped)
        .map(|(latest, versions)| async {
            let function = collect_function(&ctx, latest, versions, &signing_by_function).await;
            super::progress::Progress::add(&progress.functions_done, 1);
            function
        })
        .buffer_unordered(FUNCTIONS_IN_FLIGHT)
        .collect()
        .await;
    let mut functions = functions;
    functions.sort_by(|a, b| a.arn.cmp(&b.arn));
    let layers = collect_layers(&ctx, &functions).await;

    Ok(RegionInventory {
        region: region.to_string(),
        functions_listing,
        functions,
        event_source_mappings: mappings,
        code_signing_configs: signing,
        layers,
        rest_apis: Collected::default(),
        http_apis: Collected::default(),
        queues: Default::default(),
    })
}

/// `ListFunctions` with `FunctionVersion=ALL`: every function and every published version
/// in pages of 50, instead of one `ListVersionsByFunction` call per function.
async fn list_functions(ctx: &RegionContext<'_>) -> Result<Vec<FunctionConfiguration>, ApiFailure> {
    const OPERATION: &str = "lambda:ListFunctions";
    let mut out = Vec::new();
    let mut marker: Option<String> = None;
    let mut guard = PageGuard::default();
    loop {
        let request = ctx
            .client
            .list_functions()
            .function_version(aws_sdk_lambda::types::FunctionVersion::All)
            .set_marker(marker.clone())
            .max_items(50)
            .send();
        let page = ctx
            .recorder
            .paced(&ctx.limiters.lambda_shared, OPERATION, request)
            .await
            .map_err(|err| classify(OPERATION, &err))?;
        out.extend(page.functions().iter().cloned());
        marker = guard.next(OPERATION, page.next_marker())?;
        if marker.is_none() {
            return Ok(out);
        }
    }
}

/// Splits the `ALL` listing into each function's `$LATEST` and its published versions.
fn group_versions(
    configurations: Vec<FunctionConfiguration>,
) -> Vec<(FunctionConfiguration, Vec<FunctionConfiguration>)> {
    let mut latest: BTreeMap<String, FunctionConfiguration> = BTreeMap::new();
    let mut versions: HashMap<String, Vec<FunctionConfiguration>> = HashMap::new();
    for config in configurations {
        let name = config.function_name().unwrap_or_default().to_string();
        match config.version() {
            None | Some("$LATEST") => {
                latest.insert(name, config);
            }
            Some(_) => versions.entry(name).or_default().push(config),
        }
    }
    latest
        .into_iter()
        .map(|(name, config)| {
            let mut published = versions.remove(&name).unwrap_or_default();
            published.sort_by_key(|v| v.version().and_then(|n| n.parse::<u64>().ok()));
            (config, published)
        })
        .collect()
}

/// ARNs in listings may carry `:$LATEST`; the inventory keys functions by the bare ARN.
fn unqualified_arn(arn: &str) -> String {
    let parts: Vec<&str> = arn.splitn(8, ':').collect();
    parts[..parts.len().min(7)].join(":")
}

async fn collect_function(
    ctx: &RegionContext<'_>,
    config: FunctionConfiguration,
    versions: Vec<FunctionConfiguration>,
    signing_by_function: &Collected<HashMap<String, String>>,
) -> Function {
    let name = config.function_name().unwrap_or_default().to_string();
    let arn = unqualified_arn(config.function_arn().unwrap_or_default());
    let (details, policy, aliases) = futures::join!(
        get_function(ctx, &name, &arn),
        get_policy(ctx, &name, None, &arn),
        list_aliases(ctx, &name, &arn),
    );
    let (tags, reserved_concurrency) = details;
    let versions = futures::future::join_all(versions.iter().map(|v| async {
        let version = v.version().unwrap_or_default().to_string();
        let qualified_arn = format!("{arn}:{version}");
        FunctionVersion {
            policy: get_policy(ctx, &name, Some(&version), &qualified_arn).await,
            version,
            arn: qualified_arn,
            role: v.role().unwrap_or_default().to_string(),
            runtime: v.runtime().map(|r| r.as_str().to_string()),
            description: non_empty(v.description()),
            code_sha256: v.code_sha256().map(str::to_string),
            last_modified: v.last_modified().map(str::to_string),
            environment: environment_of(v).0,
            environment_error: environment_of(v).1,
        }
    }))
    .await;

    let mut function = function_from_config(&config, arn, name);
    function.tags = tags;
    function.reserved_concurrency = reserved_concurrency;
    function.policy = policy;
    function.aliases = aliases;
    function.versions = versions;
    function.code_signing_config_arn = match signing_by_function {
        Collected::Collected { value } => Collected::Collected {
            value: value.get(&function.arn).cloned(),
        },
        Collected::NotCollected { reason } => Collected::NotCollected {
            reason: reason.clone(),
        },
        Collected::Failed { error } => Collected::Failed {
            error: error.clone(),
        },
    };

    let grants_url = ctx.exhaustive
        || ctx.all_function_urls
        || policies_may_grant(&function, "lambda:InvokeFunctionUrl");
    let has_policy = ctx.exhaustive || has_any_policy(&function);
    let (urls, invoke_configs) = futures::join!(
        async {
            if grants_url {
                list_url_configs(ctx, &function).await
            } else {
                Collected::NotCollected {
                    reason: "no resource-policy statement can grant lambda:InvokeFunctionUrl, so no URL of this function is reachable without signed credentials of this account (use --exhaustive to list them anyway)".to_string(),
                }
            }
        },
        async {
            if has_policy {
                list_event_invoke_configs(ctx, &function).await
            } else {
                Collected::NotCollected {
                    reason: "no resource policy, so no other service or account can invoke it asynchronously; callers in this account need none (use --exhaustive to list them anyway)".to_string(),
                }
            }
        },
    );
    function.url_configs = urls;
    function.event_invoke_configs = invoke_configs;
    function
}

fn function_from_config(config: &FunctionConfiguration, arn: String, name: String) -> Function {
    let (environment, environment_error) = environment_of(config);
    Function {
        name,
        arn,
        runtime: config.runtime().map(|r| r.as_str().to_string()),
        handler: config.handler().map(str::to_string),
        role: config.role().unwrap_or_default().to_string(),
        description: non_empty(config.description()),
        memory_mb: config.memory_size(),
        timeout_seconds: config.timeout(),
        package_type: config.package_type().map(|p| p.as_str().to_string()),
        architectures: config
            .architectures()
            .iter()
            .map(|a| a.as_str().to_string())
            .collect(),
        last_modified: config.last_modified().map(str::to_string),
        code_sha256: config.code_sha256().map(str::to_string),
        code_size: config.code_size(),
        state: config.state().map(|s| s.as_str().to_string()),
        environment,
        environment_error,
        kms_key_arn: config.kms_key_arn().map(str::to_string),
        vpc: config
            .vpc_config()
            .filter(|v| !v.subnet_ids().is_empty())
            .map(|v| VpcConfig {
                vpc_id: v.vpc_id().map(str::to_string),
                subnet_ids: v.subnet_ids().to_vec(),
                security_group_ids: v.security_group_ids().to_vec(),
            }),
        dead_letter_target_arn: config
            .dead_letter_config()
            .and_then(|d| d.target_arn())
            .map(str::to_string),
        tracing_mode: config
            .tracing_config()
            .and_then(|t| t.mode())
            .map(|m| m.as_str().to_string()),
        layers: config
            .layers()
            .iter()
            .filter_map(|l| l.arn().map(str::to_string))
            .collect(),
        signing_profile_version_arn: config.signing_profile_version_arn().map(str::to_string),
        log_group: config
            .logging_config()
            .and_then(|l| l.log_group())
            .map(str::to_string),
        ephemeral_storage_mb: config.ephemeral_storage().map(|e| e.size()),
        file_systems: config
            .file_system_configs()
            .iter()
            .map(|f| FileSystem {
                arn: f.arn().to_string(),
                local_mount_path: f.local_mount_path().to_string(),
            })
            .collect(),
        tags: Collected::default(),
        reserved_concurrency: Collected::default(),
        policy: Collected::default(),
        aliases: Collected::default(),
        versions: Vec::new(),
        url_configs: Collected::default(),
        event_invoke_configs: Collected::default(),
        code_signing_config_arn: Collected::default(),
    }
}

/// Redacts the environment the moment it leaves the SDK type: values go no further.
fn environment_of(config: &FunctionConfiguration) -> (Vec<EnvVar>, Option<String>) {
    let Some(env) = config.environment() else {
        return (Vec::new(), None);
    };
    let vars = env
        .variables()
        .map(|vars| redact_env(vars.iter().map(|(k, v)| (k.clone(), v.clone()))))
        .unwrap_or_default();
    let error = env.error().map(|e| {
        format!(
            "{}: {}",
            e.error_code().unwrap_or("error"),
            e.message().unwrap_or_default()
        )
    });
    (vars, error)
}

fn non_empty(s: Option<&str>) -> Option<String> {
    s.filter(|s| !s.is_empty()).map(str::to_string)
}

/// `GetFunction`: the one call that returns tags and reserved concurrency together, from
/// its own 100 requests/s bucket. Its presigned code URL is dropped unread.
async fn get_function(
    ctx: &RegionContext<'_>,
    name: &str,
    arn: &str,
) -> (Collected<BTreeMap<String, String>>, Collected<Option<i32>>) {
    let result = ctx
        .call(
            &ctx.limiters.get_function,
            "lambda:GetFunction",
            Some(arn),
            ctx.client.get_function().function_name(name).send(),
        )
        .await;
    match result {
        Ok(Some(out)) => (
            Collected::Collected {
                value: out
                    .tags()
                    .map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                    .unwrap_or_default(),
            },
            Collected::Collected {
                value: out
                    .concurrency()
                    .and_then(|c| c.reserved_concurrent_executions()),
            },
        ),
        Ok(None) => {
            let gone = "the function was deleted while it was being collected".to_string();
            (
                Collected::NotCollected {
                    reason: gone.clone(),
                },
                Collected::NotCollected { reason: gone },
            )
        }
        Err(error) => (
            Collected::Failed {
                error: error.clone(),
            },
            Collected::Failed { error },
        ),
    }
}

async fn get_policy(
    ctx: &RegionContext<'_>,
    name: &str,
    qualifier: Option<&str>,
    arn: &str,
) -> Collected<Option<ResourcePolicy>> {
    let result = ctx
        .call(
            &ctx.limiters.get_policy,
            "lambda:GetPolicy",
            Some(arn),
            ctx.client
                .get_policy()
                .function_name(name)
                .set_qualifier(qualifier.map(str::to_string))
                .send(),
        )
        .await;
    match result {
        // No policy at all is ResourceNotFoundException: an answer, not a failure.
        Ok(None) => Collected::Collected { value: None },
        Ok(Some(out)) => match out.policy() {
            None => Collected::Collected { value: None },
            Some(text) => match parse_policy_text("lambda:GetPolicy", text) {
                Ok(document) => Collected::Collected {
                    value: Some(ResourcePolicy {
                        document,
                        revision_id: out.revision_id().map(str::to_string),
                    }),
                },
                Err(failure) => Collected::Failed {
                    error: ctx.gap(Some(arn), failure),
                },
            },
        },
        Err(error) => Collected::Failed { error },
    }
}

pub(crate) fn parse_policy_text(
    operation: &str,
    text: &str,
) -> Result<serde_json::Value, ApiFailure> {
    serde_json::from_str(text).map_err(|e| ApiFailure {
        operation: operation.to_string(),
        kind: FailureKind::MalformedResponse,
        code: "InvalidPolicyJson".to_string(),
        message: format!("policy document is not valid JSON: {e}"),
    })
}

async fn list_aliases(ctx: &RegionContext<'_>, name: &str, arn: &str) -> Collected<Vec<Alias>> {
    let configs = ctx
        .pages(
            &ctx.limiters.lambda_shared,
            "lambda:ListAliases",
            Some(arn),
            |marker| {
                ctx.client
                    .list_aliases()
                    .function_name(name)
                    .set_marker(marker)
                    .send()
            },
            |page| (page.aliases().to_vec(), page.next_marker()),
        )
        .await;
    let configs = match configs {
        Collected::Collected { value } => value,
        Collected::Failed { error } => return Collected::Failed { error },
        Collected::NotCollected { reason } => return Collected::NotCollected { reason },
    };
    let mut aliases = futures::future::join_all(configs.iter().map(|a| async {
        let alias_name = a.name().unwrap_or_default().to_string();
        let alias_arn = a
            .alias_arn()
            .map(str::to_string)
            .unwrap_or_else(|| format!("{arn}:{alias_name}"));
        Alias {
            policy: get_policy(ctx, name, Some(&alias_name), &alias_arn).await,
            name: alias_name,
            arn: alias_arn,
            function_version: a.function_version().unwrap_or_default().to_string(),
            additional_version_weights: a
                .routing_config()
                .and_then(|r| r.additional_version_weights())
                .map(|w| w.iter().map(|(k, v)| (k.clone(), *v)).collect())
                .unwrap_or_default(),
            description: non_empty(a.description()),
        }
    }))
    .await;
    aliases.sort_by(|a, b| a.name.cmp(&b.name));
    Collected::Collected { value: aliases }
}

/// True when some statement of some qualifier's policy allows an action matching `action`,
/// or when a policy could not be read (then we must look rather than assume).
fn policies_may_grant(function: &Function, action: &str) -> bool {
    function.aliases.value().is_none()
        || function.policies().iter().any(|q| match q.policy {
            Collected::Collected { value: Some(p) } => {
                match crate::policy::parse_statements(&p.document) {
                    Ok(statements) => statements.iter().any(|s| {
                        s.effect == crate::policy::Effect::Allow && s.covers_action(action)
                    }),
                    Err(_) => true,
                }
            }
            Collected::Collected { value: None } => false,
            _ => true,
        })
}

fn has_any_policy(function: &Function) -> bool {
    // Unlisted aliases may carry policies we never saw: look rather than assume.
    function.aliases.value().is_none()
        || function
            .policies()
            .iter()
            .any(|q| !matches!(q.policy, Collected::Collected { value: None }))
}

/// The alias name of a qualified function ARN, `None` for the unqualified one.
fn qualifier_of(target_arn: &str) -> Option<String> {
    target_arn.splitn(8, ':').nth(7).map(str::to_string)
}

async fn list_url_configs(
    ctx: &RegionContext<'_>,
    function: &Function,
) -> Collected<Vec<FunctionUrl>> {
    let listed = ctx
        .pages(
            &ctx.limiters.lambda_shared,
            "lambda:ListFunctionUrlConfigs",
            Some(&function.arn),
            |marker| {
                ctx.client
                    .list_function_url_configs()
                    .function_name(&function.name)
                    .set_marker(marker)
                    .send()
            },
            |page| {
                (
                    page.function_url_configs()
                        .iter()
                        .map(|u| FunctionUrl {
                            url: u.function_url().to_string(),
                            target_arn: u.function_arn().to_string(),
                            qualifier: qualifier_of(u.function_arn()),
                            auth_type: u.auth_type().as_str().to_string(),
                            cors: u.cors().map(|c| Cors {
                                allow_origins: c.allow_origins().to_vec(),
                                allow_methods: c.allow_methods().to_vec(),
                                allow_headers: c.allow_headers().to_vec(),
                                expose_headers: c.expose_headers().to_vec(),
                                allow_credentials: c.allow_credentials().unwrap_or(false),
                                max_age: c.max_age(),
                            }),
                            invoke_mode: u.invoke_mode().map(|m| m.as_str().to_string()),
                            last_modified: non_empty(Some(u.last_modified_time())),
                        })
                        .collect(),
                    page.next_marker(),
                )
            },
        )
        .await;
    match listed {
        Collected::Collected { mut value } => {
            value.sort_by(|a: &FunctionUrl, b: &FunctionUrl| a.target_arn.cmp(&b.target_arn));
            Collected::Collected { value }
        }
        other => other,
    }
}

async fn list_event_invoke_configs(
    ctx: &RegionContext<'_>,
    function: &Function,
) -> Collected<Vec<EventInvokeConfig>> {
    ctx.pages(
        &ctx.limiters.lambda_shared,
        "lambda:ListFunctionEventInvokeConfigs",
        Some(&function.arn),
        |marker| {
            ctx.client
                .list_function_event_invoke_configs()
                .function_name(&function.name)
                .set_marker(marker)
                .send()
        },
        |page| {
            (
                page.function_event_invoke_configs()
                    .iter()
                    .map(|c| {
                        let target_arn = c.function_arn().unwrap_or(&function.arn).to_string();
                        let destinations = c.destination_config();
                        EventInvokeConfig {
                            qualifier: qualifier_of(&target_arn),
                            target_arn,
                            maximum_retry_attempts: c.maximum_retry_attempts(),
                            maximum_event_age_seconds: c.maximum_event_age_in_seconds(),
                            on_success_destination: destinations
                                .and_then(|d| d.on_success())
                                .and_then(|d| d.destination())
                                .map(str::to_string),
                            on_failure_destination: destinations
                                .and_then(|d| d.on_failure())
                                .and_then(|d| d.destination())
                                .map(str::to_string),
                        }
                    })
                    .collect(),
                page.next_marker(),
            )
        },
    )
    .await
}

/// Once per region, not per function.
async fn list_event_source_mappings(ctx: &RegionContext<'_>) -> Collected<Vec<EventSourceMapping>> {
    let listed = ctx
        .pages(
            &ctx.limiters.lambda_shared,
            "lambda:ListEventSourceMappings",
            None,
            |marker| {
                ctx.client
                    .list_event_source_mappings()
                    .max_items(100)
                    .set_marker(marker)
                    .send()
            },
            |page| {
                (
                    page.event_source_mappings()
                        .iter()
                        .map(|m| EventSourceMapping {
                            uuid: m.uuid().unwrap_or_default().to_string(),
                            function_arn: m.function_arn().map(unqualified_arn).unwrap_or_default(),
                            event_source_arn: m.event_source_arn().map(str::to_string),
                            self_managed_endpoints: m
                                .self_managed_event_source()
                                .and_then(|s| s.endpoints())
                                .map(|e| e.values().flatten().cloned().collect())
                                .unwrap_or_default(),
                            state: m.state().map(str::to_string),
                            batch_size: m.batch_size(),
                            filter_patterns: m
                                .filter_criteria()
                                .map(|f| {
                                    f.filters()
                                        .iter()
                                        .filter_map(|p| p.pattern().map(str::to_string))
                                        .collect()
                                })
                                .unwrap_or_default(),
                            on_failure_destination: m
                                .destination_config()
                                .and_then(|d| d.on_failure())
                                .and_then(|d| d.destination())
                                .map(str::to_string),
                            source_access: m
                                .source_access_configurations()
                                .iter()
                                .map(|s| {
                                    (
                                        s.r#type()
                                            .map(|t| t.as_str().to_string())
                                            .unwrap_or_default(),
                                        s.uri().unwrap_or_default().to_string(),
                                    )
                                })
                                .collect(),
                            kms_key_arn: m.kms_key_arn().map(str::to_string),
                            last_modified: m.last_modified().map(|d| d.to_string()),
                            maximum_retry_attempts: m.maximum_retry_attempts(),
                            maximum_record_age_seconds: m.maximum_record_age_in_seconds(),
                        })
                        .collect(),
                    page.next_marker(),
                )
            },
        )
        .await;
    match listed {
        Collected::Collected { mut value } => {
            value.sort_by(|a: &EventSourceMapping, b: &EventSourceMapping| a.uuid.cmp(&b.uuid));
            Collected::Collected { value }
        }
        other => other,
    }
}

/// Code signing configs are listed per region and mapped back to functions through
/// `ListFunctionsByCodeSigningConfig` (one call per config, not per function).
async fn list_code_signing_configs(ctx: &RegionContext<'_>) -> Collected<Vec<CodeSigningConfig>> {
    let listed = ctx
        .pages(
            &ctx.limiters.lambda_shared,
            "lambda:ListCodeSigningConfigs",
            None,
            |marker| {
                ctx.client
                    .list_code_signing_configs()
                    .set_marker(marker)
                    .send()
            },
            |page| (page.code_signing_configs().to_vec(), page.next_marker()),
        )
        .await;
    let configs = match listed {
        Collected::Collected { value } => value,
        Collected::Failed { error } => return Collected::Failed { error },
        Collected::NotCollected { reason } => return Collected::NotCollected { reason },
    };
    let mut out = Vec::new();
    for config in configs {
        let arn = config.code_signing_config_arn().to_string();
        out.push(CodeSigningConfig {
            function_arns: functions_by_signing_config(ctx, &arn).await,
            description: non_empty(config.description()),
            allowed_publishers: config
                .allowed_publishers()
                .map(|p| p.signing_profile_version_arns().to_vec())
                .unwrap_or_default(),
            untrusted_artifact_on_deployment: config
                .code_signing_policies()
                .and_then(|p| p.untrusted_artifact_on_deployment())
                .map(|p| p.as_str().to_string()),
            arn,
        });
    }
    Collected::Collected { value: out }
}

async fn functions_by_signing_config(ctx: &RegionContext<'_>, arn: &str) -> Collected<Vec<String>> {
    ctx.pages(
        &ctx.limiters.lambda_shared,
        "lambda:ListFunctionsByCodeSigningConfig",
        Some(arn),
        |marker| {
            ctx.client
                .list_functions_by_code_signing_config()
                .code_signing_config_arn(arn)
                .set_marker(marker)
                .send()
        },
        |page| {
            (
                page.function_arns()
                    .iter()
                    .map(|a| unqualified_arn(a))
                    .collect(),
                page.next_marker(),
            )
        },
    )
    .await
}

/// Function ARN → code signing config ARN. If any config's function list failed, the
/// mapping is incomplete, so every function's answer is "failed", never "none".
fn signing_map(configs: &Collected<Vec<CodeSigningConfig>>) -> Collected<HashMap<String, String>> {
    let configs = match configs {
        Collected::Collected { value } => value,
        Collected::NotCollected { reason } => {
            return Collected::NotCollected {
                reason: reason.clone(),
            };
        }
        Collected::Failed { error } => {
            return Collected::Failed {
                error: error.clone(),
            };
        }
    };
    let mut map = HashMap::new();
    for config in configs {
        match &config.function_arns {
            Collected::Collected { value } => {
                for function in value {
                    map.insert(function.clone(), config.arn.clone());
                }
            }
            Collected::Failed { error } => {
                return Collected::Failed {
                    error: error.clone(),
                };
            }
            Collected::NotCollected { reason } => {
                return Collected::NotCollected {
                    reason: reason.clone(),
                };
            }
        }
    }
    Collected::Collected { value: map }
}

/// Policies of the layer versions the region's functions load. Only layers this account
/// owns are asked about: another account's layer policy is not readable by us.
async fn collect_layers(ctx: &RegionContext<'_>, functions: &[Function]) -> Vec<LayerVersion> {
    let arns: BTreeSet<&str> = functions
        .iter()
        .flat_map(|f| f.layers.iter().map(String::as_str))
        .collect();
    let own_account = functions
        .first()
        .and_then(|f| f.arn.split(':').nth(4))
        .unwrap_or_default();
    let mut out = Vec::new();
    for arn in arns {
        // arn:PARTITION:lambda:REGION:ACCOUNT:layer:NAME:VERSION
        let parts: Vec<&str> = arn.split(':').collect();
        let owner = parts.get(4).copied().unwrap_or_default().to_string();
        let policy = match (
            parts.get(6),
            parts.get(7).and_then(|v| v.parse::<i64>().ok()),
        ) {
            (Some(_), Some(version)) if owner == own_account => {
                let result = ctx
                    .call(
                        &ctx.limiters.lambda_shared,
                        "lambda:GetLayerVersionPolicy",
                        Some(arn),
                        ctx.client
                            .get_layer_version_policy()
                            .layer_name(parts[..7].join(":"))
                            .version_number(version)
                            .send(),
                    )
                    .await;
                match result {
                    Ok(None) => Collected::Collected { value: None },
                    Ok(Some(out)) => match out
                        .policy()
                        .map(|t| parse_policy_text("lambda:GetLayerVersionPolicy", t))
                    {
                        None => Collected::Collected { value: None },
                        Some(Ok(document)) => Collected::Collected {
                            value: Some(ResourcePolicy {
                                document,
                                revision_id: out.revision_id().map(str::to_string),
                            }),
                        },
                        Some(Err(failure)) => Collected::Failed {
                            error: ctx.gap(Some(arn), failure),
                        },
                    },
                    Err(error) => Collected::Failed { error },
                }
            }
            _ => Collected::NotCollected {
                reason: format!("layer owned by account {owner}, not the audited account"),
            },
        };
        out.push(LayerVersion {
            arn: arn.to_string(),
            owner_account: owner,
            policy,
        });
    }
    out
}

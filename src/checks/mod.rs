//! The check registry. Each check is one file under a family folder, with its documentation
//! in `checks/<ID>.md` (embedded here, printed by `explain`). Ids are stable: an id never
//! changes meaning and a retired id is never reused.
//!
//! Families: LA1xx exposure, LA2xx configuration, LA3xx secrets and data, LA4xx permissions,
//! LA5xx drift.

pub mod configuration;
pub mod drift;
pub mod exposure;
pub mod permissions;
pub mod secrets;

use crate::declared::{DeclaredEstate, Location};
use crate::drift::DriftView;
use crate::findings::{Finding, NotEvaluated, Severity, fingerprint, sort_findings};
use crate::guardrails::Guardrails;
use crate::inventory::{Function, Inventory, RegionInventory};
use crate::least_privilege::LeastPrivilege;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    Exposure,
    Configuration,
    Secrets,
    Permissions,
    Drift,
}

#[derive(Debug, Serialize)]
pub struct CheckMeta {
    pub id: &'static str,
    /// kebab-case, unique.
    pub name: &'static str,
    pub family: Family,
    /// The default; a finding may be raised or lowered with its evidence (documented per check).
    pub severity: Severity,
    pub summary: &'static str,
    /// Security Hub controls, CIS, OWASP Serverless Top 10 entries.
    pub references: &'static [&'static str],
    #[serde(skip)]
    pub doc: &'static str,
}

/// What every check sees: the inventory and the guardrails it is judged against.
pub struct CheckContext<'a> {
    pub inventory: &'a Inventory,
    pub guardrails: &'a Guardrails,
    /// Least-privilege analyses by function ARN, computed once on first use: several
    /// permission checks read them and the expansion is the costly part.
    least_privilege: std::sync::OnceLock<BTreeMap<String, Result<LeastPrivilege, String>>>,
    /// What infrastructure-as-code declares (`--declared`); drift checks run only with it.
    pub declared: Option<&'a DeclaredEstate>,
    drift: std::sync::OnceLock<Option<DriftView<'a>>>,
}

impl<'a> CheckContext<'a> {
    pub fn new(inventory: &'a Inventory, guardrails: &'a Guardrails) -> Self {
        Self::with_declared(inventory, guardrails, None)
    }

    pub fn with_declared(
        inventory: &'a Inventory,
        guardrails: &'a Guardrails,
        declared: Option<&'a DeclaredEstate>,
    ) -> Self {
        CheckContext {
            inventory,
            guardrails,
            least_privilege: std::sync::OnceLock::new(),
            declared,
            drift: std::sync::OnceLock::new(),
        }
    }

    /// Declared resources matched with deployed ones, built once; `None` without
    /// `--declared`.
    pub fn drift(&self) -> Option<&DriftView<'a>> {
        self.drift
            .get_or_init(|| {
                self.declared
                    .map(|declared| DriftView::build(self.inventory, declared))
            })
            .as_ref()
    }

    /// The function's least-privilege analysis, or why it could not be made.
    pub fn least_privilege(&self, function: &Function) -> Result<&LeastPrivilege, &str> {
        let all = self
            .least_privilege
            .get_or_init(|| all_analyses(self.inventory));
        match all.get(&function.arn) {
            Some(Ok(analysis)) => Ok(analysis),
            Some(Err(reason)) => Err(reason),
            None => Err("the function is not in a collected region"),
        }
    }
}

/// Every function's analysis, keyed by function ARN.
pub fn all_analyses(inventory: &Inventory) -> BTreeMap<String, Result<LeastPrivilege, String>> {
    inventory
        .functions()
        .map(|(region, function)| {
            (
                function.arn.clone(),
                crate::least_privilege::analyze(inventory, region, function),
            )
        })
        .collect()
}

pub trait Check: Sync {
    fn meta(&self) -> &'static CheckMeta;
    fn run(&self, ctx: &CheckContext<'_>, out: &mut CheckOutput);
}

pub fn registry() -> &'static [&'static dyn Check] {
    &[
        &exposure::public_resource_policy::PublicResourcePolicy,
        &exposure::function_url_auth_none::FunctionUrlAuthNone,
        &exposure::service_invoke_without_source::ServiceInvokeWithoutSource,
        &exposure::cross_account_invoke::CrossAccountInvoke,
        &exposure::function_url_cors_any_origin::FunctionUrlCorsAnyOrigin,
        &exposure::api_unauthenticated_route::ApiUnauthenticatedRoute,
        &exposure::stale_trigger::StaleTrigger,
        &exposure::layer_from_untrusted_account::LayerFromUntrustedAccount,
        &exposure::public_layer_version::PublicLayerVersion,
        &configuration::runtime_deprecated::RuntimeDeprecated,
        &configuration::timeout_exceeds_trigger::TimeoutExceedsTrigger,
        &configuration::async_without_failure_destination::AsyncWithoutFailureDestination,
        &configuration::event_source_without_failure_handling::EventSourceWithoutFailureHandling,
        &configuration::no_reserved_concurrency::NoReservedConcurrency,
        &configuration::tracing_disabled::TracingDisabled,
        &configuration::no_code_signing::NoCodeSigning,
        &configuration::missing_required_tags::MissingRequiredTags,
        &configuration::vpc_single_subnet::VpcSingleSubnet,
        &secrets::secrets_in_environment::SecretsInEnvironment,
        &secrets::environment_without_cmk::EnvironmentWithoutCmk,
        &permissions::administrator_access::AdministratorAccess,
        &permissions::service_wide_or_write_on_star::ServiceWideOrWriteOnStar,
        &permissions::data_exfiltration_on_star::DataExfiltrationOnStar,
        &permissions::privilege_escalation_path::PrivilegeEscalationPath,
        &permissions::excess_permissions::ExcessPermissions,
        &permissions::missing_permissions::MissingPermissions,
        &permissions::shared_execution_role::SharedExecutionRole,
        &permissions::permissive_trust_policy::PermissiveTrustPolicy,
        &permissions::others_can_modify_function::OthersCanModifyFunction,
        &permissions::role_unused::RoleUnused,
        &drift::unmanaged_function::UnmanagedFunction,
        &drift::declared_function_missing::DeclaredFunctionMissing,
        &drift::function_configuration_drift::FunctionConfigurationDrift,
        &drift::environment_drift::EnvironmentDrift,
        &drift::resource_policy_drift::ResourcePolicyDrift,
        &drift::function_url_drift::FunctionUrlDrift,
        &drift::event_source_mapping_drift::EventSourceMappingDrift,
        &drift::execution_role_drift::ExecutionRoleDrift,
    ]
}

pub fn find(id: &str) -> Option<&'static dyn Check> {
    registry()
        .iter()
        .copied()
        .find(|c| c.meta().id.eq_ignore_ascii_case(id) || c.meta().name == id)
}

/// What one check produced, plus how many resources it judged.
pub struct CheckOutput {
    meta: &'static CheckMeta,
    account: String,
    pub findings: Vec<Finding>,
    pub not_evaluated: Vec<NotEvaluated>,
    pub evaluated: u64,
}

/// What a check fills in for one finding; the registry adds ids, account and fingerprint.
pub struct FindingDraft<'a> {
    pub region: &'a str,
    pub resource_arn: &'a str,
    pub function_name: Option<&'a str>,
    /// Overrides the check's default severity when the evidence warrants it.
    pub severity: Option<Severity>,
    pub title: String,
    pub message: String,
    pub evidence: serde_json::Value,
    /// Distinguishes several findings of one check on one resource (e.g. a statement Sid).
    pub detail_key: String,
}

impl CheckOutput {
    fn new(meta: &'static CheckMeta, account: &str) -> Self {
        CheckOutput {
            meta,
            account: account.to_string(),
            findings: Vec::new(),
            not_evaluated: Vec::new(),
            evaluated: 0,
        }
    }

    pub fn finding(&mut self, draft: FindingDraft<'_>) {
        self.findings.push(Finding {
            check_id: self.meta.id.to_string(),
            check_name: self.meta.name.to_string(),
            severity: draft.severity.unwrap_or(self.meta.severity),
            account: self.account.clone(),
            region: draft.region.to_string(),
            resource_arn: draft.resource_arn.to_string(),
            function_name: draft.function_name.map(str::to_string),
            title: draft.title,
            message: draft.message,
            evidence: draft.evidence,
            fingerprint: fingerprint(self.meta.id, draft.resource_arn, &draft.detail_key),
            declared_at: None,
            owner: None,
            status: Default::default(),
            suppression: None,
        });
    }

    /// A finding that points at the declaration it is about.
    pub fn finding_at(&mut self, draft: FindingDraft<'_>, declared_at: Option<&Location>) {
        self.finding(draft);
        if let Some(finding) = self.findings.last_mut() {
            finding.declared_at = declared_at.cloned();
        }
    }

    pub fn not_evaluated(&mut self, region: &str, resource: &str, reason: impl Into<String>) {
        self.not_evaluated.push(NotEvaluated {
            check_id: self.meta.id.to_string(),
            account: self.account.clone(),
            region: region.to_string(),
            resource: resource.to_string(),
            reason: reason.into(),
        });
    }

    /// The collected value of `field`, or `None` after recording `resource` as not
    /// evaluated with the reason the value is missing.
    pub fn seen<'v, T>(
        &mut self,
        region: &str,
        resource: &str,
        field: &'v crate::inventory::Collected<T>,
    ) -> Option<&'v T> {
        let value = field.value();
        if value.is_none() {
            let reason = field.unavailable_reason().unwrap_or_default();
            self.not_evaluated(region, resource, reason);
        }
        value
    }

    pub fn evaluated(&mut self) {
        self.evaluated += 1;
    }

    /// Visits every function of every region whose function list was read, and records the
    /// regions whose list was not as "not evaluated" (never as clean).
    pub fn each_function<'i>(
        &mut self,
        inventory: &'i Inventory,
        mut visit: impl FnMut(&mut Self, &'i RegionInventory, &'i Function),
    ) {
        for region in &inventory.regions {
            if let Some(reason) = region.functions_listing.unavailable_reason() {
                self.not_evaluated(
                    &region.region,
                    &format!("all functions in {}", region.region),
                    reason,
                );
                continue;
            }
            for function in &region.functions {
                visit(self, region, function);
            }
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct CheckSummary {
    pub check_id: String,
    pub check_name: String,
    pub evaluated: u64,
    pub findings: u64,
    pub not_evaluated: u64,
}

pub struct CheckResults {
    pub findings: Vec<Finding>,
    pub not_evaluated: Vec<NotEvaluated>,
    pub per_check: Vec<CheckSummary>,
    /// Every function's least-privilege analysis (or why there is none), by function ARN.
    pub least_privilege: BTreeMap<String, Result<LeastPrivilege, String>>,
    /// For the operator: suppressions that matched nothing or expired, acceptance tags
    /// the guardrails do not honour.
    pub warnings: Vec<String>,
}

/// Runs every registered check with default guardrails.
pub fn run_all(inventory: &Inventory) -> CheckResults {
    run_with(inventory, &Guardrails::default())
}

/// Runs every enabled check over the inventory, applying the guardrails' severity
/// overrides. Pure: same inventory and guardrails, same results.
pub fn run_with(inventory: &Inventory, guardrails: &Guardrails) -> CheckResults {
    run_with_declared(inventory, guardrails, None)
}

/// [`run_with`], plus the drift checks (LA5xx) against what `declared` describes.
pub fn run_with_declared(
    inventory: &Inventory,
    guardrails: &Guardrails,
    declared: Option<&DeclaredEstate>,
) -> CheckResults {
    let ctx = CheckContext::with_declared(inventory, guardrails, declared);
    let mut findings = Vec::new();
    let mut not_evaluated = Vec::new();
    let mut per_check = Vec::new();
    for check in registry() {
        let meta = check.meta();
        if guardrails.disabled_checks.contains(meta.id)
            || (meta.family == Family::Drift && declared.is_none())
        {
            continue;
        }
        let mut out = CheckOutput::new(meta, &inventory.account.account_id);
        check.run(&ctx, &mut out);
        if let Some(severity) = guardrails.severity_overrides.get(meta.id) {
            for finding in &mut out.findings {
                finding.severity = *severity;
            }
        }
        per_check.push(CheckSummary {
            check_id: meta.id.to_string(),
            check_name: meta.name.to_string(),
            evaluated: out.evaluated,
            findings: out.findings.len() as u64,
            not_evaluated: out.not_evaluated.len() as u64,
        });
        findings.extend(out.findings);
        not_evaluated.extend(out.not_evaluated);
    }
    sort_findings(&mut findings);
    let warnings = crate::triage::triage(inventory, guardrails, &mut findings);
    not_evaluated.sort_by(|a, b| {
        (&a.check_id, &a.region, &a.resource).cmp(&(&b.check_id, &b.region, &b.resource))
    });
    let least_privilege = ctx
        .least_privilege
        .into_inner()
        .unwrap_or_else(|| all_analyses(inventory));
    CheckResults {
        findings,
        not_evaluated,
        per_check,
        least_privilege,
        warnings,
    }
}

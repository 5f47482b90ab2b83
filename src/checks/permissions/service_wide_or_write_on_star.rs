//! LA402: the execution role grants a whole service, or Write / Permissions-management
//! actions, on `Resource: "*"`.

use super::role_policies::{
    EVERY_RESOURCE, admin_assessment, allowing, each_function_role, labels, statements_evidence,
};
use crate::checks::{Check, CheckContext, CheckMeta, CheckOutput, Family, FindingDraft};
use crate::findings::Severity;
use crate::policy::catalogue::{AccessLevel, ActionInfo, Catalogue};
use crate::policy::effective::PolicySourceRef;
use crate::policy::{ActionSpec, Statement, action_pattern_covers_service};
use serde_json::json;
use std::collections::{BTreeMap, HashSet};

pub struct ServiceWideOrWriteOnStar;

static META: CheckMeta = CheckMeta {
    id: "LA402",
    name: "service-wide-or-write-on-star",
    family: Family::Permissions,
    severity: Severity::High,
    summary: "The execution role grants a whole service (svc:*) or Write / Permissions-management actions on Resource \"*\"",
    references: &[
        "AWS IAM User Guide: Security best practices in IAM (apply least-privilege permissions)",
        "AWS Service Authorization Reference: actions, resources and condition keys",
        "AWS Security Hub IAM.21",
        "OWASP Serverless Top 10 A5:2017 Broken Access Control",
    ],
    doc: include_str!("../../../checks/LA402.md"),
};

/// Names listed per service in the evidence.
const NAMES_PER_SERVICE: usize = 10;

#[derive(Default)]
struct ServiceGrant {
    /// (level, action) of Write / Permissions-management actions allowed on `*`.
    actions: Vec<(AccessLevel, String)>,
    /// Whole-service patterns (`s3:*`) found in Allow statements on `*`.
    patterns: Vec<String>,
    refs: Vec<PolicySourceRef>,
    conditional_only: bool,
}

impl Check for ServiceWideOrWriteOnStar {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn run(&self, ctx: &CheckContext<'_>, out: &mut CheckOutput) {
        type Judged = Option<(serde_json::Value, Vec<serde_json::Value>)>;
        let mut memo: BTreeMap<String, Judged> = BTreeMap::new();
        each_function_role(out, ctx.inventory, |out, region, function, view| {
            let evidence = memo
                .entry(view.role.arn.clone())
                .or_insert_with(|| {
                    // Administrators are LA401's.
                    if admin_assessment(view).is_some() {
                        return None;
                    }
                    judge(view)
                })
                .clone();
            let Some((services, statements)) = evidence else {
                return;
            };
            let list = services.as_array().cloned().unwrap_or_default();
            let total: u64 = list.iter().filter_map(|s| s["count"].as_u64()).sum();
            let names: Vec<String> = list
                .iter()
                .filter_map(|s| s["service"].as_str().map(str::to_string))
                .collect();
            out.finding(FindingDraft {
                region: &region.region,
                resource_arn: &function.arn,
                function_name: Some(&function.name),
                severity: None,
                title: format!(
                    "{}: role {} may write on every resource of {}",
                    function.name,
                    view.role.name,
                    names.join(", ")
                ),
                message: format!(
                    "Function {} runs with role {}, which allows {total} Write or Permissions-management action(s) on Resource \"*\" in {} service(s) ({}); scope them to the resources the function uses.",
                    function.name,
                    view.role.arn,
                    names.len(),
                    names.join(", ")
                ),
                evidence: json!({
                    "role_arn": view.role.arn,
                    "services": services,
                    "statements": statements,
                }),
                detail_key: view.role.arn.clone(),
            });
        });
    }
}

/// Per service with something to report, sorted Permissions-management first; `None` when
/// nothing is.
fn judge(
    view: &super::role_policies::RoleView<'_>,
) -> Option<(serde_json::Value, Vec<serde_json::Value>)> {
    let policies = &view.policies;
    let catalogue = Catalogue::global();
    let mut by_service: BTreeMap<String, ServiceGrant> = BTreeMap::new();
    // Only actions an identity Allow on `*` names can be allowed on `*`: expand those
    // statements' patterns (every action for a `NotAction` statement), not the catalogue.
    let on_star: Vec<&Statement> = policies
        .allow_statements()
        .map(|(s, _)| s)
        .filter(|s| s.covers_resource(EVERY_RESOURCE))
        .collect();
    let candidates: Vec<&ActionInfo<'static>> = if on_star
        .iter()
        .any(|s| matches!(s.actions, ActionSpec::NotAction(_)))
    {
        catalogue.actions().collect()
    } else {
        let mut seen = HashSet::new();
        on_star
            .iter()
            .filter_map(|s| match &s.actions {
                ActionSpec::Action(patterns) => Some(patterns),
                ActionSpec::NotAction(_) => None,
            })
            .flatten()
            .flat_map(|p| catalogue.matching(p))
            .filter(|a| seen.insert((a.service, a.name)))
            .collect()
    };
    for action in candidates {
        if action.access_level < AccessLevel::Write || action.resource_types.is_empty() {
            continue;
        }
        let name = action.full_name();
        let decision = policies.evaluate(&name, EVERY_RESOURCE);
        let Some((refs, conditional)) = allowing(&decision) else {
            continue;
        };
        let grant = by_service
            .entry(action.service.to_string())
            .or_insert_with(|| ServiceGrant {
                conditional_only: true,
                ..ServiceGrant::default()
            });
        grant.actions.push((action.access_level, name));
        grant.conditional_only &= conditional;
        for r in refs {
            if !grant.refs.contains(r) {
                grant.refs.push(r.clone());
            }
        }
    }
    // Whole-service patterns, for the evidence.
    for (statement, _) in policies.allow_statements() {
        let ActionSpec::Action(patterns) = &statement.actions else {
            continue;
        };
        if !statement.covers_resource(EVERY_RESOURCE) {
            continue;
        }
        for pattern in patterns {
            let Some((service, _)) = pattern.split_once(':') else {
                continue;
            };
            if let Some(grant) = by_service.get_mut(&service.to_lowercase())
                && action_pattern_covers_service(pattern, service)
                && !grant.patterns.contains(pattern)
            {
                grant.patterns.push(pattern.clone());
            }
        }
    }
    if by_service.is_empty() {
        return None;
    }
    let mut services: Vec<(String, ServiceGrant)> = by_service.into_iter().collect();
    for (_, grant) in &mut services {
        grant
            .actions
            .sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    }
    let pm = |g: &ServiceGrant| {
        g.actions
            .iter()
            .filter(|(l, _)| *l == AccessLevel::PermissionsManagement)
            .count()
    };
    services.sort_by(|a, b| {
        pm(&b.1)
            .cmp(&pm(&a.1))
            .then(b.1.actions.len().cmp(&a.1.actions.len()))
            .then(a.0.cmp(&b.0))
    });
    let statements = statements_evidence(policies, services.iter().flat_map(|(_, g)| &g.refs));
    Some((serde_json::Value::Array(
        services
            .iter()
            .map(|(service, g)| {
                json!({
                    "service": service,
                    "count": g.actions.len(),
                    "permissions_management_count": pm(g),
                    "actions": g.actions.iter().take(NAMES_PER_SERVICE).map(|(_, a)| a).collect::<Vec<_>>(),
                    "service_wide_patterns": g.patterns,
                    "conditional": g.conditional_only,
                    "statements": labels(&g.refs),
                })
            })
            .collect(),
    ), statements))
}

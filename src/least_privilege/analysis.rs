//! Granted versus needed, per function: **excess** (what the role grants beyond the
//! baseline, grouped by service and access level, riskiest first), **missing** (what the
//! baseline needs and the role does not grant: it will fail at run time) and a **suggested
//! least-privilege policy** built from the baseline, resource-scoped.

use super::baseline::{Baseline, Confidence, Need, baseline};
use crate::inventory::{Function, Inventory, RegionInventory};
use crate::policy::catalogue::{AccessLevel, ActionInfo, Catalogue};
use crate::policy::effective::{BoundaryStatus, Decision, IdentityPolicies};
use crate::policy::{ActionSpec, ResourceSpec, resource_match, wildcard_match_ci};
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// How many action names an excess group lists before it only counts.
const LISTED_ACTIONS: usize = 15;

#[derive(Debug, Clone, Serialize)]
pub struct LeastPrivilege {
    pub function_arn: String,
    pub function_name: String,
    pub region: String,
    pub role_arn: String,
    /// Distinct actions the role allows (on some resource), by access level.
    pub granted_actions_by_level: BTreeMap<AccessLevel, usize>,
    /// What the role grants, by service and access level, riskiest first.
    pub granted: Vec<GrantedGroup>,
    pub baseline: Baseline,
    pub excess: Vec<ExcessGroup>,
    pub missing: Vec<Missing>,
    /// A policy the user can apply as is: the baseline, resource-scoped.
    pub suggested_policy: Value,
}

/// Granted actions of one service and access level.
#[derive(Debug, Clone, Serialize)]
pub struct GrantedGroup {
    pub service: String,
    pub access_level: AccessLevel,
    pub on_any_resource: bool,
    pub count: usize,
    /// Up to 15 action names.
    pub actions: Vec<String>,
    /// Distinct resource patterns (up to 10).
    pub resources: Vec<String>,
}

/// Riskiest first: access level, then grants on `*`, then size; by service for ties.
fn sort_riskiest_first<T>(items: &mut [T], key: impl Fn(&T) -> (AccessLevel, bool, usize, &str)) {
    items.sort_by(|a, b| {
        let (a_level, a_any, a_count, a_service) = key(a);
        let (b_level, b_any, b_count, b_service) = key(b);
        b_level
            .cmp(&a_level)
            .then(b_any.cmp(&a_any))
            .then(b_count.cmp(&a_count))
            .then(a_service.cmp(b_service))
    });
}

fn granted_groups(granted: &BTreeMap<String, Grant>) -> Vec<GrantedGroup> {
    let mut groups: BTreeMap<(String, AccessLevel), GrantedGroup> = BTreeMap::new();
    for (name, grant) in granted {
        let group = groups
            .entry((grant.service.clone(), grant.level))
            .or_insert_with(|| GrantedGroup {
                service: grant.service.clone(),
                access_level: grant.level,
                on_any_resource: false,
                count: 0,
                actions: Vec::new(),
                resources: Vec::new(),
            });
        group.count += 1;
        group.on_any_resource |= grant.resources.contains("*");
        if group.actions.len() < LISTED_ACTIONS {
            group.actions.push(name.clone());
        }
        for r in &grant.resources {
            if group.resources.len() < 10 && !group.resources.contains(r) {
                group.resources.push(r.clone());
            }
        }
    }
    let mut out: Vec<GrantedGroup> = groups.into_values().collect();
    sort_riskiest_first(&mut out, |g| {
        (g.access_level, g.on_any_resource, g.count, &g.service)
    });
    out
}

/// Granted actions of one service and access level that the baseline does not need (or
/// needs on narrower resources than granted).
#[derive(Debug, Clone, Serialize)]
pub struct ExcessGroup {
    pub service: String,
    pub access_level: AccessLevel,
    /// True when some of these actions are granted on `*`.
    pub on_any_resource: bool,
    pub count: usize,
    /// Up to 15 action names.
    pub actions: Vec<String>,
    /// Distinct resource patterns granted (up to 10).
    pub resources: Vec<String>,
    /// Actions the function does need, granted on more than it needs.
    pub wider_than_needed: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Missing {
    pub action: String,
    pub resource: String,
    pub because: String,
    pub confidence: Confidence,
    /// `implicit deny`, `explicit deny`, `not in the permissions boundary`.
    pub decision: String,
}

/// Analyses `function`; `Err` says why it could not be (the role or one of its policies
/// unknown), for a "not evaluated".
pub fn analyze(
    inventory: &Inventory,
    region: &RegionInventory,
    function: &Function,
) -> Result<LeastPrivilege, String> {
    let roles = inventory
        .iam
        .roles
        .value()
        .ok_or_else(|| inventory.iam.roles.unavailable_reason().unwrap_or_default())?;
    let role = roles
        .iter()
        .find(|r| r.arn == function.role)
        .ok_or_else(|| {
            format!(
                "execution role {} is not in the IAM inventory",
                function.role
            )
        })?;
    let managed = inventory
        .iam
        .managed_policies
        .value()
        .map(Vec::as_slice)
        .unwrap_or_default();
    let (policies, reasons) = IdentityPolicies::for_role(role, managed);
    if !reasons.is_empty() {
        return Err(format!("role {}: {}", role.arn, reasons.join("; ")));
    }
    let baseline = baseline(inventory, region, function);
    let granted = granted(&policies, Catalogue::global());

    let mut by_level: BTreeMap<AccessLevel, usize> = BTreeMap::new();
    for grant in granted.values() {
        *by_level.entry(grant.level).or_default() += 1;
    }
    Ok(LeastPrivilege {
        function_arn: function.arn.clone(),
        function_name: function.name.clone(),
        region: region.region.clone(),
        role_arn: role.arn.clone(),
        granted_actions_by_level: by_level,
        granted: granted_groups(&granted),
        excess: excess(&granted, &baseline.needs),
        missing: missing(&policies, &baseline.needs),
        suggested_policy: suggested_policy(&baseline.needs),
        baseline,
    })
}

/// One action the role allows, with the resource patterns it is allowed on.
#[derive(Debug, Clone)]
pub struct Grant {
    pub service: String,
    pub level: AccessLevel,
    pub resources: BTreeSet<String>,
}

/// Every catalogue action some Allow statement grants and no unconditional Deny or
/// boundary takes away, keyed by `service:Action`.
pub fn granted(policies: &IdentityPolicies, catalogue: &Catalogue<'_>) -> BTreeMap<String, Grant> {
    let mut out: BTreeMap<String, Grant> = BTreeMap::new();
    for (statement, _source) in policies.allow_statements() {
        let actions: Vec<&ActionInfo<'_>> = match &statement.actions {
            ActionSpec::Action(patterns) => patterns
                .iter()
                .flat_map(|p| catalogue.matching(p))
                .collect(),
            ActionSpec::NotAction(patterns) => catalogue
                .actions()
                .filter(|a| {
                    let name = a.full_name();
                    !patterns.iter().any(|p| wildcard_match_ci(p, &name))
                })
                .collect(),
        };
        let resources: Vec<String> = match &statement.resources {
            ResourceSpec::Resource(list) => list.clone(),
            // Everything but the listed resources: as broad as "*" for ranking.
            ResourceSpec::NotResource(_) | ResourceSpec::None => vec!["*".to_string()],
        };
        for action in actions {
            let name = action.full_name();
            let entry = out.entry(name).or_insert_with(|| Grant {
                service: action.service.to_string(),
                level: action.access_level,
                resources: BTreeSet::new(),
            });
            entry.resources.extend(resources.iter().cloned());
        }
    }
    // Drop what a Deny or the boundary takes away for every resource granted. Only actions
    // some Deny names (or any action, under a boundary) need the full evaluation.
    let bounded = policies.boundary_status() == BoundaryStatus::Known;
    let denies: Vec<&crate::policy::Statement> = policies
        .deny_statements()
        .map(|(statement, _)| statement)
        .collect();
    out.retain(|name, grant| {
        if !bounded && !denies.iter().any(|d| d.covers_action(name)) {
            return true;
        }
        grant.resources.retain(|resource| {
            !matches!(
                policies.evaluate(name, resource),
                Decision::ExplicitDeny {
                    conditional: false,
                    ..
                } | Decision::NotInBoundary { .. }
            )
        });
        !grant.resources.is_empty()
    });
    out
}

fn excess(granted: &BTreeMap<String, Grant>, needs: &[Need]) -> Vec<ExcessGroup> {
    let mut needed: BTreeMap<String, BTreeSet<&str>> = BTreeMap::new();
    for need in needs {
        needed
            .entry(need.action.to_ascii_lowercase())
            .or_default()
            .insert(&need.resource);
    }
    let mut groups: BTreeMap<(String, AccessLevel), ExcessGroup> = BTreeMap::new();
    for (name, grant) in granted {
        let wanted = needed.get(&name.to_ascii_lowercase());
        // A granted pattern is fine when it lies within a needed one (the needed pattern,
        // read as a wildcard pattern, matches the granted pattern's text).
        let extra: Vec<&String> = grant
            .resources
            .iter()
            .filter(|r| !wanted.is_some_and(|w| w.iter().any(|n| resource_match(n, r))))
            .collect();
        if extra.is_empty() {
            continue;
        }
        let group = groups
            .entry((grant.service.clone(), grant.level))
            .or_insert_with(|| ExcessGroup {
                service: grant.service.clone(),
                access_level: grant.level,
                on_any_resource: false,
                count: 0,
                actions: Vec::new(),
                resources: Vec::new(),
                wider_than_needed: Vec::new(),
            });
        group.count += 1;
        group.on_any_resource |= extra.iter().any(|r| r.as_str() == "*");
        if wanted.is_some() {
            group.wider_than_needed.push(name.clone());
        } else if group.actions.len() < LISTED_ACTIONS {
            group.actions.push(name.clone());
        }
        for r in extra {
            if group.resources.len() < 10 && !group.resources.contains(r) {
                group.resources.push(r.clone());
            }
        }
    }
    let mut out: Vec<ExcessGroup> = groups.into_values().collect();
    sort_riskiest_first(&mut out, |g| {
        (g.access_level, g.on_any_resource, g.count, &g.service)
    });
    out
}

fn missing(policies: &IdentityPolicies, needs: &[Need]) -> Vec<Missing> {
    needs
        .iter()
        .filter_map(|need| {
            let decision = match policies.evaluate(&need.action, &need.resource) {
                d if d.may_be_allowed() => return None,
                Decision::ExplicitDeny { .. } => "explicit deny",
                Decision::NotInBoundary { .. } => "not in the permissions boundary",
                _ => "implicit deny: no statement allows it",
            };
            Some(Missing {
                action: need.action.clone(),
                resource: need.resource.clone(),
                because: need.because.clone(),
                confidence: need.confidence,
                decision: decision.to_string(),
            })
        })
        .collect()
}

/// The baseline as an IAM policy: actions grouped per resource set, one statement per
/// distinct set, heuristic needs in statements of their own so a reviewer sees them.
pub fn suggested_policy(needs: &[Need]) -> Value {
    let mut statements = Vec::new();
    for confidence in [Confidence::Certain, Confidence::Heuristic] {
        let mut by_action: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for need in needs.iter().filter(|n| n.confidence == confidence) {
            by_action
                .entry(&need.action)
                .or_default()
                .insert(&need.resource);
        }
        let mut by_resources: BTreeMap<Vec<&str>, Vec<&str>> = BTreeMap::new();
        for (action, resources) in by_action {
            by_resources
                .entry(resources.into_iter().collect())
                .or_default()
                .push(action);
        }
        for (index, (resources, actions)) in by_resources.into_iter().enumerate() {
            let sid = match confidence {
                Confidence::Certain => format!("Needed{index}"),
                Confidence::Heuristic => format!("ReferencedByEnvironment{index}"),
            };
            statements.push(json!({
                "Sid": sid,
                "Effect": "Allow",
                "Action": actions,
                "Resource": resources,
            }));
        }
    }
    json!({"Version": "2012-10-17", "Statement": statements})
}

//! Shared by LA401–LA404: each function's execution role, its effective identity policies
//! (read once per role), and the evidence helpers the checks have in common.

use crate::checks::CheckOutput;
use crate::inventory::{Function, Inventory, ManagedPolicy, RegionInventory, Role};
use crate::policy::catalogue::Catalogue;
use crate::policy::effective::{Decision, IdentityPolicies, PolicySourceRef, grants_everything};
use crate::policy::{ActionSpec, ResourceSpec, Statement, wildcard_match};
use serde_json::{Value, json};
use std::collections::{BTreeSet, HashMap};

/// The AWS managed policy that grants everything. Its document is public and has not
/// changed since it was published (`{"Effect": "Allow", "Action": "*", "Resource": "*"}`),
/// so when the inventory lacks it (IAM did not return the default version) it is still known.
pub(crate) const ADMINISTRATOR_ACCESS: &str = "arn:*:iam::aws:policy/AdministratorAccess";

pub(crate) fn is_administrator_access(arn: &str) -> bool {
    wildcard_match(ADMINISTRATOR_ACCESS, arn)
}

/// The resource LA401 and LA402 evaluate "every resource" on: an ARN made of wildcards, so
/// that `"*"`, `"arn:*"` and `"arn:*:*:*:*:*"` all cover it while any pattern naming a
/// partition, service, account or resource (and any Deny so scoped) does not.
pub(crate) const EVERY_RESOURCE: &str = "arn:*:*:*:*:*";

/// A function's role with its policies read; only handed out when every document is known.
pub(crate) struct RoleView<'a> {
    pub role: &'a Role,
    pub policies: IdentityPolicies,
}

/// Per check run: each role's policies are read once however many functions share it.
type Cache<'a> = HashMap<&'a str, Result<RoleView<'a>, String>>;

/// Visits every function (see [`CheckOutput::each_function`]) whose execution role and every
/// document of it are known, counting it as evaluated. A function whose role list failed,
/// whose role is missing from the inventory, or whose role has an unknown document (an
/// unreadable policy, a managed policy without document, a malformed document, an unknown
/// boundary) is reported as "not evaluated" with the reasons, never as passed.
pub(crate) fn each_function_role<'i>(
    out: &mut CheckOutput,
    inventory: &'i Inventory,
    mut visit: impl FnMut(&mut CheckOutput, &'i RegionInventory, &'i Function, &RoleView<'i>),
) {
    let mut cache: Cache<'i> = HashMap::new();
    out.each_function(inventory, |out, region, function| {
        let view = cache
            .entry(function.role.as_str())
            .or_insert_with(|| resolve(inventory, &function.role));
        match view {
            Ok(view) => {
                out.evaluated();
                visit(out, region, function, view);
            }
            Err(reason) => out.not_evaluated(&region.region, &function.arn, reason.clone()),
        }
    });
}

fn resolve<'i>(inventory: &'i Inventory, role_arn: &str) -> Result<RoleView<'i>, String> {
    let Some(roles) = inventory.iam.roles.value() else {
        let why = inventory.iam.roles.unavailable_reason().unwrap_or_default();
        return Err(format!("execution role {role_arn} not known: {why}"));
    };
    let Some(role) = roles.iter().find(|r| r.arn == role_arn) else {
        return Err(format!(
            "execution role {role_arn} is not among the collected IAM roles (deleted, or in another account)"
        ));
    };
    // Only the policies this role has attached, and its permissions boundary: the account's
    // whole list can run to hundreds of documents, and every role of every check would
    // clone them.
    let all = inventory
        .iam
        .managed_policies
        .value()
        .map(Vec::as_slice)
        .unwrap_or_default();
    let mut managed: Vec<ManagedPolicy> = role
        .attached_managed_policies
        .iter()
        .map(|attached| attached.arn.as_str())
        .chain(role.permissions_boundary_arn.as_deref())
        .filter_map(|arn| all.iter().find(|p| p.arn == arn).cloned())
        .collect();
    let managed_gap = inventory.iam.managed_policies.unavailable_reason();
    // AdministratorAccess is known even without its document.
    for attached in &role.attached_managed_policies {
        if !is_administrator_access(&attached.arn) {
            continue;
        }
        let known = json!({"Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]});
        match managed.iter_mut().find(|p| p.arn == attached.arn) {
            Some(p) if p.document.is_none() => p.document = Some(known),
            Some(_) => {}
            None => managed.push(ManagedPolicy {
                name: attached.name.clone(),
                arn: attached.arn.clone(),
                aws_managed: true,
                default_version_id: None,
                attachment_count: 1,
                document: Some(known),
            }),
        }
    }
    let (policies, mut reasons) = IdentityPolicies::for_role(role, &managed);
    if !reasons.is_empty() {
        if let Some(gap) = managed_gap {
            reasons.push(format!("managed policies: {gap}"));
        }
        return Err(format!(
            "role {} not fully known: {}",
            role.arn,
            reasons.join("; ")
        ));
    }
    Ok(RoleView { role, policies })
}

/// The Allow statements behind a decision that may allow, and whether it is conditional.
pub(crate) fn allowing(decision: &Decision) -> Option<(&[PolicySourceRef], bool)> {
    match decision {
        Decision::Allowed { by, conditional } => Some((by, *conditional)),
        Decision::ExplicitDeny {
            conditional: true,
            overrides,
            ..
        } => Some((overrides, true)),
        _ => None,
    }
}

/// Evidence for statements: the source label and the statement as written.
pub(crate) fn statements_evidence<'r>(
    policies: &IdentityPolicies,
    refs: impl IntoIterator<Item = &'r PolicySourceRef>,
) -> Vec<Value> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for r in refs {
        let label = r.label();
        if !seen.insert(label.clone()) {
            continue;
        }
        let raw = policies
            .allow_statements()
            .chain(policies.boundary_statements())
            .find(|(s, source)| **source == r.source && s.index == r.statement)
            .map(|(s, _)| s.raw.clone())
            .unwrap_or(Value::Null);
        out.push(json!({"source": label, "statement": raw}));
    }
    out
}

/// Labels only, for compact per-action evidence.
pub(crate) fn labels(refs: &[PolicySourceRef]) -> Vec<String> {
    let mut out: Vec<String> = refs.iter().map(PolicySourceRef::label).collect();
    out.dedup();
    out
}

fn only_stars(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c == '*')
}

fn has_wildcard(s: &str) -> bool {
    s.contains(['*', '?'])
}

/// A resource pattern that reaches across accounts or buckets: only `*`s; an ARN with
/// fewer than six fields and a wildcard (`arn:aws:*`); a wildcard in the service or account
/// field (`arn:aws:secretsmanager:*:*:secret:*`); a resource field starting with a wildcard
/// (any resource type); or, for S3 (no account in its ARNs), a wildcard in the bucket name
/// (`arn:aws:s3:::*/*`, `arn:aws:s3:::data-*/*`).
pub(crate) fn is_wide_pattern(pattern: &str) -> bool {
    if only_stars(pattern) {
        return true;
    }
    let fields: Vec<&str> = pattern.splitn(6, ':').collect();
    if fields.len() < 6 {
        return has_wildcard(pattern);
    }
    let (service, account, resource) = (fields[2], fields[4], fields[5]);
    if has_wildcard(service) || has_wildcard(account) || resource.starts_with(['*', '?']) {
        return true;
    }
    if service == "s3" && account.is_empty() {
        let bucket = resource.split('/').next().unwrap_or_default();
        return has_wildcard(bucket);
    }
    false
}

/// The resource patterns of the identity Allow statements that cover `action` (for
/// `NotResource` statements, `*`), deduplicated, in statement order.
pub(crate) fn allow_patterns(policies: &IdentityPolicies, action: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (statement, _) in policies.allow_statements() {
        if !statement.covers_action(action) {
            continue;
        }
        let patterns = match &statement.resources {
            ResourceSpec::Resource(p) => p.clone(),
            ResourceSpec::NotResource(_) | ResourceSpec::None => vec!["*".to_string()],
        };
        for p in patterns {
            if !out.contains(&p) {
                out.push(p);
            }
        }
    }
    out
}

/// Why LA401 judges a role an administrator.
pub(crate) struct AdminAssessment {
    /// `unconditional-admin`, `administrator-access` or `admin-equivalent`.
    pub basis: &'static str,
    /// The identity Allow statements granting (nearly) everything on every resource.
    pub statements: Vec<Value>,
    /// Services some of whose actions the role cannot use on `*` (at most one).
    pub excluded_services: Vec<String>,
    /// Some actions are allowed only under a condition (a conditional Deny or boundary).
    pub conditional: bool,
}

/// LA401's test (see checks/LA401.md). `None` when the role is not an administrator.
pub(crate) fn admin_assessment(view: &RoleView<'_>) -> Option<AdminAssessment> {
    let policies = &view.policies;
    let candidates: Vec<(&Statement, _)> = policies
        .allow_statements()
        .filter(|(s, _)| is_candidate(s))
        .collect();
    if candidates.is_empty() {
        return None;
    }
    let statements = candidates
        .iter()
        .map(|(s, source)| {
            let r = PolicySourceRef {
                source: (*source).clone(),
                statement: s.index,
                sid: s.sid.clone(),
            };
            json!({"source": r.label(), "statement": s.raw})
        })
        .collect();
    let via_admin_policy = candidates.iter().any(|(s, source)| {
        grants_everything(s) && source.arn.as_deref().is_some_and(is_administrator_access)
    });
    if policies.is_unconditional_admin() {
        return Some(AdminAssessment {
            basis: if via_admin_policy {
                "administrator-access"
            } else {
                "unconditional-admin"
            },
            statements,
            excluded_services: Vec::new(),
            conditional: false,
        });
    }
    // Every action of the catalogue on `*`: what is left out must fit in one service.
    let mut excluded: BTreeSet<String> = BTreeSet::new();
    let mut conditional = false;
    for action in Catalogue::global().actions() {
        let name = action.full_name();
        match allowing(&policies.evaluate(&name, EVERY_RESOURCE)) {
            Some((_, c)) => conditional |= c,
            None => {
                excluded.insert(action.service.to_string());
                if excluded.len() > 1 {
                    return None;
                }
            }
        }
    }
    Some(AdminAssessment {
        basis: if via_admin_policy && excluded.is_empty() {
            "administrator-access"
        } else {
            "admin-equivalent"
        },
        statements,
        excluded_services: excluded.into_iter().collect(),
        conditional,
    })
}

/// An identity Allow without condition, on every resource, whose action clause is
/// universal (`*`, `*:*`) or a `NotAction`.
fn is_candidate(statement: &Statement) -> bool {
    if statement.has_conditions() {
        return false;
    }
    let every_resource = match &statement.resources {
        ResourceSpec::Resource(p) => p
            .iter()
            .any(|p| only_stars(p) || p.strip_prefix("arn:").is_some_and(only_stars)),
        ResourceSpec::NotResource(p) => p.is_empty(),
        ResourceSpec::None => false,
    };
    let broad_actions = match &statement.actions {
        ActionSpec::Action(p) => p.iter().any(|p| {
            only_stars(p)
                || p.split_once(':')
                    .is_some_and(|(a, b)| only_stars(a) && only_stars(b))
        }),
        ActionSpec::NotAction(_) => true,
    };
    every_resource && broad_actions
}

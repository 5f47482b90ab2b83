//! LA404: the execution role holds every action of a known privilege-escalation path.

use super::escalation_paths::{ESCALATION_PATHS, Target};
use super::role_policies::{
    RoleView, allow_patterns, allowing, each_function_role, is_wide_pattern, labels,
    statements_evidence,
};
use crate::checks::{Check, CheckContext, CheckMeta, CheckOutput, Family, FindingDraft};
use crate::findings::Severity;
use crate::inventory::{Function, Inventory};
use crate::policy::effective::PolicySourceRef;
use serde_json::json;

pub struct PrivilegeEscalationPath;

static META: CheckMeta = CheckMeta {
    id: "LA404",
    name: "privilege-escalation-path",
    family: Family::Permissions,
    severity: Severity::Critical,
    summary: "The execution role holds every permission of a known IAM privilege-escalation path (PassRole with a compute service, policy rewriting, AssumeRole on *, updating other functions' code…)",
    references: &[
        "Rhino Security Labs: AWS IAM Privilege Escalation - Methods and Mitigation",
        "Bishop Fox: iam-vulnerable",
        "AWS IAM User Guide: Granting a user permissions to pass a role to an AWS service",
        "OWASP Serverless Top 10 A5:2017 Broken Access Control",
    ],
    doc: include_str!("../../../checks/LA404.md"),
};

impl Check for PrivilegeEscalationPath {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn run(&self, ctx: &CheckContext<'_>, out: &mut CheckOutput) {
        let inventory = ctx.inventory;
        each_function_role(out, inventory, |out, region, function, view| {
            let mut paths = Vec::new();
            let mut all_refs: Vec<PolicySourceRef> = Vec::new();
            let mut all_conditional = true;
            for path in ESCALATION_PATHS {
                let mut steps = Vec::new();
                let mut path_refs = Vec::new();
                let mut conditional = false;
                for &(action, target) in path.actions {
                    let Some((resource, refs, c)) =
                        first_allowed(inventory, function, view, action, target)
                    else {
                        break;
                    };
                    conditional |= c;
                    steps.push(json!({
                        "action": action,
                        "resource": resource,
                        "conditional": c,
                        "statements": labels(&refs),
                    }));
                    path_refs.extend(refs);
                }
                if steps.len() < path.actions.len() {
                    continue;
                }
                all_conditional &= conditional;
                all_refs.extend(path_refs);
                paths.push(json!({
                    "name": path.name,
                    "description": path.description,
                    "actions": steps,
                    "conditional": conditional,
                    "reference": path.reference,
                }));
            }
            if paths.is_empty() {
                return;
            }
            let names: Vec<&str> = paths.iter().filter_map(|p| p["name"].as_str()).collect();
            out.finding(FindingDraft {
                region: &region.region,
                resource_arn: &function.arn,
                function_name: Some(&function.name),
                severity: Some(if all_conditional {
                    Severity::High
                } else {
                    Severity::Critical
                }),
                title: format!(
                    "{}: role {} can escalate privileges ({})",
                    function.name,
                    view.role.name,
                    names.join(", ")
                ),
                message: format!(
                    "Function {} runs with role {}, which holds every permission of {} privilege-escalation path(s): {}. Code running in the function can gain permissions beyond its own.",
                    function.name,
                    view.role.arn,
                    names.len(),
                    names.join(", ")
                ),
                evidence: json!({
                    "role_arn": view.role.arn,
                    "paths": paths,
                    "conditional": all_conditional,
                    "statements": statements_evidence(&view.policies, &all_refs),
                }),
                detail_key: view.role.arn.clone(),
            });
        });
    }
}

/// The first resource of `target`'s kind on which `action` may be allowed, with the
/// allowing statements and whether it is conditional.
fn first_allowed(
    inventory: &Inventory,
    function: &Function,
    view: &RoleView<'_>,
    action: &str,
    target: Target,
) -> Option<(String, Vec<PolicySourceRef>, bool)> {
    let policies = &view.policies;
    let patterns = allow_patterns(policies, action);
    if patterns.is_empty() {
        // No identity Allow names the action: nothing to evaluate.
        return None;
    }
    let wide = patterns.iter().filter(|p| is_wide_pattern(p)).cloned();
    let mut candidates: Vec<String> = vec!["*".to_string()];
    let iam = &inventory.iam;
    match target {
        Target::Any => candidates.extend(patterns.iter().cloned()),
        Target::AllRoles => {
            candidates.extend(wide);
            candidates.extend(
                patterns
                    .iter()
                    .filter(|p| {
                        p.split_once(":role/").is_some_and(|(_, rest)| {
                            !rest.is_empty() && rest.chars().all(|c| c == '*')
                        })
                    })
                    .cloned(),
            );
        }
        Target::Role | Target::OtherRole => {
            candidates.extend(wide);
            candidates.extend(
                iam.roles
                    .value()
                    .into_iter()
                    .flatten()
                    .filter(|r| target == Target::Role || r.arn != view.role.arn)
                    .map(|r| r.arn.clone()),
            );
        }
        Target::User => {
            candidates.extend(wide);
            candidates.extend(
                iam.users
                    .value()
                    .into_iter()
                    .flatten()
                    .map(|u| u.arn.clone()),
            );
        }
        Target::Group => {
            candidates.extend(wide);
            candidates.extend(
                iam.groups
                    .value()
                    .into_iter()
                    .flatten()
                    .map(|g| g.arn.clone()),
            );
        }
        Target::CustomerPolicy => {
            candidates.extend(wide);
            candidates.extend(
                iam.managed_policies
                    .value()
                    .into_iter()
                    .flatten()
                    .filter(|p| !p.aws_managed)
                    .map(|p| p.arn.clone()),
            );
        }
        Target::OtherFunction => {
            candidates.extend(wide);
            candidates.extend(
                inventory
                    .regions
                    .iter()
                    .flat_map(|r| &r.functions)
                    .filter(|f| f.arn != function.arn)
                    .map(|f| f.arn.clone()),
            );
        }
    }
    let mut conditional_hit: Option<(String, Vec<PolicySourceRef>, bool)> = None;
    for resource in candidates {
        let decision = policies.evaluate(action, &resource);
        if let Some((refs, conditional)) = allowing(&decision) {
            if !conditional {
                return Some((resource, refs.to_vec(), false));
            }
            conditional_hit.get_or_insert((resource, refs.to_vec(), true));
        }
    }
    conditional_hit
}

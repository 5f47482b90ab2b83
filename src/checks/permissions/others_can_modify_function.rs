//! LA409: other principals of the account may change the function's code or configuration,
//! widen its resource policy, or pass its execution role.

use crate::checks::{Check, CheckContext, CheckMeta, CheckOutput, Family, FindingDraft};
use crate::findings::Severity;
use crate::inventory::{AttachedPolicy, Group, InlinePolicy, Inventory, ManagedPolicy, Role, User};
use crate::policy::effective::{Decision, IdentityPolicies, PolicySourceRef};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};

pub struct OthersCanModifyFunction;

static META: CheckMeta = CheckMeta {
    id: "LA409",
    name: "others-can-modify-function",
    family: Family::Permissions,
    severity: Severity::Medium,
    summary: "Other IAM users or roles of the account may change the function's code or configuration, grant invoke access, or pass its execution role",
    references: &[
        "AWS Lambda Developer Guide: Identity-based IAM policies for Lambda",
        "AWS IAM User Guide: Grant a user permissions to pass a role to an AWS service",
        "AWS Security Hub IAM.1",
        "OWASP Serverless Top 10 A5:2017 Broken Access Control",
    ],
    doc: include_str!("../../../checks/LA409.md"),
};

/// Actions on the function ARN that change what it runs or who may invoke it.
const FUNCTION_ACTIONS: [&str; 3] = [
    "lambda:UpdateFunctionCode",
    "lambda:UpdateFunctionConfiguration",
    "lambda:AddPermission",
];
/// The action on the execution role's ARN that hands its permissions to new code.
const PASS_ROLE: &str = "iam:PassRole";
/// How many principals the evidence lists (each list).
const LIST_CAP: usize = 25;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    User,
    Role,
}

impl Kind {
    fn label(self) -> &'static str {
        match self {
            Kind::User => "user",
            Kind::Role => "role",
        }
    }
}

/// One other principal of the account, its identity policies read once per run.
struct Principal<'i> {
    kind: Kind,
    arn: &'i str,
    policies: IdentityPolicies,
    /// Documents that could not be read: the principal may be allowed more than we see.
    unknown: Vec<String>,
    /// Which of [`FUNCTION_ACTIONS`] some Allow statement names at all (on any resource):
    /// the others need not be evaluated per function.
    may_touch: [bool; 3],
    may_pass_role: bool,
    administrator: bool,
}

impl<'i> Principal<'i> {
    fn new(kind: Kind, arn: &'i str, role: &Role, managed: &[ManagedPolicy]) -> Self {
        // Reasons include the role's unreadable policies (a user's are added by the caller).
        let (policies, unknown) = IdentityPolicies::for_role(role, managed);
        let touches = |action: &str| {
            policies
                .allow_statements()
                .any(|(s, _)| s.covers_action(action))
        };
        let may_touch = FUNCTION_ACTIONS.map(touches);
        let may_pass_role = touches(PASS_ROLE);
        let administrator = policies.is_unconditional_admin();
        Principal {
            kind,
            arn,
            policies,
            unknown,
            may_touch,
            may_pass_role,
            administrator,
        }
    }
}

/// The Allow statements behind a decision that may allow, and whether it is conditional.
fn allowing(decision: &Decision) -> Option<(&[PolicySourceRef], bool)> {
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

fn grant(action: &str, decision: &Decision) -> Option<Value> {
    let (by, conditional) = allowing(decision)?;
    let mut labels: Vec<String> = by.iter().map(PolicySourceRef::label).collect();
    labels.dedup();
    Some(json!({"action": action, "conditional": conditional, "allowed_by": labels}))
}

/// A role value carrying a user's policies and those of its groups, so the role evaluator
/// reads them alike. Group policies are named after their group in evidence; the user's
/// permissions boundary caps the group policies too, as IAM applies it.
fn user_as_role(user: &User, groups: &HashMap<&str, &Group>, unknown: &mut Vec<String>) -> Role {
    let mut inline_policies = user.inline_policies.clone();
    let mut attached_managed_policies = user.attached_managed_policies.clone();
    for group_name in &user.group_names {
        let Some(group) = groups.get(group_name.as_str()) else {
            unknown.push(format!(
                "group {group_name} is not among the collected IAM groups"
            ));
            continue;
        };
        inline_policies.extend(group.inline_policies.iter().map(|p| InlinePolicy {
            name: format!("{} (group {})", p.name, group.name),
            document: p.document.clone(),
        }));
        for p in &group.attached_managed_policies {
            if !attached_managed_policies.iter().any(|a| a.arn == p.arn) {
                attached_managed_policies.push(AttachedPolicy {
                    name: format!("{} (group {})", p.name, group.name),
                    arn: p.arn.clone(),
                });
            }
        }
        unknown.extend(
            group
                .unreadable_policies
                .iter()
                .map(|name| format!("policy {name} of group {} could not be decoded", group.name)),
        );
    }
    Role {
        name: user.name.clone(),
        arn: user.arn.clone(),
        path: "/".to_string(),
        trust_policy: None,
        inline_policies,
        attached_managed_policies,
        permissions_boundary_arn: user.permissions_boundary_arn.clone(),
        last_used: None,
        last_used_region: None,
        tags: BTreeMap::new(),
        // Reported by the caller with the user's name, not as a role's.
        unreadable_policies: Vec::new(),
    }
}

/// Every user (with its groups' policies) and every role except AWS service-linked roles,
/// or why they are not all known.
fn principals(inventory: &Inventory) -> Result<Vec<Principal<'_>>, String> {
    let iam = &inventory.iam;
    let mut gaps = Vec::new();
    for (what, reason) in [
        ("IAM roles", iam.roles.unavailable_reason()),
        ("IAM users", iam.users.unavailable_reason()),
        ("IAM groups", iam.groups.unavailable_reason()),
        (
            "IAM managed policies",
            iam.managed_policies.unavailable_reason(),
        ),
    ] {
        if let Some(reason) = reason {
            gaps.push(format!("{what}: {reason}"));
        }
    }
    let (Some(roles), Some(users), Some(groups), Some(managed)) = (
        iam.roles.value(),
        iam.users.value(),
        iam.groups.value(),
        iam.managed_policies.value(),
    ) else {
        return Err(format!(
            "the account's other principals are not known: {}",
            gaps.join("; ")
        ));
    };
    let groups: HashMap<&str, &Group> = groups.iter().map(|g| (g.name.as_str(), g)).collect();
    let mut out = Vec::new();
    for user in users {
        let mut unknown: Vec<String> = user
            .unreadable_policies
            .iter()
            .map(|name| format!("policy {name} could not be decoded"))
            .collect();
        let synthetic = user_as_role(user, &groups, &mut unknown);
        let mut principal = Principal::new(Kind::User, &user.arn, &synthetic, managed);
        principal.unknown.extend(unknown);
        out.push(principal);
    }
    for role in roles {
        if role.path.starts_with("/aws-service-role/") {
            // Service-linked roles: only their AWS service can assume them, and their
            // policies are AWS's.
            continue;
        }
        out.push(Principal::new(Kind::Role, &role.arn, role, managed));
    }
    Ok(out)
}

impl Check for OthersCanModifyFunction {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn run(&self, ctx: &CheckContext<'_>, out: &mut CheckOutput) {
        let principals = principals(ctx.inventory);
        // iam:PassRole depends only on the role: decided once per role and principal.
        let mut pass_role: HashMap<&str, Vec<Option<Value>>> = HashMap::new();
        out.each_function(ctx.inventory, |out, region, function| {
            let principals = match &principals {
                Ok(p) => p,
                Err(why) => {
                    out.not_evaluated(&region.region, &function.arn, why.clone());
                    return;
                }
            };
            let passes = pass_role.entry(function.role.as_str()).or_insert_with(|| {
                principals
                    .iter()
                    .map(|p| {
                        p.may_pass_role
                            .then(|| grant(PASS_ROLE, &p.policies.evaluate(PASS_ROLE, &function.role)))
                            .flatten()
                    })
                    .collect()
            });
            let mut able: Vec<(&Principal<'_>, Vec<Value>)> = Vec::new();
            let mut unknown: Vec<&Principal<'_>> = Vec::new();
            for (i, principal) in principals.iter().enumerate() {
                if principal.kind == Kind::Role && principal.arn == function.role {
                    continue;
                }
                let mut grants: Vec<Value> = FUNCTION_ACTIONS
                    .iter()
                    .zip(principal.may_touch)
                    .filter(|(_, touch)| *touch)
                    .filter_map(|(action, _)| {
                        grant(action, &principal.policies.evaluate(action, &function.arn))
                    })
                    .collect();
                grants.extend(passes[i].clone());
                if !grants.is_empty() {
                    able.push((principal, grants));
                } else if !principal.unknown.is_empty() {
                    unknown.push(principal);
                }
            }
            if able.is_empty() {
                if unknown.is_empty() {
                    out.evaluated();
                } else {
                    let names: Vec<&str> = unknown.iter().take(LIST_CAP).map(|p| p.arn).collect();
                    out.not_evaluated(
                        &region.region,
                        &function.arn,
                        format!(
                            "no principal is seen to be able to modify the function, but {} principal(s) have policies that could not be read: {}",
                            unknown.len(),
                            names.join(", ")
                        ),
                    );
                }
                return;
            }
            out.evaluated();
            // Users first (long-lived credentials), then by ARN.
            able.sort_by(|a, b| (a.0.kind, a.0.arn).cmp(&(b.0.kind, b.0.arn)));
            let users = able.iter().filter(|(p, _)| p.kind == Kind::User).count();
            let listed: Vec<Value> = able
                .iter()
                .take(LIST_CAP)
                .map(|(p, grants)| {
                    json!({
                        "arn": p.arn,
                        "type": p.kind.label(),
                        "administrator": p.administrator,
                        "incomplete": !p.unknown.is_empty(),
                        "actions": grants,
                    })
                })
                .collect();
            let unknown_listed: Vec<Value> = unknown
                .iter()
                .take(LIST_CAP)
                .map(|p| json!({"arn": p.arn, "type": p.kind.label(), "reasons": p.unknown}))
                .collect();
            let named: Vec<&str> = able.iter().take(3).map(|(p, _)| p.arn).collect();
            let more = if able.len() > named.len() {
                format!(" and {} more", able.len() - named.len())
            } else {
                String::new()
            };
            let unknown_note = if unknown.is_empty() {
                String::new()
            } else {
                format!(
                    " The policies of {} other principal(s) could not all be read; they are listed as unknown.",
                    unknown.len()
                )
            };
            out.finding(FindingDraft {
                region: &region.region,
                resource_arn: &function.arn,
                function_name: Some(&function.name),
                severity: Some(if users > 0 {
                    Severity::High
                } else {
                    Severity::Medium
                }),
                title: format!(
                    "{}: {} other principal(s) ({} user(s)) may modify the function or pass its role",
                    function.name,
                    able.len(),
                    users
                ),
                message: format!(
                    "{}{more} may, by their identity policies, change the code or configuration of {}, add statements to its resource policy, or pass its execution role {} to code of their own (some only under a condition, see evidence). Each of them can make the function do anything its role allows, or open it to other callers.{unknown_note}",
                    named.join(", "),
                    function.name,
                    function.role,
                ),
                evidence: json!({
                    "role_arn": function.role,
                    "principals": listed,
                    "principal_count": able.len(),
                    "user_count": users,
                    "principals_truncated": able.len() > LIST_CAP,
                    "unknown_principals": unknown_listed,
                    "unknown_principal_count": unknown.len(),
                }),
                detail_key: String::new(),
            });
        });
    }
}

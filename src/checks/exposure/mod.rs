//! Exposure: who outside the account can reach a function.

pub mod api_unauthenticated_route;
pub mod cross_account_invoke;
pub mod function_url_auth_none;
pub mod function_url_cors_any_origin;
pub mod layer_from_untrusted_account;
pub mod public_layer_version;
pub mod public_resource_policy;
pub mod service_invoke_without_source;
pub mod stale_trigger;
pub mod trusted_layer_publishers;

use crate::checks::CheckOutput;
use crate::inventory::{Collected, Function, FunctionUrl, QualifiedPolicy, RegionInventory};
use crate::policy::condition::{CALLER_SCOPING_KEYS, URL_SCOPING_KEYS, first_restricting};
use crate::policy::{Effect, PrincipalSpec, Statement, parse_statements};
use serde_json::json;

/// Whether the policy protecting the URL's target lets everyone call it.
pub(crate) enum Admission {
    Public { statement: serde_json::Value },
    NotPublic,
    Unknown { reason: String },
}

pub(crate) fn admission(function: &Function, url: &FunctionUrl) -> Admission {
    let Some(qualified) = function
        .policies()
        .into_iter()
        .find(|p| p.arn == url.target_arn)
    else {
        return Admission::Unknown {
            reason: format!("no policy was collected for {}", url.target_arn),
        };
    };
    let policy = match qualified.policy {
        Collected::Collected { value: None } => return Admission::NotPublic,
        Collected::Collected { value: Some(p) } => p,
        other => {
            return Admission::Unknown {
                reason: other.unavailable_reason().unwrap_or_default(),
            };
        }
    };
    match parse_statements(&policy.document) {
        Ok(statements) => statements
            .iter()
            .find(|s| {
                public_grant(s, "lambda:InvokeFunctionUrl").is_some()
                    && auth_type_condition_admits(s, &url.auth_type)
            })
            .map_or(Admission::NotPublic, |s| Admission::Public {
                statement: s.raw.clone(),
            }),
        Err(e) => Admission::Unknown {
            reason: format!("resource policy could not be read: {e}"),
        },
    }
}

/// A `lambda:FunctionUrlAuthType` condition is evaluated against the URL's own auth type: a
/// grant conditioned on `AWS_IAM` does not apply to a `NONE` URL, and vice versa.
fn auth_type_condition_admits(statement: &crate::policy::Statement, auth_type: &str) -> bool {
    statement
        .conditions
        .iter()
        .filter(|c| c.key_is("lambda:FunctionUrlAuthType"))
        .all(|c| {
            let base = c.operator.rsplit(':').next().unwrap_or_default();
            let hit = c
                .values
                .iter()
                .any(|v| crate::policy::wildcard_match_ci(v, auth_type));
            if base.contains("Not") { !hit } else { hit }
        })
}

/// The function's URL configs for the URL checks (LA102, LA105), having recorded the
/// function as evaluated; `None` when there is nothing to judge. The call plan skips URL
/// configs only when no statement of any qualifier's policy can grant
/// `lambda:InvokeFunctionUrl`: every URL request is then refused, a pass for reachability
/// judged here from the policies themselves (a dormant URL is listed with `--exhaustive`).
pub(crate) fn reachable_urls<'f>(
    out: &mut crate::checks::CheckOutput,
    region: &str,
    function: &'f Function,
) -> Option<&'f [FunctionUrl]> {
    match &function.url_configs {
        Collected::Collected { value } => {
            out.evaluated();
            Some(value)
        }
        Collected::NotCollected { .. } if no_policy_can_grant_url(function) => {
            out.evaluated();
            None
        }
        other => {
            let reason = other.unavailable_reason().unwrap_or_default();
            out.not_evaluated(region, &function.arn, reason);
            None
        }
    }
}

/// True only when every policy of every qualifier was read and none has an Allow statement
/// whose actions cover `lambda:InvokeFunctionUrl`.
fn no_policy_can_grant_url(function: &Function) -> bool {
    function.aliases.value().is_some()
        && function.policies().iter().all(|q| match q.policy {
            Collected::Collected { value: None } => true,
            Collected::Collected { value: Some(p) } => {
                parse_statements(&p.document).is_ok_and(|statements| {
                    !statements.iter().any(|s| {
                        s.effect == crate::policy::Effect::Allow
                            && s.covers_action("lambda:InvokeFunctionUrl")
                    })
                })
            }
            _ => false,
        })
}

/// Visits the parsed statements of every resource policy of `function` (the function, each
/// alias, each version), counting each policy read as evaluated. Policies that were not
/// collected, failed or could not be parsed are reported as "not evaluated" for their ARN;
/// so is the alias list when it could not be read. A qualifier without a policy passes.
pub(crate) fn each_policy<'f>(
    out: &mut CheckOutput,
    region: &RegionInventory,
    function: &'f Function,
    mut visit: impl FnMut(&mut CheckOutput, &QualifiedPolicy<'f>, &[Statement]),
) {
    if let Some(reason) = function.aliases.unavailable_reason() {
        out.not_evaluated(
            &region.region,
            &format!("{}:<aliases>", function.arn),
            reason,
        );
    }
    for qualified in function.policies() {
        let policy = match qualified.policy {
            Collected::Collected { value: None } => {
                out.evaluated();
                continue;
            }
            Collected::Collected { value: Some(p) } => p,
            other => {
                let reason = other.unavailable_reason().unwrap_or_default();
                out.not_evaluated(&region.region, qualified.arn, reason);
                continue;
            }
        };
        match parse_statements(&policy.document) {
            Ok(statements) => {
                out.evaluated();
                visit(out, &qualified, &statements);
            }
            Err(e) => out.not_evaluated(
                &region.region,
                qualified.arn,
                format!("resource policy could not be read: {e}"),
            ),
        }
    }
}

/// `name` or `name:qualifier`, for titles.
pub(crate) fn display_target(function: &Function, qualifier: Option<&str>) -> String {
    match qualifier {
        Some(q) => format!("{}:{q}", function.name),
        None => function.name.clone(),
    }
}

/// The statement's `Sid`, or its position when it has none: a stable detail key.
pub(crate) fn statement_key(statement: &Statement) -> String {
    statement
        .sid
        .clone()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| statement.index.to_string())
}

/// Conditions of `statement` that do not restrict the caller, with the reason, for evidence.
pub(crate) fn conditions_not_restricting(statement: &Statement) -> Vec<serde_json::Value> {
    statement
        .conditions
        .iter()
        .filter(|c| !c.restricts(CALLER_SCOPING_KEYS))
        .map(|c| {
            json!({
                "operator": c.operator,
                "key": c.key,
                "values": c.values,
                "why_not_restricting": why_not_restricting(c),
            })
        })
        .collect()
}

/// The 12-digit account field of an ARN, if it has one.
pub(crate) fn arn_account(arn: &str) -> Option<&str> {
    let account = arn.split(':').nth(4)?;
    (account.len() == 12 && account.chars().all(|c| c.is_ascii_digit())).then_some(account)
}

/// How a single Allow statement opens a function to everyone.
pub(crate) struct PublicGrant {
    /// True when a URL-scoping condition confines it to function-URL invocations.
    pub url_only: bool,
    /// Why each condition present does not narrow the audience, for evidence.
    pub ignored_conditions: Vec<serde_json::Value>,
}

/// `Some` when the statement allows `action` to every principal with no condition that ties
/// the caller to a known account, organization or source resource.
pub(crate) fn public_grant(statement: &Statement, action: &str) -> Option<PublicGrant> {
    if statement.effect != Effect::Allow || !statement.covers_action(action) {
        return None;
    }
    let everyone = match &statement.principal {
        PrincipalSpec::Principal(p) => p.is_everyone(),
        // Allow + NotPrincipal grants everyone except the listed principals.
        PrincipalSpec::NotPrincipal(_) => true,
        PrincipalSpec::None => false,
    };
    if !everyone || first_restricting(&statement.conditions, CALLER_SCOPING_KEYS).is_some() {
        return None;
    }
    let url_only = first_restricting(&statement.conditions, URL_SCOPING_KEYS).is_some();
    let ignored_conditions = statement
        .conditions
        .iter()
        .filter(|c| !c.restricts(URL_SCOPING_KEYS))
        .map(|c| {
            json!({
                "operator": c.operator,
                "key": c.key,
                "values": c.values,
                "why_not_restricting": why_not_restricting(c),
            })
        })
        .collect();
    Some(PublicGrant {
        url_only,
        ignored_conditions,
    })
}

fn why_not_restricting(c: &crate::policy::Condition) -> &'static str {
    let known = CALLER_SCOPING_KEYS.0.iter().any(|k| c.key_is(k));
    let base = c.operator.rsplit(':').next().unwrap_or_default();
    if !known {
        "the key does not identify the caller's account, organization or source"
    } else if base.ends_with("IfExists") {
        "IfExists passes requests that do not carry the key"
    } else if base.contains("Not") {
        "a negated operator admits every other caller"
    } else if c.operator.starts_with("ForAllValues") {
        "ForAllValues is true when the key is absent"
    } else if !matches!(
        base,
        "StringEquals" | "StringEqualsIgnoreCase" | "StringLike" | "ArnEquals" | "ArnLike"
    ) {
        "the operator does not compare the key with named parties"
    } else if c.values.is_empty() {
        "it lists no value"
    } else {
        "a value contains a wildcard or an ARN without a fixed account, which other accounts can match"
    }
}

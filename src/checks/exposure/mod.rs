//! Exposure: who outside the account can reach a function.

pub mod function_url_auth_none;
pub mod public_resource_policy;

use crate::policy::condition::{CALLER_SCOPING_KEYS, URL_SCOPING_KEYS, first_restricting};
use crate::policy::{Effect, PrincipalSpec, Statement};
use serde_json::json;

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

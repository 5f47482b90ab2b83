//! Comparing policy statements across the declared/deployed divide. Unknown declared values
//! (see [`crate::declared::UNKNOWN_MARK`]) match anything: an unresolvable ARN is never
//! drift.

use crate::declared::{Declared, DeclaredPermission, unknown_reason};
use crate::policy::{ActionSpec, Effect, PrincipalSpec, Statement};
use serde_json::Value;
use std::collections::BTreeMap;

/// One (principal, action) pair a resource-policy statement grants, with the conditions
/// Lambda's `AddPermission` writes.
#[derive(Debug, Clone, PartialEq)]
pub struct Grant {
    pub principal: String,
    pub action: String,
    pub source_arn: Option<String>,
    pub source_account: Option<String>,
    pub function_url_auth_type: Option<String>,
    /// `lambda:InvokedViaFunctionUrl` is true: the grant only admits calls through the
    /// function URL (the second statement AWS requires for a URL since October 2025).
    pub via_function_url: bool,
}

/// The grants of an Allow statement; `None` for statements `AddPermission` cannot write
/// (Deny, NotAction, NotPrincipal, other conditions), which are compared as a whole.
pub fn grants(statement: &Statement) -> Option<Vec<Grant>> {
    if statement.effect != Effect::Allow {
        return None;
    }
    let ActionSpec::Action(actions) = &statement.actions else {
        return None;
    };
    let PrincipalSpec::Principal(principal) = &statement.principal else {
        return None;
    };
    let mut principals: Vec<String> = Vec::new();
    if principal.wildcard {
        principals.push("*".into());
    }
    principals.extend(principal.aws.iter().map(|p| normalize_principal(p)));
    principals.extend(principal.service.iter().map(|p| normalize_principal(p)));
    principals.extend(principal.federated.iter().cloned());
    let mut source_arn = None;
    let mut source_account = None;
    let mut auth_type = None;
    let mut via_function_url = false;
    for condition in &statement.conditions {
        let is = |key: &str| condition.key_is(key);
        let positive =
            !condition.operator.contains("Not") && !condition.operator.ends_with("IfExists");
        if is("lambda:InvokedViaFunctionUrl") {
            via_function_url = positive
                && !condition.values.is_empty()
                && condition
                    .values
                    .iter()
                    .all(|v| v.eq_ignore_ascii_case("true"));
            continue;
        }
        if !(is("aws:SourceArn") || is("aws:SourceAccount") || is("lambda:FunctionUrlAuthType")) {
            // Other conditions (`aws:PrincipalOrgID`, `lambda:EventSourceToken`) only narrow
            // the grant; the declaration may not model them, and a narrower grant is no new
            // exposure.
            continue;
        }
        // `AddPermission` writes these as plain positive conditions with one value; any
        // other shape is compared as a statement of its own (and so reported if undeclared).
        let ([value], true) = (condition.values.as_slice(), positive) else {
            return None;
        };
        let value = value.clone();
        if is("aws:SourceArn") {
            source_arn = Some(value);
        } else if is("aws:SourceAccount") {
            source_account = Some(value);
        } else {
            auth_type = Some(value);
        }
    }
    Some(
        principals
            .iter()
            .flat_map(|p| {
                actions.iter().map(|a| Grant {
                    principal: p.clone(),
                    action: a.clone(),
                    source_arn: source_arn.clone(),
                    source_account: source_account.clone(),
                    function_url_auth_type: auth_type.clone(),
                    via_function_url,
                })
            })
            .collect(),
    )
}

/// Principals as Lambda stores them: `123456789012` and `arn:aws:iam::123456789012:root`
/// are one account; regional service principals (`logs.eu-west-1.amazonaws.com`) are the
/// service.
pub fn normalize_principal(principal: &str) -> String {
    let p = principal.trim();
    if let Some(rest) = p.strip_prefix("arn:")
        && let [_, "iam", "", account, "root"] = rest.split(':').collect::<Vec<_>>().as_slice()
    {
        return account.to_string();
    }
    if let Some(service) = p.strip_suffix(".amazonaws.com") {
        let parts: Vec<&str> = service.split('.').collect();
        if parts.len() == 2 {
            return format!("{}.amazonaws.com", parts[0]);
        }
    }
    p.to_string()
}

fn declared_matches(
    declared: &Declared<String>,
    deployed: &str,
    normalize: fn(&str) -> String,
) -> bool {
    match declared {
        Declared::Known(value) => normalize(value).eq_ignore_ascii_case(&normalize(deployed)),
        Declared::Unknown(_) => true,
    }
}

fn identity(text: &str) -> String {
    text.to_string()
}

fn optional_matches(declared: &Option<Declared<String>>, deployed: &Option<String>) -> bool {
    match (declared, deployed) {
        (None, None) => true,
        (Some(Declared::Unknown(_)), _) => true,
        (Some(Declared::Known(d)), Some(p)) => d == p,
        _ => false,
    }
}

/// Whether a deployed grant is the declared one.
pub fn permission_matches(declared: &DeclaredPermission, grant: &Grant) -> bool {
    declared_matches(&declared.principal, &grant.principal, normalize_principal)
        && declared_matches(&declared.action, &grant.action, identity)
        && optional_matches(&declared.source_arn, &grant.source_arn)
        && optional_matches(&declared.source_account, &grant.source_account)
        && declared
            .function_url_auth_type
            .as_deref()
            .map(str::to_ascii_uppercase)
            == grant
                .function_url_auth_type
                .as_deref()
                .map(str::to_ascii_uppercase)
}

/// Whether `grant` is declared by one of `declared`. A `lambda:InvokeFunction` grant scoped
/// to URL calls is declared by the URL grant to the same principal: AWS requires the pair,
/// and SAM, Terraform and the Serverless Framework write the second one differently or not
/// at all. An unscoped `InvokeFunction` must be declared as such.
pub fn declared_by<'d>(
    grant: &Grant,
    declared: impl IntoIterator<Item = &'d DeclaredPermission>,
) -> Vec<&'d DeclaredPermission> {
    declared
        .into_iter()
        .filter(|p| {
            if grant.via_function_url && grant.action.eq_ignore_ascii_case("lambda:InvokeFunction")
            {
                declared_matches(&p.principal, &grant.principal, normalize_principal)
                    && p.action
                        .known()
                        .is_some_and(|a| a.eq_ignore_ascii_case("lambda:InvokeFunctionUrl"))
            } else {
                permission_matches(p, grant)
            }
        })
        .collect()
}

/// An identity-policy statement reduced to what it grants: effect, actions, resources and
/// conditions, each order-insensitive. `Sid` is ignored.
#[derive(Debug, Clone, PartialEq)]
pub struct Normalized {
    pub effect: String,
    /// `Action:` or `NotAction:` then the lowercased action patterns, sorted.
    pub actions: Vec<String>,
    pub resources: Vec<String>,
    pub conditions: BTreeMap<String, Vec<String>>,
}

/// The statements of a policy document, normalized; `None` when it has no statement list.
pub fn normalize_document(document: &Value) -> Option<Vec<Normalized>> {
    let statements: Vec<&Value> = match document.get("Statement")? {
        Value::Array(items) => items.iter().collect(),
        item @ Value::Object(_) => vec![item],
        _ => return None,
    };
    Some(statements.into_iter().map(normalize_statement).collect())
}

fn normalize_statement(statement: &Value) -> Normalized {
    let list = |key: &str, lower: bool| -> Vec<String> {
        let mut out: Vec<String> = match statement.get(key) {
            Some(Value::Array(items)) => items.iter().map(text_of).collect(),
            Some(value) => vec![text_of(value)],
            None => Vec::new(),
        };
        if lower {
            out = out
                .into_iter()
                .map(|s| {
                    if unknown_reason(&Value::String(s.clone())).is_some() {
                        s
                    } else {
                        s.to_lowercase()
                    }
                })
                .collect();
        }
        out.sort();
        out.dedup();
        out
    };
    let (action_key, resource_key) = (
        if statement.get("NotAction").is_some() {
            "NotAction"
        } else {
            "Action"
        },
        if statement.get("NotResource").is_some() {
            "NotResource"
        } else {
            "Resource"
        },
    );
    let actions = list(action_key, true)
        .into_iter()
        .map(|a| format!("{action_key}:{a}"))
        .collect();
    let resources = list(resource_key, false)
        .into_iter()
        .map(|r| format!("{resource_key}:{r}"))
        .collect();
    let mut conditions = BTreeMap::new();
    if let Some(Value::Object(operators)) = statement.get("Condition") {
        for (operator, keys) in operators {
            if let Value::Object(keys) = keys {
                for (key, values) in keys {
                    let mut values: Vec<String> = match values {
                        Value::Array(items) => items.iter().map(text_of).collect(),
                        other => vec![text_of(other)],
                    };
                    values.sort();
                    conditions.insert(format!("{operator}|{}", key.to_lowercase()), values);
                }
            }
        }
    }
    Normalized {
        effect: statement.get("Effect").map(text_of).unwrap_or_default(),
        actions,
        resources,
        conditions,
    }
}

fn text_of(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn is_unknown_text(text: &str) -> bool {
    text.contains(crate::declared::UNKNOWN_MARK)
}

/// Every known declared element is deployed and the counts agree (unknown declared elements
/// stand for the remaining deployed ones).
fn list_matches(declared: &[String], deployed: &[String]) -> bool {
    declared.len() == deployed.len()
        && declared
            .iter()
            .filter(|d| !is_unknown_text(d))
            .all(|d| deployed.contains(d))
}

pub fn statement_matches(declared: &Normalized, deployed: &Normalized) -> bool {
    declared.effect == deployed.effect
        && list_matches(&declared.actions, &deployed.actions)
        && list_matches(&declared.resources, &deployed.resources)
        && declared.conditions.len() == deployed.conditions.len()
        && declared.conditions.iter().all(|(key, values)| {
            deployed
                .conditions
                .get(key)
                .is_some_and(|d| list_matches(values, d))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::declared::unknown_json;
    use serde_json::json;

    #[test]
    fn principals_normalize() {
        assert_eq!(
            normalize_principal("arn:aws:iam::123456789012:root"),
            "123456789012"
        );
        assert_eq!(
            normalize_principal("logs.eu-west-1.amazonaws.com"),
            "logs.amazonaws.com"
        );
        assert_eq!(
            normalize_principal("apigateway.amazonaws.com"),
            "apigateway.amazonaws.com"
        );
    }

    #[test]
    fn unknown_declared_resources_match_any_deployed_value() {
        let declared = normalize_document(&json!({"Statement": [{
            "Effect": "Allow", "Action": ["sqs:ReceiveMessage", "SQS:DeleteMessage"],
            "Resource": unknown_json("generated queue")}]}))
        .unwrap();
        let deployed = normalize_document(&json!({"Statement": {
            "Effect": "Allow", "Action": ["sqs:deletemessage", "sqs:ReceiveMessage"],
            "Resource": "arn:aws:sqs:us-east-1:1:q"}}))
        .unwrap();
        assert!(statement_matches(&declared[0], &deployed[0]));
        let wider = normalize_document(&json!({"Statement": {
            "Effect": "Allow", "Action": ["sqs:*"], "Resource": "arn:aws:sqs:us-east-1:1:q"}}))
        .unwrap();
        assert!(!statement_matches(&declared[0], &wider[0]));
    }
}

//! Reading IAM policy documents faithfully: every field may be a single value or an array,
//! actions match case-insensitively with `*`/`?` wildcards, and conditions are kept whole
//! so checks can tell a restricting condition from a decorative one.

pub mod catalogue;
pub mod condition;
pub mod principal;

use serde_json::Value;

pub use condition::{Condition, RestrictingKeys};
pub use principal::Principal;

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum PolicyError {
    #[error("policy document is not a JSON object")]
    NotAnObject,
    #[error("`Statement` is missing or is neither an object nor an array")]
    NoStatements,
    #[error("statement {index}: `Effect` must be \"Allow\" or \"Deny\", found {found}")]
    BadEffect { index: usize, found: String },
    #[error("statement {index}: field `{field}` must be a string or an array of strings")]
    BadStringList { index: usize, field: &'static str },
    #[error("statement {index}: `Condition` must be an object of operator → {{key → values}}")]
    BadCondition { index: usize },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Allow,
    Deny,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ActionSpec {
    Action(Vec<String>),
    NotAction(Vec<String>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum PrincipalSpec {
    Principal(Principal),
    NotPrincipal(Principal),
    /// Identity policies have no principal.
    None,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    /// Position in the document, for evidence.
    pub index: usize,
    pub sid: Option<String>,
    pub effect: Effect,
    pub principal: PrincipalSpec,
    pub actions: ActionSpec,
    pub conditions: Vec<Condition>,
    /// The statement as written, for evidence in findings.
    pub raw: Value,
}

pub fn parse_statements(document: &Value) -> Result<Vec<Statement>, PolicyError> {
    let object = document.as_object().ok_or(PolicyError::NotAnObject)?;
    let raw_statements: Vec<&Value> = match object.get("Statement") {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(item @ Value::Object(_)) => vec![item],
        _ => return Err(PolicyError::NoStatements),
    };
    raw_statements
        .into_iter()
        .enumerate()
        .map(|(index, raw)| parse_statement(index, raw))
        .collect()
}

fn parse_statement(index: usize, raw: &Value) -> Result<Statement, PolicyError> {
    let effect = match raw.get("Effect").and_then(Value::as_str) {
        Some("Allow") => Effect::Allow,
        Some("Deny") => Effect::Deny,
        other => {
            return Err(PolicyError::BadEffect {
                index,
                found: other.map_or("nothing".to_string(), |s| format!("\"{s}\"")),
            });
        }
    };
    let actions = match (raw.get("Action"), raw.get("NotAction")) {
        (Some(v), _) => ActionSpec::Action(string_list(v, index, "Action")?),
        (None, Some(v)) => ActionSpec::NotAction(string_list(v, index, "NotAction")?),
        (None, None) => ActionSpec::Action(Vec::new()),
    };
    let principal = match (raw.get("Principal"), raw.get("NotPrincipal")) {
        (Some(v), _) => PrincipalSpec::Principal(Principal::parse(v, index)?),
        (None, Some(v)) => PrincipalSpec::NotPrincipal(Principal::parse(v, index)?),
        (None, None) => PrincipalSpec::None,
    };
    let conditions = match raw.get("Condition") {
        Some(v) => condition::parse_block(v, index)?,
        None => Vec::new(),
    };
    Ok(Statement {
        index,
        sid: raw.get("Sid").and_then(Value::as_str).map(str::to_string),
        effect,
        principal,
        actions,
        conditions,
        raw: raw.clone(),
    })
}

pub(crate) fn string_list(
    value: &Value,
    index: usize,
    field: &'static str,
) -> Result<Vec<String>, PolicyError> {
    match value {
        Value::String(s) => Ok(vec![s.clone()]),
        Value::Array(items) => items
            .iter()
            .map(|item| {
                item.as_str()
                    .map(str::to_string)
                    .ok_or(PolicyError::BadStringList { index, field })
            })
            .collect(),
        _ => Err(PolicyError::BadStringList { index, field }),
    }
}

/// IAM wildcard match: `*` any run, `?` one character, case-insensitive (as IAM treats
/// action names).
pub fn wildcard_match_ci(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.to_lowercase().chars().collect();
    let t: Vec<char> = text.to_lowercase().chars().collect();
    // Iterative glob match with single-star backtracking: linear in practice, no recursion,
    // so hostile patterns cannot blow the stack.
    let (mut pi, mut ti) = (0, 0);
    let (mut star, mut star_ti) = (None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            star_ti = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            star_ti += 1;
            ti = star_ti;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

impl Statement {
    /// Whether the statement's action clause covers `action` (e.g. `lambda:InvokeFunction`).
    pub fn covers_action(&self, action: &str) -> bool {
        match &self.actions {
            ActionSpec::Action(patterns) => patterns.iter().any(|p| wildcard_match_ci(p, action)),
            ActionSpec::NotAction(patterns) => {
                !patterns.iter().any(|p| wildcard_match_ci(p, action))
            }
        }
    }

    pub fn label(&self) -> String {
        match &self.sid {
            Some(sid) if !sid.is_empty() => format!("statement {} (Sid \"{sid}\")", self.index),
            _ => format!("statement {}", self.index),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn wildcards_match_case_insensitively() {
        assert!(wildcard_match_ci(
            "lambda:Invoke*",
            "lambda:InvokeFunctionUrl"
        ));
        assert!(wildcard_match_ci(
            "LAMBDA:invokefunction",
            "lambda:InvokeFunction"
        ));
        assert!(wildcard_match_ci("*", "lambda:InvokeFunction"));
        assert!(wildcard_match_ci("s3:Get*Object", "s3:GetObject"));
        assert!(wildcard_match_ci(
            "lambda:Invoke?unction",
            "lambda:InvokeFunction"
        ));
        assert!(!wildcard_match_ci("lambda:Get*", "lambda:InvokeFunction"));
        assert!(!wildcard_match_ci(
            "lambda:InvokeFunction",
            "lambda:InvokeFunctionUrl"
        ));
    }

    #[test]
    fn single_values_and_arrays_parse_alike() {
        let one = parse_statements(&json!({"Statement": {"Effect": "Allow", "Action": "lambda:InvokeFunction", "Principal": "*"}})).unwrap();
        let many = parse_statements(&json!({"Statement": [{"Effect": "Allow", "Action": ["lambda:InvokeFunction"], "Principal": {"AWS": ["*"]}}]})).unwrap();
        assert!(one[0].covers_action("lambda:invokefunction"));
        assert!(many[0].covers_action("lambda:InvokeFunction"));
        let not = parse_statements(
            &json!({"Statement": [{"Effect": "Allow", "NotAction": "iam:*", "Principal": "*"}]}),
        )
        .unwrap();
        assert!(not[0].covers_action("lambda:InvokeFunction"));
        assert!(!not[0].covers_action("iam:PassRole"));
    }

    #[test]
    fn malformed_documents_are_errors_not_panics() {
        assert_eq!(parse_statements(&json!([])), Err(PolicyError::NotAnObject));
        assert_eq!(
            parse_statements(&json!({"Statement": 3})),
            Err(PolicyError::NoStatements)
        );
        assert!(matches!(
            parse_statements(&json!({"Statement": [{"Effect": "Maybe"}]})),
            Err(PolicyError::BadEffect { index: 0, .. })
        ));
        assert!(matches!(
            parse_statements(&json!({"Statement": [{"Effect": "Allow", "Action": 5}]})),
            Err(PolicyError::BadStringList {
                field: "Action",
                ..
            })
        ));
    }
}

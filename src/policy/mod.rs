//! Reading IAM policy documents faithfully: every field may be a single value or an array,
//! actions match case-insensitively with `*`/`?` wildcards, resources match case-sensitively
//! (policy variables such as `${aws:username}` matching anything), and conditions are kept
//! whole so checks can tell a restricting condition from a decorative one.

pub mod catalogue;
pub mod condition;
pub mod effective;
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
pub enum ResourceSpec {
    Resource(Vec<String>),
    NotResource(Vec<String>),
    /// Neither element: resource policies may omit it (the statement is about the resource
    /// the policy is attached to). Identity policies must have one; IAM rejects them without.
    None,
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
    pub resources: ResourceSpec,
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
    let resources = match (raw.get("Resource"), raw.get("NotResource")) {
        (Some(v), _) => ResourceSpec::Resource(string_list(v, index, "Resource")?),
        (None, Some(v)) => ResourceSpec::NotResource(string_list(v, index, "NotResource")?),
        (None, None) => ResourceSpec::None,
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
        resources,
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

/// One element of a compiled wildcard pattern.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Token {
    Literal(char),
    /// `?`: exactly one character.
    One,
    /// `*` (or a policy variable in a resource pattern): any run, including none.
    Any,
}

fn wildcard_tokens(pattern: &str) -> Vec<Token> {
    pattern
        .chars()
        .map(|c| match c {
            '*' => Token::Any,
            '?' => Token::One,
            c => Token::Literal(c),
        })
        .collect()
}

/// Like [`wildcard_tokens`], and a `${...}` policy variable becomes [`Token::Any`] — an
/// approximation: the variable stands for one value of the request context (the caller's
/// user name, a tag…), which we do not know, so it may be anything. The escapes `${*}`,
/// `${?}` and `${$}` stand for the literal characters. An unterminated `${` is literal.
fn resource_tokens(pattern: &str) -> Vec<Token> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = Vec::with_capacity(chars.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '$'
            && chars.get(i + 1) == Some(&'{')
            && let Some(len) = chars[i + 2..].iter().position(|&c| c == '}')
        {
            let inner: String = chars[i + 2..i + 2 + len].iter().collect();
            out.push(match inner.as_str() {
                "*" => Token::Literal('*'),
                "?" => Token::Literal('?'),
                "$" => Token::Literal('$'),
                _ => Token::Any,
            });
            i += len + 3;
            continue;
        }
        out.push(match chars[i] {
            '*' => Token::Any,
            '?' => Token::One,
            c => Token::Literal(c),
        });
        i += 1;
    }
    out
}

/// Glob match of `tokens` against all of `text`. Iterative with single-star backtracking:
/// O(pattern × text) at worst, no recursion, so hostile patterns cannot blow the stack.
fn glob(tokens: &[Token], text: &[char], eq: impl Fn(char, char) -> bool) -> bool {
    let (mut pi, mut ti) = (0, 0);
    let (mut star, mut star_ti) = (None, 0);
    while ti < text.len() {
        match tokens.get(pi) {
            Some(Token::One) => {
                pi += 1;
                ti += 1;
            }
            Some(Token::Literal(c)) if eq(*c, text[ti]) => {
                pi += 1;
                ti += 1;
            }
            Some(Token::Any) => {
                star = Some(pi);
                star_ti = ti;
                pi += 1;
            }
            _ => match star {
                Some(s) => {
                    pi = s + 1;
                    star_ti += 1;
                    ti = star_ti;
                }
                None => return false,
            },
        }
    }
    tokens[pi..].iter().all(|t| *t == Token::Any)
}

/// The pattern's automaton states after reading `prefix` (`states[i]`: `tokens[..i]`
/// consumed). Any state left can always be completed to a full match: the rest of a
/// pattern is literals, `?` and `*`, all satisfiable.
fn glob_states_after(
    tokens: &[Token],
    prefix: &[char],
    eq: impl Fn(char, char) -> bool,
) -> Vec<bool> {
    let closure = |states: &mut Vec<bool>| {
        for i in 0..tokens.len() {
            if states[i] && tokens[i] == Token::Any {
                states[i + 1] = true;
            }
        }
    };
    let mut states = vec![false; tokens.len() + 1];
    states[0] = true;
    closure(&mut states);
    for &c in prefix {
        let mut next = vec![false; tokens.len() + 1];
        for i in 0..tokens.len() {
            if !states[i] {
                continue;
            }
            match tokens[i] {
                Token::Any => next[i] = true,
                Token::One => next[i + 1] = true,
                Token::Literal(l) if eq(l, c) => next[i + 1] = true,
                Token::Literal(_) => {}
            }
        }
        closure(&mut next);
        states = next;
        if !states.contains(&true) {
            break;
        }
    }
    states
}

fn eq_ci(a: char, b: char) -> bool {
    a == b || a.to_lowercase().eq(b.to_lowercase())
}

/// IAM wildcard match: `*` any run, `?` one character, case-insensitive (as IAM treats
/// action names). Characters are compared one by one (each lower-cased), so `?` stands for
/// exactly one character of the text even where lower-casing would lengthen it.
pub fn wildcard_match_ci(pattern: &str, text: &str) -> bool {
    let text: Vec<char> = text.chars().collect();
    glob(&wildcard_tokens(pattern), &text, eq_ci)
}

/// Case-sensitive IAM wildcard match (`*` any run, `?` one character), no policy variables.
pub fn wildcard_match(pattern: &str, text: &str) -> bool {
    let text: Vec<char> = text.chars().collect();
    glob(&wildcard_tokens(pattern), &text, |a, b| a == b)
}

/// IAM `Resource` matching: case-sensitive over the whole ARN, so a `*` may span the colons
/// between ARN segments (`arn:aws:lambda:*:123456789012:function:*` covers the qualified
/// `…:function:f:prod`), `?` is one character, and a `${...}` policy variable matches
/// anything (an approximation, see [`resource_tokens`]).
pub fn resource_match(pattern: &str, arn: &str) -> bool {
    let arn: Vec<char> = arn.chars().collect();
    glob(&resource_tokens(pattern), &arn, |a, b| a == b)
}

/// Whether an action `pattern` (case-insensitive) may match some action of `service`
/// (e.g. `iam`): `iam:*`, `*`, `i*`, `*Role`, `iam:PassRole` do; `s3:*` does not.
pub fn action_pattern_may_touch_service(pattern: &str, service: &str) -> bool {
    let prefix: Vec<char> = format!("{service}:").chars().collect();
    glob_states_after(&wildcard_tokens(pattern), &prefix, eq_ci).contains(&true)
}

/// Whether an action `pattern` (case-insensitive) matches every action of `service`:
/// `iam:*`, `*`, `*:*`, `i*`, `iam:?*` do; `iam:Get*`, `iam:PassRole` do not. (Action names
/// are never empty, so a single `?` among the trailing `*`s is allowed.)
pub fn action_pattern_covers_service(pattern: &str, service: &str) -> bool {
    let tokens = wildcard_tokens(pattern);
    let prefix: Vec<char> = format!("{service}:").chars().collect();
    let states = glob_states_after(&tokens, &prefix, eq_ci);
    states.iter().enumerate().any(|(i, &reached)| {
        let rest = &tokens[i..];
        reached
            && rest.iter().all(|t| matches!(t, Token::Any | Token::One))
            && rest.iter().filter(|t| **t == Token::One).count() <= 1
            && rest.contains(&Token::Any)
    })
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

    /// Whether the statement's resource clause covers `arn` (see [`resource_match`]). A
    /// statement without `Resource`/`NotResource` covers it: in a resource policy it is about
    /// the resource the policy is attached to.
    pub fn covers_resource(&self, arn: &str) -> bool {
        match &self.resources {
            ResourceSpec::Resource(patterns) => patterns.iter().any(|p| resource_match(p, arn)),
            ResourceSpec::NotResource(patterns) => !patterns.iter().any(|p| resource_match(p, arn)),
            ResourceSpec::None => true,
        }
    }

    pub fn has_conditions(&self) -> bool {
        !self.conditions.is_empty()
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

    #[test]
    fn resources_match_case_sensitively_across_segments() {
        assert!(resource_match("*", "arn:aws:s3:::b/k"));
        assert!(resource_match(
            "arn:aws:s3:::bucket/*",
            "arn:aws:s3:::bucket/a/b.txt"
        ));
        assert!(!resource_match(
            "arn:aws:s3:::bucket/*",
            "arn:aws:s3:::bucket"
        ));
        assert!(!resource_match(
            "arn:aws:s3:::Bucket/*",
            "arn:aws:s3:::bucket/k"
        ));
        assert!(resource_match(
            "arn:aws:lambda:*:123456789012:function:*",
            "arn:aws:lambda:us-east-1:123456789012:function:f:prod"
        ));
        assert!(resource_match(
            "arn:aws:*",
            "arn:aws:iam::123456789012:role/r"
        ));
        assert!(resource_match(
            "arn:aws:lambda:us-east-?:123456789012:function:f",
            "arn:aws:lambda:us-east-1:123456789012:function:f"
        ));
    }

    #[test]
    fn policy_variables_match_anything_and_escapes_are_literal() {
        assert!(resource_match(
            "arn:aws:s3:::home/${aws:username}/*",
            "arn:aws:s3:::home/alice/notes.txt"
        ));
        assert!(resource_match(
            "arn:aws:s3:::b/${aws:PrincipalTag/team, 'none'}",
            "arn:aws:s3:::b/x"
        ));
        assert!(resource_match("arn:aws:s3:::b/${*}", "arn:aws:s3:::b/*"));
        assert!(!resource_match("arn:aws:s3:::b/${*}", "arn:aws:s3:::b/x"));
        assert!(resource_match(
            "arn:aws:s3:::b/${?}${$}",
            "arn:aws:s3:::b/?$"
        ));
        assert!(resource_match(
            "arn:aws:s3:::b/${unterminated",
            "arn:aws:s3:::b/${unterminated"
        ));
    }

    #[test]
    fn resource_and_not_resource_parse() {
        let doc = json!({"Statement": [
            {"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b/*"},
            {"Effect": "Allow", "Action": "s3:*", "NotResource": ["arn:aws:s3:::secret", "arn:aws:s3:::secret/*"]},
            {"Effect": "Allow", "Action": "lambda:InvokeFunction", "Principal": "*"}
        ]});
        let s = parse_statements(&doc).unwrap();
        assert_eq!(
            s[0].resources,
            ResourceSpec::Resource(vec!["arn:aws:s3:::b/*".into()])
        );
        assert!(s[0].covers_resource("arn:aws:s3:::b/k"));
        assert!(!s[1].covers_resource("arn:aws:s3:::secret/k"));
        assert!(s[1].covers_resource("arn:aws:s3:::public/k"));
        assert_eq!(s[2].resources, ResourceSpec::None);
        assert!(s[2].covers_resource("arn:aws:lambda:us-east-1:123456789012:function:f"));
        assert!(matches!(
            parse_statements(
                &json!({"Statement": {"Effect": "Allow", "Action": "*", "NotResource": {"a": 1}}})
            ),
            Err(PolicyError::BadStringList {
                field: "NotResource",
                ..
            })
        ));
    }

    #[test]
    fn service_reach_of_action_patterns() {
        for p in [
            "iam:*",
            "*",
            "IAM:*",
            "i*",
            "*:*",
            "iam:PassRole",
            "*Role",
            "?am:Get*",
        ] {
            assert!(action_pattern_may_touch_service(p, "iam"), "{p}");
        }
        for p in ["s3:*", "iamx:*", "ia:*", "lambda:*"] {
            assert!(!action_pattern_may_touch_service(p, "iam"), "{p}");
        }
        for p in ["iam:*", "*", "*:*", "i*", "iam:?*", "Iam:**"] {
            assert!(action_pattern_covers_service(p, "iam"), "{p}");
        }
        for p in [
            "iam:Get*",
            "iam:PassRole",
            "s3:*",
            "iam:",
            "iam:?",
            "*:Get*",
        ] {
            assert!(!action_pattern_covers_service(p, "iam"), "{p}");
        }
    }
}

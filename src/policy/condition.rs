//! Condition blocks, and the question every exposure check asks of them: does this
//! condition actually narrow who can call, or does it only look like it does?

use super::PolicyError;
use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    /// As written, e.g. `ForAnyValue:StringLikeIfExists`.
    pub operator: String,
    /// As written; compare with [`Condition::key_is`] (keys are case-insensitive).
    pub key: String,
    pub values: Vec<String>,
}

/// Which keys count as restricting, for one check's purpose.
#[derive(Debug, Clone, Copy)]
pub struct RestrictingKeys(pub &'static [&'static str]);

/// Keys that tie a call to a known account, organization or source resource.
pub const CALLER_SCOPING_KEYS: RestrictingKeys = RestrictingKeys(&[
    "aws:SourceArn",
    "aws:SourceAccount",
    "aws:SourceOwner",
    "aws:SourceOrgID",
    "aws:SourceOrgPaths",
    "aws:PrincipalOrgID",
    "aws:PrincipalOrgPaths",
    "aws:PrincipalAccount",
    "aws:PrincipalArn",
]);

/// Keys that confine a grant to function-URL invocations, which the URL's own auth type
/// then governs (and the function-URL check judges).
pub const URL_SCOPING_KEYS: RestrictingKeys =
    RestrictingKeys(&["lambda:FunctionUrlAuthType", "lambda:InvokedViaFunctionUrl"]);

pub fn parse_block(value: &Value, index: usize) -> Result<Vec<Condition>, PolicyError> {
    let operators = value
        .as_object()
        .ok_or(PolicyError::BadCondition { index })?;
    let mut out = Vec::new();
    for (operator, keys) in operators {
        let keys = keys
            .as_object()
            .ok_or(PolicyError::BadCondition { index })?;
        for (key, values) in keys {
            let values = match values {
                Value::String(s) => vec![s.clone()],
                Value::Bool(b) => vec![b.to_string()],
                Value::Number(n) => vec![n.to_string()],
                Value::Array(items) => items
                    .iter()
                    .map(|item| match item {
                        Value::String(s) => Ok(s.clone()),
                        Value::Bool(b) => Ok(b.to_string()),
                        Value::Number(n) => Ok(n.to_string()),
                        _ => Err(PolicyError::BadCondition { index }),
                    })
                    .collect::<Result<_, _>>()?,
                _ => return Err(PolicyError::BadCondition { index }),
            };
            out.push(Condition {
                operator: operator.clone(),
                key: key.clone(),
                values,
            });
        }
    }
    Ok(out)
}

impl Condition {
    pub fn key_is(&self, key: &str) -> bool {
        self.key.eq_ignore_ascii_case(key)
    }

    /// True when this condition, on its own, confines the statement to the parties its
    /// values name. It does not when the operator is negated or `IfExists` (a request
    /// without the key passes), when it is `ForAllValues` (vacuously true without the key),
    /// when the key is not one of `keys`, or when any value is itself a wildcard
    /// (`"aws:SourceAccount": "*"`, `"aws:SourceArn": "arn:aws:s3:::*"`).
    pub fn restricts(&self, keys: RestrictingKeys) -> bool {
        if !keys.0.iter().any(|k| self.key_is(k)) {
            return false;
        }
        let (set_qualifier, base) = match self.operator.split_once(':') {
            Some((q, b)) => (Some(q), b),
            None => (None, self.operator.as_str()),
        };
        if set_qualifier.is_some_and(|q| q.eq_ignore_ascii_case("ForAllValues")) {
            return false;
        }
        if base.ends_with("IfExists") {
            return false;
        }
        if self.key_is("lambda:InvokedViaFunctionUrl") {
            // Only `true` confines the grant to URL invocations; `false` is the opposite.
            return base == "Bool" && self.values.iter().all(|v| v.eq_ignore_ascii_case("true"));
        }
        let positive = matches!(
            base,
            "StringEquals" | "StringEqualsIgnoreCase" | "StringLike" | "ArnEquals" | "ArnLike"
        );
        positive
            && !self.values.is_empty()
            && !self.values.iter().any(|v| is_open_value(&self.key, v))
    }
}

/// Whether a condition value leaves the door open to parties nobody chose: any wildcard
/// in an account or organization value, and ARN patterns whose account is not fixed —
/// another account can create a resource that matches `arn:aws:sns:us-east-1:*:topic`.
/// S3 bucket ARNs carry no account, so there only a fully literal bucket name restricts.
fn is_open_value(key: &str, value: &str) -> bool {
    let has_wildcard = value.contains(['*', '?']);
    let lower = key.to_ascii_lowercase();
    if lower.ends_with("arn") {
        // arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE
        let parts: Vec<&str> = value.splitn(6, ':').collect();
        if parts.len() < 6 || parts[0] != "arn" {
            return true;
        }
        let account = parts[4];
        if account.is_empty() {
            return parts[2] != "s3" || has_wildcard;
        }
        return !(account.len() == 12 && account.chars().all(|c| c.is_ascii_digit()));
    }
    if lower.ends_with("orgpaths") {
        // o-abc123/r-root/ou-x/* — the organization id must be literal.
        return value
            .split('/')
            .next()
            .is_none_or(|org| org.contains(['*', '?']) || org.is_empty());
    }
    has_wildcard || value.is_empty()
}

/// The first condition among `conditions` that restricts by `keys`, if any.
pub fn first_restricting(conditions: &[Condition], keys: RestrictingKeys) -> Option<&Condition> {
    conditions.iter().find(|c| c.restricts(keys))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cond(operator: &str, key: &str, values: &[&str]) -> Condition {
        Condition {
            operator: operator.into(),
            key: key.into(),
            values: values.iter().map(|v| v.to_string()).collect(),
        }
    }

    #[test]
    fn real_restrictions_restrict() {
        assert!(
            cond("StringEquals", "aws:SourceAccount", &["123456789012"])
                .restricts(CALLER_SCOPING_KEYS)
        );
        assert!(
            cond("ArnLike", "AWS:SourceArn", &["arn:aws:s3:::my-bucket"])
                .restricts(CALLER_SCOPING_KEYS)
        );
        assert!(
            cond(
                "ArnLike",
                "aws:SourceArn",
                &["arn:aws:execute-api:us-east-1:123456789012:abc/*"]
            )
            .restricts(CALLER_SCOPING_KEYS)
        );
        assert!(
            cond("StringEquals", "aws:PrincipalOrgID", &["o-abc123"])
                .restricts(CALLER_SCOPING_KEYS)
        );
        assert!(
            cond("StringEquals", "lambda:FunctionUrlAuthType", &["NONE"])
                .restricts(URL_SCOPING_KEYS)
        );
    }

    #[test]
    fn decorative_conditions_do_not_restrict() {
        assert!(!cond("StringEquals", "aws:SourceAccount", &["*"]).restricts(CALLER_SCOPING_KEYS));
        assert!(
            !cond("StringLike", "aws:SourceArn", &["arn:aws:s3:::*"])
                .restricts(CALLER_SCOPING_KEYS)
        );
        assert!(
            !cond("ArnLike", "aws:SourceArn", &["arn:aws:execute-api:*:*:*"])
                .restricts(CALLER_SCOPING_KEYS)
        );
        assert!(
            !cond(
                "StringEqualsIfExists",
                "aws:SourceAccount",
                &["123456789012"]
            )
            .restricts(CALLER_SCOPING_KEYS)
        );
        assert!(
            !cond("StringNotEquals", "aws:SourceAccount", &["123456789012"])
                .restricts(CALLER_SCOPING_KEYS)
        );
        assert!(
            !cond(
                "ForAllValues:StringEquals",
                "aws:SourceAccount",
                &["123456789012"]
            )
            .restricts(CALLER_SCOPING_KEYS)
        );
        assert!(!cond("StringLike", "aws:PrincipalOrgID", &["o-*"]).restricts(CALLER_SCOPING_KEYS));
        assert!(!cond("StringEquals", "aws:UserAgent", &["curl"]).restricts(CALLER_SCOPING_KEYS));
        assert!(!cond("StringEquals", "aws:SourceAccount", &[]).restricts(CALLER_SCOPING_KEYS));
        assert!(!cond("StringLike", "aws:SourceAccount", &["1*"]).restricts(CALLER_SCOPING_KEYS));
        assert!(
            !cond(
                "ArnLike",
                "aws:SourceArn",
                &["arn:aws:sns:us-east-1:*:topic"]
            )
            .restricts(CALLER_SCOPING_KEYS)
        );
        assert!(
            !cond(
                "ArnLike",
                "aws:PrincipalArn",
                &["arn:aws:iam::*:role/deploy"]
            )
            .restricts(CALLER_SCOPING_KEYS)
        );
        assert!(
            !cond("ArnLike", "aws:SourceArn", &["arn:aws:s3:::prefix-*"])
                .restricts(CALLER_SCOPING_KEYS)
        );
        assert!(
            !cond("StringLike", "aws:PrincipalOrgPaths", &["o-*/*"]).restricts(CALLER_SCOPING_KEYS)
        );
        assert!(
            !cond("Bool", "lambda:InvokedViaFunctionUrl", &["false"]).restricts(URL_SCOPING_KEYS)
        );
        assert!(
            cond("Bool", "lambda:InvokedViaFunctionUrl", &["true"]).restricts(URL_SCOPING_KEYS)
        );
        assert!(
            cond(
                "StringLike",
                "aws:PrincipalOrgPaths",
                &["o-abc123/r-ab12/*"]
            )
            .restricts(CALLER_SCOPING_KEYS)
        );
    }
}

//! Redaction at the point of collection. Environment-variable values never enter the
//! inventory: we keep what evidence and the secret detectors need (length, a short prefix,
//! entropy, which detectors matched) and drop the value itself.

use serde::{Deserialize, Serialize};

/// A value we saw but do not keep.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RedactedValue {
    /// Length in characters.
    pub length: usize,
    /// At most 4 leading characters, fewer for short values, never more than a quarter of
    /// the value; followed by `…` when anything was cut.
    pub hint: String,
    /// Shannon entropy in bits per character, rounded to two decimals.
    pub entropy_bits_per_char: f64,
    /// Names of the detectors in [`DETECTORS`] that matched the value (or its name).
    pub detectors: Vec<String>,
    /// For a value that is an AWS resource reference (an ARN, or an SQS queue URL normalised
    /// to its ARN) and matches no detector: the SHA-256 of that ARN. Least-privilege
    /// baselines hash the ARNs they already know and compare, so a function's reference to a
    /// queue or table is recognised without the value ever being stored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_ref_sha256: Option<String>,
    /// [`value_digest`] of the value: lets drift detection tell whether a deployed value
    /// differs from the declared one without either being stored. Absent in snapshots
    /// written before it existed (then value changes are "not evaluated").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_digest: Option<String>,
}

/// One environment variable of a function or version: the name verbatim, the value redacted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnvVar {
    pub name: String,
    pub value: RedactedValue,
}

impl RedactedValue {
    /// Redacts `value`, the value of a variable called `name` (the name feeds the detectors
    /// that look for `PASSWORD=`-style naming).
    pub fn new(name: &str, value: &str) -> Self {
        let chars: Vec<char> = value.chars().collect();
        let shown = (chars.len() / 4).min(4);
        let mut hint: String = chars[..shown].iter().collect();
        if shown < chars.len() {
            hint.push('…');
        }
        let entropy = shannon_entropy(&chars);
        let detectors = matching_detectors(name, value, entropy);
        let resource_ref_sha256 = if detectors.is_empty() {
            resource_reference(value).map(|arn| sha256_hex(&arn))
        } else {
            None
        };
        RedactedValue {
            length: chars.len(),
            hint,
            entropy_bits_per_char: (entropy * 100.0).round() / 100.0,
            detectors,
            resource_ref_sha256,
            value_digest: Some(value_digest(name, value)),
        }
    }

    pub fn looks_secret(&self) -> bool {
        !self.detectors.is_empty()
    }
}

/// The ARN a value refers to: the value itself when it is an ARN, or the queue ARN of an SQS
/// queue URL (`https://sqs.REGION.amazonaws.com/ACCOUNT/NAME`).
pub fn resource_reference(value: &str) -> Option<String> {
    let v = value.trim();
    if v.starts_with("arn:") && v.split(':').count() >= 6 && !v.contains(char::is_whitespace) {
        return Some(v.to_string());
    }
    let rest = v.strip_prefix("https://sqs.")?;
    let (host, path) = rest.split_once('/')?;
    let region = host.split('.').next()?;
    let partition = if host.ends_with(".amazonaws.com.cn") {
        "aws-cn"
    } else {
        "aws"
    };
    let mut parts = path.trim_end_matches('/').split('/');
    let (account, name) = (parts.next()?, parts.next()?);
    let valid_account = account.len() == 12 && account.chars().all(|c| c.is_ascii_digit());
    (valid_account && parts.next().is_none() && !name.is_empty())
        .then(|| format!("arn:{partition}:sqs:{region}:{account}:{name}"))
}

/// A 64-bit digest of a variable's value, salted with a fixed domain string and the
/// variable's name: enough to tell two values apart, not a stored copy of the value, and
/// useless as a precomputed-table lookup across tools. Low-entropy values can still be
/// guessed by someone holding the snapshot, so snapshots stay as confidential as the
/// account's configuration.
pub fn value_digest(name: &str, value: &str) -> String {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    hasher.update(b"lambda-audit environment value v1\0");
    hasher.update(name.as_bytes());
    hasher.update([0u8]);
    hasher.update(value.as_bytes());
    hex::encode(&hasher.finalize()[..8])
}

/// Lower-case hex SHA-256, as stored in [`RedactedValue::resource_ref_sha256`].
pub fn sha256_hex(text: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(text.as_bytes()))
}

pub fn redact_env(vars: impl IntoIterator<Item = (String, String)>) -> Vec<EnvVar> {
    let mut out: Vec<EnvVar> = vars
        .into_iter()
        .map(|(name, value)| EnvVar {
            value: RedactedValue::new(&name, &value),
            name,
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

fn shannon_entropy(chars: &[char]) -> f64 {
    if chars.is_empty() {
        return 0.0;
    }
    let mut counts = std::collections::HashMap::new();
    for c in chars {
        *counts.entry(*c).or_insert(0usize) += 1;
    }
    let n = chars.len() as f64;
    counts
        .values()
        .map(|&count| {
            let p = count as f64 / n;
            -p * p.log2()
        })
        .sum()
}

/// A named test for "this looks like a credential". Value detectors match known token
/// formats; the name detector needs a secret-sounding name *and* a value that is not an
/// obvious placeholder or reference (ARNs and `{{resolve:…}}` references are not secrets).
pub struct Detector {
    pub name: &'static str,
    pub description: &'static str,
    matches: fn(name: &str, value: &str, entropy: f64) -> bool,
}

pub const DETECTORS: &[Detector] = &[
    Detector {
        name: "aws-access-key-id",
        description: "AWS access key id (AKIA or ASIA followed by 16 upper-case letters or digits)",
        matches: |_, v, _| {
            let v = v.trim();
            (v.starts_with("AKIA") || v.starts_with("ASIA"))
                && v.len() == 20
                && v.chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        },
    },
    Detector {
        name: "private-key",
        description: "PEM private key block",
        matches: |_, v, _| v.contains("-----BEGIN") && v.contains("PRIVATE KEY"),
    },
    Detector {
        name: "url-with-credentials",
        description: "URL carrying a user name and password (scheme://user:password@host)",
        matches: |_, v, _| url_has_password(v),
    },
    Detector {
        name: "connection-string-password",
        description: "key=value connection string carrying a password (Password=…, Pwd=…; ADO.NET, ODBC, JDBC properties)",
        matches: |_, v, _| connection_string_password(v),
    },
    Detector {
        name: "jwt",
        description: "JSON Web Token (three base64url segments, header starting eyJ)",
        matches: |_, v, _| {
            let parts: Vec<&str> = v.trim().split('.').collect();
            parts.len() == 3 && parts[0].starts_with("eyJ") && parts.iter().all(|p| p.len() >= 4)
        },
    },
    Detector {
        name: "vendor-token",
        description: "token of 20+ characters with a well-known vendor prefix (GitHub ghp_/gho_/ghs_/ghu_/github_pat_, Slack xoxb-/xoxp-/xoxa-/xoxr-, Stripe sk_live_/rk_live_, OpenAI sk-, Google AIza)",
        matches: |_, v, _| {
            const PREFIXES: &[&str] = &[
                "ghp_",
                "gho_",
                "ghs_",
                "ghu_",
                "github_pat_",
                "xoxb-",
                "xoxp-",
                "xoxa-",
                "xoxr-",
                "sk_live_",
                "rk_live_",
                "sk-",
                "AIza",
            ];
            let v = v.trim();
            v.len() >= 20 && PREFIXES.iter().any(|p| v.starts_with(p))
        },
    },
    Detector {
        name: "secret-name-with-value",
        description: "variable whose name contains PASSWORD, PASSWD, PWD, SECRET, TOKEN, API_KEY, APIKEY, PRIVATE_KEY, CREDENTIAL, ACCESS_KEY or AUTH_KEY, holding a literal value of 8+ characters that is not a reference or placeholder",
        matches: |name, v, _| secret_sounding_name(name) && is_literal_secret_value(v),
    },
    Detector {
        name: "high-entropy",
        description: "random-looking literal of 20+ characters with more than 4.0 bits of entropy per character (URLs are judged by url-with-credentials instead)",
        matches: |_, v, entropy| {
            v.chars().count() >= 20
                && entropy > 4.0
                && !v.contains(char::is_whitespace)
                && !v.contains("://")
                && is_literal_secret_value(v)
        },
    },
];

fn matching_detectors(name: &str, value: &str, entropy: f64) -> Vec<String> {
    DETECTORS
        .iter()
        .filter(|d| (d.matches)(name, value, entropy))
        .map(|d| d.name.to_string())
        .collect()
}

/// Names that describe a secret rather than hold one: `OAUTH_TOKEN_URL`, `SECRET_NAME`,
/// `API_KEY_HEADER`, `DB_PASSWORD_PARAM`. Value detectors still apply to them.
const METADATA_SUFFIXES: &[&str] = &[
    "_URL",
    "_URI",
    "_ENDPOINT",
    "_HOST",
    "_HEADER",
    "_NAME",
    "_ARN",
    "_ID",
    "_PATH",
    "_PARAM",
    "_PARAMETER",
    "_FILE",
    "_REGION",
    "_TTL",
    "_TIMEOUT",
    "_LENGTH",
    "_EXPIRY",
    "_ENABLED",
];

fn secret_sounding_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    if METADATA_SUFFIXES.iter().any(|s| upper.ends_with(s)) {
        return false;
    }
    const WORDS: &[&str] = &[
        "PASSWORD",
        "PASSWD",
        "PWD",
        "SECRET",
        "TOKEN",
        "API_KEY",
        "APIKEY",
        "PRIVATE_KEY",
        "CREDENTIAL",
        "ACCESS_KEY",
        "AUTH_KEY",
    ];
    WORDS.iter().any(|w| upper.contains(w))
}

/// References to a secret store, ARNs, and placeholders are how secrets *should* be passed.
fn is_literal_secret_value(value: &str) -> bool {
    let v = value.trim();
    let is_reference = v.starts_with("arn:")
        || v.starts_with("{{resolve:")
        || v.starts_with("${")
        || v.starts_with("ssm:")
        || v.starts_with("/")
        || v.starts_with("secretsmanager:");
    let is_placeholder = matches!(
        v.to_ascii_lowercase().as_str(),
        "" | "changeme" | "change-me" | "todo" | "none" | "null" | "placeholder" | "dummy"
    );
    v.chars().count() >= 8 && !is_reference && !is_placeholder
}

fn connection_string_password(value: &str) -> bool {
    value.split([';', '&', '?']).any(|pair| {
        pair.split_once('=').is_some_and(|(key, secret)| {
            matches!(
                key.trim().to_ascii_lowercase().as_str(),
                "password" | "pwd" | "passwd"
            ) && !secret.trim().is_empty()
                && !secret.trim().starts_with("${")
        })
    })
}

fn url_has_password(value: &str) -> bool {
    let Some((_, rest)) = value.split_once("://") else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    match authority.rsplit_once('@') {
        Some((userinfo, _host)) => userinfo
            .split_once(':')
            .is_some_and(|(_, password)| !password.is_empty()),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hint_never_reveals_more_than_a_quarter_or_four_chars() {
        let r = RedactedValue::new("X", "abcdefgh");
        assert_eq!(r.hint, "ab…");
        assert_eq!(r.length, 8);
        let r = RedactedValue::new("X", "abc");
        assert_eq!(r.hint, "…");
        let r = RedactedValue::new("X", &"z".repeat(64));
        assert_eq!(r.hint, "zzzz…");
        let r = RedactedValue::new("X", "");
        assert_eq!(r.hint, "");
    }

    #[test]
    fn resource_references_are_kept_only_as_hashes() {
        let arn = "arn:aws:sqs:eu-west-1:111122223333:jobs";
        let r = RedactedValue::new(
            "QUEUE",
            "https://sqs.eu-west-1.amazonaws.com/111122223333/jobs",
        );
        assert_eq!(r.resource_ref_sha256, Some(sha256_hex(arn)));
        let r = RedactedValue::new(
            "TABLE",
            "arn:aws:dynamodb:eu-west-1:111122223333:table/orders",
        );
        assert!(r.resource_ref_sha256.is_some());
        let json = serde_json::to_string(&r).unwrap_or_default();
        assert!(!json.contains("orders"), "{json}");
        assert_eq!(
            RedactedValue::new("LOG_LEVEL", "info").resource_ref_sha256,
            None
        );
        // A credential that happens to look like a reference is never hashed.
        let r = RedactedValue::new("DB_PASSWORD", "arn:aws:secret-but-really:x:y:z");
        assert!(r.resource_ref_sha256.is_none() || r.detectors.is_empty());
    }

    #[test]
    fn detectors_find_credentials_and_ignore_references() {
        let names = |n: &str, v: &str| RedactedValue::new(n, v).detectors;
        assert!(names("KEY", "AKIAIOSFODNN7EXAMPLE").contains(&"aws-access-key-id".to_string()));
        assert!(
            names("DB_PASSWORD", "hunter2hunter2").contains(&"secret-name-with-value".to_string())
        );
        assert!(names("DB_PASSWORD", "arn:aws:secretsmanager:us-east-1:1:secret:x").is_empty());
        assert!(
            names("DATABASE_URL", "postgres://app:s3cr3t@db:5432/x")
                .contains(&"url-with-credentials".to_string())
        );
        assert!(names("DATABASE_URL", "postgres://db:5432/x").is_empty());
        assert!(
            names(
                "CONN",
                "Server=db;Database=x;User Id=app;Password=Pa55word!;"
            )
            .contains(&"connection-string-password".to_string())
        );
        assert!(
            names("JDBC", "jdbc:mysql://db/x?user=app&password=s3cr3t")
                .contains(&"connection-string-password".to_string())
        );
        assert!(names("CONN", "Server=db;Database=x;Integrated Security=true").is_empty());
        assert!(names("LOG_LEVEL", "info").is_empty());
        assert!(names("OAUTH_TOKEN_URL", "https://auth.example.com/oauth2/token").is_empty());
        assert!(names("SECRET_NAME", "prod/db/password").is_empty());
        assert!(names("API_KEY_HEADER", "x-api-key").is_empty());
        assert!(names("SEED", "q8Zr2LmX9vKp4TnW7bYc1HdF").contains(&"high-entropy".to_string()));
    }
}

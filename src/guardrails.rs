//! The guardrails file (`lambda-audit.toml`): a security team's risk appetite, stated once —
//! severity overrides, disabled checks, thresholds and allow-lists. Checks read it through
//! [`crate::checks::CheckContext`]; without a file every default below applies.
//!
//! The file is found in the current directory or given with `audit --config FILE`. Every
//! mistake in it is an error naming the file, the line and the key: a typo must never
//! silently turn a guardrail off.

use crate::findings::Severity;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// The name looked for in the current directory when `--config` is not given.
pub const FILE_NAME: &str = "lambda-audit.toml";

#[derive(Debug, Clone, PartialEq)]
pub struct Guardrails {
    /// Check id → severity every finding of that check gets.
    pub severity_overrides: BTreeMap<String, Severity>,
    /// Check ids not run at all.
    pub disabled_checks: BTreeSet<String>,
    /// A runtime deprecating within this many days of the audit date is reported.
    pub runtime_warning_days: u32,
    /// The longest timeout the team accepts for a function with a given kind of trigger.
    pub max_timeout_seconds: TimeoutLimits,
    /// Tags every function must carry.
    pub required_tags: Vec<String>,
    /// Accounts (besides the audited one) trusted to invoke functions.
    pub allowed_invoker_accounts: BTreeSet<String>,
    /// Accounts whose layers may be used, in addition to the AWS-published layer accounts.
    pub allowed_layer_accounts: BTreeSet<String>,
    /// Findings the security team has accepted, each with its reason, owner and expiry.
    pub suppressions: Vec<Suppression>,
    /// Checks a resource's owner may accept with the `lambda-audit:accept` tag.
    pub accept_by_tag: BTreeSet<String>,
    /// Tag keys that name a function's owner, tried in order (default `owner`, then `team`).
    pub owner_tags: Vec<String>,
}

/// One `[[suppress]]` entry: findings of `check` on resources matching `resource` are
/// accepted until `expires` (inclusive), for `reason`, by `owner`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Suppression {
    pub check: String,
    /// An ARN glob (`*` any run of characters, `?` one).
    pub resource: String,
    pub reason: String,
    pub owner: String,
    /// `YYYY-MM-DD`, compared with the audit date.
    pub expires: String,
    /// The entry's line in the guardrails file, for warnings.
    pub line: usize,
}

/// Per trigger kind, the maximum function timeout in seconds; `None`: no limit beyond what
/// the trigger itself imposes (LA202 judges those on its own).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TimeoutLimits {
    /// Invoked through API Gateway.
    pub api: Option<u32>,
    /// Has a function URL.
    pub url: Option<u32>,
    /// Consumes an SQS queue.
    pub sqs: Option<u32>,
    /// Consumes a Kinesis, DynamoDB or Kafka stream.
    pub stream: Option<u32>,
    /// Invoked asynchronously (S3, SNS, EventBridge, ...).
    pub r#async: Option<u32>,
}

impl Default for Guardrails {
    fn default() -> Self {
        Guardrails {
            severity_overrides: BTreeMap::new(),
            disabled_checks: BTreeSet::new(),
            runtime_warning_days: 90,
            max_timeout_seconds: TimeoutLimits::default(),
            required_tags: Vec::new(),
            allowed_invoker_accounts: BTreeSet::new(),
            allowed_layer_accounts: BTreeSet::new(),
            suppressions: Vec::new(),
            accept_by_tag: BTreeSet::new(),
            owner_tags: vec!["owner".to_string(), "team".to_string()],
        }
    }
}

/// Why a guardrails file could not be used. Every variant names the file; those about its
/// content also name the line (1-based) and, where there is one, the key.
#[derive(Debug, thiserror::Error)]
pub enum GuardrailsError {
    #[error("cannot read the guardrails file {}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Not TOML, an unknown key, or a value of the wrong type. `key` is the dotted key
    /// written on (or, inside a multi-line array, above) that line, when there is one.
    #[error("{}:{line}: {}{message}", path.display(), key.as_ref().map(|k| format!("`{k}`: ")).unwrap_or_default())]
    Syntax {
        path: PathBuf,
        line: usize,
        key: Option<String>,
        message: String,
    },
    /// Well-formed TOML whose value makes no sense (unknown check id, bad severity word,
    /// malformed account id, negative number of days).
    #[error("{}:{line}: `{key}`: {message}", path.display())]
    Invalid {
        path: PathBuf,
        line: usize,
        key: String,
        message: String,
    },
}

impl GuardrailsError {
    /// The 1-based line the error is about, when it is about the file's content.
    pub fn line(&self) -> Option<usize> {
        match self {
            GuardrailsError::Read { .. } => None,
            GuardrailsError::Syntax { line, .. } | GuardrailsError::Invalid { line, .. } => {
                Some(*line)
            }
        }
    }
}

// The file as written. `Spanned` keeps each value's byte range so a semantic error can
// point at its line.

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileDoc {
    #[serde(default)]
    checks: ChecksSection,
    #[serde(default)]
    thresholds: ThresholdsSection,
    #[serde(default)]
    allow: AllowSection,
    #[serde(default)]
    suppress: Vec<Spanned<SuppressEntry>>,
    #[serde(default)]
    accept: AcceptSection,
    #[serde(default)]
    owners: OwnersSection,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SuppressEntry {
    check: Spanned<String>,
    resource: Spanned<String>,
    reason: Spanned<String>,
    owner: Spanned<String>,
    expires: Spanned<toml::Value>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct AcceptSection {
    #[serde(default)]
    by_tag: Vec<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct OwnersSection {
    tags: Option<Vec<Spanned<String>>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ChecksSection {
    #[serde(default)]
    disabled: Vec<Spanned<String>>,
    #[serde(default)]
    severity: BTreeMap<Spanned<String>, Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ThresholdsSection {
    runtime_warning_days: Option<Spanned<i64>>,
    required_tags: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    max_timeout_seconds: MaxTimeoutSection,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct MaxTimeoutSection {
    api: Option<Spanned<i64>>,
    url: Option<Spanned<i64>>,
    sqs: Option<Spanned<i64>>,
    stream: Option<Spanned<i64>>,
    r#async: Option<Spanned<i64>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct AllowSection {
    #[serde(default)]
    invoker_accounts: Vec<Spanned<String>>,
    #[serde(default)]
    layer_accounts: Vec<Spanned<String>>,
}

/// 1-based line of a byte offset in `text`.
fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

impl Guardrails {
    /// Finds and loads the guardrails: `explicit` (from `--config`) must exist; otherwise
    /// `lambda-audit.toml` in `dir` is used when present, and the defaults when not.
    /// Returns the file actually read, if any.
    pub fn discover(
        explicit: Option<&Path>,
        dir: &Path,
    ) -> Result<(Guardrails, Option<PathBuf>), GuardrailsError> {
        if let Some(path) = explicit {
            return Ok((Guardrails::load(path)?, Some(path.to_path_buf())));
        }
        let candidate = dir.join(FILE_NAME);
        if candidate.is_file() {
            Ok((Guardrails::load(&candidate)?, Some(candidate)))
        } else {
            Ok((Guardrails::default(), None))
        }
    }

    /// Reads and validates one guardrails file.
    pub fn load(path: &Path) -> Result<Guardrails, GuardrailsError> {
        let text = std::fs::read_to_string(path).map_err(|source| GuardrailsError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Guardrails::parse(&text, path)
    }

    /// Parses and validates guardrails text; `path` is only used in error messages.
    pub fn parse(text: &str, path: &Path) -> Result<Guardrails, GuardrailsError> {
        let doc: FileDoc = toml::from_str(text).map_err(|err| {
            let line = err.span().map_or(1, |span| line_of(text, span.start));
            GuardrailsError::Syntax {
                path: path.to_path_buf(),
                line,
                key: key_at(text, line),
                message: err.message().trim().to_string(),
            }
        })?;
        let invalid = |span: Range<usize>, key: &str, message: String| GuardrailsError::Invalid {
            path: path.to_path_buf(),
            line: line_of(text, span.start),
            key: key.to_string(),
            message,
        };

        let mut guardrails = Guardrails::default();

        for id in &doc.checks.disabled {
            let canonical = known_check(id.get_ref())
                .ok_or_else(|| invalid(id.span(), "checks.disabled", unknown_check(id)))?;
            guardrails.disabled_checks.insert(canonical.to_string());
        }
        for (id, word) in &doc.checks.severity {
            let key = format!("checks.severity.{}", id.get_ref());
            let canonical = known_check(id.get_ref())
                .ok_or_else(|| invalid(id.span(), &key, unknown_check(id)))?;
            let severity = parse_severity(word.get_ref()).ok_or_else(|| {
                invalid(
                    word.span(),
                    &key,
                    format!(
                        "`{}` is not a severity; use one of critical, high, medium, low, info",
                        word.get_ref()
                    ),
                )
            })?;
            guardrails
                .severity_overrides
                .insert(canonical.to_string(), severity);
        }

        if let Some(days) = &doc.thresholds.runtime_warning_days {
            let key = "thresholds.runtime_warning_days";
            guardrails.runtime_warning_days = u32::try_from(*days.get_ref()).map_err(|_| {
                invalid(
                    days.span(),
                    key,
                    format!("{} is not a number of days (0 or more)", days.get_ref()),
                )
            })?;
        }
        let limits = &doc.thresholds.max_timeout_seconds;
        for (name, value, target) in [
            ("api", &limits.api, &mut guardrails.max_timeout_seconds.api),
            ("url", &limits.url, &mut guardrails.max_timeout_seconds.url),
            ("sqs", &limits.sqs, &mut guardrails.max_timeout_seconds.sqs),
            (
                "stream",
                &limits.stream,
                &mut guardrails.max_timeout_seconds.stream,
            ),
            (
                "async",
                &limits.r#async,
                &mut guardrails.max_timeout_seconds.r#async,
            ),
        ] {
            let Some(value) = value else { continue };
            let seconds = *value.get_ref();
            if !(1..=900).contains(&seconds) {
                return Err(invalid(
                    value.span(),
                    &format!("thresholds.max_timeout_seconds.{name}"),
                    format!("{seconds} is not a Lambda timeout (1 to 900 seconds)"),
                ));
            }
            *target = Some(seconds as u32);
        }
        if let Some(tags) = &doc.thresholds.required_tags {
            let mut seen = BTreeSet::new();
            for tag in tags {
                let name = tag.get_ref().trim();
                if name.is_empty() {
                    return Err(invalid(
                        tag.span(),
                        "thresholds.required_tags",
                        "a tag key cannot be empty".to_string(),
                    ));
                }
                if seen.insert(name.to_string()) {
                    guardrails.required_tags.push(name.to_string());
                }
            }
        }

        for (key, accounts, target) in [
            (
                "allow.invoker_accounts",
                &doc.allow.invoker_accounts,
                &mut guardrails.allowed_invoker_accounts,
            ),
            (
                "allow.layer_accounts",
                &doc.allow.layer_accounts,
                &mut guardrails.allowed_layer_accounts,
            ),
        ] {
            for account in accounts {
                let id = account.get_ref();
                if id.len() != 12 || !id.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(invalid(
                        account.span(),
                        key,
                        format!("`{id}` is not an AWS account id (12 digits)"),
                    ));
                }
                target.insert(id.clone());
            }
        }

        for entry in &doc.suppress {
            let line = line_of(text, entry.span().start);
            let entry = entry.get_ref();
            let check = known_check(entry.check.get_ref()).ok_or_else(|| {
                invalid(
                    entry.check.span(),
                    "suppress.check",
                    unknown_check(&entry.check),
                )
            })?;
            for (key, value) in [
                ("suppress.resource", &entry.resource),
                ("suppress.reason", &entry.reason),
                ("suppress.owner", &entry.owner),
            ] {
                if value.get_ref().trim().is_empty() {
                    return Err(invalid(value.span(), key, "must not be empty".to_string()));
                }
            }
            let expires = match entry.expires.get_ref() {
                toml::Value::String(s) => Some(s.trim().to_string()),
                toml::Value::Datetime(d) if d.time.is_none() && d.offset.is_none() => {
                    Some(d.to_string())
                }
                _ => None,
            }
            .filter(|d| is_iso_date(d))
            .ok_or_else(|| {
                invalid(
                    entry.expires.span(),
                    "suppress.expires",
                    "must be a date, YYYY-MM-DD (every suppression expires)".to_string(),
                )
            })?;
            guardrails.suppressions.push(Suppression {
                check: check.to_string(),
                resource: entry.resource.get_ref().trim().to_string(),
                reason: entry.reason.get_ref().trim().to_string(),
                owner: entry.owner.get_ref().trim().to_string(),
                expires,
                line,
            });
        }
        for id in &doc.accept.by_tag {
            let canonical = known_check(id.get_ref())
                .ok_or_else(|| invalid(id.span(), "accept.by_tag", unknown_check(id)))?;
            guardrails.accept_by_tag.insert(canonical.to_string());
        }
        if let Some(tags) = &doc.owners.tags {
            guardrails.owner_tags.clear();
            for tag in tags {
                let name = tag.get_ref().trim();
                if name.is_empty() {
                    return Err(invalid(
                        tag.span(),
                        "owners.tags",
                        "a tag key cannot be empty".to_string(),
                    ));
                }
                guardrails.owner_tags.push(name.to_string());
            }
        }

        Ok(guardrails)
    }
}

/// `YYYY-MM-DD`, a day that exists (February 29th only in leap years).
fn is_iso_date(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    let [year, month, day] = parts.as_slice() else {
        return false;
    };
    let number = |s: &str, len: usize| {
        (s.len() == len && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<u32>().ok())
            .flatten()
    };
    let (Some(year), Some(month), Some(day)) = (number(year, 4), number(month, 2), number(day, 2))
    else {
        return false;
    };
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days_in_month).contains(&day)
}

/// The dotted key a (1-based) line of the file is about: the `key = …` on that line or the
/// nearest one above it in the same table, prefixed by the table header; a header line names
/// its table. A best effort for messages only — `None` when nothing fits.
fn key_at(text: &str, line: usize) -> Option<String> {
    let lines: Vec<&str> = text.lines().collect();
    let mut key: Option<String> = None;
    for raw in lines.iter().take(line).rev() {
        let l = raw.trim();
        if l.starts_with('[') {
            let table = l
                .trim_start_matches('[')
                .split(']')
                .next()
                .unwrap_or_default()
                .trim()
                .to_string();
            return Some(match key {
                Some(k) => format!("{table}.{k}"),
                None => table,
            });
        }
        if key.is_none()
            && let Some((name, _)) = l.split_once('=')
        {
            let name = name.trim().trim_matches('"');
            if !name.is_empty() && !name.starts_with('#') {
                key = Some(name.to_string());
            }
        }
    }
    key
}

/// The registered check id `id` names (case-insensitive), if any.
fn known_check(id: &str) -> Option<&'static str> {
    crate::checks::registry()
        .iter()
        .map(|c| c.meta().id)
        .find(|known| known.eq_ignore_ascii_case(id.trim()))
}

fn unknown_check(id: &Spanned<String>) -> String {
    format!(
        "no check `{}`; `lambda-audit checks` lists them",
        id.get_ref()
    )
}

fn parse_severity(word: &str) -> Option<Severity> {
    match word.trim().to_ascii_lowercase().as_str() {
        "critical" => Some(Severity::Critical),
        "high" => Some(Severity::High),
        "medium" => Some(Severity::Medium),
        "low" => Some(Severity::Low),
        "info" => Some(Severity::Info),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_numbers_are_one_based() {
        let text = "a\nb\nc";
        assert_eq!(line_of(text, 0), 1);
        assert_eq!(line_of(text, 2), 2);
        assert_eq!(line_of(text, 4), 3);
        assert_eq!(line_of(text, 99), 3);
    }

    #[test]
    fn key_at_finds_table_and_key() {
        let text = "[thresholds]\nrequired_tags = [\n  \"a\",\n  1,\n]\n[treshold]\nx = 1\n";
        assert_eq!(key_at(text, 2).as_deref(), Some("thresholds.required_tags"));
        assert_eq!(key_at(text, 4).as_deref(), Some("thresholds.required_tags"));
        assert_eq!(key_at(text, 6).as_deref(), Some("treshold"));
        assert_eq!(key_at("a = 1", 1).as_deref(), Some("a"));
        assert_eq!(key_at("", 1), None);
    }

    #[test]
    fn empty_file_gives_the_defaults() {
        assert_eq!(
            Guardrails::parse("", Path::new("x.toml")).expect("parses"),
            Guardrails::default()
        );
    }
}

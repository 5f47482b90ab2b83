//! SARIF 2.1.0 for code scanning (GitHub code scanning, or any SARIF viewer).
//!
//! One run. `tool.driver.rules` holds every check that ran in this audit (the enabled ones;
//! drift checks only with `--declared`), with its documentation as `help`. `results` holds
//! every finding, suppressed and accepted ones included. Everything is built as plain
//! structs and serialized by serde, so every string from the account (names, tags,
//! messages) is JSON-escaped by construction.
//!
//! **Severity.** A rule's `defaultConfiguration.level` comes from the check's default
//! severity and a result's `level` from the finding's own (a check may raise or lower it
//! with the evidence, and guardrails may override it):
//!
//! | lambda-audit | SARIF `level` | `security-severity` | GitHub shows |
//! |---|---|---|---|
//! | critical | `error` | `9.5` | Critical (9.0 and above) |
//! | high | `error` | `8.0` | High (7.0 to 8.9) |
//! | medium | `warning` | `5.5` | Medium (4.0 to 6.9) |
//! | low | `note` | `3.0` | Low (0.1 to 3.9) |
//! | info | `note` | `1.0` | Low (GitHub has no lower band) |
//!
//! `security-severity` is a rule property (GitHub reads it from rules only), so it follows
//! the check's default severity; the finding's own severity is in the result's `level` and
//! `properties.severity`.
//!
//! **Locations.** GitHub rejects the whole file when a result has no location
//! (`locationFromSarifResult: expected at least one location`) or a location without a
//! `physicalLocation` (logical locations alone are refused), and it accepts only
//! repository paths as artifact URIs. So every result has exactly one location:
//!
//! - its logical location is the resource: `fullyQualifiedName` = the resource ARN,
//!   `name` = the function name, `kind` = `resource`;
//! - when infrastructure-as-code declares what the finding is about (`declared_at`, drift
//!   findings), its physical location is that file, line and column. A relative path is
//!   kept relative (forward slashes, percent-encoded, no `file://`), so code scanning
//!   resolves it against the repository root: run `lambda-audit` from the repository root
//!   with `--declared` paths relative to it. An absolute path becomes a `file://` URI;
//! - otherwise it points at [`PLACEHOLDER_URI`] (`lambda-audit.toml`, the guardrails file
//!   where such a finding would be suppressed), line 1, with an `artifactLocation`
//!   description saying the finding is about a deployed resource. The file need not
//!   exist: code scanning lists the alert without a code preview. One constant path keeps
//!   alerts stable across runs; they are told apart by `partialFingerprints`.
//!
//! **Tracking.** `partialFingerprints` carries the finding's fingerprint (SHA-256 of check
//! id, resource ARN and detail) as `lambdaAudit/v1`, so an alert survives runs and template
//! edits and two findings on one placeholder line stay two alerts.
//!
//! **Suppressed and accepted findings** carry a SARIF `suppressions` entry (`kind`
//! `external`, `status` `accepted`, the reason as `justification`), so code scanning shows
//! them as suppressed, not open. An expired suppression leaves the finding open, with the
//! record in `properties.suppression`.
//!
//! **Completeness.** `invocations[0]` has `executionSuccessful: true` (the audit ran) and a
//! `toolExecutionNotifications` entry for each gap: not-evaluated resources per check,
//! failed API calls per operation, skipped regions, unreadable declared files, guardrails
//! warnings, and — with `--baseline` — how many known findings this file leaves out (code
//! scanning would close their alerts as fixed: do not upload a baselined SARIF file).
//! `properties.complete` is false whenever a check could not see everything it needed.
//!
//! For several accounts in one repository, upload each file with its own code scanning
//! category (`upload-sarif`'s `category` input), or one upload replaces the other's alerts.

use super::Audit;
use crate::checks::{CheckMeta, registry};
use crate::findings::{Finding, FindingStatus, Severity, SuppressionRecord};
use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
use serde::Serialize;
use std::collections::BTreeMap;

pub const SARIF_VERSION: &str = "2.1.0";
/// The OASIS schema the output is validated against (`tests/fixtures/sarif/`).
pub const SARIF_SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";
/// Used when Cargo.toml names no repository.
pub const DEFAULT_INFORMATION_URI: &str = "https://github.com/lambda-audit/lambda-audit";
/// Where a finding that no file declares points (see the module documentation).
pub const PLACEHOLDER_URI: &str = "lambda-audit.toml";
/// The `partialFingerprints` key; bump the version if the fingerprint's recipe changes.
pub const FINGERPRINT_KEY: &str = "lambdaAudit/v1";
/// How many example resources a notification lists; the JSON report has them all.
const MAX_EXAMPLES: usize = 5;

#[derive(Serialize)]
pub struct SarifLog<'a> {
    #[serde(rename = "$schema")]
    pub schema: &'static str,
    pub version: &'static str,
    pub runs: Vec<Run<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Run<'a> {
    pub tool: Tool<'a>,
    pub invocations: Vec<Invocation>,
    /// Columns from the template parsers count characters, not UTF-16 code units.
    pub column_kind: &'static str,
    pub results: Vec<SarifResult<'a>>,
    pub properties: RunProperties<'a>,
}

#[derive(Serialize)]
pub struct Tool<'a> {
    pub driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Driver<'a> {
    pub name: &'static str,
    pub version: &'static str,
    pub semantic_version: &'static str,
    pub information_uri: &'static str,
    pub rules: Vec<Rule<'a>>,
    /// Descriptors of the tool execution notifications.
    pub notifications: Vec<NotificationDescriptor>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Rule<'a> {
    pub id: &'a str,
    pub name: String,
    pub short_description: Text,
    pub full_description: Text,
    pub help: Help,
    pub default_configuration: Configuration,
    pub properties: RuleProperties,
}

#[derive(Serialize)]
pub struct Text {
    pub text: String,
}

#[derive(Serialize)]
pub struct Help {
    pub text: String,
    pub markdown: String,
}

#[derive(Serialize)]
pub struct Configuration {
    pub level: &'static str,
}

#[derive(Serialize)]
pub struct RuleProperties {
    pub tags: Vec<String>,
    /// What GitHub ranks security alerts by: a CVSS-like score as a string.
    #[serde(rename = "security-severity")]
    pub security_severity: &'static str,
    /// lambda-audit's own word for the default severity.
    pub severity: Severity,
    pub references: Vec<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NotificationDescriptor {
    pub id: &'static str,
    pub short_description: Text,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SarifResult<'a> {
    pub rule_id: &'a str,
    pub rule_index: usize,
    pub level: &'static str,
    pub message: Text,
    pub locations: Vec<Location<'a>>,
    pub partial_fingerprints: BTreeMap<&'static str, &'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub suppressions: Vec<Suppression<'a>>,
    pub properties: ResultProperties<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Location<'a> {
    pub physical_location: PhysicalLocation,
    pub logical_locations: Vec<LogicalLocation<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PhysicalLocation {
    pub artifact_location: ArtifactLocation,
    pub region: Region,
}

#[derive(Serialize)]
pub struct ArtifactLocation {
    pub uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<Text>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Region {
    pub start_line: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_column: Option<u32>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LogicalLocation<'a> {
    pub name: &'a str,
    pub fully_qualified_name: &'a str,
    pub kind: &'static str,
}

#[derive(Serialize)]
pub struct Suppression<'a> {
    pub kind: &'static str,
    pub status: &'static str,
    pub justification: String,
    pub properties: &'a SuppressionRecord,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResultProperties<'a> {
    pub severity: Severity,
    pub status: FindingStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<&'a str>,
    pub account: &'a str,
    pub region: &'a str,
    pub resource_arn: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub function_name: Option<&'a str>,
    pub check_name: &'a str,
    pub title: &'a str,
    /// The finding's proof, as in the JSON report (never holds secret values).
    pub evidence: &'a serde_json::Value,
    /// The suppression or acceptance that applies, or applied until it expired.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppression: Option<&'a SuppressionRecord>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Invocation {
    pub execution_successful: bool,
    pub tool_execution_notifications: Vec<Notification>,
    pub properties: InvocationProperties,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InvocationProperties {
    /// True when every check saw everything it needed and every call succeeded.
    pub complete: bool,
    pub not_evaluated: usize,
    pub coverage_gaps: usize,
    pub skipped_regions: usize,
    pub warnings: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Notification {
    pub descriptor: DescriptorReference,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub associated_rule: Option<RuleReference>,
    pub level: &'static str,
    pub message: Text,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub locations: Vec<NotificationLocation>,
    #[serde(skip_serializing_if = "serde_json::Map::is_empty")]
    pub properties: serde_json::Map<String, serde_json::Value>,
}

#[derive(Serialize)]
pub struct DescriptorReference {
    pub id: &'static str,
}

#[derive(Serialize)]
pub struct RuleReference {
    pub id: String,
    pub index: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NotificationLocation {
    pub physical_location: PhysicalLocation,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunProperties<'a> {
    pub account: &'a str,
    pub partition: &'a str,
    pub collected_at: &'a str,
    pub regions: Vec<&'a str>,
    pub functions: usize,
}

const NOT_EVALUATED: &str = "not-evaluated";
const COVERAGE_GAP: &str = "coverage-gap";
const SKIPPED_REGION: &str = "skipped-region";
const DECLARED_ERROR: &str = "declared-error";
const GUARDRAILS_WARNING: &str = "guardrails-warning";
const BASELINE: &str = "baseline";

fn notification_descriptors() -> Vec<NotificationDescriptor> {
    [
        (
            NOT_EVALUATED,
            "A check could not judge some resources: not checked, not passed.",
        ),
        (
            COVERAGE_GAP,
            "AWS API calls failed, so part of the account was not collected.",
        ),
        (SKIPPED_REGION, "A region asked for was not audited."),
        (
            DECLARED_ERROR,
            "An infrastructure-as-code file given with --declared could not be read.",
        ),
        (
            GUARDRAILS_WARNING,
            "The guardrails file has a suppression or acceptance that did not apply.",
        ),
        (
            BASELINE,
            "Findings already in the baseline are left out of this file.",
        ),
    ]
    .into_iter()
    .map(|(id, text)| NotificationDescriptor {
        id,
        short_description: Text {
            text: text.to_string(),
        },
    })
    .collect()
}

/// SARIF `level` for a severity.
pub fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// GitHub's `security-severity` score for a severity (see the module documentation).
pub fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "1.0",
    }
}

/// `public-resource-policy` → `PublicResourcePolicy`.
pub fn pascal_case(kebab: &str) -> String {
    kebab
        .split(['-', '_'])
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

fn information_uri() -> &'static str {
    match env!("CARGO_PKG_REPOSITORY") {
        "" => DEFAULT_INFORMATION_URI,
        repository => repository,
    }
}

/// The first paragraph of a check's documentation, after its `# ID: name` heading.
fn first_paragraph(doc: &str) -> Option<String> {
    let lines: Vec<&str> = doc
        .lines()
        .map(str::trim)
        .skip_while(|l| l.is_empty() || l.starts_with('#'))
        .take_while(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    (!lines.is_empty()).then(|| lines.join(" "))
}

fn rule_for(meta: &'static CheckMeta) -> Rule<'static> {
    let mut tags = vec!["security".to_string()];
    if let Ok(serde_json::Value::String(family)) = serde_json::to_value(meta.family) {
        tags.push(family);
    }
    Rule {
        id: meta.id,
        name: pascal_case(meta.name),
        short_description: Text {
            text: meta.summary.to_string(),
        },
        full_description: Text {
            text: first_paragraph(meta.doc).unwrap_or_else(|| meta.summary.to_string()),
        },
        help: Help {
            text: format!(
                "{}. Run `lambda-audit explain {}` for what it finds, how we know, why it \
                 is a risk and how to fix it.",
                meta.summary.trim_end_matches('.'),
                meta.id
            ),
            markdown: meta.doc.to_string(),
        },
        default_configuration: Configuration {
            level: level(meta.severity),
        },
        properties: RuleProperties {
            tags,
            security_severity: security_severity(meta.severity),
            severity: meta.severity,
            references: meta.references.to_vec(),
        },
    }
}

/// A rule for a finding whose check is not in the registry (hand-built results).
fn rule_for_unknown<'a>(finding: &'a Finding) -> Rule<'a> {
    Rule {
        id: &finding.check_id,
        name: pascal_case(&finding.check_name),
        short_description: Text {
            text: finding.check_name.clone(),
        },
        full_description: Text {
            text: finding.check_name.clone(),
        },
        help: Help {
            text: finding.check_name.clone(),
            markdown: finding.check_name.clone(),
        },
        default_configuration: Configuration {
            level: level(finding.severity),
        },
        properties: RuleProperties {
            tags: vec!["security".to_string()],
            security_severity: security_severity(finding.severity),
            severity: finding.severity,
            references: Vec::new(),
        },
    }
}

/// Characters a URI path cannot hold as they are.
const PATH: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'[')
    .add(b'\\')
    .add(b']')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');
/// In a relative reference a `:` could be read as a scheme separator.
const RELATIVE_PATH: &AsciiSet = &PATH.add(b':');

/// The `artifactLocation.uri` for a file path as the user gave it: relative paths stay
/// relative (forward slashes, percent-encoded), absolute ones become `file://` URIs.
pub fn artifact_uri(file: &str) -> String {
    let path = file.replace('\\', "/");
    let bytes = path.as_bytes();
    let windows_drive =
        bytes.len() >= 3 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' && bytes[2] == b'/';
    if path.starts_with("//") {
        // A UNC path: //server/share/file.
        format!("file:{}", utf8_percent_encode(&path, PATH))
    } else if path.starts_with('/') {
        format!("file://{}", utf8_percent_encode(&path, PATH))
    } else if windows_drive {
        format!("file:///{}", utf8_percent_encode(&path, PATH))
    } else {
        let mut relative = path.as_str();
        while let Some(rest) = relative.strip_prefix("./") {
            relative = rest.trim_start_matches('/');
        }
        utf8_percent_encode(relative, RELATIVE_PATH).to_string()
    }
}

fn physical_location(at: &crate::declared::Location) -> PhysicalLocation {
    PhysicalLocation {
        artifact_location: ArtifactLocation {
            uri: artifact_uri(&at.file),
            description: None,
        },
        region: Region {
            start_line: at.line.unwrap_or(1).max(1),
            start_column: at.line.and(at.column).map(|c| c.max(1)),
        },
    }
}

fn placeholder_location() -> PhysicalLocation {
    PhysicalLocation {
        artifact_location: ArtifactLocation {
            uri: PLACEHOLDER_URI.to_string(),
            description: Some(Text {
                text: "No file declares this resource: the finding is about the deployed \
                       resource named in logicalLocations."
                    .to_string(),
            }),
        },
        region: Region {
            start_line: 1,
            start_column: None,
        },
    }
}

fn message(finding: &Finding) -> String {
    let title = finding.title.trim_end();
    let message = finding.message.trim();
    if message.is_empty() {
        title.to_string()
    } else if title.ends_with(['.', '!', '?', ':']) {
        format!("{title} {message}")
    } else {
        format!("{title}. {message}")
    }
}

fn suppressions(finding: &Finding) -> Vec<Suppression<'_>> {
    let Some(record) = finding.suppression.as_ref() else {
        return Vec::new();
    };
    if finding.status == FindingStatus::Open {
        // Expired: the record stays in properties, the finding is open again.
        return Vec::new();
    }
    let mut justification = record.reason.clone();
    let by = match finding.status {
        FindingStatus::Accepted => "accepted by the owner",
        _ => "suppressed",
    };
    let mut details = vec![by.to_string()];
    if let Some(owner) = &record.owner {
        details.push(format!("owner {owner}"));
    }
    if let Some(expires) = &record.expires {
        details.push(format!("until {expires}"));
    }
    justification.push_str(&format!(" ({})", details.join(", ")));
    vec![Suppression {
        kind: "external",
        status: "accepted",
        justification,
        properties: record,
    }]
}

fn result<'a>(finding: &'a Finding, rule_index: usize) -> SarifResult<'a> {
    let physical_location = finding
        .declared_at
        .as_ref()
        .map(physical_location)
        .unwrap_or_else(placeholder_location);
    SarifResult {
        rule_id: &finding.check_id,
        rule_index,
        level: level(finding.severity),
        message: Text {
            text: message(finding),
        },
        locations: vec![Location {
            physical_location,
            logical_locations: vec![LogicalLocation {
                name: finding
                    .function_name
                    .as_deref()
                    .unwrap_or(&finding.resource_arn),
                fully_qualified_name: &finding.resource_arn,
                kind: "resource",
            }],
        }],
        partial_fingerprints: BTreeMap::from([(FINGERPRINT_KEY, finding.fingerprint.as_str())]),
        suppressions: suppressions(finding),
        properties: ResultProperties {
            severity: finding.severity,
            status: finding.status,
            owner: finding.owner.as_deref(),
            account: &finding.account,
            region: &finding.region,
            resource_arn: &finding.resource_arn,
            function_name: finding.function_name.as_deref(),
            check_name: &finding.check_name,
            title: &finding.title,
            evidence: &finding.evidence,
            suppression: finding.suppression.as_ref(),
        },
    }
}

fn notification(
    descriptor: &'static str,
    level: &'static str,
    text: String,
    properties: serde_json::Value,
) -> Notification {
    Notification {
        descriptor: DescriptorReference { id: descriptor },
        associated_rule: None,
        level,
        message: Text { text },
        locations: Vec::new(),
        properties: match properties {
            serde_json::Value::Object(map) => map,
            _ => serde_json::Map::new(),
        },
    }
}

fn notifications(audit: &Audit<'_>, rule_index: &BTreeMap<&str, usize>) -> Vec<Notification> {
    let inventory = audit.inventory;
    let results = audit.results;
    let mut out = Vec::new();

    let mut not_evaluated: BTreeMap<&str, Vec<&crate::findings::NotEvaluated>> = BTreeMap::new();
    for entry in &results.not_evaluated {
        not_evaluated
            .entry(&entry.check_id)
            .or_default()
            .push(entry);
    }
    for (check_id, entries) in &not_evaluated {
        let first = entries[0];
        let mut n = notification(
            NOT_EVALUATED,
            "warning",
            format!(
                "{check_id}: {} resource(s) not evaluated (not checked, not passed), e.g. {} \
                 in {}: {}",
                entries.len(),
                first.resource,
                first.region,
                first.reason
            ),
            serde_json::json!({
                "count": entries.len(),
                "examples": entries
                    .iter()
                    .take(MAX_EXAMPLES)
                    .map(|e| serde_json::json!({
                        "region": e.region, "resource": e.resource, "reason": e.reason
                    }))
                    .collect::<Vec<_>>(),
            }),
        );
        n.associated_rule = rule_index.get(check_id).map(|&index| RuleReference {
            id: check_id.to_string(),
            index,
        });
        out.push(n);
    }

    let mut gaps: BTreeMap<(&str, String), Vec<&crate::inventory::CoverageGap>> = BTreeMap::new();
    for gap in &inventory.coverage_gaps {
        gaps.entry((&gap.failure.operation, gap.failure.kind.to_string()))
            .or_default()
            .push(gap);
    }
    for ((operation, kind), entries) in &gaps {
        let first = entries[0];
        out.push(notification(
            COVERAGE_GAP,
            "warning",
            format!(
                "{operation} failed {} time(s): {kind} ({}: {})",
                entries.len(),
                first.failure.code,
                first.failure.message
            ),
            serde_json::json!({
                "operation": operation,
                "kind": first.failure.kind,
                "count": entries.len(),
                "examples": entries
                    .iter()
                    .take(MAX_EXAMPLES)
                    .map(|g| serde_json::json!({
                        "region": g.region, "resource": g.resource,
                        "code": g.failure.code, "message": g.failure.message
                    }))
                    .collect::<Vec<_>>(),
            }),
        ));
    }

    for skipped in &inventory.skipped_regions {
        out.push(notification(
            SKIPPED_REGION,
            "warning",
            format!("Region {} not audited: {}", skipped.region, skipped.reason),
            serde_json::json!({"region": skipped.region}),
        ));
    }

    if let Some(declared) = audit.declared {
        for error in &declared.errors {
            let mut n = notification(
                DECLARED_ERROR,
                "error",
                format!("Could not read {}: {}", error.location, error.message),
                serde_json::Value::Null,
            );
            n.locations = vec![NotificationLocation {
                physical_location: physical_location(&error.location),
            }];
            out.push(n);
        }
    }

    for warning in &results.warnings {
        out.push(notification(
            GUARDRAILS_WARNING,
            "warning",
            warning.clone(),
            serde_json::Value::Null,
        ));
    }

    if let Some(baseline) = audit.baseline
        && baseline.unchanged > 0
    {
        out.push(notification(
            BASELINE,
            "warning",
            format!(
                "{} finding(s) already in the baseline from {} are left out of this file; \
                 code scanning would close their alerts as fixed.",
                baseline.unchanged, baseline.baseline_collected_at
            ),
            serde_json::json!({"unchanged": baseline.unchanged, "new": baseline.new}),
        ));
    }
    out
}

pub fn build<'a>(audit: &Audit<'a>) -> SarifLog<'a> {
    let inventory = audit.inventory;
    let results = audit.results;

    // Rules: the checks that ran, in registry order; then any check a finding names that
    // did not (hand-built results), so every result has its rule.
    let mut rules: Vec<Rule<'a>> = Vec::new();
    let mut rule_index: BTreeMap<&'a str, usize> = BTreeMap::new();
    let ran: std::collections::BTreeSet<&str> = results
        .per_check
        .iter()
        .map(|c| c.check_id.as_str())
        .collect();
    for check in registry() {
        let meta = check.meta();
        if ran.contains(meta.id) {
            rule_index.insert(meta.id, rules.len());
            rules.push(rule_for(meta));
        }
    }
    for finding in &results.findings {
        if rule_index.contains_key(finding.check_id.as_str()) {
            continue;
        }
        let rule = match crate::checks::find(&finding.check_id) {
            Some(check) if check.meta().id == finding.check_id => rule_for(check.meta()),
            _ => rule_for_unknown(finding),
        };
        rule_index.insert(&finding.check_id, rules.len());
        rules.push(rule);
    }

    let sarif_results = results
        .findings
        .iter()
        .map(|f| result(f, rule_index[f.check_id.as_str()]))
        .collect();

    let tool_execution_notifications = notifications(audit, &rule_index);
    SarifLog {
        schema: SARIF_SCHEMA,
        version: SARIF_VERSION,
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: "lambda-audit",
                    version: env!("CARGO_PKG_VERSION"),
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    information_uri: information_uri(),
                    rules,
                    notifications: notification_descriptors(),
                },
            },
            invocations: vec![Invocation {
                execution_successful: true,
                tool_execution_notifications,
                properties: InvocationProperties {
                    complete: inventory.coverage_gaps.is_empty()
                        && results.not_evaluated.is_empty(),
                    not_evaluated: results.not_evaluated.len(),
                    coverage_gaps: inventory.coverage_gaps.len(),
                    skipped_regions: inventory.skipped_regions.len(),
                    warnings: results.warnings.len(),
                },
            }],
            column_kind: "unicodeCodePoints",
            results: sarif_results,
            properties: RunProperties {
                account: &inventory.account.account_id,
                partition: &inventory.account.partition,
                collected_at: &inventory.collected_at,
                regions: inventory
                    .regions
                    .iter()
                    .map(|r| r.region.as_str())
                    .collect(),
                functions: inventory.functions().count(),
            },
        }],
    }
}

pub fn render(audit: &Audit<'_>) -> String {
    // Serializing plain data structures cannot fail; fall back to a valid, empty log with
    // the error as a notification rather than panicking if it ever did.
    serde_json::to_string_pretty(&build(audit)).unwrap_or_else(|e| {
        serde_json::json!({
            "$schema": SARIF_SCHEMA,
            "version": SARIF_VERSION,
            "runs": [{
                "tool": {"driver": {"name": "lambda-audit", "version": env!("CARGO_PKG_VERSION")}},
                "invocations": [{
                    "executionSuccessful": false,
                    "toolExecutionNotifications": [{
                        "level": "error",
                        "message": {"text": format!("cannot serialize the SARIF log: {e}")}
                    }]
                }],
                "results": []
            }]
        })
        .to_string()
    }) + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_stay_relative_and_absolute_ones_become_file_uris() {
        assert_eq!(artifact_uri("template.yaml"), "template.yaml");
        assert_eq!(artifact_uri("./infra/template.yaml"), "infra/template.yaml");
        assert_eq!(
            artifact_uri("infra\\my stack\\t#1.yaml"),
            "infra/my%20stack/t%231.yaml"
        );
        assert_eq!(artifact_uri("a:b/t.yaml"), "a%3Ab/t.yaml");
        assert_eq!(artifact_uri("/srv/repo/t.yaml"), "file:///srv/repo/t.yaml");
        assert_eq!(artifact_uri("C:\\repo\\t.yaml"), "file:///C:/repo/t.yaml");
        assert_eq!(artifact_uri("é.yaml"), "%C3%A9.yaml");
    }

    #[test]
    fn names_are_pascal_case() {
        assert_eq!(
            pascal_case("public-resource-policy"),
            "PublicResourcePolicy"
        );
        assert_eq!(pascal_case("la-1"), "La1");
    }
}

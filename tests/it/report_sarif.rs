//! The SARIF report (`--format sarif`): valid against the official OASIS SARIF 2.1.0 schema
//! (`tests/fixtures/sarif/`), within what GitHub code scanning accepts beyond the schema,
//! and stable (an `insta` snapshot of a fixed inventory).

use crate::drift_support::{FILE, declared_with, line_of};
use crate::support::*;
use lambda_audit::checks::{CheckResults, run_with_declared};
use lambda_audit::cli::ReportFormat;
use lambda_audit::declared::{DeclaredEstate, ResolveContext};
use lambda_audit::findings::{FindingStatus, Severity};
use lambda_audit::guardrails::Guardrails;
use lambda_audit::inventory::{ApiFailure, CoverageGap, FailureKind, Inventory};
use lambda_audit::report::{Audit, file_name, render, sarif};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

const SCHEMA_PATH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/sarif/sarif-schema-2.1.0.json"
);

/// Declares `api` with another runtime than the deployed python3.12: one LA503 finding
/// pointing at the `Runtime` line.
const TEMPLATE: &str = r#"AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Api:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: api
      Runtime: python3.11
      Handler: index.handler
      Role: arn:aws:iam::111122223333:role/fixture-role
      MemorySize: 1024
      Timeout: 60
      Code: {ZipFile: "x"}
"#;

/// Security accepts LA206 (tracing disabled) on the batch functions; the second entry
/// matches nothing, which the report warns about.
const GUARDRAILS: &str = r#"
[[suppress]]
check = "LA206"
resource = "arn:aws:lambda:*:111122223333:function:batch*"
reason = "batch jobs are traced by the scheduler"
owner = "security@example.com"
expires = 2099-01-01

[[suppress]]
check = "LA101"
resource = "arn:aws:lambda:*:111122223333:function:gone"
reason = "retired"
owner = "security@example.com"
expires = 2099-01-01
"#;

fn public_policy() -> Value {
    policy(json!([{
        "Sid": "public", "Effect": "Allow", "Principal": "*",
        "Action": "lambda:InvokeFunction", "Resource": "*"
    }]))
}

/// `api` (owner `team-api`, public, drifted runtime), `batch` (suppressed LA206) and
/// `locked` (policy unreadable: not evaluated, plus the failed call as a coverage gap).
fn fixture_inventory() -> Inventory {
    fixture_inventory_owned_by("team-api")
}

fn fixture_inventory_owned_by(owner: &str) -> Inventory {
    let functions = vec![
        function(
            "api",
            json!({
                "policy": public_policy(),
                "tags": {"status": "collected", "value": {"owner": owner}}
            }),
        ),
        function("batch", json!({})),
        function("locked", json!({"policy": failed("lambda:GetPolicy")})),
    ];
    let mut inv = iam_inventory(
        functions,
        json!({"roles": [iam_role("fixture-role", json!({}))]}),
    );
    inv.coverage_gaps.push(CoverageGap {
        account: "111122223333".to_string(),
        region: Some("us-east-1".to_string()),
        resource: Some(function_arn("locked")),
        failure: ApiFailure {
            operation: "lambda:GetPolicy".to_string(),
            kind: FailureKind::AccessDenied,
            code: "AccessDeniedException".to_string(),
            message: "denied".to_string(),
        },
    });
    inv
}

struct Fixture {
    inventory: Inventory,
    declared: DeclaredEstate,
    results: CheckResults,
}

fn fixture_with(inventory: Inventory, guardrails: &str) -> Fixture {
    let guardrails = Guardrails::parse(guardrails, Path::new("lambda-audit.toml"))
        .expect("the guardrails parse");
    let ctx = ResolveContext::from_inventory(&inventory, BTreeMap::new());
    let declared = declared_with(TEMPLATE, &ctx);
    let results = run_with_declared(&inventory, &guardrails, Some(&declared));
    Fixture {
        inventory,
        declared,
        results,
    }
}

fn fixture() -> Fixture {
    fixture_with(fixture_inventory(), GUARDRAILS)
}

impl Fixture {
    fn audit(&self) -> Audit<'_> {
        Audit {
            inventory: &self.inventory,
            results: &self.results,
            declared: Some(&self.declared),
            baseline: None,
        }
    }

    /// Rendered through the format dispatch, as `--format sarif` writes it.
    fn text(&self) -> String {
        render(ReportFormat::Sarif, &self.audit(), false)
    }

    fn sarif(&self) -> Value {
        serde_json::from_str(&self.text()).expect("the SARIF output is JSON")
    }
}

fn validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(SCHEMA_PATH).expect("the SARIF schema is readable");
    let schema: Value = serde_json::from_str(&text).expect("the SARIF schema is JSON");
    jsonschema::draft4::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the SARIF schema compiles")
}

/// Every way `document` breaks the SARIF 2.1.0 schema, as `path: problem`.
fn schema_errors(validator: &jsonschema::Validator, document: &Value) -> Vec<String> {
    validator
        .iter_errors(document)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

fn run0(sarif: &Value) -> &Value {
    let runs = sarif["runs"].as_array().expect("runs");
    assert_eq!(runs.len(), 1, "one run");
    &runs[0]
}

fn results(sarif: &Value) -> &Vec<Value> {
    run0(sarif)["results"].as_array().expect("results")
}

fn rules(sarif: &Value) -> &Vec<Value> {
    run0(sarif)["tool"]["driver"]["rules"]
        .as_array()
        .expect("rules")
}

#[test]
fn sarif_is_valid_against_the_oasis_schema() {
    let fx = fixture();
    let sarif = fx.sarif();
    let errors = schema_errors(&validator(), &sarif);
    assert!(errors.is_empty(), "{errors:#?}");
    assert_eq!(sarif["version"], "2.1.0");
    assert_eq!(sarif["$schema"], sarif::SARIF_SCHEMA);
    assert_eq!(file_name(ReportFormat::Sarif), "report.sarif");

    // The fixture covers what the tests below are about.
    let f = &fx.results.findings;
    let checks: BTreeSet<&str> = f.iter().map(|f| f.check_id.as_str()).collect();
    assert!(checks.len() >= 4, "{checks:?}");
    assert!(checks.contains("LA101") && checks.contains("LA503"));
    assert!(f.iter().any(|f| f.declared_at.is_some()));
    assert!(f.iter().any(|f| f.status == FindingStatus::Suppressed));
    assert!(f.iter().any(|f| f.owner.as_deref() == Some("team-api")));
    assert!(!fx.results.not_evaluated.is_empty() && !fx.results.warnings.is_empty());
}

#[test]
fn sarif_without_findings_or_declared_files_is_valid() {
    let inv = inventory(vec![]);
    let checked = run_with_declared(&inv, &Guardrails::default(), None);
    let audit = Audit {
        inventory: &inv,
        results: &checked,
        declared: None,
        baseline: None,
    };
    let sarif: Value = serde_json::from_str(&sarif::render(&audit)).expect("JSON");
    let errors = schema_errors(&validator(), &sarif);
    assert!(errors.is_empty(), "{errors:#?}");
    assert!(results(&sarif).is_empty());
    assert_eq!(
        run0(&sarif)["invocations"][0]["properties"]["complete"],
        true
    );
    // Without --declared the drift checks do not run, so they are not rules either.
    assert!(
        rules(&sarif)
            .iter()
            .all(|r| !r["id"].as_str().unwrap().starts_with("LA5"))
    );
}

#[test]
fn sarif_schema_rejects_invalid_documents() {
    let validator = validator();
    let valid = fixture().sarif();
    assert!(schema_errors(&validator, &valid).is_empty());
    type Mutation = Box<dyn Fn(&mut Value)>;
    let mutations: Vec<(&str, Mutation)> = vec![
        (
            "unknown version",
            Box::new(|s| s["version"] = json!("2.0.0")),
        ),
        (
            "no tool",
            Box::new(|s| {
                s["runs"][0].as_object_mut().unwrap().remove("tool");
            }),
        ),
        (
            "unknown top-level property",
            Box::new(|s| s["extra"] = json!(true)),
        ),
        (
            "bad level",
            Box::new(|s| s["runs"][0]["results"][0]["level"] = json!("fatal")),
        ),
        (
            "line 0",
            Box::new(|s| {
                s["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] =
                    json!(0)
            }),
        ),
        (
            "message without text",
            Box::new(|s| s["runs"][0]["results"][0]["message"] = json!({})),
        ),
        (
            "bad suppression kind",
            Box::new(|s| {
                let results = s["runs"][0]["results"].as_array_mut().unwrap();
                let suppressed = results
                    .iter_mut()
                    .find(|r| r.get("suppressions").is_some())
                    .expect("a suppressed result");
                suppressed["suppressions"][0]["kind"] = json!("ignored");
            }),
        ),
        (
            "rule without id",
            Box::new(|s| {
                s["runs"][0]["tool"]["driver"]["rules"][0]
                    .as_object_mut()
                    .unwrap()
                    .remove("id");
            }),
        ),
        (
            "executionSuccessful missing",
            Box::new(|s| {
                s["runs"][0]["invocations"][0]
                    .as_object_mut()
                    .unwrap()
                    .remove("executionSuccessful");
            }),
        ),
    ];
    for (what, mutate) in mutations {
        let mut document = valid.clone();
        mutate(&mut document);
        assert!(
            !schema_errors(&validator, &document).is_empty(),
            "the schema accepted a document with {what}"
        );
    }
}

/// What GitHub code scanning requires or relies on that the schema does not say.
#[test]
fn sarif_meets_github_code_scanning_constraints() {
    let fx = fixture();
    let sarif = fx.sarif();
    let rules = rules(&sarif);
    let results = results(&sarif);
    assert_eq!(results.len(), fx.results.findings.len());

    // Rule ids are unique; every rule has a numeric security-severity and help.
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    let unique: BTreeSet<&str> = ids.iter().copied().collect();
    assert_eq!(unique.len(), ids.len(), "duplicate rule ids in {ids:?}");
    for rule in rules {
        let score = rule["properties"]["security-severity"]
            .as_str()
            .unwrap_or_else(|| panic!("security-severity is a string in {rule}"));
        let score: f64 = score.parse().expect("security-severity is numeric");
        assert!((0.0..=10.0).contains(&score), "{score}");
        assert!(!rule["help"]["text"].as_str().unwrap().is_empty());
        assert!(
            !rule["shortDescription"]["text"]
                .as_str()
                .unwrap()
                .is_empty()
        );
        let tags = rule["properties"]["tags"].as_array().unwrap();
        assert!(tags.contains(&json!("security")), "{rule}");
    }
    // The enabled checks are the rules: every check that ran, drift included (--declared).
    let ran: Vec<&str> = fx
        .results
        .per_check
        .iter()
        .map(|c| c.check_id.as_str())
        .collect();
    assert_eq!(ids, ran);

    for (result, finding) in results.iter().zip(&fx.results.findings) {
        let rule_id = result["ruleId"].as_str().unwrap();
        assert_eq!(rule_id, finding.check_id);
        let index = result["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(rules[index]["id"], rule_id, "ruleIndex points at its rule");
        assert_eq!(result["level"], sarif::level(finding.severity));

        // At least one location, each with a physical location in the repository.
        let locations = result["locations"].as_array().expect("locations");
        assert!(!locations.is_empty(), "{result}");
        for location in locations {
            let uri = location["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap_or_else(|| panic!("a physical location in {result}"));
            assert!(!uri.is_empty() && !uri.contains("://"), "{uri}");
            assert!(!uri.contains('\\'), "{uri}");
            let line = &location["physicalLocation"]["region"]["startLine"];
            assert!(line.as_u64().is_some_and(|l| l >= 1), "{result}");
            let logical = &location["logicalLocations"][0];
            assert_eq!(logical["fullyQualifiedName"], finding.resource_arn);
            assert_eq!(logical["kind"], "resource");
        }

        // A stable fingerprint.
        assert_eq!(
            result["partialFingerprints"][sarif::FINGERPRINT_KEY],
            finding.fingerprint,
            "{result}"
        );
        assert_eq!(result["properties"]["severity"], json!(finding.severity));
        assert_eq!(result["properties"]["status"], json!(finding.status));
        assert_eq!(result["properties"]["evidence"], finding.evidence);
    }

    // GitHub's severity bands: critical ≥ 9.0, high 7.0–8.9, medium 4.0–6.9, low < 4.0.
    for (severity, low, high) in [
        (Severity::Critical, 9.0, 10.0),
        (Severity::High, 7.0, 8.9),
        (Severity::Medium, 4.0, 6.9),
        (Severity::Low, 0.1, 3.9),
        (Severity::Info, 0.1, 3.9),
    ] {
        let score: f64 = sarif::security_severity(severity).parse().unwrap();
        assert!((low..=high).contains(&score), "{severity}: {score}");
    }
}

#[test]
fn sarif_rule_carries_the_check_documentation() {
    let sarif = fixture().sarif();
    let rule = rules(&sarif)
        .iter()
        .find(|r| r["id"] == "LA101")
        .expect("LA101 is a rule");
    let meta = lambda_audit::checks::find("LA101").unwrap().meta();
    assert_eq!(rule["name"], "PublicResourcePolicy");
    assert_eq!(rule["shortDescription"]["text"], meta.summary);
    assert_eq!(rule["help"]["markdown"], meta.doc);
    for section in [
        "## What it finds",
        "## How we know",
        "## Why it is a risk",
        "## How to fix",
    ] {
        assert!(meta.doc.contains(section), "{section}");
    }
    assert!(
        rule["help"]["text"]
            .as_str()
            .unwrap()
            .contains("lambda-audit explain LA101")
    );
    assert_eq!(rule["defaultConfiguration"]["level"], "error");
    assert_eq!(rule["properties"]["security-severity"], "8.0");
    assert_eq!(rule["properties"]["tags"], json!(["security", "exposure"]));
}

#[test]
fn sarif_drift_finding_points_at_the_template_line() {
    let fx = fixture();
    let sarif = fx.sarif();
    let (i, finding) = fx
        .results
        .findings
        .iter()
        .enumerate()
        .find(|(_, f)| f.check_id == "LA503" && f.evidence["attribute"] == "runtime")
        .expect("a runtime drift finding");
    let at = finding.declared_at.as_ref().expect("declared_at");
    assert_eq!(at.file, FILE);
    assert_eq!(at.line, Some(line_of(TEMPLATE, "Runtime: python3.11")));
    let result = &results(&sarif)[i];
    assert_eq!(result["ruleId"], "LA503");
    let physical = &result["locations"][0]["physicalLocation"];
    assert_eq!(physical["artifactLocation"]["uri"], "template.yaml");
    assert_eq!(physical["region"]["startLine"], json!(at.line.unwrap()));
    assert_eq!(physical["region"]["startColumn"], json!(at.column.unwrap()));
    assert!(
        physical["artifactLocation"].get("description").is_none(),
        "a real location is no placeholder"
    );
}

#[test]
fn sarif_findings_without_a_declaration_point_at_the_placeholder() {
    let fx = fixture();
    let sarif = fx.sarif();
    let (i, _) = fx
        .results
        .findings
        .iter()
        .enumerate()
        .find(|(_, f)| f.check_id == "LA101")
        .expect("an LA101 finding");
    let location = &results(&sarif)[i]["locations"][0];
    assert_eq!(
        location["physicalLocation"]["artifactLocation"]["uri"],
        sarif::PLACEHOLDER_URI
    );
    assert_eq!(location["physicalLocation"]["region"]["startLine"], 1);
    assert_eq!(location["logicalLocations"][0]["name"], "api");
    assert_eq!(
        location["logicalLocations"][0]["fullyQualifiedName"],
        function_arn("api")
    );
    let result = &results(&sarif)[i];
    assert_eq!(result["properties"]["owner"], "team-api");
    let text = result["message"]["text"].as_str().unwrap();
    let finding = &fx.results.findings[i];
    assert!(
        text.starts_with(&finding.title) && text.contains(&finding.message),
        "{text}"
    );
}

#[test]
fn sarif_suppressed_findings_carry_suppressions() {
    let fx = fixture();
    let sarif = fx.sarif();
    let mut suppressed = 0;
    for (result, finding) in results(&sarif).iter().zip(&fx.results.findings) {
        match finding.status {
            FindingStatus::Open => assert!(result.get("suppressions").is_none(), "{result}"),
            FindingStatus::Suppressed | FindingStatus::Accepted => {
                suppressed += 1;
                let s = &result["suppressions"][0];
                assert_eq!(s["kind"], "external");
                assert_eq!(s["status"], "accepted");
                let justification = s["justification"].as_str().unwrap();
                assert!(
                    justification.contains("batch jobs are traced by the scheduler")
                        && justification.contains("security@example.com")
                        && justification.contains("2099-01-01"),
                    "{justification}"
                );
                assert_eq!(result["properties"]["status"], "suppressed");
                assert_eq!(result["properties"]["suppression"]["source"], "guardrails");
            }
        }
    }
    assert!(suppressed >= 1);
}

#[test]
fn sarif_notifications_show_an_incomplete_audit() {
    let fx = fixture();
    let sarif = fx.sarif();
    let invocation = &run0(&sarif)["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], true);
    assert_eq!(invocation["properties"]["complete"], false);
    let notes = invocation["toolExecutionNotifications"].as_array().unwrap();
    let of = |id: &str| -> Vec<&Value> {
        notes
            .iter()
            .filter(|n| n["descriptor"]["id"] == id)
            .collect()
    };
    // Not evaluated: one per check, with its count and rule.
    let not_evaluated = of("not-evaluated");
    let la101 = not_evaluated
        .iter()
        .find(|n| n["associatedRule"]["id"] == "LA101")
        .expect("LA101 not evaluated");
    let expected = fx
        .results
        .not_evaluated
        .iter()
        .filter(|n| n.check_id == "LA101")
        .count();
    assert_eq!(la101["properties"]["count"], json!(expected));
    let index = la101["associatedRule"]["index"].as_u64().unwrap() as usize;
    assert_eq!(rules(&sarif)[index]["id"], "LA101");
    let total: u64 = not_evaluated
        .iter()
        .map(|n| n["properties"]["count"].as_u64().unwrap())
        .sum();
    assert_eq!(total as usize, fx.results.not_evaluated.len());
    // The failed call, and the suppression that matched nothing.
    let gaps = of("coverage-gap");
    assert_eq!(gaps.len(), 1);
    assert!(
        gaps[0]["message"]["text"]
            .as_str()
            .unwrap()
            .contains("lambda:GetPolicy")
    );
    let warnings = of("guardrails-warning");
    assert_eq!(warnings.len(), fx.results.warnings.len());
    assert!(
        warnings
            .iter()
            .any(|w| w["message"]["text"].as_str().unwrap().contains("gone"))
    );
    // Every notification names a declared descriptor.
    let descriptors: BTreeSet<&str> = run0(&sarif)["tool"]["driver"]["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap())
        .collect();
    assert!(
        notes
            .iter()
            .all(|n| descriptors.contains(n["descriptor"]["id"].as_str().unwrap()))
    );
}

#[test]
fn sarif_text_from_the_account_is_escaped_by_serde() {
    let hostile = "team\"},{\"x\":\"</script>\n\u{1b}[31m\\";
    let fx = fixture_with(fixture_inventory_owned_by(hostile), GUARDRAILS);
    let text = fx.text();
    assert!(!text.contains('\u{1b}'), "control characters are escaped");
    let sarif: Value = serde_json::from_str(&text).expect("still JSON");
    assert!(
        results(&sarif)
            .iter()
            .any(|r| r["properties"]["owner"] == hostile)
    );
    assert!(schema_errors(&validator(), &sarif).is_empty());
}

/// The whole document for a fixed inventory. Rule help is the check's documentation,
/// compared in full above; here it is replaced by its name to keep the snapshot readable.
#[test]
fn sarif_snapshot() {
    let mut sarif = fixture().sarif();
    for rule in sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array_mut()
        .unwrap()
    {
        let id = rule["id"].as_str().unwrap().to_string();
        rule["help"]["markdown"] = json!(format!("<checks/{id}.md>"));
    }
    sarif["runs"][0]["tool"]["driver"]["version"] = json!("<version>");
    sarif["runs"][0]["tool"]["driver"]["semanticVersion"] = json!("<version>");
    insta::assert_json_snapshot!("report_sarif", sarif);
}

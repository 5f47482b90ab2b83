//! Drift fixtures: small CloudFormation/SAM templates written inline, parsed as `--declared`
//! parses them, and run with the inventories of [`crate::support`].

use lambda_audit::checks::{CheckResults, run_with_declared};
use lambda_audit::declared::{DeclaredEstate, ResolveContext, parse_text};
use lambda_audit::findings::{Finding, NotEvaluated};
use lambda_audit::guardrails::Guardrails;
use lambda_audit::inventory::Inventory;
use std::collections::BTreeMap;

pub const FILE: &str = "template.yaml";

/// `yaml` parsed as a template, which must be recognised and read without errors.
pub fn declared_with(yaml: &str, ctx: &ResolveContext) -> DeclaredEstate {
    let estate = parse_text(FILE, yaml, ctx)
        .unwrap_or_else(|e| panic!("the template parses: {e}"))
        .expect("recognised as a CloudFormation/SAM template");
    assert!(estate.errors.is_empty(), "{:?}", estate.errors);
    estate
}

/// The checks, drift included, with `yaml` read in the context the CLI derives from the
/// inventory (its account, first region and the stacks its functions' tags show).
pub fn drift(inventory: &Inventory, yaml: &str) -> CheckResults {
    drift_with_parameters(inventory, yaml, &[])
}

/// [`drift`] with `--parameter KEY=VALUE` pairs.
pub fn drift_with_parameters(
    inventory: &Inventory,
    yaml: &str,
    parameters: &[(&str, &str)],
) -> CheckResults {
    let parameters: BTreeMap<String, String> = parameters
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let ctx = ResolveContext::from_inventory(inventory, parameters);
    let estate = declared_with(yaml, &ctx);
    run_with_declared(inventory, &Guardrails::default(), Some(&estate))
}

pub fn not_evaluated<'a>(results: &'a CheckResults, check_id: &str) -> Vec<&'a NotEvaluated> {
    results
        .not_evaluated
        .iter()
        .filter(|n| n.check_id == check_id)
        .collect()
}

/// The 1-based line of the first line of `yaml` that contains `needle`.
pub fn line_of(yaml: &str, needle: &str) -> u32 {
    yaml.lines()
        .position(|l| l.contains(needle))
        .map(|i| i as u32 + 1)
        .unwrap_or_else(|| panic!("`{needle}` is not in the template"))
}

/// The line a finding points at in the template.
pub fn declared_line(finding: &Finding) -> Option<u32> {
    let at = finding.declared_at.as_ref()?;
    assert_eq!(at.file, FILE);
    at.line
}

/// The single finding of `check_id` whose evidence `key` is `value`.
pub fn finding_where<'a>(findings: &[&'a Finding], key: &str, value: &str) -> &'a Finding {
    let hits: Vec<&&Finding> = findings
        .iter()
        .filter(|f| f.evidence[key] == value)
        .collect();
    assert_eq!(
        hits.len(),
        1,
        "one finding with {key} = {value} in {findings:#?}"
    );
    hits[0]
}

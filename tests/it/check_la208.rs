//! LA208 missing-required-tags: only with required tags in the guardrails.

use crate::support::*;
use lambda_audit::checks::run_with;
use lambda_audit::guardrails::Guardrails;
use serde_json::json;

fn requiring(tags: &[&str]) -> Guardrails {
    Guardrails {
        required_tags: tags.iter().map(|t| t.to_string()).collect(),
        ..Guardrails::default()
    }
}

fn tagged(name: &str, tags: serde_json::Value) -> serde_json::Value {
    function(
        name,
        json!({"tags": {"status": "collected", "value": tags}}),
    )
}

#[test]
fn la208_flags_missing_tags_case_sensitively() {
    let inv = inventory(vec![
        tagged("partial", json!({"owner": "payments"})),
        tagged("wrong-case", json!({"Owner": "payments", "team": "x"})),
    ]);
    let r = run_with(&inv, &requiring(&["owner", "team"]));
    let f = findings_of(&r, "LA208");
    assert_eq!(f.len(), 2);
    let partial = f
        .iter()
        .find(|x| x.resource_arn == function_arn("partial"))
        .expect("partial flagged");
    assert_eq!(partial.evidence["missing"], json!(["team"]));
    let wrong = f
        .iter()
        .find(|x| x.resource_arn == function_arn("wrong-case"))
        .expect("wrong-case flagged");
    assert_eq!(wrong.evidence["missing"], json!(["owner"]));
}

#[test]
fn la208_passes_fully_tagged_function() {
    let inv = inventory(vec![tagged(
        "ok",
        json!({"owner": "a", "team": "", "extra": "z"}),
    )]);
    let r = run_with(&inv, &requiring(&["owner", "team"]));
    assert!(findings_of(&r, "LA208").is_empty());
}

#[test]
fn la208_passes_everything_when_no_tags_are_required() {
    let inv = inventory(vec![
        tagged("bare", json!({})),
        function("unknown", json!({"tags": failed("lambda:ListTags")})),
    ]);
    let r = run_with(&inv, &Guardrails::default());
    assert!(findings_of(&r, "LA208").is_empty());
    assert!(!r.not_evaluated.iter().any(|n| n.check_id == "LA208"));
    let summary = r
        .per_check
        .iter()
        .find(|c| c.check_id == "LA208")
        .expect("ran");
    assert_eq!(summary.evaluated, 0);
}

#[test]
fn la208_reports_uncollected_tags_as_not_evaluated() {
    let inv = inventory(vec![function(
        "f",
        json!({"tags": failed("lambda:ListTags")}),
    )]);
    let r = run_with(&inv, &requiring(&["owner"]));
    assert!(findings_of(&r, "LA208").is_empty());
    assert_eq!(
        r.not_evaluated
            .iter()
            .filter(|n| n.check_id == "LA208")
            .count(),
        1
    );
}

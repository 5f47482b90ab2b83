//! `docs/report-schema.json` describes the JSON report exactly: a rendered report validates
//! and a mutated one does not. The validator covers only the JSON Schema keywords the schema
//! uses and rejects any other keyword, so the schema cannot silently outgrow it.

use crate::support::*;
use lambda_audit::checks::run_all;
use lambda_audit::inventory::{ApiFailure, CoverageGap, FailureKind, Inventory, SkippedRegion};
use lambda_audit::report::{Audit, json::render};
use serde_json::{Value, json};

const SCHEMA_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/report-schema.json");

fn schema() -> Value {
    let text = std::fs::read_to_string(SCHEMA_PATH).expect("docs/report-schema.json is readable");
    serde_json::from_str(&text).expect("docs/report-schema.json is valid JSON")
}

/// Every way `value` breaks `schema`, as `path: problem`; empty when it matches.
pub(crate) fn validate(
    root: &Value,
    schema: &Value,
    value: &Value,
    path: &str,
    errors: &mut Vec<String>,
) {
    let Some(keywords) = schema.as_object() else {
        return errors.push(format!("{path}: schema is not an object: {schema}"));
    };
    for (keyword, arg) in keywords {
        match keyword.as_str() {
            "$schema" | "$id" | "$defs" | "title" | "description" | "format" => {}
            "$ref" => {
                let target = arg.as_str().and_then(|r| r.strip_prefix("#/$defs/"));
                match target.and_then(|name| root["$defs"].get(name)) {
                    Some(def) => validate(root, def, value, path, errors),
                    None => errors.push(format!("{path}: unresolvable $ref {arg}")),
                }
            }
            "anyOf" => {
                let matches_one = arg.as_array().into_iter().flatten().any(|sub| {
                    let mut sub_errors = Vec::new();
                    validate(root, sub, value, path, &mut sub_errors);
                    sub_errors.is_empty()
                });
                if !matches_one {
                    errors.push(format!("{path}: matches none of the anyOf alternatives"));
                }
            }
            "type" => {
                let allowed: Vec<&str> = match arg {
                    Value::Array(types) => types.iter().filter_map(Value::as_str).collect(),
                    other => other.as_str().into_iter().collect(),
                };
                if !allowed.iter().any(|t| has_type(value, t)) {
                    errors.push(format!("{path}: expected type {arg}, found {value}"));
                }
            }
            "enum" => {
                if !arg
                    .as_array()
                    .is_some_and(|allowed| allowed.contains(value))
                {
                    errors.push(format!("{path}: {value} is not one of {arg}"));
                }
            }
            "required" => {
                for name in arg
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                {
                    if value.as_object().is_some_and(|o| !o.contains_key(name)) {
                        errors.push(format!("{path}: missing required property `{name}`"));
                    }
                }
            }
            "properties" => {
                let (Some(object), Some(declared)) = (value.as_object(), arg.as_object()) else {
                    continue;
                };
                for (name, sub) in declared {
                    if let Some(v) = object.get(name) {
                        validate(root, sub, v, &format!("{path}.{name}"), errors);
                    }
                }
            }
            "additionalProperties" => {
                let declared = keywords.get("properties").and_then(Value::as_object);
                for (name, v) in value.as_object().into_iter().flatten() {
                    if declared.is_some_and(|d| d.contains_key(name)) {
                        continue;
                    }
                    match arg {
                        Value::Bool(true) => {}
                        Value::Bool(false) => {
                            errors.push(format!("{path}: unknown property `{name}`"))
                        }
                        sub => validate(root, sub, v, &format!("{path}.{name}"), errors),
                    }
                }
            }
            "items" => {
                for (i, item) in value.as_array().into_iter().flatten().enumerate() {
                    validate(root, arg, item, &format!("{path}[{i}]"), errors);
                }
            }
            "minimum" => {
                if let (Some(n), Some(min)) = (value.as_f64(), arg.as_f64())
                    && n < min
                {
                    errors.push(format!("{path}: {n} is below the minimum {min}"));
                }
            }
            "pattern" => {
                // Only `^[0-9a-f]{N}$` (the fingerprint) is supported.
                let len = arg.as_str().and_then(|p| p.strip_prefix("^[0-9a-f]{"));
                let Some(len) = len.and_then(|p| p.strip_suffix("}$")?.parse::<usize>().ok())
                else {
                    errors.push(format!("{path}: unsupported pattern {arg}"));
                    continue;
                };
                let hex = |b: u8| b.is_ascii_digit() || (b'a'..=b'f').contains(&b);
                if let Some(s) = value.as_str()
                    && (s.len() != len || !s.bytes().all(hex))
                {
                    errors.push(format!("{path}: {s:?} does not match {arg}"));
                }
            }
            other => errors.push(format!("{path}: unsupported schema keyword `{other}`")),
        }
    }
}

fn has_type(value: &Value, ty: &str) -> bool {
    match ty {
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "boolean" => value.is_boolean(),
        "null" => value.is_null(),
        "number" => value.is_number(),
        "integer" => value.is_i64() || value.is_u64(),
        _ => false,
    }
}

fn errors_of(report: &Value) -> Vec<String> {
    let schema = schema();
    let mut errors = Vec::new();
    validate(&schema, &schema, report, "$", &mut errors);
    errors
}

/// One LA101 finding, one "not evaluated" (a failed policy read), two coverage gaps (one
/// global, so with null region and resource), a skipped region and API call counts.
fn fixture() -> Inventory {
    let public = policy(json!([{"Sid": "open", "Effect": "Allow", "Principal": "*",
        "Action": "lambda:InvokeFunction", "Resource": "*"}]));
    let mut inv = inventory(vec![
        function("open", json!({"policy": public})),
        function("locked", json!({"policy": failed("lambda:GetPolicy")})),
    ]);
    let gap = |region: Option<&str>, resource: Option<String>, operation: &str, kind| CoverageGap {
        account: "111122223333".to_string(),
        region: region.map(str::to_string),
        resource,
        failure: ApiFailure {
            operation: operation.to_string(),
            kind,
            code: "AccessDeniedException".to_string(),
            message: "denied".to_string(),
        },
    };
    inv.coverage_gaps.push(gap(
        Some("us-east-1"),
        Some(function_arn("locked")),
        "lambda:GetPolicy",
        FailureKind::AccessDenied,
    ));
    inv.coverage_gaps.push(gap(
        None,
        None,
        "iam:ListRoles",
        FailureKind::RefusedNotReadOnly,
    ));
    inv.skipped_regions.push(SkippedRegion {
        region: "ap-east-1".to_string(),
        reason: "opt-in region not enabled".to_string(),
    });
    let calls = &mut inv.collection.attempts_by_operation;
    calls.insert("lambda:GetPolicy".to_string(), 3);
    calls.insert("lambda:ListFunctions".to_string(), 1);
    inv
}

fn rendered(inv: &Inventory) -> Value {
    let results = run_all(inv);
    let text = render(&Audit {
        inventory: inv,
        results: &results,
        declared: None,
        baseline: None,
    });
    serde_json::from_str(&text).expect("the JSON report parses")
}

#[test]
fn report_schema_accepts_rendered_reports() {
    let report = rendered(&fixture());
    // The fixture must exercise every list, or the schema of its items goes untested.
    assert_eq!(report["findings"][0]["check_id"], "LA101", "{report:#}");
    assert_eq!(
        report["not_evaluated"][0]["resource"],
        function_arn("locked")
    );
    assert_eq!(report["coverage"]["gaps"][1]["region"], Value::Null);
    assert_eq!(report["summary"]["complete"], false);
    assert!(
        !report["skipped_regions"]
            .as_array()
            .expect("array")
            .is_empty()
    );
    assert_eq!(errors_of(&report), Vec::<String>::new());

    // A clean function: its role grants exactly what its configuration needs.
    let mut clean =
        serde_json::to_value(inventory(vec![function("quiet", json!({}))])).expect("serializes");
    clean["iam"]["roles"] = json!({"status": "collected", "value": [{
        "name": "fixture-role", "arn": "arn:aws:iam::111122223333:role/fixture-role", "path": "/",
        "trust_policy": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
        "inline_policies": [{"name": "logs", "document": {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": "arn:aws:logs:us-east-1:111122223333:log-group:/aws/lambda/quiet:*"}]}}],
        "attached_managed_policies": [], "permissions_boundary_arn": null,
        "last_used": "2025-12-31T00:00:00Z", "last_used_region": "us-east-1", "tags": {},
        "unreadable_policies": []
    }]});
    let clean: Inventory = serde_json::from_value(clean).expect("valid inventory");
    let clean = rendered(&clean);
    assert_eq!(
        clean["least_privilege"][0]["status"], "analysed",
        "{clean:#}"
    );
    assert_eq!(clean["summary"]["complete"], true, "{clean:#}");
    assert_eq!(errors_of(&clean), Vec::<String>::new());
}

#[test]
fn report_schema_rejects_a_report_that_breaks_it() {
    type Mutation = fn(&mut Value);
    let cases: [(&str, Mutation); 11] = [
        ("$: unknown property `extra`", |r| r["extra"] = json!(1)),
        ("$.findings[0]: unknown property `note`", |r| {
            r["findings"][0]["note"] = json!("x")
        }),
        (
            "$.findings[0]: missing required property `fingerprint`",
            |r| {
                r["findings"][0]
                    .as_object_mut()
                    .expect("object")
                    .remove("fingerprint");
            },
        ),
        (
            "$.summary.findings_by_severity: missing required property `info`",
            |r| {
                r["summary"]["findings_by_severity"]
                    .as_object_mut()
                    .expect("object")
                    .remove("info");
            },
        ),
        ("$.summary.complete: expected type", |r| {
            r["summary"]["complete"] = json!("yes")
        }),
        ("$.not_evaluated[0].resource: expected type", |r| {
            r["not_evaluated"][0]["resource"] = Value::Null
        }),
        ("$.summary.functions: -1 is below", |r| {
            r["summary"]["functions"] = json!(-1)
        }),
        ("$.findings[0].severity: \"urgent\" is not one of", |r| {
            r["findings"][0]["severity"] = json!("urgent")
        }),
        (
            "$.coverage.gaps[0].kind: \"AccessDenied\" is not one of",
            |r| r["coverage"]["gaps"][0]["kind"] = json!("AccessDenied"),
        ),
        ("$.findings[0].fingerprint: \"ABC", |r| {
            r["findings"][0]["fingerprint"] = json!("ABCDEF0123456789abcdef0123456789")
        }),
        (
            "$.coverage.api_calls.lambda:GetPolicy: expected type",
            |r| r["coverage"]["api_calls"]["lambda:GetPolicy"] = json!("3"),
        ),
    ];
    let report = rendered(&fixture());
    for (expected, mutate) in cases {
        let mut broken = report.clone();
        mutate(&mut broken);
        let errors = errors_of(&broken);
        assert!(
            errors.iter().any(|e| e.starts_with(expected)),
            "expected an error starting with {expected:?}, got {errors:#?}"
        );
    }
}

/// Serde writes every field (None as null), so each object schema requires exactly the
/// properties it declares, forbids others and documents each one.
#[test]
fn report_schema_requires_and_documents_every_declared_property() {
    fn walk(schema: &Value, path: &str) {
        let Some(object) = schema.as_object() else {
            return;
        };
        if let Some(props) = object.get("properties").and_then(Value::as_object) {
            let mut required: Vec<&str> = object["required"]
                .as_array()
                .unwrap_or_else(|| panic!("{path} has no `required`"))
                .iter()
                .filter_map(Value::as_str)
                .collect();
            let mut declared: Vec<&str> = props.keys().map(String::as_str).collect();
            required.sort_unstable();
            declared.sort_unstable();
            assert_eq!(
                required, declared,
                "{path}: `required` differs from `properties`"
            );
            assert_eq!(
                object.get("additionalProperties"),
                Some(&json!(false)),
                "{path}"
            );
            for (name, sub) in props {
                let documented = sub.get("description").or(sub.get("$ref")).is_some();
                assert!(documented, "{path}.{name} has neither description nor $ref");
            }
        }
        for (key, sub) in object {
            match sub {
                Value::Object(children) if key == "properties" || key == "$defs" => children
                    .iter()
                    .for_each(|(k, s)| walk(s, &format!("{path}/{key}/{k}"))),
                _ => walk(sub, &format!("{path}/{key}")),
            }
        }
    }
    let schema = schema();
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    for def in ["Finding", "NotEvaluated", "CoverageGap", "CheckSummary"] {
        assert!(schema["$defs"][def].is_object(), "$defs lacks {def}");
    }
    walk(&schema, "#");
}

#[test]
fn report_schema_accepts_a_drift_report() {
    let inv = crate::support::inventory(vec![
        crate::support::function("api", json!({"timeout_seconds": 30})),
        crate::support::function("stray", json!({})),
    ]);
    let template = "Resources:\n  Api:\n    Type: AWS::Lambda::Function\n    Properties:\n      FunctionName: api\n      Runtime: python3.12\n      Handler: index.handler\n      Role: arn:aws:iam::111122223333:role/api\n      Timeout: 10\n";
    let ctx = lambda_audit::declared::ResolveContext::from_inventory(&inv, Default::default());
    let mut declared = crate::drift_support::declared_with(template, &ctx);
    declared.errors.push(lambda_audit::declared::DeclaredError {
        location: lambda_audit::declared::Location::at("broken.yaml", 3, 7),
        message: "unknown tag `!Reff`".into(),
    });
    let results =
        lambda_audit::checks::run_with_declared(&inv, &Default::default(), Some(&declared));
    let text = render(&Audit {
        inventory: &inv,
        results: &results,
        declared: Some(&declared),
        baseline: None,
    });
    let report: Value = serde_json::from_str(&text).expect("the JSON report parses");
    let drift: Vec<&Value> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| {
            f["check_id"]
                .as_str()
                .is_some_and(|id| id.starts_with("LA5"))
        })
        .collect();
    assert!(
        drift.iter().any(|f| f["declared_at"]["line"] == 9),
        "the timeout finding points at its line: {drift:#?}"
    );
    assert_eq!(report["declared"]["errors"][0]["location"]["line"], 3);
    assert_eq!(errors_of(&report), Vec::<String>::new());
}

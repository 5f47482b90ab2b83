//! LA504: environment variables added, removed or changed outside the declaration.

use super::{declaration, declared_at};
use crate::checks::{Check, CheckContext, CheckMeta, CheckOutput, Family, FindingDraft};
use crate::declared::Declared;
use crate::findings::Severity;
use serde_json::json;

pub struct EnvironmentDrift;

static META: CheckMeta = CheckMeta {
    id: "LA504",
    name: "environment-drift",
    family: Family::Drift,
    severity: Severity::Medium,
    summary: "Environment variable added, removed or changed outside the declaration (values compared by digest, never shown)",
    references: &["OWASP Serverless Top 10 A6:2017 Security Misconfiguration"],
    doc: include_str!("../../../checks/LA504.md"),
};

impl Check for EnvironmentDrift {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn run(&self, ctx: &CheckContext<'_>, out: &mut CheckOutput) {
        let Some(view) = ctx.drift() else { return };
        for (m, region, function) in view.deployed() {
            let declared = match &m.declared.environment {
                Declared::Known(vars) => vars,
                Declared::Unknown(reason) => {
                    out.not_evaluated(
                        &region.region,
                        &function.arn,
                        format!("declared environment: {reason}"),
                    );
                    continue;
                }
            };
            if let Some(error) = &function.environment_error {
                out.not_evaluated(
                    &region.region,
                    &function.arn,
                    format!("the deployed environment could not be read: {error}"),
                );
                continue;
            }
            out.evaluated();
            let at = declared_at(m.declared, "environment");
            let mut undigested: Vec<&str> = Vec::new();
            let mut report = |name: &str, change: &str, severity: Severity, message: String| {
                out.finding_at(
                    FindingDraft {
                        region: &region.region,
                        resource_arn: &function.arn,
                        function_name: Some(&function.name),
                        severity: Some(severity),
                        title: format!(
                            "Environment variable {name} {change} outside the declaration"
                        ),
                        message,
                        evidence: json!({
                            "variable": name,
                            "change": change,
                            "declaration": declaration(m.declared),
                        }),
                        detail_key: format!("{change}:{name}"),
                    },
                    Some(at),
                )
            };
            for var in &function.environment {
                match declared.get(&var.name) {
                    None => report(
                        &var.name,
                        "added",
                        Severity::Medium,
                        format!(
                            "{} has a variable {} ({} characters) that {} does not declare. Out-of-band variables change behaviour unreviewed and often carry credentials.",
                            function.name, var.name, var.value.length, at
                        ),
                    ),
                    Some(Declared::Known(value)) => {
                        let Some(deployed) = &var.value.value_digest else {
                            undigested.push(var.name.as_str());
                            continue;
                        };
                        if deployed != &value.digest(&var.name) {
                            report(
                                &var.name,
                                "changed",
                                Severity::Medium,
                                format!(
                                    "{}: the value of {} differs from the one declared at {} (compared by salted digest; neither value is shown).",
                                    function.name, var.name, at
                                ),
                            );
                        }
                    }
                    Some(Declared::Unknown(_)) => {}
                }
            }
            for name in declared.keys() {
                if !function.environment.iter().any(|v| &v.name == name) {
                    report(
                        name,
                        "removed",
                        Severity::Low,
                        format!(
                            "{} lacks the variable {name} declared at {at}; code that expects it may fall back to unsafe defaults.",
                            function.name
                        ),
                    );
                }
            }
            if !undigested.is_empty() {
                out.not_evaluated(
                    &region.region,
                    &function.arn,
                    format!(
                        "the inventory has no value digest for {} (a snapshot from before digests were recorded): value changes not compared",
                        undigested.join(", ")
                    ),
                );
            }
        }
    }
}

//! LA301: a credential stored as a plain environment variable.

use crate::checks::{Check, CheckContext, CheckMeta, CheckOutput, Family, FindingDraft};
use crate::findings::Severity;
use crate::inventory::secrets::EnvVar;
use serde_json::json;

pub struct SecretsInEnvironment;

static META: CheckMeta = CheckMeta {
    id: "LA301",
    name: "secret-in-environment",
    family: Family::Secrets,
    severity: Severity::High,
    summary: "Environment variable holds what looks like a credential",
    references: &["OWASP Serverless Top 10 A3:2017 Sensitive Data Exposure"],
    doc: include_str!("../../../checks/LA301.md"),
};

impl Check for SecretsInEnvironment {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn run(&self, ctx: &CheckContext<'_>, out: &mut CheckOutput) {
        out.each_function(ctx.inventory, |out, region, function| {
            type Target<'a> = (&'a str, Option<&'a str>, &'a [EnvVar], Option<&'a String>);
            let mut targets: Vec<Target<'_>> = vec![(
                &function.arn,
                None,
                &function.environment,
                function.environment_error.as_ref(),
            )];
            // Published versions keep the environment they were published with: a secret
            // removed from $LATEST still sits in every older version.
            targets.extend(function.versions.iter().map(|v| {
                (
                    v.arn.as_str(),
                    Some(v.version.as_str()),
                    &v.environment[..],
                    v.environment_error.as_ref(),
                )
            }));
            for (arn, version, environment, decrypt_error) in targets {
                // Lambda could not decrypt this environment: the values we saw are not all.
                if let Some(error) = decrypt_error {
                    out.not_evaluated(
                        &region.region,
                        arn,
                        format!("Lambda could not decrypt the environment: {error}"),
                    );
                    continue;
                }
                out.evaluated();
                for var in environment.iter().filter(|v| v.value.looks_secret()) {
                    let target = match version {
                        Some(v) => format!("{}:{v}", function.name),
                        None => function.name.clone(),
                    };
                    out.finding(FindingDraft {
                        region: &region.region,
                        resource_arn: arn,
                        function_name: Some(&function.name),
                        severity: None,
                        title: format!("{target}: {} looks like a credential", var.name),
                        message: format!(
                            "Environment variable {} of {target} matches {} ({} characters, starts {}). Anyone with lambda:GetFunctionConfiguration, and every log line or crash dump that prints the environment, sees it.",
                            var.name,
                            var.value.detectors.join(", "),
                            var.value.length,
                            if var.value.hint.is_empty() { "(not shown)" } else { &var.value.hint },
                        ),
                        evidence: json!({
                            "variable": var.name,
                            "version": version,
                            "redacted_value": var.value,
                            "encrypted_with_customer_key": version.is_none().then_some(function.kms_key_arn.is_some()),
                        }),
                        detail_key: var.name.clone(),
                    });
                }
            }
        });
    }
}

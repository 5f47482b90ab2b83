//! LA302: environment variables encrypted only with the AWS managed key.

use crate::checks::{Check, CheckContext, CheckMeta, CheckOutput, Family, FindingDraft};
use crate::findings::Severity;
use serde_json::json;

pub struct EnvironmentWithoutCmk;

static META: CheckMeta = CheckMeta {
    id: "LA302",
    name: "environment-without-cmk",
    family: Family::Secrets,
    severity: Severity::Low,
    summary: "Environment variables are encrypted only with the AWS managed key, not a customer managed KMS key",
    references: &[
        "OWASP Serverless Top 10 A3:2017 Sensitive Data Exposure",
        "AWS Lambda Developer Guide: Securing Lambda environment variables",
    ],
    doc: include_str!("../../../checks/LA302.md"),
};

impl Check for EnvironmentWithoutCmk {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn run(&self, ctx: &CheckContext<'_>, out: &mut CheckOutput) {
        out.each_function(ctx.inventory, |out, region, function| {
            if function.kms_key_arn.is_some() {
                out.evaluated();
                return;
            }
            // Lambda could not decrypt the environment: we cannot tell whether it has variables.
            if let Some(error) = &function.environment_error {
                out.not_evaluated(
                    &region.region,
                    &function.arn,
                    format!("Lambda could not decrypt the environment: {error}"),
                );
                return;
            }
            out.evaluated();
            if function.environment.is_empty() {
                return;
            }
            let names: Vec<&str> = function.environment.iter().map(|v| v.name.as_str()).collect();
            out.finding(FindingDraft {
                region: &region.region,
                resource_arn: &function.arn,
                function_name: Some(&function.name),
                severity: None,
                title: format!(
                    "{}: {} environment variable(s) without a customer managed key",
                    function.name,
                    names.len()
                ),
                message: format!(
                    "{} has {} environment variable(s) encrypted only with the AWS managed key aws/lambda: every principal allowed lambda:GetFunctionConfiguration reads them in clear, and no key policy or CloudTrail kms:Decrypt record narrows or shows who did.",
                    function.name,
                    names.len()
                ),
                evidence: json!({"variables": names, "kms_key_arn": null}),
                detail_key: String::new(),
            });
        });
    }
}

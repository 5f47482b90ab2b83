//! LA103: a service principal may invoke the function with no condition naming the source
//! resource or account (confused deputy).

use super::{conditions_not_restricting, display_target, each_policy, statement_key};
use crate::checks::{Check, CheckContext, CheckMeta, CheckOutput, Family, FindingDraft};
use crate::findings::Severity;
use crate::policy::condition::{CALLER_SCOPING_KEYS, first_restricting};
use crate::policy::{Effect, PrincipalSpec};
use serde_json::json;

pub struct ServiceInvokeWithoutSource;

static META: CheckMeta = CheckMeta {
    id: "LA103",
    name: "service-invoke-without-source",
    family: Family::Exposure,
    severity: Severity::Medium,
    summary: "A service principal may invoke the function without aws:SourceArn or aws:SourceAccount (confused deputy)",
    references: &[
        "AWS IAM User Guide: The confused deputy problem",
        "AWS Security Hub Lambda.1",
        "OWASP Serverless Top 10 A5:2017 Broken Access Control",
    ],
    doc: include_str!("../../../checks/LA103.md"),
};

/// Services whose resources anyone can create under a name of their choosing, with no
/// account in the ARN: any account's bucket can be the source.
const GLOBAL_NAME_SERVICES: &[&str] = &["s3.amazonaws.com"];

impl Check for ServiceInvokeWithoutSource {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn run(&self, ctx: &CheckContext<'_>, out: &mut CheckOutput) {
        out.each_function(ctx.inventory, |out, region, function| {
            each_policy(out, region, function, |out, qualified, statements| {
                for statement in statements {
                    if statement.effect != Effect::Allow
                        || !statement.covers_action("lambda:InvokeFunction")
                    {
                        continue;
                    }
                    let PrincipalSpec::Principal(principal) = &statement.principal else {
                        continue;
                    };
                    // A statement that also names everyone is LA101's.
                    if principal.is_everyone() {
                        continue;
                    }
                    let services: Vec<&str> = principal
                        .service
                        .iter()
                        .map(String::as_str)
                        .filter(|s| {
                            let s = s.to_ascii_lowercase();
                            s.ends_with(".amazonaws.com") || s.ends_with(".amazonaws.com.cn")
                        })
                        .collect();
                    if services.is_empty()
                        || first_restricting(&statement.conditions, CALLER_SCOPING_KEYS).is_some()
                    {
                        continue;
                    }
                    let global = services
                        .iter()
                        .any(|s| GLOBAL_NAME_SERVICES.iter().any(|g| s.eq_ignore_ascii_case(g)));
                    let target = display_target(function, qualified.qualifier);
                    let why = if global {
                        "S3 bucket names are global and carry no account, so a bucket in any account can send it events"
                    } else {
                        "any resource of that service, in any account, can make the service invoke it"
                    };
                    out.finding(FindingDraft {
                        region: &region.region,
                        resource_arn: qualified.arn,
                        function_name: Some(&function.name),
                        severity: Some(if global {
                            Severity::High
                        } else {
                            Severity::Medium
                        }),
                        title: format!(
                            "{target}: {} may invoke without a source condition",
                            services.join(", ")
                        ),
                        message: format!(
                            "{} of the resource policy of {target} lets {} invoke the function with no restricting aws:SourceArn or aws:SourceAccount condition; {why}.",
                            statement.label(),
                            services.join(", "),
                        ),
                        evidence: json!({
                            "qualifier": qualified.qualifier,
                            "services": services,
                            "statement": statement.raw,
                            "conditions_not_restricting": conditions_not_restricting(statement),
                        }),
                        detail_key: statement_key(statement),
                    });
                }
            });
        });
    }
}

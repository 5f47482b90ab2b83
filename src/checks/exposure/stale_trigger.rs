//! LA107: a grant to API Gateway whose source API no longer exists.

use super::{display_target, each_policy, statement_key};
use crate::checks::{Check, CheckContext, CheckMeta, CheckOutput, Family, FindingDraft};
use crate::findings::Severity;
use crate::inventory::Inventory;
use crate::policy::Effect;
use crate::policy::condition::RestrictingKeys;
use serde_json::json;

pub struct StaleTrigger;

static META: CheckMeta = CheckMeta {
    id: "LA107",
    name: "stale-trigger",
    family: Family::Exposure,
    severity: Severity::Medium,
    summary: "Resource policy grants invoke to an API Gateway API that no longer exists",
    references: &[
        "AWS Well-Architected Security Pillar SEC03-BP04: Reduce permissions continuously",
        "OWASP Serverless Top 10 A5:2017 Broken Access Control",
    ],
    doc: include_str!("../../../checks/LA107.md"),
};

const SOURCE_ARN: RestrictingKeys = RestrictingKeys(&["aws:SourceArn"]);

/// `(region, account, api_id)` of an `arn:PARTITION:execute-api:REGION:ACCOUNT:API_ID/...`
/// value whose region, account and API id are literal.
fn execute_api_source(value: &str) -> Option<(&str, &str, &str)> {
    let parts: Vec<&str> = value.splitn(6, ':').collect();
    if parts.len() < 6 || parts[0] != "arn" || parts[2] != "execute-api" {
        return None;
    }
    let api_id = parts[5].split('/').next().unwrap_or_default();
    let literal = |s: &str| !s.is_empty() && !s.contains(['*', '?', '$']);
    (literal(parts[3]) && literal(parts[4]) && literal(api_id))
        .then_some((parts[3], parts[4], api_id))
}

enum ApiKnown {
    Exists,
    Missing,
    Unknown(String),
}

fn api_exists(inventory: &Inventory, region: &str, api_id: &str) -> ApiKnown {
    let Some(r) = inventory.regions.iter().find(|r| r.region == region) else {
        return ApiKnown::Unknown(format!("region {region} was not audited"));
    };
    let (Some(rest), Some(http)) = (r.rest_apis.value(), r.http_apis.value()) else {
        let reason = r
            .rest_apis
            .unavailable_reason()
            .or_else(|| r.http_apis.unavailable_reason())
            .unwrap_or_default();
        return ApiKnown::Unknown(format!("the API list of {region} is incomplete: {reason}"));
    };
    if rest.iter().any(|a| a.id == api_id) || http.iter().any(|a| a.id == api_id) {
        ApiKnown::Exists
    } else {
        ApiKnown::Missing
    }
}

impl Check for StaleTrigger {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn run(&self, ctx: &CheckContext<'_>, out: &mut CheckOutput) {
        let inventory = ctx.inventory;
        let own = inventory.account.account_id.as_str();
        out.each_function(inventory, |out, region, function| {
            each_policy(out, region, function, |out, qualified, statements| {
                for statement in statements {
                    if statement.effect != Effect::Allow
                        || !statement.covers_action("lambda:InvokeFunction")
                    {
                        continue;
                    }
                    for condition in &statement.conditions {
                        if !condition.restricts(SOURCE_ARN) {
                            continue;
                        }
                        for value in &condition.values {
                            let Some((api_region, account, api_id)) = execute_api_source(value)
                            else {
                                continue;
                            };
                            // Another account's APIs are not ours to list (LA104 judges them).
                            if account != own {
                                continue;
                            }
                            let target = display_target(function, qualified.qualifier);
                            match api_exists(inventory, api_region, api_id) {
                                ApiKnown::Exists => {}
                                ApiKnown::Unknown(reason) => out.not_evaluated(
                                    &region.region,
                                    qualified.arn,
                                    format!("cannot tell whether API {api_id} exists: {reason}"),
                                ),
                                ApiKnown::Missing => out.finding(FindingDraft {
                                    region: &region.region,
                                    resource_arn: qualified.arn,
                                    function_name: Some(&function.name),
                                    severity: None,
                                    title: format!(
                                        "{target}: invoke grant for deleted API {api_id}"
                                    ),
                                    message: format!(
                                        "{} of the resource policy of {target} lets API Gateway invoke the function on behalf of API {api_id} in {api_region}, which is not among the account's REST, HTTP or WebSocket APIs there. The grant has outlived its purpose.",
                                        statement.label()
                                    ),
                                    evidence: json!({
                                        "qualifier": qualified.qualifier,
                                        "api_id": api_id,
                                        "api_region": api_region,
                                        "source_arn": value,
                                        "statement": statement.raw,
                                    }),
                                    detail_key: format!("{}:{api_id}", statement_key(statement)),
                                }),
                            }
                        }
                    }
                }
            });
        });
    }
}

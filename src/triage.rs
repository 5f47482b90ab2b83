//! After the checks, before rendering: who owns each finding, and whether security (a
//! `[[suppress]]` entry) or the owner (a `lambda-audit:accept` tag, for checks the
//! guardrails allow) has accepted it. Suppressed and accepted findings stay in the results,
//! marked, so every report shows them; only open ones count towards `--fail-on`.
//!
//! Dates are compared with the audit date (the inventory's `collected_at`), so a snapshot
//! gives the same answer on any day.

use crate::findings::{Finding, FindingStatus, SuppressionRecord};
use crate::guardrails::{Guardrails, Suppression};
use crate::inventory::{Function, Inventory};
use crate::policy::wildcard_match;
use std::collections::HashMap;

/// The tag an owner puts on a function to accept findings of some checks, e.g.
/// `lambda-audit:accept` = `LA205 LA206` (AWS tag values cannot hold commas; spaces, `+`
/// and `/` separate ids).
pub const ACCEPT_TAG: &str = "lambda-audit:accept";

/// Marks `findings` in place and returns warnings for the operator (suppressions that
/// matched nothing or expired, acceptance tags naming checks owners may not accept).
pub fn triage(
    inventory: &Inventory,
    guardrails: &Guardrails,
    findings: &mut [Finding],
) -> Vec<String> {
    let audit_date = inventory.collected_at.get(..10).unwrap_or_default();
    let functions: HashMap<(&str, &str), &Function> = inventory
        .functions()
        .map(|(region, f)| ((region.region.as_str(), f.name.as_str()), f))
        .collect();
    let mut used = vec![false; guardrails.suppressions.len()];
    let mut expired_used = vec![false; guardrails.suppressions.len()];
    let mut warnings = Vec::new();
    for finding in findings.iter_mut() {
        let function = finding
            .function_name
            .as_deref()
            .and_then(|name| functions.get(&(finding.region.as_str(), name)).copied());
        let tags = function.and_then(|f| f.tags.value());
        finding.owner = tags.and_then(|tags| {
            guardrails
                .owner_tags
                .iter()
                .find_map(|key| tags.get(key).filter(|v| !v.trim().is_empty()).cloned())
        });
        let applicable = guardrails.suppressions.iter().enumerate().filter(|(_, s)| {
            s.check == finding.check_id && wildcard_match(&s.resource, &finding.resource_arn)
        });
        let mut expired: Option<&Suppression> = None;
        for (i, suppression) in applicable {
            if suppression.expires.as_str() >= audit_date {
                used[i] = true;
                finding.status = FindingStatus::Suppressed;
                finding.suppression = Some(record(suppression, false));
                break;
            }
            expired_used[i] = true;
            expired.get_or_insert(suppression);
        }
        if finding.status == FindingStatus::Open {
            if let Some(suppression) = expired {
                finding.suppression = Some(record(suppression, true));
            }
            let accepted_here = tags.and_then(|t| t.get(ACCEPT_TAG)).is_some_and(|value| {
                accepted_ids(value).any(|id| id.eq_ignore_ascii_case(&finding.check_id))
            });
            if accepted_here {
                if guardrails.accept_by_tag.contains(&finding.check_id) {
                    finding.status = FindingStatus::Accepted;
                    finding.suppression = Some(SuppressionRecord {
                        source: "tag".into(),
                        reason: format!("{ACCEPT_TAG} tag on the function"),
                        owner: finding.owner.clone(),
                        expires: None,
                        expired: false,
                        line: None,
                    });
                } else {
                    warnings.push(format!(
                        "{}: the {ACCEPT_TAG} tag accepts {}, which the guardrails file does not let owners accept ([accept] by_tag); the finding stays open",
                        finding.function_name.as_deref().unwrap_or(&finding.resource_arn),
                        finding.check_id
                    ));
                }
            }
        }
    }
    for (i, suppression) in guardrails.suppressions.iter().enumerate() {
        if used[i] {
            continue;
        }
        warnings.push(if expired_used[i] {
            format!(
                "suppression at line {} ({} on {}) expired on {}; its findings are reported again",
                suppression.line, suppression.check, suppression.resource, suppression.expires
            )
        } else {
            format!(
                "suppression at line {} ({} on {}) matches no finding; remove it or fix its resource pattern",
                suppression.line, suppression.check, suppression.resource
            )
        });
    }
    warnings.sort();
    warnings.dedup();
    warnings
}

fn record(suppression: &Suppression, expired: bool) -> SuppressionRecord {
    SuppressionRecord {
        source: "guardrails".into(),
        reason: suppression.reason.clone(),
        owner: Some(suppression.owner.clone()),
        expires: Some(suppression.expires.clone()),
        expired,
        line: Some(suppression.line),
    }
}

/// Check ids in an acceptance tag value.
fn accepted_ids(value: &str) -> impl Iterator<Item = &str> {
    value
        .split(|c: char| c.is_whitespace() || matches!(c, '+' | '/' | ',' | ';'))
        .filter(|id| !id.is_empty())
}

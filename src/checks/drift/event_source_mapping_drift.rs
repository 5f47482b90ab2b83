//! LA507: event source mappings added or removed outside the declaration.

use super::declaration;
use crate::checks::{Check, CheckContext, CheckMeta, CheckOutput, Family, FindingDraft};
use crate::declared::Declared;
use crate::findings::Severity;
use serde_json::json;

pub struct EventSourceMappingDrift;

static META: CheckMeta = CheckMeta {
    id: "LA507",
    name: "event-source-mapping-drift",
    family: Family::Drift,
    severity: Severity::Medium,
    summary: "Event source mapping (queue, stream) added or removed outside the declaration",
    references: &["OWASP Serverless Top 10 A1:2017 Injection (event data injection)"],
    doc: include_str!("../../../checks/LA507.md"),
};

impl Check for EventSourceMappingDrift {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn run(&self, ctx: &CheckContext<'_>, out: &mut CheckOutput) {
        let Some(view) = ctx.drift() else { return };
        for (m, region, function) in view.deployed() {
            let Some(mappings) =
                out.seen(&region.region, &function.arn, &region.event_source_mappings)
            else {
                continue;
            };
            out.evaluated();
            let declared = m.declared;
            let qualified_prefix = format!("{}:", function.arn);
            let deployed: Vec<_> = mappings
                .iter()
                .filter(|e| {
                    e.function_arn == function.arn || e.function_arn.starts_with(&qualified_prefix)
                })
                .collect();
            // How many mappings each known source is declared with: a second mapping from
            // the same queue is as much an addition as one from a new queue.
            let mut declared_per_source: std::collections::BTreeMap<&str, usize> =
                std::collections::BTreeMap::new();
            for source in &declared.event_sources {
                if let Some(arn) = source.source_arn.known() {
                    *declared_per_source.entry(arn.as_str()).or_default() += 1;
                }
            }
            let unknown_count = declared
                .event_sources
                .iter()
                .filter(|s| matches!(s.source_arn, Declared::Unknown(_)))
                .count();
            let unmatched: Vec<_> = deployed
                .iter()
                .filter(|e| {
                    let Some(arn) = e.event_source_arn.as_deref() else {
                        return true;
                    };
                    match declared_per_source.get_mut(arn) {
                        Some(left) if *left > 0 => {
                            *left -= 1;
                            false
                        }
                        _ => true,
                    }
                })
                .collect();
            // Unresolved declared sources may stand for as many deployed mappings.
            if declared.event_sources_complete && unmatched.len() > unknown_count {
                for mapping in &unmatched {
                    let source = mapping
                        .event_source_arn
                        .clone()
                        .unwrap_or_else(|| mapping.self_managed_endpoints.join(","));
                    out.finding_at(
                        FindingDraft {
                            region: &region.region,
                            resource_arn: &function.arn,
                            function_name: Some(&function.name),
                            severity: None,
                            title: "Event source mapping was added outside the declaration".into(),
                            message: format!(
                                "{} receives events from {source} (mapping {}), which {} does not declare: whoever can write to that source now feeds this function.",
                                function.name, mapping.uuid, declared.origin.location
                            ),
                            evidence: json!({
                                "change": "added",
                                "uuid": mapping.uuid,
                                "event_source_arn": mapping.event_source_arn,
                                "state": mapping.state,
                                "declaration": declaration(declared),
                            }),
                            detail_key: format!("added:{}", mapping.uuid),
                        },
                        Some(&declared.origin.location),
                    );
                }
            }
            for source in &declared.event_sources {
                let Declared::Known(arn) = &source.source_arn else {
                    continue;
                };
                let Some(mapping) = deployed
                    .iter()
                    .find(|e| e.event_source_arn.as_deref() == Some(arn.as_str()))
                else {
                    out.finding_at(
                        FindingDraft {
                            region: &region.region,
                            resource_arn: &function.arn,
                            function_name: Some(&function.name),
                            severity: Some(Severity::Low),
                            title: "Declared event source mapping is not deployed".into(),
                            message: format!(
                                "{} is declared at {} to consume {arn}, but no such mapping is deployed: messages pile up unprocessed.",
                                function.name, source.location
                            ),
                            evidence: json!({
                                "change": "removed",
                                "event_source_arn": arn,
                                "declaration": declaration(declared),
                            }),
                            detail_key: format!("removed:{arn}"),
                        },
                        Some(&source.location),
                    );
                    continue;
                };
                // `Disabled` and `Disabling` stop delivery; every other state delivers or
                // is about to.
                let deployed_enabled =
                    !matches!(mapping.state.as_deref(), Some("Disabled" | "Disabling"));
                let (change, severity, why) = if deployed_enabled == source.enabled {
                    match (source.batch_size, mapping.batch_size) {
                        (Some(want), Some(have)) if want != have => (
                            "batch_size",
                            Severity::Info,
                            format!("its batch size is {have}, declared {want}"),
                        ),
                        _ => continue,
                    }
                } else if deployed_enabled {
                    (
                        "enabled",
                        Severity::Medium,
                        "it is enabled, declared disabled: events now reach the function"
                            .to_string(),
                    )
                } else {
                    (
                        "disabled",
                        Severity::Low,
                        "it is disabled, declared enabled: events pile up unprocessed".to_string(),
                    )
                };
                out.finding_at(
                    FindingDraft {
                        region: &region.region,
                        resource_arn: &function.arn,
                        function_name: Some(&function.name),
                        severity: Some(severity),
                        title: format!("Event source mapping from {arn} changed outside the declaration"),
                        message: format!(
                            "{}: the mapping {} from {arn} differs from its declaration at {}: {why}.",
                            function.name, mapping.uuid, source.location
                        ),
                        evidence: json!({
                            "change": change,
                            "uuid": mapping.uuid,
                            "event_source_arn": arn,
                            "state": mapping.state,
                            "batch_size": mapping.batch_size,
                            "declared_enabled": source.enabled,
                            "declared_batch_size": source.batch_size,
                            "declaration": declaration(declared),
                        }),
                        detail_key: format!("{change}:{arn}"),
                    },
                    Some(&source.location),
                );
            }
        }
    }
}

//! LA503: a deployed function whose configuration differs from its declaration.

use super::{declaration, declared_at};
use crate::checks::{Check, CheckContext, CheckMeta, CheckOutput, Family, FindingDraft};
use crate::declared::{Declared, DeclaredEstate, DeclaredFunction, DeclaredRoleRef};
use crate::drift::role_name;
use crate::findings::Severity;
use crate::inventory::Function;
use serde_json::{Value, json};

pub struct FunctionConfigurationDrift;

static META: CheckMeta = CheckMeta {
    id: "LA503",
    name: "function-configuration-drift",
    family: Family::Drift,
    severity: Severity::Medium,
    summary: "Runtime, handler, role, layers, VPC, timeout, memory or another setting differs from the declaration",
    references: &["OWASP Serverless Top 10 A6:2017 Security Misconfiguration"],
    doc: include_str!("../../../checks/LA503.md"),
};

/// One compared attribute: its name, declared and deployed values, and how much a change
/// matters.
struct Difference {
    attribute: &'static str,
    declared: Value,
    deployed: Value,
    severity: Severity,
    why: &'static str,
}

impl Check for FunctionConfigurationDrift {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn run(&self, ctx: &CheckContext<'_>, out: &mut CheckOutput) {
        let Some(view) = ctx.drift() else { return };
        for (m, region, function) in view.deployed() {
            out.evaluated();
            for d in differences(m.declared, function, view.declared) {
                out.finding_at(
                    FindingDraft {
                        region: &region.region,
                        resource_arn: &function.arn,
                        function_name: Some(&function.name),
                        severity: Some(d.severity),
                        title: format!("{} differs from the declaration", d.attribute),
                        message: format!(
                            "{}: {} is {} deployed but {} declared at {}. {}",
                            function.name,
                            d.attribute,
                            d.deployed,
                            d.declared,
                            declared_at(m.declared, d.attribute),
                            d.why
                        ),
                        evidence: json!({
                            "attribute": d.attribute,
                            "declared": d.declared,
                            "deployed": d.deployed,
                            "declaration": declaration(m.declared),
                        }),
                        detail_key: d.attribute.to_string(),
                    },
                    Some(declared_at(m.declared, d.attribute)),
                );
            }
        }
    }
}

fn differences(
    declared: &DeclaredFunction,
    deployed: &Function,
    estate: &DeclaredEstate,
) -> Vec<Difference> {
    let mut out = Vec::new();
    let mut compare = |attribute: &'static str,
                       want: Option<Value>,
                       have: Value,
                       severity: Severity,
                       why: &'static str| {
        if let Some(want) = want
            && want != have
        {
            out.push(Difference {
                attribute,
                declared: want,
                deployed: have,
                severity,
                why,
            });
        }
    };
    let known = |d: &Declared<Value>| d.known().cloned();
    let to_value = |d: Declared<Value>| known(&d);
    compare(
        "runtime",
        to_value(declared.runtime.clone().map(|r| json!(r))),
        json!(deployed.runtime),
        Severity::Medium,
        "A different runtime runs different code paths and may be out of support.",
    );
    compare(
        "handler",
        to_value(declared.handler.clone().map(|h| json!(h))),
        json!(deployed.handler),
        Severity::Medium,
        "A different handler runs a different entry point than the reviewed code declares.",
    );
    compare(
        "role",
        declared_role_name(declared, estate).map(|n| json!(n)),
        json!(role_name(&deployed.role)),
        Severity::High,
        "The function runs with permissions nobody declared or reviewed.",
    );
    let layers_added = match declared.layers.known() {
        Some(want) => deployed.layers.iter().any(|l| !want.contains(l)),
        None => false,
    };
    compare(
        "layers",
        to_value(declared.layers.clone().map(|l| json!(l))),
        json!(deployed.layers),
        if layers_added {
            Severity::High
        } else {
            Severity::Medium
        },
        "A layer is code that runs inside the function with its role; an undeclared one was never reviewed.",
    );
    let deployed_vpc = deployed
        .vpc
        .as_ref()
        .filter(|v| !v.subnet_ids.is_empty())
        .map(|v| vpc_json(&v.subnet_ids, &v.security_group_ids));
    let declared_vpc = declared.vpc.known().map(|v| {
        v.as_ref()
            .map(|v| vpc_json(&v.subnet_ids, &v.security_group_ids))
    });
    let vpc_removed = matches!(&declared_vpc, Some(Some(_))) && deployed_vpc.is_none();
    compare(
        "vpc",
        declared_vpc.map(|v| json!(v)),
        json!(deployed_vpc),
        if vpc_removed {
            Severity::High
        } else {
            Severity::Medium
        },
        "The network the function reaches, and what reaches it, is not what was declared.",
    );
    compare(
        "tracing",
        to_value(declared.tracing_mode.clone().map(|t| json!(t))),
        json!(
            deployed
                .tracing_mode
                .clone()
                .unwrap_or_else(|| "PassThrough".into())
        ),
        Severity::Low,
        "Tracing is evidence for incident response.",
    );
    if let Some(reserved) = deployed.reserved_concurrency.value() {
        compare(
            "reserved_concurrency",
            to_value(declared.reserved_concurrency.clone().map(|r| json!(r))),
            json!(reserved),
            Severity::Low,
            "Reserved concurrency bounds what a flood of invocations can cost and starve.",
        );
    }
    compare(
        "timeout",
        to_value(declared.timeout_seconds.clone().map(|t| json!(t))),
        json!(deployed.timeout_seconds),
        Severity::Low,
        "A longer timeout gives a compromised or abused invocation more time.",
    );
    compare(
        "memory",
        to_value(declared.memory_mb.clone().map(|m| json!(m))),
        json!(deployed.memory_mb),
        Severity::Info,
        "Memory changes cost and speed, not exposure.",
    );
    let mut want_arch = declared.architectures.known().cloned();
    if let Some(list) = want_arch.as_mut() {
        list.sort();
    }
    let mut have_arch = deployed.architectures.clone();
    have_arch.sort();
    if !have_arch.is_empty() {
        compare(
            "architectures",
            want_arch.map(|a| json!(a)),
            json!(have_arch),
            Severity::Info,
            "The instruction set changed; native dependencies may differ from what was tested.",
        );
    }
    out
}

/// A VPC configuration as compared: subnets and security groups, order ignored.
fn vpc_json(subnet_ids: &[String], security_group_ids: &[String]) -> Value {
    let mut subnets = subnet_ids.to_vec();
    let mut groups = security_group_ids.to_vec();
    subnets.sort();
    groups.sort();
    json!({"subnet_ids": subnets, "security_group_ids": groups})
}

/// The role name the declaration gives, when it can be known without deploying.
fn declared_role_name(declared: &DeclaredFunction, estate: &DeclaredEstate) -> Option<String> {
    match &declared.role {
        DeclaredRoleRef::Declared { key } => estate.role(key)?.name.known().cloned(),
        DeclaredRoleRef::Arn { arn } => arn.known().map(|a| role_name(a).to_string()),
        DeclaredRoleRef::Unknown { .. } => None,
    }
}

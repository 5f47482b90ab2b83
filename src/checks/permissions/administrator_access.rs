//! LA401: the function's execution role can do everything (or all but one service) on
//! every resource.

use super::role_policies::{AdminAssessment, admin_assessment, each_function_role};
use crate::checks::{Check, CheckContext, CheckMeta, CheckOutput, Family, FindingDraft};
use crate::findings::Severity;
use serde_json::json;
use std::collections::HashMap;

pub struct AdministratorAccess;

static META: CheckMeta = CheckMeta {
    id: "LA401",
    name: "administrator-access",
    family: Family::Permissions,
    severity: Severity::Critical,
    summary: "The function's execution role is an administrator: every action on every resource (or all but one service)",
    references: &[
        "AWS IAM User Guide: Security best practices in IAM (apply least-privilege permissions)",
        "AWS Lambda Developer Guide: Lambda execution role",
        "AWS Security Hub IAM.1",
        "CIS AWS Foundations Benchmark 1.16",
        "OWASP Serverless Top 10 A5:2017 Broken Access Control",
    ],
    doc: include_str!("../../../checks/LA401.md"),
};

impl Check for AdministratorAccess {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn run(&self, ctx: &CheckContext<'_>, out: &mut CheckOutput) {
        // Roles are shared by functions; the admin-equivalence test may scan the catalogue.
        let mut memo: HashMap<String, Option<AdminAssessment>> = HashMap::new();
        each_function_role(out, ctx.inventory, |out, region, function, view| {
            let Some(admin) = memo
                .entry(view.role.arn.clone())
                .or_insert_with(|| admin_assessment(view))
            else {
                return;
            };
            let how = match admin.basis {
                "administrator-access" => "the AWS managed policy AdministratorAccess grants it every action on every resource".to_string(),
                "unconditional-admin" => "an Allow statement grants it every action on every resource".to_string(),
                _ => match admin.excluded_services.first() {
                    Some(service) => format!(
                        "it may use every action of every service on every resource except some of {service}:"
                    ),
                    None => "it may use every action on every resource".to_string(),
                },
            };
            let conditional = if admin.conditional {
                " (some actions only when a condition holds)"
            } else {
                ""
            };
            out.finding(FindingDraft {
                region: &region.region,
                resource_arn: &function.arn,
                function_name: Some(&function.name),
                severity: Some(if admin.conditional {
                    Severity::High
                } else {
                    Severity::Critical
                }),
                title: format!(
                    "{}: execution role {} is an administrator",
                    function.name, view.role.name
                ),
                message: format!(
                    "Function {} runs with role {}: {how}{conditional}. Anyone who controls the function's code or input controls the account.",
                    function.name, view.role.arn
                ),
                evidence: json!({
                    "role_arn": view.role.arn,
                    "basis": admin.basis,
                    "statements": admin.statements,
                    "excluded_services": admin.excluded_services,
                    "conditional": admin.conditional,
                    "permissions_boundary_arn": view.role.permissions_boundary_arn,
                }),
                detail_key: view.role.arn.clone(),
            });
        });
    }
}

//! LA209: a VPC function attached to one subnet, so to one Availability Zone.

use crate::checks::{Check, CheckContext, CheckMeta, CheckOutput, Family, FindingDraft};
use crate::findings::Severity;
use serde_json::json;

pub struct VpcSingleSubnet;

static META: CheckMeta = CheckMeta {
    id: "LA209",
    name: "vpc-single-subnet",
    family: Family::Configuration,
    severity: Severity::Low,
    summary: "VPC function attached to a single subnet, so confined to a single Availability Zone",
    references: &[
        "AWS Security Hub [Lambda.5] VPC Lambda functions should operate in multiple Availability Zones",
        "AWS Lambda Developer Guide: Giving Lambda functions access to resources in an Amazon VPC",
    ],
    doc: include_str!("../../../checks/LA209.md"),
};

impl Check for VpcSingleSubnet {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn run(&self, ctx: &CheckContext<'_>, out: &mut CheckOutput) {
        out.each_function(ctx.inventory, |out, region, function| {
            let Some(vpc) = &function.vpc else {
                out.evaluated();
                return;
            };
            match vpc.subnet_ids.len() {
                // A subnet lives in exactly one Availability Zone: this much is certain
                // from Lambda's own configuration.
                1 => {
                    out.evaluated();
                    out.finding(FindingDraft {
                        region: &region.region,
                        resource_arn: &function.arn,
                        function_name: Some(&function.name),
                        severity: None,
                        title: format!("{}: attached to one subnet, so one Availability Zone", function.name),
                        message: format!(
                            "{} runs in VPC {} through the single subnet {}: when that Availability Zone fails or runs out of addresses, the function cannot start anywhere else.",
                            function.name,
                            vpc.vpc_id.as_deref().unwrap_or("(unknown VPC)"),
                            vpc.subnet_ids[0]
                        ),
                        evidence: json!({"vpc_id": vpc.vpc_id, "subnet_ids": vpc.subnet_ids}),
                        detail_key: String::new(),
                    });
                }
                // Several subnets pass this check, which is about the single-subnet case
                // only: whether they span zones needs ec2:DescribeSubnets (see the doc).
                _ => out.evaluated(),
            }
        });
    }
}

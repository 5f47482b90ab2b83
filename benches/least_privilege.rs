//! Effective permissions and least-privilege analysis at scale: 1,000 roles with 10
//! policies each (inline and managed), every role expanded against the action catalogue and
//! compared with its function's baseline. Run with `cargo bench --bench least_privilege`.

use criterion::{Criterion, criterion_group, criterion_main};
use lambda_audit::inventory::{Inventory, ManagedPolicy};
use lambda_audit::least_privilege::analysis::granted;
use lambda_audit::policy::catalogue::Catalogue;
use lambda_audit::policy::effective::IdentityPolicies;
use serde_json::{Value, json};
use std::hint::black_box;

const ROLES: usize = 1_000;
const ACCOUNT: &str = "111122223333";

/// Ten policy documents of the shapes real execution roles carry: scoped data access,
/// service wildcards, read-only describes, a deny, a condition.
fn documents(i: usize) -> Vec<Value> {
    let table = format!("arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/t{i}");
    vec![
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"], "Resource": format!("arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/lambda/f{i}:*")}]}),
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"], "Resource": [table.clone(), format!("{table}/index/*")]}]}),
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:Get*", "Resource": format!("arn:aws:s3:::bucket-{i}/*")}]}),
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}]}),
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["ec2:Describe*", "ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface"], "Resource": "*"}]}),
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey"], "Resource": format!("arn:aws:kms:us-east-1:{ACCOUNT}:key/{i}"), "Condition": {"StringEquals": {"kms:ViaService": "sqs.us-east-1.amazonaws.com"}}}]}),
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["sns:Publish"], "Resource": format!("arn:aws:sns:us-east-1:{ACCOUNT}:topic-{}", i % 17)}]}),
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], "Resource": "*"}]}),
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["secretsmanager:GetSecretValue"], "Resource": format!("arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:app-{i}-*")}]}),
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": ["s3:DeleteBucket", "dynamodb:DeleteTable"], "Resource": "*"}]}),
    ]
}

/// An inventory of `ROLES` functions, each with its own role: five inline policies and five
/// customer managed ones.
fn estate() -> Inventory {
    let base: Value = serde_json::from_str(include_str!("../tests/fixtures/inventory-base.json"))
        .expect("fixture");
    let function: Value =
        serde_json::from_str(include_str!("../tests/fixtures/function-base.json"))
            .expect("fixture");
    let mut inventory = base;
    let mut functions = Vec::new();
    let mut roles = Vec::new();
    let mut managed = Vec::new();
    for i in 0..ROLES {
        let mut f = function.clone();
        f["name"] = json!(format!("f{i}"));
        f["arn"] = json!(format!("arn:aws:lambda:us-east-1:{ACCOUNT}:function:f{i}"));
        f["log_group"] = json!(format!("/aws/lambda/f{i}"));
        f["role"] = json!(format!("arn:aws:iam::{ACCOUNT}:role/r{i}"));
        functions.push(f);
        let docs = documents(i);
        let inline: Vec<Value> = docs[..5]
            .iter()
            .enumerate()
            .map(|(n, d)| json!({"name": format!("p{n}"), "document": d}))
            .collect();
        let mut attached = Vec::new();
        for (n, d) in docs[5..].iter().enumerate() {
            let arn = format!("arn:aws:iam::{ACCOUNT}:policy/r{i}-m{n}");
            attached.push(json!({"name": format!("r{i}-m{n}"), "arn": arn}));
            managed.push(json!({"name": format!("r{i}-m{n}"), "arn": arn, "aws_managed": false, "default_version_id": "v1", "attachment_count": 1, "document": d}));
        }
        roles.push(json!({"name": format!("r{i}"), "arn": format!("arn:aws:iam::{ACCOUNT}:role/r{i}"), "path": "/", "trust_policy": null,
            "inline_policies": inline, "attached_managed_policies": attached, "permissions_boundary_arn": null,
            "last_used": null, "last_used_region": null, "tags": {}, "unreadable_policies": []}));
    }
    inventory["regions"][0]["functions"] = Value::Array(functions);
    inventory["iam"]["roles"] = json!({"status": "collected", "value": roles});
    inventory["iam"]["managed_policies"] = json!({"status": "collected", "value": managed});
    serde_json::from_value(inventory).expect("valid inventory")
}

fn bench(c: &mut Criterion) {
    let inventory = estate();
    let catalogue = Catalogue::global();
    let roles = inventory.iam.roles.value().expect("roles");
    let managed: &[ManagedPolicy] = inventory.iam.managed_policies.value().expect("policies");
    let mut group = c.benchmark_group("1000 roles x 10 policies");
    group.sample_size(10);
    group.bench_function("effective permissions (catalogue expansion)", |b| {
        b.iter(|| {
            for role in roles {
                let (policies, _) = IdentityPolicies::for_role(role, managed);
                black_box(granted(&policies, catalogue));
            }
        })
    });
    group.bench_function("baseline + excess + missing + suggested policy", |b| {
        b.iter(|| {
            for (region, function) in inventory.functions() {
                black_box(
                    lambda_audit::least_privilege::analyze(&inventory, region, function).ok(),
                );
            }
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

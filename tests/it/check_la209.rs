//! LA209 vpc-single-subnet.

use crate::support::*;
use serde_json::json;

fn vpc(subnets: &[&str]) -> serde_json::Value {
    json!({"vpc": {"vpc_id": "vpc-1", "subnet_ids": subnets, "security_group_ids": ["sg-1"]}})
}

#[test]
fn la209_flags_a_single_subnet() {
    let r = run(vec![function("one", vpc(&["subnet-a"]))]);
    let f = findings_of(&r, "LA209");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].evidence["subnet_ids"], json!(["subnet-a"]));
}

#[test]
fn la209_passes_functions_outside_a_vpc() {
    let r = run(vec![function("plain", json!({}))]);
    assert!(findings_of(&r, "LA209").is_empty());
    assert!(r.not_evaluated.iter().all(|n| n.check_id != "LA209"));
}

#[test]
fn la209_passes_several_subnets() {
    let r = run(vec![function("two", vpc(&["subnet-a", "subnet-b"]))]);
    assert!(findings_of(&r, "LA209").is_empty());
    assert!(r.not_evaluated.iter().all(|n| n.check_id != "LA209"));
}

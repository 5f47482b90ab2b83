//! LA410 role-unused.

use crate::support::*;
use lambda_audit::checks::{CheckResults, run_all};
use lambda_audit::inventory::Inventory;
use serde_json::{Value, json};

fn estate(role_patch: Value) -> Inventory {
    iam_inventory(
        vec![function("f", json!({}))],
        json!({"roles": [iam_role("fixture-role", role_patch)]}),
    )
}

fn of(r: &CheckResults) -> Vec<&lambda_audit::findings::Finding> {
    findings_of(r, "LA410")
}

#[test]
fn la410_flags_a_role_unused_for_more_than_90_days() {
    // The base inventory was collected on 2026-01-01.
    let r = run_all(&estate(json!({"last_used": "2025-09-01T12:30:00Z"})));
    let f = of(&r);
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0].resource_arn, function_arn("f"));
    assert_eq!(f[0].evidence["days_unused"], 121);
    assert_eq!(f[0].evidence["audit_date"], "2026-01-01");
    assert_eq!(
        f[0].evidence["role_arn"],
        "arn:aws:iam::111122223333:role/fixture-role"
    );
    assert!(f[0].message.contains("dormant"), "{}", f[0].message);
}

#[test]
fn la410_flags_a_role_without_record_of_use() {
    let r = run_all(&estate(
        json!({"last_used": null, "last_used_region": null}),
    ));
    let f = of(&r);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].evidence["days_unused"], Value::Null);
    assert!(f[0].message.contains("400 days"), "{}", f[0].message);
}

#[test]
fn la410_passes_recent_use_and_the_90_day_boundary() {
    for last_used in [
        "2025-12-31T23:59:59.123Z",
        "2025-10-03T00:00:00Z",
        "2026-02-01T00:00:00+00:00",
    ] {
        let r = run_all(&estate(json!({"last_used": last_used})));
        assert!(of(&r).is_empty(), "{last_used}: {:?}", of(&r));
        assert!(r.not_evaluated.iter().all(|n| n.check_id != "LA410"));
    }
    // One second past 90 days.
    let r = run_all(&estate(json!({"last_used": "2025-10-02T23:59:59Z"})));
    assert_eq!(of(&r).len(), 1);
}

#[test]
fn la410_passes_on_the_audit_date_of_a_snapshot_not_the_wall_clock() {
    // Used 100 days before a snapshot taken on 2025-04-11: reported; the same role judged
    // from a snapshot taken 30 days after its use is not, whatever today's date is.
    let mut inv = estate(json!({"last_used": "2025-01-01T00:00:00Z"}));
    inv.collected_at = "2025-04-11T00:00:00Z".to_string();
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("snap.json");
    lambda_audit::inventory::snapshot::write(&inv, &path).expect("written");
    let back = lambda_audit::inventory::snapshot::read(&path).expect("read back");
    let r = run_all(&back);
    assert_eq!(of(&r).len(), 1);
    assert_eq!(of(&r)[0].evidence["days_unused"], 100);
    assert_eq!(of(&r)[0].evidence["audit_date"], "2025-04-11");
    inv.collected_at = "2025-01-31T00:00:00Z".to_string();
    assert!(of(&run_all(&inv)).is_empty());
}

#[test]
fn la410_reports_not_evaluated_for_unreadable_dates_and_missing_roles() {
    let r = run_all(&estate(json!({"last_used": "last tuesday"})));
    assert!(of(&r).is_empty());
    let ne: Vec<_> = r
        .not_evaluated
        .iter()
        .filter(|n| n.check_id == "LA410")
        .collect();
    assert_eq!(ne.len(), 1);
    assert!(ne[0].reason.contains("last tuesday"));
    let mut inv = estate(json!({}));
    inv.collected_at = "yesterday".to_string();
    let r = run_all(&inv);
    assert_eq!(
        r.not_evaluated
            .iter()
            .filter(|n| n.check_id == "LA410")
            .count(),
        1
    );
    let r = run(vec![function("f", json!({}))]);
    let ne: Vec<_> = r
        .not_evaluated
        .iter()
        .filter(|n| n.check_id == "LA410")
        .collect();
    assert_eq!(ne.len(), 1);
    assert!(ne[0].reason.contains("not among the collected IAM roles"));
}

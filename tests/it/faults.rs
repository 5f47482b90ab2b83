//! Fault injection: the LocalStack estate of `localstack.rs`, collected through
//! [`crate::fault_proxy`] with AWS's failures injected. Throttling must change nothing;
//! access denied must turn into "not evaluated", never into a pass or a new finding; and
//! every request the tool sends must be a read.

use crate::fault_proxy::{Fault, FaultProxy, Rule};
use crate::localstack::{REGION, collected, options};
use lambda_audit::checks::{CheckResults, run_all};
use lambda_audit::collect;
use lambda_audit::findings::Finding;
use lambda_audit::inventory::Inventory;
use std::time::Duration;

/// The LocalStack endpoint the proxy forwards to (`host:port`).
fn upstream() -> String {
    std::env::var("AWS_ENDPOINT_URL")
        .unwrap_or_default()
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string()
}

async fn collect_through(proxy: &FaultProxy) -> Inventory {
    let mut options = options();
    options.aws.endpoint_url = Some(proxy.url.clone());
    collect::collect(&options).await.expect("collection runs")
}

/// The findings on the seeded estate, as sorted JSON lines (the estate's prefix keeps other
/// tests' resources out).
fn ours(results: &CheckResults, prefix: &str) -> Vec<String> {
    let mut lines: Vec<String> = results
        .findings
        .iter()
        .filter(|f| f.region == REGION && f.resource_arn.contains(prefix))
        .filter(|f| f.check_id != "LA409") // account-wide; see localstack.rs
        .map(|f| serde_json::to_string(f).unwrap_or_default())
        .collect();
    lines.sort();
    lines
}

fn rule(service: &'static str, operation: &'static str, fault: Fault, per_mille: u64) -> Rule {
    Rule {
        service,
        operation,
        fault: Some(fault),
        per_mille,
        latency: Duration::ZERO,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn throttling_and_latency_change_no_finding_and_every_request_is_a_read() {
    let Some((seeded, clean)) = collected().await else {
        return;
    };
    let proxy = FaultProxy::start(
        &upstream(),
        vec![
            Rule {
                latency: Duration::from_millis(20),
                ..rule("lambda", "", Fault::Throttle, 300)
            },
            rule("iam", "", Fault::Throttle, 300),
            rule("sqs", "", Fault::ServerError, 300),
            rule("apigateway", "", Fault::Drop, 300),
        ],
    )
    .await;
    let faulty = collect_through(&proxy).await;
    let seen = proxy.seen();
    let injected = seen.iter().filter(|s| s.outcome != "forwarded").count();
    eprintln!(
        "fault proxy: {} requests, {injected} faults injected",
        seen.len()
    );
    assert!(
        injected * 5 >= seen.len() / 2,
        "the proxy injected too little to prove anything: {injected} of {}",
        seen.len()
    );
    let ours_gaps: Vec<_> = faulty
        .coverage_gaps
        .iter()
        .filter(|g| {
            g.region.as_deref() != Some(REGION)
                || g.failure.operation != "apigatewayv2:GetAuthorizers"
        })
        .filter(|g| g.region.is_none() || g.region.as_deref() == Some(REGION))
        .collect();
    assert!(
        ours_gaps.is_empty(),
        "retries should absorb every fault: {ours_gaps:#?}"
    );
    assert_eq!(
        ours(&run_all(&faulty), &seeded.prefix),
        ours(&run_all(clean), &seeded.prefix),
        "throttling changed the findings"
    );
    let writes: Vec<_> = seen
        .iter()
        .filter(|s| {
            !["Get", "List", "Describe", "Generate"]
                .iter()
                .any(|p| s.operation.starts_with(p))
        })
        .collect();
    assert!(writes.is_empty(), "non-read requests: {writes:#?}");
}

/// Every finding of the faulty run is one of the clean run, and every clean finding it lacks
/// is covered by a "not evaluated" entry of its check for that resource or its function.
fn assert_only_not_evaluated_differs(
    faulty: &CheckResults,
    clean: &CheckResults,
    prefix: &str,
) -> usize {
    let clean_prints: Vec<&str> = clean
        .findings
        .iter()
        .map(|f| f.fingerprint.as_str())
        .collect();
    let extra: Vec<&Finding> = faulty
        .findings
        .iter()
        .filter(|f| f.resource_arn.contains(prefix) && f.check_id != "LA409")
        .filter(|f| !clean_prints.contains(&f.fingerprint.as_str()))
        .collect();
    assert!(
        extra.is_empty(),
        "findings that only appear under faults: {extra:#?}"
    );
    let faulty_prints: Vec<&str> = faulty
        .findings
        .iter()
        .map(|f| f.fingerprint.as_str())
        .collect();
    let mut missing = 0;
    for lost in clean
        .findings
        .iter()
        .filter(|f| f.region == REGION && f.resource_arn.contains(prefix) && f.check_id != "LA409")
        .filter(|f| !faulty_prints.contains(&f.fingerprint.as_str()))
    {
        missing += 1;
        let function_arn = lost
            .resource_arn
            .split(':')
            .take(7)
            .collect::<Vec<_>>()
            .join(":");
        let covered = faulty.not_evaluated.iter().any(|n| {
            n.check_id == lost.check_id
                && (n.resource == lost.resource_arn
                    || n.resource.starts_with(&function_arn)
                    || n.resource.starts_with("all functions")
                    || lost
                        .function_name
                        .as_deref()
                        .is_some_and(|name| n.resource.contains(name)))
        });
        assert!(
            covered,
            "{} on {} vanished without a not-evaluated entry",
            lost.check_id, lost.resource_arn
        );
    }
    missing
}

#[tokio::test(flavor = "multi_thread")]
async fn access_denied_on_get_policy_is_not_evaluated_never_a_pass() {
    let Some((seeded, clean)) = collected().await else {
        return;
    };
    let proxy = FaultProxy::start(
        &upstream(),
        vec![rule("lambda", "GetPolicy", Fault::AccessDenied, 1000)],
    )
    .await;
    let faulty = collect_through(&proxy).await;
    assert!(
        faulty
            .coverage_gaps
            .iter()
            .any(|g| g.failure.operation == "lambda:GetPolicy"
                && g.failure.code == "AccessDeniedException"),
        "the denied calls are recorded as gaps"
    );
    let faulty_results = run_all(&faulty);
    let lost = assert_only_not_evaluated_differs(&faulty_results, &run_all(clean), &seeded.prefix);
    assert!(
        lost > 0,
        "public-policy findings must be lost (and not evaluated) without GetPolicy"
    );
    for id in ["LA101", "LA103", "LA104"] {
        assert!(
            faulty_results
                .not_evaluated
                .iter()
                .any(|n| n.check_id == id && n.resource.contains(&seeded.prefix)),
            "{id} reports the functions as not evaluated"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn access_denied_on_iam_is_not_evaluated_and_exits_3_with_fail_on_gaps() {
    let Some((seeded, clean)) = collected().await else {
        return;
    };
    let proxy = FaultProxy::start(
        &upstream(),
        vec![rule("iam", "", Fault::AccessDenied, 1000)],
    )
    .await;
    let faulty = collect_through(&proxy).await;
    let faulty_results = run_all(&faulty);
    assert_only_not_evaluated_differs(&faulty_results, &run_all(clean), &seeded.prefix);
    assert!(
        faulty_results
            .not_evaluated
            .iter()
            .any(|n| n.check_id == "LA401" && n.resource.contains(&seeded.prefix)),
        "the permission checks say not evaluated"
    );
    let (code, _, stderr) = crate::localstack::run_binary(&[
        "audit",
        "--regions",
        REGION,
        "--endpoint-url",
        &proxy.url,
        "--format",
        "json",
        "--fail-on",
        "never",
        "--fail-on-gaps",
    ]);
    assert_eq!(code, 3, "incomplete audit with --fail-on-gaps: {stderr}");
}

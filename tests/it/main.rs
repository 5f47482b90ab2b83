//! One integration-test binary (link time with the AWS SDK crates matters), one module per
//! area. Check fixture tests are named `<id>_flags_…` / `<id>_passes_…`; the meta test
//! insists every check has both.

mod check_la101;
mod check_la102;
mod check_la103;
mod check_la104;
mod check_la105;
mod check_la106;
mod check_la107;
mod check_la108;
mod check_la109;
mod check_la201;
mod check_la202;
mod check_la203;
mod check_la204;
mod check_la205;
mod check_la206;
mod check_la207;
mod check_la208;
mod check_la209;
mod check_la301;
mod check_la302;
mod check_la401;
mod check_la402;
mod check_la403;
mod check_la404;
mod check_la405;
mod check_la407;
mod check_la408;
mod check_la409;
mod check_la410;
mod collector_mocks;
mod declared_serverless;
mod declared_terraform;
mod fuzz_regressions;
mod guardrails;
mod least_privilege;
mod localstack;
mod meta;
mod policy_engine;
mod report_schema;
mod support;

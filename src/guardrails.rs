//! The guardrails file (`lambda-audit.toml`): a security team's risk appetite, stated once —
//! severity overrides, disabled checks, thresholds and allow-lists. Checks read it through
//! [`crate::checks::CheckContext`]; without a file every default below applies.

use crate::findings::Severity;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, PartialEq)]
pub struct Guardrails {
    /// Check id → severity every finding of that check gets.
    pub severity_overrides: BTreeMap<String, Severity>,
    /// Check ids not run at all.
    pub disabled_checks: BTreeSet<String>,
    /// A runtime deprecating within this many days of the audit date is reported.
    pub runtime_warning_days: u32,
    /// Tags every function must carry.
    pub required_tags: Vec<String>,
    /// Accounts (besides the audited one) trusted to invoke functions.
    pub allowed_invoker_accounts: BTreeSet<String>,
    /// Accounts whose layers may be used, in addition to the AWS-published layer accounts.
    pub allowed_layer_accounts: BTreeSet<String>,
}

impl Default for Guardrails {
    fn default() -> Self {
        Guardrails {
            severity_overrides: BTreeMap::new(),
            disabled_checks: BTreeSet::new(),
            runtime_warning_days: 90,
            required_tags: Vec::new(),
            allowed_invoker_accounts: BTreeSet::new(),
            allowed_layer_accounts: BTreeSet::new(),
        }
    }
}

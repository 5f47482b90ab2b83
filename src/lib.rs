//! lambda-audit: audits a live AWS account's Lambda estate through the provider's APIs.
//!
//! Data flows one way: [`collect`] fills an [`inventory::Inventory`]; [`checks`] run over it
//! purely and produce [`findings`]; [`report`] renders them.

pub mod accounts;
pub mod baseline;
pub mod checks;
pub mod cli;
pub mod collect;
pub mod declared;
pub mod drift;
pub mod findings;
pub mod guardrails;
pub mod inventory;
pub mod least_privilege;
pub mod policy;
pub mod report;
pub mod triage;

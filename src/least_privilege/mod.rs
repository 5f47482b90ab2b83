//! Least privilege without CloudTrail: what each function needs (its baseline, derived from
//! configuration), what its role grants, and the difference both ways.

pub mod analysis;
pub mod baseline;

pub use analysis::{LeastPrivilege, analyze};

//! Permissions: what a function's execution role lets its code do.

pub mod administrator_access;
pub mod data_exfiltration_on_star;
pub(crate) mod data_read_actions;
pub(crate) mod escalation_paths;
pub mod privilege_escalation_path;
pub(crate) mod role_policies;
pub mod service_wide_or_write_on_star;

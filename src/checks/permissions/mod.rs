//! Permissions: what a function's execution role lets its code do.

pub mod administrator_access;
pub mod data_exfiltration_on_star;
pub(crate) mod data_read_actions;
pub(crate) mod escalation_paths;
pub mod excess_permissions;
pub(crate) mod function_roles;
pub mod missing_permissions;
pub mod others_can_modify_function;
pub mod permissive_trust_policy;
pub mod privilege_escalation_path;
pub(crate) mod role_policies;
pub mod role_unused;
pub mod service_wide_or_write_on_star;
pub mod shared_execution_role;

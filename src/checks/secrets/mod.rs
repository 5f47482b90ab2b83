//! Secrets and data: credentials stored where they leak.

pub mod environment_without_cmk;
pub mod secrets_in_environment;

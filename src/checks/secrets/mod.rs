//! Secrets and data: credentials stored where they leak.

pub mod secrets_in_environment;

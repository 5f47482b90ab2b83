//! Drift: what is deployed versus what infrastructure-as-code declares (`--declared`).
//! Each check compares one aspect of the matches in [`crate::drift::DriftView`]; none runs
//! without declarations.

pub mod declared_function_missing;
pub mod environment_drift;
pub mod event_source_mapping_drift;
pub mod execution_role_drift;
pub mod function_configuration_drift;
pub mod function_url_drift;
pub mod resource_policy_drift;
pub mod unmanaged_function;

use crate::declared::{DeclaredFunction, Location};
use serde_json::{Value, json};

/// Where the attribute is written, or else where the function is declared.
pub(crate) fn declared_at<'d>(function: &'d DeclaredFunction, attribute: &str) -> &'d Location {
    function
        .attribute_locations
        .get(attribute)
        .unwrap_or(&function.origin.location)
}

/// The declaration a finding compares against, for evidence.
pub(crate) fn declaration(function: &DeclaredFunction) -> Value {
    json!({
        "format": function.origin.format,
        "key": function.origin.key,
        "stack_name": function.origin.stack_name,
        "file": function.origin.location.to_string(),
    })
}

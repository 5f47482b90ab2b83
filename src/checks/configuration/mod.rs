//! Configuration: runtime support, concurrency, tracing, code signing, tagging.

pub mod async_without_failure_destination;
pub mod event_source_without_failure_handling;
pub mod missing_required_tags;
pub mod no_code_signing;
pub mod no_reserved_concurrency;
pub mod runtime_deprecated;
pub mod runtimes;
pub mod timeout_exceeds_trigger;
pub mod tracing_disabled;
pub mod triggers;
pub mod vpc_single_subnet;

use crate::inventory::Function;

/// Container-image functions have no managed runtime and no code signing.
pub(crate) fn is_image(function: &Function) -> bool {
    function.package_type.as_deref() == Some("Image")
}

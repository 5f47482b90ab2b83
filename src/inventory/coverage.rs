//! What we could and could not see. A failed call is data, not an error: it is recorded
//! here and the checks that needed it report "not evaluated" instead of passing.

use serde::{Deserialize, Serialize};

/// The state of one collected field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Collected<T> {
    Collected {
        value: T,
    },
    /// Deliberately not fetched (the call plan judged it irrelevant); `reason` says why.
    NotCollected {
        reason: String,
    },
    /// The call failed; the same failure is in the inventory's `coverage_gaps`.
    Failed {
        error: ApiFailure,
    },
}

impl<T> Default for Collected<T> {
    fn default() -> Self {
        Collected::NotCollected {
            reason: "not collected".to_string(),
        }
    }
}

impl<T> Collected<T> {
    pub fn value(&self) -> Option<&T> {
        match self {
            Collected::Collected { value } => Some(value),
            _ => None,
        }
    }

    /// Why the value is unavailable, for a "not evaluated" line; `None` when collected.
    pub fn unavailable_reason(&self) -> Option<String> {
        match self {
            Collected::Collected { .. } => None,
            Collected::NotCollected { reason } => Some(format!("not collected: {reason}")),
            Collected::Failed { error } => Some(format!(
                "{} failed: {} ({})",
                error.operation, error.code, error.kind
            )),
        }
    }
}

/// One failed API call, as recorded in the inventory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiFailure {
    /// `service:Operation`, e.g. `lambda:GetPolicy`.
    pub operation: String,
    pub kind: FailureKind,
    /// The service's error code when it sent one (e.g. `AccessDeniedException`).
    pub code: String,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    AccessDenied,
    /// Still throttled after the SDK's bounded retries.
    Throttled,
    /// The endpoint does not implement the operation (emulators, partitions without it).
    NotImplemented,
    Timeout,
    /// Transport failure: connection refused, reset, DNS.
    Network,
    /// The response arrived but could not be understood (e.g. a policy that is not JSON).
    MalformedResponse,
    /// Refused by our own read-only guard before it left the process.
    RefusedNotReadOnly,
    Other,
}

impl std::fmt::Display for FailureKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let text = match self {
            FailureKind::AccessDenied => "access denied",
            FailureKind::Throttled => "throttled",
            FailureKind::NotImplemented => "not implemented by the endpoint",
            FailureKind::Timeout => "timed out",
            FailureKind::Network => "network error",
            FailureKind::MalformedResponse => "malformed response",
            FailureKind::RefusedNotReadOnly => "refused: not a read-only operation",
            FailureKind::Other => "error",
        };
        f.write_str(text)
    }
}

/// A coverage gap: a failed call with where it happened and what it was about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoverageGap {
    pub account: String,
    /// `None` for global services (IAM, STS).
    pub region: Option<String>,
    /// The resource the call was about, when it was about one (a function ARN, an API id).
    pub resource: Option<String>,
    #[serde(flatten)]
    pub failure: ApiFailure,
}

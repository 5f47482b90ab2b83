//! Turning SDK errors into recorded failures, and telling "absent" apart from "failed".

use super::guard::REFUSED_MARKER;
use crate::inventory::{ApiFailure, FailureKind};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

pub type SdkResult<T, E> = Result<T, SdkError<E, HttpResponse>>;

/// `ResourceNotFoundException` and friends: the thing does not exist, which for an optional
/// attribute (a function without a policy) is an answer, not a failure.
pub fn is_not_found<E: ProvideErrorMetadata>(err: &SdkError<E, HttpResponse>) -> bool {
    matches!(
        err.code(),
        Some("ResourceNotFoundException" | "NotFoundException" | "NoSuchEntity")
    )
}

pub fn classify<E>(operation: &str, err: &SdkError<E, HttpResponse>) -> ApiFailure
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let code = err.code().unwrap_or_default().to_string();
    let status = err.raw_response().map(|r| r.status().as_u16());
    let chain = error_chain(err);
    let kind = if chain.contains(REFUSED_MARKER) {
        FailureKind::RefusedNotReadOnly
    } else {
        match err {
            SdkError::TimeoutError(_) => FailureKind::Timeout,
            SdkError::DispatchFailure(d) if d.is_timeout() => FailureKind::Timeout,
            SdkError::DispatchFailure(_) => FailureKind::Network,
            SdkError::ResponseError(_) => FailureKind::MalformedResponse,
            _ => kind_from_code(&code, status),
        }
    };
    let message = match (err.message().filter(|m| !m.is_empty()), status) {
        (Some(m), _) => m.to_string(),
        // No AWS error document: an HTML page from a proxy or an emulator's crash.
        (None, Some(status)) if code.is_empty() => {
            format!("HTTP {status} without an AWS error document ({chain})")
        }
        (None, _) => chain,
    };
    ApiFailure {
        operation: operation.to_string(),
        kind,
        code: if code.is_empty() {
            status.map_or_else(|| "none".to_string(), |s| format!("HTTP {s}"))
        } else {
            code
        },
        message: truncate(&message, 500),
    }
}

fn kind_from_code(code: &str, status: Option<u16>) -> FailureKind {
    match code {
        "AccessDenied"
        | "AccessDeniedException"
        | "UnauthorizedOperation"
        | "UnauthorizedException"
        | "UnrecognizedClientException"
        | "InvalidClientTokenId"
        | "AuthFailure"
        | "ExpiredToken"
        | "ExpiredTokenException" => FailureKind::AccessDenied,
        "Throttling"
        | "ThrottlingException"
        | "TooManyRequestsException"
        | "RequestLimitExceeded"
        | "LimitExceededException" => FailureKind::Throttled,
        "NotImplemented" | "NotImplementedException" | "InternalFailure" if status == Some(501) => {
            FailureKind::NotImplemented
        }
        _ if status == Some(501) => FailureKind::NotImplemented,
        _ if status == Some(403) => FailureKind::AccessDenied,
        _ if status == Some(429) => FailureKind::Throttled,
        _ => FailureKind::Other,
    }
}

fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![err.to_string()];
    let mut source = err.source();
    while let Some(s) = source {
        parts.push(s.to_string());
        source = s.source();
    }
    parts.join(": ")
}

fn truncate(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        text.to_string()
    } else {
        let mut out: String = text.chars().take(max_chars).collect();
        out.push('…');
        out
    }
}

/// Guards a pagination loop against an endpoint that repeats its token or never stops: the
/// loop ends with a recorded failure instead of spinning until the session is killed.
#[derive(Debug, Default)]
pub struct PageGuard {
    seen: std::collections::HashSet<String>,
    pages: usize,
}

/// Far beyond any real listing (50 000 functions at 50 per page is 1 000 pages).
const MAX_PAGES: usize = 10_000;

impl PageGuard {
    /// The token for the next request, `Ok(None)` when the listing is complete.
    pub fn next(
        &mut self,
        operation: &str,
        token: Option<&str>,
    ) -> Result<Option<String>, ApiFailure> {
        let Some(token) = token.filter(|t| !t.is_empty()) else {
            return Ok(None);
        };
        self.pages += 1;
        let problem = if self.pages >= MAX_PAGES {
            Some(format!("more than {MAX_PAGES} pages"))
        } else if !self.seen.insert(token.to_string()) {
            Some("the service repeated a pagination token".to_string())
        } else {
            None
        };
        match problem {
            Some(message) => Err(ApiFailure {
                operation: operation.to_string(),
                kind: FailureKind::MalformedResponse,
                code: "PaginationLoop".to_string(),
                message,
            }),
            None => Ok(Some(token.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_guard_stops_repeated_tokens() {
        let mut guard = PageGuard::default();
        assert_eq!(guard.next("x:List", Some("a")), Ok(Some("a".to_string())));
        assert_eq!(guard.next("x:List", Some("b")), Ok(Some("b".to_string())));
        assert!(guard.next("x:List", Some("a")).is_err());
        assert_eq!(guard.next("x:List", Some("")), Ok(None));
        assert_eq!(guard.next("x:List", None), Ok(None));
    }
}

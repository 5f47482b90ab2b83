//! A loopback HTTP proxy between the auditor and the emulators that can inject AWS's own
//! failures — throttling and access-denied errors in each protocol's real error shape, 5xx,
//! latency, dropped connections — for chosen operations, and logs every request it sees.
//!
//! One request per connection: the proxy forwards with `Connection: close`, relays the
//! response until the emulator closes, then closes too (the SDK simply reconnects). The
//! operation is read from the request as AWS identifies it: `X-Amz-Target` (JSON
//! protocols), `Action=` (query protocol: IAM, STS), or method and path (REST: Lambda,
//! API Gateway); the service from the SigV4 credential scope.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What one proxied request was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    pub service: String,
    pub operation: String,
    pub method: String,
    pub path: String,
    /// What the proxy did: `forwarded`, or the fault it injected.
    pub outcome: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    Throttle,
    AccessDenied,
    ServerError,
    Drop,
}

/// A rule: for requests of `service` whose operation starts with `operation` (empty: all),
/// inject `fault` on a deterministic `per_mille` share of them, and delay every matching
/// request by `latency`.
#[derive(Debug, Clone)]
pub struct Rule {
    pub service: &'static str,
    pub operation: &'static str,
    pub fault: Option<Fault>,
    pub per_mille: u64,
    pub latency: Duration,
}

pub struct FaultProxy {
    pub url: String,
    log: Arc<Mutex<Vec<Seen>>>,
}

impl FaultProxy {
    /// Starts a proxy on 127.0.0.1 in front of `upstream` (`host:port`, loopback only).
    pub async fn start(upstream: &str, rules: Vec<Rule>) -> FaultProxy {
        assert!(
            upstream.starts_with("127.0.0.1:") || upstream.starts_with("localhost:"),
            "the fault proxy only forwards to loopback, not {upstream}"
        );
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let log = Arc::new(Mutex::new(Vec::new()));
        let shared = Arc::new(Shared {
            upstream: upstream.to_string(),
            rules,
            counter: AtomicU64::new(0),
            log: log.clone(),
            streaks: Mutex::new(std::collections::HashMap::new()),
        });
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let shared = shared.clone();
                tokio::spawn(async move {
                    let _ = shared.serve(stream).await;
                });
            }
        });
        FaultProxy { url, log }
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }
}

struct Shared {
    upstream: String,
    rules: Vec<Rule>,
    counter: AtomicU64,
    log: Arc<Mutex<Vec<Seen>>>,
    /// Faults injected in a row per request (method, path, body): capped so every request
    /// gets through within the SDK's four attempts, as a real throttle eventually lets it.
    streaks: Mutex<std::collections::HashMap<String, u32>>,
}

/// Injected faults in a row for one request before the proxy lets it through.
const MAX_STREAK: u32 = 2;

impl Shared {
    async fn serve(&self, mut client: TcpStream) -> std::io::Result<()> {
        let Some(request) = read_request(&mut client).await? else {
            return Ok(());
        };
        let (service, operation) = identify(&request);
        let rule = self
            .rules
            .iter()
            .find(|r| r.service == service && operation.starts_with(r.operation));
        let mut outcome = "forwarded".to_string();
        if let Some(rule) = rule {
            if !rule.latency.is_zero() {
                tokio::time::sleep(rule.latency).await;
            }
            // A deterministic spread: every request counts, the fault hits `per_mille` of them.
            let n = self.counter.fetch_add(1, Ordering::Relaxed);
            let key = format!(
                "{} {} {}",
                request.method,
                request.path,
                String::from_utf8_lossy(&request.body)
            );
            let hit = (n * 7919) % 1000 < rule.per_mille && self.streak(&key, rule.per_mille);
            if let (Some(fault), true) = (rule.fault, hit) {
                outcome = format!("{fault:?}");
                self.record(&request, &service, &operation, &outcome);
                return match error_response(&service, fault) {
                    None => Ok(()),
                    Some(response) => client.write_all(&response).await,
                };
            }
        }
        self.record(&request, &service, &operation, &outcome);
        let mut upstream = TcpStream::connect(&self.upstream).await?;
        upstream.write_all(&request.forwarded()).await?;
        let mut response = Vec::new();
        upstream.read_to_end(&mut response).await?;
        client.write_all(&response).await?;
        client.shutdown().await
    }

    /// Counts one more injected fault for `key`; false once a throttle-like fault (not a
    /// permanent one: those are `per_mille` 1000) reached [`MAX_STREAK`], resetting it.
    fn streak(&self, key: &str, per_mille: u64) -> bool {
        if per_mille >= 1000 {
            return true;
        }
        let Ok(mut streaks) = self.streaks.lock() else {
            return true;
        };
        let count = streaks.entry(key.to_string()).or_insert(0);
        if *count >= MAX_STREAK {
            *count = 0;
            return false;
        }
        *count += 1;
        true
    }

    fn record(&self, request: &Request, service: &str, operation: &str, outcome: &str) {
        if let Ok(mut log) = self.log.lock() {
            log.push(Seen {
                service: service.to_string(),
                operation: operation.to_string(),
                method: request.method.clone(),
                path: request.path.clone(),
                outcome: outcome.to_string(),
            });
        }
    }
}

struct Request {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The request as the emulator gets it: the same, asking it to close the connection.
    fn forwarded(&self) -> Vec<u8> {
        let mut out = format!("{} {} HTTP/1.1\r\n", self.method, self.path).into_bytes();
        for (k, v) in &self.headers {
            if !k.eq_ignore_ascii_case("connection") {
                out.extend_from_slice(format!("{k}: {v}\r\n").as_bytes());
            }
        }
        out.extend_from_slice(b"Connection: close\r\n\r\n");
        out.extend_from_slice(&self.body);
        out
    }
}

async fn read_request(stream: &mut TcpStream) -> std::io::Result<Option<Request>> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 8192];
    let header_end = loop {
        if let Some(at) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break at;
        }
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(None);
        }
        buffer.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buffer[..header_end]).to_string();
    let mut lines = head.split("\r\n");
    let mut first = lines.next().unwrap_or_default().split(' ');
    let method = first.next().unwrap_or_default().to_string();
    let path = first.next().unwrap_or_default().to_string();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = buffer[header_end + 4..].to_vec();
    while body.len() < length {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Ok(Some(Request {
        method,
        path,
        headers,
        body,
    }))
}

/// (service, operation) as AWS names them.
fn identify(request: &Request) -> (String, String) {
    let service = request
        .header("authorization")
        .and_then(|a| a.split("Credential=").nth(1))
        .and_then(|c| c.split('/').nth(3))
        .unwrap_or("unknown")
        .to_string();
    if let Some(target) = request.header("x-amz-target") {
        let operation = target.rsplit('.').next().unwrap_or(target);
        return (service, operation.to_string());
    }
    let body = String::from_utf8_lossy(&request.body);
    if let Some(action) = body
        .split('&')
        .find_map(|pair| pair.strip_prefix("Action="))
    {
        return (service, action.to_string());
    }
    (
        service.clone(),
        rest_operation(&service, &request.method, &request.path),
    )
}

/// Lambda and API Gateway REST routes, as far as the auditor uses them; anything else is
/// named after its method so a write can never pass as a read.
fn rest_operation(service: &str, method: &str, path: &str) -> String {
    let path = path.split('?').next().unwrap_or(path);
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    let named = match (service, method, parts.as_slice()) {
        ("lambda", "GET", [_, "functions"]) => "ListFunctions",
        ("lambda", "GET", [_, "functions", _]) => "GetFunction",
        ("lambda", "GET", [_, "functions", _, "policy"]) => "GetPolicy",
        ("lambda", "GET", [_, "functions", _, "aliases"]) => "ListAliases",
        ("lambda", "GET", [_, "functions", _, "urls"]) => "ListFunctionUrlConfigs",
        ("lambda", "GET", [_, "functions", _, "event-invoke-config", "list"]) => {
            "ListFunctionEventInvokeConfigs"
        }
        ("lambda", "GET", [_, "functions", _, "code-signing-config"]) => {
            "GetFunctionCodeSigningConfig"
        }
        ("lambda", "GET", [_, "event-source-mappings"]) => "ListEventSourceMappings",
        ("lambda", "GET", [_, "code-signing-configs"]) => "ListCodeSigningConfigs",
        ("lambda", "GET", [_, "code-signing-configs", _, "functions"]) => {
            "ListFunctionsByCodeSigningConfig"
        }
        ("lambda", "GET", [_, "layers", _, "versions", _, "policy"]) => "GetLayerVersionPolicy",
        ("lambda", "GET", _) => "Get(other)",
        ("apigateway", "GET", ["restapis"]) => "GetRestApis",
        ("apigateway", "GET", ["restapis", _, "resources"]) => "GetResources",
        ("apigateway", "GET", ["restapis", _, "authorizers"]) => "GetAuthorizers",
        ("apigateway", "GET", ["restapis", _, "stages"]) => "GetStages",
        ("apigateway", "GET", _) => "Get(other)",
        _ => return format!("{method} {path}"),
    };
    named.to_string()
}

/// The error AWS would send, in the service's protocol; `None` for a dropped connection.
fn error_response(service: &str, fault: Fault) -> Option<Vec<u8>> {
    let query = matches!(service, "iam" | "sts");
    let (status, reason, code, message) = match fault {
        Fault::Throttle if query => (400, "Bad Request", "Throttling", "Rate exceeded"),
        Fault::Throttle => (
            429,
            "Too Many Requests",
            "TooManyRequestsException",
            "Rate exceeded",
        ),
        Fault::AccessDenied if query => {
            (403, "Forbidden", "AccessDenied", "injected: not authorized")
        }
        Fault::AccessDenied => (
            403,
            "Forbidden",
            "AccessDeniedException",
            "injected: not authorized",
        ),
        Fault::ServerError if query => (500, "Internal Server Error", "ServiceFailure", "injected"),
        Fault::ServerError => (500, "Internal Server Error", "ServiceException", "injected"),
        Fault::Drop => return None,
    };
    let (content_type, body) = if query {
        (
            "text/xml",
            format!(
                "<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>fault-proxy</RequestId></ErrorResponse>"
            ),
        )
    } else {
        (
            "application/json",
            format!("{{\"__type\":\"{code}\",\"Type\":\"User\",\"message\":\"{message}\"}}"),
        )
    };
    Some(format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\nx-amzn-ErrorType: {code}\r\nx-amzn-RequestId: fault-proxy\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes())
}

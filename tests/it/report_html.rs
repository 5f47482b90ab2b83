//! The HTML report: self-contained (no network loads, strict CSP), everything from the
//! account escaped (also inside the SVG map), a snapshot of a fixed estate, and a real
//! headless Chromium run that checks what a reader sees and that no script ran.

use crate::support::*;
use lambda_audit::baseline::BaselineSummary;
use lambda_audit::checks::{CheckResults, run_with};
use lambda_audit::declared::Location;
use lambda_audit::findings::{Finding, FindingStatus, Severity};
use lambda_audit::guardrails::Guardrails;
use lambda_audit::inventory::Inventory;
use lambda_audit::report::html::{content_security_policy, escape_html};
use lambda_audit::report::{self, Audit};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub(crate) const SCRIPT_NAME: &str = "<script>document.title='pwned'</script>";
pub(crate) const IMG_NAME: &str = "\"><img src=x onerror=alert(1)>";
pub(crate) const ANSI: &str = "\x1b[31mred\x1b[0m";

fn long() -> String {
    format!("arn:aws:s3:::{}", "very-long-bucket-".repeat(300))
}

/// The hostile function's name: a script, an attribute break-out with an event handler and
/// an ANSI escape in one.
pub(crate) fn hostile_name() -> String {
    format!("{SCRIPT_NAME}{IMG_NAME}{ANSI}")
}

fn role(name: &str, statements: Value) -> Value {
    iam_role(
        name,
        json!({
            "last_used": "2026-05-30T00:00:00Z",
            "inline_policies": [{"name": "app", "document": {"Version": "2012-10-17", "Statement": statements}}]
        }),
    )
}

/// A fixed estate: an API-fronted function with a public grant, a URL, an SQS mapping and a
/// broad role; and a function whose name, tags and policy are hostile.
pub(crate) fn estate() -> Inventory {
    let orders = function(
        "orders-api",
        json!({
            "role": "arn:aws:iam::111122223333:role/orders-role",
            "tags": {"status": "collected", "value": {"owner": "team-orders", "lambda-audit:accept": "LA205"}},
            "policy": policy(json!([
                {"Sid": "public", "Effect": "Allow", "Principal": "*", "Action": "lambda:InvokeFunction", "Resource": "*"},
                {"Sid": "apigw", "Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"},
                 "Action": "lambda:InvokeFunction", "Resource": "*",
                 "Condition": {"ArnLike": {"AWS:SourceArn": "arn:aws:execute-api:us-east-1:111122223333:abc123/*"}}}
            ])),
            "url_configs": {"status": "collected", "value": [{
                "url": "https://abcdefgh.lambda-url.us-east-1.on.aws/",
                "target_arn": function_arn("orders-api"), "qualifier": null,
                "auth_type": "AWS_IAM", "cors": null, "invoke_mode": "BUFFERED", "last_modified": null
            }]}
        }),
    );
    let hostile_arn = function_arn(&hostile_name());
    let hostile = function(
        &hostile_name(),
        json!({
            "role": format!("arn:aws:iam::111122223333:role/{IMG_NAME}"),
            "tags": {"status": "collected", "value": {"owner": format!("{SCRIPT_NAME}{ANSI}"), "note": long()}},
            "policy": policy(json!([
                {"Sid": IMG_NAME, "Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"},
                 "Action": "lambda:InvokeFunction", "Resource": hostile_arn,
                 "Condition": {"ArnLike": {"aws:SourceArn": long()}}}
            ]))
        }),
    );
    let queue = "arn:aws:sqs:us-east-1:111122223333:orders-queue";
    let mut inv = iam_inventory(
        vec![orders, hostile],
        json!({"roles": [
            role("orders-role", json!([
                {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
                {"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "arn:aws:dynamodb:us-east-1:111122223333:table/orders"}
            ])),
            role(IMG_NAME, json!([
                {"Effect": "Allow", "Action": "logs:CreateLogStream", "Resource": format!("arn:aws:logs:us-east-1:111122223333:{SCRIPT_NAME}")}
            ]))
        ]}),
    );
    let region = &mut inv.regions[0];
    region.event_source_mappings = serde_json::from_value(json!({"status": "collected", "value": [{
        "uuid": "1111-2222", "function_arn": function_arn("orders-api"), "event_source_arn": queue,
        "self_managed_endpoints": [], "state": "Enabled", "batch_size": 10, "filter_patterns": [],
        "on_failure_destination": null, "source_access": [], "kms_key_arn": null, "last_modified": null
    }]}))
    .expect("mapping");
    region.rest_apis = serde_json::from_value(json!({"status": "collected", "value": [{
        "id": "abc123", "name": "orders", "endpoint_types": ["REGIONAL"],
        "disable_execute_api_endpoint": false, "api_key_source": null, "policy": null,
        "resources": {"status": "collected", "value": [{"id": "r1", "path": "/orders", "methods": [{
            "http_method": "POST", "authorization_type": "NONE", "authorizer_id": null,
            "api_key_required": false, "integration": {"integration_type": "AWS_PROXY",
            "uri": null, "lambda": {"function_arn": function_arn("orders-api"), "qualifier": null}}
        }]}]},
        "authorizers": {"status": "collected", "value": []},
        "stages": {"status": "collected", "value": []}
    }]}))
    .expect("rest api");
    inv.collected_at = "2026-06-01T00:00:00Z".to_string();
    inv
}

pub(crate) fn guardrails() -> Guardrails {
    Guardrails::parse(
        "[accept]\nby_tag = [\"LA205\"]\n[owners]\ntags = [\"owner\"]\n[[suppress]]\ncheck = \"LA206\"\nresource = \"arn:aws:lambda:*:111122223333:function:orders-*\"\nreason = \"Sampled upstream <b>really</b>\"\nowner = \"security@example.com\"\nexpires = 2027-03-31\n",
        Path::new("lambda-audit.toml"),
    )
    .expect("guardrails parse")
}

/// The checks' results, plus one drift finding (declared at a template line) so the drift
/// part of a function section is drawn without templates.
pub(crate) fn results(inventory: &Inventory) -> CheckResults {
    let mut results = run_with(inventory, &guardrails());
    let template = results
        .findings
        .iter()
        .find(|f| f.function_name.as_deref() == Some("orders-api"))
        .expect("orders-api has findings")
        .clone();
    results.findings.push(Finding {
        check_id: "LA503".to_string(),
        check_name: "function-configuration-drift".to_string(),
        severity: Severity::Medium,
        title: "Timeout differs from the template".to_string(),
        message: format!("deployed 60 s, declared 30 s {SCRIPT_NAME}"),
        evidence: json!({"field": "Timeout", "deployed": 60, "declared": IMG_NAME}),
        fingerprint: "drift-fixture".to_string(),
        declared_at: Some(Location {
            file: format!("template{IMG_NAME}.yaml"),
            line: Some(12),
            column: Some(5),
        }),
        status: FindingStatus::Open,
        suppression: None,
        ..template
    });
    results
}

fn baseline() -> BaselineSummary {
    BaselineSummary {
        file: format!("last-week{SCRIPT_NAME}.json"),
        baseline_collected_at: "2026-05-25T00:00:00Z".to_string(),
        new: 3,
        unchanged: 2,
        resolved: Vec::new(),
    }
}

pub(crate) fn render(inventory: &Inventory, results: &CheckResults) -> String {
    let baseline = baseline();
    report::html::render(&Audit {
        inventory,
        results,
        declared: None,
        baseline: Some(&baseline),
    })
}

fn html() -> String {
    let inventory = estate();
    let results = results(&inventory);
    render(&inventory, &results)
}

/// Every `<tag …>` of the document with its attribute names, quoted values skipped.
pub(crate) fn tags(html: &str) -> Vec<(String, Vec<String>)> {
    let bytes = html.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'<' && bytes.get(i + 1).is_some_and(|b| b.is_ascii_alphabetic()) {
            let mut j = i + 1;
            while j < bytes.len() && !bytes[j].is_ascii_whitespace() && !b">/".contains(&bytes[j]) {
                j += 1;
            }
            let name = html[i + 1..j].to_ascii_lowercase();
            let mut attrs = Vec::new();
            while j < bytes.len() && bytes[j] != b'>' {
                if bytes[j].is_ascii_whitespace() || bytes[j] == b'/' {
                    j += 1;
                    continue;
                }
                let start = j;
                while j < bytes.len() && !b" \t\n=>/".contains(&bytes[j]) {
                    j += 1;
                }
                attrs.push(html[start..j].to_ascii_lowercase());
                if bytes.get(j) == Some(&b'=') {
                    j += 1;
                    if let Some(&q) = bytes.get(j).filter(|b| **b == b'"' || **b == b'\'') {
                        j += 1;
                        while j < bytes.len() && bytes[j] != q {
                            j += 1;
                        }
                        j += 1;
                    } else {
                        while j < bytes.len() && !bytes[j].is_ascii_whitespace() && bytes[j] != b'>'
                        {
                            j += 1;
                        }
                    }
                }
            }
            out.push((name, attrs));
            i = j;
        }
        i += 1;
    }
    out
}

/// No script, no image, no event handler, no frame: what hostile data would have added.
pub(crate) fn assert_no_active_content(html: &str) {
    for (name, attrs) in tags(html) {
        assert!(
            ![
                "script", "img", "iframe", "object", "embed", "link", "base", "form", "meta"
            ]
            .contains(&name.as_str())
                || (name == "meta"
                    && attrs.iter().all(
                        |a| ["charset", "http-equiv", "content", "name"].contains(&a.as_str())
                    )),
            "unexpected <{name} {attrs:?}>"
        );
        for attr in &attrs {
            assert!(!attr.starts_with("on"), "event handler {attr} on <{name}>");
            assert!(
                !["src", "srcset", "style", "formaction", "xlink:href"].contains(&attr.as_str()),
                "attribute {attr} on <{name}>"
            );
        }
    }
}

#[test]
fn page_is_self_contained_with_a_strict_csp() {
    let html = html();
    let csp = content_security_policy();
    assert!(
        csp.starts_with("default-src 'none'; style-src 'sha256-"),
        "{csp}"
    );
    assert!(
        html.contains(&format!(
            "<meta http-equiv=\"Content-Security-Policy\" content=\"{}\">",
            escape_html(&csp)
        )),
        "CSP meta missing"
    );
    // Nothing loads: no src at all, and every href is an in-page anchor.
    for (name, attrs) in tags(&html) {
        assert!(
            !attrs.iter().any(|a| a == "src" || a == "srcset"),
            "<{name}>"
        );
    }
    for (at, _) in html.match_indices("href=\"") {
        assert!(html[at + 6..].starts_with('#'), "{}", &html[at..at + 40]);
    }
    assert!(!html.contains("@import") && !html.contains("url(http"));
    for scheme in ["http://", "https://"] {
        // Only as escaped text (the URL config) or the SVG namespace, never a load.
        for (at, _) in html.match_indices(scheme) {
            let before = &html[at.saturating_sub(7)..at];
            assert!(
                before.ends_with("xmlns=\"") || !before.ends_with('"') && !before.ends_with('('),
                "{scheme} at {}",
                &html[at.saturating_sub(40)..(at + 40).min(html.len())]
            );
        }
    }
    assert_no_active_content(&html);
}

#[test]
fn hostile_account_data_is_escaped_everywhere() {
    let html = html();
    assert!(!html.contains(SCRIPT_NAME) && !html.contains("<script"));
    assert!(!html.contains("<img") && !html.contains(IMG_NAME));
    assert!(!html.contains('\x1b'), "raw ANSI escape in the page");
    assert!(html.contains("\\u{1b}[31mred"), "ANSI escape shown as text");
    assert!(html.contains("&lt;script&gt;document.title=&#39;pwned&#39;&lt;/script&gt;"));
    assert!(html.contains("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"));
    assert!(!html.contains("<b>really"), "suppression reason escaped");
    assert!(html.contains("Sampled upstream &lt;b&gt;really&lt;/b&gt;"));
    // Inside the SVG too: the hostile function's map has its name, role and trigger escaped
    // in text, titles and the aria-label.
    let svg_start = html
        .match_indices("<svg class=\"map\"")
        .nth(1)
        .expect("second map")
        .0;
    let svg = &html[svg_start..svg_start + html[svg_start..].find("</svg>").unwrap()];
    assert!(
        svg.contains("aria-label=\"Data flow of &lt;script&gt;"),
        "{svg}"
    );
    assert!(svg.contains("role/&quot;&gt;&lt;img src=x onerror=alert(1)&gt;</title>"));
    assert!(svg.contains("<title>principal: s3.amazonaws.com; source: arn:aws:s3:::very-long"));
    // Long strings: drawn text is clipped, the full text stays in the tooltip.
    assert!(svg.contains("…</text>"));
    assert!(svg.contains(&"very-long-bucket-".repeat(300)));
    // Evidence JSON and the declaration are escaped too.
    assert!(
        html.contains("&quot;declared&quot;: &quot;\\&quot;&gt;&lt;img"),
        "evidence"
    );
    assert!(html.contains("template&quot;&gt;&lt;img src=x onerror=alert(1)&gt;.yaml:12:5"));
}

#[test]
fn page_has_summary_functions_findings_and_set_aside_parts() {
    let inventory = estate();
    let results = results(&inventory);
    let html = render(&inventory, &results);
    let open = results.findings.iter().filter(|f| f.is_open()).count();
    assert!(html.contains(&format!(
        "<div class=\"card\"><div class=\"v\">{open}</div><div class=\"muted\">open findings</div>"
    )));
    assert!(html.contains("<h3>By severity</h3>") && html.contains("<h3>By owner</h3>"));
    assert!(html.contains("<td>team-orders</td>"));
    assert!(html.contains("3 new, 2 unchanged"));
    assert_eq!(html.matches("<section class=\"fn\"").count(), 2);
    assert_eq!(html.matches("<svg class=\"map\"").count(), 2);
    // The map of orders-api: API route, URL, mapping and policy triggers; role; resources.
    for text in [
        "REST API orders",
        "POST /orders (NONE)",
        "function URL (AWS_IAM)",
        "sqs: orders-queue",
        "anyone (*)",
        "ROLE",
        "* (any resource)",
        "excess: s3 ",
    ] {
        assert!(html.contains(text), "map lacks {text}");
    }
    // Four-part explanation of a finding, from the check documentation.
    let la101 = results
        .findings
        .iter()
        .find(|f| f.check_id == "LA101")
        .unwrap();
    assert!(html.contains(&escape_html(&la101.title)));
    assert!(html.contains("<h4>What</h4>") && html.contains("<h4>How we know</h4>"));
    assert!(html.contains("<summary>Why it is a risk</summary>"));
    assert!(html.contains("<summary>How to fix</summary>"));
    assert!(html.contains("Anyone with an AWS account can invoke"));
    // Drift with its declaration; set-aside findings marked.
    assert!(html.contains("<h3>Drift (1)</h3>"));
    assert!(html.contains("<span class=\"status\">suppressed</span>"));
    assert!(html.contains("<span class=\"status\">accepted by the owner</span>"));
    assert!(html.contains("<h4>Excess</h4>"));
    assert!(html.contains("Suggested least-privilege policy"));
}

#[test]
fn html_is_a_report_format_written_as_report_html() {
    use lambda_audit::cli::ReportFormat;
    assert_eq!(report::file_name(ReportFormat::Html), "report.html");
    let inventory = estate();
    let results = results(&inventory);
    let audit = Audit {
        inventory: &inventory,
        results: &results,
        declared: None,
        baseline: None,
    };
    assert!(report::render(ReportFormat::Html, &audit, true).starts_with("<!DOCTYPE html>"));
}

#[test]
fn html_snapshot_of_a_fixed_estate() {
    insta::assert_snapshot!("report_html", html());
}

// ---- a real browser ---------------------------------------------------------------------

/// The Chromium binary (`CHROMIUM` overrides), or `None` (test skipped) outside CI.
fn chromium() -> Option<String> {
    let binary = std::env::var("CHROMIUM").unwrap_or_else(|_| "chromium".to_string());
    let found = Command::new(&binary)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    match found {
        true => Some(binary),
        false if std::env::var_os("CI").is_some() => {
            panic!("CI must have chromium (localstack/ensure-chromium.sh installs it)")
        }
        false => {
            eprintln!(
                "skipped: chromium is not installed (localstack/ensure-chromium.sh, or apt-get install chromium)"
            );
            None
        }
    }
}

fn artifacts() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    let dir = target.join("test-artifacts").join("report-html");
    std::fs::create_dir_all(&dir).expect("artifact dir");
    dir
}

/// Runs headless Chromium on `page` with `args`; returns stdout and stderr. Killed after
/// two minutes.
fn run_chromium(binary: &str, profile: &Path, args: &[String]) -> (String, String) {
    let out_dir = tempfile::tempdir().expect("tempdir");
    let (stdout, stderr) = (out_dir.path().join("out"), out_dir.path().join("err"));
    let mut child = Command::new(binary)
        .args([
            "--headless=new",
            "--disable-gpu",
            "--no-sandbox",
            "--no-first-run",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&stdout).unwrap())
        .stderr(std::fs::File::create(&stderr).unwrap())
        .spawn()
        .expect("chromium starts");
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if child.try_wait().expect("wait").is_some() {
            break;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish within two minutes");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    (
        std::fs::read_to_string(&stdout).unwrap_or_default(),
        std::fs::read_to_string(&stderr).unwrap_or_default(),
    )
}

#[test]
fn chromium_shows_the_report_and_runs_no_script() {
    let Some(binary) = chromium() else {
        return;
    };
    let dir = artifacts();
    let page = dir.join("report.html");
    let inventory = estate();
    let results = results(&inventory);
    std::fs::write(&page, render(&inventory, &results)).expect("page written");
    let url = format!("file://{}", page.display());
    let profile = tempfile::tempdir().expect("profile dir");

    let (dom, log) = run_chromium(&binary, profile.path(), &["--dump-dom".into(), url.clone()]);
    std::fs::write(dir.join("dom.html"), &dom).expect("dom written");
    assert!(
        dom.contains("</html>"),
        "no DOM dumped; chromium said:\n{log}"
    );
    // No script ran: the title is ours, nothing was added by data.
    let title = &dom[dom.find("<title>").expect("title") + 7..dom.find("</title>").unwrap()];
    assert_eq!(title, "lambda-audit report — account 111122223333");
    assert!(!dom.contains("pwned</title>"));
    assert_no_active_content(&dom);
    // The page's own style sheet was allowed by its hash; nothing was refused.
    assert!(
        !log.contains("Content Security Policy") && !log.contains("Refused to"),
        "CSP violation:\n{log}"
    );
    // What a reader sees.
    let open = results.findings.iter().filter(|f| f.is_open()).count();
    assert!(dom.contains(&format!("<div class=\"v\">{open}</div>")));
    assert!(dom.contains("<h2>Summary</h2>"));
    assert!(dom.contains("<h2>orders-api</h2>"));
    assert!(dom.contains("<h2>&lt;script&gt;document.title='pwned'&lt;/script&gt;"));
    assert_eq!(dom.matches("<svg class=\"map\"").count(), 2);
    assert!(dom.contains("REST API orders"));
    let la101 = results
        .findings
        .iter()
        .find(|f| f.check_id == "LA101")
        .unwrap();
    assert!(dom.contains(&la101.title), "{}", la101.title);

    let shot = dir.join("report.png");
    let _ = std::fs::remove_file(&shot);
    let (_, log) = run_chromium(
        &binary,
        profile.path(),
        &[
            format!("--screenshot={}", shot.display()),
            "--window-size=1280,2000".into(),
            "--hide-scrollbars".into(),
            url,
        ],
    );
    let png =
        std::fs::read(&shot).unwrap_or_else(|_| panic!("no screenshot; chromium said:\n{log}"));
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 10_000,
        "screenshot too small"
    );
    eprintln!("screenshot: {}", shot.display());
}

//! The HTML report: one self-contained page (no network, no script, inline CSS allowed by
//! its hash in a strict Content-Security-Policy) with a summary, then each function's
//! data-flow map as inline SVG, its findings with the four-part explanation, its excess and
//! missing permissions, drift and the findings set aside.
//!
//! Escaping is structural: the page is written through [`Out`], whose only way to add text
//! that is not a `&'static str` literal of this file is [`Out::text`] / [`Out::attr`] (both
//! [`escape_html`]) or a number. Nothing from the account can reach the page unescaped,
//! whether in HTML text, an attribute, or SVG.

use super::Audit;
use super::graph::{EdgeKind, Graph, NodeKind, edge_text};
use super::json::owner_label;
use crate::checks::{self, CheckMeta};
use crate::findings::{Finding, FindingStatus, Severity};
use crate::inventory::{Function, RegionInventory};
use crate::least_privilege::LeastPrivilege;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

const CSS: &str = "
:root{color-scheme:light;--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--bg:#ffffff;--panel:#f6f8fa}
*{box-sizing:border-box}
body{margin:0;font-family:system-ui,-apple-system,'Segoe UI',Roboto,'Helvetica Neue',Arial,sans-serif;font-size:15px;line-height:1.5;color:var(--fg);background:var(--bg)}
header.page{padding:18px 28px;border-bottom:1px solid var(--line);background:var(--panel)}
header.page h1{margin:0 0 4px;font-size:22px}
main{max-width:1280px;margin:0 auto;padding:8px 28px 48px}
h2{font-size:19px;margin:28px 0 10px;padding-bottom:4px;border-bottom:1px solid var(--line)}
h3{font-size:16px;margin:20px 0 8px}
h4{font-size:13px;margin:8px 0 2px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted)}
p,li,td,th,dd,code,pre,summary,h2,h3,a{overflow-wrap:anywhere}
.meta,.muted{color:var(--muted)}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,'Liberation Mono',monospace;font-size:13px}
code{background:var(--panel);padding:1px 4px;border-radius:4px}
pre{background:var(--panel);padding:8px 10px;border-radius:6px;white-space:pre-wrap;max-height:22em;overflow:auto;border:1px solid var(--line)}
pre code{background:none;padding:0}
table{border-collapse:collapse;margin:6px 0 12px}
th,td{border:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}
th{background:var(--panel)}
td.n{text-align:right;font-variant-numeric:tabular-nums}
.cards{display:flex;flex-wrap:wrap;gap:10px;margin:8px 0 14px}
.card{border:1px solid var(--line);border-radius:8px;padding:8px 14px;min-width:120px;background:var(--panel)}
.card .v{font-size:24px;font-weight:600}
.tables{display:flex;flex-wrap:wrap;gap:0 28px}
.badge{display:inline-block;padding:0 7px;border-radius:10px;font-size:12px;font-weight:600;color:#fff;vertical-align:1px}
.sev-critical{background:#8b0000}.sev-high{background:#c2410c}.sev-medium{background:#a16207}.sev-low{background:#1d4ed8}.sev-info{background:#59636e}
.status{display:inline-block;padding:0 7px;border-radius:10px;font-size:12px;border:1px solid var(--muted);color:var(--muted)}
section.fn{border:1px solid var(--line);border-radius:10px;padding:4px 18px 14px;margin:22px 0}
section.fn h2{border:none;margin-top:12px}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:4px 0}
dl.facts dt{color:var(--muted)}dl.facts dd{margin:0;overflow-wrap:anywhere}
article.finding{border-left:4px solid var(--line);padding:4px 12px;margin:10px 0;background:#fff}
article.finding.b-critical{border-color:#8b0000}article.finding.b-high{border-color:#c2410c}article.finding.b-medium{border-color:#a16207}article.finding.b-low{border-color:#1d4ed8}
article.finding .head{font-weight:600}
.set-aside{background:var(--panel);border:1px dashed var(--muted);border-radius:8px;padding:4px 14px;margin-top:14px}
.set-aside article.finding{opacity:.8;background:var(--panel)}
details{margin:4px 0}summary{cursor:pointer;color:#0b57d0}
.warn{border-left:4px solid #a16207;padding:2px 10px;background:#fff8e6}
svg.map{width:100%;height:auto;border:1px solid var(--line);border-radius:8px;background:#fcfcfd}
svg.map text{font-family:system-ui,sans-serif;font-size:12px;fill:#1f2328}
svg.map text.kind{font-size:9px;fill:#59636e;letter-spacing:.08em}
svg.map text.el{font-size:10px;fill:#3d444d}
svg.map text.none{font-style:italic;fill:#59636e}
svg.map rect{stroke-width:1.2}
svg.map .trigger rect{fill:#fde2c8;stroke:#9a3412}
svg.map .function rect{fill:#cfe3fb;stroke:#1d4ed8}
svg.map .role rect{fill:#e3d7f7;stroke:#6d28d9}
svg.map .resource rect{fill:#d8f0dc;stroke:#15803d}
svg.map .edge path{fill:none;stroke:#6e7781;stroke-width:1.4}
svg.map .edge.excess path{stroke:#c2410c;stroke-width:2.4}
svg.map .edge.missing path{stroke:#b91c1c;stroke-dasharray:6 4}
.legend span{margin-right:14px}
.lk{display:inline-block;width:22px;height:0;border-top:2px solid #6e7781;vertical-align:middle;margin-right:4px}
.lk.excess{border-top:3px solid #c2410c}.lk.missing{border-top:2px dashed #b91c1c}
ul.toc{columns:2;padding-left:18px}
";

/// The Content-Security-Policy: nothing may load, no script may run, only the page's own
/// style sheet (by hash) applies; no `<base>`, no form submission.
pub fn content_security_policy() -> String {
    format!(
        "default-src 'none'; style-src 'sha256-{}'; base-uri 'none'; form-action 'none'",
        base64(&Sha256::digest(CSS.as_bytes()))
    )
}

/// The one escape for everything that is not a literal of this file: HTML text, attribute
/// values (always double-quoted) and SVG. Control characters other than newline and tab
/// become a visible `\u{…}` so an ANSI escape shows as text.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' && c != '\t' => out.extend(c.escape_unicode()),
            c => out.push(c),
        }
    }
    out
}

/// Numbers the page may print unescaped.
trait Num: std::fmt::Display {}
impl Num for usize {}
impl Num for u64 {}
impl Num for i64 {}
impl Num for i32 {}
impl Num for u32 {}

/// The page under construction. Markup only from `&'static str`; anything else escaped.
struct Out {
    buf: String,
}

impl Out {
    fn raw(&mut self, markup: &'static str) {
        self.buf.push_str(markup);
    }
    fn text(&mut self, text: &str) {
        self.buf.push_str(&escape_html(text));
    }
    fn num(&mut self, n: impl Num) {
        use std::fmt::Write;
        let _ = write!(self.buf, "{n}");
    }
    /// A coordinate, one decimal.
    fn coord(&mut self, v: f64) {
        use std::fmt::Write;
        let _ = write!(self.buf, "{v:.1}");
    }
    /// ` name="value"`, the value escaped.
    fn attr(&mut self, name: &'static str, value: &str) {
        self.buf.push(' ');
        self.buf.push_str(name);
        self.buf.push_str("=\"");
        self.text(value);
        self.buf.push('"');
    }
    fn attr_coord(&mut self, name: &'static str, v: f64) {
        self.buf.push(' ');
        self.buf.push_str(name);
        self.buf.push_str("=\"");
        self.coord(v);
        self.buf.push('"');
    }
    /// `open` + escaped `text` + `close`.
    fn el(&mut self, open: &'static str, text: &str, close: &'static str) {
        self.raw(open);
        self.text(text);
        self.raw(close);
    }
    fn code(&mut self, text: &str) {
        self.el("<code>", text, "</code>");
    }
}

pub fn render(audit: &Audit<'_>) -> String {
    let inventory = audit.inventory;
    let results = audit.results;
    let mut o = Out {
        buf: String::with_capacity(64 * 1024),
    };
    o.raw("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    o.raw("<meta http-equiv=\"Content-Security-Policy\"");
    o.attr("content", &content_security_policy());
    o.raw(">\n<meta name=\"referrer\" content=\"no-referrer\">\n");
    o.raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    o.el(
        "<title>lambda-audit report — account ",
        &inventory.account.account_id,
        "</title>\n",
    );
    o.raw("<style>");
    o.raw(CSS);
    o.raw("</style>\n</head>\n<body>\n<header class=\"page\">\n<h1>lambda-audit report</h1>\n");
    let regions: Vec<&str> = inventory
        .regions
        .iter()
        .map(|r| r.region.as_str())
        .collect();
    o.el(
        "<div class=\"meta\">account ",
        &inventory.account.account_id,
        "",
    );
    o.el(" (", &inventory.account.partition, ") · ");
    o.num(inventory.functions().count());
    o.raw(" function(s) in ");
    o.text(&if regions.is_empty() {
        "no region".to_string()
    } else {
        regions.join(", ")
    });
    o.el(" · collected ", &inventory.collected_at, "");
    o.el(
        " · lambda-audit ",
        env!("CARGO_PKG_VERSION"),
        "</div>\n</header>\n<main>\n",
    );

    summary(&mut o, audit);

    // Findings by function; the rest (roles, missing functions, layers) by resource.
    let mut index: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    let functions: Vec<(&RegionInventory, &Function)> = inventory.functions().collect();
    for (i, (region, function)) in functions.iter().enumerate() {
        index.insert((region.region.as_str(), function.name.as_str()), i);
    }
    let mut per_function: Vec<Vec<&Finding>> = vec![Vec::new(); functions.len()];
    let mut other: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    for f in &results.findings {
        match f
            .function_name
            .as_deref()
            .and_then(|name| index.get(&(f.region.as_str(), name)))
        {
            Some(&i) => per_function[i].push(f),
            None => other.entry(f.resource_arn.as_str()).or_default().push(f),
        }
    }

    o.raw("<nav id=\"functions\">\n<h2>Functions</h2>\n");
    if functions.is_empty() {
        o.raw("<p class=\"muted\">No function was collected.</p>\n");
    } else {
        o.raw("<ul class=\"toc\">\n");
        for (i, (region, function)) in functions.iter().enumerate() {
            o.raw("<li><a href=\"#fn-");
            o.num(i);
            o.raw("\">");
            o.text(&function.name);
            o.raw("</a> <span class=\"muted\">(");
            o.text(&region.region);
            o.raw(") — ");
            o.num(per_function[i].iter().filter(|f| f.is_open()).count());
            o.raw(" open</span></li>\n");
        }
        o.raw("</ul>\n");
    }
    o.raw("</nav>\n");

    for (i, (region, function)) in functions.iter().enumerate() {
        function_section(
            &mut o,
            i,
            region,
            function,
            results.least_privilege.get(&function.arn),
            &per_function[i],
        );
    }

    if !other.is_empty() {
        o.raw("<section id=\"other\">\n<h2>Other resources</h2>\n");
        o.raw("<p class=\"muted\">Findings about resources that are not a collected function: roles, declared functions that are missing, layers.</p>\n");
        for (resource, findings) in &other {
            o.el("<h3>", resource, "</h3>\n");
            findings_block(&mut o, findings);
        }
        o.raw("</section>\n");
    }
    o.raw("</main>\n</body>\n</html>\n");
    o.buf
}

const SEVERITIES: [Severity; 5] = [
    Severity::Critical,
    Severity::High,
    Severity::Medium,
    Severity::Low,
    Severity::Info,
];

/// Actions named per excess group; the rest are counted.
const MAX_ACTIONS_SHOWN: usize = 12;
/// Excess groups listed per function, riskiest first; the rest are counted.
const MAX_EXCESS_GROUPS_SHOWN: usize = 25;

fn summary(o: &mut Out, audit: &Audit<'_>) {
    let inventory = audit.inventory;
    let results = audit.results;
    let findings = &results.findings;
    let count = |status: FindingStatus| findings.iter().filter(|f| f.status == status).count();
    o.raw("<section id=\"summary\">\n<h2>Summary</h2>\n<div class=\"cards\">\n");
    let card = |o: &mut Out, label: &'static str, value: usize| {
        o.raw("<div class=\"card\"><div class=\"v\">");
        o.num(value);
        o.raw("</div><div class=\"muted\">");
        o.raw(label);
        o.raw("</div></div>\n");
    };
    card(o, "open findings", count(FindingStatus::Open));
    for severity in [Severity::Critical, Severity::High] {
        let n = findings
            .iter()
            .filter(|f| f.is_open() && f.severity == severity)
            .count();
        card(
            o,
            if severity == Severity::Critical {
                "open critical"
            } else {
                "open high"
            },
            n,
        );
    }
    card(o, "suppressed", count(FindingStatus::Suppressed));
    card(o, "accepted by the owner", count(FindingStatus::Accepted));
    card(o, "not evaluated", results.not_evaluated.len());
    card(o, "coverage gaps", inventory.coverage_gaps.len());
    o.raw("</div>\n");

    if !results.not_evaluated.is_empty() || !inventory.coverage_gaps.is_empty() {
        o.raw("<p class=\"warn\"><strong>Incomplete:</strong> ");
        o.num(results.not_evaluated.len());
        o.raw(" check result(s) could not be evaluated and ");
        o.num(inventory.coverage_gaps.len());
        o.raw(" call(s) failed. These were not checked, not passed.</p>\n");
    }

    o.raw("<div class=\"tables\">\n<div><h3>By severity</h3>\n<table><tr><th>severity</th><th>open</th><th>suppressed</th><th>accepted</th></tr>\n");
    for severity in SEVERITIES {
        let of = |status: FindingStatus| {
            findings
                .iter()
                .filter(|f| f.severity == severity && f.status == status)
                .count()
        };
        o.raw("<tr><td>");
        badge(o, severity);
        o.raw("</td><td class=\"n\">");
        o.num(of(FindingStatus::Open));
        o.raw("</td><td class=\"n\">");
        o.num(of(FindingStatus::Suppressed));
        o.raw("</td><td class=\"n\">");
        o.num(of(FindingStatus::Accepted));
        o.raw("</td></tr>\n");
    }
    o.raw("</table></div>\n");

    let mut by_check: BTreeMap<(&str, &str), (usize, usize)> = BTreeMap::new();
    let mut by_region: BTreeMap<&str, usize> = BTreeMap::new();
    let mut by_owner: BTreeMap<String, usize> = BTreeMap::new();
    for f in findings {
        let entry = by_check
            .entry((f.check_id.as_str(), f.check_name.as_str()))
            .or_default();
        if f.is_open() {
            entry.0 += 1;
            *by_region.entry(f.region.as_str()).or_default() += 1;
            *by_owner.entry(owner_label(f)).or_default() += 1;
        } else {
            entry.1 += 1;
        }
    }
    o.raw(
        "<div><h3>By check</h3>\n<table><tr><th>check</th><th>open</th><th>set aside</th></tr>\n",
    );
    if by_check.is_empty() {
        o.raw("<tr><td colspan=\"3\" class=\"muted\">no findings</td></tr>\n");
    }
    for ((id, name), (open, aside)) in &by_check {
        o.raw("<tr><td>");
        o.text(id);
        o.raw(" <span class=\"muted\">");
        o.text(name);
        o.raw("</span></td><td class=\"n\">");
        o.num(*open);
        o.raw("</td><td class=\"n\">");
        o.num(*aside);
        o.raw("</td></tr>\n");
    }
    o.raw("</table></div>\n");
    o.raw("<div><h3>By region</h3>\n<table><tr><th>region</th><th>open</th></tr>\n");
    for region in &inventory.regions {
        o.el("<tr><td>", &region.region, "</td><td class=\"n\">");
        o.num(by_region.get(region.region.as_str()).copied().unwrap_or(0));
        o.raw("</td></tr>\n");
    }
    for (region, n) in by_region
        .iter()
        .filter(|(r, _)| !inventory.regions.iter().any(|ri| ri.region == **r))
    {
        o.el("<tr><td>", region, "</td><td class=\"n\">");
        o.num(*n);
        o.raw("</td></tr>\n");
    }
    o.raw("</table></div>\n");
    o.raw("<div><h3>By owner</h3>\n<table><tr><th>owner</th><th>open</th></tr>\n");
    if by_owner.is_empty() {
        o.raw("<tr><td colspan=\"2\" class=\"muted\">no open findings</td></tr>\n");
    }
    for (owner, n) in &by_owner {
        o.el("<tr><td>", owner, "</td><td class=\"n\">");
        o.num(*n);
        o.raw("</td></tr>\n");
    }
    o.raw("</table></div>\n</div>\n");

    if let Some(baseline) = audit.baseline {
        o.raw("<h3>Baseline</h3>\n<p>Compared with ");
        o.code(&baseline.file);
        o.el(" (collected ", &baseline.baseline_collected_at, "): ");
        o.num(baseline.new);
        o.raw(" new, ");
        o.num(baseline.unchanged);
        o.raw(" unchanged (left out of this report), ");
        o.num(baseline.resolved.len());
        o.raw(" resolved since.</p>\n");
        if !baseline.resolved.is_empty() {
            o.raw("<ul>\n");
            for f in &baseline.resolved {
                o.raw("<li>resolved: ");
                badge(o, f.severity);
                o.el(" ", &f.check_id, " ");
                o.code(f.function_name.as_deref().unwrap_or(&f.resource_arn));
                o.el(": ", &f.title, "</li>\n");
            }
            o.raw("</ul>\n");
        }
    }

    if let Some(declared) = audit.declared {
        let drift = findings
            .iter()
            .filter(|f| f.is_open() && f.check_id.starts_with("LA5"))
            .count();
        o.raw("<h3>Drift</h3>\n<p>");
        o.num(drift);
        o.raw(" open drift finding(s) against ");
        o.num(declared.sources.len());
        o.raw(" declared source(s):</p>\n<ul>\n");
        for source in &declared.sources {
            o.raw("<li>");
            o.code(&source.file);
            o.el(" — ", &source.format.to_string(), ", ");
            o.num(source.functions);
            o.raw(" function(s)");
            if let Some(stack) = &source.stack_name {
                o.raw(", stack ");
                o.code(stack);
            }
            o.raw("</li>\n");
        }
        for error in &declared.errors {
            o.raw("<li>could not read ");
            o.code(&error.location.to_string());
            o.el(": ", &error.message, "</li>\n");
        }
        o.raw("</ul>\n");
    }

    for skipped in &inventory.skipped_regions {
        o.el("<p class=\"warn\">region ", &skipped.region, " skipped: ");
        o.el("", &skipped.reason, "</p>\n");
    }
    if !results.warnings.is_empty() {
        o.raw("<h3>Warnings</h3>\n<ul>\n");
        for warning in &results.warnings {
            o.el("<li>", warning, "</li>\n");
        }
        o.raw("</ul>\n");
    }
    if !results.not_evaluated.is_empty() {
        o.raw("<details><summary>Not evaluated (");
        o.num(results.not_evaluated.len());
        o.raw(")</summary>\n<table><tr><th>check</th><th>region</th><th>resource</th><th>reason</th></tr>\n");
        for n in &results.not_evaluated {
            o.el("<tr><td>", &n.check_id, "</td>");
            o.el("<td>", &n.region, "</td>");
            o.el("<td>", &n.resource, "</td>");
            o.el("<td>", &n.reason, "</td></tr>\n");
        }
        o.raw("</table></details>\n");
    }
    if !inventory.coverage_gaps.is_empty() {
        o.raw("<details><summary>Coverage gaps (");
        o.num(inventory.coverage_gaps.len());
        o.raw(")</summary>\n<table><tr><th>call</th><th>region</th><th>resource</th><th>error</th></tr>\n");
        for gap in &inventory.coverage_gaps {
            o.el("<tr><td>", &gap.failure.operation, "</td>");
            o.el("<td>", gap.region.as_deref().unwrap_or("global"), "</td>");
            o.el("<td>", gap.resource.as_deref().unwrap_or(""), "</td>");
            o.el("<td>", &gap.failure.code, " (");
            o.text(&gap.failure.kind.to_string());
            o.el("): ", &gap.failure.message, "</td></tr>\n");
        }
        o.raw("</table></details>\n");
    }
    o.raw("</section>\n");
}

fn badge(o: &mut Out, severity: Severity) {
    o.raw(match severity {
        Severity::Critical => "<span class=\"badge sev-critical\">critical</span>",
        Severity::High => "<span class=\"badge sev-high\">high</span>",
        Severity::Medium => "<span class=\"badge sev-medium\">medium</span>",
        Severity::Low => "<span class=\"badge sev-low\">low</span>",
        Severity::Info => "<span class=\"badge sev-info\">info</span>",
    });
}

fn function_section(
    o: &mut Out,
    i: usize,
    region: &RegionInventory,
    function: &Function,
    analysis: Option<&Result<LeastPrivilege, String>>,
    findings: &[&Finding],
) {
    o.raw("<section class=\"fn\" id=\"fn-");
    o.num(i);
    o.raw("\">\n");
    o.el("<h2>", &function.name, "</h2>\n<dl class=\"facts\">\n");
    o.el("<dt>region</dt><dd>", &region.region, "</dd>\n");
    o.raw("<dt>ARN</dt><dd>");
    o.code(&function.arn);
    o.raw("</dd>\n");
    if let Some(runtime) = function.runtime.as_deref() {
        o.el("<dt>runtime</dt><dd>", runtime, "</dd>\n");
    }
    o.raw("<dt>role</dt><dd>");
    o.code(&function.role);
    o.raw("</dd>\n");
    if let Some(owner) = findings.iter().find_map(|f| f.owner.as_deref()) {
        o.el("<dt>owner</dt><dd>", owner, "</dd>\n");
    }
    if let Some(tags) = function.tags.value().filter(|t| !t.is_empty()) {
        o.raw("<dt>tags</dt><dd>");
        for (n, (key, value)) in tags.iter().enumerate() {
            if n > 0 {
                o.raw(" ");
            }
            o.raw("<code>");
            o.text(key);
            o.raw("=");
            o.text(value);
            o.raw("</code>");
        }
        o.raw("</dd>\n");
    }
    o.raw("</dl>\n<h3>Data flow</h3>\n");
    let graph = Graph::for_function(region, function, analysis);
    svg(o, i, &function.name, &graph);

    let open: Vec<&Finding> = findings
        .iter()
        .copied()
        .filter(|f| f.is_open() && !f.check_id.starts_with("LA5"))
        .collect();
    let drift: Vec<&Finding> = findings
        .iter()
        .copied()
        .filter(|f| f.is_open() && f.check_id.starts_with("LA5"))
        .collect();
    let set_aside: Vec<&Finding> = findings.iter().copied().filter(|f| !f.is_open()).collect();
    o.raw("<h3>Findings (");
    o.num(open.len());
    o.raw(" open)</h3>\n");
    if open.is_empty() {
        o.raw("<p class=\"muted\">No open finding.</p>\n");
    }
    for f in &open {
        finding(o, f);
    }
    if !drift.is_empty() {
        o.raw("<h3>Drift (");
        o.num(drift.len());
        o.raw(")</h3>\n");
        for f in &drift {
            finding(o, f);
        }
    }
    permissions(o, analysis);
    if !set_aside.is_empty() {
        o.raw("<div class=\"set-aside\">\n<h3>Suppressed or accepted (");
        o.num(set_aside.len());
        o.raw(") — kept for the record, not counted</h3>\n");
        for f in &set_aside {
            finding(o, f);
        }
        o.raw("</div>\n");
    }
    o.raw("</section>\n");
}

fn findings_block(o: &mut Out, findings: &[&Finding]) {
    for f in findings.iter().filter(|f| f.is_open()) {
        finding(o, f);
    }
    let set_aside: Vec<&&Finding> = findings.iter().filter(|f| !f.is_open()).collect();
    if !set_aside.is_empty() {
        o.raw("<div class=\"set-aside\">\n<h4>Suppressed or accepted</h4>\n");
        for f in set_aside {
            finding(o, f);
        }
        o.raw("</div>\n");
    }
}

/// One finding, in four parts: what (title, message), how we know (resource, declaration,
/// evidence), why it is a risk and how to fix it (from the check's documentation).
fn finding(o: &mut Out, f: &Finding) {
    o.raw(match f.severity {
        Severity::Critical => "<article class=\"finding b-critical\">\n",
        Severity::High => "<article class=\"finding b-high\">\n",
        Severity::Medium => "<article class=\"finding b-medium\">\n",
        Severity::Low => "<article class=\"finding b-low\">\n",
        Severity::Info => "<article class=\"finding b-info\">\n",
    });
    o.raw("<div class=\"head\">");
    badge(o, f.severity);
    o.el(" <code>", &f.check_id, "</code> ");
    o.el("<span class=\"muted\">", &f.check_name, "</span> ");
    o.el("<span class=\"title\">", &f.title, "</span>");
    match f.status {
        FindingStatus::Open => {}
        FindingStatus::Suppressed => o.raw(" <span class=\"status\">suppressed</span>"),
        FindingStatus::Accepted => o.raw(" <span class=\"status\">accepted by the owner</span>"),
    }
    o.raw("</div>\n");
    if let Some(s) = &f.suppression {
        o.raw("<p class=\"muted\">");
        if s.expired {
            o.raw("Its suppression expired");
            if let Some(expires) = &s.expires {
                o.el(" on ", expires, "");
            }
            o.raw(": open again. ");
        } else if s.source == "tag" {
            o.raw("Accepted by the owner's tag");
        } else {
            o.raw("Suppressed by the guardrails file");
            if let Some(line) = s.line {
                o.raw(" (line ");
                o.num(line);
                o.raw(")");
            }
        }
        if let Some(owner) = &s.owner {
            o.el(" — by ", owner, "");
        }
        if !s.expired
            && let Some(expires) = &s.expires
        {
            o.el(", until ", expires, "");
        }
        o.el(": ", &s.reason, "</p>\n");
    }
    o.el("<h4>What</h4>\n<p>", &f.message, "</p>\n");
    o.raw("<h4>How we know</h4>\n<p>resource ");
    o.code(&f.resource_arn);
    o.el(" in ", &f.region, "");
    if let Some(at) = &f.declared_at {
        o.raw(" · declared at ");
        o.code(&at.to_string());
    }
    o.raw("</p>\n");
    if !f.evidence.is_null() {
        let evidence = serde_json::to_string_pretty(&f.evidence).unwrap_or_default();
        o.el("<pre class=\"evidence\">", &evidence, "</pre>\n");
    }
    if let Some(meta) = checks::find(&f.check_id).map(|c| c.meta()) {
        doc_part(o, meta, "Why it is a risk");
        doc_part(o, meta, "How to fix");
    }
    o.raw("</article>\n");
}

fn doc_part(o: &mut Out, meta: &CheckMeta, heading: &'static str) {
    let Some(section) = doc_section(meta.doc, heading) else {
        return;
    };
    o.raw("<details><summary>");
    o.raw(heading);
    o.raw("</summary>\n");
    markdown(o, &section);
    o.raw("</details>\n");
}

/// The body of a `## heading` section of a check's documentation.
pub fn doc_section(doc: &str, heading: &str) -> Option<String> {
    let mut lines = doc.lines();
    lines.find(|l| {
        l.strip_prefix("## ")
            .is_some_and(|h| h.trim().eq_ignore_ascii_case(heading))
    })?;
    let body: Vec<&str> = lines.take_while(|l| !l.starts_with("## ")).collect();
    let text = body.join("\n").trim().to_string();
    (!text.is_empty()).then_some(text)
}

#[derive(PartialEq)]
enum Block {
    None,
    Para,
    List,
    Ordered,
    Table,
}

/// A small Markdown subset (paragraphs, lists, fenced code, tables, `**bold**`, `` `code` ``,
/// link text), every piece of text escaped; links become plain text.
fn markdown(o: &mut Out, text: &str) {
    let mut block = Block::None;
    let mut in_item = false;
    let mut fence = false;
    let mut header_row = false;
    let close = |o: &mut Out, block: &mut Block, in_item: &mut bool| {
        if *in_item {
            o.raw("</li>\n");
            *in_item = false;
        }
        o.raw(match block {
            Block::None => "",
            Block::Para => "</p>\n",
            Block::List => "</ul>\n",
            Block::Ordered => "</ol>\n",
            Block::Table => "</table>\n",
        });
        *block = Block::None;
    };
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with("```") {
            if fence {
                o.raw("</code></pre>\n");
                fence = false;
            } else {
                close(o, &mut block, &mut in_item);
                o.raw("<pre><code>");
                fence = true;
            }
            continue;
        }
        if fence {
            o.text(line);
            o.raw("\n");
            continue;
        }
        if trimmed.is_empty() {
            close(o, &mut block, &mut in_item);
            continue;
        }
        if trimmed.starts_with('|') {
            if block != Block::Table {
                close(o, &mut block, &mut in_item);
                o.raw("<table>\n");
                block = Block::Table;
                header_row = true;
            }
            if trimmed.chars().all(|c| matches!(c, '|' | '-' | ':' | ' ')) {
                continue;
            }
            o.raw("<tr>");
            let cells = trimmed.trim_matches('|').split('|');
            for cell in cells {
                o.raw(if header_row { "<th>" } else { "<td>" });
                inline(o, cell.trim());
                o.raw(if header_row { "</th>" } else { "</td>" });
            }
            o.raw("</tr>\n");
            header_row = false;
            continue;
        }
        let bullet = trimmed
            .strip_prefix("- ")
            .or_else(|| trimmed.strip_prefix("* "));
        let numbered = trimmed
            .split_once(". ")
            .filter(|(n, _)| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
            .map(|(_, rest)| rest);
        if let Some(item) = bullet.or(numbered) {
            let kind = if bullet.is_some() {
                Block::List
            } else {
                Block::Ordered
            };
            if block != kind {
                close(o, &mut block, &mut in_item);
                o.raw(if kind == Block::List {
                    "<ul>\n"
                } else {
                    "<ol>\n"
                });
                block = kind;
            }
            if in_item {
                o.raw("</li>\n");
            }
            o.raw("<li>");
            inline(o, item);
            in_item = true;
            continue;
        }
        if let Some(h) = trimmed.trim_start_matches('#').strip_prefix(' ')
            && trimmed.starts_with('#')
        {
            close(o, &mut block, &mut in_item);
            o.raw("<h5>");
            inline(o, h);
            o.raw("</h5>\n");
            continue;
        }
        match block {
            Block::Para => o.raw("\n"),
            Block::List | Block::Ordered if in_item => o.raw(" "),
            _ => {
                close(o, &mut block, &mut in_item);
                o.raw("<p>");
                block = Block::Para;
            }
        }
        inline(o, trimmed);
    }
    if fence {
        o.raw("</code></pre>\n");
    }
    close(o, &mut block, &mut in_item);
}

/// `**bold**`, `` `code` `` and `[text](target)` (kept as text); everything else escaped.
fn inline(o: &mut Out, text: &str) {
    let mut strong = false;
    let mut rest = text;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("**") {
            o.raw(if strong { "</strong>" } else { "<strong>" });
            strong = !strong;
            rest = after;
        } else if let Some(after) = rest.strip_prefix('`')
            && let Some(end) = after.find('`')
        {
            o.code(&after[..end]);
            rest = &after[end + 1..];
        } else if let Some(after) = rest.strip_prefix('[')
            && let Some(mid) = after.find("](")
            && let Some(end) = after[mid + 2..].find(')')
        {
            inline_plain(o, &after[..mid]);
            rest = &after[mid + 2 + end + 1..];
        } else {
            let first = rest.chars().next().map_or(1, char::len_utf8);
            let next = rest[first..]
                .find(['*', '`', '['])
                .map_or(rest.len(), |n| n + first);
            o.text(&rest[..next]);
            rest = &rest[next..];
        }
    }
    if strong {
        o.raw("</strong>");
    }
}

/// Link text: code spans kept, the rest escaped.
fn inline_plain(o: &mut Out, text: &str) {
    let mut rest = text;
    while let Some(start) = rest.find('`') {
        o.text(&rest[..start]);
        let after = &rest[start + 1..];
        match after.find('`') {
            Some(end) => {
                o.code(&after[..end]);
                rest = &after[end + 1..];
            }
            None => {
                o.text(&rest[start..]);
                rest = "";
            }
        }
    }
    o.text(rest);
}

fn permissions(o: &mut Out, analysis: Option<&Result<LeastPrivilege, String>>) {
    o.raw("<h3>Permissions</h3>\n");
    let lp = match analysis {
        Some(Ok(lp)) => lp,
        Some(Err(reason)) => {
            o.el(
                "<p class=\"warn\">Not analysed: ",
                reason,
                ". Not checked, not passed.</p>\n",
            );
            return;
        }
        None => {
            o.raw("<p class=\"muted\">No analysis.</p>\n");
            return;
        }
    };
    o.raw("<p>The role grants ");
    let total: usize = lp.granted_actions_by_level.values().sum();
    o.num(total);
    o.raw(" action(s)");
    if !lp.granted_actions_by_level.is_empty() {
        o.raw(" (");
        for (n, (level, count)) in lp.granted_actions_by_level.iter().rev().enumerate() {
            if n > 0 {
                o.raw(", ");
            }
            o.num(*count);
            o.el(" ", &level.to_string(), "");
        }
        o.raw(")");
    }
    o.raw("; ");
    o.num(lp.excess.iter().map(|g| g.count).sum::<usize>());
    o.raw(" beyond what the configuration needs; ");
    o.num(lp.missing.len());
    o.raw(" needed permission(s) missing.</p>\n");
    if !lp.excess.is_empty() {
        o.raw("<h4>Excess</h4>\n<table><tr><th>service</th><th>access level</th><th>actions</th><th>on resources</th></tr>\n");
        // Groups come riskiest first; an administrator's run to hundreds of services.
        for g in lp.excess.iter().take(MAX_EXCESS_GROUPS_SHOWN) {
            o.el("<tr><td>", &g.service, "</td>");
            o.el("<td>", &g.access_level.to_string(), "");
            if g.on_any_resource {
                o.raw(" <strong>on *</strong>");
            }
            o.raw("</td><td>");
            o.num(g.count);
            o.raw(": ");
            // An administrator role's excess runs to thousands of actions: name a few per
            // group, the JSON report has them all.
            let mut names: Vec<&str> = g.actions.iter().map(String::as_str).collect();
            names.extend(g.wider_than_needed.iter().map(String::as_str));
            let shown = names.len().min(MAX_ACTIONS_SHOWN);
            o.text(&names[..shown].join(", "));
            // `actions` may itself be a sample of the group; `count` is the whole of it.
            let total = names.len().max(g.count + g.wider_than_needed.len());
            if total > shown {
                o.raw(" <span class=\"muted\">… and ");
                o.num(total - shown);
                o.raw(" more</span>");
            }
            if !g.wider_than_needed.is_empty() {
                o.el(
                    " <span class=\"muted\">(wider than needed: ",
                    &g.wider_than_needed.join(", "),
                    ")</span>",
                );
            }
            o.raw("</td><td>");
            for r in &g.resources {
                o.code(r);
                o.raw(" ");
            }
            o.raw("</td></tr>\n");
        }
        if lp.excess.len() > MAX_EXCESS_GROUPS_SHOWN {
            let rest = &lp.excess[MAX_EXCESS_GROUPS_SHOWN..];
            o.raw("<tr><td colspan=\"4\" class=\"muted\">… and ");
            o.num(rest.len());
            o.raw(" more group(s), ");
            o.num(rest.iter().map(|g| g.count).sum::<usize>());
            o.raw(" action(s) in all</td></tr>\n");
        }
        o.raw("</table>\n");
    }
    if !lp.missing.is_empty() {
        o.raw("<h4>Missing</h4>\n<table><tr><th>action</th><th>resource</th><th>because</th><th>decision</th></tr>\n");
        for m in &lp.missing {
            o.raw("<tr><td>");
            o.code(&m.action);
            o.raw("</td><td>");
            o.code(&m.resource);
            o.el("</td><td>", &m.because, "</td>");
            o.el("<td>", &m.decision, "</td></tr>\n");
        }
        o.raw("</table>\n");
    }
    let policy = serde_json::to_string_pretty(&lp.suggested_policy).unwrap_or_default();
    o.raw("<details><summary>Suggested least-privilege policy</summary>\n");
    o.el("<pre>", &policy, "</pre>\n</details>\n");
}

/// SVG geometry.
const COL_PITCH: f64 = 330.0;
const BOX_W: f64 = 220.0;
const BOX_H: f64 = 44.0;
const ROW_PITCH: f64 = 58.0;
const TOP: f64 = 16.0;
const LEFT: f64 = 12.0;
/// Characters of a label drawn in a box, and of an edge label, before `…`.
const LABEL_CHARS: usize = 32;
const EDGE_CHARS: usize = 22;

fn clip(text: &str, max: usize) -> String {
    let single: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if single.chars().count() <= max {
        return single;
    }
    let mut short: String = single.chars().take(max.saturating_sub(1)).collect();
    short.push('…');
    short
}

/// The function's map, four columns: triggers → function → role → resources. Each node and
/// edge has a `<title>` with the full text (a tooltip); drawn text is clipped.
fn svg(o: &mut Out, i: usize, function_name: &str, graph: &Graph) {
    let mut columns: [Vec<usize>; 4] = Default::default();
    for (n, node) in graph.nodes.iter().enumerate() {
        columns[node.kind.column()].push(n);
    }
    let rows = columns.iter().map(Vec::len).max().unwrap_or(1).max(1);
    let height = TOP * 2.0 + rows as f64 * ROW_PITCH - (ROW_PITCH - BOX_H);
    let width = LEFT * 2.0 + 3.0 * COL_PITCH + BOX_W;
    let mut pos = vec![(0.0f64, 0.0f64); graph.nodes.len()];
    for (c, column) in columns.iter().enumerate() {
        let offset = (rows - column.len()) as f64 * ROW_PITCH / 2.0;
        for (r, &n) in column.iter().enumerate() {
            pos[n] = (
                LEFT + c as f64 * COL_PITCH,
                TOP + offset + r as f64 * ROW_PITCH,
            );
        }
    }
    o.raw("<svg class=\"map\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\"");
    o.attr("aria-label", &format!("Data flow of {function_name}"));
    o.raw(" viewBox=\"0 0 ");
    o.coord(width);
    o.raw(" ");
    o.coord(height);
    o.raw("\">\n<defs><marker id=\"arrow-");
    o.num(i);
    o.raw("\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#6e7781\"/></marker></defs>\n");
    let mut out_degree = vec![0usize; graph.nodes.len()];
    for edge in &graph.edges {
        out_degree[edge.from] += 1;
    }
    for edge in &graph.edges {
        let (fx, fy) = pos[edge.from];
        let (tx, ty) = pos[edge.to];
        let (x1, y1) = (fx + BOX_W, fy + BOX_H / 2.0);
        let (x2, y2) = (tx - 2.0, ty + BOX_H / 2.0);
        let mid = (x1 + x2) / 2.0;
        o.raw(match edge.kind {
            EdgeKind::GrantsExcess => "<g class=\"edge excess\">",
            EdgeKind::Missing => "<g class=\"edge missing\">",
            _ => "<g class=\"edge\">",
        });
        let text = edge_text(edge);
        o.el("<title>", &text, "</title>");
        o.raw("<path d=\"M");
        o.coord(x1);
        o.raw(",");
        o.coord(y1);
        o.raw(" C");
        o.coord(mid);
        o.raw(",");
        o.coord(y1);
        o.raw(" ");
        o.coord(mid);
        o.raw(",");
        o.coord(y2);
        o.raw(" ");
        o.coord(x2);
        o.raw(",");
        o.coord(y2);
        o.raw("\" marker-end=\"url(#arrow-");
        o.num(i);
        o.raw(")\"/>");
        if !text.is_empty() {
            // Next to the end that has this edge to itself: the source when it has one
            // edge out (a trigger), else the target (a resource).
            let near_source = out_degree[edge.from] == 1;
            o.raw("<text class=\"el\"");
            if near_source {
                o.attr_coord("x", x1 + 5.0);
                o.attr_coord("y", y1 - 5.0);
            } else {
                o.attr_coord("x", x2 - 8.0);
                o.attr_coord("y", y2 - 5.0);
                o.raw(" text-anchor=\"end\"");
            }
            o.el(">", &clip(&text, EDGE_CHARS), "</text>");
        }
        o.raw("</g>\n");
    }
    for (n, node) in graph.nodes.iter().enumerate() {
        let (x, y) = pos[n];
        o.raw(match node.kind {
            NodeKind::Trigger => "<g class=\"node trigger\">",
            NodeKind::Function => "<g class=\"node function\">",
            NodeKind::Role => "<g class=\"node role\">",
            NodeKind::Resource => "<g class=\"node resource\">",
        });
        o.el("<title>", &node.detail, "</title>");
        o.raw("<rect");
        o.attr_coord("x", x);
        o.attr_coord("y", y);
        o.attr_coord("width", BOX_W);
        o.attr_coord("height", BOX_H);
        o.raw(" rx=\"7\"/><text class=\"kind\"");
        o.attr_coord("x", x + 9.0);
        o.attr_coord("y", y + 14.0);
        o.raw(match node.kind {
            NodeKind::Trigger => ">TRIGGER</text>",
            NodeKind::Function => ">FUNCTION</text>",
            NodeKind::Role => ">ROLE</text>",
            NodeKind::Resource => ">RESOURCE</text>",
        });
        o.raw("<text");
        o.attr_coord("x", x + 9.0);
        o.attr_coord("y", y + 33.0);
        o.el(">", &clip(&node.label, LABEL_CHARS), "</text></g>\n");
    }
    if columns[0].is_empty() {
        o.raw("<text class=\"none\"");
        o.attr_coord("x", LEFT + 4.0);
        o.attr_coord("y", height / 2.0 + 4.0);
        o.raw(">no trigger found</text>\n");
    }
    o.raw("</svg>\n<p class=\"legend muted\"><span><i class=\"lk\"></i>invokes / runs as / grants</span><span><i class=\"lk excess\"></i>granted beyond need (excess)</span><span><i class=\"lk missing\"></i>needed, not granted (missing)</span> Hover a box or line for its full text.</p>\n");
}

/// Standard base64 with padding (for the CSP hash).
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * k) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_the_rfc_vectors() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }

    #[test]
    fn escape_covers_markup_quotes_and_controls() {
        assert_eq!(
            escape_html("<a href=\"x\" title='y'>&\x1b[31m"),
            "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;\\u{1b}[31m"
        );
    }

    #[test]
    fn markdown_subset_is_escaped_and_balanced() {
        let mut o = Out { buf: String::new() };
        markdown(
            &mut o,
            "Some **bold <b>** and `co<de>` [LA102](LA102.md).\n\n- one\n  more\n- two\n\n| a | b |\n|---|---|\n| <x> | y |\n\n```\n<script>\n```",
        );
        let html = o.buf;
        assert!(!html.contains("<b>") && !html.contains("<x>") && !html.contains("<script>"));
        assert!(html.contains("<strong>bold &lt;b&gt;</strong>"), "{html}");
        assert!(html.contains("<code>co&lt;de&gt;</code>"), "{html}");
        assert!(html.contains("LA102") && !html.contains("href"), "{html}");
        assert!(html.contains("<li>one more</li>"), "{html}");
        assert!(html.contains("<th>a</th>") && html.contains("<td>&lt;x&gt;</td>"));
    }

    #[test]
    fn every_check_has_why_and_fix_sections() {
        for check in checks::registry() {
            let meta = check.meta();
            assert!(
                doc_section(meta.doc, "Why it is a risk").is_some(),
                "{}",
                meta.id
            );
            assert!(doc_section(meta.doc, "How to fix").is_some(), "{}", meta.id);
        }
    }
}

//! Rendering an audit: the versioned JSON report and the terminal text report.

pub mod diff;
pub mod graph;
pub mod html;
pub mod json;
pub mod markdown;
pub mod merge;
pub mod multi;
pub mod sarif;
pub mod text;

use crate::baseline::BaselineSummary;
use crate::checks::CheckResults;
use crate::cli::ReportFormat;
use crate::declared::DeclaredEstate;
use crate::inventory::Inventory;

/// Everything a renderer needs: the inventory the checks ran on and what they found.
pub struct Audit<'a> {
    pub inventory: &'a Inventory,
    pub results: &'a CheckResults,
    /// What `--declared` read, when given: the drift section lists its sources and errors.
    pub declared: Option<&'a DeclaredEstate>,
    /// With `--baseline`: the findings it left out (already known) and those resolved since.
    pub baseline: Option<&'a BaselineSummary>,
}

/// Replaces control characters (ANSI escapes, carriage returns, NUL) with visible escapes,
/// so a hostile function name or tag cannot rewrite the reader's terminal.
pub fn sanitize_for_terminal(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        // Every field is printed on its own line: a newline from the account (a snapshot
        // can hold one) must not fake another line of the report.
        if c.is_control() && c != '\t' {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

/// Renders `audit` in `format`; `color` only applies to text on a terminal.
pub fn render(format: ReportFormat, audit: &Audit<'_>, color: bool) -> String {
    match format {
        ReportFormat::Text => text::render_with(audit, color),
        ReportFormat::Json => json::render(audit),
        ReportFormat::Markdown => markdown::render(audit),
        ReportFormat::Html => html::render(audit),
        ReportFormat::Sarif => sarif::render(audit),
    }
}

/// The file each format is written to under `--output-dir`.
pub fn file_name(format: ReportFormat) -> &'static str {
    match format {
        ReportFormat::Text => "report.txt",
        ReportFormat::Json => "report.json",
        ReportFormat::Markdown => "report.md",
        ReportFormat::Html => "report.html",
        ReportFormat::Sarif => "report.sarif",
    }
}

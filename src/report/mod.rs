//! Rendering an audit: the versioned JSON report and the terminal text report.

pub mod json;
pub mod text;

use crate::checks::CheckResults;
use crate::declared::DeclaredEstate;
use crate::inventory::Inventory;

/// Everything a renderer needs: the inventory the checks ran on and what they found.
pub struct Audit<'a> {
    pub inventory: &'a Inventory,
    pub results: &'a CheckResults,
    /// What `--declared` read, when given: the drift section lists its sources and errors.
    pub declared: Option<&'a DeclaredEstate>,
}

/// Replaces control characters (ANSI escapes, carriage returns, NUL) with visible escapes,
/// so a hostile function name or tag cannot rewrite the reader's terminal.
pub fn sanitize_for_terminal(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() && c != '\n' && c != '\t' {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

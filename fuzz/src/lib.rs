//! The fuzz harnesses: one function per target, taking the fuzzer's raw bytes. Kept apart
//! from `fuzz_targets/` so the regression tests (`tests/it/fuzz_regressions.rs`, which
//! includes this file as a module) replay the committed seeds through exactly the same code.
//!
//! Every harness may see the parsers return errors; only a panic (including a failed
//! invariant below), a crash, a timeout or an out-of-memory counts as a finding.

use lambda_audit::guardrails::Guardrails;
use lambda_audit::inventory::snapshot;
use lambda_audit::policy::condition::{CALLER_SCOPING_KEYS, URL_SCOPING_KEYS, first_restricting};
use lambda_audit::policy::{
    ActionSpec, PrincipalSpec, Statement, parse_statements, wildcard_match_ci,
};
use std::path::Path;

/// Actions every parsed statement is asked about, besides its own patterns.
const ACTIONS: &[&str] = &[
    "lambda:InvokeFunction",
    "lambda:invokefunctionurl",
    "iam:PassRole",
    "s3:GetObject",
    "sts:AssumeRole",
    "*",
    "",
];

/// At most this many of a statement's own patterns are replayed as actions (each check is
/// patterns × patterns wildcard matches; a huge list would only slow the fuzzer down).
const MAX_OWN_PATTERNS: usize = 32;

/// `policy_parser`: the bytes as an IAM policy document, both as IAM returns it
/// (URL-encoded, through `decode_policy_document`) and as plain JSON.
pub fn policy_parser(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(document) = lambda_audit::collect::iam::decode_policy_document(text) {
        exercise_policy(&document);
    }
    if let Ok(document) = serde_json::from_str::<serde_json::Value>(text) {
        // IAM's URL-encoding is transparent: the encoded text decodes to the same document.
        let encoded =
            percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC)
                .to_string();
        let decoded = lambda_audit::collect::iam::decode_policy_document(&encoded);
        assert_eq!(
            decoded.as_ref(),
            Ok(&document),
            "URL-encoded document decodes differently"
        );
        exercise_policy(&document);
    }
}

fn exercise_policy(document: &serde_json::Value) {
    let statements = match parse_statements(document) {
        Ok(statements) => statements,
        Err(e) => {
            let _ = e.to_string();
            return;
        }
    };
    for statement in &statements {
        let _ = statement.label();
        for action in ACTIONS {
            let _ = statement.covers_action(action);
        }
        check_own_patterns(statement);
        match &statement.principal {
            PrincipalSpec::Principal(p) | PrincipalSpec::NotPrincipal(p) => {
                let _ = p.is_everyone();
                let _ = p.aws_accounts();
            }
            PrincipalSpec::None => {}
        }
        for condition in &statement.conditions {
            let _ = condition.restricts(CALLER_SCOPING_KEYS);
            let _ = condition.restricts(URL_SCOPING_KEYS);
            let _ = condition.key_is("aws:SourceArn");
        }
        let _ = first_restricting(&statement.conditions, CALLER_SCOPING_KEYS);
    }
}

/// A literal action pattern (no `*` or `?`) names exactly itself: an `Action` statement
/// covers it, a `NotAction` statement does not.
fn check_own_patterns(statement: &Statement) {
    let (patterns, covered) = match &statement.actions {
        ActionSpec::Action(patterns) => (patterns, true),
        ActionSpec::NotAction(patterns) => (patterns, false),
    };
    for pattern in patterns.iter().take(MAX_OWN_PATTERNS) {
        let covers = statement.covers_action(pattern);
        if !pattern.contains(['*', '?']) {
            assert_eq!(
                covers,
                covered,
                "{}: literal pattern {pattern:?}",
                statement.label()
            );
        }
    }
}

/// `snapshot_reader`: the bytes as a saved inventory (`--from-snapshot`). What parses must
/// survive a save/load round trip (`--snapshot-out` then `--from-snapshot`).
pub fn snapshot_reader(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let path = Path::new("fuzz-snapshot.json");
    match snapshot::parse(text, path) {
        Ok(inventory) => {
            let saved =
                serde_json::to_string_pretty(&inventory).expect("a parsed inventory serializes");
            match snapshot::parse(&saved, path) {
                Ok(reloaded) => assert!(reloaded == inventory, "round trip changed:\n{saved}"),
                Err(e) => panic!("a saved inventory does not load again: {e}\n{saved}"),
            }
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
}

/// `guardrails_file`: the bytes as a `lambda-audit.toml` guardrails file.
pub fn guardrails_file(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match Guardrails::parse(text, Path::new("lambda-audit.toml")) {
        Ok(guardrails) => {
            let _ = format!("{guardrails:?}");
        }
        Err(e) => {
            let _ = e.to_string();
            let _ = e.line();
        }
    }
}

/// `wildcard_match`: the bytes as `pattern\ntext` (no newline: the whole input is both).
pub fn wildcard_match(data: &[u8]) {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    let (pattern, text) = input.split_once('\n').unwrap_or((input, input));
    let matched = wildcard_match_ci(pattern, text);

    assert!(wildcard_match_ci("*", text), "`*` matches everything");
    if !pattern.contains(['*', '?']) {
        assert!(
            wildcard_match_ci(pattern, pattern),
            "a literal matches itself"
        );
    }
    if matched {
        assert!(wildcard_match_ci(&format!("{pattern}*"), text), "P* ⊇ P");
        assert!(wildcard_match_ci(&format!("*{pattern}"), text), "*P ⊇ P");
    }
    // On ASCII, case-insensitivity is unambiguous: compare with a plain dynamic-programming
    // matcher over the lower-cased strings.
    if pattern.is_ascii() && text.is_ascii() {
        let expected = reference_glob(
            pattern.to_ascii_lowercase().as_bytes(),
            text.to_ascii_lowercase().as_bytes(),
        );
        assert_eq!(matched, expected, "pattern {pattern:?} text {text:?}");
    }
}

/// Textbook O(pattern × text) glob: `*` any run, `?` one byte, anything else itself.
fn reference_glob(pattern: &[u8], text: &[u8]) -> bool {
    // row[j]: pattern[..i] matches text[..j].
    let mut row = vec![false; text.len() + 1];
    row[0] = true;
    for &p in pattern {
        let mut next = vec![false; text.len() + 1];
        if p == b'*' {
            next[0] = row[0];
        }
        for j in 1..=text.len() {
            next[j] = match p {
                b'*' => row[j] || next[j - 1],
                b'?' => row[j - 1],
                c => row[j - 1] && c == text[j - 1],
            };
        }
        row = next;
    }
    row[text.len()]
}

/// `declared_parser`: the bytes as a declaration file (CloudFormation/SAM, Serverless,
/// Terraform; the format is detected from content, as `--declared` does), read in a context
/// with a deployed stack, then compared with a small inventory by every drift check.
pub fn declared_parser(data: &[u8]) {
    use lambda_audit::declared::{DeployedStack, ResolveContext, parse_text};
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let ctx = ResolveContext {
        account_id: "111122223333".into(),
        partition: "aws".into(),
        default_region: Some("us-east-1".into()),
        parameters: [("stage".to_string(), "prod".to_string())].into(),
        deployed_stacks: vec![DeployedStack {
            name: "app".into(),
            region: "us-east-1".into(),
            function_logical_ids: ["Api".to_string(), "Worker".to_string()].into(),
        }],
    };
    let estate = match parse_text("fuzz.yaml", text, &ctx) {
        Ok(Some(estate)) => estate,
        Ok(None) => return,
        Err(e) => {
            let _ = e.to_string();
            return;
        }
    };
    // Nothing a declaration holds may leak into its debug form (it holds env values).
    let _ = format!("{estate:?}");
    let _ = serde_json::to_string(&estate);
    let inventory = declared_inventory();
    let results =
        lambda_audit::checks::run_with_declared(inventory, &Guardrails::default(), Some(&estate));
    for finding in &results.findings {
        assert!(finding.check_id.starts_with("LA"), "{finding:?}");
    }
}

fn declared_inventory() -> &'static lambda_audit::inventory::Inventory {
    static INVENTORY: std::sync::OnceLock<lambda_audit::inventory::Inventory> =
        std::sync::OnceLock::new();
    INVENTORY.get_or_init(|| {
        let text = include_str!("../../tests/fixtures/inventory-base.json");
        snapshot::parse(text, Path::new("inventory-base.json"))
            .unwrap_or_else(|e| panic!("the base inventory fixture parses: {e}"))
    })
}

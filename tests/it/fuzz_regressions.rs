//! Fuzz regressions: every committed seed (`fuzz/corpus/<target>/seed-*`) replayed through
//! the fuzz harness of its target, so `cargo test` catches what the fuzzers once found
//! without needing nightly or cargo-fuzz. The harnesses are `fuzz/src/lib.rs` itself,
//! included here as a module: the same code the fuzz targets run. The parsers may return
//! errors; a panic (or a failed harness invariant) fails the test.

#[path = "../../fuzz/src/lib.rs"]
mod harness;

use std::path::{Path, PathBuf};

/// The committed seeds of `target`, in name order; fails when there are none (a renamed
/// directory must not silently turn the test into a no-op).
fn seeds(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| {
            path.file_name()
                .and_then(|name| name.to_str())
                .is_some_and(|name| name.starts_with("seed-"))
        })
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "no seed-* files in {}", dir.display());
    paths
        .into_iter()
        .map(|path| {
            let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            (path, bytes)
        })
        .collect()
}

/// Runs every seed of `target` through `harness`, naming the seeds that panicked.
fn replay(target: &str, harness: fn(&[u8])) {
    let failed: Vec<String> = seeds(target)
        .into_iter()
        .filter(|(_, bytes)| std::panic::catch_unwind(|| harness(bytes)).is_err())
        .map(|(path, _)| path.display().to_string())
        .collect();
    assert!(failed.is_empty(), "{target}: panicked on {failed:?}");
}

#[test]
fn policy_parser_seeds_do_not_panic() {
    replay("policy_parser", harness::policy_parser);
}

#[test]
fn snapshot_reader_seeds_do_not_panic() {
    replay("snapshot_reader", harness::snapshot_reader);
}

#[test]
fn guardrails_file_seeds_do_not_panic() {
    replay("guardrails_file", harness::guardrails_file);
}

#[test]
fn wildcard_match_seeds_do_not_panic() {
    replay("wildcard_match", harness::wildcard_match);
}

/// The seeds are what they claim: the real inputs they were copied from still parse, so the
/// fuzzers start from the interesting (accepted) side of each parser.
#[test]
fn seeds_from_real_inputs_still_parse() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
    let read = |p: &str| std::fs::read_to_string(corpus.join(p)).expect(p);
    let policy: serde_json::Value =
        serde_json::from_str(&read("policy_parser/seed-iam-policy-readonly.json")).unwrap();
    assert!(lambda_audit::policy::parse_statements(&policy).is_ok());
    let encoded = read("policy_parser/seed-url-encoded-resource-policy.txt");
    let decoded = lambda_audit::collect::iam::decode_policy_document(&encoded).unwrap();
    assert!(lambda_audit::policy::parse_statements(&decoded).is_ok());
    for seed in [
        "snapshot_reader/seed-inventory-base.json",
        "snapshot_reader/seed-inventory-one-function.json",
    ] {
        let parsed = lambda_audit::inventory::snapshot::parse(&read(seed), Path::new(seed));
        assert!(parsed.is_ok(), "{seed}: {:?}", parsed.err());
    }
    let guardrails = read("guardrails_file/seed-example.toml");
    assert!(lambda_audit::guardrails::Guardrails::parse(&guardrails, Path::new("example")).is_ok());
}

#[test]
fn declared_parser_seeds_do_not_panic() {
    replay("declared_parser", harness::declared_parser);
}

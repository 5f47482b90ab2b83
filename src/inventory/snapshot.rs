//! Saving and loading the inventory as versioned JSON (`--snapshot-out`, `--from-snapshot`).

use super::{Inventory, SCHEMA_VERSION};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("cannot read snapshot {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write snapshot {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: not a lambda-audit snapshot: line {line}, column {column}: {message}")]
    NotJson {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{path}: no `schema_version` field: not a lambda-audit snapshot")]
    NoVersion { path: PathBuf },
    #[error(
        "{path}: snapshot schema_version {found} is not supported (this build reads version {supported}); re-collect it with this version of lambda-audit"
    )]
    UnsupportedVersion {
        path: PathBuf,
        found: u64,
        supported: u32,
    },
    #[error("{path}: line {line}, column {column}, field `{field}`: {message}")]
    Invalid {
        path: PathBuf,
        line: usize,
        column: usize,
        field: String,
        message: String,
    },
}

pub fn write(inventory: &Inventory, path: &Path) -> Result<(), SnapshotError> {
    let json = serde_json::to_string_pretty(inventory).map_err(|e| SnapshotError::Write {
        path: path.to_path_buf(),
        source: std::io::Error::other(e),
    })?;
    std::fs::write(path, json + "\n").map_err(|source| SnapshotError::Write {
        path: path.to_path_buf(),
        source,
    })
}

pub fn read(path: &Path) -> Result<Inventory, SnapshotError> {
    let text = std::fs::read_to_string(path).map_err(|source| SnapshotError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    parse(&text, path)
}

/// Parses snapshot text; `path` only names the source in errors.
pub fn parse(text: &str, path: &Path) -> Result<Inventory, SnapshotError> {
    // Check the version before the shape, so an old or future snapshot gets the version
    // message rather than a confusing missing-field error.
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| SnapshotError::NotJson {
            path: path.to_path_buf(),
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        })?;
    let version = value
        .get("schema_version")
        .and_then(|v| v.as_u64())
        .ok_or_else(|| SnapshotError::NoVersion {
            path: path.to_path_buf(),
        })?;
    if version != u64::from(SCHEMA_VERSION) {
        return Err(SnapshotError::UnsupportedVersion {
            path: path.to_path_buf(),
            found: version,
            supported: SCHEMA_VERSION,
        });
    }
    let mut deserializer = serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
        let field = e.path().to_string();
        let inner = e.into_inner();
        SnapshotError::Invalid {
            path: path.to_path_buf(),
            line: inner.line(),
            column: inner.column(),
            field,
            message: inner.to_string(),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_unknown_versions_and_names_bad_fields() {
        let p = Path::new("snap.json");
        let err = parse(r#"{"schema_version": 99}"#, p)
            .unwrap_err()
            .to_string();
        assert!(err.contains("schema_version 99 is not supported"), "{err}");
        let err = parse("{\n\"schema_version\": 1,\n\"tool_version\": 5}", p)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("snap.json: line 3") && err.contains("tool_version"),
            "{err}"
        );
        let err = parse("not json", p).unwrap_err().to_string();
        assert!(err.contains("line 1"), "{err}");
    }
}

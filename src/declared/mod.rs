//! Reading what infrastructure-as-code declares: CloudFormation/SAM templates, Serverless
//! Framework files and Terraform state or plan JSON, detected by content, into one
//! [`DeclaredEstate`] that the drift checks compare with the inventory.
//!
//! A file that cannot be read is an error naming file, line and column, recorded in
//! [`DeclaredEstate::errors`]; the other files are still used.

pub mod cloudformation;
pub mod model;
pub mod serverless;
pub mod terraform;
pub mod yaml;

pub use model::*;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Larger declaration files are refused rather than read into memory.
pub const MAX_FILE_BYTES: u64 = 20 * 1024 * 1024;

/// What resolving a declaration needs from the deployed side: pseudo parameters, operator
/// overrides, and which stacks exist (a template does not name its own stack).
#[derive(Debug, Clone, Default)]
pub struct ResolveContext {
    pub account_id: String,
    pub partition: String,
    /// The region to assume when a declaration does not say (the first audited region).
    pub default_region: Option<String>,
    /// `--parameter KEY=VALUE`: CloudFormation parameters, and Serverless `${opt:KEY}`
    /// options (`stage`, `region`).
    pub parameters: BTreeMap<String, String>,
    /// Deployed stacks as the `aws:cloudformation:*` tags of deployed functions show them.
    pub deployed_stacks: Vec<DeployedStack>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeployedStack {
    pub name: String,
    pub region: String,
    /// Logical ids of the stack's Lambda functions.
    pub function_logical_ids: BTreeSet<String>,
}

impl ResolveContext {
    /// Builds the stack list from the deployed functions' CloudFormation tags.
    pub fn from_inventory(
        inventory: &crate::inventory::Inventory,
        parameters: BTreeMap<String, String>,
    ) -> Self {
        let mut stacks: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
        for (region, function) in inventory.functions() {
            let Some(tags) = function.tags.value() else {
                continue;
            };
            if let (Some(stack), Some(logical_id)) = (
                tags.get("aws:cloudformation:stack-name"),
                tags.get("aws:cloudformation:logical-id"),
            ) {
                stacks
                    .entry((stack.clone(), region.region.clone()))
                    .or_default()
                    .insert(logical_id.clone());
            }
        }
        ResolveContext {
            account_id: inventory.account.account_id.clone(),
            partition: inventory.account.partition.clone(),
            default_region: inventory.regions.first().map(|r| r.region.clone()),
            parameters,
            deployed_stacks: stacks
                .into_iter()
                .map(|((name, region), function_logical_ids)| DeployedStack {
                    name,
                    region,
                    function_logical_ids,
                })
                .collect(),
        }
    }
}

/// What a file's content says it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detected {
    Format(SourceFormat),
    /// Parsed, but none of ours (a `package.json`, a CI workflow).
    Other,
}

/// Reads every path (files, and folders walked recursively, skipping hidden folders,
/// `node_modules` and `.terraform`) and merges what they declare.
pub fn load(paths: &[PathBuf], ctx: &ResolveContext) -> DeclaredEstate {
    let mut estate = DeclaredEstate::default();
    for path in paths {
        if path.is_dir() {
            let mut files = Vec::new();
            if let Err(err) = walk(path, &mut files) {
                estate.errors.push(DeclaredError {
                    location: Location::file(path.display().to_string()),
                    message: format!("cannot list the folder: {err}"),
                });
            }
            files.sort();
            for file in files {
                load_file(&file, ctx, false, &mut estate);
            }
        } else {
            load_file(path, ctx, true, &mut estate);
        }
    }
    estate
}

const CANDIDATE_EXTENSIONS: [&str; 6] = ["yaml", "yml", "json", "template", "tfstate", "tf.json"];

fn walk(dir: &Path, files: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().to_string();
        let kind = entry.file_type()?;
        if kind.is_dir() {
            if !name.starts_with('.') && name != "node_modules" {
                walk(&path, files)?;
            }
        } else if kind.is_file()
            && CANDIDATE_EXTENSIONS
                .iter()
                .any(|ext| name.ends_with(&format!(".{ext}")))
        {
            files.push(path);
        }
    }
    Ok(())
}

/// Reads one file. `named`: the user gave this file explicitly, so a file we do not
/// recognise is an error rather than skipped.
fn load_file(path: &Path, ctx: &ResolveContext, named: bool, estate: &mut DeclaredEstate) {
    let file = path.display().to_string();
    let fail = |estate: &mut DeclaredEstate, message: String| {
        estate.errors.push(DeclaredError {
            location: Location::file(file.clone()),
            message,
        })
    };
    match std::fs::metadata(path) {
        Ok(meta) if meta.len() > MAX_FILE_BYTES => {
            return fail(
                estate,
                format!(
                    "{} bytes is more than the {MAX_FILE_BYTES} bytes a declaration may have",
                    meta.len()
                ),
            );
        }
        Ok(_) => {}
        Err(err) => return fail(estate, format!("cannot read: {err}")),
    }
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(err) => return fail(estate, format!("cannot read: {err}")),
    };
    let Ok(text) = String::from_utf8(bytes) else {
        return fail(estate, "is not UTF-8 text".into());
    };
    match parse_text(&file, &text, ctx) {
        Ok(Some(parsed)) => estate.extend(parsed),
        Ok(None) if named => fail(
            estate,
            "is neither a CloudFormation/SAM template, a Serverless Framework file nor Terraform state or plan JSON".into(),
        ),
        Ok(None) => {}
        Err(error) => estate.errors.push(error),
    }
}

/// Detects the format of `text` (read from `file`) and parses it; `Ok(None)` when it is
/// none of the declared formats.
pub fn parse_text(
    file: &str,
    text: &str,
    ctx: &ResolveContext,
) -> Result<Option<DeclaredEstate>, DeclaredError> {
    let yaml_error = |e: yaml::YamlError| DeclaredError {
        location: Location::at(file, e.line, e.column),
        message: e.message,
    };
    let root = yaml::parse(text).map_err(yaml_error)?;
    match detect(&root) {
        Detected::Format(SourceFormat::CloudFormation) => {
            cloudformation::parse(file, &root, ctx).map(Some)
        }
        Detected::Format(SourceFormat::Serverless) => serverless::parse(file, &root, ctx).map(Some),
        Detected::Format(SourceFormat::TerraformState | SourceFormat::TerraformPlan) => {
            terraform::parse(file, text, &root, ctx).map(Some)
        }
        Detected::Other => Ok(None),
    }
}

pub fn detect(root: &yaml::Node) -> Detected {
    let has = |key: &str| root.get(key).is_some();
    if has("terraform_version") && has("version") && (has("resources") || has("lineage")) {
        return Detected::Format(SourceFormat::TerraformState);
    }
    if has("format_version") && (has("planned_values") || has("values") || has("resource_changes"))
    {
        return Detected::Format(SourceFormat::TerraformPlan);
    }
    if has("AWSTemplateFormatVersion")
        || (has("Resources") && root.get("Resources").is_some_and(|r| r.as_map().is_some()))
    {
        return Detected::Format(SourceFormat::CloudFormation);
    }
    if has("service") && (has("provider") || has("functions")) {
        return Detected::Format(SourceFormat::Serverless);
    }
    Detected::Other
}

//! What infrastructure-as-code declares, in one shape for every format (CloudFormation/SAM,
//! Serverless Framework, Terraform), so the drift checks compare one model with the inventory.
//!
//! Every attribute is a [`Declared`] value: known, or unknown with the reason (an unresolved
//! `!ImportValue`, a Terraform value computed at apply time). An unknown value is never drift.
//! Parsers fill in the service default for what a template leaves out (a CloudFormation
//! function without `Timeout` runs with 3 seconds), because that is what the declaration means.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// A value from a declaration: resolved, or not resolvable without deploying.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "state", content = "value", rename_all = "snake_case")]
pub enum Declared<T> {
    Known(T),
    /// Why it could not be resolved (e.g. "!ImportValue shared-vpc-id").
    Unknown(String),
}

impl<T> Declared<T> {
    pub fn known(&self) -> Option<&T> {
        match self {
            Declared::Known(value) => Some(value),
            Declared::Unknown(_) => None,
        }
    }

    pub fn unknown_reason(&self) -> Option<&str> {
        match self {
            Declared::Known(_) => None,
            Declared::Unknown(reason) => Some(reason),
        }
    }

    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Declared<U> {
        match self {
            Declared::Known(value) => Declared::Known(f(value)),
            Declared::Unknown(reason) => Declared::Unknown(reason),
        }
    }
}

/// Where something is declared: the file, and the 1-based line and column when known.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Location {
    pub file: String,
    pub line: Option<u32>,
    pub column: Option<u32>,
}

impl Location {
    pub fn file(file: impl Into<String>) -> Self {
        Location {
            file: file.into(),
            line: None,
            column: None,
        }
    }

    pub fn at(file: impl Into<String>, line: u32, column: u32) -> Self {
        Location {
            file: file.into(),
            line: Some(line),
            column: Some(column),
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceFormat {
    /// CloudFormation, SAM included (the `AWS::Serverless-2016-10-31` transform).
    CloudFormation,
    Serverless,
    TerraformState,
    TerraformPlan,
}

impl fmt::Display for SourceFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SourceFormat::CloudFormation => "CloudFormation/SAM template",
            SourceFormat::Serverless => "Serverless Framework file",
            SourceFormat::TerraformState => "Terraform state",
            SourceFormat::TerraformPlan => "Terraform plan",
        })
    }
}

/// A value from a template that may be a secret (an environment-variable value). It is kept
/// in memory only to be hashed like the inventory's values; it is never printed nor
/// serialized.
#[derive(Clone, PartialEq)]
pub struct SecretText(String);

impl SecretText {
    pub fn new(value: impl Into<String>) -> Self {
        SecretText(value.into())
    }

    /// The same salted digest the inventory stores for a variable `name` with this value.
    pub fn digest(&self, name: &str) -> String {
        crate::inventory::secrets::value_digest(name, &self.0)
    }
}

impl fmt::Debug for SecretText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretText(<{} chars redacted>)", self.0.chars().count())
    }
}

impl Serialize for SecretText {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str("<redacted>")
    }
}

/// Everything read from the `--declared` paths.
#[derive(Debug, Clone, Default, Serialize)]
pub struct DeclaredEstate {
    /// Every file read, with what was recognised in it.
    pub sources: Vec<DeclaredSource>,
    pub functions: Vec<DeclaredFunction>,
    pub roles: Vec<DeclaredRole>,
    /// Files that could not be read or parsed; the other files are still used.
    pub errors: Vec<DeclaredError>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DeclaredSource {
    pub file: String,
    pub format: SourceFormat,
    /// The CloudFormation stack (CloudFormation, SAM, Serverless) when known or detected.
    pub stack_name: Option<String>,
    /// How the stack name was found, for the report ("tags of 4 deployed functions").
    pub stack_evidence: Option<String>,
    pub functions: usize,
    /// Notes on what was not understood (an unknown SAM policy template, a `Fn::Transform`).
    pub notes: Vec<String>,
}

/// A file that could not be used, with where and why.
#[derive(Debug, Clone, PartialEq, Serialize, thiserror::Error)]
#[error("{location}: {message}")]
pub struct DeclaredError {
    pub location: Location,
    pub message: String,
}

/// Ties a declared function to what deploys it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeclaredOrigin {
    pub format: SourceFormat,
    /// The CloudFormation logical id, the Serverless function key, or the Terraform
    /// resource address (`module.api.aws_lambda_function.handler`).
    pub key: String,
    pub stack_name: Option<String>,
    pub location: Location,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeclaredFunction {
    pub origin: DeclaredOrigin,
    /// The function name; unknown when CloudFormation generates it (matched by tags then).
    pub name: Declared<String>,
    /// The region it deploys to, when the declaration says; otherwise any audited region.
    pub region: Option<String>,
    pub runtime: Declared<Option<String>>,
    pub handler: Declared<Option<String>>,
    pub timeout_seconds: Declared<i32>,
    pub memory_mb: Declared<i32>,
    pub architectures: Declared<Vec<String>>,
    pub role: DeclaredRoleRef,
    /// Variable name → value. A whole-map unknown when the map itself is computed.
    pub environment: Declared<BTreeMap<String, Declared<SecretText>>>,
    /// Layer version ARNs in load order.
    pub layers: Declared<Vec<String>>,
    /// `None`: not in a VPC.
    pub vpc: Declared<Option<DeclaredVpc>>,
    /// `Active` or `PassThrough`.
    pub tracing_mode: Declared<String>,
    pub reserved_concurrency: Declared<Option<i32>>,
    /// `None`: no function URL.
    pub url: Declared<Option<DeclaredUrl>>,
    /// Resource-policy grants: explicit permissions and those event sources imply.
    pub permissions: Vec<DeclaredPermission>,
    /// Event source mappings (SQS, Kinesis, DynamoDB streams, MSK, MQ...).
    pub event_sources: Vec<DeclaredEventSource>,
    /// False when the declaration may add permissions or mappings this parser cannot see
    /// (e.g. an unknown SAM event type): then nothing deployed is called "added out of band".
    pub permissions_complete: bool,
    pub event_sources_complete: bool,
    /// Where individual attributes are written, by attribute name (`timeout`, `memory`,
    /// `environment`, `url`, ...), for pointing a drift finding at its line.
    pub attribute_locations: BTreeMap<String, Location>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DeclaredRoleRef {
    /// A role declared alongside, by its key in [`DeclaredEstate::roles`].
    Declared { key: String },
    /// An existing role by ARN (or an unresolved expression).
    Arn { arn: Declared<String> },
    /// Nothing said or the format does not tell.
    Unknown { reason: String },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeclaredVpc {
    pub subnet_ids: Vec<String>,
    pub security_group_ids: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeclaredUrl {
    /// `NONE` or `AWS_IAM`.
    pub auth_type: Declared<String>,
    /// `None`: no CORS configuration.
    pub cors: Declared<Option<DeclaredCors>>,
    /// The alias the URL belongs to, when not the unqualified function.
    pub qualifier: Option<String>,
    pub location: Location,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeclaredCors {
    pub allow_origins: Vec<String>,
    pub allow_methods: Vec<String>,
    pub allow_credentials: bool,
}

/// One grant in the function's resource policy, as declared (`AWS::Lambda::Permission`,
/// `aws_lambda_permission`) or implied by an event (a SAM `Api` event, a Serverless
/// `http` event, a function URL with auth `NONE`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeclaredPermission {
    /// `lambda:InvokeFunction`, `lambda:InvokeFunctionUrl`, ...
    pub action: Declared<String>,
    /// A service (`apigateway.amazonaws.com`), an account id, an ARN or `*`.
    pub principal: Declared<String>,
    pub source_arn: Option<Declared<String>>,
    pub source_account: Option<Declared<String>>,
    pub function_url_auth_type: Option<String>,
    /// The alias or version the permission is on, when qualified.
    pub qualifier: Option<String>,
    pub location: Location,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeclaredEventSource {
    /// The queue, stream or table-stream ARN.
    pub source_arn: Declared<String>,
    pub enabled: bool,
    pub batch_size: Option<i32>,
    pub location: Location,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeclaredRole {
    /// How functions refer to it: a CloudFormation logical id, a Terraform address, or
    /// Serverless's generated `IamRoleLambdaExecution`, qualified by file so two templates'
    /// ids never collide (`template.yaml#FunctionRole`).
    pub key: String,
    pub origin: DeclaredOrigin,
    /// The role name when declared or derivable; unknown when CloudFormation generates it.
    pub name: Declared<String>,
    /// Managed policy ARNs attached.
    pub managed_policy_arns: Vec<Declared<String>>,
    /// Inline policies: name → document (IAM JSON, with unresolved parts as `Unknown`).
    pub inline_policies: Vec<DeclaredInlinePolicy>,
    /// False when attachments may come from elsewhere (a separate
    /// `AWS::IAM::ManagedPolicy` with `Roles:`, an unknown SAM policy template).
    pub complete: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeclaredInlinePolicy {
    pub name: Declared<String>,
    /// The policy document; `Unknown` when any part of it could not be resolved.
    pub document: Declared<serde_json::Value>,
    pub location: Location,
}

impl DeclaredEstate {
    pub fn role(&self, key: &str) -> Option<&DeclaredRole> {
        self.roles.iter().find(|r| r.key == key)
    }

    /// Adds another file's results.
    pub fn extend(&mut self, other: DeclaredEstate) {
        self.sources.extend(other.sources);
        self.functions.extend(other.functions);
        self.roles.extend(other.roles);
        self.errors.extend(other.errors);
    }
}

/// Marks a JSON string that stands for a value no declaration can resolve (inside a policy
/// document, say): `UNKNOWN_MARK` followed by the reason. Comparisons treat such a string as
/// matching anything, so an unresolved ARN is never reported as drift.
pub const UNKNOWN_MARK: &str = "\u{1}unknown: ";

pub fn unknown_json(reason: impl std::fmt::Display) -> serde_json::Value {
    serde_json::Value::String(format!("{UNKNOWN_MARK}{reason}"))
}

/// The reason, when `value` is an unknown marker.
pub fn unknown_reason(value: &serde_json::Value) -> Option<&str> {
    value.as_str()?.strip_prefix(UNKNOWN_MARK)
}

/// Any unknown marker inside `value`, depth first.
pub fn first_unknown(value: &serde_json::Value) -> Option<&str> {
    let mut pending = vec![value];
    while let Some(v) = pending.pop() {
        match v {
            serde_json::Value::String(_) => {
                if let Some(reason) = unknown_reason(v) {
                    return Some(reason);
                }
            }
            serde_json::Value::Array(items) => pending.extend(items.iter().rev()),
            serde_json::Value::Object(map) => pending.extend(map.values().rev()),
            _ => {}
        }
    }
    None
}

//! Command-line definitions (clap derive). The binary (`src/main.rs`) runs them.

use crate::collect::RegionSelection;
use crate::findings::Severity;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "lambda-audit",
    version,
    about = "Audit a live AWS account's Lambda functions: exposure, permissions, secrets — read-only",
    after_help = "Exit codes: 0 no finding at or above --fail-on; 1 findings at or above it; \
                  2 usage, configuration or collection error; 3 coverage gaps with --fail-on-gaps."
)]
pub struct Cli {
    /// More logging on stderr (-v info, -vv debug). Logs never contain secret values.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    /// Only errors on stderr.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Collect the account's inventory (or read a snapshot) and run every check.
    Audit(AuditArgs),
    /// Compare what is deployed with what CloudFormation/SAM templates, Serverless Framework
    /// files or Terraform state declare: unmanaged and missing functions, changed settings,
    /// grants, URLs, mappings and role policies (the LA5xx checks only).
    Drift(AuditArgs),
    /// List every check with its id, severity and summary.
    Checks {
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Compare two JSON reports (e.g. last week's and today's): new, resolved and unchanged
    /// findings, matched by fingerprint.
    Diff {
        /// The earlier JSON report.
        old: PathBuf,
        /// The later JSON report.
        new: PathBuf,
        #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
        format: DiffFormat,
        /// Exit 1 when a new open finding (not suppressed or accepted) is at or above this
        /// severity.
        #[arg(long, value_enum, default_value_t = FailOn::Never)]
        fail_on: FailOn,
    },
    /// Combine JSON reports (single-account reports, or multi-account reports such as one
    /// per `--shard`) into one multi-account JSON report. An account may appear only once.
    Merge {
        /// The JSON reports to combine.
        #[arg(required = true, value_name = "REPORT")]
        reports: Vec<PathBuf>,
        /// Write the merged report to FILE instead of standard output.
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Print a check's documentation: what it finds, how we know, why it matters, how to fix.
    Explain {
        /// A check id (e.g. LA101) or name (e.g. public-resource-policy).
        check: String,
    },
    /// Write the account's data-flow map: triggers → functions → execution roles → the
    /// resources those roles reach (Graphviz DOT or Mermaid).
    Graph {
        #[command(flatten)]
        source: SourceArgs,
        #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
        format: GraphFormat,
        /// Write the graph to FILE instead of standard output.
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Print a least-privilege policy for a function's execution role, derived from its
    /// deployed configuration (stdout: the policy JSON; stderr: what it drops and adds).
    Policy {
        /// Function name or ARN.
        function: String,
        #[command(flatten)]
        source: SourceArgs,
    },
}

/// Where the inventory comes from: a live collection, or a saved snapshot.
#[derive(Debug, Args)]
pub struct SourceArgs {
    /// Named profile from the shared AWS config/credentials files.
    /// (Without it the SDK reads AWS_PROFILE itself.)
    #[arg(long)]
    pub profile: Option<String>,
    /// Comma-separated regions, or `all` for every region enabled for the account.
    /// Default: the configured region.
    #[arg(long, value_parser = clap::value_parser!(RegionSelection))]
    pub regions: Option<RegionSelection>,
    /// Endpoint for every AWS client (e.g. LocalStack). Without it the SDK reads
    /// AWS_ENDPOINT_URL; either way a service-specific AWS_ENDPOINT_URL_<SERVICE> (such as
    /// AWS_ENDPOINT_URL_APIGATEWAYV2) wins for its service.
    #[arg(long)]
    pub endpoint_url: Option<String>,
    /// Also save the collected inventory (secrets redacted) as versioned JSON.
    #[arg(long, value_name = "FILE", conflicts_with = "from_snapshot")]
    pub snapshot_out: Option<PathBuf>,
    /// Work offline on a saved inventory instead of calling AWS.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["profile", "regions", "endpoint_url", "exhaustive"])]
    pub from_snapshot: Option<PathBuf>,
    /// Fetch function URL and async-invoke configs for every function, not only where a
    /// resource policy makes them reachable (one to two more requests per function).
    #[arg(long)]
    pub exhaustive: bool,
    /// Share of each AWS request quota the audit may use, from 0.05 to 1.
    #[arg(long, default_value_t = 1.0, value_parser = parse_fraction)]
    pub max_rps_fraction: f64,
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    /// Report format; give it several times with --output-dir for several reports from one
    /// collection. Default: text.
    #[arg(long = "format", value_enum, value_name = "FORMAT")]
    pub formats: Vec<ReportFormat>,
    /// Write the report to FILE instead of standard output.
    #[arg(long, value_name = "FILE", conflicts_with = "output_dir")]
    pub output: Option<PathBuf>,
    /// Write each format's report into DIR (`report.txt`, `report.json`, ...).
    #[arg(long, value_name = "DIR")]
    pub output_dir: Option<PathBuf>,
    /// A previous JSON report: list only findings that are not in it (matched by
    /// fingerprint); the report says how many were left out and which were resolved.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Exit 1 when a finding is at or above this severity.
    #[arg(long, value_enum, default_value_t = FailOn::High)]
    pub fail_on: FailOn,
    /// Exit 3 when any call failed or any check could not be evaluated.
    #[arg(long)]
    pub fail_on_gaps: bool,
    /// Guardrails file (severity overrides, disabled checks, thresholds, allow-lists).
    /// Default: `lambda-audit.toml` in the current directory when present.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Infrastructure-as-code to compare with the deployment (files or folders; the format
    /// is detected from content): CloudFormation/SAM templates, `serverless.yml`, Terraform
    /// state or `terraform show -json` output. Adds the drift checks (LA5xx).
    #[arg(long, value_name = "PATH", num_args = 1..)]
    pub declared: Vec<PathBuf>,
    /// A template parameter (`KEY=VALUE`, repeatable): CloudFormation parameters,
    /// `AWS::StackName` / `AWS::Region` when the stack cannot be detected, and Serverless
    /// `${opt:KEY}` options such as `stage`.
    #[arg(long = "parameter", value_name = "KEY=VALUE", value_parser = parse_parameter)]
    pub parameters: Vec<(String, String)>,
    #[command(flatten)]
    pub accounts: AccountsArgs,
}

/// Many accounts in one run (one report with an account column).
#[derive(Debug, Args)]
pub struct AccountsArgs {
    /// Audit every account listed in FILE, one a line: `ACCOUNT_ID[,ROLE[,EXTERNAL_ID]]`
    /// (ROLE: a role name or a role ARN; `#` comments). Up to 4 accounts at a time.
    #[arg(long, value_name = "FILE", group = "account_list", conflicts_with_all = ["from_snapshot", "snapshot_out", "baseline", "declared"])]
    pub accounts: Option<PathBuf>,
    /// Audit every ACTIVE account of the organization (`organizations:ListAccounts`, from
    /// the management or a delegated administrator account), with `--assume-role`.
    #[arg(long, group = "account_list", conflicts_with_all = ["accounts", "from_snapshot", "snapshot_out", "baseline", "declared"])]
    pub organization: bool,
    /// The role to assume in accounts whose line names none (the caller's own account is
    /// read with the caller's credentials).
    #[arg(long, value_name = "NAME", requires = "account_list", value_parser = parse_role_name)]
    pub assume_role: Option<String>,
    /// The external id to pass when assuming roles whose line gives none.
    #[arg(long, value_name = "ID", requires = "account_list")]
    pub external_id: Option<String>,
    /// Audit only shard I of N (0-based): with the account ids sorted, those whose position
    /// modulo N is I. Combine the shards' JSON reports with `lambda-audit merge`.
    #[arg(long, value_name = "I/N", requires = "account_list", value_parser = clap::value_parser!(crate::accounts::Shard))]
    pub shard: Option<crate::accounts::Shard>,
}

fn parse_role_name(text: &str) -> Result<String, String> {
    if crate::accounts::is_role_name(text) {
        Ok(text.to_string())
    } else {
        Err(format!(
            "`{text}` is not a role name (1-64 of A-Z a-z 0-9 +=,.@_-); give full ARNs in the accounts file"
        ))
    }
}

fn parse_parameter(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((key, value)) if !key.trim().is_empty() => {
            Ok((key.trim().to_string(), value.to_string()))
        }
        _ => Err(format!("`{text}` is not KEY=VALUE")),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

/// The formats `audit` and `drift` can write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, ValueEnum)]
pub enum ReportFormat {
    /// For a terminal (colour only when standard output is one).
    Text,
    /// The versioned JSON report (`docs/report-schema.json`).
    Json,
    /// For pull-request comments and CI job summaries.
    Markdown,
    /// One self-contained page (no network, no script): summary, each function's data-flow
    /// map, findings with their explanation, excess and missing permissions.
    Html,
    /// SARIF 2.1.0 for code scanning.
    Sarif,
}

/// The formats `graph` can write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    /// Graphviz (`dot -Tsvg`).
    Dot,
    /// A Mermaid flowchart (Markdown on GitHub, GitLab).
    Mermaid,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    Text,
    Json,
    Markdown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Critical,
    High,
    Medium,
    Low,
    Info,
    /// Never exit 1 for findings.
    Never,
}

impl FailOn {
    pub fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::Critical => Some(Severity::Critical),
            FailOn::High => Some(Severity::High),
            FailOn::Medium => Some(Severity::Medium),
            FailOn::Low => Some(Severity::Low),
            FailOn::Info => Some(Severity::Info),
            FailOn::Never => None,
        }
    }
}

fn parse_fraction(text: &str) -> Result<f64, String> {
    let value: f64 = text
        .parse()
        .map_err(|_| format!("`{text}` is not a number"))?;
    if (0.05..=1.0).contains(&value) {
        Ok(value)
    } else {
        Err(format!("{value} is outside 0.05..=1"))
    }
}

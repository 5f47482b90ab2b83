//! The binary edge: parse arguments, run, map the outcome to an exit code.

use anyhow::Context;
use clap::Parser;
use lambda_audit::checks;
use lambda_audit::cli::{
    AuditArgs, Cli, Command, DiffFormat, FailOn, Format, GraphFormat, ReportFormat, SourceArgs,
};
use lambda_audit::collect::{self, AwsSettings, CollectOptions, RegionSelection};
use lambda_audit::declared::{self, ResolveContext};
use lambda_audit::guardrails::Guardrails;
use lambda_audit::inventory::Inventory;
use lambda_audit::inventory::snapshot;
use lambda_audit::report::{self, Audit};
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

const EXIT_FINDINGS: u8 = 1;
const EXIT_ERROR: u8 = 2;
const EXIT_GAPS: u8 = 3;

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.verbose, cli.quiet);
    let _ = QUIET.set(cli.quiet);
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            // A closed pipe (`lambda-audit checks | head`) is not an error worth a message.
            if err
                .downcast_ref::<std::io::Error>()
                .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
            {
                return ExitCode::SUCCESS;
            }
            eprintln!("error: {err:#}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

/// Our crate logs at the chosen level; the SDK's crates never above `warn`, because their
/// debug and trace output can include request and response bodies (environment values).
/// Set from `-q`: no progress bar either.
static QUIET: std::sync::OnceLock<bool> = std::sync::OnceLock::new();

/// A progress bar on stderr while collecting, only on an interactive terminal and without
/// `-q`: regions and functions done. Stops and clears itself when dropped.
struct ProgressBar {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    drawer: Option<std::thread::JoinHandle<()>>,
}

impl ProgressBar {
    fn start(progress: &std::sync::Arc<collect::progress::Progress>) -> Option<ProgressBar> {
        if QUIET.get().copied().unwrap_or(false)
            || !std::io::IsTerminal::is_terminal(&std::io::stderr())
        {
            return None;
        }
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (progress, stopped) = (
            std::sync::Arc::clone(progress),
            std::sync::Arc::clone(&stop),
        );
        let drawer = std::thread::spawn(move || {
            let bar = indicatif::ProgressBar::new(0).with_style(
                indicatif::ProgressStyle::with_template(
                    "{spinner} collecting: {msg} [{bar:30}] {pos}/{len} functions, {elapsed}",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            while !stopped.load(std::sync::atomic::Ordering::Relaxed) {
                let now = progress.read();
                bar.set_length(now.functions_found);
                bar.set_position(now.functions_done);
                bar.set_message(format!(
                    "regions {}/{}",
                    now.regions_done, now.regions_total
                ));
                bar.tick();
                std::thread::sleep(std::time::Duration::from_millis(120));
            }
            bar.finish_and_clear();
        });
        Some(ProgressBar {
            stop,
            drawer: Some(drawer),
        })
    }
}

impl Drop for ProgressBar {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        if let Some(drawer) = self.drawer.take() {
            let _ = drawer.join();
        }
    }
}

fn init_logging(verbose: u8, quiet: bool) {
    let ours = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info",
        _ => "debug",
    };
    let sdk = if quiet { "error" } else { "warn" };
    let filter = format!("{sdk},lambda_audit={ours}");
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false)
        .try_init();
}

fn run(cli: Cli) -> anyhow::Result<u8> {
    match cli.command {
        Command::Checks { format } => list_checks(format),
        Command::Explain { check } => {
            let found = checks::find(&check)
                .with_context(|| format!("no check `{check}`; `lambda-audit checks` lists them"))?;
            write_stdout(found.meta().doc)?;
            Ok(0)
        }
        Command::Audit(args) => audit(args, cli.verbose, Mode::Audit),
        Command::Drift(args) => {
            if args.declared.is_empty() {
                anyhow::bail!(
                    "drift needs --declared PATH (a template, serverless.yml, Terraform state, or a folder of them)"
                );
            }
            audit(args, cli.verbose, Mode::Drift)
        }
        Command::Policy { function, source } => policy(&function, &source),
        Command::Graph {
            source,
            format,
            output,
        } => graph(&source, format, output.as_deref()),
        Command::Diff {
            old,
            new,
            format,
            fail_on,
        } => diff(&old, &new, format, fail_on),
        Command::Merge { reports, output } => merge(&reports, output.as_deref()),
    }
}

fn list_checks(format: Format) -> anyhow::Result<u8> {
    let text = match format {
        Format::Json => {
            let metas: Vec<_> = checks::registry().iter().map(|c| c.meta()).collect();
            serde_json::to_string_pretty(&metas)? + "\n"
        }
        Format::Text => checks::registry()
            .iter()
            .map(|c| {
                let m = c.meta();
                format!(
                    "{}  {:<38} {:<9} {:<13} {}\n",
                    m.id,
                    m.name,
                    m.severity.to_string(),
                    format!("{:?}", m.family).to_lowercase(),
                    m.summary
                )
            })
            .collect(),
    };
    write_stdout(&text)?;
    Ok(0)
}

/// The inventory to work on: read from `--from-snapshot`, or collected live (and saved with
/// `--snapshot-out`).
fn load_inventory(source: &SourceArgs) -> anyhow::Result<Inventory> {
    load_inventory_with(source, false)
}

/// `all_function_urls`: list every function's URLs (drift must see URLs nobody granted yet).
fn load_inventory_with(source: &SourceArgs, all_function_urls: bool) -> anyhow::Result<Inventory> {
    if let Some(path) = &source.from_snapshot {
        return Ok(snapshot::read(path)?);
    }
    let options = collect_options(source, all_function_urls);
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    let bar = ProgressBar::start(&options.progress);
    let collected = runtime.block_on(collect::collect(&options));
    drop(bar);
    let inventory = collected?;
    if let Some(path) = &source.snapshot_out {
        snapshot::write(&inventory, path)?;
    }
    Ok(inventory)
}

fn collect_options(source: &SourceArgs, all_function_urls: bool) -> CollectOptions {
    CollectOptions {
        aws: AwsSettings {
            profile: source.profile.clone(),
            endpoint_url: source.endpoint_url.clone(),
            fallback_region: match &source.regions {
                Some(RegionSelection::List(list)) => list.first().cloned(),
                _ => None,
            },
            assume_role: None,
        },
        regions: source
            .regions
            .clone()
            .unwrap_or(RegionSelection::Configured),
        exhaustive: source.exhaustive,
        all_function_urls,
        rate_fraction: source.max_rps_fraction,
        progress: Default::default(),
    }
}

/// `lambda-audit policy FUNCTION`: the suggested policy on stdout, as is; what changes
/// compared with the current role on stderr.
fn policy(function: &str, source: &SourceArgs) -> anyhow::Result<u8> {
    let inventory = load_inventory(source)?;
    let matches: Vec<_> = inventory
        .functions()
        .filter(|(_, f)| f.name == function || f.arn == function)
        .collect();
    let (region, target) = match matches.as_slice() {
        [one] => *one,
        [] => anyhow::bail!(
            "no function `{function}` in the audited regions ({})",
            inventory
                .regions
                .iter()
                .map(|r| r.region.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        many => anyhow::bail!(
            "`{function}` names functions in several regions ({}); give its ARN",
            many.iter()
                .map(|(_, f)| f.arn.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let analysis = lambda_audit::least_privilege::analyze(&inventory, region, target)
        .map_err(|reason| anyhow::anyhow!("cannot derive a policy for {}: {reason}", target.arn))?;
    write_stdout(&(serde_json::to_string_pretty(&analysis.suggested_policy)? + "\n"))?;
    let excess: usize = analysis.excess.iter().map(|g| g.count).sum();
    eprintln!(
        "{}: role {} grants {} action(s) beyond this policy; {} needed permission(s) it lacks are included.",
        target.name,
        analysis.role_arn,
        excess,
        analysis.missing.len()
    );
    for unknown in &analysis.baseline.unknown {
        eprintln!("note: not derived: {unknown}");
    }
    if analysis
        .baseline
        .needs
        .iter()
        .any(|n| n.confidence == lambda_audit::least_privilege::baseline::Confidence::Heuristic)
    {
        eprintln!(
            "note: statements named ReferencedByEnvironment* come from environment variables that reference resources; review them."
        );
    }
    eprintln!(
        "note: permissions the code itself needs (tables, buckets it calls) are not visible in the configuration; add them."
    );
    Ok(0)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Every check, plus drift when `--declared` is given.
    Audit,
    /// Only the drift checks.
    Drift,
}

fn audit(args: AuditArgs, verbose: u8, mode: Mode) -> anyhow::Result<u8> {
    // Read the guardrails first: a broken file fails fast, before any AWS call.
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let (mut guardrails, guardrails_file) = Guardrails::discover(args.config.as_deref(), &cwd)?;
    if let Some(path) = &guardrails_file {
        tracing::info!("guardrails from {}", path.display());
    }
    if mode == Mode::Drift {
        guardrails.disabled_checks.extend(
            checks::registry()
                .iter()
                .map(|c| c.meta())
                .filter(|m| m.family != checks::Family::Drift)
                .map(|m| m.id.to_string()),
        );
    }
    let formats: Vec<ReportFormat> = if args.formats.is_empty() {
        vec![ReportFormat::Text]
    } else {
        let mut f = args.formats.clone();
        f.sort();
        f.dedup();
        f
    };
    if formats.len() > 1 && args.output_dir.is_none() {
        anyhow::bail!("several --format values need --output-dir DIR (one file per format)");
    }
    if args.accounts.accounts.is_some() || args.accounts.organization {
        return audit_accounts(&args, &guardrails, &formats, verbose);
    }
    // A broken baseline fails fast too, before any AWS call.
    let baseline_report = args
        .baseline
        .as_deref()
        .map(lambda_audit::baseline::read_report)
        .transpose()?;
    let with_drift = !args.declared.is_empty();
    let inventory = load_inventory_with(&args.source, with_drift)?;
    let declared = with_drift.then(|| {
        let ctx =
            ResolveContext::from_inventory(&inventory, args.parameters.iter().cloned().collect());
        declared::load(&args.declared, &ctx)
    });
    if let Some(declared) = &declared {
        for error in &declared.errors {
            eprintln!("error: {error}");
        }
        if declared.sources.is_empty() {
            anyhow::bail!(
                "none of the --declared paths holds a template, serverless.yml or Terraform state that could be read"
            );
        }
    }
    let mut results = checks::run_with_declared(&inventory, &guardrails, declared.as_ref());
    for warning in &results.warnings {
        eprintln!("warning: {warning}");
    }
    let baseline = match (&args.baseline, &baseline_report) {
        (Some(path), Some(report)) => Some(lambda_audit::baseline::apply(
            path,
            report,
            &mut results.findings,
        )),
        _ => None,
    };
    let audit = Audit {
        inventory: &inventory,
        results: &results,
        declared: declared.as_ref(),
        baseline: baseline.as_ref(),
    };
    match (&args.output_dir, &args.output) {
        (Some(dir), _) => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            for format in &formats {
                let path = dir.join(report::file_name(*format));
                std::fs::write(&path, report::render(*format, &audit, false))
                    .with_context(|| format!("cannot write the report to {}", path.display()))?;
                tracing::info!("wrote {}", path.display());
            }
        }
        (None, Some(path)) => std::fs::write(path, report::render(formats[0], &audit, false))
            .with_context(|| format!("cannot write the report to {}", path.display()))?,
        (None, None) => {
            let color = std::io::IsTerminal::is_terminal(&std::io::stdout())
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
            write_stdout(&report::render(formats[0], &audit, color))?
        }
    }
    if verbose > 0 {
        eprint!("{}", report::text::call_statistics(&inventory));
    }

    let incomplete = !inventory.coverage_gaps.is_empty()
        || !results.not_evaluated.is_empty()
        || declared.as_ref().is_some_and(|d| !d.errors.is_empty());
    if args.fail_on_gaps && incomplete {
        return Ok(EXIT_GAPS);
    }
    let failing = args.fail_on.threshold().is_some_and(|t| {
        results
            .findings
            .iter()
            .any(|f| f.is_open() && f.severity >= t)
    });
    Ok(if failing { EXIT_FINDINGS } else { 0 })
}

/// `audit --accounts FILE` or `--organization`: every account (or this shard's), one report.
fn audit_accounts(
    args: &AuditArgs,
    guardrails: &Guardrails,
    formats: &[ReportFormat],
    verbose: u8,
) -> anyhow::Result<u8> {
    let per_account: Vec<ReportFormat> = formats
        .iter()
        .copied()
        .filter(|f| !matches!(f, ReportFormat::Text | ReportFormat::Json))
        .collect();
    if !per_account.is_empty() && args.output_dir.is_none() {
        anyhow::bail!(
            "with --accounts, markdown, html and sarif are written per account: give --output-dir DIR (DIR/<account_id>/report.*)"
        );
    }
    let file_accounts = args
        .accounts
        .accounts
        .as_deref()
        .map(lambda_audit::accounts::read_accounts)
        .transpose()?;
    let options = collect_options(&args.source, false);
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    let mut accounts = match file_accounts {
        Some(accounts) => accounts,
        None => runtime.block_on(collect::accounts::organization_accounts(&options))?,
    };
    if let Some(shard) = args.accounts.shard {
        accounts = lambda_audit::accounts::select_shard(accounts, shard);
        tracing::info!(
            "shard {}/{}: {} account(s)",
            shard.index,
            shard.count,
            accounts.len()
        );
    }
    let plan = collect::accounts::AccountsPlan {
        accounts,
        default_role: args.accounts.assume_role.clone(),
        default_external_id: args.accounts.external_id.clone(),
    };
    let bar = ProgressBar::start(&options.progress);
    let collected = runtime.block_on(collect::accounts::collect_accounts(&options, &plan));
    drop(bar);
    let collected = collected?;
    let results: Vec<checks::CheckResults> = collected
        .iter()
        .map(|c| checks::run_with_declared(&c.inventory, guardrails, None))
        .collect();
    for (account, result) in collected.iter().zip(&results) {
        if let Some(failure) = &account.failure {
            eprintln!(
                "warning: account {} not audited: {} failed: {}: {}",
                account.inventory.account.account_id,
                failure.operation,
                failure.code,
                failure.message
            );
        }
        for warning in &result.warnings {
            eprintln!(
                "warning: account {}: {warning}",
                account.inventory.account.account_id
            );
        }
    }
    let audits: Vec<report::multi::AccountAudit> = collected
        .iter()
        .zip(&results)
        .map(|(account, results)| report::multi::AccountAudit {
            audit: Audit {
                inventory: &account.inventory,
                results,
                declared: None,
                baseline: None,
            },
            failure: account.failure.as_ref(),
        })
        .collect();
    let combined = |format: ReportFormat, color: bool| match format {
        ReportFormat::Json => Some(report::multi::render_json(&audits)),
        ReportFormat::Text => Some(report::multi::render_text(&audits, color)),
        _ => None,
    };
    match (&args.output_dir, &args.output) {
        (Some(dir), _) => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            for format in formats {
                if let Some(text) = combined(*format, false) {
                    let path = dir.join(report::file_name(*format));
                    std::fs::write(&path, text).with_context(|| {
                        format!("cannot write the report to {}", path.display())
                    })?;
                }
            }
            for account in audits.iter().filter(|a| a.failure.is_none()) {
                let account_dir = dir.join(account.account_id());
                if !per_account.is_empty() {
                    std::fs::create_dir_all(&account_dir)
                        .with_context(|| format!("cannot create {}", account_dir.display()))?;
                }
                for format in &per_account {
                    let path = account_dir.join(report::file_name(*format));
                    std::fs::write(&path, report::render(*format, &account.audit, false))
                        .with_context(|| {
                            format!("cannot write the report to {}", path.display())
                        })?;
                }
            }
        }
        (None, Some(path)) => std::fs::write(path, combined(formats[0], false).unwrap_or_default())
            .with_context(|| format!("cannot write the report to {}", path.display()))?,
        (None, None) => {
            let color = std::io::IsTerminal::is_terminal(&std::io::stdout())
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
            write_stdout(&combined(formats[0], color).unwrap_or_default())?
        }
    }
    if verbose > 0 {
        for account in &collected {
            eprintln!("account {}:", account.inventory.account.account_id);
            eprint!("{}", report::text::call_statistics(&account.inventory));
        }
    }
    let incomplete = collected.iter().zip(&results).any(|(account, results)| {
        account.failure.is_some()
            || !account.inventory.coverage_gaps.is_empty()
            || !results.not_evaluated.is_empty()
    });
    if args.fail_on_gaps && incomplete {
        return Ok(EXIT_GAPS);
    }
    let failing = args.fail_on.threshold().is_some_and(|t| {
        results
            .iter()
            .flat_map(|r| &r.findings)
            .any(|f| f.is_open() && f.severity >= t)
    });
    Ok(if failing { EXIT_FINDINGS } else { 0 })
}

/// `lambda-audit merge REPORT...`: one multi-account JSON report.
fn merge(reports: &[std::path::PathBuf], output: Option<&Path>) -> anyhow::Result<u8> {
    let merged = report::merge::merge_files(reports)?;
    let text = report::multi::to_json(&merged);
    match output {
        Some(path) => std::fs::write(path, text)
            .with_context(|| format!("cannot write the report to {}", path.display()))?,
        None => write_stdout(&text)?,
    }
    Ok(0)
}

/// `lambda-audit graph`: triggers → functions → roles → reachable resources.
fn graph(source: &SourceArgs, format: GraphFormat, output: Option<&Path>) -> anyhow::Result<u8> {
    let inventory = load_inventory(source)?;
    let analyses = checks::all_analyses(&inventory);
    let graph = report::graph::Graph::build(&inventory, &analyses);
    let text = match format {
        GraphFormat::Dot => graph.to_dot(),
        GraphFormat::Mermaid => graph.to_mermaid(),
    };
    match output {
        Some(path) => std::fs::write(path, text)
            .with_context(|| format!("cannot write the graph to {}", path.display()))?,
        None => write_stdout(&text)?,
    }
    Ok(0)
}

/// `lambda-audit diff OLD NEW`.
fn diff(old: &Path, new: &Path, format: DiffFormat, fail_on: FailOn) -> anyhow::Result<u8> {
    let old = lambda_audit::baseline::read_report(old)?;
    let new = lambda_audit::baseline::read_report(new)?;
    let diff = lambda_audit::baseline::diff(&old, &new);
    let text = match format {
        DiffFormat::Json => serde_json::to_string_pretty(&diff)? + "\n",
        DiffFormat::Text => report::diff::text(&diff),
        DiffFormat::Markdown => report::diff::markdown(&diff),
    };
    write_stdout(&text)?;
    let failing = fail_on
        .threshold()
        .is_some_and(|t| diff.new.iter().any(|f| f.is_open() && f.severity >= t));
    Ok(if failing { EXIT_FINDINGS } else { 0 })
}

fn write_stdout(text: &str) -> std::io::Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(text.as_bytes())?;
    stdout.flush()
}

//! psync-verify: prove Heard-Of round algorithms correct for every number of
//! processes. `check` turns a spec file into verification conditions, reduces
//! them to decidable first-order logic and discharges them with Z3.
//!
//! Exit status (the worst over every file and VC, see `status.rs`): 0 every
//! VC proved; 1 some VC refuted; 4 none refuted but some VC vacuous (its
//! hypotheses unsatisfiable, not allowed by the spec); 2 none refuted or
//! vacuous but some unknown or timed out; 3 a spec file that did not load,
//! or a usage error.

mod check;
mod cli;
mod isolate;
mod memory;
mod outcome;
mod report;
mod run;
mod simulate;
mod status;
mod triage;
mod wire;
mod worker;

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;

use crate::check::UsageError;
use crate::cli::{Cli, Command, Format};
use crate::status::EXIT_USAGE;

/// Rust's allocations go to mimalloc: the reduction builds and drops many
/// small terms on several threads at once, and with glibc's allocator a
/// fifth of its time was `malloc`/`free` (measured: reducing every part of
/// both benchmarks with every strategy, 1.9 s with glibc, 1.5 s with
/// mimalloc). libz3's own allocations are not affected.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A diagnostic rendered as miette's default hook renders a `Report`
/// (source snippet, label, help), without taking ownership of it.
struct Diagnosed<'a>(&'a dyn miette::Diagnostic);

impl std::fmt::Debug for Diagnosed<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        miette::ReportHandler::debug(&miette::MietteHandler::default(), self.0, f)
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            // --help and --version are not errors.
            return if e.use_stderr() { ExitCode::from(EXIT_USAGE) } else { ExitCode::SUCCESS };
        }
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("PSYNC_LOG").unwrap_or_else(|_| "warn,egg=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match cli.command {
        Command::Worker => worker::serve(),
        Command::Check(args) => {
            let progress = !args.quiet && std::io::stderr().is_terminal();
            match check::run(&args, progress) {
                Ok(run) => {
                    // The located diagnostics of the files that did not
                    // load, on stderr in every format; the report on stdout
                    // has each one in its file's place.
                    for (_, e) in run.input_errors() {
                        eprintln!("{:?}", Diagnosed(e));
                    }
                    let timing = !args.no_timing;
                    let text = match args.format {
                        Format::Human => report::render_human(&run, timing),
                        Format::Json => report::render_json(&run, timing),
                        Format::Junit => report::render_junit(&run, timing),
                        Format::Sarif => report::render_sarif(&run),
                    };
                    print!("{text}");
                    if let Some(dir) = &args.cex_dir {
                        write_cex_traces(&run, dir);
                    }
                    ExitCode::from(run.status().exit_code())
                }
                Err(UsageError(msg)) => {
                    eprintln!("error: {msg}");
                    ExitCode::from(EXIT_USAGE)
                }
            }
        }
        Command::Simulate(args) => run_simulate(&args),
        Command::Run(args) => run_replicas(&args),
    }
}

/// `check --cex-dir`: the counterexample traces, and on stderr what was
/// written and what could not be.
fn write_cex_traces(run: &outcome::RunOutcome, dir: &std::path::Path) {
    for f in run.files.iter().filter(|f| f.error.is_none()) {
        let refuted: Vec<(String, serde_json::Value)> =
            f.vcs.iter().filter(|o| o.verdict == psync_encodings::VerdictKind::Refuted).filter_map(|o| Some((o.id.clone(), o.counterexample.clone()?))).collect();
        if refuted.is_empty() {
            continue;
        }
        let (written, skipped) = simulate::write_cex_traces(dir, &f.file, &refuted);
        for w in written {
            eprintln!("counterexample trace: {w}");
        }
        for s in skipped {
            eprintln!("no counterexample trace for {s}");
        }
    }
}

/// `simulate`: the report on stdout, an input error on stderr (exit 3).
fn run_simulate(args: &cli::SimulateArgs) -> ExitCode {
    let progress = !args.quiet && std::io::stderr().is_terminal();
    match simulate::run(args, progress) {
        Ok(report) => {
            let timing = !args.no_timing;
            let text = match args.format {
                Format::Human => simulate::render_human(&report, timing),
                Format::Json => simulate::render_json(&report, timing),
                Format::Junit => simulate::render_junit(&report, timing),
                Format::Sarif => simulate::render_sarif(&report),
            };
            print!("{text}");
            ExitCode::from(report.exit_code())
        }
        Err(simulate::SimInputError::Spec(e)) => {
            eprintln!("{:?}", Diagnosed(e.as_ref()));
            ExitCode::from(EXIT_USAGE)
        }
        Err(simulate::SimInputError::Other(msg)) => {
            eprintln!("error: {msg}");
            ExitCode::from(EXIT_USAGE)
        }
    }
}

/// `run`: the report on stdout, an input error on stderr (exit 3); exit 1
/// when an instance did not decide everywhere or broke agreement.
fn run_replicas(args: &cli::RunArgs) -> ExitCode {
    match run::run(args) {
        Ok(report) => {
            let timing = !args.no_timing;
            let text = match args.format {
                cli::RunFormat::Human => run::render_human(&report, timing),
                cli::RunFormat::Json => run::render_json(&report, timing),
            };
            print!("{text}");
            ExitCode::from(report.exit_code())
        }
        Err(simulate::SimInputError::Spec(e)) => {
            eprintln!("{:?}", Diagnosed(e.as_ref()));
            ExitCode::from(EXIT_USAGE)
        }
        Err(simulate::SimInputError::Other(msg)) => {
            eprintln!("error: {msg}");
            ExitCode::from(EXIT_USAGE)
        }
    }
}

//! The command line: what `psync-verify` accepts.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};
use psync_logic::check::{CheckConfig, Strategy};
use psync_logic::reduce::ReduceConfig;

/// Prove Heard-Of round algorithms correct for every number of processes.
#[derive(Debug, Parser)]
#[command(name = "psync-verify", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Generate the verification conditions of spec files and discharge them.
    Check(CheckArgs),
    /// Check the VCs `check` sends on stdin, one at a time (see
    /// `src/worker.rs`); not for use by hand.
    #[command(hide = true)]
    Worker,
    /// Run a spec file with the IR interpreter under a heard-of adversary,
    /// its predicates as monitors (no compile step).
    Simulate(SimulateArgs),
    /// Run a spec file on real replicas (interpreted, no compile step):
    /// `--local N` replicas in this process, or one replica of a cluster.
    Run(RunArgs),
}

/// Arguments of `run` (see docs/run.md).
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// The spec file to run.
    pub file: PathBuf,
    /// Start N replicas on loopback in this process.
    #[arg(long, value_name = "N", conflicts_with_all = ["config", "id"], required_unless_present = "config")]
    pub local: Option<usize>,
    /// The cluster's TOML configuration (the runtime's format, see
    /// runtime/README.md): start one of its replicas.
    #[arg(long, value_name = "FILE", requires = "id")]
    pub config: Option<PathBuf>,
    /// This replica's id in the configuration.
    #[arg(long, requires = "config")]
    pub id: Option<usize>,
    /// Option overrides, `key=value` (e.g. `--set protocol=tcp --set timeout_ms=5`).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub overrides: Vec<String>,
    /// First port of the local replicas [default: free ports the system picks].
    #[arg(long)]
    pub port: Option<u16>,
    /// Instances to run (ids 1..=K).
    #[arg(long, default_value_t = 100)]
    pub instances: u64,
    /// Instances kept running at once (--local).
    #[arg(long, default_value_t = 10)]
    pub in_flight: usize,
    /// What the replicas propose, as JSON: one value (every replica) or one
    /// per replica, repeated or comma-separated [default: drawn from --seed].
    #[arg(long = "input", value_name = "VALUE", value_delimiter = ',')]
    pub inputs: Vec<String>,
    /// Seed of the drawn inputs (replica i's input in instance k depends on
    /// it, k and i only).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Integer inputs are drawn from 0..VALUES.
    #[arg(long, default_value_t = 3)]
    pub values: i64,
    /// The value of a parameter the spec declares, as `NAME=VALUE` (as for
    /// `simulate`).
    #[arg(long = "param", value_name = "NAME=VALUE")]
    pub params: Vec<String>,
    /// Seconds an instance may run before it is stopped (--local), or the
    /// replica waits for all its instances (--config).
    #[arg(long, default_value_t = 30.0)]
    pub deadline: f64,
    /// Seconds a cluster replica stays up after its last decision, to
    /// answer late replicas from its decision log.
    #[arg(long, default_value_t = 2.0)]
    pub linger: f64,
    /// Output format.
    #[arg(long, value_enum, default_value_t = RunFormat::Human)]
    pub format: RunFormat,
    /// Leave times out of the report (reproducible output).
    #[arg(long)]
    pub no_timing: bool,
}

/// Output formats of `run`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum RunFormat {
    /// One line per instance (up to 20), a summary, decisions per second.
    Human,
    /// A JSON document (schema `psync-verify/run/v1`, see docs/run.md).
    Json,
}

/// Arguments of `simulate` (see docs/simulate.md).
#[derive(Debug, clap::Args)]
pub struct SimulateArgs {
    /// The spec file to run.
    pub file: PathBuf,
    /// Number of processes.
    #[arg(long, default_value_t = 4)]
    pub n: usize,
    /// Number of runs.
    #[arg(long, default_value_t = 1000)]
    pub runs: u64,
    /// Base seed (run k is seeded by it and k).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Rounds per run [default: 8 phases, or 4 + 2m phases for m liveness
    /// predicates, whichever is more].
    #[arg(long)]
    pub rounds: Option<u64>,
    /// Parallel runs [default: one per logical core].
    #[arg(long, short = 'j')]
    pub jobs: Option<usize>,
    /// Who hears whom.
    #[arg(long, value_enum, default_value_t = crate::simulate::AdversaryKind::Omission)]
    pub adversary: crate::simulate::AdversaryKind,
    /// Probability that a message (other than a self-message) is lost.
    #[arg(long, default_value_t = 0.2)]
    pub drop: f64,
    /// The value of a parameter the spec declares (`Process::PARAMS`), as
    /// `NAME=VALUE`; repeat for each parameter. The spec's assumptions must
    /// hold for `--n` and these values.
    #[arg(long = "param", value_name = "NAME=VALUE")]
    pub params: Vec<String>,
    /// Integer inputs are drawn from 0..VALUES.
    #[arg(long, default_value_t = 3)]
    pub values: i64,
    /// Write the first violating run (or run 0) as a JSON trace.
    #[arg(long, value_name = "FILE")]
    pub trace_out: Option<PathBuf>,
    /// Run a recorded trace again and check that it reproduces its states.
    #[arg(long, value_name = "FILE")]
    pub replay: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Leave times out of the report (reproducible output).
    #[arg(long)]
    pub no_timing: bool,
    /// No progress bar, even on a terminal.
    #[arg(long)]
    pub quiet: bool,
}

/// Arguments of `check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Spec files to verify.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Parallel solver jobs [default: one per logical core, or
    /// RAYON_NUM_THREADS when that is set; 0 also means this default].
    #[arg(long, short = 'j')]
    pub jobs: Option<usize>,
    /// Time limit per VC, in seconds (shared by the queries a VC is split
    /// into, the reduction and the counterexample search included). A VC
    /// still running 3 s after it (the vacuity review of a proof may use
    /// 2 s more) is stopped and ends `timeout`.
    #[arg(long, default_value_t = CheckConfig::default().timeout.as_secs_f64())]
    pub timeout: f64,
    /// Memory budget of each VC, in GB of resident memory: a VC whose
    /// worker process holds more is stopped, and ends `unknown` (memory
    /// budget); the other VCs go on [default: half the physical memory
    /// shared among the jobs, at most 8].
    #[arg(long, value_name = "GB")]
    pub memory: Option<f64>,
    /// Only VCs whose id matches this pattern (`*` matches any run of characters;
    /// without `*`, a substring match). May be repeated; a pattern that
    /// selects no VC of any file is a usage error.
    #[arg(long = "vc")]
    pub vc: Vec<String>,
    /// Write each confirmed counterexample of a refuted VC with a round as
    /// a trace into this folder, for `simulate --replay` (docs/simulate.md).
    #[arg(long, value_name = "DIR")]
    pub cex_dir: Option<PathBuf>,
    /// Write each reduced VC as SMT-LIB2 files into this folder (one per part).
    #[arg(long)]
    pub dump_smt: Option<PathBuf>,
    /// Proof hints: read from this file (if it exists), and written back
    /// with the hints of this run's proofs. A hint names the strategy and
    /// the unsat core that proved a part of a VC, which a later run tries
    /// first; it makes re-checking an unchanged VC faster and can never
    /// change a verdict. The first run with a new file takes longer (it
    /// records the cores).
    #[arg(long, value_name = "FILE")]
    pub hints: Option<PathBuf>,
    /// Which solver back end discharges the VCs.
    #[arg(long, value_enum, default_value_t = BackendKind::Z3)]
    pub backend: BackendKind,
    /// Venn-region bound of the CL reduction (sets per region group).
    #[arg(long, default_value_t = ReduceConfig::default().venn_bound)]
    pub venn_bound: usize,
    /// Quantifier-instantiation depth of the CL reduction (eager
    /// instantiation rounds).
    #[arg(long, default_value_t = ReduceConfig::default().inst_depth)]
    pub depth: usize,
    /// Reduction strategies to schedule, in this order (default: all, in the
    /// order parametric, global-anchors, ground). May be repeated.
    #[arg(long = "strategy", value_enum)]
    pub strategies: Vec<StrategyArg>,
    /// Leave times out of the report (reproducible output).
    #[arg(long)]
    pub no_timing: bool,
    /// No progress bar, even on a terminal.
    #[arg(long)]
    pub quiet: bool,
}

/// Output formats of `check`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// One line per VC, counterexample tables, a summary.
    Human,
    /// A JSON document (schema `psync-verify/check/v2`, see docs/json-output.md).
    Json,
    /// JUnit XML, one test suite per file, one test case per VC.
    Junit,
    /// SARIF 2.1.0: each VC not proved (each violated monitor, for
    /// `simulate`) a result at the spec line it is about.
    Sarif,
}

/// Reduction strategies (see `psync_logic::check::Strategy`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum StrategyArg {
    /// Ground Venn groups and eager instantiation only (PSync's reduction).
    Ground,
    /// Parameterized regions for families of sets, every ground set an anchor.
    Parametric,
    /// Parameterized regions anchored only at sets that mention no process.
    GlobalAnchors,
}

impl StrategyArg {
    /// The library's strategy.
    pub fn strategy(self) -> Strategy {
        match self {
            StrategyArg::Ground => Strategy::Ground,
            StrategyArg::Parametric => Strategy::Parametric,
            StrategyArg::GlobalAnchors => Strategy::GlobalAnchors,
        }
    }
}

/// Solver back ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, ValueEnum, serde::Serialize, serde::Deserialize)]
pub enum BackendKind {
    /// Z3 linked in-process (the system libz3).
    Z3,
    /// A `z3 -in` subprocess speaking SMT-LIB2.
    Z3Process,
}

/// Does `id` match `pattern` (`*` wildcards; no `*` means substring)?
pub fn vc_matches(pattern: &str, id: &str) -> bool {
    if !pattern.contains('*') {
        return id.contains(pattern);
    }
    let parts: Vec<&str> = pattern.split('*').collect();
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !id.starts_with(first) || id.len() < first.len() + last.len() || !id.ends_with(last) {
        return false;
    }
    let mut rest = &id[first.len()..id.len() - last.len()];
    for mid in &parts[1..parts.len() - 1] {
        match rest.find(mid) {
            Some(k) => rest = &rest[k + mid.len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::vc_matches;

    #[test]
    fn patterns_match_by_wildcard_or_substring() {
        assert!(vc_matches("inductive", "otr/inductive/inv0/round0"));
        assert!(vc_matches("otr/*/round0", "otr/inductive/inv0/round0"));
        assert!(vc_matches("*inv1*", "otr/progress/inv1/round0"));
        assert!(!vc_matches("otr/*/round1", "otr/inductive/inv0/round0"));
        assert!(!vc_matches("last_voting/*", "otr/inductive/inv0/round0"));
        assert!(vc_matches("*", "anything"));
        // The prefix and the suffix must not overlap.
        assert!(!vc_matches("ab*ba", "aba"));
    }
}

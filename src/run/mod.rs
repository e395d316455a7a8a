//! `psync-verify run`: a spec file on real replicas, with no Rust glue and
//! no compile step. The spec is interpreted
//! (`psync_encodings::interp::replica`: the IR interpreter as a process of
//! the `psync` round engine), so the replicas run the engine, transports,
//! timers and decision log of compiled specs, with the spec's rounds
//! computed by the interpreter.
//!
//! `--local N` starts `N` replicas in this process (each on its own thread
//! and single-threaded tokio runtime) and runs `--instances` instances on
//! them; `--config FILE --id I` starts replica `I` of a cluster, which
//! joins instances the others start (the default handler) and answers late
//! replicas from its decision log.

mod cluster;
mod inputs;
mod local;
mod render;

pub(crate) use inputs::{draw_input, drawable};
pub use render::{render_human, render_json};

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use psync::engine::Outcome;
use psync_encodings::interp::local::Program;
use psync_encodings::interp::replica::Hosted;
use psync_logic::Value;

use crate::cli::RunArgs;
use crate::simulate::SimInputError;
use inputs::Inputs;

/// How one replica's instance ended.
#[derive(Clone, Debug, PartialEq)]
pub enum Ending {
    /// It decided this value.
    Decided(Value),
    /// It learned this value from another replica's decision log.
    Learned(Value),
    /// The interpreter stopped it (see [`RunReport::error`]).
    Ended,
    /// Stopped at the deadline or at shutdown.
    Stopped,
}

impl Ending {
    fn from_outcome(o: Outcome<Value>) -> Ending {
        match o {
            Outcome::Decided(v) => Ending::Decided(v),
            Outcome::Learned(v) => Ending::Learned(v),
            Outcome::Ended => Ending::Ended,
            Outcome::Stopped | Outcome::Rejected(_) => Ending::Stopped,
        }
    }
    /// The decision, decided or learned.
    pub fn value(&self) -> Option<&Value> {
        match self {
            Ending::Decided(v) | Ending::Learned(v) => Some(v),
            Ending::Ended | Ending::Stopped => None,
        }
    }
    /// `decided`, `learned`, `ended` or `stopped`.
    pub fn word(&self) -> &'static str {
        match self {
            Ending::Decided(_) => "decided",
            Ending::Learned(_) => "learned",
            Ending::Ended => "ended",
            Ending::Stopped => "stopped",
        }
    }
}

/// One instance: what each replica of the run proposed and how it ended.
#[derive(Clone, Debug)]
pub struct InstanceReport {
    /// The instance id.
    pub id: u64,
    /// `(replica, proposed, ending)`, by replica.
    pub replicas: Vec<(usize, Value, Ending)>,
}

impl InstanceReport {
    /// Every replica of the run decided or learned a value.
    pub fn decided(&self) -> bool {
        self.replicas.iter().all(|(_, _, e)| e.value().is_some())
    }
    /// No two replicas hold different values.
    pub fn agreement(&self) -> bool {
        let mut vs = self.replicas.iter().filter_map(|(_, _, e)| e.value());
        match vs.next() {
            Some(first) => vs.all(|v| v == first),
            None => true,
        }
    }
}

/// Where the replicas ran.
#[derive(Clone, Debug)]
pub enum Mode {
    /// `--local N`: every replica in this process.
    Local,
    /// `--config --id`: this one replica.
    Cluster {
        /// Its id.
        id: usize,
    },
}

/// What `run` did.
pub struct RunReport {
    /// The spec file.
    pub file: String,
    /// Local or one replica of a cluster.
    pub mode: Mode,
    /// Replicas in the cluster.
    pub n: usize,
    /// `udp`, `tcp` or `memory`.
    pub protocol: String,
    /// The round timeout.
    pub timeout_ms: u64,
    /// Instances kept in flight (local runs).
    pub in_flight: usize,
    /// The instances, by id.
    pub instances: Vec<InstanceReport>,
    /// Wall-clock time from the first start to the last ending.
    pub elapsed: Duration,
    /// The first interpreter error of any instance, located in the spec.
    pub error: Option<String>,
}

impl RunReport {
    /// Instances every replica of the run decided.
    pub fn decided(&self) -> usize {
        self.instances.iter().filter(|i| i.decided()).count()
    }
    /// Whether every instance kept agreement.
    pub fn agreement(&self) -> bool {
        self.instances.iter().all(InstanceReport::agreement)
    }
    /// Decided instances per second.
    pub fn per_second(&self) -> f64 {
        self.decided() as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
    /// 0 when every instance decided with agreement, 1 otherwise.
    pub fn exit_code(&self) -> u8 {
        u8::from(self.decided() < self.instances.len() || !self.agreement() || self.error.is_some())
    }
}

/// The spec as a program the replicas host, with its parameters' values
/// (`--param`, checked against the spec's assumptions for `n`).
fn program(path: &Path, params: &[String], n: usize) -> Result<(Arc<Hosted>, String), SimInputError> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| SimInputError::Other(format!("cannot read {name}: {e}")))?;
    let alg = psync_encodings::parse_spec(&name, &text).map_err(|e| SimInputError::Spec(Box::new(e)))?;
    let fns = psync_encodings::runtime_fns(&name, &text, &alg).map_err(|e| SimInputError::Spec(Box::new(e)))?;
    let values = crate::simulate::engine::params(&alg, params, n)?;
    let program = Program::new(alg, fns, values).map_err(|e| SimInputError::Other(crate::simulate::located(&name, &text, &e)))?;
    Ok((Hosted::new(program), text))
}

/// Runs `args` (see the module documentation).
pub fn run(args: &RunArgs) -> Result<RunReport, SimInputError> {
    let file = args.file.display().to_string();
    let (cfg, mode) = match (&args.local, &args.config, args.id) {
        (Some(n), None, None) => (local::config(*n, args)?, Mode::Local),
        (None, Some(path), Some(id)) => (cluster::config(path, id, &args.overrides)?, Mode::Cluster { id }),
        _ => return Err("give either --local N, or --config FILE and --id I".to_string().into()),
    };
    let n = cfg.n();
    let (hosted, text) = program(&args.file, &args.params, n)?;
    let inputs = Arc::new(Inputs::new(hosted.program().algorithm(), &args.inputs, n, args.seed, args.values)?);
    let (instances, elapsed) = match mode {
        Mode::Local => local::run(args, &cfg, &hosted, &inputs)?,
        Mode::Cluster { id } => cluster::run(args, &cfg, id, &hosted, &inputs)?,
    };
    let error = hosted.error().map(|e| crate::simulate::located(&file, &text, e));
    Ok(RunReport {
        file,
        mode,
        n,
        protocol: format!("{:?}", cfg.options.protocol).to_lowercase(),
        timeout_ms: cfg.options.timeout_ms,
        in_flight: args.in_flight,
        instances,
        elapsed,
        error,
    })
}

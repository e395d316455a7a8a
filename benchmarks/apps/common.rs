//! Command-line plumbing shared by the example binaries: the TOML config,
//! `--id`, `--set key=value` overrides, the algorithm name.

use clap::Args;
use psync::config::Config;
use psync::dsl::ProcessId;
use std::path::PathBuf;

/// Where a replica finds its cluster.
#[derive(Args, Debug, Clone)]
pub struct ReplicaArgs {
    /// The cluster's TOML configuration (replicas and options).
    #[arg(long)]
    pub config: PathBuf,
    /// This replica's id in the configuration.
    #[arg(long)]
    pub id: usize,
    /// Option overrides, `key=value` (e.g. `--set protocol=tcp`).
    #[arg(long = "set")]
    pub overrides: Vec<String>,
    /// otr | lv: the verified spec files zoo/otr.rs and zoo/last_voting.rs.
    #[arg(long, default_value = "lv")]
    pub algorithm: String,
}

impl ReplicaArgs {
    /// The configuration with the overrides applied, and this replica's id.
    pub fn load(&self) -> Result<(Config, ProcessId), String> {
        let mut cfg = Config::load(&self.config).map_err(|e| e.to_string())?;
        cfg.apply_overrides(&self.overrides).map_err(|e| e.to_string())?;
        if self.id >= cfg.n() {
            return Err(format!("--id {} is not a replica of {} (ids 0..{})", self.id, self.config.display(), cfg.n()));
        }
        if !matches!(self.algorithm.as_str(), "otr" | "lv") {
            return Err(format!("--algorithm {}: expected otr or lv", self.algorithm));
        }
        Ok((cfg, ProcessId::new(self.id)))
    }
}

/// Prints `error: msg` and exits with status 2.
pub fn fail(msg: impl std::fmt::Display) -> ! {
    eprintln!("error: {msg}");
    std::process::exit(2)
}

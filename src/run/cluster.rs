//! `run --config FILE --id I`: one replica of a cluster. It proposes its
//! input in instances `1..=--instances`, joins the instances other replicas
//! started first (its default handler starts them with its own input), and
//! answers late replicas from the engine's decision log; after the last
//! decision it stays up `--linger` seconds for the replicas still running.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use psync::config::Config;
use psync::dsl::ProcessId;
use psync::engine::{DefaultAction, Node, Outcome, Starter, UnknownMessage};
use psync::wire::Flag;
use psync_encodings::interp::replica::{Hosted, Interpreted, InterpretedIo};
use psync_logic::Value;
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};

use super::inputs::Inputs;
use super::{Ending, InstanceReport};
use crate::cli::RunArgs;
use crate::simulate::SimInputError;

/// The cluster's configuration (the runtime's TOML format and its key
/// rules) with the `--set` overrides; `id` must be one of its replicas.
pub fn config(path: &Path, id: usize, overrides: &[String]) -> Result<Config, SimInputError> {
    let name = path.display();
    let mut cfg = Config::load(path).map_err(|e| format!("{name}: {e}"))?;
    cfg.apply_overrides(overrides).map_err(|e| format!("--set: {e}"))?;
    cfg.validate().map_err(|e| format!("{name}: {e}"))?;
    if id >= cfg.n() {
        return Err(format!("--id {id} is not a replica of {name} (ids 0..{})", cfg.n()).into());
    }
    Ok(cfg)
}

type Report = (u64, Outcome<Value>);

fn starter(hosted: &Arc<Hosted>, inputs: &Inputs, me: usize, id: u64, tx: &UnboundedSender<Report>) -> Starter {
    let tx = tx.clone();
    let io = InterpretedIo { hosted: hosted.clone(), input: inputs.state(id, me) };
    Starter::new::<Interpreted>(io, move |o| {
        let _ = tx.send((id, o));
    })
}

/// Runs replica `me` of `cfg` until every instance ended here or
/// `--deadline` passed, then lingers.
pub fn run(args: &RunArgs, cfg: &Config, me: usize, hosted: &Arc<Hosted>, inputs: &Arc<Inputs>) -> Result<(Vec<InstanceReport>, Duration), SimInputError> {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| format!("cannot start a runtime: {e}"))?;
    let total = args.instances;
    rt.block_on(async {
        let (tx, mut rx) = unbounded_channel::<Report>();
        let (htx, h_hosted, h_inputs) = (tx.clone(), hosted.clone(), inputs.clone());
        // Instances another replica started first are joined with this
        // replica's own input.
        let handler = move |m: &UnknownMessage<'_>| {
            if m.instance == 0 || m.instance > total || m.flag != Flag::Normal {
                return DefaultAction::Drop;
            }
            DefaultAction::Start(starter(&h_hosted, &h_inputs, me, m.instance, &htx))
        };
        let node = Node::from_config(cfg, ProcessId::new(me), handler).await.map_err(|e| format!("replica {me}: {e}"))?;
        let start = Instant::now();
        for id in 1..=total {
            let tx = tx.clone();
            let io = InterpretedIo { hosted: hosted.clone(), input: inputs.state(id, me) };
            node.start_instance::<Interpreted>(id, io, move |o| {
                let _ = tx.send((id, o));
            });
        }
        let mut ended: BTreeMap<u64, Ending> = BTreeMap::new();
        let deadline = tokio::time::Instant::now() + Duration::from_secs_f64(args.deadline.max(0.0));
        while (ended.len() as u64) < total {
            match tokio::time::timeout_at(deadline, rx.recv()).await {
                // Joined lazily before this replica started it: the joined
                // instance reports.
                Ok(Some((_, Outcome::Rejected(_)))) => {}
                Ok(Some((id, o))) => {
                    ended.insert(id, Ending::from_outcome(o));
                }
                _ => break,
            }
        }
        let elapsed = start.elapsed();
        for id in (1..=total).filter(|id| !ended.contains_key(id)) {
            node.stop_instance(id);
        }
        tokio::time::sleep(Duration::from_secs_f64(args.linger.max(0.0))).await;
        node.shutdown();
        let reports = (1..=total)
            .map(|id| InstanceReport { id, replicas: vec![(me, inputs.value(id, me), ended.remove(&id).unwrap_or(Ending::Stopped))] })
            .collect();
        Ok((reports, elapsed))
    })
}

//! Every zoo algorithm on the runtime's round engine, over the in-memory
//! network: four replicas run many instances of it at once, every replica
//! decides in a good run (no loss, nobody down), and the decisions agree
//! (with their inputs where the algorithm promises validity). The
//! algorithms that tolerate any omissions also agree under packet loss and
//! duplication; those whose fault model is crashes decide with a replica
//! down.

use psync::config::Options;
use psync::engine::Node;
use psync::prelude::*;
use psync::transport::{MemFaults, MemNetwork};
use psync_benchmarks::approximate_agreement::{ApproximateAgreement, Midpoint};
use psync_benchmarks::ben_or::{self, BenOr};
use psync_benchmarks::chandra_toueg::ChandraToueg;
use psync_benchmarks::eager_reliable_broadcast::EagerReliableBroadcast;
use psync_benchmarks::floodmin_crash::{self, FloodMinCrash};
use psync_benchmarks::floodmin_kset::{self, FloodMinKSet};
use psync_benchmarks::last_voting::LastVoting;
use psync_benchmarks::last_voting_event::LastVotingEvent;
use psync_benchmarks::otr::Otr;
use psync_benchmarks::quorum_vote::{self, QuorumVote};
use psync_benchmarks::short_last_voting::ShortLastVoting;
use psync_benchmarks::two_phase_commit::TwoPhaseCommit;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

/// Replicas per cluster.
const N: usize = 4;

/// `P` with its parameter `f` set to `F` for every round: the engine's
/// nodes give rounds a context without parameter values, so each callback
/// of `P` sees the engine's context with `f = F` added (and `P`'s other
/// parameters, [`Lifted::params`]: what a run of the simulator gives it).
/// The rounds themselves are `P`'s, unchanged.
#[derive(Clone, Debug)]
struct WithF<P, const F: i64>(P);

/// `cx` with `P`'s parameters for `f = F`.
fn with_f<P: Lifted, const F: i64>(cx: &Ctx) -> Ctx {
    cx.clone().with_params(Arc::new(P::params::<F>()))
}

/// A parameterized zoo algorithm's phase, its rounds lifted to [`WithF`].
trait Lifted: Process {
    fn lifted<const F: i64>() -> Phase<WithF<Self, F>>;

    /// The parameters of a run with `f = F`.
    fn params<const F: i64>() -> Params {
        Params::new().with("f", F)
    }
}

/// Round `R` of `P`, run as a round of `WithF<P, F>`.
struct Lift<R>(PhantomData<R>);

impl<P: Lifted, R: Round<P>, const F: i64> Round<WithF<P, F>> for Lift<R> {
    type Msg = R::Msg;

    fn send(p: &WithF<P, F>, cx: &Ctx) -> Outbox<R::Msg> {
        R::send(&p.0, &with_f::<P, F>(cx))
    }

    fn update(p: &mut WithF<P, F>, mbox: &Mailbox<R::Msg>, cx: &Ctx) {
        R::update(&mut p.0, mbox, &with_f::<P, F>(cx))
    }

    fn expected(p: &WithF<P, F>, cx: &Ctx) -> usize {
        R::expected(&p.0, &with_f::<P, F>(cx))
    }

    fn progress(p: &WithF<P, F>, cx: &Ctx) -> Progress {
        R::progress(&p.0, &with_f::<P, F>(cx))
    }
}

impl<P: Lifted, const F: i64> Process for WithF<P, F> {
    type Io = P::Io;

    fn init(io: &P::Io, cx: &Ctx) -> Self {
        WithF(P::init(io, &with_f::<P, F>(cx)))
    }

    fn phase() -> Phase<Self> {
        P::lifted::<F>()
    }

    fn decision(&self) -> Option<<P::Io as ProcessIo>::Output> {
        self.0.decision()
    }
}

impl Lifted for QuorumVote {
    fn lifted<const F: i64>() -> Phase<WithF<Self, F>> {
        Phase::new().round::<Lift<quorum_vote::Vote>>()
    }
}

impl Lifted for BenOr {
    fn lifted<const F: i64>() -> Phase<WithF<Self, F>> {
        Phase::new().round::<Lift<ben_or::Report>>().round::<Lift<ben_or::Propose>>()
    }
}

impl Lifted for FloodMinCrash {
    fn lifted<const F: i64>() -> Phase<WithF<Self, F>> {
        Phase::new().round::<Lift<floodmin_crash::Flood>>()
    }
}

/// FloodMin k-set runs with `k = 2`.
impl Lifted for FloodMinKSet {
    fn lifted<const F: i64>() -> Phase<WithF<Self, F>> {
        Phase::new().round::<Lift<floodmin_kset::FloodK>>()
    }

    fn params<const F: i64>() -> Params {
        Params::new().with("f", F).with("k", 2)
    }
}

/// Rounds after which the approximate-agreement replicas output their value.
const APPROX_ROUNDS: u64 = 6;

/// Approximate agreement's input, and its output: the value after
/// [`APPROX_ROUNDS`] rounds.
#[derive(Clone, Debug)]
struct Approx {
    initial: i64,
}

impl ProcessIo for Approx {
    type Output = Real;
}

/// [`ApproximateAgreement`] with `f = 1` that outputs its value after
/// [`APPROX_ROUNDS`] rounds (the algorithm itself runs forever; ε-agreement
/// stops after as many rounds as the inputs' spread and ε ask for).
#[derive(Clone, Debug)]
struct ApproxAfterRounds {
    p: ApproximateAgreement,
    rounds: u64,
}

impl Process for ApproxAfterRounds {
    type Io = Approx;

    fn init(io: &Approx, cx: &Ctx) -> Self {
        ApproxAfterRounds { p: ApproximateAgreement::init(&Consensus::new(io.initial), &approx_cx(cx)), rounds: 0 }
    }

    fn phase() -> Phase<Self> {
        Phase::new().round::<CountedMidpoint>()
    }

    fn decision(&self) -> Option<Real> {
        (self.rounds >= APPROX_ROUNDS).then_some(self.p.x)
    }
}

/// `cx` with approximate agreement's parameter `f = 1`.
fn approx_cx(cx: &Ctx) -> Ctx {
    cx.clone().with_params(Arc::new(Params::new().with("f", 1)))
}

/// The zoo's `Midpoint` round, counting the rounds run.
struct CountedMidpoint;

impl Round<ApproxAfterRounds> for CountedMidpoint {
    type Msg = Real;

    fn send(p: &ApproxAfterRounds, cx: &Ctx) -> Outbox<Real> {
        Midpoint::send(&p.p, &approx_cx(cx))
    }

    fn update(p: &mut ApproxAfterRounds, mbox: &Mailbox<Real>, cx: &Ctx) {
        Midpoint::update(&mut p.p, mbox, &approx_cx(cx));
        p.rounds += 1;
    }
}

/// `N` nodes on one in-memory network (seeded), with a round timeout.
fn cluster(seed: u64, timeout_ms: u64) -> (MemNetwork, Vec<Node>) {
    let net = MemNetwork::new(N, seed);
    let o = Options { timeout_ms, ..Options::default() };
    let nodes = (0..N).map(|i| Node::builder(ProcessId::new(i), N, o.clone()).memory(&net).expect("a free id")).collect();
    (net, nodes)
}

/// Instance `id` of `P` on `nodes`, node `i` proposing `inputs[i]`: each
/// node's decision (`None`: none within `wait`).
async fn run_instance<P: Process>(nodes: &[Node], id: u64, inputs: Vec<P::Io>, wait: Duration) -> Vec<Option<<P::Io as ProcessIo>::Output>> {
    // Every replica's start is queued before this task yields: a start
    // queued from a task of its own could come after the first round
    // messages of the others, which a node without a handler drops (and a
    // replica that misses a reliable broadcast's only sending never
    // delivers).
    let outcomes: Vec<_> = nodes
        .iter()
        .zip(inputs)
        .map(|(n, io)| {
            let (tx, rx) = tokio::sync::oneshot::channel();
            n.start_instance::<P>(id, io, move |o| {
                let _ = tx.send(o);
            });
            rx
        })
        .collect();
    let deadline = tokio::time::Instant::now() + wait;
    let mut out = Vec::new();
    for rx in outcomes {
        out.push(tokio::time::timeout_at(deadline, rx).await.ok().and_then(|r| r.ok()).and_then(|o| o.into_value()));
    }
    out
}

/// Per instance: its id, each replica's decision, the inputs.
type Decisions<P> = Vec<(u64, Vec<Option<<<P as Process>::Io as ProcessIo>::Output>>, Vec<<P as Process>::Io>)>;

/// What a decision must be, given the instance's inputs.
type Valid<P> = fn(&<<P as Process>::Io as ProcessIo>::Output, &[<P as Process>::Io]) -> bool;

/// Whether all the decisions taken are equal.
fn agree<O: PartialEq>(ds: &[Option<O>]) -> bool {
    let taken: Vec<&O> = ds.iter().flatten().collect();
    taken.windows(2).all(|w| w[0] == w[1])
}

/// Integer inputs of instance `id` (0..3 spread over the replicas).
fn values(id: u64, live: usize) -> Vec<Consensus<i64>> {
    (0..live).map(|i| Consensus::new(((id + i as u64 * 7) % 3) as i64)).collect()
}

/// Instance `id`'s inputs: `id mod 3` at all replicas but the last, which
/// proposes one more.
fn three_and_one(id: u64, live: usize) -> Vec<Consensus<i64>> {
    (0..live).map(|i| Consensus::new((id % 3) as i64 + i64::from(i + 1 == live))).collect()
}

/// Boolean inputs of instance `id`: all `true` on every third instance.
fn votes(id: u64, live: usize) -> Vec<Consensus<bool>> {
    (0..live).map(|i| Consensus::new(id.is_multiple_of(3) || !(id + i as u64).is_multiple_of(3))).collect()
}

/// `instances` instances of `P` at once on `nodes` (ids from `first`):
/// each replica's decision (within `wait`) and the inputs, per instance.
async fn run_many<P: Process>(nodes: &[Node], first: u64, instances: u64, inputs: fn(u64, usize) -> Vec<P::Io>, wait: Duration) -> Decisions<P>
where
    P::Io: Clone,
{
    let mut handles = Vec::new();
    for id in first..first + instances {
        let nodes = nodes.to_vec();
        let ios = inputs(id, nodes.len());
        handles.push(tokio::spawn(async move { (id, run_instance::<P>(&nodes, id, ios.clone(), wait).await, ios) }));
    }
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.expect("the instance's task"));
    }
    out
}

/// Every replica decides every instance and the decisions agree; with
/// `valid`, each decision is one of the instance's inputs.
async fn decides_and_agrees<P: Process>(nodes: &[Node], first: u64, inputs: fn(u64, usize) -> Vec<P::Io>, valid: Valid<P>)
where
    P::Io: Clone + std::fmt::Debug,
    <P::Io as ProcessIo>::Output: std::fmt::Debug,
{
    let name = std::any::type_name::<P>();
    for (id, ds, ios) in run_many::<P>(nodes, first, 8, inputs, Duration::from_secs(20)).await {
        assert!(ds.iter().all(Option::is_some), "{name} instance {id}: not every replica decided: {ds:?}");
        assert!(agree(&ds), "{name} instance {id}: {ds:?}");
        assert!(ds.iter().flatten().all(|d| valid(d, &ios)), "{name} instance {id}: {ds:?} from {ios:?}");
    }
}

/// A decision that is one of the inputs.
fn an_input<V: PartialEq>(d: &V, ios: &[Consensus<V>]) -> bool {
    ios.iter().any(|io| io.initial == *d)
}

/// Two-phase commit: a commit only if every replica voted yes.
fn commit_only_on_yes(d: &bool, ios: &[Consensus<bool>]) -> bool {
    !*d || ios.iter().all(|io| io.initial)
}

/// Reliable broadcast: the delivered message is the broadcaster's
/// (replica 0, the first phase's coordinator).
fn the_broadcasters(d: &i64, ios: &[Consensus<i64>]) -> bool {
    ios[0].initial == *d
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_zoo_algorithm_decides_and_agrees_on_a_good_cluster() {
    let (_net, nodes) = cluster(1, 50);
    decides_and_agrees::<Otr>(&nodes, 0, values, an_input).await;
    decides_and_agrees::<LastVoting>(&nodes, 100, values, an_input).await;
    decides_and_agrees::<LastVotingEvent>(&nodes, 800, values, an_input).await;
    decides_and_agrees::<ShortLastVoting>(&nodes, 200, values, an_input).await;
    decides_and_agrees::<TwoPhaseCommit>(&nodes, 300, votes, commit_only_on_yes).await;
    decides_and_agrees::<EagerReliableBroadcast>(&nodes, 400, values, the_broadcasters).await;
    // The quorum vote decides only on n − f equal votes.
    decides_and_agrees::<WithF<QuorumVote, 1>>(&nodes, 500, |id, live| vec![Consensus::new((id % 3) as i64); live], an_input).await;
    decides_and_agrees::<WithF<BenOr, 1>>(&nodes, 600, votes, an_input).await;
    decides_and_agrees::<WithF<FloodMinCrash, 1>>(&nodes, 700, values, an_input).await;
    decides_and_agrees::<ChandraToueg>(&nodes, 900, values, an_input).await;
    let s = nodes[0].stats();
    assert_eq!(s.malformed + s.unknown_sender, 0, "{s:?}");
}

/// Approximate agreement on a good cluster (instances 1200..): every replica
/// outputs a value within the inputs' range, and the outputs' spread is at
/// most 2^-APPROX_ROUNDS of the inputs' (what the proved Contraction gives
/// when every replica hears a majority each round).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn approximate_agreement_outputs_close_values_within_the_inputs_on_a_good_cluster() {
    let (_net, nodes) = cluster(11, 200);
    let inputs = |id: u64, live: usize| (0..live).map(|i| Approx { initial: ((id + i as u64 * 5) % 7) as i64 - 3 }).collect();
    for (id, ds, ios) in run_many::<ApproxAfterRounds>(&nodes, 1200, 8, inputs, Duration::from_secs(20)).await {
        let outs: Vec<Real> = ds.iter().map(|d| d.unwrap_or_else(|| panic!("instance {id}: not every replica output: {ds:?}"))).collect();
        let (lo, hi) = (ios.iter().map(|io| io.initial).min().unwrap(), ios.iter().map(|io| io.initial).max().unwrap());
        assert!(outs.iter().all(|x| Real::from(lo) <= *x && *x <= Real::from(hi)), "instance {id}: {outs:?} outside [{lo}, {hi}]");
        let spread = *outs.iter().max().unwrap() - *outs.iter().min().unwrap();
        assert!(spread * (1i64 << APPROX_ROUNDS) <= Real::from(hi - lo), "instance {id}: outputs {outs:?} from inputs in [{lo}, {hi}]");
    }
}

/// Four instances of `P` at once on `nodes`: the decisions taken within
/// 2 s agree and are `valid`; how many replicas decided, of how many ran.
async fn agrees<P: Process>(nodes: &[Node], first: u64, inputs: fn(u64, usize) -> Vec<P::Io>, valid: Valid<P>) -> (usize, usize)
where
    P::Io: Clone + std::fmt::Debug,
    <P::Io as ProcessIo>::Output: std::fmt::Debug,
{
    let name = std::any::type_name::<P>();
    let (mut decided, mut ran) = (0, 0);
    let start = std::time::Instant::now();
    for (id, ds, ios) in run_many::<P>(nodes, first, 4, inputs, Duration::from_secs(2)).await {
        assert!(agree(&ds), "{name} instance {id}: {ds:?}");
        assert!(ds.iter().flatten().all(|d| valid(d, &ios)), "{name} instance {id}: {ds:?} from {ios:?}");
        decided += ds.iter().flatten().count();
        ran += ds.len();
    }
    println!("{name}: {decided} of {ran} replicas decided ({:?})", start.elapsed());
    (decided, ran)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_algorithms_that_tolerate_omissions_agree_under_loss_and_duplication() {
    let (mut decided, mut ran) = (0, 0);
    for seed in 0..3u64 {
        let (net, nodes) = cluster(seed, 4);
        net.set_faults(MemFaults { loss: 0.25, duplicate: 0.25 });
        for (d, r) in [
            agrees::<Otr>(&nodes, 0, values, an_input).await,
            agrees::<LastVoting>(&nodes, 100, values, an_input).await,
            agrees::<LastVotingEvent>(&nodes, 800, values, an_input).await,
            agrees::<ShortLastVoting>(&nodes, 200, values, an_input).await,
            agrees::<TwoPhaseCommit>(&nodes, 300, votes, commit_only_on_yes).await,
            agrees::<ChandraToueg>(&nodes, 900, values, an_input).await,
        ] {
            decided += d;
            ran += r;
        }
        // Reliable broadcast: a replica that delivered ends its instance,
        // so one that missed every relay is left without the message (the
        // spec promises delivery only after good rounds); deliveries agree.
        agrees::<EagerReliableBroadcast>(&nodes, 400, values, the_broadcasters).await;
        // The quorum vote on three equal votes and one other: only the
        // three's value can gather n − f = 3.
        let (d, r) = agrees::<WithF<QuorumVote, 1>>(&nodes, 500, three_and_one, an_input).await;
        decided += d;
        ran += r;
        for n in &nodes {
            n.shutdown();
        }
    }
    assert!(2 * decided > ran, "most replicas decide despite 25 % loss: {decided} of {ran}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_crash_tolerant_algorithms_decide_with_a_replica_down() {
    let (net, nodes) = cluster(2, 10);
    net.set_down(ProcessId::new(0), true);
    let live = &nodes[1..];
    // n = 4 > 2f with f = 1: every live replica hears the other n − f.
    decides_and_agrees::<WithF<BenOr, 1>>(live, 0, votes, an_input).await;
    decides_and_agrees::<WithF<QuorumVote, 1>>(live, 100, |id, live| vec![Consensus::new((id % 3) as i64); live], an_input).await;
    // One crash (from the start), f = 1: decided after two rounds.
    decides_and_agrees::<WithF<FloodMinCrash, 1>>(live, 200, values, an_input).await;
    assert!(live[0].stats().timeouts > 0, "rounds waiting for the replica down time out");
}

/// FloodMin k-set with f = 1 and k = 2 (so deciding after ⌊f/k⌋ + 1 = 1
/// round), instances 1000.. and 1100..: on a good cluster and with a
/// replica down, every live replica decides one of the inputs, and each
/// instance decides at most k = 2 values (a message late for the only
/// round may leave two).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn floodmin_kset_decides_at_most_k_values() {
    for (down, first) in [(false, 1000), (true, 1100)] {
        let (net, nodes) = cluster(3, 50);
        net.set_down(ProcessId::new(0), down);
        let live = if down { &nodes[1..] } else { &nodes[..] };
        for (id, ds, ios) in run_many::<WithF<FloodMinKSet, 1>>(live, first, 8, values, Duration::from_secs(20)).await {
            assert!(ds.iter().all(Option::is_some), "instance {id}: not every replica decided: {ds:?}");
            assert!(ds.iter().flatten().all(|d| an_input(d, &ios)), "instance {id}: {ds:?} from {ios:?}");
            let mut taken: Vec<i64> = ds.iter().flatten().copied().collect();
            taken.sort_unstable();
            taken.dedup();
            assert!(taken.len() <= 2, "instance {id}: more than k = 2 values decided: {ds:?}");
        }
        for n in &nodes {
            n.shutdown();
        }
    }
}

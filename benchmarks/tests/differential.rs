//! Differential soundness test: the verifier's reading of a spec file against
//! the runtime's execution of the same file.
//!
//! For OTR and LastVoting, seeded simulator runs (n = 1..5, message omissions,
//! lost self-messages, crashes) are replayed from their traces. Every global
//! state the simulator's spec checks see (a `World`) is read as a finite model
//! of the encoding's symbols (`psync_encodings::concrete`), and:
//! 1. sends: the encoding's `sendsTo(s, d)` and `payload(s, d)` agree with the
//!    outbox the compiled `send` returns, for every sender and destination;
//! 2. transitions: the round's transition relation `TR_k`, exactly as the VCs
//!    use it (`psync_encodings::vc::transition`: round counter, coordinator,
//!    the update of every field with the mailbox as a comprehension over `HO`,
//!    the chosen-value axioms), evaluates to true on the real pre-state, HO
//!    sets and post-state. A false is a behaviour of the code that the proof
//!    does not cover: a soundness bug of the verifier;
//! 3. predicates: every invariant, round invariant, liveness and safety
//!    predicate and property, as translated to CL, has the truth value of the
//!    Rust predicate on the same `World`;
//! 4. the initial states satisfy `Init ∧ r = 0`;
//! 5. the IR interpreter (`psync_encodings::interp`, what `psync-verify
//!    simulate` runs), from the same inputs and given each round's recorded
//!    heard-of sets, computes exactly the compiled code's states (OTR,
//!    LastVoting, FloodMin), each of its steps satisfying `TR_k` with the
//!    chosen values it fixed.
//!
//! Chosen values (`min_most_often`, `max_by_key` results) are fresh symbols of
//! the encoding constrained by axioms; a transition is accepted at a process if
//! SOME interpretation of them satisfies every conjunct there — the reading of
//! the VC hypotheses. It is searched among the values of the right sort in the
//! process's received payloads (as the runtime sent them), its pre- and
//! post-state, and the sort's default: complete for mailbox queries, whose
//! axioms force a received payload when the mailbox is non-empty and whose
//! value is unused when it is empty.
//!
//! Negative controls: post-states mutated by hand must be rejected, and spec
//! texts mutated only where the verifier reads them (the runtime still runs the
//! compiled original) must be caught, in the update and in the send.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Instant;

use psync::prelude::*;
use psync::sim::{Faults, RandomAdversary, SimOptions, Trace, simulate_with_crashes};
use psync_benchmarks::last_voting::{Accept, Candidate, Collect, LastVoting, Quorum};
use psync_benchmarks::last_voting_event::{self as lve, LastVotingEvent};
use psync_benchmarks::floodmin::FloodMin;
use psync_benchmarks::otr::{Otr, Vote};
use psync_encodings::concrete::{self, Snapshot, State};
use psync_encodings::interp;
use psync_encodings::ir::names;
use psync_encodings::vc::{initial, transition};
use psync_encodings::{Algorithm, parse_spec};
use psync_logic::{Binder, Fun, FunTable, Model, Sort, Term, Value, eval_with, holds};
use serde::de::DeserializeOwned;

// ---------------------------------------------------------------------------
// The benchmarks: spec text (what the verifier reads) and the compiled sends.
// ---------------------------------------------------------------------------

/// The runtime's `send` of one round, its payloads as JSON.
type SendFn<P> = fn(&P, &Ctx) -> Outbox<serde_json::Value>;

fn json_outbox<M: Serialize>(o: Outbox<M>) -> Outbox<serde_json::Value> {
    let j = |m: M| serde_json::to_value(m).expect("payloads serialize");
    match o {
        Outbox::None => Outbox::None,
        Outbox::Broadcast(m) => Outbox::Broadcast(j(m)),
        Outbox::To(v) => Outbox::To(v.into_iter().map(|(q, m)| (q, j(m))).collect()),
    }
}

/// What the runtime delivers from an outbox to `d`: the first message listed
/// for it (`Outbox::and` and the round executor both keep the first).
fn runtime_payload(o: &Outbox<serde_json::Value>, d: ProcessId) -> Option<&serde_json::Value> {
    match o {
        Outbox::None => None,
        Outbox::Broadcast(m) => Some(m),
        Outbox::To(v) => v.iter().find(|(q, _)| *q == d).map(|(_, m)| m),
    }
}

struct Bench<P> {
    name: &'static str,
    source: String,
    sends: Vec<SendFn<P>>,
}

fn source(file: &str) -> String {
    let path = format!("{}/../zoo/{file}.rs", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn otr() -> Bench<Otr> {
    Bench { name: "otr", source: source("otr"), sends: vec![|p, cx| json_outbox(<Vote as Round<Otr>>::send(p, cx))] }
}

fn last_voting() -> Bench<LastVoting> {
    Bench {
        name: "last_voting",
        source: source("last_voting"),
        sends: vec![
            |p, cx| json_outbox(<Collect as Round<LastVoting>>::send(p, cx)),
            |p, cx| json_outbox(<Candidate as Round<LastVoting>>::send(p, cx)),
            |p, cx| json_outbox(<Quorum as Round<LastVoting>>::send(p, cx)),
            |p, cx| json_outbox(<Accept as Round<LastVoting>>::send(p, cx)),
        ],
    }
}

/// LastVoting with event rounds: the runtime calls `send` after `init`,
/// which assigns nothing `send` reads (the front end checks it), so the
/// send from a copy of the pre-state is the one the runtime makes.
fn last_voting_event() -> Bench<LastVotingEvent> {
    Bench {
        name: "last_voting_event",
        source: source("last_voting_event"),
        sends: vec![
            |p, cx| json_outbox(<lve::Collect as EventRound<LastVotingEvent>>::send(&mut p.clone(), cx)),
            |p, cx| json_outbox(<lve::Candidate as EventRound<LastVotingEvent>>::send(&mut p.clone(), cx)),
            |p, cx| json_outbox(<lve::Quorum as EventRound<LastVotingEvent>>::send(&mut p.clone(), cx)),
            |p, cx| json_outbox(<lve::Accept as EventRound<LastVotingEvent>>::send(&mut p.clone(), cx)),
        ],
    }
}

/// `text` with `from` replaced by `to`, which must occur exactly once.
fn mutate(text: &str, from: &str, to: &str) -> String {
    assert_eq!(text.matches(from).count(), 1, "the mutation site `{from}` must occur exactly once");
    text.replacen(from, to, 1)
}

fn parse(name: &str, text: &str) -> Algorithm {
    parse_spec(name, text).unwrap_or_else(|e| panic!("{name}: {}", e.short()))
}

// ---------------------------------------------------------------------------
// Runs.
// ---------------------------------------------------------------------------

#[derive(Clone, Debug)]
struct RunCfg {
    seed: u64,
    n: usize,
    rounds: u64,
    faults: Faults,
}

/// `count` seeded runs of `rounds` rounds: n cycles through 1..5, omission
/// through 0, 0.15, 0.35, 0.6, every third run loses self-messages too, every
/// fourth crashes a process.
fn runs(count: u64, rounds: u64) -> Vec<RunCfg> {
    (0..count)
        .map(|seed| {
            let n = 1 + (seed % 5) as usize;
            let omission = [0.0, 0.15, 0.35, 0.6][(seed / 5 % 4) as usize];
            let crashes = if seed % 4 == 3 && n > 1 { vec![(ProcessId::new((seed / 4) as usize % n), seed % rounds)] } else { Vec::new() };
            RunCfg { seed, n, rounds, faults: Faults { omission, crashes, drop_self: seed % 3 == 2 } }
        })
        .collect()
}

/// Small, repeating initial values (ties for `min_most_often`, `-1` collides
/// with the initial `decision`).
fn ios(cfg: &RunCfg) -> Vec<Consensus<i64>> {
    (0..cfg.n).map(|i| Consensus::new(((i as u64 * 7 + cfg.seed) % 4) as i64 - 1)).collect()
}

/// The trace of a run, and what the simulator's own checks (the Rust spec
/// predicates) reported, the termination-style property left out.
fn simulate<P: Spec + Serialize + Process<Io = Consensus<i64>>>(cfg: &RunCfg) -> (Trace, Vec<String>) {
    let mut adv = RandomAdversary::new(cfg.faults.clone(), cfg.seed);
    let opts = SimOptions { max_rounds: cfg.rounds, stop_when_decided: false, stop_on_violation: false };
    let out = simulate_with_crashes::<P>(&ios(cfg), &mut adv, cfg.seed, &cfg.faults.crashes, &opts).expect("the simulation runs");
    let violations = out.violations.iter().map(|v| format!("after {} rounds: {}", v.round, v.what)).filter(|v| !v.contains("Termination")).collect();
    (out.trace, violations)
}

/// The worlds of a trace: before any round, then after each round (what the
/// simulator's spec checks see).
fn worlds<P: Clone + DeserializeOwned>(t: &Trace) -> Vec<World<P>> {
    let states = |v: &[serde_json::Value]| -> Vec<P> { v.iter().map(|s| serde_json::from_value(s.clone()).expect("states deserialize")).collect() };
    let init = states(&t.init);
    let mut out = vec![World::from_parts(0, t.phase_len, init.clone(), init.clone(), init.clone(), vec![ProcSet::new(); t.n]).expect("shape")];
    let mut pre = init.clone();
    for tr in &t.rounds {
        let cur = states(&tr.states);
        let ho = tr.ho.iter().map(|h| h.iter().copied().collect()).collect();
        out.push(World::from_parts(tr.round + 1, t.phase_len, init.clone(), pre, cur.clone(), ho).expect("shape"));
        pre = cur;
    }
    out
}

fn snapshot<P: Serialize>(alg: &Algorithm, w: &World<P>, inputs: &[State]) -> Snapshot {
    let read = |s: &P| concrete::state_from_json(alg, &serde_json::to_value(s).expect("states serialize")).expect("state fits the spec");
    let procs: Vec<ProcessId> = w.procs().collect();
    Snapshot {
        round: w.round() as i64,
        coord: w.coord().as_u32(),
        init: procs.iter().map(|&i| read(w.init(i))).collect(),
        old: procs.iter().map(|&i| read(w.old(i))).collect(),
        cur: w.states().iter().map(read).collect(),
        ho: w.ho_sets().iter().map(|h| h.iter().map(ProcessId::as_u32).collect()).collect(),
        faults: Default::default(),
        inputs: inputs.to_vec(),
        params: Default::default(),
    }
}

// ---------------------------------------------------------------------------
// The encoding of each round, split for per-process evaluation.
// ---------------------------------------------------------------------------

/// A conjunct `∀ self. body` of a transition, kept as its body.
struct Local {
    label: String,
    body: Term,
    uses_chosen: bool,
}

struct RoundEnc {
    name: String,
    msg: Sort,
    sends_to: Term,
    payload: Term,
    /// Conjuncts without the executing process (`r mod K = k`, `r' = r + 1`, …).
    global: Vec<(String, Term)>,
    /// Conjuncts reading a chosen value's function of the heard-of set
    /// (`Stmt::ChoiceOfHeard`), which every process's chosen values fix.
    across: Vec<(String, Term)>,
    local: Vec<Local>,
    chosen: Vec<Fun>,
}

fn mentions(t: &Term, funs: &[Fun]) -> bool {
    let mut hit = false;
    t.visit(&mut |x| {
        if let Term::App(f, _) = x {
            hit |= funs.iter().any(|g| g.name == f.name);
        }
    });
    hit
}

fn round_enc(alg: &Algorithm, k: usize) -> RoundEnc {
    let rd = &alg.rounds[k];
    let chosen: Vec<Fun> = concrete::chosen_symbols(rd).into_iter().map(|(f, _)| f).collect();
    let of_heard: Vec<Fun> = psync_encodings::interp::choices_of_heard(&rd.update).into_iter().map(|(_, g, _)| g).collect();
    let tr = transition(alg, k);
    let me = names::self_var();
    let (mut global, mut across, mut local) = (Vec::new(), Vec::new(), Vec::new());
    for c in tr.conjuncts {
        match c.term {
            Term::Bind(Binder::Forall, vs, body) if vs.len() == 1 && vs[0] == me => {
                let uses_chosen = mentions(&body, &chosen);
                local.push(Local { label: c.label, body: *body, uses_chosen });
            }
            other if mentions(&other, &of_heard) => across.push((c.label, other)),
            other => global.push((c.label, other)),
        }
    }
    RoundEnc { name: rd.name.clone(), msg: rd.msg.clone(), sends_to: rd.sends_to.clone(), payload: rd.payload.clone(), global, across, local, chosen }
}

/// The default value of a sort (what an unconstrained chosen value starts as).
fn default_value(s: &Sort) -> Value {
    match s {
        Sort::Bool => Value::Bool(false),
        Sort::Int => Value::Int(0),
        Sort::Real => Value::Real(0.into()),
        Sort::P => Value::Proc(0),
        Sort::Set(_) => Value::Set(Default::default()),
        Sort::Opt(_) => Value::Opt(None),
        Sort::Tuple(cs) => Value::Tuple(cs.iter().map(default_value).collect()),
        Sort::Uninterpreted(u) => Value::Elem(u.clone(), 0),
    }
}

fn fits(v: &Value, s: &Sort) -> bool {
    match (v, s) {
        (Value::Bool(_), Sort::Bool) | (Value::Int(_), Sort::Int) | (Value::Real(_), Sort::Real) | (Value::Proc(_), Sort::P) => true,
        (Value::Set(xs), Sort::Set(e)) => xs.iter().all(|x| fits(x, e)),
        (Value::Opt(None), Sort::Opt(_)) => true,
        (Value::Opt(Some(x)), Sort::Opt(e)) => fits(x, e),
        (Value::Tuple(xs), Sort::Tuple(cs)) => xs.len() == cs.len() && xs.iter().zip(cs).all(|(x, c)| fits(x, c)),
        _ => false,
    }
}

/// `v` and every value inside it.
fn flatten(v: &Value, out: &mut Vec<Value>) {
    out.push(v.clone());
    match v {
        Value::Set(xs) => xs.iter().for_each(|x| flatten(x, out)),
        Value::Opt(Some(x)) => flatten(x, out),
        Value::Tuple(xs) => xs.iter().for_each(|x| flatten(x, out)),
        _ => {}
    }
}

fn is_true(r: &Result<Value, psync_logic::EvalError>) -> bool {
    matches!(r, Ok(Value::Bool(true)))
}

fn show_state(s: &State) -> String {
    s.iter().map(|(k, v)| format!("{k}={}", psync_encodings::cex::show(v))).collect::<Vec<_>>().join(" ")
}

// ---------------------------------------------------------------------------
// The checker.
// ---------------------------------------------------------------------------

#[derive(Default, Debug)]
struct Stats {
    runs: usize,
    steps: usize,
    worlds: usize,
    conjuncts: usize,
    searches: usize,
    sends: usize,
    /// Predicate label → how often it was [false, true] (both meanings agreeing).
    truth: BTreeMap<String, [usize; 2]>,
}

/// What went wrong in one step (empty: the encoding accepts it).
#[derive(Default, Debug)]
struct StepVerdict {
    sends: Vec<String>,
    transition: Vec<String>,
}

struct Checker<'a, P> {
    bench: &'a Bench<P>,
    alg: Algorithm,
    rounds: Vec<RoundEnc>,
    stats: Stats,
    failures: Vec<String>,
}

impl<'a, P: Spec + Serialize + DeserializeOwned + Process<Io = Consensus<i64>>> Checker<'a, P> {
    fn new(bench: &'a Bench<P>, alg: Algorithm) -> Self {
        assert_eq!(alg.phase_len(), P::phase().len(), "{}: the verifier and the runtime see the same phase", bench.name);
        assert_eq!(alg.rounds.len(), bench.sends.len());
        let rounds = (0..alg.phase_len()).map(|k| round_enc(&alg, k)).collect();
        Checker { bench, alg, rounds, stats: Stats::default(), failures: Vec::new() }
    }

    /// The worlds of a simulated run and their snapshots.
    fn replay(&self, cfg: &RunCfg) -> (Vec<World<P>>, Vec<Snapshot>, Vec<String>) {
        let (trace, violations) = simulate::<P>(cfg);
        let ws = worlds::<P>(&trace);
        let inputs: Vec<State> = ios(cfg)
            .iter()
            .map(|io| concrete::inputs_from_json(&self.alg, &serde_json::to_value(io).expect("io serializes")).expect("inputs fit"))
            .collect();
        let snaps: Vec<Snapshot> = ws.iter().map(|w| snapshot(&self.alg, w, &inputs)).collect();
        (ws, snaps, violations)
    }

    fn run(&mut self, cfg: &RunCfg) {
        let (ws, snaps, violations) = self.replay(cfg);
        let ctx = format!("[{} seed={} n={} omission={} drop_self={} crashes={:?}]", self.bench.name, cfg.seed, cfg.n, cfg.faults.omission, cfg.faults.drop_self, cfg.faults.crashes);
        self.stats.runs += 1;
        if !violations.is_empty() {
            self.failures.push(format!("{ctx} the simulator's own spec checks report: {}", violations.join("; ")));
        }
        self.check_init(&snaps[0], &ctx);
        for (w, s) in ws.iter().zip(&snaps) {
            self.compare_predicates(w, s, &ctx);
        }
        for r in 0..ws.len() - 1 {
            let v = self.step(&ws[r], &snaps[r], &snaps[r + 1]);
            self.stats.steps += 1;
            if !v.sends.is_empty() || !v.transition.is_empty() {
                self.failures.push(self.report(&ctx, &snaps[r], &snaps[r + 1], &v));
            }
        }
    }

    fn check_init(&mut self, s: &Snapshot, ctx: &str) {
        let m = concrete::state_model(&self.alg, s).expect("model of the initial world");
        for c in initial(&self.alg) {
            if !matches!(holds(&c.term, &m), Ok(true)) {
                self.failures.push(format!("{ctx} initial states violate `{}`: {:?}", c.label, holds(&c.term, &m)));
            }
        }
    }

    /// Item 3: each spec predicate, in Rust and in CL, on the same world.
    fn compare_predicates(&mut self, w: &World<P>, s: &Snapshot, ctx: &str) {
        self.stats.worlds += 1;
        let m = concrete::state_model(&self.alg, s).expect("model of a world");
        let spec = &self.alg.spec;
        let mut pairs: Vec<(String, bool, &Term)> = Vec::new();
        let inv = P::invariants(w);
        assert_eq!(inv.len(), spec.invariants.len(), "{ctx}: number of invariants");
        pairs.extend(inv.into_iter().zip(&spec.invariants).enumerate().map(|(j, (b, p))| (format!("Inv_{j}"), b, &p.term)));
        let rows = P::round_invariants(w);
        assert_eq!(rows.len(), spec.round_invariants.len(), "{ctx}: round-invariant rows");
        for (k, (row, prow)) in rows.into_iter().zip(&spec.round_invariants).enumerate() {
            assert_eq!(row.len(), prow.len(), "{ctx}: round-invariant row {k}");
            pairs.extend(row.into_iter().zip(prow).enumerate().map(|(j, (b, p))| (format!("R[{k}][{j}]"), b, &p.term)));
        }
        let live = P::liveness(w);
        assert_eq!(live.len(), spec.liveness.len(), "{ctx}: liveness predicates");
        pairs.extend(live.into_iter().zip(&spec.liveness).enumerate().map(|(j, (b, p))| (format!("L_{j}"), b, &p.term)));
        let tt = Term::Bool(true);
        pairs.push(("Safety".into(), P::safety(w), spec.safety.as_ref().map_or(&tt, |p| &p.term)));
        let props = P::properties(w);
        assert_eq!(props.len(), spec.properties.len(), "{ctx}: properties");
        for ((name, b), p) in props.into_iter().zip(&spec.properties) {
            assert_eq!(name, p.name, "{ctx}: properties in the same order");
            pairs.push((format!("property {name}"), b, &p.pred.term));
        }
        for (label, rust, term) in pairs {
            let cl = holds(term, &m);
            if cl == Ok(rust) {
                self.stats.truth.entry(label).or_default()[usize::from(rust)] += 1;
            } else {
                let states: Vec<String> = s.cur.iter().enumerate().map(|(i, st)| format!("    p{i}: {} | old {} | init {}", show_state(st), show_state(&s.old[i]), show_state(&s.init[i]))).collect();
                self.failures.push(format!(
                    "{ctx} after {} rounds (coordinator p{}): {label} is {rust} in Rust but {cl:?} in CL\n  CL: {term}\n{}",
                    s.round,
                    s.coord,
                    states.join("\n")
                ));
            }
        }
    }

    /// Items 1 and 2 on the step `pre → post` (HO sets from `post`).
    fn step(&mut self, pre_w: &World<P>, pre: &Snapshot, post: &Snapshot) -> StepVerdict {
        let mut v = StepVerdict::default();
        let n = pre.cur.len();
        let kk = self.alg.phase_len();
        let k = (pre.round as usize) % kk;
        let enc = &self.rounds[k];
        let mut m = concrete::step_model(&self.alg, pre, post).expect("model of a step");
        for f in &enc.chosen {
            m.funs.insert(f.name.clone(), FunTable { fun: f.clone(), entries: BTreeMap::new(), default: Some(default_value(&f.ret)) });
        }
        // 1. sends and payloads, every sender and destination.
        let (sender, dest) = (names::sender_var(), names::dest_var());
        let mut received: Vec<Vec<Value>> = vec![Vec::new(); n];
        for s in 0..n {
            let cx = Ctx::new(ProcessId::new(s), n, pre.round as u64, kk);
            let out = (self.bench.sends[k])(&pre_w.states()[s], &cx);
            for (d, inbox) in received.iter_mut().enumerate() {
                self.stats.sends += 1;
                let env = [(sender.clone(), Value::Proc(s as u32)), (dest.clone(), Value::Proc(d as u32))];
                let rt = runtime_payload(&out, ProcessId::new(d)).map(|j| concrete::value_from_json(&enc.msg, j, "payload").expect("payload fits"));
                let heard = post.ho[d].contains(&(s as u32));
                if heard && rt.is_none() {
                    v.sends.push(format!("p{d} heard of p{s}, which sent it nothing"));
                }
                let enc_sends = eval_with(&enc.sends_to, &m, &env);
                if enc_sends != Ok(Value::Bool(rt.is_some())) {
                    v.sends.push(format!("p{s} → p{d}: the runtime sends {:?}, sendsTo is {enc_sends:?}\n      sendsTo: {}", rt.as_ref().map(psync_encodings::cex::show), enc.sends_to));
                    continue;
                }
                if let Some(rt) = rt {
                    let enc_payload = eval_with(&enc.payload, &m, &env);
                    if enc_payload.as_ref() != Ok(&rt) {
                        v.sends.push(format!("p{s} → p{d}: the runtime sends {}, payload is {enc_payload:?}\n      payload: {}", psync_encodings::cex::show(&rt), enc.payload));
                    }
                    if heard {
                        inbox.push(rt);
                    }
                }
            }
        }
        // 2. the transition relation (the facts relating the chosen values
        // of processes that hear one set once those values are fixed).
        for (label, t) in &enc.global {
            self.stats.conjuncts += 1;
            let r = holds(t, &m);
            if r != Ok(true) {
                v.transition.push(format!("`{label}` is {r:?}"));
            }
        }
        for (i, inbox) in received.iter().enumerate() {
            let mut pool = Vec::new();
            for x in inbox.iter().chain(pre.cur[i].values()).chain(post.cur[i].values()) {
                flatten(x, &mut pool);
            }
            if let Err(e) = self.transition_at(k, &mut m, i as u32, &pool) {
                v.transition.push(format!("at p{i}: {e}"));
            }
        }
        // Each process's chosen values were searched for on its own: where
        // the relation leaves a value free (an empty mailbox), processes
        // that hear one set may have drawn different ones. Take the first
        // one's value at the others when their own conjuncts allow it.
        for t in psync_encodings::interp::of_heard_tables(&self.alg.rounds[k].update, &m) {
            m.funs.insert(t.fun.name.clone(), t);
        }
        self.align_of_heard(k, &mut m);
        let enc = &self.rounds[k];
        for (label, t) in &enc.across {
            self.stats.conjuncts += 1;
            let r = holds(t, &m);
            if r != Ok(true) {
                v.transition.push(format!("`{label}` is {r:?}"));
            }
        }
        v
    }

    /// Sets each `ChoiceOfHeard` value at every process to its function of
    /// the heard-of set's value there, where the process's conjuncts that
    /// read chosen values still hold with it (a mismatch that remains
    /// is then reported by the fact itself).
    fn align_of_heard(&mut self, k: usize, m: &mut Model) {
        let enc = &self.rounds[k];
        for (fun, of_heard, unaltered_only) in psync_encodings::interp::choices_of_heard(&self.alg.rounds[k].update) {
            for i in 0..m.n {
                let at = |m: &Model, f: &str, args: &[Value]| m.funs.get(f).and_then(|t| t.get(args).cloned());
                if unaltered_only && !psync_encodings::interp::no_altered_message(m, i) {
                    continue;
                }
                let (Some(heard), Some(own)) = (at(m, names::HO, &[Value::Proc(i)]), at(m, &fun.name, &[Value::Proc(i)])) else { continue };
                let Some(shared) = at(m, &of_heard.name, &[heard]) else { continue };
                if shared == own {
                    continue;
                }
                let table = m.funs.get_mut(&fun.name).expect("chosen tables");
                table.entries.insert(vec![Value::Proc(i)], shared);
                let env = [(names::self_var(), Value::Proc(i))];
                let ok = enc.local.iter().filter(|l| l.uses_chosen).all(|l| is_true(&eval_with(&l.body, m, &env)));
                if !ok {
                    m.funs.get_mut(&fun.name).expect("chosen tables").entries.insert(vec![Value::Proc(i)], own);
                }
            }
        }
    }

    /// The per-process conjuncts at `i`, for some interpretation of the
    /// chosen values among `pool` (and the sorts' defaults).
    fn transition_at(&mut self, k: usize, m: &mut Model, i: u32, pool: &[Value]) -> Result<(), String> {
        let enc = &self.rounds[k];
        let env = [(names::self_var(), Value::Proc(i))];
        let mut fails = Vec::new();
        for l in enc.local.iter().filter(|l| !l.uses_chosen) {
            self.stats.conjuncts += 1;
            let r = eval_with(&l.body, m, &env);
            if !is_true(&r) {
                fails.push(format!("`{}` is {r:?}", l.label));
            }
        }
        if !fails.is_empty() {
            return Err(fails.join("; "));
        }
        if enc.chosen.is_empty() {
            return Ok(());
        }
        self.stats.searches += 1;
        let cands: Vec<Vec<Value>> = enc
            .chosen
            .iter()
            .map(|f| {
                let mut c: Vec<Value> = pool.iter().filter(|v| fits(v, &f.ret)).cloned().collect();
                c.push(default_value(&f.ret));
                c.sort();
                c.dedup();
                c
            })
            .collect();
        let mut tried = Vec::new();
        let mut idx = vec![0usize; cands.len()];
        loop {
            for (f, (c, &j)) in enc.chosen.iter().zip(cands.iter().zip(&idx)) {
                m.funs.get_mut(&f.name).expect("chosen tables").entries.insert(vec![Value::Proc(i)], c[j].clone());
            }
            let mut bad = Vec::new();
            for l in enc.local.iter().filter(|l| l.uses_chosen) {
                self.stats.conjuncts += 1;
                let r = eval_with(&l.body, m, &env);
                if !is_true(&r) {
                    bad.push(format!("`{}` is {r:?}", l.label));
                    break;
                }
            }
            if bad.is_empty() {
                return Ok(());
            }
            let choice: Vec<String> = enc.chosen.iter().zip(cands.iter().zip(&idx)).map(|(f, (c, &j))| format!("{}={}", f.name, psync_encodings::cex::show(&c[j]))).collect();
            tried.push(format!("[{}] {}", choice.join(", "), bad.join("; ")));
            // Next combination.
            let mut pos = 0;
            loop {
                if pos == idx.len() {
                    return Err(format!("no interpretation of the chosen values satisfies the relation; tried:\n      {}", tried.join("\n      ")));
                }
                idx[pos] += 1;
                if idx[pos] < cands[pos].len() {
                    break;
                }
                idx[pos] = 0;
                pos += 1;
            }
        }
    }

    fn report(&self, ctx: &str, pre: &Snapshot, post: &Snapshot, v: &StepVerdict) -> String {
        let k = (pre.round as usize) % self.alg.phase_len();
        let mut s = format!("{ctx} round r={} ({}, k={k}), coordinator p{}: the encoding rejects the runtime's step\n", pre.round, self.rounds[k].name, pre.coord);
        for i in 0..pre.cur.len() {
            let ho: Vec<String> = post.ho[i].iter().map(|q| format!("p{q}")).collect();
            let _ = writeln!(s, "    p{i}: pre {} | post {} | HO {{{}}}", show_state(&pre.cur[i]), show_state(&post.cur[i]), ho.join(", "));
        }
        for x in v.sends.iter().chain(&v.transition) {
            let _ = writeln!(s, "  ✗ {x}");
        }
        s
    }
}

fn check_bench<'a, P>(bench: &'a Bench<P>, cfgs: &[RunCfg]) -> Checker<'a, P>
where
    P: Spec + Serialize + DeserializeOwned + Process<Io = Consensus<i64>>,
{
    let mut c = Checker::new(bench, parse(bench.name, &bench.source));
    for cfg in cfgs {
        c.run(cfg);
    }
    c
}

fn summary<P>(c: &Checker<'_, P>, secs: f64) -> String {
    let mut s = format!(
        "{}: {} runs, {} steps, {} worlds, {} send pairs, {} conjunct evaluations, {} chosen-value searches, {secs:.1} s\n",
        c.bench.name, c.stats.runs, c.stats.steps, c.stats.worlds, c.stats.sends, c.stats.conjuncts, c.stats.searches
    );
    for (label, [f, t]) in &c.stats.truth {
        let _ = writeln!(s, "  {label}: false {f}, true {t}");
    }
    s
}

impl<P: Spec + Serialize + DeserializeOwned + Process<Io = Consensus<i64>>> Checker<'_, P> {
    /// Negative control: on every step of the run, the real post-state is
    /// accepted, and each field of one process changed to a value the round
    /// cannot produce (an integer moved far out of the run's range, a flipped
    /// boolean) is rejected, as is a wrong `r'` and, inside a phase, a wrong
    /// `coord'`. Returns how many mutations were rejected and one report.
    fn mutations_rejected(&mut self, cfg: &RunCfg) -> (usize, String) {
        let (ws, snaps, _) = self.replay(cfg);
        let (n, kk) = (cfg.n, self.alg.phase_len());
        let fields: Vec<String> = self.alg.fields.iter().map(|f| f.name.clone()).collect();
        let (mut rejected, mut sample) = (0, String::new());
        for r in 0..ws.len() - 1 {
            let (pre, post) = (&snaps[r], &snaps[r + 1]);
            let real = self.step(&ws[r], pre, post);
            assert!(real.sends.is_empty() && real.transition.is_empty(), "the real step r={r} is accepted: {real:?}");
            let i = r % n;
            let mut bad_posts = Vec::new();
            for f in &fields {
                let mut bad = post.clone();
                let v = bad.cur[i].get_mut(f).expect("a field");
                *v = match v {
                    Value::Int(x) => Value::Int(*x + 1000),
                    Value::Bool(b) => Value::Bool(!*b),
                    _ => continue,
                };
                bad_posts.push((format!("`{f}` of p{i}"), bad));
            }
            let mut bad = post.clone();
            bad.round += 1;
            bad_posts.push(("r'".into(), bad));
            if n > 1 && (pre.round as usize) % kk + 1 < kk {
                let mut bad = post.clone();
                bad.coord = (post.coord + 1) % n as u32;
                bad_posts.push(("coord'".into(), bad));
            }
            for (what, bad) in bad_posts {
                let v = self.step(&ws[r], pre, &bad);
                assert!(!v.transition.is_empty(), "{}: the mutation of {what} after round {r} is accepted", self.bench.name);
                if sample.is_empty() {
                    sample = self.report(&format!("[mutated {what}]"), pre, &bad, &v);
                }
                rejected += 1;
            }
        }
        (rejected, sample)
    }
}

/// Runs the runtime's `bench` against a verifier that reads `text` mutated
/// (`from` → `to`); the differential check must notice. Returns its report.
fn misreading_is_caught<P>(bench: &Bench<P>, what: &str, from: &str, to: &str, cfgs: &[RunCfg]) -> String
where
    P: Spec + Serialize + DeserializeOwned + Process<Io = Consensus<i64>>,
{
    let mut c = Checker::new(bench, parse(what, &mutate(&bench.source, from, to)));
    for cfg in cfgs {
        c.run(cfg);
        if !c.failures.is_empty() {
            return c.failures.swap_remove(0);
        }
    }
    panic!("{what}: a verifier reading `{to}` where the code says `{from}` went unnoticed over {} runs", cfgs.len());
}

// ---------------------------------------------------------------------------
// The tests.
// ---------------------------------------------------------------------------

fn differential<P>(bench: Bench<P>, count: u64, rounds: u64)
where
    P: Spec + Serialize + DeserializeOwned + Process<Io = Consensus<i64>>,
{
    let start = Instant::now();
    let c = check_bench(&bench, &runs(count, rounds));
    println!("{}", summary(&c, start.elapsed().as_secs_f64()));
    assert!(c.failures.is_empty(), "{} disagreement(s) between the encoding and the runtime:\n{}", c.failures.len(), c.failures.join("\n"));
    assert!(c.stats.steps as u64 >= count * rounds / 2, "the runs took place");
    // Non-vacuity: the predicates that are not constant on real runs were
    // seen both ways (and agreed both ways).
    for label in ["Inv_0", "property Agreement", "property Termination"] {
        let [f, t] = c.stats.truth.get(label).copied().unwrap_or_default();
        assert!(t > 0, "{label} never true");
        if label != "Inv_0" && label != "property Agreement" {
            assert!(f > 0, "{label} never false");
        }
    }
}

#[test]
fn otr_encoding_agrees_with_the_runtime() {
    differential(otr(), 100, 12);
}

#[test]
fn last_voting_encoding_agrees_with_the_runtime() {
    differential(last_voting(), 80, 20);
}

/// The event rounds' closed reading (each `receive` folded over the
/// mailbox) holds of the compiled handlers, run by the simulator with
/// shuffled delivery orders and early moves: each round's heard-of sets
/// are the messages that arrived before the round ended.
#[test]
fn last_voting_event_encoding_agrees_with_the_runtime() {
    differential(last_voting_event(), 80, 20);
}

#[test]
fn mutated_post_states_are_rejected() {
    let b = otr();
    let mut c = Checker::new(&b, parse(b.name, &b.source));
    let (mut total, mut sample) = (0, String::new());
    for cfg in runs(10, 8) {
        let (k, s) = c.mutations_rejected(&cfg);
        total += k;
        sample = s;
    }
    let b = last_voting();
    let mut c = Checker::new(&b, parse(b.name, &b.source));
    for cfg in runs(10, 12) {
        total += c.mutations_rejected(&cfg).0;
    }
    println!("{total} mutated post-states rejected, e.g.\n{sample}");
    assert!(total > 500, "{total}");
}

#[test]
fn misread_spec_texts_are_caught() {
    let cfgs = runs(40, 12);
    let otr = otr();
    let lv = last_voting();
    let reports = [
        misreading_is_caught(&otr, "otr: decision threshold n/2", "3 * mbox.count(|&v| v == p.x) > 2 * cx.n()", "2 * mbox.count(|&v| v == p.x) > cx.n()", &cfgs),
        misreading_is_caught(&otr, "otr: sends its decision", "Outbox::broadcast(p.x)", "Outbox::broadcast(p.decision)", &cfgs),
        misreading_is_caught(&otr, "otr: Termination as exists", "eventually(w.forall(|i| w[i].decided))", "eventually(w.exists(|i| w[i].decided))", &cfgs),
        misreading_is_caught(&lv, "lv: commit without majority", "2 * mbox.len() > cx.n() {\n            if let Some", "true {\n            if let Some", &cfgs),
        misreading_is_caught(&lv, "lv: decide own estimate", "p.decision = v;", "p.decision = p.x;", &cfgs),
        misreading_is_caught(&lv, "lv: acknowledge old votes", "if p.ts == cx.phase() as i64 {", "if p.ts >= 0 {", &cfgs),
        misreading_is_caught(&lv, "lv: timestamp off by one", "p.ts = cx.phase() as i64;", "p.ts = cx.phase() as i64 + 1;", &cfgs),
    ];
    for r in &reports {
        println!("{r}");
    }
}

/// Misreadings of an event round's fold are caught too: the compiled
/// handlers (run with shuffled arrivals) depart from a reading that counts
/// twice, keeps the least key, or starts the running best elsewhere.
#[test]
fn misread_event_rounds_are_caught() {
    let cfgs = runs(40, 12);
    let lve = last_voting_event();
    let reports = [
        misreading_is_caught(&lve, "lve: counts each message twice", "p.acks += 1;\n        if ts >= p.best", "p.acks += 2;\n        if ts >= p.best", &cfgs),
        misreading_is_caught(&lve, "lve: keeps the oldest estimate", "if ts >= p.best {", "if ts <= p.best {", &cfgs),
        misreading_is_caught(&lve, "lve: running best starts at 0", "p.best = -1;", "p.best = 0;", &cfgs),
    ];
    for r in &reports {
        println!("{r}");
    }
}

/// Both meanings also agree on a world no correct run reaches: two processes
/// decided differently.
#[test]
fn a_world_violating_agreement_is_judged_alike() {
    let b = otr();
    let mut c = Checker::new(&b, parse(b.name, &b.source));
    let st = |x, decided, decision| Otr { x, decided, decision };
    let init = vec![st(1, false, -1), st(2, false, -1), st(2, false, -1)];
    let cur = vec![st(1, true, 1), st(2, true, 2), st(2, false, -1)];
    let w = World::from_parts(3, 1, init.clone(), init, cur, vec![ProcSet::full(3); 3]).expect("shape");
    let inputs: Vec<State> = [1, 2, 2].iter().map(|&v| [("initial".to_string(), Value::Int(v))].into_iter().collect()).collect();
    let s = snapshot(&c.alg, &w, &inputs);
    c.compare_predicates(&w, &s, "[hand-built]");
    assert!(c.failures.is_empty(), "{}", c.failures.join("\n"));
    for label in ["property Agreement", "property Integrity", "Inv_0", "Inv_1", "Inv_2"] {
        assert_eq!(c.stats.truth.get(label), Some(&[1, 0]), "{label} is false in both meanings");
    }
    for label in ["property Validity", "property Irrevocability"] {
        assert_eq!(c.stats.truth.get(label), Some(&[0, 1]), "{label} is true in both meanings");
    }
}

// ---------------------------------------------------------------------------
// The IR interpreter against the compiled code and the transition relation.
// ---------------------------------------------------------------------------

/// On the seeded runs of `cfgs`, the interpreter (`psync_encodings::interp`)
/// started from the same inputs and given each round's recorded heard-of
/// sets computes exactly the states the compiled spec computed (every
/// field, the round counter, the coordinator, the `old` copies), and each of
/// its steps satisfies the round's transition relation with the chosen
/// values it fixed. Returns the number of steps compared.
fn interpreter_agrees<P>(name: &str, text: &str, cfgs: &[RunCfg]) -> usize
where
    P: Spec + Serialize + DeserializeOwned + Process<Io = Consensus<i64>>,
{
    let alg = parse(name, text);
    let mut steps = 0;
    for cfg in cfgs {
        let (trace, _) = simulate::<P>(cfg);
        let inputs: Vec<State> = ios(cfg)
            .iter()
            .map(|io| concrete::inputs_from_json(&alg, &serde_json::to_value(io).expect("io serializes")).expect("inputs fit"))
            .collect();
        let compiled: Vec<Snapshot> = worlds::<P>(&trace).iter().map(|w| snapshot(&alg, w, &inputs)).collect();
        let mut cur = interp::initial(&alg, inputs.clone(), Default::default()).unwrap_or_else(|e| panic!("{name} seed {}: {e}", cfg.seed));
        assert_eq!(cur, compiled[0], "{name} seed {}: the initial states", cfg.seed);
        for want in &compiled[1..] {
            let st = interp::step(&alg, &cur, &want.ho).unwrap_or_else(|e| panic!("{name} seed {}: {e}", cfg.seed));
            let bad = interp::check_transition(&alg, &cur, &st).expect("the relation evaluates");
            assert!(bad.is_empty(), "{name} seed {} round {}: the interpreter's step violates the relation: {bad:?}", cfg.seed, cur.round);
            if st.post != *want {
                let diff: Vec<String> = (0..cfg.n)
                    .filter(|&i| st.post.cur[i] != want.cur[i])
                    .map(|i| format!("p{i}: interpreted {} | compiled {}", show_state(&st.post.cur[i]), show_state(&want.cur[i])))
                    .collect();
                panic!("{name} seed {} (n = {}) round {}: the interpreter and the compiled code disagree\n{}", cfg.seed, cfg.n, cur.round, diff.join("\n"));
            }
            assert!(st.failed_checks.is_empty());
            cur = st.post;
            steps += 1;
        }
    }
    steps
}

#[test]
fn the_interpreter_agrees_with_the_compiled_specs_and_their_relations() {
    let otr = interpreter_agrees::<Otr>("otr", &source("otr"), &runs(100, 12));
    let lv = interpreter_agrees::<LastVoting>("last_voting", &source("last_voting"), &runs(80, 20));
    let fm_text = std::fs::read_to_string(format!("{}/../docs/examples/floodmin.rs", env!("CARGO_MANIFEST_DIR"))).expect("the guide's example");
    let fm = interpreter_agrees::<FloodMin>("floodmin", &fm_text, &runs(60, 10));
    println!("steps compared: OTR {otr}, LastVoting {lv}, FloodMin {fm}");
    assert!(otr >= 1000 && lv >= 1000 && fm >= 500, "the runs took place");
}

/// A mutant the interpreter reads (OTR deciding on a bare majority) departs
/// from the compiled original on some seeded run: the comparison can fail.
#[test]
fn the_interpreter_of_a_mutant_departs_from_the_compiled_original() {
    let text = mutate(&source("otr"), "3 * mbox.count(|&v| v == p.x) > 2 * cx.n()", "2 * mbox.count(|&v| v == p.x) > cx.n()");
    let res = std::panic::catch_unwind(|| interpreter_agrees::<Otr>("otr-mutant", &text, &runs(100, 12)));
    assert!(res.is_err(), "the mutant's interpretation matched the compiled original on every run");
}

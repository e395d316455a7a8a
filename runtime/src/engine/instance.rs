//! One running instance of one algorithm: the round state machine (send,
//! receive until the progress condition holds or the deadline passes,
//! update), catch-up, and the future-round buffer.

use crate::codec::{self, CodecError};
use crate::config::Options;
use crate::durable::Snapshot;
use crate::dsl::{Ctx, Outgoing, ProcSet, Process, ProcessId, ProcessIo, Progress, RoundRun};
use crate::engine::future::{FutureBuffer, Refused};
use crate::engine::outbound::Outbound;
use crate::engine::rto::Rto;
use crate::engine::{Outcome, Stats};
use crate::wire::Flag;
use bytes::Bytes;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use tokio::time::Instant;

/// What an instance may touch while handling an event.
pub(crate) struct Env<'a> {
    pub now: Instant,
    pub out: &'a mut Outbound,
    pub opts: &'a Options,
    pub stats: &'a Stats,
    pub timers: &'a mut BinaryHeap<Reverse<(Instant, u64)>>,
    pub rto: &'a mut Rto,
}

/// Whether an instance is still running after an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Step {
    Running,
    Finished,
}

/// An instance with its algorithm erased, as the event loop holds it.
pub(crate) trait InstanceDyn: Send {
    fn start(&mut self, env: &mut Env) -> Step;
    fn on_message(&mut self, env: &mut Env, from: ProcessId, flag: Flag, round: u64, payload: Bytes) -> Step;
    fn on_timer(&mut self, env: &mut Env) -> Step;
    fn deadline(&self) -> Option<Instant>;
    /// The state saved at the start of the latest round, once (with a data
    /// directory only).
    fn take_snapshot(&mut self) -> Option<Snapshot>;
    /// Replaces the initial state by a recovered one, before `start`.
    fn restore(&mut self, s: &Snapshot) -> Result<(), String>;
    /// The encoded decision, decided or learned, for the decision log.
    fn decision_bytes(&self) -> Option<Bytes>;
    /// Reports the outcome (stopped if not finished).
    fn complete(self: Box<Self>);
    /// Reports that the instance could not start.
    fn reject(self: Box<Self>, reason: String);
    /// Makes the instance a learner, before `start`: it runs no round and
    /// only asks the others for the decision.
    fn learn_only(&mut self);
}

type Output<P> = <<P as Process>::Io as ProcessIo>::Output;
pub(crate) type Done<P> = Box<dyn FnOnce(Outcome<Output<P>>) + Send>;

/// How to save and restore the state of a serializable process.
pub(crate) struct Persist<P> {
    pub encode: fn(&P) -> Result<Bytes, CodecError>,
    pub decode: fn(&[u8]) -> Result<P, CodecError>,
}

pub(crate) struct Instance<P: Process> {
    id: u64,
    p: P,
    cx: Ctx,
    runs: Vec<Box<dyn RoundRun<P>>>,
    progress: Progress,
    round_start: Instant,
    deadline: Option<Instant>,
    heard: ProcSet,
    /// Per sender: the highest round above the current one heard from it.
    ahead: Vec<u64>,
    future: FutureBuffer,
    result: Option<Outcome<Output<P>>>,
    done: Option<Done<P>>,
    persist: Option<Persist<P>>,
    snapshot: Option<Snapshot>,
    learner: bool,
}

impl<P: Process> Instance<P> {
    /// A new instance; `Err` when the algorithm's phase is empty.
    pub(crate) fn new(id: u64, io: &P::Io, me: ProcessId, n: usize, opts: &Options, done: Done<P>) -> Result<Self, (String, Done<P>)> {
        let phase = P::phase();
        if phase.is_empty() {
            return Err((format!("the phase of {} has no round", std::any::type_name::<P>()), done));
        }
        let cx = Ctx::new(me, n, 0, phase.len()).with_timeout(opts.timeout());
        let p = P::init(io, &cx);
        Ok(Instance {
            id,
            p,
            cx,
            runs: phase.instantiate(),
            progress: Progress::unchanged(),
            round_start: Instant::now(),
            deadline: None,
            heard: ProcSet::new(),
            ahead: vec![0; n],
            future: FutureBuffer::default(),
            result: None,
            done: Some(done),
            persist: None,
            snapshot: None,
            learner: false,
        })
    }

    /// The same instance, its state saved with `persist` (with a data
    /// directory).
    pub(crate) fn persisted(mut self, persist: Persist<P>) -> Self {
        self.persist = Some(persist);
        self
    }

    /// A learner asks every other process for the decision, again after
    /// a timeout (at least 100 ms).
    fn probe(&mut self, env: &mut Env) {
        env.out.broadcast(Flag::Dummy, self.id, 0, &[]);
        let t = env.now + env.opts.timeout().max(std::time::Duration::from_millis(100));
        self.deadline = Some(t);
        env.timers.push(Reverse((t, self.id)));
    }

    fn ri(&self) -> usize {
        self.cx.round_in_phase()
    }

    fn set_deadline(&mut self, env: &mut Env) {
        // A deadline past the clock's range is no deadline.
        let d = self.progress.deadline().and_then(|d| self.round_start.checked_add(d));
        if d != self.deadline {
            self.deadline = d;
            if let Some(t) = d {
                env.timers.push(Reverse((t, self.id)));
            }
        }
    }

    /// Starts the current round: init, send, self-delivery, buffered messages.
    fn begin_round(&mut self, env: &mut Env, send: bool) {
        let ri = self.ri();
        self.heard.clear();
        self.round_start = env.now;
        self.deadline = None;
        self.cx.set_timeout(env.rto.timeout());
        if env.opts.data_dir.is_some() {
            let state = self.persist.as_ref().and_then(|ps| (ps.encode)(&self.p).ok());
            self.snapshot = Some(Snapshot { round: self.cx.round(), state });
        }
        self.progress = self.runs[ri].init(&mut self.p, &self.cx);
        let round = self.cx.round();
        let out = self.runs[ri].send(&mut self.p, &self.cx);
        if send {
            match out {
                Ok(Outgoing::None) => {}
                Ok(Outgoing::Broadcast(b)) => env.out.broadcast(Flag::Normal, self.id, round, &b),
                Ok(Outgoing::To(v)) => {
                    for (q, b) in v {
                        env.out.push(q, Flag::Normal, self.id, round, &b);
                    }
                }
                Err(e) => {
                    tracing::warn!(instance = self.id, round, "cannot encode: {e}");
                    Stats::inc(&env.stats.malformed);
                }
            }
        }
        if self.runs[ri].has_self_message() {
            self.heard.insert(self.cx.id());
            let pr = self.runs[ri].deliver_self(&mut self.p, &self.cx);
            self.progress = self.progress.update(pr);
        }
        if !self.future.is_empty() {
            for (q, b) in self.future.take_round(round) {
                self.deliver(env, q, &b);
            }
        }
        self.set_deadline(env);
    }

    fn deliver(&mut self, env: &mut Env, from: ProcessId, payload: &[u8]) {
        if !self.heard.insert(from) {
            Stats::inc(&env.stats.duplicates);
            return;
        }
        let ri = self.ri();
        match self.runs[ri].receive(&mut self.p, from, payload, &self.cx) {
            Ok(pr) => self.progress = self.progress.update(pr),
            Err(e) => {
                tracing::debug!(instance = self.id, %from, "dropping message: {e}");
                Stats::inc(&env.stats.malformed);
                self.heard.remove(from);
            }
        }
    }

    /// Ends the current round; true when the instance is finished.
    fn end_round(&mut self, env: &mut Env, timed_out: bool) -> bool {
        let ri = self.ri();
        let cont = self.runs[ri].finish(&mut self.p, timed_out, &self.cx);
        Stats::inc(&env.stats.rounds);
        if let Some(v) = self.p.decision() {
            Stats::inc(&env.stats.decisions);
            self.result = Some(Outcome::Decided(v));
            return true;
        }
        if !cont {
            self.result = Some(Outcome::Ended);
            return true;
        }
        self.cx.set_round(self.cx.round() + 1);
        false
    }

    fn reached(&self) -> usize {
        let r = self.cx.round();
        let mut s = self.heard.clone();
        s.insert(self.cx.id());
        for (q, &a) in self.ahead.iter().enumerate() {
            if a > r {
                s.insert(ProcessId::new(q));
            }
        }
        s.len()
    }

    /// Ends rounds while the progress condition says go-ahead.
    fn advance(&mut self, env: &mut Env) -> Step {
        loop {
            // sync(k) needs f + k processes: count those beyond f.
            let reached = if self.progress.sync_k() > 0 { self.reached().saturating_sub(env.opts.f) } else { 0 };
            if !self.progress.is_go_ahead(reached) {
                return Step::Running;
            }
            // A round that ended on messages from others tells how long rounds take.
            if self.heard.len() > usize::from(self.heard.contains(self.cx.id())) {
                env.rto.sample(env.now.saturating_duration_since(self.round_start));
            }
            if self.end_round(env, false) {
                return Step::Finished;
            }
            self.begin_round(env, true);
        }
    }

    fn catch_up_target(&self, threshold: usize) -> Option<u64> {
        let r = self.cx.round();
        let mut higher: Vec<u64> = self.ahead.iter().copied().filter(|&a| a > r).collect();
        if higher.len() < threshold.max(1) {
            return None;
        }
        higher.sort_unstable_by(|a, b| b.cmp(a));
        Some(higher[threshold.max(1) - 1])
    }

    /// Jumps to `target`, replaying the skipped rounds with what was buffered.
    fn catch_up(&mut self, env: &mut Env, target: u64) -> Step {
        Stats::inc(&env.stats.catch_ups);
        if self.end_round(env, true) {
            return Step::Finished;
        }
        while self.cx.round() < target {
            self.begin_round(env, env.opts.catch_up_send);
            if self.end_round(env, true) {
                return Step::Finished;
            }
        }
        self.begin_round(env, true);
        Step::Running
    }
}

impl<P: Process> InstanceDyn for Instance<P> {
    fn start(&mut self, env: &mut Env) -> Step {
        if self.learner {
            self.probe(env);
            return Step::Running;
        }
        self.begin_round(env, true);
        self.advance(env)
    }

    fn on_message(&mut self, env: &mut Env, from: ProcessId, flag: Flag, round: u64, payload: Bytes) -> Step {
        match flag {
            Flag::Normal => {}
            Flag::Decision => {
                return match codec::decode_for_run::<Output<P>>(&payload, self.cx.n()) {
                    Ok(v) => {
                        Stats::inc(&env.stats.learned);
                        self.result = Some(Outcome::Learned(v));
                        Step::Finished
                    }
                    Err(_) => {
                        Stats::inc(&env.stats.malformed);
                        Step::Running
                    }
                };
            }
            Flag::Dummy | Flag::User(_) => return Step::Running,
        }
        if self.learner {
            return Step::Running;
        }
        let r = self.cx.round();
        if round < r {
            Stats::inc(&env.stats.late);
            return Step::Running;
        }
        if round == r {
            self.deliver(env, from, &payload);
            self.set_deadline(env);
            return self.advance(env);
        }
        if round - r > env.opts.max_round_ahead {
            Stats::inc(&env.stats.too_far);
            return Step::Running;
        }
        match self.future.push(round, from, &payload, env.opts.max_buffered, env.opts.max_buffered_bytes) {
            Ok(()) => Stats::inc(&env.stats.buffered),
            Err(Refused::Duplicate) => Stats::inc(&env.stats.duplicates),
            Err(Refused::Full) => Stats::inc(&env.stats.buffer_full),
        }
        if let Some(a) = self.ahead.get_mut(from.index()) {
            *a = (*a).max(round);
        }
        if !self.progress.is_strict()
            && let Some(t) = self.catch_up_target(env.opts.catch_up_senders)
            && self.catch_up(env, t) == Step::Finished
        {
            return Step::Finished;
        }
        self.advance(env)
    }

    fn on_timer(&mut self, env: &mut Env) -> Step {
        if self.learner {
            if self.deadline.is_some_and(|d| d <= env.now) {
                self.probe(env);
            }
            return Step::Running;
        }
        match self.deadline {
            Some(d) if d <= env.now => {
                Stats::inc(&env.stats.timeouts);
                if self.end_round(env, true) {
                    return Step::Finished;
                }
                self.begin_round(env, true);
                self.advance(env)
            }
            _ => Step::Running,
        }
    }

    fn deadline(&self) -> Option<Instant> {
        self.deadline
    }

    fn take_snapshot(&mut self) -> Option<Snapshot> {
        self.snapshot.take()
    }

    fn restore(&mut self, s: &Snapshot) -> Result<(), String> {
        let (Some(ps), Some(state)) = (&self.persist, &s.state) else {
            return Err(format!("instance {}: its state was not saved, it cannot resume", self.id));
        };
        self.p = (ps.decode)(state).map_err(|e| format!("instance {}: cannot restore its state: {e}", self.id))?;
        self.cx.set_round(s.round);
        Ok(())
    }

    fn decision_bytes(&self) -> Option<Bytes> {
        match &self.result {
            Some(Outcome::Decided(v) | Outcome::Learned(v)) => codec::encode(v).ok(),
            _ => None,
        }
    }

    fn complete(mut self: Box<Self>) {
        let result = self.result.take().unwrap_or(Outcome::Stopped);
        if let Some(done) = self.done.take() {
            done(result);
        }
    }

    fn learn_only(&mut self) {
        self.learner = true;
    }

    fn reject(mut self: Box<Self>, reason: String) {
        if let Some(done) = self.done.take() {
            done(Outcome::Rejected(reason));
        }
    }
}

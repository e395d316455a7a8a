//! One event loop hosting many instances: no thread or task per instance.
//! It routes messages, fires deadlines, answers from the decision log, asks
//! the default handler about unknown instances, and flushes batched packets.

use crate::config::Options;
use crate::dsl::ProcessId;
use crate::durable::{Admission, LoopLog};
use crate::engine::handler::{DefaultAction, DefaultHandler, UnknownMessage};
use crate::engine::instance::{Env, InstanceDyn, Step};
use crate::engine::outbound::Outbound;
use crate::engine::{StartFn, Stats};
use crate::wire::{Flag, WireMsg};
use bytes::Bytes;
use std::cmp::Reverse;
use crate::engine::bounded::BoundedMap;
use crate::engine::budget::ByteBudget;
use crate::engine::lazy::{LazyStarts, Refused};
use crate::engine::rto::Rto;
use std::collections::{BinaryHeap, HashMap};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc::UnboundedReceiver;
use tokio::time::Instant;

pub(crate) enum ShardMsg {
    /// Received messages, holding `cost` bytes of the inbound budget.
    Net { msgs: Vec<WireMsg>, cost: usize },
    Start(u64, StartFn),
    Stop(u64),
    User { to: Option<ProcessId>, flag: u8, instance: u64, payload: Bytes },
    Shutdown,
}

pub(crate) struct Shard {
    me: ProcessId,
    n: usize,
    opts: Options,
    stats: Arc<Stats>,
    rx: UnboundedReceiver<ShardMsg>,
    instances: HashMap<u64, Box<dyn InstanceDyn>>,
    timers: BinaryHeap<Reverse<(Instant, u64)>>,
    out: Outbound,
    log: BoundedMap<Bytes>,
    tombstones: BoundedMap<()>,
    rto: Rto,
    handler: Arc<dyn DefaultHandler>,
    /// The write-ahead log, with a data directory.
    wal: Option<LoopLog>,
    /// Instances finished this turn, reported once the turn is durable.
    settled: Vec<Box<dyn InstanceDyn>>,
    /// The inbound queue's budget, given back as messages are taken in.
    inbound: ByteBudget,
    /// This loop's share of `max_instances`.
    max_instances: usize,
    /// Running instances started by the default handler, by sender.
    lazy: LazyStarts,
}

/// This event loop's share of a node-wide limit.
fn share(limit: usize, opts: &Options) -> usize {
    limit.div_ceil(opts.workers.max(1))
}

impl Shard {
    // Each argument is one of the loop's own parts; a struct bundling them
    // would only be taken apart here.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        me: ProcessId,
        opts: Options,
        stats: Arc<Stats>,
        rx: UnboundedReceiver<ShardMsg>,
        out: Outbound,
        handler: Arc<dyn DefaultHandler>,
        wal: Option<LoopLog>,
        inbound: ByteBudget,
    ) -> Shard {
        let mut log = BoundedMap::new(opts.decision_log, opts.decision_log_bytes);
        let mut tombstones = BoundedMap::new(opts.tombstones, usize::MAX);
        if let Some(w) = &wal {
            w.decisions().for_each(|(id, v)| log.insert(id, v.clone(), v.len()));
            w.closed().for_each(|id| tombstones.insert(id, (), 0));
        }
        let max_instances = share(opts.max_instances, &opts);
        let lazy = LazyStarts::new(out.n(), share(opts.max_lazy_per_sender, &opts));
        let n = out.n();
        let min = if opts.adaptive_timeout { Duration::from_millis(opts.min_timeout_ms) } else { opts.timeout() };
        let rto = Rto::new(min, opts.timeout());
        Shard {
            me,
            n,
            opts,
            stats,
            rx,
            instances: HashMap::new(),
            timers: BinaryHeap::new(),
            out,
            log,
            tombstones,
            rto,
            handler,
            wal,
            settled: Vec::new(),
            inbound,
            max_instances,
            lazy,
        }
    }

    pub(crate) async fn run(mut self) {
        let sleep = tokio::time::sleep(std::time::Duration::from_secs(3600));
        tokio::pin!(sleep);
        'outer: loop {
            let next = self.timers.peek().map(|Reverse((t, _))| *t);
            if let Some(t) = next {
                sleep.as_mut().reset(t);
            }
            tokio::select! {
                biased;
                m = self.rx.recv() => match m {
                    None | Some(ShardMsg::Shutdown) => break 'outer,
                    Some(m) => {
                        let now = Instant::now();
                        self.handle(m, now);
                    }
                },
                _ = &mut sleep, if next.is_some() => {}
            }
            for _ in 0..4096 {
                match self.rx.try_recv() {
                    Ok(ShardMsg::Shutdown) => break 'outer,
                    Ok(m) => {
                        let now = Instant::now();
                        self.handle(m, now);
                    }
                    Err(_) => break,
                }
            }
            self.fire_timers(Instant::now());
            if !self.commit() {
                break 'outer;
            }
            self.out.flush();
            self.settled.drain(..).for_each(|inst| inst.complete());
        }
        if self.commit() {
            self.out.flush();
            self.settled.drain(..).for_each(|inst| inst.complete());
        }
        // In id order, not the map's (randomly seeded) order: outcomes reach
        // their callbacks the same way on every run of a seeded simulation.
        let mut left: Vec<_> = self.instances.drain().collect();
        left.sort_unstable_by_key(|(id, _)| *id);
        for (_, inst) in left {
            inst.complete();
        }
    }

    /// Makes the turn's journal durable before its packets leave and its
    /// outcomes are reported; false when the disk failed (the loop then
    /// stops without sending: fail-stop).
    fn commit(&mut self) -> bool {
        let Some(w) = &mut self.wal else { return true };
        match w.commit() {
            Ok(wrote) => {
                if wrote {
                    Stats::inc(&self.stats.wal_syncs);
                }
                true
            }
            Err(e) => {
                tracing::error!("write-ahead log: {e}; this event loop stops");
                self.settled.clear();
                false
            }
        }
    }

    /// Journals the state `inst` saved at the start of its latest round.
    fn save(wal: &mut Option<LoopLog>, id: u64, inst: &mut dyn InstanceDyn) {
        if let Some(w) = wal
            && let Some(s) = inst.take_snapshot()
        {
            w.state(id, s);
        }
    }

    fn env<'a>(
        now: Instant,
        out: &'a mut Outbound,
        opts: &'a Options,
        stats: &'a Stats,
        timers: &'a mut BinaryHeap<Reverse<(Instant, u64)>>,
        rto: &'a mut Rto,
    ) -> Env<'a> {
        Env { now, out, opts, stats, timers, rto }
    }

    /// Removes a finished or stopped instance: a decision goes to the log,
    /// anything else leaves a tombstone.
    fn finish(&mut self, id: u64) {
        self.remove(id, true);
    }

    /// Removes instance `id`; without `tombstone`, an instance stopped
    /// without a decision may start again later.
    fn remove(&mut self, id: u64, tombstone: bool) {
        if let Some(inst) = self.instances.remove(&id) {
            self.lazy.finished(id);
            let decision = inst.decision_bytes();
            if let Some(w) = &mut self.wal
                && (decision.is_some() || tombstone)
            {
                w.finished(id, decision.as_ref());
            }
            match decision {
                Some(v) => {
                    let size = v.len();
                    self.log.insert(id, v, size)
                }
                None if tombstone => self.tombstones.insert(id, (), 0),
                None => {}
            }
            match self.wal {
                Some(_) => self.settled.push(inst),
                None => inst.complete(),
            }
        }
    }

    fn handle(&mut self, m: ShardMsg, now: Instant) {
        match m {
            ShardMsg::Net { msgs, cost } => {
                for w in msgs {
                    self.on_wire(w, now);
                }
                self.inbound.release(cost);
            }
            ShardMsg::Start(id, make) => self.start(id, make, now, None, None),
            ShardMsg::Stop(id) => self.finish(id),
            ShardMsg::User { to, flag, instance, payload } => match to {
                Some(q) => self.out.push(q, Flag::User(flag), instance, 0, &payload),
                None => self.out.broadcast(Flag::User(flag), instance, 0, &payload),
            },
            ShardMsg::Shutdown => {}
        }
    }

    /// Starts instance `id`, on behalf of sender `lazy_for` when the default
    /// handler asked for it, and delivers `first` to it.
    fn start(&mut self, id: u64, make: StartFn, now: Instant, first: Option<WireMsg>, lazy_for: Option<usize>) {
        let Some(mut inst) = make(id, self.me, self.n, &self.opts) else { return };
        if self.instances.contains_key(&id) {
            inst.reject(format!("instance {id} is already running"));
            return;
        }
        if self.log.contains(&id) {
            inst.reject(format!("instance {id} already finished here"));
            return;
        }
        if self.tombstones.contains(&id) {
            inst.reject(format!("instance {id} was stopped here"));
            return;
        }
        if self.instances.len() >= self.max_instances {
            Stats::inc(&self.stats.instance_limit);
            inst.reject(format!("{} instances are running on this event loop (max_instances)", self.instances.len()));
            return;
        }
        if let Some(q) = lazy_for {
            match self.lazy.admit(id, q) {
                Ok(None) => {}
                Ok(Some(oldest)) => {
                    // No tombstone: the application may start it again.
                    Stats::inc(&self.stats.lazy_limit);
                    self.remove(oldest, false);
                }
                Err(Refused) => {
                    Stats::inc(&self.stats.lazy_limit);
                    inst.reject(format!("no lazy start for p{q} here (max_lazy_per_sender = 0)"));
                    return;
                }
            }
        }
        if let Some(w) = &mut self.wal {
            let admitted = match w.admit(id) {
                Admission::Fresh => Ok(()),
                Admission::Resume(s) => inst.restore(&s).map(|()| w.resumed(id)),
                Admission::Learn(reason) => {
                    tracing::debug!("{reason}");
                    Stats::inc(&self.stats.forgotten);
                    inst.learn_only();
                    Ok(())
                }
            };
            if let Err(reason) = admitted {
                inst.reject(reason);
                return;
            }
        }
        let mut env = Self::env(now, &mut self.out, &self.opts, &self.stats, &mut self.timers, &mut self.rto);
        let mut step = inst.start(&mut env);
        if let (Step::Running, Some(w)) = (step, first) {
            let h = w.header;
            step = inst.on_message(&mut env, ProcessId::from_u32(h.sender), h.flag, h.round, w.payload);
        }
        Self::save(&mut self.wal, id, inst.as_mut());
        self.instances.insert(id, inst);
        if step == Step::Finished {
            self.finish(id);
        }
    }

    fn on_wire(&mut self, w: WireMsg, now: Instant) {
        let h = w.header;
        let from = ProcessId::from_u32(h.sender);
        if let Some(inst) = self.instances.get_mut(&h.instance) {
            let mut env = Self::env(now, &mut self.out, &self.opts, &self.stats, &mut self.timers, &mut self.rto);
            let step = inst.on_message(&mut env, from, h.flag, h.round, w.payload);
            Self::save(&mut self.wal, h.instance, inst.as_mut());
            if step == Step::Finished {
                self.finish(h.instance);
            }
            return;
        }
        match h.flag {
            Flag::Decision => return,
            // A learner asks for the decision.
            Flag::Dummy => {
                if let Some(v) = self.log.get(&h.instance) {
                    Stats::inc(&self.stats.log_answers);
                    self.out.push(from, Flag::Decision, h.instance, 0, v);
                }
                return;
            }
            Flag::Normal => {
                if self.tombstones.contains(&h.instance) {
                    Stats::inc(&self.stats.stale);
                    return;
                }
                if let Some(v) = self.log.get(&h.instance) {
                    Stats::inc(&self.stats.log_answers);
                    self.out.push(from, Flag::Decision, h.instance, 0, v);
                    return;
                }
            }
            Flag::User(_) => {}
        }
        let action = self.handler.on_unknown(&UnknownMessage {
            instance: h.instance,
            round: h.round,
            from,
            flag: h.flag,
            payload: &w.payload,
        });
        match action {
            DefaultAction::Drop => Stats::inc(&self.stats.unknown_dropped),
            DefaultAction::Handled => {}
            DefaultAction::Start(make) => {
                Stats::inc(&self.stats.lazy_starts);
                let deliver = (h.flag == Flag::Normal).then_some(w);
                self.start(h.instance, make.0, now, deliver, Some(from.index()));
            }
        }
    }

    fn fire_timers(&mut self, now: Instant) {
        while let Some(Reverse((t, id))) = self.timers.peek().copied() {
            if t > now {
                break;
            }
            self.timers.pop();
            let Some(inst) = self.instances.get_mut(&id) else { continue };
            if inst.deadline().is_some_and(|d| d <= now) {
                let mut env = Self::env(now, &mut self.out, &self.opts, &self.stats, &mut self.timers, &mut self.rto);
                let step = inst.on_timer(&mut env);
                Self::save(&mut self.wal, id, inst.as_mut());
                if step == Step::Finished {
                    self.finish(id);
                }
            }
        }
    }
}

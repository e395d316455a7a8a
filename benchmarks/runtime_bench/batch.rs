//! LastVoting over batches of 12-byte requests (the BatchingClient workload).
use psync::prelude::*;

/// A batch of 12-byte requests, flattened.
pub type Batch = Vec<u8>;

/// `k` requests of 12 bytes, distinct per instance and replica.
pub fn requests(id: u64, replica: usize, k: usize) -> Batch {
    let mut b = Vec::with_capacity(12 * k);
    for j in 0..k as u32 {
        b.extend_from_slice(&id.to_le_bytes()[..8]);
        b.extend_from_slice(&(j ^ ((replica as u32) << 24)).to_le_bytes());
    }
    b
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct BatchLv {
    x: Batch,
    ts: i64,
    vote: Batch,
    commit: bool,
    ready: bool,
    decision: Option<Batch>,
}

impl Process for BatchLv {
    type Io = Consensus<Batch>;
    fn init(io: &Consensus<Batch>, _: &Ctx) -> Self {
        BatchLv { x: io.initial.clone(), ts: -1, vote: Vec::new(), commit: false, ready: false, decision: None }
    }
    fn phase() -> Phase<Self> {
        phase![Collect, Candidate, Quorum, Decide]
    }
    fn decision(&self) -> Option<Batch> {
        self.decision.clone()
    }
}

fn is_coord(cx: &Ctx) -> bool {
    cx.id() == cx.coord()
}

pub struct Collect;
impl Round<BatchLv> for Collect {
    type Msg = (Batch, i64);
    fn send(p: &BatchLv, cx: &Ctx) -> Outbox<(Batch, i64)> {
        Outbox::to(cx.coord(), (p.x.clone(), p.ts))
    }
    fn update(p: &mut BatchLv, mbox: &Mailbox<(Batch, i64)>, cx: &Ctx) {
        if is_coord(cx) && mbox.len() > cx.n() / 2 {
            if let Some((v, _)) = mbox.max_by_key(|m| m.1) {
                p.vote = v.clone();
                p.commit = true;
            }
        }
    }
    fn expected(_: &BatchLv, cx: &Ctx) -> usize {
        if is_coord(cx) { cx.n() / 2 + 1 } else { 0 }
    }
}

pub struct Candidate;
impl Round<BatchLv> for Candidate {
    type Msg = Batch;
    fn send(p: &BatchLv, cx: &Ctx) -> Outbox<Batch> {
        if is_coord(cx) && p.commit { Outbox::broadcast(p.vote.clone()) } else { Outbox::none() }
    }
    fn update(p: &mut BatchLv, mbox: &Mailbox<Batch>, cx: &Ctx) {
        if let Some(v) = mbox.get(cx.coord()) {
            p.x = v.clone();
            p.ts = cx.phase() as i64;
        }
    }
    fn expected(_: &BatchLv, _: &Ctx) -> usize {
        1
    }
}

pub struct Quorum;
impl Round<BatchLv> for Quorum {
    type Msg = ();
    fn send(p: &BatchLv, cx: &Ctx) -> Outbox<()> {
        if p.ts == cx.phase() as i64 { Outbox::to(cx.coord(), ()) } else { Outbox::none() }
    }
    fn update(p: &mut BatchLv, mbox: &Mailbox<()>, cx: &Ctx) {
        if is_coord(cx) && mbox.len() > cx.n() / 2 {
            p.ready = true;
        }
    }
    fn expected(_: &BatchLv, cx: &Ctx) -> usize {
        if is_coord(cx) { cx.n() / 2 + 1 } else { 0 }
    }
}

pub struct Decide;
impl Round<BatchLv> for Decide {
    type Msg = ();
    fn send(p: &BatchLv, cx: &Ctx) -> Outbox<()> {
        if is_coord(cx) && p.ready { Outbox::broadcast(()) } else { Outbox::none() }
    }
    fn update(p: &mut BatchLv, mbox: &Mailbox<()>, cx: &Ctx) {
        // Receivers adopted the coordinator's vote in Candidate: x is it.
        if mbox.contains(cx.coord()) && p.ts == cx.phase() as i64 {
            p.decision = Some(if is_coord(cx) { p.vote.clone() } else { p.x.clone() });
        }
        p.commit = false;
        p.ready = false;
    }
    fn expected(_: &BatchLv, _: &Ctx) -> usize {
        1
    }
}

//! Event rounds: an `impl EventRound` is read as the closed round whose
//! mailbox is what arrived; its hand-written closed equivalent has the same
//! transitions (the interpreter's steps from random states and heard-of
//! sets) and the same verdicts, and a handler outside the fold's forms is a
//! located error that says why.

use std::collections::BTreeSet;

use psync_encodings::concrete::Snapshot;
use psync_encodings::{Algorithm, NO_HINTS, Verdict, check_vc, generate_vcs, interp, parse_spec};
use psync_logic::Value;
use psync_logic::check::CheckConfig;
use psync_logic::smt::Z3InProcess;

/// The state, `impl Process` (with `PHASE` as its phase) and spec shared by
/// both versions of the round.
const COMMON: &str = r#"
use psync::prelude::*;

pub struct Tally { pub x: i64, pub acks: i64, pub best: i64, pub vote: i64, pub got: i64, pub done: bool }

impl Process for Tally {
    type Io = Consensus<i64>;
    fn init(io: &Consensus<i64>, _cx: &Ctx) -> Self {
        Tally { x: io.initial, acks: 0, best: -1, vote: 0, got: -1, done: false }
    }
    fn phase() -> Phase<Self> { PHASE }
}

impl Spec for Tally {
    fn invariants(w: &World<Self>) -> Vec<bool> {
        vec![w.forall(|i| w[i].acks >= 0 && w[i].acks <= w.n() && w[i].best >= -1)]
    }
    fn properties(w: &World<Self>) -> Vec<(&'static str, bool)> {
        vec![
            ("AcksBounded", w.forall(|i| w[i].acks <= w.n())),
            ("DoneOnMajority", w.forall(|i| implies(w[i].done, 2 * w[i].acks > w.n()))),
            ("AcksGrow", w.forall(|i| w.old(i).acks <= w[i].acks)),
        ]
    }
}
"#;

/// An event round that counts, keeps the best message, takes one sender's
/// message and sets a flag on a threshold.
const EVENT: &str = r#"
pub struct Gather;

impl EventRound<Tally> for Gather {
    type Msg = (i64, i64);
    fn init(p: &mut Tally, cx: &Ctx) -> Progress {
        p.acks = 0;
        p.best = -1;
        Progress::timeout(cx.timeout())
    }
    fn send(p: &mut Tally, _cx: &Ctx) -> Outbox<(i64, i64)> {
        Outbox::broadcast((p.x, p.x % 3))
    }
    fn receive(p: &mut Tally, from: ProcessId, (v, k): (i64, i64), cx: &Ctx) -> Progress {
        if v > 0 {
            p.acks += 1;
        }
        if k > p.best {
            p.best = k;
            p.vote = v;
        }
        if from == cx.coord() {
            p.got = v;
        }
        if 2 * p.acks > cx.n() as i64 {
            p.done = true;
            Progress::go_ahead()
        } else {
            Progress::unchanged()
        }
    }
    fn finish(p: &mut Tally, _timed_out: bool, _cx: &Ctx) -> bool {
        if p.done {
            p.x = p.vote;
        }
        true
    }
}
"#;

/// The same round written by hand as a closed round.
const CLOSED: &str = r#"
pub struct Gather;

impl Round<Tally> for Gather {
    type Msg = (i64, i64);
    fn send(p: &Tally, _cx: &Ctx) -> Outbox<(i64, i64)> {
        Outbox::broadcast((p.x, p.x % 3))
    }
    fn update(p: &mut Tally, mbox: &Mailbox<(i64, i64)>, cx: &Ctx) {
        p.acks = mbox.count(|&(v, _)| v > 0) as i64;
        p.best = -1;
        if let Some(&(v, k)) = mbox.max_by_key(|&(_, k)| k) {
            if k > -1 {
                p.best = k;
                p.vote = v;
            }
        }
        if let Some(&(v, _)) = mbox.get(cx.coord()) {
            p.got = v;
        }
        if 2 * p.acks > cx.n() as i64 {
            p.done = true;
        }
        if p.done {
            p.x = p.vote;
        }
    }
}
"#;

fn spec(phase: &str, round: &str) -> String {
    COMMON.replace("PHASE", phase) + round
}

fn event_spec(round: &str) -> String {
    spec("Phase::new().event_round::<Gather>()", round)
}

fn both() -> (Algorithm, Algorithm) {
    let event = parse_spec("event.rs", &event_spec(EVENT)).expect("the event round is in the subset");
    let closed = parse_spec("closed.rs", &spec("phase![Gather]", CLOSED)).expect("the closed round is in the subset");
    (event, closed)
}

/// A small deterministic generator (xorshift).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn int(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next() % (hi - lo + 1) as u64) as i64
    }
}

/// A random pre-state of `n` processes at a random round.
fn random_state(alg: &Algorithm, n: usize, rng: &mut Rng) -> Snapshot {
    let inputs = (0..n).map(|i| [("initial".to_string(), Value::Int(i as i64))].into_iter().collect()).collect();
    let mut s = interp::initial(alg, inputs, Default::default()).expect("initial state");
    for st in &mut s.cur {
        for (k, v) in st.iter_mut() {
            *v = match k.as_str() {
                "done" => Value::Bool(rng.next().is_multiple_of(2)),
                "acks" | "best" => Value::Int(rng.int(-1, 3)),
                _ => Value::Int(rng.int(-4, 4)),
            };
        }
    }
    s.round = rng.int(0, 5);
    s.coord = (rng.next() % n as u64) as u32;
    s
}

#[test]
fn an_event_round_steps_like_its_closed_equivalent() {
    let (event, closed) = both();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut majority = 0;
    for trial in 0..400 {
        let n = 1 + trial % 5;
        let pre = random_state(&event, n, &mut rng);
        let ho: Vec<BTreeSet<u32>> = (0..n).map(|_| (0..n as u32).filter(|_| !rng.next().is_multiple_of(3)).collect()).collect();
        let a = interp::step(&event, &pre, &ho).expect("the event round steps");
        let b = interp::step(&closed, &pre, &ho).expect("the closed round steps");
        assert_eq!(a.post.cur, b.post.cur, "trial {trial}: n = {n}, HO {ho:?}, from {:?}", pre.cur);
        majority += a.post.cur.iter().filter(|s| s["done"] == Value::Bool(true)).count();
        let violated = interp::check_transition(&event, &pre, &a).expect("TR evaluates");
        assert!(violated.is_empty(), "the event round's step satisfies its TR: {violated:?}");
    }
    assert!(majority > 100, "the threshold is reached in many steps ({majority})");
}

#[test]
fn an_event_round_and_its_closed_equivalent_get_the_same_verdicts() {
    let (event, closed) = both();
    let backend = Z3InProcess::new();
    let cfg = CheckConfig { timeout: std::time::Duration::from_secs(30), ..CheckConfig::default() };
    let verdicts = |alg: &Algorithm| -> Vec<(String, &'static str)> {
        generate_vcs(alg)
            .iter()
            .map(|vc| {
                let out = check_vc(alg, vc, &cfg, &backend, &NO_HINTS).expect("checkable");
                let v = match out.verdict {
                    Verdict::Proved => "proved",
                    Verdict::Refuted(_) => "refuted",
                    _ => "other",
                };
                (vc.id.clone(), v)
            })
            .collect()
    };
    let (a, b) = (verdicts(&event), verdicts(&closed));
    assert_eq!(a, b);
    // Not everything proved: the round resets `acks`, and a process may be
    // `done` from an earlier round with fewer acknowledgements now.
    assert!(a.iter().any(|(id, v)| id.contains("acksgrow") && *v == "refuted"), "{a:?}");
    assert!(a.iter().any(|(id, v)| id.contains("doneonmajority") && *v == "refuted"), "{a:?}");
    assert!(a.iter().any(|(id, v)| id.contains("acksbounded") && *v == "proved"), "{a:?}");
}

/// The event spec with `receive`'s body replaced by `body`.
fn with_receive(body: &str) -> String {
    let start = EVENT.find("    fn receive").expect("receive");
    let end = EVENT.find("    fn finish").expect("finish");
    let head = "    fn receive(p: &mut Tally, from: ProcessId, (v, k): (i64, i64), cx: &Ctx) -> Progress {\n";
    event_spec(&format!("{}{head}{body}\n    }}\n{}", &EVENT[..start], &EVENT[end..]))
}

/// `text` is refused with a message containing `msg`, located at the line
/// holding `at`.
fn refused(text: &str, msg: &str, at: &str) {
    let e = parse_spec("e.rs", text).expect_err("outside the fragment");
    assert!(e.message.contains(msg), "message {:?} lacks {msg:?}", e.message);
    let line = text.lines().position(|l| l.contains(at)).expect("marker line") + 1;
    assert_eq!(e.line, line, "{e:?} at the line of {at:?}");
}

#[test]
fn handlers_outside_the_fold_are_located_errors() {
    // The last message would win.
    refused(&with_receive("p.vote = v; Progress::unchanged()"), "reads the message", "p.vote = v;");
    // A counter read before it is final.
    refused(
        &with_receive("if 2 * p.acks > cx.n() as i64 { p.done = true; } p.acks += 1; Progress::unchanged()"),
        "before a later statement counts it",
        "if 2 * p.acks",
    );
    // A threshold that can turn false again.
    refused(&with_receive("p.acks += 1; if p.acks < 3 { p.done = true; } Progress::unchanged()"), "stay true once it holds", "if p.acks < 3");
    // A value computed from what the fold changes.
    refused(&with_receive("p.acks += 1; if p.acks > 2 { p.got = p.acks; } Progress::unchanged()"), "which `receive` assigns", "p.got = p.acks");
    // Two statements assigning one field.
    refused(
        &with_receive("if from == cx.coord() { p.got = v; } if k > p.best { p.best = k; p.got = v; } Progress::unchanged()"),
        "assigned by two statements",
        "if k > p.best",
    );
    // An `else` branch.
    refused(&with_receive("if v > 0 { p.acks += 1; } else { p.got = 0; } Progress::unchanged()"), "an `else` in `receive`", "else { p.got");
    // A decrement.
    refused(&with_receive("p.acks -= 1; Progress::unchanged()"), "statement outside the fold's forms", "p.acks -= 1");
    // The sender outside `from == q`.
    refused(&with_receive("if v > 0 && from != cx.id() { p.acks += 1; } Progress::unchanged()"), "reads the sender", "from != cx.id()");
    // A `let`.
    refused(&with_receive("let w = v + 1; if w > 0 { p.acks += 1; } Progress::unchanged()"), "a `let` in `receive`", "let w = v + 1;");
    // No progress value.
    refused(&with_receive("p.acks += 1;"), "must end in its `Progress` value", "fn receive");
}

#[test]
fn init_finish_and_send_outside_the_subset_are_located_errors() {
    // `finish` reading whether the round timed out.
    let text = event_spec(&EVENT.replace("if p.done {\n            p.x = p.vote;", "if _timed_out {\n            p.x = p.vote;"));
    refused(&text, "whether the round ended by its deadline", "if _timed_out");
    // `finish` ending the instance.
    let text = event_spec(&EVENT.replace("        true\n    }\n}", "        false\n    }\n}"));
    refused(&text, "`finish` must end in `true`", "        false");
    // `send` reading what `init` assigns.
    let text = event_spec(&EVENT.replace("Outbox::broadcast((p.x, p.x % 3))", "Outbox::broadcast((p.x, p.best))"));
    refused(&text, "which `init` assigns", "Outbox::broadcast((p.x, p.best))");
    // An event round listed as a closed round.
    let text = spec("phase![Gather]", EVENT);
    refused(&text, "`Gather` is an event round, listed as a closed round", "fn phase()");
    // An event round the phase names but the file does not implement.
    let text = spec("Phase::new().event_round::<Other>()", EVENT);
    refused(&text, "no `impl EventRound<Tally> for Other`", "fn phase()");
}

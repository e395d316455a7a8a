//! The lockstep simulator on OTR and LastVoting: agreement under seeded
//! omissions and crashes, termination with good rounds, replayable traces,
//! and a planted bug that the monitors catch.
mod algos;

use algos::{last_voting::LastVoting, otr::Otr};
use psync::prelude::*;
use psync::sim::{Faults, FixedHo, RandomAdversary, SimOptions, Trace, replay, simulate, simulate_with_crashes};

fn ios(vals: &[i64]) -> Vec<Consensus<i64>> {
    vals.iter().map(|&v| Consensus::new(v)).collect()
}

#[test]
fn otr_decides_with_full_communication() {
    let mut adv = RandomAdversary::new(Faults::default(), 1);
    let out = simulate::<Otr>(&ios(&[3, 1, 3, 2]), &mut adv, 1, &SimOptions::default()).unwrap();
    assert!(out.violations.is_empty(), "{:?}", out.violations);
    assert_eq!(out.decisions, vec![Some(3); 4]);
    assert_eq!(out.world.round(), 2, "round 1 converges on 3, round 2 decides");
}

#[test]
fn agreement_holds_under_omissions_over_many_seeds() {
    for seed in 0..300u64 {
        let vals: Vec<i64> = (0..5).map(|i| ((seed + i) % 3) as i64).collect();
        let f = Faults { omission: 0.3, ..Faults::default() };
        let opts = SimOptions { max_rounds: 30, ..SimOptions::default() };
        let out = simulate::<Otr>(&ios(&vals), &mut RandomAdversary::new(f.clone(), seed), seed, &opts).unwrap();
        assert!(out.violations.is_empty(), "OTR seed {seed}: {:?}", out.violations);
        let out =
            simulate::<LastVoting>(&ios(&vals), &mut RandomAdversary::new(f, seed), seed, &opts).unwrap();
        assert!(out.violations.is_empty(), "LastVoting seed {seed}: {:?}", out.violations);
    }
}

#[test]
fn last_voting_decides_despite_a_crash() {
    let crashes = vec![(ProcessId::new(0), 0)];
    let f = Faults { crashes: crashes.clone(), ..Faults::default() };
    let opts = SimOptions { max_rounds: 40, ..SimOptions::default() };
    let out = simulate_with_crashes::<LastVoting>(&ios(&[5, 6, 7, 8]), &mut RandomAdversary::new(f, 3), 3, &crashes, &opts)
        .unwrap();
    assert!(out.violations.is_empty());
    assert!(out.all_decided(&crashes), "{:?}\n{}", out.decisions, out.trace.to_json());
    // Phase 0 is coordinated by the crashed process: decisions come in phase 1.
    assert_eq!(out.world.round(), 8);
}

#[test]
fn traces_replay_identically_and_survive_json() {
    let f = Faults { omission: 0.4, ..Faults::default() };
    let opts = SimOptions { max_rounds: 12, ..SimOptions::default() };
    let out = simulate::<LastVoting>(&ios(&[1, 2, 3, 4, 5]), &mut RandomAdversary::new(f, 42), 42, &opts).unwrap();
    let json = out.trace.to_json();
    let back = Trace::from_json(&json).unwrap();
    assert_eq!(back, out.trace);
    let again = replay::<LastVoting>(&back).unwrap();
    assert_eq!(again.world.states(), out.world.states());
    let mut tampered = back.clone();
    tampered.rounds[0].states[0]["x"] = serde_json::json!(99);
    assert!(replay::<LastVoting>(&tampered).is_err(), "a tampered trace does not replay");
    assert!(Trace::from_json("{\"n\": 3}").is_err());
}

/// OTR with the decision threshold lowered to a majority: unsafe.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
struct Broken(Otr);
struct BrokenVote;
impl Process for Broken {
    type Io = Consensus<i64>;
    fn init(io: &Consensus<i64>, cx: &Ctx) -> Self {
        Broken(Otr::init(io, cx))
    }
    fn phase() -> Phase<Self> {
        phase![BrokenVote]
    }
    fn decision(&self) -> Option<i64> {
        self.0.decision()
    }
}
impl Round<Broken> for BrokenVote {
    type Msg = i64;
    fn send(p: &Broken, _cx: &Ctx) -> Outbox<i64> {
        Outbox::broadcast(p.0.x)
    }
    fn update(p: &mut Broken, mbox: &Mailbox<i64>, _cx: &Ctx) {
        if let Some(v) = mbox.try_min_most_often() {
            p.0.x = v;
            if 2 * mbox.count(|&m| m == v) >= mbox.len() && !p.0.decided {
                p.0.decided = true;
                p.0.decision = v;
            }
        }
    }
}
impl Spec for Broken {
    fn invariants(_w: &World<Self>) -> Vec<bool> {
        vec![]
    }
    fn properties(w: &World<Self>) -> Vec<(&'static str, bool)> {
        vec![(
            "Agreement",
            w.forall(|i| w.forall(|j| implies(w[i].0.decided && w[j].0.decided, w[i].0.decision == w[j].0.decision))),
        )]
    }
}

#[test]
fn a_planted_bug_is_caught_and_its_trace_replays_the_violation() {
    // p0 hears {0,1} (values 0,1 -> decides 0), p2 hears {2,3} (values 1,1 -> decides 1).
    let sets: Vec<ProcSet> = [[0, 1], [0, 1], [2, 3], [2, 3]]
        .iter()
        .map(|s| s.iter().map(|&i| ProcessId::new(i)).collect())
        .collect();
    let mut adv = FixedHo::constant(sets, 5);
    let out = simulate::<Broken>(&ios(&[0, 1, 1, 1]), &mut adv, 0, &SimOptions::default()).unwrap();
    assert_eq!(out.violations.len(), 1);
    assert_eq!(out.violations[0].what, "property Agreement");
    assert_eq!(out.violations[0].round, 1);
    let again = replay::<Broken>(&out.trace).unwrap();
    assert_eq!(again.violations, out.violations);
}

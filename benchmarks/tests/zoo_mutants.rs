//! One-line broken variants of the zoo specs: each must be refuted on a
//! known VC by a confirmed counterexample (a concrete state that satisfies
//! the VC's hypotheses and falsifies its conclusion).
//!
//! A mutant is generated here from the CURRENT text of its spec by one
//! textual patch whose `from` snippet must occur exactly once, so an edit of
//! the spec that moves the mutation site fails loudly instead of testing an
//! unmutated spec.

use psync_encodings::{NO_HINTS, Verdict, check_vc, generate_vcs, parse_spec};
use psync_logic::check::CheckConfig;
use psync_logic::smt::Z3InProcess;

/// One broken variant of a zoo spec.
struct Mutant {
    name: &'static str,
    /// The spec it patches, in `zoo/`.
    spec: &'static str,
    /// The exact text replaced (must occur exactly once in `spec`) ...
    from: &'static str,
    /// ... and its one-line replacement.
    to: &'static str,
    /// The VC it must fail.
    vc: &'static str,
}

const MUTANTS: [Mutant; 32] = [
    // OTR adopts a value on any message instead of more than 2n/3: a
    // process hearing only a minority leaves a decided value's quorum.
    Mutant {
        name: "otr_update_on_any_message",
        spec: "otr.rs",
        from: "if 3 * mbox.len() > 2 * cx.n() {",
        to: "if !mbox.is_empty() {",
        vc: "otr/inductive/inv0/round0",
    },
    // OTR adopts one more than the value it hears most: estimates leave
    // the inputs.
    Mutant {
        name: "otr_adopt_a_value_nobody_proposed",
        spec: "otr.rs",
        from: "p.x = mbox.min_most_often();",
        to: "p.x = mbox.min_most_often() + 1;",
        vc: "otr/inductive/inv0/round0",
    },
    // LastVoting's coordinator votes the estimate with the oldest
    // timestamp: a value locked by an earlier phase is overridden.
    Mutant {
        name: "lv_vote_the_oldest_estimate",
        spec: "last_voting.rs",
        from: "mbox.max_by_key(|&(_, ts)| ts)",
        to: "mbox.min_by_key(|&(_, ts)| ts)",
        vc: "last_voting/inductive/inv0/round0",
    },
    // LastVoting acknowledges an estimate adopted in any phase: the
    // coordinator gets ready without a majority holding this phase's vote.
    Mutant {
        name: "lv_acknowledge_old_estimates",
        spec: "last_voting.rs",
        from: "if p.ts == cx.phase() as i64 { Outbox::to(cx.coord(), p.x) } else { Outbox::none() }",
        to: "if p.ts >= 0 { Outbox::to(cx.coord(), p.x) } else { Outbox::none() }",
        vc: "last_voting/inductive/inv0/round2",
    },
    // The quorum vote decides on f equal messages instead of n − f.
    Mutant {
        name: "qv_decide_on_f_messages",
        spec: "quorum_vote.rs",
        from: "mbox.count(|&m| m == v) as i64 >= cx.n() as i64 - cx.param(\"f\")",
        to: "mbox.count(|&m| m == v) as i64 >= cx.param(\"f\")",
        vc: "quorum_vote/inductive/inv0/round0",
    },
    // The quorum vote without `n > 2f`: two quorums of n − f need not
    // meet, and two values can be decided.
    Mutant {
        name: "qv_without_n_greater_than_2f",
        spec: "quorum_vote.rs",
        from: "vec![w.n() as i64 > 2 * w.param(\"f\"), w.param(\"f\") >= 0]",
        to: "vec![w.param(\"f\") >= 0]",
        vc: "quorum_vote/property/agreement/inv0",
    },
    // Approximate agreement moves to the largest value heard instead of
    // the midpoint: two processes may keep the whole spread.
    Mutant {
        name: "aa_adopt_max",
        spec: "approximate_agreement.rs",
        from: "p.x = (*lo + *hi) / 2;",
        to: "p.x = *hi;",
        vc: "approximate_agreement/property/contraction/round0",
    },
    // Approximate agreement with `n > f` instead of `n > 2f`: two heard-of
    // sets of n − f need not meet, and the midpoints need not come closer.
    Mutant {
        name: "aa_without_n_greater_than_2f",
        spec: "approximate_agreement.rs",
        from: "vec![w.n() as i64 > 2 * w.param(\"f\"), w.param(\"f\") >= 0]",
        to: "vec![w.n() as i64 > w.param(\"f\"), w.param(\"f\") >= 0]",
        vc: "approximate_agreement/property/contraction/round0",
    },
    // A process decides on hearing one flooded message instead of a
    // majority: two phases can decide different values.
    Mutant {
        name: "slv_decide_without_majority",
        spec: "short_last_voting.rs",
        from: "if 2 * mbox.len() > cx.n() && !p.decided {",
        to: "if !mbox.is_empty() && !p.decided {",
        vc: "short_last_voting/inductive/inv0/round2",
    },
    // Who adopted a value in an earlier phase floods it too: a majority of
    // flooded messages no longer carries this phase's vote.
    Mutant {
        name: "slv_flood_old_estimates",
        spec: "short_last_voting.rs",
        from: "if p.ts == cx.phase() as i64 { Outbox::broadcast(p.x) }",
        to: "if p.ts >= 0 { Outbox::broadcast(p.x) }",
        vc: "short_last_voting/inductive/inv0/round2",
    },
    // Chandra–Toueg's coordinator takes the estimate with the oldest
    // timestamp: a value locked by an earlier phase is overridden.
    Mutant {
        name: "ct_take_the_oldest_estimate",
        spec: "chandra_toueg.rs",
        from: "mbox.max_by_key(|&(_, ts)| ts)",
        to: "mbox.min_by_key(|&(_, ts)| ts)",
        vc: "chandra_toueg/inductive/inv0/round0",
    },
    // The coordinator proposes its estimate without having heard a
    // majority's: a phase overrides the value a majority locked before.
    Mutant {
        name: "ct_propose_without_a_majority",
        spec: "chandra_toueg.rs",
        from: "if cx.id() == cx.coord() && p.commit { Outbox::broadcast(p.x) }",
        to: "if cx.id() == cx.coord() { Outbox::broadcast(p.x) }",
        vc: "chandra_toueg/inductive/inv0/round1",
    },
    // Chandra–Toueg acknowledges an estimate adopted in any phase: the
    // coordinator gets ready without a majority holding its proposal.
    Mutant {
        name: "ct_acknowledge_old_estimates",
        spec: "chandra_toueg.rs",
        from: "if p.ts == cx.phase() as i64 { Outbox::to(cx.coord(), p.ts) }",
        to: "if p.ts >= 0 { Outbox::to(cx.coord(), p.ts) }",
        vc: "chandra_toueg/inductive/inv0/round2",
    },
    // The coordinator commits when every vote it heard is yes, without
    // hearing every process: a commit although someone voted no.
    Mutant {
        name: "tpc_commit_without_every_vote",
        spec: "two_phase_commit.rs",
        from: "p.decision = mbox.len() == cx.n() && mbox.forall(|&v| v);",
        to: "p.decision = mbox.forall(|&v| v);",
        vc: "two_phase_commit/inductive/inv0/round1",
    },
    // The coordinator decides again in every phase: a later phase that
    // misses a vote turns its commit into an abort.
    Mutant {
        name: "tpc_coordinator_decides_again",
        spec: "two_phase_commit.rs",
        from: "if cx.id() == p.leader && !p.decided {",
        to: "if cx.id() == p.leader {",
        vc: "two_phase_commit/property/irrevocability/round1",
    },
    // Every process starts with its own input as the message: two
    // different messages are known.
    Mutant {
        name: "erb_everyone_starts_with_its_input",
        spec: "eager_reliable_broadcast.rs",
        from: "let x = if cx.id() == cx.coord() { Some(io.initial) } else { None };",
        to: "let x = Some(io.initial);",
        vc: "eager_reliable_broadcast/init/inv0/start",
    },
    // A process delivers something other than the message it knows.
    Mutant {
        name: "erb_delivers_another_value",
        spec: "eager_reliable_broadcast.rs",
        from: "p.delivery = v;",
        to: "p.delivery = v + 1;",
        vc: "eager_reliable_broadcast/inductive/inv0/round0",
    },
    // Who knows the message keeps it to itself: a good round no longer
    // spreads it (a liveness failure).
    Mutant {
        name: "erb_does_not_relay",
        spec: "eager_reliable_broadcast.rs",
        from: "if let Some(v) = p.x { Outbox::broadcast(v) }",
        to: "if let Some(v) = p.x { Outbox::to(_cx.id(), v) }",
        vc: "eager_reliable_broadcast/progress/inv0/round0",
    },
    // Ben-Or decides on a single proposal instead of more than f: another
    // process may miss it and flip the coin the other way.
    Mutant {
        name: "bo_decide_on_one_proposal",
        spec: "ben_or.rs",
        from: "if yes > f || no > f {",
        to: "if yes > 0 || no > 0 {",
        vc: "ben_or/inductive/inv0/round1",
    },
    // Ben-Or proposes true on a single report: proposals no longer agree.
    Mutant {
        name: "bo_propose_without_majority",
        spec: "ben_or.rs",
        from: "if 2 * mbox.count(|&v| v) > cx.n() {",
        to: "if mbox.count(|&v| v) > 0 {",
        vc: "ben_or/inductive/inv0/round0",
    },
    // Ben-Or without `n > 2f`: hearing n − f processes no longer meets
    // every decision's proposers.
    Mutant {
        name: "bo_without_n_greater_than_2f",
        spec: "ben_or.rs",
        from: "vec![w.n() as i64 > 2 * w.param(\"f\"), w.param(\"f\") >= 0]",
        to: "vec![w.param(\"f\") >= 0]",
        vc: "ben_or/inductive/inv0/round1",
    },
    // FloodMin keeps its own estimate in the minimum: a crashed process
    // that no longer hears itself keeps a smaller value and decides it.
    Mutant {
        name: "fmc_keep_own_estimate",
        spec: "floodmin_crash.rs",
        from: "p.x = *m;",
        to: "p.x = p.x.min(*m);",
        vc: "flood_min_crash/inductive/inv0/round0",
    },
    // FloodMin decides after f rounds instead of f + 1: each of them may
    // have crashed a process, and no round was clean.
    Mutant {
        name: "fmc_decide_a_round_early",
        spec: "floodmin_crash.rs",
        from: "if !p.decided && cx.round() as i64 == cx.param(\"f\") {",
        to: "if !p.decided && cx.round() as i64 + 1 == cx.param(\"f\") {",
        vc: "flood_min_crash/inductive/inv0/round0",
    },
    // LastVoting with event rounds: the coordinator keeps the estimate with
    // the oldest timestamp as they arrive (the fold's least, not greatest).
    Mutant {
        name: "lve_keep_the_oldest_estimate",
        spec: "last_voting_event.rs",
        from: "if ts >= p.best {",
        to: "if ts <= p.best {",
        vc: "last_voting_event/inductive/inv0/round0",
    },
    // The coordinator's running best starts at 0: estimates never adopted
    // (timestamp −1) never replace its old vote, which it then proposes.
    Mutant {
        name: "lve_best_starts_above_never_adopted",
        spec: "last_voting_event.rs",
        from: "p.best = -1;",
        to: "p.best = 0;",
        vc: "last_voting_event/inductive/inv0/round0",
    },
    // Who hears the ready coordinator decides its own estimate.
    Mutant {
        name: "lve_decide_the_own_estimate",
        spec: "last_voting_event.rs",
        from: "p.decision = v;",
        to: "p.decision = p.x;",
        vc: "last_voting_event/inductive/inv0/round3",
    },
    // FloodMin facing f + 1 crashes in f + 1 rounds.
    Mutant {
        name: "fmc_one_crash_too_many",
        spec: "floodmin_crash.rs",
        from: "w.count(|q| crashed_now(q)) as i64 <= w.param(\"f\")",
        to: "w.count(|q| crashed_now(q)) as i64 <= w.param(\"f\") + 1",
        vc: "flood_min_crash/inductive/inv0/round0",
    },
    // FloodMin k-set facing f + 1 crashes: the rounds no longer bound them.
    Mutant {
        name: "fmk_one_crash_too_many",
        spec: "floodmin_kset.rs",
        from: "w.count(|q| crashed_now(q)) as i64 <= w.param(\"f\")",
        to: "w.count(|q| crashed_now(q)) as i64 <= w.param(\"f\") + 1",
        vc: "flood_min_k_set/inductive/inv0/round0",
    },
    // FloodMin k-set decides a round early, in round ⌊f/k⌋ − 1: k
    // crashes in each round so far leave more than k values.
    Mutant {
        name: "fmk_decide_a_round_early",
        spec: "floodmin_kset.rs",
        from: "if !p.decided && p.k_rounds + cx.param(\"k\") > cx.param(\"f\") {",
        to: "if !p.decided && p.k_rounds + 2 * cx.param(\"k\") > cx.param(\"f\") {",
        vc: "flood_min_k_set/inductive/inv0/round0",
    },
    // FloodMin k-set decides one more than its estimate: a value nobody
    // proposed.
    Mutant {
        name: "fmk_decide_a_value_nobody_holds",
        spec: "floodmin_kset.rs",
        from: "p.decision = p.x;",
        to: "p.decision = p.x + 1;",
        vc: "flood_min_k_set/inductive/inv0/round0",
    },
    // A_T,E decides on a single copy of its most frequent value: a
    // process that decided may hear one altered message and decide again,
    // another value.
    Mutant {
        name: "ate_decide_on_one_copy",
        spec: "ate.rs",
        from: "if mbox.count(|&v| v == xbar) as i64 > cx.param(\"E\") {",
        to: "if mbox.count(|&v| v == xbar) as i64 > 0 {",
        vc: "ate/property/irrevocability/round0",
    },
    // A_T,E with every heard message possibly altered (no bound α on
    // `AHO`): a unanimous estimate is replaced by an altered value.
    Mutant {
        name: "ate_unbounded_alterations",
        spec: "ate.rs",
        from: "w.forall(|p| w.aho(p).len() as i64 <= w.param(\"alpha\"))",
        to: "w.forall(|p| w.aho(p).len() as i64 <= w.n() as i64)",
        vc: "ate/inductive/inv2/round0",
    },
];

/// Every spec file of the zoo.
const ZOO: [&str; 13] = [
    "ate.rs",
    "approximate_agreement.rs",
    "otr.rs",
    "last_voting.rs",
    "last_voting_event.rs",
    "short_last_voting.rs",
    "chandra_toueg.rs",
    "two_phase_commit.rs",
    "eager_reliable_broadcast.rs",
    "quorum_vote.rs",
    "ben_or.rs",
    "floodmin_crash.rs",
    "floodmin_kset.rs",
];

/// The text of a zoo spec as it is now.
fn spec_text(spec: &str) -> String {
    let path = format!("{}/../zoo/{spec}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The spec text of a mutant: its spec, as it is now, patched once.
fn mutant_text(m: &Mutant) -> String {
    let text = spec_text(m.spec);
    let count = text.matches(m.from).count();
    assert_eq!(count, 1, "{}: the mutation site `{}` must occur exactly once in {}, found {count}", m.name, m.from, m.spec);
    let out = text.replacen(m.from, m.to, 1);
    assert_ne!(out, text, "{}: the patch changes nothing", m.name);
    out
}

#[test]
fn every_mutant_is_one_line_and_its_site_occurs_once() {
    for m in &MUTANTS {
        assert!(!m.from.contains('\n') && !m.to.contains('\n'), "{}: not a one-line mutant", m.name);
        mutant_text(m);
    }
    let dir = format!("{}/../zoo", env!("CARGO_MANIFEST_DIR"));
    let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{dir}: {e}"))
        .map(|e| e.expect("a directory entry").file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".rs"))
        .collect();
    on_disk.sort();
    let mut listed: Vec<String> = ZOO.iter().map(|s| s.to_string()).collect();
    listed.sort();
    assert_eq!(on_disk, listed, "every spec file of zoo/ is in ZOO");
    for spec in ZOO {
        assert!(MUTANTS.iter().filter(|m| m.spec == spec).count() >= 2, "{spec}: fewer than two mutants");
    }
}

#[test]
fn every_mutant_is_refuted_with_a_confirmed_counterexample() {
    let backend = Z3InProcess::new();
    // The reduction's local instantiation pass only serves proofs; the
    // bounded search racing the proof finds these counterexamples. The time
    // limit is raised for a debug build on a loaded machine: some need
    // n = 4 or 5, which the search reaches in seconds on an idle machine
    // (the times a user sees are the mutation campaign's, a release bench).
    let mut cfg = CheckConfig { timeout: std::time::Duration::from_secs(60), ..CheckConfig::default() };
    cfg.reduce.local_instantiation = false;
    let mut failures = Vec::new();
    for m in &MUTANTS {
        let file = format!("zoo/{} [mutant {}]", m.spec, m.name);
        let alg = parse_spec(&file, &mutant_text(m)).unwrap_or_else(|e| panic!("{}: {}", m.name, e.short()));
        let vcs = generate_vcs(&alg);
        let vc = vcs.iter().find(|v| v.id == m.vc).unwrap_or_else(|| panic!("{}: no VC {}", m.name, m.vc));
        let out = check_vc(&alg, vc, &cfg, &backend, &NO_HINTS).expect("checkable");
        match out.verdict {
            Verdict::Refuted(cex) if cex.confirmed && !cex.failed.is_empty() => {
                println!("{} ({:.1} s):\n{cex}", m.name, out.time.as_secs_f64());
            }
            other => failures.push(format!("{}: {} was not refuted with a confirmed counterexample: {other:?}", m.name, m.vc)),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

//! Undecided VCs, explained for the person who has to act on them: what
//! the prover's answer means, and what to try next for this kind of VC.
//!
//! The prover's own reasons (`parametric: model could not be confirmed:
//! …; ground: timeout; bounded search: …`) are kept at the end for those
//! who read them; the words before them do not depend on its internals.

use crate::vc::{Vc, VcKind};

/// The reason of an `unknown` verdict on `vc`, from the prover's `why` and
/// the labels of the conjuncts of the VC a spurious model falsified.
pub fn unknown(vc: &Vc, why: &str, missed: &[String]) -> String {
    let mut out = String::new();
    let spurious = why.contains("could not be confirmed") || why.contains("falsifies the formula") || why.contains("no way to clone");
    // A strategy (not the bounded search, whose sizes time out as a rule)
    // that ran out of time may still decide the VC with more of it.
    let ran_out = why.split("bounded search").next().unwrap_or(why).contains("timeout");
    if spurious {
        out.push_str(
            "not decided: the solver's models of the reduced query were spurious (they are not counterexamples: \
             checked on the VC itself, they falsify it), so the reduction lacks a fact the proof needs",
        );
        if ran_out {
            out.push_str(", or a strategy that ran out of time needs more of it");
        }
        if !missed.is_empty() {
            out.push_str(&format!("; the model decoded from the solver's answer violates {}", missed.join("; ")));
        }
    } else if why.contains("timeout") {
        out.push_str("not decided: the solver ran out of time before finding a proof or a counterexample");
    } else {
        out.push_str("not decided: the solver gave up");
    }
    if let Some(bounded) = bounded_note(why) {
        out.push_str(&format!("; {bounded}"));
    }
    out.push_str(". Try: ");
    if spurious && ran_out {
        out.push_str("a larger `--timeout` first; then ");
    }
    out.push_str(next_steps(vc));
    out.push_str(&format!(" [prover: {why}]"));
    out
}

/// What the bounded search found, in words, if it ran.
fn bounded_note(why: &str) -> Option<String> {
    let k = why.find("bounded search")?;
    let note = why[k..].split(';').next().unwrap_or_default().trim();
    Some(format!("small instances were searched for a counterexample and none was found ({note})"))
}

/// What usually helps, by kind of VC.
fn next_steps(vc: &Vc) -> &'static str {
    match vc.kind {
        VcKind::Inductive => {
            "a stronger invariant (a conjunct that excludes the pre-states no run reaches), or a round invariant \
             (`round_invariants`) for the state in the middle of the phase; state set sizes explicitly \
             (`w.count(..)`) where the proof counts processes; `--timeout` for a larger budget"
        }
        VcKind::Progress => {
            "state what the liveness predicate implies explicitly (both `s.len() == w.n()` and `w.forall(|q| s.contains(q))` \
             when everyone is heard), a round invariant for each round of the good phase, or a larger `--timeout`"
        }
        VcKind::Property => {
            "an invariant that implies the property more directly (add its key fact as a conjunct of Inv_0), \
             or a larger `--timeout`"
        }
        VcKind::Init => "an initial-state fact the invariant needs (check `init` against Inv_0), or a larger `--timeout`",
        VcKind::Requires | VcKind::Range => {
            "a conjunct of Inv_0 (or a round invariant) that gives the helper's precondition or the field's range, \
             or a larger `--timeout`"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vc::Labeled;
    use psync_logic::Term;

    fn vc(kind: VcKind) -> Vc {
        Vc {
            id: "a/x/inv0/round0".into(),
            kind,
            invariant: Some(0),
            round: Some(0),
            property: None,
            has_post: true,
            hypotheses: vec![Labeled::new("h", Term::Bool(true))],
            conclusion: vec![Labeled::new("c", Term::Bool(true))],
        }
    }

    #[test]
    fn a_spurious_model_is_not_called_a_counterexample() {
        let why = "parametric: model could not be confirmed: the decoded model (n = 2) falsifies the formula; \
                   ground: timeout; bounded search: no counterexample with n ≤ 5";
        let text = unknown(&vc(VcKind::Inductive), why, &["update of `x` in Vote".to_string()]);
        assert!(text.contains("the model decoded from the solver's answer violates update of `x` in Vote"), "{text}");
        assert!(text.starts_with("not decided: the solver's models of the reduced query were spurious"), "{text}");
        assert!(text.contains("not counterexamples"), "{text}");
        assert!(text.contains("none was found (bounded search: no counterexample with n ≤ 5)"), "{text}");
        assert!(text.contains("a stronger invariant"), "{text}");
        assert!(text.ends_with(&format!("[prover: {why}]")), "the prover's reason is kept: {text}");
    }

    /// Spurious models with a strategy cut by the time limit: more time
    /// comes first in the advice; with every strategy spurious it does not
    /// (the bounded search's own timeouts do not count).
    #[test]
    fn a_strategy_out_of_time_puts_more_time_first() {
        let mixed = "parametric: model could not be confirmed: the decoded model (n = 2) falsifies the formula; \
                     with one generation more of instances: timeout; bounded search: no counterexample with n ≤ 5";
        let text = unknown(&vc(VcKind::Inductive), mixed, &[]);
        assert!(text.contains("or a strategy that ran out of time needs more of it"), "{text}");
        assert!(text.contains("Try: a larger `--timeout` first; then a stronger invariant"), "{text}");
        let spurious = "parametric: model could not be confirmed: the decoded model (n = 2) falsifies the formula; \
                        bounded search: no counterexample with n ≤ 5 (n = 6: timeout)";
        let text = unknown(&vc(VcKind::Inductive), spurious, &[]);
        assert!(!text.contains("ran out of time"), "{text}");
        assert!(text.contains("Try: a stronger invariant"), "{text}");
    }

    #[test]
    fn timeouts_and_progress_vcs_get_their_own_advice() {
        let text = unknown(&vc(VcKind::Progress), "parametric: timeout; ground: timeout", &[]);
        assert!(text.starts_with("not decided: the solver ran out of time"), "{text}");
        assert!(text.contains("liveness predicate implies"), "{text}");
        assert!(!text.contains("small instances"), "no bounded search ran: {text}");
    }
}

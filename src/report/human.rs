//! The human format: one line per VC (and per spec file that did not load),
//! counterexamples as tables, a summary.

use std::fmt::Write;

use psync_encodings::VerdictKind;

use super::{one_line, tally};
use crate::outcome::{RunOutcome, VcOutcome};

/// One line for one VC: verdict, id, time (and the reason when undecided).
/// `timing = false` leaves times out (stable output for snapshots).
fn render_human_line(o: &VcOutcome, timing: bool) -> String {
    let mut line = format!("{:<8} {}", o.verdict.as_str(), o.id);
    if timing {
        let _ = write!(line, "  ({:.3}s)", o.time.as_secs_f64());
    }
    if let Some(reason) = &o.reason {
        let _ = write!(line, "  — {reason}");
    }
    if let Some(v) = &o.vacuity {
        let _ = write!(line, "  — its hypotheses are unsatisfiable: {}", v.assumption);
        if let Some(at) = v.loc {
            let _ = write!(line, " ({}:{}:{})", o.file, at.line, at.column);
        }
        if v.allowed {
            line.push_str(", allowed by `(allow vacuous)`");
        }
    }
    if let Some(note) = &o.note {
        let _ = write!(line, "  — note: {note}");
    }
    line
}

/// The whole report: every line in file order (a file that did not load
/// gets one `error` line in its place), the counterexamples, then the
/// summary.
pub fn render_human(run: &RunOutcome, timing: bool) -> String {
    let mut out = String::new();
    for file in &run.files {
        if let Some(e) = &file.error {
            let _ = writeln!(out, "{:<8} {}", "error", one_line(e));
        }
        for o in &file.vcs {
            let _ = writeln!(out, "{}", render_human_line(o, timing));
        }
    }
    for o in run.vcs() {
        if let Some(cex) = &o.counterexample_text {
            let _ = writeln!(out, "\ncounterexample for {}:\n{}", o.id, cex.trim_end());
            if let Some(t) = &o.triage {
                let _ = writeln!(out, "{}", t.sentence());
            }
        }
    }
    for line in resting_on_unproved_invariants(run) {
        let _ = writeln!(out, "\n{line}");
    }
    let [proved, refuted, unknown, timeout, vacuous] = tally(run.vcs());
    let _ = write!(out, "\n{} VCs: {proved} proved", run.vcs().count());
    let unreviewed = run.vcs().filter(|o| o.possibly_vacuous()).count();
    if unreviewed > 0 {
        let _ = write!(out, " ({unreviewed} possibly vacuous: hypotheses not shown satisfiable)");
    }
    let _ = write!(out, ", {refuted} refuted, {unknown} unknown, {timeout} timeout");
    if vacuous > 0 {
        let _ = write!(out, ", {vacuous} vacuous");
    }
    let errors = run.input_errors().count();
    if errors > 0 {
        let _ = write!(out, "; {errors} of {} files not loaded (input error)", run.files.len());
    }
    if timing {
        let _ = write!(out, " in {:.2}s", run.time.as_secs_f64());
    }
    out.push('\n');
    out
}

/// For each algorithm whose `Inv_0` is not established (one of its
/// `init/inv0` or `inductive/inv0` VCs not proved), a sentence saying that
/// its other proofs assume it: every VC but those has `Inv_0` among its
/// hypotheses, so a property "proved" beside a refuted invariant is proved
/// of the states the invariant describes, not of the runs.
fn resting_on_unproved_invariants(run: &RunOutcome) -> Vec<String> {
    let mut algorithms: Vec<&str> = Vec::new();
    for o in run.vcs() {
        let alg = o.id.split('/').next().unwrap_or_default();
        if !algorithms.contains(&alg) {
            algorithms.push(alg);
        }
    }
    let mut out = Vec::new();
    for alg in algorithms {
        let of_inv0 = |o: &&VcOutcome| {
            let parts: Vec<&str> = o.id.split('/').collect();
            matches!(parts.as_slice(), [a, "init" | "inductive", "inv0", _] if *a == alg)
        };
        let unproved: Vec<&VcOutcome> = run.vcs().filter(of_inv0).filter(|o| o.verdict != VerdictKind::Proved).collect();
        let resting = run
            .vcs()
            .filter(|o| o.id.split('/').next() == Some(alg) && !of_inv0(o) && o.verdict == VerdictKind::Proved)
            .count();
        let [first, ..] = unproved.as_slice() else { continue };
        if resting == 0 {
            continue;
        }
        out.push(format!(
            "Inv_0 of `{alg}` is not established ({} {}{}): its {resting} other proofs assume it, so they \
             hold only of states that satisfy it, not yet of every run",
            first.verdict.as_str(),
            first.id,
            if unproved.len() > 1 { format!(" and {} more", unproved.len() - 1) } else { String::new() },
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use psync_encodings::VerdictKind;

    use super::*;
    use crate::outcome::FileOutcome;
    use crate::wire::Checked;

    /// A proof whose hypotheses the review could not show satisfiable is
    /// counted as proved, and the summary says how many of those there are.
    #[test]
    fn the_summary_counts_the_proofs_that_may_be_vacuous() {
        let vc = |id: &str, note: Option<&str>| {
            let mut o = Checked::ended(id, "spec.rs", VerdictKind::Proved, Duration::ZERO, None).outcome;
            o.note = note.map(str::to_string);
            o
        };
        let run = RunOutcome {
            files: vec![FileOutcome {
                file: "spec.rs".into(),
                error: None,
                vcs: vec![vc("a/init/inv0/start", None), vc("a/inductive/inv0/round0", Some("time limit reached"))],
            }],
            time: Duration::ZERO,
        };
        let text = render_human(&run, false);
        assert!(
            text.contains("2 VCs: 2 proved (1 possibly vacuous: hypotheses not shown satisfiable), 0 refuted"),
            "{text}"
        );
        assert!(text.contains("note: time limit reached"), "{text}");
    }

    /// With `Inv_0` refuted, the summary says that the other proofs of the
    /// same algorithm assume it; another algorithm's, and a run with
    /// `Inv_0` proved, get no such sentence.
    #[test]
    fn proofs_beside_a_refuted_invariant_are_said_to_assume_it() {
        let vc = |id: &str, verdict| Checked::ended(id, "spec.rs", verdict, Duration::ZERO, None).outcome;
        let run = |step| RunOutcome {
            files: vec![FileOutcome {
                file: "spec.rs".into(),
                error: None,
                vcs: vec![
                    vc("a/init/inv0/start", VerdictKind::Proved),
                    vc("a/inductive/inv0/round0", step),
                    vc("a/property/agreement/inv0", VerdictKind::Proved),
                    vc("a/inductive/inv1/round0", VerdictKind::Proved),
                    vc("b/property/agreement/inv0", VerdictKind::Proved),
                ],
            }],
            time: Duration::ZERO,
        };
        let text = render_human(&run(VerdictKind::Refuted), false);
        assert!(
            text.contains("Inv_0 of `a` is not established (refuted a/inductive/inv0/round0): its 2 other proofs assume it"),
            "{text}"
        );
        assert!(!text.contains("of `b`"), "{text}");
        assert!(!render_human(&run(VerdictKind::Proved), false).contains("not established"));
    }
}

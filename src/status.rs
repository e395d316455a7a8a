//! How a whole `check` run ends, and the process exit status it maps to.
//!
//! The run's status is the most severe status of its parts (each VC's
//! verdict, each spec file that could not be loaded). The severity order is
//! the declaration order of [`RunStatus`], and the exit status of each is
//! in [`RunStatus::exit_code`]: a new kind of outcome is one variant put at
//! its place in the order, with its exit status.

/// How a run ends, declared from the least to the most severe: the derived
/// `Ord` is the severity order, and a run's status is the maximum over its
/// parts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum RunStatus {
    /// Every selected VC was proved (also: nothing was selected from a file).
    Proved,
    /// None refuted or vacuous, but at least one VC unknown or timed out.
    Undecided,
    /// None refuted, but at least one VC vacuous (its hypotheses
    /// unsatisfiable, and the spec does not allow it): a proof that says
    /// nothing is worse than no proof.
    Vacuous,
    /// At least one VC was refuted.
    Refuted,
    /// At least one spec file could not be loaded (unreadable, or outside
    /// the accepted subset): whatever the other files' verdicts, the run
    /// did not check everything it was asked to.
    InputError,
}

/// Exit status of a bad command line (no run at all): the same as an
/// input error, since in both cases the run did not check what it was
/// asked to.
pub const EXIT_USAGE: u8 = 3;

impl RunStatus {
    /// The most severe of `statuses` ([`RunStatus::Proved`] for none).
    pub fn worst(statuses: impl IntoIterator<Item = RunStatus>) -> RunStatus {
        statuses.into_iter().max().unwrap_or(RunStatus::Proved)
    }

    /// The process exit status.
    pub fn exit_code(self) -> u8 {
        match self {
            RunStatus::Proved => 0,
            RunStatus::Refuted => 1,
            RunStatus::Undecided => 2,
            RunStatus::Vacuous => 4,
            RunStatus::InputError => EXIT_USAGE,
        }
    }

    /// The name used in the JSON report's `summary.status`.
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Proved => "proved",
            RunStatus::Undecided => "undecided",
            RunStatus::Vacuous => "vacuous",
            RunStatus::Refuted => "refuted",
            RunStatus::InputError => "input-error",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RunStatus::{self, *};
        #[test]
    fn the_worst_status_wins_in_the_documented_order() {
        // input error (3) > refuted (1) > vacuous (4) > undecided (2) > proved (0)
        let by_severity = [Proved, Undecided, Vacuous, Refuted, InputError];
        for (k, &lower) in by_severity.iter().enumerate() {
            for &higher in &by_severity[k..] {
                assert_eq!(RunStatus::worst([lower, higher]), higher);
                assert_eq!(RunStatus::worst([higher, lower]), higher);
            }
        }
        assert_eq!(by_severity.map(RunStatus::exit_code), [0, 2, 4, 1, 3]);
        assert_eq!(RunStatus::worst([]), Proved);
    }
}

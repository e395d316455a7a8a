//! Why the interpreter could not run a round.

/// Something the interpreter cannot run, or a state that does not fit the
/// algorithm. Each names the round (its type name, which the caller can
/// locate in the spec file) or the initial state.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum InterpError {
    /// A term could not be evaluated (integer overflow, a value outside
    /// its sort, a domain too large to enumerate).
    #[error("round {round}: {what} cannot be evaluated: {detail}")]
    Eval {
        /// The round's type name (`init` for the initial state).
        round: String,
        /// The statement or term.
        what: String,
        /// The evaluator's reason.
        detail: String,
    },
    /// A chosen value the interpreter has no concrete rule for (a helper's
    /// result: its body is trusted by the verifier and not in the IR).
    #[error("round {round}: the {what} cannot be interpreted (helper bodies are trusted by the verifier and not read; simulate the compiled code instead)")]
    Unsupported {
        /// The round's type name.
        round: String,
        /// What the value stands for.
        what: String,
    },
    /// No received payload nor the default satisfies a mailbox query's axiom.
    #[error("round {round}: no value satisfies the axiom of {what} at process {process}")]
    NoChoice {
        /// The round's type name.
        round: String,
        /// What the value stands for.
        what: String,
        /// The process.
        process: u32,
    },
    /// The states, inputs or heard-of sets do not fit the algorithm.
    #[error("{0}")]
    Shape(String),
}

impl InterpError {
    /// The round's type name, if the error is inside a round.
    pub fn round(&self) -> Option<&str> {
        match self {
            InterpError::Eval { round, .. } | InterpError::Unsupported { round, .. } | InterpError::NoChoice { round, .. } => Some(round),
            InterpError::Shape(_) => None,
        }
    }
}

impl From<crate::concrete::ConcreteError> for InterpError {
    fn from(e: crate::concrete::ConcreteError) -> Self {
        InterpError::Shape(e.to_string())
    }
}

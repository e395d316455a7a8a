//! Errors of the solver layer: never disguised as a verdict.

use crate::smt::flat_eval::FlatEvalError;

/// Why a query could not be decided (as opposed to a verdict of the solver).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SmtError {
    /// The query contains an operator or binder outside the flat fragment.
    #[error("not in the flat fragment: reduce first (found {0})")]
    NotFlat(String),
    /// A variable occurs free (flat queries only have bound variables).
    #[error("free variable `{0}` in a flat query (free variables must become constants)")]
    FreeVar(String),
    /// Two different signatures for one symbol name.
    #[error("symbol `{name}` is used with two signatures: {first} and {second}")]
    SignatureClash {
        /// The symbol.
        name: String,
        /// One signature, printed.
        first: String,
        /// The other, printed.
        second: String,
    },
    /// Two different sorts with the same SMT name.
    #[error("sorts {first} and {second} both have the SMT name `{mangled}`")]
    SortClash {
        /// The common SMT name.
        mangled: String,
        /// One sort.
        first: String,
        /// The other.
        second: String,
    },
    /// A term that is not well sorted (or has a wrong number of arguments).
    #[error("ill-sorted flat term: {0}")]
    IllSorted(String),
    /// A name that cannot be used as an SMT-LIB symbol.
    #[error("`{0}` cannot be an SMT-LIB symbol: {1}")]
    BadSymbol(String, String),
    /// The solver reported an error, crashed, or rejected the input.
    #[error("solver error: {0}")]
    Solver(String),
    /// The solver program could not be started.
    #[error("cannot run solver program `{program}`: {reason} (install it, e.g. `apt-get install -y z3`)")]
    ProgramNotFound {
        /// The program.
        program: String,
        /// The operating system's reason.
        reason: String,
    },
    /// The solver's answer could not be parsed.
    #[error("cannot parse the solver's output: {0}")]
    Parse(String),
    /// A model could not be decoded into a [`crate::Model`].
    #[error("cannot decode the solver's model: {0}")]
    Decode(String),
    /// A raw script uses something the script runner does not support.
    #[error("unsupported in an SMT-LIB script: {0}")]
    Script(String),
    /// Evaluating a flat term on a model failed.
    #[error("evaluation failed: {0}")]
    Eval(#[from] FlatEvalError),
}

//! The algorithm IR: what the front end extracts from a spec file and what the
//! VC generator (and, later, an interpreter) consume.
//!
//! Expressions are already CL [`Term`]s. A few variables have a fixed meaning
//! inside them (see [`names`]): the process executing the code, the sender of
//! a message, the current (SSA) value of a field of the executing process.
//! Global symbols (state functions, `HO`, `r`, `coord`) are named by
//! [`names`] as well, so that the VC generator can rename them between the
//! pre-state, the post-state and the rigid `init`/`old` copies.

use psync_logic::{Fun, Sort, Term, Var};

/// Reserved names of variables and symbols used inside IR terms.
pub mod names {
    use psync_logic::{Fun, Sort, Term, Var};

    /// The process executing `init` or `update` (bound by `∀` in the VCs).
    pub const SELF: &str = "self.i";
    /// The sender of a message (in `send`: the executing process).
    pub const SENDER: &str = "mbox.s";
    /// The destination of a message (only in the `sends_to` term of a round).
    pub const DEST: &str = "mbox.d";
    /// The heard-of function `HO : P → Set(P)` of the current round.
    pub const HO: &str = "HO";
    /// The altered heard-of function `AHO : P → Set(P)` of the current round
    /// (value faults: the senders whose message to `p` arrives with an
    /// arbitrary payload; `AHO(p) ⊆ HO(p)`, `SHO(p) = HO(p) ∖ AHO(p)`).
    pub const AHO: &str = "AHO";
    /// Prefix of the altered payloads `alt.rk : P × P → M` of round `k`
    /// (one function per component of a tuple payload: `alt.rk.c`).
    pub const ALT: &str = "alt.";
    /// The global round counter (an integer constant).
    pub const ROUND: &str = "r";
    /// The coordinator of the current phase (a `P` constant).
    pub const COORD: &str = "coord";
    /// Prefix of the input functions (`io.initial : P → V`).
    pub const IO: &str = "io.";
    /// Prefix of the parameters' constants (`param.f : Int`), rigid across rounds.
    pub const PARAM: &str = "param.";

    /// The executing process as a variable.
    pub fn self_var() -> Var {
        Var::new(SELF, Sort::P)
    }
    /// The sender as a variable.
    pub fn sender_var() -> Var {
        Var::new(SENDER, Sort::P)
    }
    /// The destination as a variable.
    pub fn dest_var() -> Var {
        Var::new(DEST, Sort::P)
    }
    /// The placeholder for the current value of field `f` of the executing process.
    pub fn cur_var(field: &str, sort: &Sort) -> Var {
        Var::new(format!("cur.{field}"), sort.clone())
    }
    /// `HO : P → Set(P)`.
    pub fn ho_fun() -> Fun {
        Fun::new(HO, vec![Sort::P], Sort::set(Sort::P))
    }
    /// `HO(p)`.
    pub fn ho(p: Term) -> Term {
        ho_fun().at(p)
    }
    /// `AHO : P → Set(P)`.
    pub fn aho_fun() -> Fun {
        Fun::new(AHO, vec![Sort::P], Sort::set(Sort::P))
    }
    /// `AHO(p)`.
    pub fn aho(p: Term) -> Term {
        aho_fun().at(p)
    }
    /// The round counter `r`.
    pub fn round() -> Term {
        Fun::constant(ROUND, Sort::Int).app(vec![])
    }
    /// The coordinator `coord`.
    pub fn coord() -> Term {
        Fun::constant(COORD, Sort::P).app(vec![])
    }
    /// The rigid integer constant of parameter `name` (`param.f`).
    pub fn param(name: &str) -> Term {
        Fun::constant(format!("{PARAM}{name}"), Sort::Int).app(vec![])
    }
    /// The state function of field `name` (pre-state).
    pub fn field_fun(name: &str, sort: &Sort) -> Fun {
        Fun::new(name, vec![Sort::P], sort.clone())
    }
    /// The rigid copy of a field's function at the initial state.
    pub fn init_fun(name: &str, sort: &Sort) -> Fun {
        Fun::new(format!("{name}.init"), vec![Sort::P], sort.clone())
    }
    /// The copy of a field's function one round ago.
    pub fn old_fun(name: &str, sort: &Sort) -> Fun {
        Fun::new(format!("{name}.old"), vec![Sort::P], sort.clone())
    }
    /// The post-state name of a pre-state symbol.
    pub fn post(name: &str) -> String {
        format!("{name}.post")
    }
}

/// A source location (1-based line, 1-based column) kept for reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Loc {
    /// Line, from 1.
    pub line: usize,
    /// Column, from 1.
    pub column: usize,
}

/// A whole algorithm with its specification.
#[derive(Clone, Debug)]
pub struct Algorithm {
    /// Short name used in VC ids (the state struct's name, lower-cased).
    pub name: String,
    /// The state struct's name as written.
    pub state_name: String,
    /// The state fields.
    pub fields: Vec<Field>,
    /// Input functions (`io.initial`), each `P → sort`.
    pub inputs: Vec<Fun>,
    /// The integer parameters (`Process::PARAMS`), each a rigid constant
    /// [`names::param`]; what they satisfy is [`SpecIr::assumptions`].
    pub params: Vec<Param>,
    /// The initial value of every field (terms over [`names::SELF`] and inputs).
    pub init: Vec<(String, Term)>,
    /// The rounds of one phase, in order.
    pub rounds: Vec<Round>,
    /// Where the algorithm declares that it tolerates value faults
    /// (`const VALUE_FAULTS: bool = true;`), if it does: then a message from
    /// a sender in `AHO(p)` carries an arbitrary payload ([`Round::altered`]).
    pub value_faults: Option<Loc>,
    /// Helper functions with contracts.
    pub helpers: Vec<Helper>,
    /// The specification.
    pub spec: SpecIr,
}

/// A named integer parameter of the algorithm (`f`, `k`, …).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Param {
    /// Its name, as in `cx.param("f")`.
    pub name: String,
    /// Where it is declared.
    pub loc: Loc,
}

/// A state field.
#[derive(Clone, Debug)]
pub struct Field {
    /// Its name.
    pub name: String,
    /// Its sort.
    pub sort: Sort,
    /// Ghost fields exist for the proof only; non-ghost code never reads them.
    pub ghost: bool,
    /// Declared with an unsigned Rust type (`u64`, `usize`, …): never negative.
    pub unsigned: bool,
    /// Where it is declared.
    pub loc: Loc,
}

/// One round of the phase.
#[derive(Clone, Debug)]
pub struct Round {
    /// The round's type name.
    pub name: String,
    /// The payload sort.
    pub msg: Sort,
    /// Whether the sender ([`names::SENDER`]) sends to the destination
    /// ([`names::DEST`]); over the sender's pre-state.
    pub sends_to: Term,
    /// The payload the sender sends (meaningful where `sends_to` holds).
    pub payload: Term,
    /// The update, as statements over the receiver ([`names::SELF`]).
    pub update: Vec<Stmt>,
    /// With value faults, the altered payloads `alt(sender, receiver)` of
    /// this round, one function `P × P → T` per payload component (one for a
    /// payload that is not a tuple); empty without value faults.
    pub altered: Vec<Fun>,
}

/// The altered payload `receiver` gets from `sender` in a round whose
/// payload sort is `msg` and whose altered-payload functions are `altered`
/// ([`Round::altered`]): `alt(sender, receiver)`, the tuple of the
/// components' functions for a tuple payload.
pub fn altered_payload(altered: &[Fun], msg: &Sort, sender: Term, receiver: Term) -> Term {
    let mut comps: Vec<Term> = altered.iter().map(|f| f.app(vec![sender.clone(), receiver.clone()])).collect();
    match msg {
        Sort::Tuple(_) => psync_logic::build::tuple(comps),
        _ => comps.remove(0),
    }
}

/// A statement of an update.
#[derive(Clone, Debug)]
pub enum Stmt {
    /// `let var = value;`
    Let {
        /// The local.
        var: Var,
        /// Its value.
        value: Term,
    },
    /// `p.field = value;`
    Assign {
        /// Field name.
        field: String,
        /// New value.
        value: Term,
    },
    /// `if cond { then } else { els }`
    If {
        /// The condition.
        cond: Term,
        /// Then branch.
        then: Vec<Stmt>,
        /// Else branch.
        els: Vec<Stmt>,
    },
    /// A value chosen by the environment: `fun(self)` satisfies `axiom`
    /// (mailbox queries like `min_most_often`, helper results).
    Choose {
        /// The fresh function `P → sort` holding the value.
        fun: Fun,
        /// What is known about it (over [`names::SELF`] and current values).
        axiom: Term,
        /// What it stands for, for reports.
        what: String,
    },
    /// A chosen value that is a function of the heard-of set:
    /// `∀p. fun(p) = of_heard(HO(p))`, or under value faults
    /// `∀p. |AHO(p)| = 0 ⇒ fun(p) = of_heard(HO(p))`, assumed in the VCs
    /// wherever the round runs. The values a run chooses satisfy it by
    /// construction, so the interpreter, which fixes each process's value
    /// by its `Choose` axiom alone, does not read it.
    ChoiceOfHeard {
        /// The chosen value's function (`P → sort`).
        fun: Fun,
        /// The function of the heard-of set it equals (`Set(P) → sort`).
        of_heard: Fun,
        /// Only where no message is altered (`|AHO(p)| = 0`): the round
        /// has value faults.
        unaltered_only: bool,
        /// What it is about, for reports.
        what: String,
    },
    /// A proof obligation at this point (a helper's precondition).
    Check {
        /// The condition that must hold.
        cond: Term,
        /// A label for the VC id.
        label: String,
    },
}

/// A helper function with a contract: uninterpreted in the proof.
#[derive(Clone, Debug)]
pub struct Helper {
    /// Its name.
    pub name: String,
    /// Parameters.
    pub params: Vec<Var>,
    /// Result sort.
    pub ret: Sort,
    /// Precondition over the parameters (`true` if absent).
    pub requires: Term,
    /// Postcondition over the parameters and [`Helper::result`].
    pub ensures: Term,
    /// The variable naming the result in `ensures`.
    pub result: Var,
}

/// The specification: all predicates over pre-state symbols.
#[derive(Clone, Debug, Default)]
pub struct SpecIr {
    /// Phase invariants `Inv_0 … Inv_m`.
    pub invariants: Vec<Pred>,
    /// Round invariants `R[k][j]`: after round `k` of the phase, for invariant `j`.
    pub round_invariants: Vec<Vec<Pred>>,
    /// Liveness predicates `L_0 … L_{m−1}` on HO sets.
    pub liveness: Vec<Pred>,
    /// Safety predicate on HO sets, every round.
    pub safety: Option<Pred>,
    /// Assumptions on the parameters and `n` (`Spec::assumptions`): a
    /// hypothesis of every VC.
    pub assumptions: Vec<Pred>,
    /// Named properties.
    pub properties: Vec<Property>,
    /// The spec methods whose predicates may be unsatisfiable on purpose
    /// (a doc-comment line `(allow vacuous)`; see [`crate::vacuity`]).
    pub allow_vacuous: Vec<String>,
}

/// A spec predicate with its location.
#[derive(Clone, Debug)]
pub struct Pred {
    /// The formula over pre-state symbols (`x`, `x.init`, `x.old`, `HO`, `r`, `coord`).
    pub term: Term,
    /// Where it is written.
    pub loc: Loc,
    /// Its source text.
    pub text: String,
}

/// How a property is proved.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum PropertyKind {
    /// A state property: follows from `Inv_0`.
    Safety,
    /// Mentions `old`: preserved by every round.
    Transition,
    /// Wrapped in `eventually(..)`: follows from the last invariant.
    Eventually,
}

/// A named property.
#[derive(Clone, Debug)]
pub struct Property {
    /// Its name.
    pub name: String,
    /// How it is proved.
    pub kind: PropertyKind,
    /// The formula.
    pub pred: Pred,
}

impl Algorithm {
    /// The field of that name.
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }
    /// Rounds per phase.
    pub fn phase_len(&self) -> usize {
        self.rounds.len()
    }
}

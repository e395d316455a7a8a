//! The CL reduction: from a CL formula to an equisatisfiable-for-refutation
//! formula of the flat first-order fragment (UF + linear integer arithmetic,
//! only stratified universals left) that the SMT back ends decide.
//!
//! One lowering pass per file, run in this order by [`reduce`]:
//! 0. [`unread`] (definitions of symbols nothing else reads are dropped,
//!    and put back in decoded models),
//! 1. [`normalize`] (ite lifting, NNF, unique bound names) with
//!    [`booleans`] (`∀b:Bool` and `∃b:Bool` expanded), [`macros`]
//!    (constant functions such as `∀p. HO(p) = S` expanded), [`division`]
//!    (comparisons with `t div k` made division-free), [`holders`]
//!    (a process quantified only for its value in a census becomes the
//!    value), [`pairwise`] (a negated "some value all agree on" names two
//!    that differ), [`nonempty`]
//!    (an asserted non-empty comprehension gets a member; a census in a
//!    case reads as its `∃` or `∀`), [`extrema`] (a number of each process
//!    compared with a universal number has a largest and a smallest),
//! 2. [`unique_def`] (one-point rule: `∀A. A ≠ t ∨ χ(A)` ↦ `χ(t)`),
//! 3. [`sets`] (set operators, extensionality, options and tuples),
//! 4. [`comprehension`] (comprehensions become symbols with definitions),
//! 5. [`skolem`] (Skolemization, `∀` split over `∧`), [`guarded`]
//!    (`ℓ ∨ ∀x̄. φ` with `ℓ` ground becomes `∀x̄. ℓ ∨ φ`),
//!    [`guarded_constants`] (`∀x̄. ¬c ∨ a = k` with `k` ground: `aσ` read
//!    as `k` beside a conjunct `cσ` in the comprehensions' definitions),
//! 6. [`congruence`] (ground terms modulo equality, in an egg e-graph),
//! 7. [`stratify`] + [`kinds`] + [`instantiate`] (sort graph, soft sorts of
//!    data positions, instantiation),
//! 8. [`venn`] (region counts of ground sets, witnesses instantiated),
//!    [`regions`] (parameterized region counts of set families, and their
//!    instances anchored at ground sets), [`witnesses`] (elements of
//!    `S ∖ T` and `S ∩ T` for the sets the Venn groups leave out),
//!    [`membership`] (a member makes a set non-empty, a non-member keeps it
//!    below `n`), [`covers`] (a mailbox count is bounded above and below by
//!    the processes that sent its value, a family over values it defines),
//! 9. [`theory`] (option/tuple axioms on ground terms),
//! 10. [`lower`] (to the flat fragment), [`entailed`] (ground integer atoms
//!     the asserted bounds decide are folded).
//!
//! With parameterized regions (the default) the universals of the input
//! are also kept whole for the solver's own instantiation.
//!
//! Soundness contract: every pass maps a formula with a finite model (n ≥ 1
//! processes, finite sets) to a formula with a model; so "unsat" of the
//! output implies "unsat" of the input. The converse does not hold (the
//! reduction is incomplete); models are decoded and re-checked by
//! [`decode`] and [`crate::check`], which refines a query whose model is
//! spurious with the instances [`refine`] finds and the Venn facts
//! [`recount`] finds, both implied by what the passes justify.

pub mod agreeing_branches;
pub mod booleans;
pub mod comprehension;
pub mod congruence;
pub mod covers;
pub mod decode;
pub mod division;
pub mod entailed;
pub mod extrema;
mod fourier_motzkin;
pub mod guarded;
pub mod guarded_constants;
pub mod holders;
pub mod instantiate;
pub mod kinds;
pub mod linear;
pub mod lower;
pub mod macros;
pub mod membership;
pub mod named_value;
pub mod names;
pub mod nonempty;
pub mod normalize;
pub mod pairwise;
pub mod recount;
pub mod refine;
pub mod regions;
pub mod sets;
pub mod skolem;
pub mod stratify;
pub mod syntax;
pub mod theory;
pub mod unique_def;
pub mod unread;
pub mod venn;
pub mod witnesses;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use crate::smt::Cancel;
use crate::{Fun, Sort, Term, Var};
pub use venn::ElementCounts;

/// Rounds of instantiating comprehension definitions (nested comprehensions
/// need one round per level of nesting).
const DEFINITION_ROUNDS: usize = 3;

/// Knobs of the reduction. The defaults are meant to work for every query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReduceConfig {
    /// Sets per Venn group (2: every pair of ground sets; 3 for hard cases).
    pub venn_bound: usize,
    /// Eager instantiation rounds (`Eager(d)`).
    pub inst_depth: usize,
    /// Also instantiate the universals at the processes named by functions
    /// of data in the last eager round (`Instantiator::at_next_processes`):
    /// the transition relation at the witness of a negated invariant.
    pub next_processes: bool,
    /// With [`ReduceConfig::next_processes`], one generation more for a
    /// universal over one value whose counterexample is a process (a
    /// negated `∃v. ∀i. ψ(i, v)`): its instances at the values its first
    /// witnesses hold, and every universal at the witnesses of those
    /// (`Instantiator::at_witness_values`). Off in a strategy's first
    /// reduction: it is the strategy's deeper reduction
    /// ([`crate::check::Strategy::deeper`]), tried only when the first one
    /// ends undecided, since it multiplies some queries' size by 3.
    pub witness_values: bool,
    /// Give a universally bound data variable whose kind no ground term has
    /// ground terms of that kind, so that its universal gets instances
    /// instead of none: the values the query's unary process functions take
    /// at its named processes (`x'(d)`), or else a fresh constant (an
    /// arbitrary value). Off by default: on
    /// OTR the instance at an arbitrary value makes a count comprehension
    /// at it, and the parameterized reduction of its inductive VC went from
    /// 1.1 s to 1.9 s alone (12 s beside another check).
    pub kind_placeholders: bool,
    /// Run the local instantiation pass after the eager rounds.
    pub local_instantiation: bool,
    /// Instantiate the definitions of a Venn group's comprehensions at the
    /// group's witnesses (cheap, and what overlapping quorums need).
    pub witness_definitions: bool,
    /// Parameterized Venn regions for families of sets (`HO(p)`,
    /// comprehensions with parameters), left to the solver's instantiation
    /// (see `regions.rs`); the universals are also kept whole for the
    /// solver, and stratified data variables also instantiated eagerly.
    pub parametric_regions: bool,
    /// Witness functions for parameterized regions (`w_b(ȳ)`), for seeded
    /// process parameters only (see `regions.rs`; experimental: Z3 still
    /// loops); without them, ground family instances of the input get
    /// ground Venn groups instead.
    pub region_witnesses: bool,
    /// A witness for the common part of each parameterized group of
    /// uninterpreted sets (`r_{t…t}(ȳ) ≥ 1 ⇒ w(ȳ) ∈ HO(y₁) ∩ HO(y₂)`, see
    /// `regions.rs`): what two quorums' intersection is used for; and the
    /// cardinality witnesses of `witnesses.rs` also for the families over
    /// processes, anchored also at their instances at the named processes.
    /// The parametric strategy's deeper reduction: beside every VC, the new
    /// process terms slowed OTR's step tenfold.
    pub common_witnesses: bool,
    /// The instance of a universal over values at the value a guarded
    /// process names, `∃k. g(k) ∧ ∃w. t(k) = w ∧ Φ(w)` beside
    /// `(∃k. g(k)) ∧ ∀v. Φ(v)` (see `named_value.rs`). On in the parametric
    /// strategy's deeper reduction only: on in its first reduction, it
    /// proved a fast path's step (2.4 s instead of a timeout) but grew
    /// OTR's step query from 425 to 1,483 assertions, which then timed out.
    pub named_values: bool,
    /// Which ground sets anchor instances of the region groups of families
    /// and get cardinality witnesses (see `regions.rs`, `witnesses.rs`).
    pub anchors: Anchors,
    /// Cardinality witnesses for ground sets against the set terms of kept
    /// universals (see `witnesses.rs`).
    pub cardinality_witnesses: bool,
    /// Ground Venn groups also for the instances of set families at
    /// process-free arguments made by the first instantiation round (the
    /// mailbox `{i | i ∈ S ∧ x(i) = v₀}` of processes that all hear `S`).
    pub global_family_groups: bool,
    /// With cardinality witnesses, also `|T(v̄)| < n ⇒ d(v̄) ∉ T(v̄)` for the
    /// open sets (see `witnesses.rs`).
    pub universe_witnesses: bool,
    /// Where the Venn regions' elements make them count (see
    /// [`ElementCounts`]).
    pub element_counts: ElementCounts,
    /// With parameterized regions, the kept universals' data variables are
    /// also instantiated eagerly; this says whether with values read at
    /// processes named by data too (`ts'(w(v, t))`, the state of the
    /// witness of a negated `∀v t. ∃i. …`). Off: those values are
    /// arbitrary, and every one of them made instances of every
    /// definition over that sort (measured on LastVoting's inductiveness
    /// VCs: 0.8 s to solve instead of 0.2 s; the universals stay, so the
    /// solver still has those instances when it needs them).
    pub data_at_named_processes: bool,
    /// Cap on the instances of one universal (beyond it instances are dropped, which is sound).
    pub max_instances: usize,
    /// Cap on the instances of the whole reduction, whatever the depth:
    /// beyond it instances are dropped (sound: fewer instances can only
    /// keep a model, never remove one). With [`ReduceConfig::term_budget`]
    /// it bounds the reduction's size, so its memory and time.
    pub instance_budget: usize,
    /// Cap on the candidate tuples (substitutions) the instantiation looks
    /// at in all, accepted or not: beyond it no more instances are made.
    pub tuple_budget: usize,
    /// Cap on the ground terms of the e-graph: no further instantiation
    /// round starts once it holds more, or once the next round would
    /// bring it over at the growth of the last one (each round multiplied
    /// OTR's terms by 3 to 4); the rounds done are kept.
    pub term_budget: usize,
    /// Cap on the ground Venn groups of one set sort, whatever
    /// [`ReduceConfig::venn_bound`] says: only the shallowest (then
    /// smallest) sets get groups, as many as keep `C(sets, venn_bound)`
    /// within it (sound: a Venn group only adds consequences).
    pub venn_group_budget: usize,
}

/// The ground sets of processes that anchor region groups of families and
/// get cardinality witnesses against the kept universals' sets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Anchors {
    /// None: families get only their fully parameterized groups.
    None,
    /// Sets whose arguments mention no process at all (`{i | x(i) = v}`
    /// at a ground value `v` not read off a process; not `HO(p)`, not
    /// `{i | x(i) = x(p)}`): the quorums every process's view is compared
    /// with. Far fewer instances, which some queries need to be solved
    /// fast (OTR's inductiveness: 0.2 s instead of 9 s).
    Global,
    /// Every ground set of processes (up to a cap).
    All,
}

impl Default for ReduceConfig {
    fn default() -> Self {
        ReduceConfig {
            venn_bound: 2,
            inst_depth: 1,
            next_processes: false,
            witness_values: false,
            kind_placeholders: false,
            local_instantiation: true,
            witness_definitions: true,
            parametric_regions: true,
            region_witnesses: false,
            common_witnesses: false,
            named_values: false,
            anchors: Anchors::All,
            cardinality_witnesses: true,
            universe_witnesses: false,
            global_family_groups: false,
            element_counts: ElementCounts::Ground,
            data_at_named_processes: false,
            max_instances: 4000,
            // The benchmarks' default reductions stay well inside these
            // (at most 2892 instances, 7336 tuples looked at, 267 ground
            // terms and 71 ground sets on OTR and LastVoting), so their
            // queries are unchanged.
            instance_budget: 10_000,
            tuple_budget: 1_000_000,
            term_budget: 2_000,
            venn_group_budget: 2_000,
        }
    }
}

/// Why a formula could not be reduced.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ReduceError {
    /// The formula uses something outside the supported fragment.
    #[error("unsupported by the CL reduction: {0}")]
    Unsupported(String),
    /// The input is not a formula.
    #[error("not a formula: {0}")]
    NotAFormula(String),
    /// A bug: a pass left something a later pass cannot handle.
    #[error("internal error in the CL reduction: {0}")]
    Internal(String),
    /// The reduction was stopped by its [`Interrupt`] (the time limit or a
    /// cancellation) before it was done: no query, so no verdict.
    #[error("the CL reduction was interrupted (time limit or cancellation)")]
    Interrupted,
}

/// When a reduction must stop early: at a deadline, or once a
/// cancellation token is cancelled (the strategy lost the race, or the
/// verdict is fixed). The passes look at it in their loops.
///
/// A stopped reduction is an error ([`ReduceError::Interrupted`]), never
/// a smaller query: dropping instances would be sound (an `unsat` of a
/// weaker query is an `unsat` of the whole), but a reduction is stopped
/// only when no time is left for solving, or its answer is no longer
/// wanted, so a partial query would just be wasted work.
#[derive(Clone, Debug, Default)]
pub struct Interrupt {
    /// Stop once this instant has passed.
    pub deadline: Option<Instant>,
    /// Stop once this is cancelled.
    pub cancel: Option<Cancel>,
}

impl Interrupt {
    /// An interrupt that never fires.
    pub fn never() -> Interrupt {
        Interrupt::default()
    }

    /// Stop at `deadline` or once `cancel` is cancelled.
    pub fn at(deadline: Instant, cancel: &Cancel) -> Interrupt {
        Interrupt { deadline: Some(deadline), cancel: Some(cancel.clone()) }
    }

    /// Is it time to stop?
    pub fn is_due(&self) -> bool {
        self.deadline.is_some_and(|d| Instant::now() >= d) || self.cancel.as_ref().is_some_and(Cancel::is_cancelled)
    }

    /// `Err(Interrupted)` if it is time to stop.
    fn check(&self) -> Result<(), ReduceError> {
        if self.is_due() { Err(ReduceError::Interrupted) } else { Ok(()) }
    }
}

/// The symbols of the original formula (for decoding models back to it).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Signature {
    /// Uninterpreted function symbols, constants included.
    pub funs: Vec<Fun>,
    /// Free variables (treated as constants of the same name).
    pub vars: Vec<Var>,
}

/// Sizes and timings of one reduction.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReduceStats {
    /// Nodes of the input formula.
    pub input_size: usize,
    /// Nodes of all output assertions.
    pub output_size: usize,
    /// Output assertions.
    pub assertions: usize,
    /// Comprehension symbols introduced.
    pub comprehensions: usize,
    /// Skolem symbols introduced.
    pub skolems: usize,
    /// Instances generated.
    pub instances: usize,
    /// Universals whose instances were capped (per universal, or by the
    /// reduction's [`ReduceConfig::instance_budget`]).
    pub truncated: usize,
    /// Candidate tuples the instantiation looked at.
    pub tuples: usize,
    /// Ground terms in the e-graph after instantiation.
    pub ground_terms: usize,
    /// Ground integer atoms decided by the asserted bounds ([`entailed`]).
    pub decided_atoms: usize,
    /// Venn groups.
    pub venn_groups: usize,
    /// Venn region constants.
    pub venn_regions: usize,
    /// Cycles of the sort graph (their variables were instantiated).
    pub sort_cycles: Vec<Vec<Sort>>,
    /// Wall time per phase.
    pub phases: Vec<(&'static str, Duration)>,
}

/// The result of the reduction.
#[derive(Clone, Debug)]
pub struct Reduced {
    /// The assertions, in the flat fragment (their conjunction is the query).
    pub assertions: Vec<Term>,
    /// The symbols of the input.
    pub signature: Signature,
    /// The ground set terms of the query (lowered), one per congruence
    /// class: the sets whose sizes a decoded model must reproduce.
    pub ground_sets: Vec<Term>,
    /// The ground process terms of the query (lowered), one per class,
    /// without the Venn witnesses: their values are kept when decoding.
    pub ground_procs: Vec<Term>,
    /// The Venn witnesses of processes (lowered): the other processes the
    /// query names.
    pub witness_procs: Vec<Term>,
    /// The universals the reduction instantiated and the output's ground
    /// terms, to refine the query against spurious solver models.
    pub schemas: refine::Schemas,
    /// The definitions dropped as unread, which a decoded model gets back.
    pub unread: unread::Unread,
    /// Statistics.
    pub stats: ReduceStats,
}

struct Clock {
    last: Instant,
    phases: Vec<(&'static str, Duration)>,
}

impl Clock {
    fn lap(&mut self, name: &'static str) {
        let now = Instant::now();
        self.phases.push((name, now - self.last));
        self.last = now;
    }
}

/// Free variables become constants of the same name (a closed formula is
/// satisfiable iff it is with its free variables read as constants).
fn close(f: &Term) -> Term {
    let free = f.free_vars();
    let map: Vec<(Var, Term)> = free
        .iter()
        .map(|v| {
            (
                v.clone(),
                Fun::constant(v.name.clone(), v.sort.clone()).app(Vec::new()),
            )
        })
        .collect();
    f.subst(&map)
}

/// A set term whose arguments mention no process (`{i | x(i) = v}` at a
/// ground `v` not read off a process).
fn is_global(t: &Term) -> bool {
    let Term::App(_, args) = t else { return false };
    let mut of_process = false;
    for a in args {
        a.visit(&mut |s| of_process |= s.sort() == Sort::P);
    }
    !of_process
}

/// Reduce a CL formula (satisfiability query) to the flat fragment.
pub fn reduce(f: &Term, cfg: &ReduceConfig) -> Result<Reduced, ReduceError> {
    reduce_within(f, cfg, &Interrupt::never())
}

/// [`reduce`], stopped with [`ReduceError::Interrupted`] once `stop` is due.
pub fn reduce_within(f: &Term, cfg: &ReduceConfig, stop: &Interrupt) -> Result<Reduced, ReduceError> {
    if f.sort() != Sort::Bool {
        return Err(ReduceError::NotAFormula(format!(
            "sort {} instead of Bool",
            f.sort()
        )));
    }
    let mut clock = Clock {
        last: Instant::now(),
        phases: Vec::new(),
    };
    let mut stats = ReduceStats {
        input_size: f.size(),
        ..Default::default()
    };
    let signature = Signature {
        funs: f.funs(),
        vars: f.free_vars(),
    };
    let (closed, unread) = unread::drop_definitions(&close(f));
    let closed = agreeing_branches::collapse(&closed);
    let mut names = names::NameGen::avoiding(&closed);

    let nnf = division::eliminate_in_comparisons(&normalize::normalize(&closed, &mut names)?);
    let nnf = holders::to_values(&nnf, &mut names);
    let nnf = pairwise::read_pairwise(&nnf, &mut names);
    let nnf = nonempty::add_members(&nnf, &mut names);
    let nnf = extrema::add_extrema(&nnf, &mut names);
    let expanded = macros::expand_constant_functions(&nnf, &mut names);
    let defined = unique_def::eliminate_defined(&expanded);
    let defined = if cfg.named_values { named_value::name_values(&defined, &mut names) } else { defined };
    let flat_sets = sets::SetRewriter::new(&mut names).formula(&defined)?;
    clock.lap("normalize");

    let mut symbolizer = comprehension::Symbolizer::default();
    let symbolized = symbolizer.run(&flat_sets, &mut names);
    stats.comprehensions = symbolizer.symbols.len();
    let mut skolemizer = skolem::Skolemizer::new(&mut names);
    let skolemized = guarded::lift(&skolemizer.open(&symbolized, &[]));
    let mut definitions = Vec::new();
    for d in &symbolizer.definitions {
        let formula = skolemizer.open(&d.formula, &d.params);
        definitions.push((d.fun.clone(), d.params.clone(), formula));
    }
    let skolems = skolemizer.into_symbols();
    guarded_constants::substitute(&skolemized, &mut definitions, &mut symbolizer.bodies);
    stats.skolems = skolems.len();
    clock.lap("symbolize+skolemize");

    // Families of sets (`HO(p)`, `{j | j ∈ HO(p) ∧ x(j) = v}`) get
    // parameterized Venn regions; their definitions stay universal.
    let fams: Vec<Fun> = if cfg.parametric_regions {
        let mut with_defs = skolemized.clone();
        for (_, _, d) in &definitions {
            with_defs = syntax::and(vec![with_defs, d.clone()]);
        }
        regions::families(&with_defs, &symbolizer.bodies)
    } else {
        Vec::new()
    };
    let family_names: HashSet<String> = fams.iter().map(|f| f.name.clone()).collect();
    let is_family = |t: &Term| matches!(t, Term::App(f, _) if family_names.contains(&f.name));
    let mut main_formula = skolemized.clone();
    let mut definitions_left = Vec::new();
    for (fun, params, d) in definitions {
        if family_names.contains(&fun.name) {
            main_formula = syntax::and(vec![main_formula, syntax::forall(params, d)]);
        } else {
            definitions_left.push((fun, params, d));
        }
    }
    let definitions = definitions_left;

    let mut cc = congruence::Congruence::default();
    cc.add_ground_terms(&main_formula, 0);
    let mut schema_sources = vec![main_formula.clone()];
    schema_sources.extend(definitions.iter().map(|(_, params, d)| syntax::forall(params.clone(), d.clone())));
    let mut all = main_formula.clone();
    for (_, _, d) in &definitions {
        // Ground terms inside definitions (`HO(p)` in `{j | j ∈ HO(p)}`) are input terms too.
        cc.add_ground_terms(d, 0);
        all = syntax::and(vec![all, d.clone()]);
    }
    cc.merge_asserted(&main_formula);
    // A sort with universals but no ground term gets a fresh constant, so
    // that instantiation has something to use (sound: every sort is
    // non-empty, `n ≥ 1` for processes). So does a data variable's kind
    // that no ground term has (`∀v. ∃i. vote(i) = Some(v) ∧ …` where no
    // vote value is named: its instance at an arbitrary value is what
    // refutes it), when `kind_placeholders` is on: the values of that kind
    // at the named processes (`kind_applications`), or a fresh constant.
    let mut bound_vars: Vec<Var> = Vec::new();
    main_formula.visit(&mut |t| {
        if let Term::Bind(crate::Binder::Forall, vs, _) = t {
            for v in vs {
                if !bound_vars.contains(v) {
                    bound_vars.push(v.clone());
                }
            }
        }
    });
    let mut placeholders = Vec::new();
    let mut bound_sorts: Vec<Sort> = Vec::new();
    for v in &bound_vars {
        if !bound_sorts.contains(&v.sort) {
            bound_sorts.push(v.sort.clone());
        }
    }
    for sort in bound_sorts {
        // With kind placeholders, a data sort's values are named per kind below.
        if cfg.kind_placeholders && syntax::is_data(&sort) {
            continue;
        }
        if cc.representatives(&sort).is_empty() {
            let c = Fun::constant(names.fresh("some$"), sort).app(Vec::new());
            cc.add(&c, 0);
            placeholders.push(c);
        }
    }
    let graph = stratify::SortGraph::build(&all, &family_names);
    stats.sort_cycles = graph.cycles();
    let mut kinds = kinds::Kinds::of(&all);
    let pools = instantiate::candidates(&cc);
    for v in bound_vars.iter().filter(|v| cfg.kind_placeholders && syntax::is_data(&v.sort)) {
        let named = pools.get(&v.sort).is_some_and(|ts| ts.iter().any(|(t, _)| kinds.fits(v, t)))
            || placeholders.iter().any(|c| c.sort() == v.sort && kinds.fits(v, c));
        if named {
            continue;
        }
        let apps = kind_applications(&all, v, &cc, &kinds);
        if apps.is_empty() {
            let f = Fun::constant(names.fresh("some$"), v.sort.clone());
            kinds.adopt(&f, v);
            let c = f.app(Vec::new());
            cc.add(&c, 0);
            placeholders.push(c);
        }
        for a in &apps {
            cc.add(a, 0);
        }
    }
    let kinds = kinds;
    let mut inst = instantiate::Instantiator {
        graph: &graph,
        kinds: &kinds,
        max_instances: cfg.max_instances,
        data_instances: cfg.parametric_regions,
        data_at_named_processes: cfg.data_at_named_processes,
        instance_budget: cfg.instance_budget,
        tuple_budget: cfg.tuple_budget,
        term_budget: cfg.term_budget,
        interrupt: stop,
        interrupted: false,
        stats: Default::default(),
    };
    let main = inst.run(
        &main_formula,
        &mut cc,
        cfg.inst_depth,
        cfg.local_instantiation,
    );
    inst.check()?;
    let defs = inst.definitions(&definitions, &mut cc, cfg.inst_depth, DEFINITION_ROUNDS);
    inst.check()?;
    let mut instantiated = syntax::and(std::iter::once(main).chain(defs).collect());
    if cfg.next_processes && cfg.inst_depth > 0 {
        let done = syntax::conjuncts(instantiated.clone());
        let more = inst.at_next_processes(&main_formula, &cc, cfg.inst_depth, &done);
        let mut done: Vec<Term> = done.into_iter().chain(more).collect();
        if cfg.witness_values {
            let values = inst.at_witness_values(&main_formula, &cc, cfg.inst_depth, &done);
            done.extend(values);
        }
        instantiated = syntax::and(done);
        inst.check()?;
    }
    stats.ground_terms = cc.len();
    clock.lap("instantiate");

    // `seed(p)`: the processes at which the solver may instantiate
    // non-stratified universals and get region witnesses (the ground
    // process terms and the Venn witnesses: one generation). Sound: `seed`
    // is fresh, and reading it as true everywhere satisfies every
    // constraint that mentions it (guards are then vacuous).
    let seed = Fun::new(names.fresh("seed$"), vec![Sort::P], Sort::Bool);
    // Without region witnesses, the ground instances of families in the
    // input also get ground groups (their witnesses are constants).
    // With `global_family_groups`, also the first round's instances at
    // process-free arguments (`recv(v₀)` for a common mailbox).
    let skip = |t: &Term, depth: usize| {
        is_family(t) && (cfg.region_witnesses || depth > 0) && !(cfg.global_family_groups && is_global(t) && depth <= 1)
    };
    let grouped = sets_within_group_budget(&cc, cfg.venn_bound, cfg.venn_group_budget, &skip);
    let skip_or_over_budget = |t: &Term, depth: usize| skip(t, depth) || !grouped.contains(t);
    stop.check()?;
    let venn = venn::venn(&cc, cfg.venn_bound, cfg.element_counts, &symbolizer.bodies, &skip_or_over_budget, &mut names);
    stop.check()?;
    // (Those within the group budget: the parameterized groups pair them.)
    let ground_p_sets: Vec<Term> = venn
        .sets
        .iter()
        .filter(|s| s.sort() == Sort::set(Sort::P) && !is_family(s) && grouped.contains(*s))
        .cloned()
        .collect();
    // Shallow and small sets first: the anchored instances are capped. Not
    // the sets at a placeholder constant: an arbitrary process says nothing
    // a parameterized group does not (measured on OTR: they drown Z3).
    let mut anchors: Vec<(Term, usize)> = cc
        .representatives(&Sort::set(Sort::P))
        .into_iter()
        .filter(|(t, _)| matches!(t, Term::App(..)))
        .filter(|(t, _)| {
            let mut at_placeholder = false;
            t.visit(&mut |s| at_placeholder |= placeholders.contains(s));
            !at_placeholder
        })
        .collect();
    match cfg.anchors {
        Anchors::None => anchors.clear(),
        Anchors::Global => anchors.retain(|(t, _)| is_global(t)),
        Anchors::All => {}
    }
    anchors.sort_by_key(|(t, d)| (*d, t.size()));
    let anchors: Vec<Term> = anchors.into_iter().map(|(t, _)| t).collect();
    let (param, pgroups, pregions) = regions::parameterized(
        &fams,
        &ground_p_sets,
        &anchors,
        &symbolizer.bodies,
        cfg.region_witnesses.then_some(&seed),
        cfg.common_witnesses,
        &mut names,
    );
    stats.venn_groups = venn.groups + pgroups;
    stats.venn_regions = venn.regions + pregions;
    let mut out = syntax::conjuncts(instantiated.clone());
    // A conjunct with universals under a disjunction (`(∀i. φ) ∨ (∀i. ψ)`,
    // an invariant `∃v. ∀i. …` over a finite type) is kept whole: its
    // instances above are only at the terms made so far, and the solver
    // needs it at the Venn witnesses made below (sound: it is the input's).
    for part in syntax::conjuncts(main_formula.clone()) {
        if syntax::has_nested_universal(&part) && !out.contains(&part) {
            out.push(part);
        }
    }
    let mut kept_universals = Vec::new();
    if cfg.parametric_regions && !fams.is_empty() {
        // The solver instantiates at the witnesses: keep the universals
        // themselves too (sound: they are the input's); with region
        // witnesses, those with non-stratified process variables only at
        // seeds (weaker still).
        for part in syntax::conjuncts(main_formula.clone()) {
            if let Some(kept) =
                seeded_universal(&part, &graph, cfg.region_witnesses.then_some(&seed))
                && !out.contains(&kept)
            {
                kept_universals.push(kept.clone());
                out.push(kept);
            }
        }
    }
    out.extend(venn.constraints.iter().cloned());
    if cfg.cardinality_witnesses && cfg.parametric_regions && !fams.is_empty() {
        // With common witnesses, the open sets come from every universal of
        // the output, not only the kept ones, families over processes
        // included: an element of `{j ∈ HO(p) | x(j) = v} ∖ {i | x'(i) = v}`,
        // say, a process that heard `v` and did not adopt it.
        let universals: Vec<Term> = if cfg.common_witnesses {
            out.iter().filter(|f| matches!(f, Term::Bind(crate::Binder::Forall, ..))).cloned().collect()
        } else {
            kept_universals.clone()
        };
        // ... and the families' instances at the processes the input names
        // are anchors too (the voters a deciding process heard).
        let mut anchors = anchors;
        if cfg.common_witnesses {
            let named = cc.named_processes();
            for f in fams.iter().filter(|f| f.args == [Sort::P]) {
                for t in &named {
                    let at = f.app(vec![t.clone()]);
                    if !anchors.contains(&at) {
                        anchors.push(at);
                    }
                }
            }
        }
        out.extend(witnesses::cardinality_witnesses(
            &anchors,
            &universals,
            cfg.universe_witnesses,
            cfg.common_witnesses,
            &mut names,
        ));
        out.extend(covers::cover_constraints(&symbolizer.bodies, cfg.common_witnesses, &mut names));
    }
    if cfg.region_witnesses && !param.is_empty() {
        // Exactly the ground processes, the Venn witnesses and one
        // application of each `P → P` symbol to those are seeds (closed
        // world, so the solver cannot make a new process a seed and loop).
        let mut seeds: Vec<Term> = cc
            .representatives(&Sort::P)
            .into_iter()
            .map(|(t, _)| t)
            .chain(venn.witnesses.iter().filter(|w| w.sort() == Sort::P).cloned())
            .collect();
        let steps: Vec<Fun> = main_formula
            .funs()
            .into_iter()
            .filter(|f| f.ret == Sort::P && f.args == [Sort::P])
            .collect();
        let base = seeds.clone();
        for f in &steps {
            for c in &base {
                let t = f.app(vec![c.clone()]);
                if !seeds.contains(&t) {
                    seeds.push(t);
                }
            }
        }
        let p = names.fresh_var(&Var::new("p", Sort::P));
        let closed: Vec<Term> = std::iter::once(syntax::neg(&seed.app(vec![p.t()])))
            .chain(seeds.iter().map(|s| syntax::eq(p.t(), s.clone())))
            .collect();
        out.push(syntax::forall(vec![p], syntax::or(closed)));
        out.extend(seeds.into_iter().map(|p| seed.app(vec![p])));
    }
    out.extend(param);
    stop.check()?;
    if cfg.witness_definitions {
        out.extend(inst.definitions_at_witnesses(&definitions, &venn.witness_sets));
    }
    stats.instances = inst.stats.instances;
    stats.truncated = inst.stats.truncated;
    stats.tuples = inst.stats.tuples;
    let bounds = venn::card_bounds_for_bound_sets(&out, &mut names);
    out.extend(bounds);
    let member_bounds = membership::membership_bounds(std::slice::from_ref(&all), &symbolizer.bodies, &mut names);
    out.extend(member_bounds);
    clock.lap("venn");

    stop.check()?;
    for part in &out {
        cc.add_ground_terms(part, cfg.inst_depth + 1);
    }
    stop.check()?;
    out.extend(theory::theory_axioms(&cc));
    stop.check()?;
    let ground_by_sort = cc
        .sorts()
        .into_iter()
        .map(|sort| {
            let terms = cc.representatives(&sort).into_iter().map(|(t, _)| t).collect();
            (sort, terms)
        })
        .collect();
    let proc_witnesses = venn.witness_counts.iter().filter(|(w, _)| w.sort() == Sort::P).cloned().collect();
    let named = cc.named_processes();
    let schemas = refine::Schemas::new(&venn.counted, &schema_sources, ground_by_sort, proc_witnesses, named);
    let mut assertions = out
        .into_iter()
        .flat_map(syntax::conjuncts)
        .map(|f| lower::lower(&f))
        .collect::<Result<Vec<_>, _>>()?;
    stats.decided_atoms = entailed::decide_entailed_atoms(&mut assertions);
    let mut assertions: Vec<Term> = assertions
        .into_iter()
        .flat_map(syntax::conjuncts)
        .filter(|f| *f != Term::Bool(true))
        .collect();
    if assertions.is_empty() {
        assertions.push(Term::Bool(true));
    }
    check_flat(&assertions)?;
    clock.lap("lower");

    stats.assertions = assertions.len();
    stats.output_size = assertions.iter().map(Term::size).sum();
    stats.phases = clock.phases;
    let mut decoded_sets = venn.sets.clone();
    decoded_sets.extend(
        cc.sorts()
            .into_iter()
            .filter(|s| s == &Sort::set(Sort::P))
            .flat_map(|s| cc.representatives(&s))
            .map(|(t, _)| t)
            .filter(|t| is_family(t) && !venn.sets.contains(t)),
    );
    let ground_sets = decoded_sets
        .iter()
        .map(lower::lower)
        .collect::<Result<Vec<_>, _>>()?;
    let (witness_procs, ground_procs): (Vec<Term>, Vec<Term>) = cc
        .representatives(&Sort::P)
        .into_iter()
        .map(|(t, _)| t)
        .partition(|t| venn.witnesses.contains(t));
    let lower_all = |ts: Vec<Term>| ts.iter().map(lower::lower).collect::<Result<Vec<_>, _>>();
    let (witness_procs, ground_procs) = (lower_all(witness_procs)?, lower_all(ground_procs)?);
    Ok(Reduced {
        assertions,
        signature,
        ground_sets,
        ground_procs,
        witness_procs,
        schemas,
        unread,
        stats,
    })
}

/// The sets that get ground Venn groups: per set sort, the first of the
/// sets `venn` would group (its order: shallowest, then smallest), as
/// many as keep the `bound`-element groups of them within `budget`.
fn sets_within_group_budget(
    cc: &congruence::Congruence,
    bound: usize,
    budget: usize,
    skip: &dyn Fn(&Term, usize) -> bool,
) -> HashSet<Term> {
    let most = sets_for_groups(bound.max(1), budget);
    let mut out = HashSet::new();
    for sort in cc.sorts().into_iter().filter(|s| s.set_elem().is_some()) {
        let sets = cc.representatives(&sort).into_iter().filter(|(t, d)| matches!(t, Term::App(..)) && !skip(t, *d));
        out.extend(sets.take(most).map(|(t, _)| t));
    }
    out
}

/// The most sets whose `k`-element subsets number at most `budget` (at
/// least `k`: fewer sets than `k` make one group).
fn sets_for_groups(k: usize, budget: usize) -> usize {
    // C(m + 1, k) = C(m, k) · (m + 1) / (m + 1 - k).
    let (mut m, mut groups) = (k, 1u128);
    loop {
        let next = groups * (m as u128 + 1) / (m as u128 + 1 - k as u128);
        if next > budget as u128 {
            return m;
        }
        (m, groups) = (m + 1, next);
    }
}

/// A top-level universal to keep for the solver: its non-stratified
/// process variables guarded by `seed` (weaker than the universal, so
/// sound). Non-stratified data variables (`∀v. |{i | x(i) = v}| ≤ …`) are
/// kept too: besides our instances, the solver may need one at a value it
/// only meets during its search (the sets at such values have
/// parameterized regions and cardinality witnesses).
fn seeded_universal(part: &Term, graph: &stratify::SortGraph, seed: Option<&Fun>) -> Option<Term> {
    let Term::Bind(crate::Binder::Forall, vs, body) = part else {
        return None;
    };
    let strat = graph.stratified(vs, body);
    let mut guard = Vec::new();
    for (v, ok) in vs.iter().zip(strat) {
        if ok {
            continue;
        }
        match &v.sort {
            Sort::P => {
                if let Some(seed) = seed {
                    guard.push(syntax::neg(&seed.app(vec![v.t()])));
                }
            }
            s if syntax::is_data(s) => {}
            // Sets, options, tuples: their instances are all there is.
            _ => return None,
        }
    }
    guard.push((**body).clone());
    Some(syntax::forall(vs.clone(), syntax::or(guard)))
}

/// The output may only contain the flat fragment: no existential (all were
/// skolemized), no comprehension, no set/option/tuple operator.
fn check_flat(assertions: &[Term]) -> Result<(), ReduceError> {
    use crate::{Binder, Op};
    for a in assertions {
        let mut bad = None;
        a.visit(&mut |t| match t {
            Term::Bind(Binder::Comprehension | Binder::Exists, _, _) => bad = Some(t.clone()),
            Term::Op(op, _)
                if comprehension::is_set_operator(op) || matches!(op, Op::Member | Op::Card) =>
            {
                bad = Some(t.clone())
            }
            _ => {}
        });
        if let Some(t) = bad {
            return Err(ReduceError::Internal(format!(
                "not in the flat fragment: {t:?}"
            )));
        }
    }
    Ok(())
}

/// The values of `x`'s kind that the query's unary process functions take
/// at its ground processes (`x.post(d)` for a process `d` the formula
/// names): the terms an instance of a universal over a kind no ground term
/// has is most likely needed at (`∀v. ∃i. x'(i) ≠ v` refuted at the value
/// a decider holds), before a placeholder constant.
fn kind_applications(f: &Term, x: &Var, cc: &congruence::Congruence, kinds: &kinds::Kinds) -> Vec<Term> {
    let procs = cc.named_processes();
    let mut out = Vec::new();
    for fun in f.funs().into_iter().filter(|g| g.ret == x.sort && g.args == [Sort::P]) {
        for p in &procs {
            let app = fun.app(vec![p.clone()]);
            if kinds.fits(x, &app) && !out.contains(&app) {
                out.push(app);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::{and, cnst, forall, fun, not, or, var};
    use crate::check::{CheckConfig, CheckResult, Strategy, check_sat};
    use crate::smt::Z3InProcess;
    use crate::{Binder, Op};

    /// `((∀x. q(g(x))) ∨ (∀x. r(g(x)))) ∧ ¬q(g(g(a))) ∧ ¬r(g(g(b)))` is
    /// unsatisfiable. With no eager instances (depth 0, no local pass) the
    /// disjunction's universals have no instance, and refinement only
    /// instantiates top-level universals: the conjunct must reach the
    /// solver whole for the query to be unsat.
    #[test]
    fn a_conjunct_with_universals_under_a_disjunction_is_kept_whole() {
        let (q, r) = (fun("q", vec![Sort::P], Sort::Bool), fun("r", vec![Sort::P], Sort::Bool));
        let g = fun("g", vec![Sort::P], Sort::P);
        let x = var("x", Sort::P);
        let (a, b) = (cnst("a", Sort::P), cnst("b", Sort::P));
        let gg = |c: &Term| g.app(vec![g.app(vec![c.clone()])]);
        let f = and(vec![
            or(vec![
                forall(vec![x.clone()], q.app(vec![g.app(vec![x.t()])])),
                forall(vec![x.clone()], r.app(vec![g.app(vec![x.t()])])),
            ]),
            not(q.app(vec![gg(&a)])),
            not(r.app(vec![gg(&b)])),
        ]);
        let cfg = ReduceConfig { inst_depth: 0, local_instantiation: false, ..ReduceConfig::default() };
        for strategy in Strategy::ALL {
            let reduced = reduce(&f, &strategy.apply(&cfg)).expect("reduces");
            let kept = reduced.assertions.iter().any(|t| matches!(t, Term::Op(Op::Or, ps) if ps.iter().all(|p| matches!(p, Term::Bind(Binder::Forall, ..)))));
            assert!(kept, "{}: the disjunction of universals is not in the output", strategy.name());
        }
        let check = CheckConfig { reduce: cfg, strategies: vec![Strategy::Ground], bounded_search: false, ..CheckConfig::default() };
        let checked = check_sat(&f, &check, &Z3InProcess::new()).expect("no error");
        assert_eq!(checked.result, CheckResult::Unsat);
    }

    /// Every process holds the same estimate and `d` is a process, so "for
    /// every `v` some process holds an estimate other than `v`" is false:
    /// refuted at `v = x(d)`. No ground term has the kind of `v`; an
    /// instance at an arbitrary value does not refute it, the instance at
    /// the value `x` takes at the named process does.
    #[test]
    fn a_universal_over_an_unnamed_kind_is_instantiated_at_the_values_of_named_processes() {
        let src = include_str!("../../tests/corpus/valid/kind_value_at_named_process.cl");
        let f = crate::parse_query(src).expect("parses").formula();
        let check = CheckConfig { strategies: vec![Strategy::Ground], bounded_search: false, ..CheckConfig::default() };
        let checked = check_sat(&f, &check, &Z3InProcess::new()).expect("no error");
        assert_eq!(checked.result, CheckResult::Unsat);
    }
}

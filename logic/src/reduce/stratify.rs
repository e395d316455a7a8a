//! Pass 6a: the sort graph and the stratification test.
//!
//! The sort graph has an edge from each argument sort to the result sort of
//! every function symbol (uninterpreted, Skolem, comprehension, and the
//! interpreted `∈`, `|·|`, option and tuple operators). A universally
//! quantified variable `x : S` is *stratified* — left quantified for the SMT
//! solver — when every function application it occurs under has a result
//! sort `R` that is strictly below `S` (`S` is not reachable from `R`, so
//! `P→P` does not count), and not a set, option or tuple sort (set terms
//! must be ground for the Venn regions, option and tuple terms for their
//! theory axioms) unless the symbol is a family with parameterized regions
//! (`regions.rs`), which is transparent. Other variables are instantiated
//! (see `instantiate.rs`).
//!
//! Cycles are not an error here. When the graph is cyclic, reachability is
//! read in the graph without the edges into `P` from other sorts (Skolem
//! functions `Int → P` of `∀v ∃i`, `coord: Int → P`): variables under those
//! symbols are instantiated, which breaks every cycle through `P`, and
//! `x : P` under `x(i) : Int` stays stratified (before, one Skolem
//! `Int → P` made every process variable of the query be instantiated).
//! Instantiation is depth-bounded, so the reduction terminates. Cycles are
//! reported in the statistics.
//!
//! Soundness: this pass only decides *how* a universal is treated; both
//! keeping it and instantiating it preserve satisfiability.

use std::collections::{HashMap, HashSet};

use petgraph::algo::{has_path_connecting, tarjan_scc};
use petgraph::graph::{DiGraph, NodeIndex};

use crate::{Op, Sort, Term, Var};

/// The sort graph of a formula and the order stratification reads from it.
pub struct SortGraph {
    graph: DiGraph<Sort, ()>,
    nodes: HashMap<Sort, NodeIndex>,
    /// Set-valued symbols whose cardinalities and memberships are handled by
    /// parameterized Venn regions (see `regions.rs`): their arguments may
    /// stay quantified, the solver instantiates the region constraints.
    families: HashSet<String>,
    /// The graph the stratification order is read from (cycles through `P` cut).
    order: DiGraph<Sort, ()>,
}

/// The result sort and argument sorts of a function-like node, if it is one.
fn signature(t: &Term) -> Option<(Vec<Sort>, Sort)> {
    match t {
        Term::App(f, _) if !f.args.is_empty() => Some((f.args.clone(), f.ret.clone())),
        Term::Op(
            Op::Member | Op::Card | Op::Get | Op::IsSome | Op::Proj(_) | Op::Some | Op::Tuple,
            args,
        ) => Some((args.iter().map(Term::sort).collect(), t.sort())),
        _ => None,
    }
}

impl SortGraph {
    /// The sort graph of the symbols occurring in `f`, applications of the
    /// `families` (set-valued symbols handled by parameterized Venn regions,
    /// see `regions.rs`) left out: they are transparent for stratification.
    pub fn build(f: &Term, families: &HashSet<String>) -> SortGraph {
        let mut g = SortGraph {
            graph: DiGraph::new(),
            nodes: HashMap::new(),
            families: families.clone(),
            order: DiGraph::new(),
        };
        f.visit(&mut |t| {
            if matches!(t, Term::App(h, _) if g.families.contains(&h.name)) {
                return;
            }
            if let Some((args, ret)) = signature(t) {
                let r = g.node(&ret);
                for a in &args {
                    let a = g.node(a);
                    if !g.graph.contains_edge(a, r) {
                        g.graph.add_edge(a, r, ());
                    }
                }
            }
        });
        // The order used for stratification: if the graph is cyclic, the
        // edges into `P` from other sorts (Skolem functions `Int → P`,
        // `coord: Int → P`) are the ones whose variables get instantiated.
        g.order = g.graph.clone();
        if !g.cycles().is_empty()
            && let Some(p) = g.nodes.get(&Sort::P).copied()
        {
            g.order.retain_edges(|gr, e| {
                let (a, b) = gr.edge_endpoints(e).expect("an edge");
                b != p || a == p
            });
        }
        g
    }

    fn node(&mut self, s: &Sort) -> NodeIndex {
        if let Some(n) = self.nodes.get(s) {
            return *n;
        }
        let n = self.graph.add_node(s.clone());
        self.nodes.insert(s.clone(), n);
        n
    }

    /// The cycles of the graph (components with more than one sort, or a self loop).
    pub fn cycles(&self) -> Vec<Vec<Sort>> {
        let mut out: Vec<Vec<Sort>> = tarjan_scc(&self.graph)
            .into_iter()
            .filter(|scc| scc.len() > 1 || self.graph.contains_edge(scc[0], scc[0]))
            .map(|scc| {
                let mut v: Vec<Sort> = scc.into_iter().map(|n| self.graph[n].clone()).collect();
                v.sort();
                v
            })
            .collect();
        out.sort();
        out
    }

    /// Whether a function producing `ret` may be applied to a quantified
    /// variable of sort `var` without instantiating it.
    pub fn decreasing(&self, var: &Sort, ret: &Sort) -> bool {
        if matches!(ret, Sort::Set(_) | Sort::Opt(_) | Sort::Tuple(_)) {
            return false;
        }
        if var == ret {
            return false;
        }
        // `ret` is below `var` unless `var` is reachable from `ret`.
        match (self.nodes.get(var), self.nodes.get(ret)) {
            (Some(a), Some(b)) => !has_path_connecting(&self.order, *b, *a, None),
            _ => true,
        }
    }

    /// For each of `vs`, whether it is stratified in `body`.
    pub fn stratified(&self, vs: &[Var], body: &Term) -> Vec<bool> {
        let mut ok = vec![true; vs.len()];
        self.walk(body, &mut Vec::new(), vs, &mut ok);
        ok
    }

    fn walk(&self, t: &Term, above: &mut Vec<Sort>, vs: &[Var], ok: &mut [bool]) {
        match t {
            Term::Var(v) => {
                if let Some(k) = vs.iter().position(|w| w == v) {
                    ok[k] &= above.iter().all(|ret| self.decreasing(&v.sort, ret));
                }
            }
            _ => {
                // A family application, and the cardinality of one (its
                // count is a region sum the solver instantiates), are
                // transparent.
                let is_family = |t: &Term| matches!(t, Term::App(f, _) if self.families.contains(&f.name));
                let family = is_family(t)
                    || matches!(t, Term::Op(Op::Card, s) if is_family(&s[0]));
                let pushed = !family && signature(t).map(|(_, ret)| above.push(ret)).is_some();
                for c in t.children() {
                    self.walk(c, above, vs, ok);
                }
                if pushed {
                    above.pop();
                }
            }
        }
    }
}

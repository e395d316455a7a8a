//! The methods a replica needs beyond the IR: `Process::decision` (when an
//! instance ends, with which output) and each round's `Round::expected`
//! (after how many messages it moves on). The verifier does not read them;
//! a replica that interprets the spec ([`crate::interp::replica`]) does.

use psync_logic::{Sort, Term};
use syn::spanned::Spanned;

use crate::ir::Algorithm;

use super::cx::{Cx, Mode, RoundCtx, StateRef, Val};
use super::error::{FeResult, err};
use super::items::{collect, fn_named, param_names};
use super::SpecError;

/// `decision` and `expected` as terms over the executing process
/// ([`crate::ir::names::SELF`]) and its current field values
/// ([`crate::ir::names::cur_var`]), with `r`, `coord`, `n` and the
/// parameters.
#[derive(Clone, Debug)]
pub struct RuntimeFns {
    /// The body of `Process::decision`, of sort `Option<V>`; `None` when the
    /// spec keeps the default (never decides).
    pub decision: Option<Term>,
    /// Per round of the phase, the body of `Round::expected` (an integer),
    /// `None` when the round keeps the default (`n`).
    pub expected: Vec<Option<Term>>,
}

/// Translates `decision` and the rounds' `expected` of the spec file `text`
/// (already accepted by [`super::parse_spec`] as `alg`). A body outside the
/// subset is an error located in the file.
#[allow(clippy::result_large_err)]
pub fn runtime_fns(file: &str, text: &str, alg: &Algorithm) -> Result<RuntimeFns, SpecError> {
    super::on_front_end_stack(|| {
        let ast = syn::parse_file(text).map_err(|e| SpecError::unlocated(file, format!("syntax error: {e}")))?;
        translate(&ast, alg).map_err(|e| e.locate(file, text))
    })
}

fn translate(ast: &syn::File, alg: &Algorithm) -> FeResult<RuntimeFns> {
    let found = collect(ast)?;
    let Some(process) = found.process else {
        return err(proc_macro2::Span::call_site(), "missing `impl Process for …`", "no process");
    };
    let k = alg.phase_len();
    let decision = match fn_named(&process.items, "decision") {
        None => None,
        Some(f) => {
            let mut cx = Cx::new(&alg.fields, &alg.helpers, k, Mode::Update).with_params(&alg.params);
            cx.bind("self", Val::State(StateRef::SelfCur));
            let t = cx.block_with(&f.block, |cx, e| cx.term(e))?;
            if !cx.pending.is_empty() {
                return err(f.block.span(), "`decision` cannot call helpers", "not a plain value");
            }
            if !matches!(t.sort(), Sort::Opt(_)) {
                return err(f.sig.output.span(), "`decision` must return an `Option`", "not an option");
            }
            Some(t)
        }
    };
    let mut expected = Vec::with_capacity(k);
    for (index, rd) in alg.rounds.iter().enumerate() {
        let imp = found.rounds.iter().find(|(name, _)| *name == rd.name).map(|(_, imp)| imp);
        let Some(f) = imp.and_then(|imp| fn_named(&imp.items, "expected")) else {
            expected.push(None);
            continue;
        };
        let ps = param_names(&f.sig);
        if ps.len() != 2 {
            return err(f.sig.span(), "expected `fn expected(p: &S, cx: &Ctx) -> usize`", "unexpected signature");
        }
        let mut cx = Cx::new(&alg.fields, &alg.helpers, k, Mode::Update).with_params(&alg.params);
        cx.round = Some(RoundCtx { index, msg: rd.msg.clone(), sends_to: rd.sends_to.clone(), payload: rd.payload.clone(), altered: rd.altered.clone() });
        cx.bind(&ps[0].0, Val::State(StateRef::SelfCur));
        cx.bind(&ps[1].0, Val::Ctx);
        let t = cx.block_with(&f.block, |cx, e| cx.term_of(e, &Sort::Int))?;
        if !cx.pending.is_empty() {
            return err(f.block.span(), "`expected` cannot query the mailbox or call helpers", "not a plain value");
        }
        expected.push(Some(t));
    }
    Ok(RuntimeFns { decision, expected })
}

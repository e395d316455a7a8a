//! Rationals (`psync::Real`, the logic's `Real` sort) in the spec
//! language: the zoo's approximate agreement reads as linear arithmetic
//! over `Real`, and what leaves the linear fragment or mixes the number
//! sorts is a located error.

use psync_encodings::{Algorithm, parse_spec};
use psync_logic::{Op, Sort, Term};

mod common;
use common::expect_error;

const APPROXIMATE_AGREEMENT: &str = include_str!("../../zoo/approximate_agreement.rs");
const MIDPOINT: &str = "p.x = (*lo + *hi) / 2;";

fn patched(from: &str, to: &str) -> String {
    common::patched(APPROXIMATE_AGREEMENT, from, to)
}

fn load(text: &str) -> Algorithm {
    common::load("approximate_agreement.rs", text)
}

#[test]
fn a_real_field_has_the_real_sort_and_the_midpoint_is_an_exact_division() {
    let alg = load(APPROXIMATE_AGREEMENT);
    let x = alg.fields.iter().find(|f| f.name == "x").expect("the field x");
    assert_eq!(x.sort, Sort::Real);
    let printed = format!("{alg:?}");
    assert!(printed.contains("ToReal"), "the integer input is converted: {printed}");
    // The midpoint divides a Real by the literal 2: `Div` at sort Real.
    let mut real_div = false;
    for vc in psync_encodings::generate_vcs(&alg) {
        vc.formula().visit(&mut |t| {
            if let Term::Op(Op::Div, args) = t {
                real_div |= t.sort() == Sort::Real && args[1] == Term::Int(2);
            }
        });
    }
    assert!(real_div, "no exact halving in the VCs");
}

#[test]
fn a_product_of_two_reals_is_a_located_error() {
    let src = patched(MIDPOINT, "p.x = *lo * *hi;");
    expect_error(&src, "non-linear multiplication", "*lo * *hi", "*lo * *hi");
}

#[test]
fn dividing_a_real_by_a_count_is_a_located_error() {
    let src = patched(MIDPOINT, "p.x = (*lo + *hi) / mbox.len() as i64;");
    expect_error(&src, "divided only by a positive integer literal", "mbox.len() as i64", "mbox.len()");
    let src = patched(MIDPOINT, "p.x = (*lo + *hi) % 2;");
    expect_error(&src, "`%` on a Real", "% 2", "(*lo");
}

#[test]
fn a_real_compared_with_an_integer_is_a_located_error() {
    let src = patched("2 * (w[i].x - w[j].x) <= w.old(a).x - w.old(b).x", "2 * (w[i].x - w[j].x) <= 1");
    expect_error(&src, "type mismatch: a Real and an integer", "<= 1", "2 * (w[i].x");
    let src = patched("Real::from(io.initial)", "io.initial");
    expect_error(&src, "expected a Real, found an integer", "ApproximateAgreement { x: io.initial }", "io.initial");
}

#[test]
fn floating_point_is_refused_with_a_pointer_to_real() {
    let src = patched("pub x: Real,", "pub x: f64,");
    expect_error(&src, "floating point is outside the verifiable subset", "pub x: f64", "f64");
    let e = parse_spec("bad.rs", &src).expect_err("rejected");
    assert!(format!("{:?}", miette::Report::new(e)).contains("psync::Real"));
}

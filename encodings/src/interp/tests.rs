use super::*;

fn bench(file: &str) -> Algorithm {
    let path = format!("{}/../{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("the benchmark exists");
    crate::parse_spec(file, &text).map_err(|e| e.short()).expect("in the subset")
}

fn inputs(values: &[i64]) -> Vec<State> {
    values.iter().map(|&v| [("initial".to_string(), Value::Int(v))].into_iter().collect()).collect()
}

fn full(n: u32) -> Vec<BTreeSet<u32>> {
    vec![(0..n).collect(); n as usize]
}

#[test]
fn otr_decides_the_most_frequent_smallest_value_in_a_good_round() {
    let alg = bench("zoo/otr.rs");
    let s0 = initial(&alg, inputs(&[2, 1, 2, 1]), Default::default()).expect("initial state");
    assert_eq!(s0.cur[0]["x"], Value::Int(2));
    assert_eq!(s0.cur[0]["decided"], Value::Bool(false));
    let st = step(&alg, &s0, &full(4)).expect("a round");
    assert_eq!(st.sends[3][0], Some(Value::Int(1)));
    // 2 and 2 against 1 and 1: the tie goes to the smaller value; 2 of 4
    // messages is not more than 2n/3, so nobody decides.
    assert!(st.post.cur.iter().all(|s| s["x"] == Value::Int(1) && s["decided"] == Value::Bool(false)));
    assert_eq!(st.post.round, 1);
    assert_eq!(check_transition(&alg, &s0, &st), Ok(Vec::new()));
    let st2 = step(&alg, &st.post, &full(4)).expect("a round");
    assert!(st2.post.cur.iter().all(|s| s["decided"] == Value::Bool(true) && s["decision"] == Value::Int(1)));
    assert_eq!(st2.post.old, st.post.cur);
    assert_eq!(check_transition(&alg, &st.post, &st2), Ok(Vec::new()));
}

#[test]
fn a_small_mailbox_changes_nothing_and_a_wrong_post_state_is_rejected() {
    let alg = bench("zoo/otr.rs");
    let s0 = initial(&alg, inputs(&[0, 5, 5]), Default::default()).expect("initial state");
    let ho = vec![[0].into_iter().collect(), BTreeSet::new(), [0, 1, 2].into_iter().collect()];
    let mut st = step(&alg, &s0, &ho).expect("a round");
    assert_eq!(st.post.cur[0], s0.cur[0], "one message of three: no update");
    assert_eq!(st.post.cur[2]["x"], Value::Int(5));
    assert_eq!(st.post.cur[2]["decided"], Value::Bool(false), "two fives of three: not more than 2n/3");
    assert_eq!(st.chosen[2].values().next(), Some(&Value::Int(5)));
    assert_eq!(check_transition(&alg, &s0, &st), Ok(Vec::new()));
    st.post.cur[2].insert("x".into(), Value::Int(0));
    let bad = check_transition(&alg, &s0, &st).expect("evaluates");
    assert!(bad.iter().any(|b| b.contains("update of `x`")), "{bad:?}");
}

#[test]
fn max_by_key_ties_go_to_the_smallest_sender() {
    let alg = bench("zoo/last_voting.rs");
    let s0 = initial(&alg, inputs(&[3, 1, 2]), Default::default()).expect("initial state");
    // Collect: everyone sends (x, ts) to the coordinator, all with ts = -1
    // or equal: the coordinator's candidate is the payload of p0.
    let st = step(&alg, &s0, &full(3)).expect("a round");
    let chosen: Vec<&Value> = st.chosen[0].values().collect();
    assert!(chosen.contains(&&Value::Int(3)), "{chosen:?}");
    assert_eq!(check_transition(&alg, &s0, &st), Ok(Vec::new()));
}

#[test]
fn a_helper_result_is_a_clear_error() {
    let src = r#"
use psync::prelude::*;
pub struct S { pub x: i64 }
impl Process for S {
    type Io = Consensus<i64>;
    fn init(io: &Consensus<i64>, _cx: &Ctx) -> Self { S { x: io.initial } }
    fn phase() -> Phase<Self> { phase![A] }
}
fn pick(a: i64) -> i64 { a }
fn pick_ensures(a: i64, result: i64) -> bool { result >= a }
pub struct A;
impl Round<S> for A {
    type Msg = i64;
    fn send(p: &S, _cx: &Ctx) -> Outbox<i64> { Outbox::broadcast(p.x) }
    fn update(p: &mut S, _mbox: &Mailbox<i64>, _cx: &Ctx) { p.x = pick(p.x); }
}
impl Spec for S {
    fn invariants(w: &World<Self>) -> Vec<bool> { vec![true] }
    fn properties(w: &World<Self>) -> Vec<(&'static str, bool)> { vec![("T", true)] }
}
"#;
    let alg = crate::parse_spec("h.rs", src).map_err(|e| e.short()).expect("in the subset");
    let s0 = initial(&alg, inputs(&[1, 2]), Default::default()).expect("initial state");
    let e = step(&alg, &s0, &full(2)).expect_err("a helper is not interpreted");
    assert_eq!(e.round(), Some("A"));
    assert!(e.to_string().contains("result of pick"), "{e}");
}

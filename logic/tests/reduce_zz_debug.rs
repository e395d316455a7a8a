//! Temporary: dump reduced corpus queries (to be deleted).
use psync_logic::check::{query, reduce};
use psync_logic::parse_query;
use psync_logic::reduce::ReduceConfig;
use psync_logic::smt::smtlib::render;

#[test]
fn dump() {
    for name in ["otr_agreement_first_round", "otr_uniform_round_agreement"] {
        let path = format!("{}/tests/corpus/valid/{name}.cl", env!("CARGO_MANIFEST_DIR"));
        let src = std::fs::read_to_string(&path).unwrap();
        let f = parse_query(&src).unwrap().formula();
        let r = reduce(&f, &ReduceConfig::default()).unwrap();
        let out = render(&query(&r)).unwrap();
        std::fs::write(format!("/tmp/{name}.smt2"), out.script(&[])).unwrap();
    }
}

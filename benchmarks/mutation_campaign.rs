//! Mutation campaign: a soundness cross-check of the whole verifier on
//! every small variant of the benchmark specs.
//!
//! Each mutant changes one token of `zoo/otr.rs` or
//! `zoo/last_voting.rs` (or of the zoo file `--only` names) outside
//! comments and strings: a comparison
//! (`>` ↔ `>=`, `<` ↔ `<=`, `==` ↔ `!=`), a connective (`&&` ↔ `||`), a
//! Boolean literal, or an integer literal (k → k + 1, k → k − 1). The
//! mutation can land in the algorithm (a broken protocol) or in the spec
//! (a weaker or stronger invariant or property). For each mutant:
//!
//! 1. the front end reads it (or rejects it with a located error: counted);
//! 2. only the VCs whose formula the mutation changed are checked (the
//!    others are the original's, proved already);
//! 3. every changed VC the verifier **proves** is handed to the bounded
//!    search (`psync_logic::bounded`: the formula lowered to `n = 1…4`
//!    processes, no CL reduction, no strategy), which must find no
//!    counterexample. One found would be a VC proved for every `n` and
//!    false for a small one: a soundness bug. The campaign reports it and
//!    exits with status 1.
//!
//! Refuted VCs carry a counterexample the pipeline has already confirmed by
//! evaluating the VC on it. A mutant is *killed* when some VC is refuted,
//! *vacuous* when none is but some changed VC's hypotheses are
//! unsatisfiable (a liveness predicate no heard-of sets satisfy: the
//! verifier reports the VC vacuous rather than proved), *survives* when
//! every changed VC is proved (listed: either harmless for the algorithm,
//! or a weakening the spec allows), and is *undecided* otherwise.
//!
//! Each VC is checked as `psync-verify check` checks it, with the default
//! settings (20 s, the bounded search racing the proof), so the time to a
//! killed mutant's counterexample is what a user waits for; the table
//! gives its median and maximum over the killed mutants.
//!
//! Run: `cargo bench --bench mutation` (`-- --timeout S` per VC, default
//! the CLI's; `-- --only otr` for one spec, any file of `zoo/` by its
//! stem). Prints a table.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use psync_encodings::{NO_HINTS, Verdict, check_vc, generate_vcs, parse_spec};
use psync_logic::bounded::{self, BoundedConfig, BoundedResult};
use psync_logic::check::CheckConfig;
use psync_logic::hint::TermKey;
use psync_logic::smt::Z3InProcess;

/// The allocator of the `psync-verify` binary.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// One token replacement.
#[derive(Clone, Debug)]
struct Mutation {
    /// Byte offset of the token.
    at: usize,
    /// The token.
    from: String,
    /// Its replacement.
    to: String,
    /// 1-based line and column, for the report.
    line: usize,
    column: usize,
}

impl Mutation {
    fn apply(&self, text: &str) -> String {
        format!("{}{}{}", &text[..self.at], self.to, &text[self.at + self.from.len()..])
    }
}

/// The operator swaps, longest tokens first so that `>=` is not read as `>`.
const SWAPS: [(&str, &str); 8] =
    [(">=", ">"), ("<=", "<"), ("==", "!="), ("!=", "=="), ("&&", "||"), ("||", "&&"), (">", ">="), ("<", "<=")];

/// Every mutation of `text`, in file order, outside comments, string and
/// character literals.
fn mutations(text: &str) -> Vec<Mutation> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let (mut i, mut line, mut line_start) = (0, 1, 0);
    let mut push = |at: usize, from: &str, to: String, line: usize, line_start: usize| {
        found.push(Mutation { at, from: from.to_string(), to, line, column: at - line_start + 1 });
    };
    while i < bytes.len() {
        let rest = &text[i..];
        let c = bytes[i];
        if c == b'\n' {
            line += 1;
            line_start = i + 1;
            i += 1;
        } else if rest.starts_with("//") {
            i += rest.find('\n').unwrap_or(rest.len());
        } else if c == b'"' {
            // A string literal (the spec files have no raw strings).
            let mut j = i + 1;
            while j < bytes.len() && bytes[j] != b'"' {
                j += if bytes[j] == b'\\' { 2 } else { 1 };
            }
            i = j + 1;
        } else if c == b'\'' && bytes.get(i + 2) == Some(&b'\'') {
            i += 3;
        } else if rest.starts_with("->") || rest.starts_with("=>") {
            i += 2;
        } else if let Some((from, to)) = SWAPS.iter().find(|(from, _)| rest.starts_with(from)) {
            push(i, from, to.to_string(), line, line_start);
            i += from.len();
        } else if c.is_ascii_alphabetic() || c == b'_' {
            let len = rest.find(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '_')).unwrap_or(rest.len());
            match &rest[..len] {
                "true" => push(i, "true", "false".into(), line, line_start),
                "false" => push(i, "false", "true".into(), line, line_start),
                _ => {}
            }
            i += len;
        } else if c.is_ascii_digit() {
            let len = rest.find(|ch: char| !ch.is_ascii_digit()).unwrap_or(rest.len());
            // A literal with a suffix (`0u32`) is left alone.
            let suffixed = rest[len..].starts_with(|ch: char| ch.is_ascii_alphabetic() || ch == '_');
            if let (false, Ok(k)) = (suffixed, rest[..len].parse::<i64>()) {
                push(i, &rest[..len], (k + 1).to_string(), line, line_start);
                if k > 0 {
                    push(i, &rest[..len], (k - 1).to_string(), line, line_start);
                }
            }
            i += len;
        } else {
            i += 1;
        }
    }
    found
}

/// What happened to one mutant.
#[derive(Default)]
struct Tally {
    rejected: usize,
    equivalent: usize,
    /// Per killed mutant, the time of its fastest refuted VC.
    killed: Vec<Duration>,
    survived: Vec<String>,
    vacuous: Vec<String>,
    undecided: Vec<String>,
    vcs_checked: usize,
    vcs_proved: usize,
    cross_checked_exhaustively: usize,
    cross_check_inconclusive: usize,
    unsound: Vec<String>,
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str| args.iter().position(|a| a == name).and_then(|k| args.get(k + 1)).cloned();
    let timeout = arg("--timeout").and_then(|s| s.parse().ok()).map(Duration::from_secs_f64).unwrap_or(CheckConfig::default().timeout);
    let only = arg("--only");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("zoo");
    let backend = Z3InProcess::new();
    let cfg = CheckConfig { timeout, ..CheckConfig::default() };
    let bounded_cfg = BoundedConfig { max_n: 4, exact_max_n: 4, timeout_per_n: Duration::from_secs(5), budget: Duration::from_secs(15) };
    let mut any_unsound = false;
    println!(
        "| spec | mutants | rejected by the front end | no VC changed | killed (a VC refuted) | survived (changed VCs all proved) | vacuous (a changed VC's hypotheses unsatisfiable) | undecided | time to a counterexample, median / max | changed VCs checked | proved | of which: bounded search exhaustive to n = 4 / inconclusive / **counterexample** | time |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    let mut details = Vec::new();
    let specs: Vec<String> = match only {
        Some(spec) => vec![spec],
        None => vec!["otr".into(), "last_voting".into()],
    };
    for spec in &specs {
        let start = Instant::now();
        let file = format!("zoo/{spec}.rs");
        let text = std::fs::read_to_string(root.join(format!("{spec}.rs"))).expect("the benchmark");
        let original = parse_spec(&file, &text).expect("the benchmark parses");
        let original_vcs: BTreeMap<String, TermKey> =
            generate_vcs(&original).iter().map(|vc| (vc.id.clone(), TermKey::of(&vc.formula()))).collect();
        let mut tally = Tally::default();
        let all = mutations(&text);
        for (k, m) in all.iter().enumerate() {
            let name = format!("{file}:{}:{} `{}` → `{}`", m.line, m.column, m.from, m.to);
            let Ok(alg) = parse_spec(&file, &m.apply(&text)) else {
                tally.rejected += 1;
                continue;
            };
            let t = Instant::now();
            let vcs = generate_vcs(&alg);
            let changed: Vec<_> =
                vcs.iter().filter(|vc| original_vcs.get(&vc.id) != Some(&TermKey::of(&vc.formula()))).collect();
            if changed.is_empty() {
                tally.equivalent += 1;
                continue;
            }
            let (mut refuted, mut vacuous, mut open) = (None::<Duration>, false, false);
            for vc in changed {
                tally.vcs_checked += 1;
                let outcome = match check_vc(&alg, vc, &cfg, &backend, &NO_HINTS) {
                    Ok(o) => o,
                    Err(e) => {
                        open = true;
                        eprintln!("{name}: {}: error: {e}", vc.id);
                        continue;
                    }
                };
                match outcome.verdict {
                    Verdict::Refuted(_) => refuted = Some(refuted.map_or(outcome.time, |t| t.min(outcome.time))),
                    Verdict::Vacuous(_) => vacuous = true,
                    Verdict::Unknown(_) | Verdict::Timeout => open = true,
                    Verdict::Proved => {
                        tally.vcs_proved += 1;
                        match bounded::search(&vc.formula(), &bounded_cfg, &backend) {
                            Ok(BoundedResult::Found(model)) => {
                                let finding = format!("{name}: {} proved, but the bounded search has a counterexample with n = {}", vc.id, model.n);
                                eprintln!("UNSOUND: {finding}");
                                tally.unsound.push(finding);
                            }
                            Ok(BoundedResult::NotFound { tried_up_to, no_model_up_to, .. })
                                if tried_up_to == bounded_cfg.max_n && no_model_up_to == tried_up_to =>
                            {
                                tally.cross_checked_exhaustively += 1
                            }
                            Ok(_) | Err(_) => tally.cross_check_inconclusive += 1,
                        }
                    }
                }
            }
            let fate = if let Some(t) = refuted {
                tally.killed.push(t);
                "killed"
            } else if vacuous {
                tally.vacuous.push(name.clone());
                "vacuous"
            } else if open {
                tally.undecided.push(name.clone());
                "undecided"
            } else {
                tally.survived.push(name.clone());
                "survived"
            };
            eprintln!("[{}/{}] {name}: {fate} ({:.1} s)", k + 1, all.len(), t.elapsed().as_secs_f64());
        }
        any_unsound |= !tally.unsound.is_empty();
        println!(
            "| {file} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} / {} / **{}** | {:.0} s |",
            all.len(),
            tally.rejected,
            tally.equivalent,
            tally.killed.len(),
            tally.survived.len(),
            tally.vacuous.len(),
            tally.undecided.len(),
            median_and_max(&mut tally.killed),
            tally.vcs_checked,
            tally.vcs_proved,
            tally.cross_checked_exhaustively,
            tally.cross_check_inconclusive,
            tally.unsound.len(),
            start.elapsed().as_secs_f64()
        );
        details.extend(tally.survived.iter().map(|s| format!("survived: {s}")));
        details.extend(tally.vacuous.iter().map(|s| format!("vacuous: {s}")));
        details.extend(tally.undecided.iter().map(|s| format!("undecided: {s}")));
        details.extend(tally.unsound.iter().map(|s| format!("UNSOUND: {s}")));
    }
    println!();
    for d in &details {
        println!("- {d}");
    }
    if any_unsound {
        std::process::exit(1);
    }
}

/// `median / max` of `times` in seconds, or `–` when there are none.
fn median_and_max(times: &mut [Duration]) -> String {
    times.sort();
    match times.last() {
        Some(max) => format!("{:.1} s / {:.1} s", times[times.len() / 2].as_secs_f64(), max.as_secs_f64()),
        None => "–".into(),
    }
}

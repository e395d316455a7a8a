//! The JUnit XML format: one test suite per spec file, one test case per VC.

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::outcome::{VcOutcome, Verdict};

/// Escape text for an XML attribute or element.
fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // XML 1.0 forbids most control characters even when escaped.
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\r' | '\t') => out.push('?'),
            c => out.push(c),
        }
    }
    out
}

fn seconds(o: &VcOutcome, timing: bool) -> f64 {
    if timing { o.time.as_secs_f64() } else { 0.0 }
}

/// The report as a JUnit XML document: refuted and vacuous VCs are
/// failures (an allowed vacuity passes), unknown and timed-out VCs are
/// errors, so CI tools show them apart.
pub fn render_junit(outcomes: &[VcOutcome], timing: bool) -> String {
    let mut by_file: BTreeMap<&str, Vec<&VcOutcome>> = BTreeMap::new();
    for o in outcomes {
        by_file.entry(o.file.as_str()).or_default().push(o);
    }
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"psync-verify\">\n");
    for (file, vcs) in by_file {
        let failures = vcs.iter().filter(|o| o.verdict == Verdict::Refuted || o.is_forbidden_vacuity()).count();
        let errors = vcs.iter().filter(|o| matches!(o.verdict, Verdict::Unknown | Verdict::Timeout)).count();
        let time: f64 = vcs.iter().map(|o| seconds(o, timing)).sum();
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" errors=\"{errors}\" time=\"{time:.3}\">",
            xml_escape(file),
            vcs.len()
        );
        for o in vcs {
            let class = o.id.split('/').next().unwrap_or("");
            let _ = write!(
                out,
                "    <testcase name=\"{}\" classname=\"{}\" time=\"{:.3}\"",
                xml_escape(&o.id),
                xml_escape(class),
                seconds(o, timing)
            );
            match o.verdict {
                Verdict::Proved => out.push_str("/>\n"),
                Verdict::Vacuous if !o.is_forbidden_vacuity() => out.push_str("/>\n"),
                Verdict::Vacuous => {
                    let why = o.vacuity.as_ref().map_or(String::new(), |v| format!("its hypotheses are unsatisfiable: {}", v.assumption));
                    let _ = writeln!(
                        out,
                        ">\n      <failure message=\"{}\" type=\"vacuous\"/>\n    </testcase>",
                        xml_escape(&why)
                    );
                }
                Verdict::Refuted => {
                    let body = o.counterexample_text.as_deref().unwrap_or("");
                    let _ = writeln!(
                        out,
                        ">\n      <failure message=\"refuted\" type=\"refuted\">{}</failure>\n    </testcase>",
                        xml_escape(body)
                    );
                }
                Verdict::Unknown | Verdict::Timeout => {
                    let reason = o.reason.as_deref().unwrap_or("");
                    let _ = writeln!(
                        out,
                        ">\n      <error message=\"{}\" type=\"{}\"/>\n    </testcase>",
                        xml_escape(reason),
                        o.verdict.as_str()
                    );
                }
            }
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::xml_escape;

    #[test]
    fn escapes_markup_and_control_characters() {
        assert_eq!(xml_escape("a<b & \"c\"\u{1}"), "a&lt;b &amp; &quot;c&quot;?");
    }
}

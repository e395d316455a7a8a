//! The JUnit XML format: one test suite per spec file, one test case per VC
//! (or, for a file that did not load, one test case with its error).

use std::fmt::Write;

use miette::Diagnostic;
use psync_encodings::{SpecError, VerdictKind};

use super::{location, one_line};
use crate::outcome::{RunOutcome, VcOutcome};

/// Escape text for an XML attribute or element.
pub(crate) fn xml_escape(s: &str) -> String {
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

/// The suite of a spec file that did not load: one test case, named after
/// the file, with an `<error>` of type `input-error` whose message is the
/// located one-line message and whose text adds the snippet and the help.
fn render_input_error(out: &mut String, e: &SpecError) {
    let mut text = one_line(e);
    if location(e).is_some() && !e.snippet.is_empty() {
        let _ = write!(text, "\n\n{}", e.snippet);
    }
    if let Some(help) = e.help() {
        let _ = write!(text, "\n\nhelp: {help}");
    }
    let _ = writeln!(
        out,
        "  <testsuite name=\"{file}\" tests=\"1\" failures=\"0\" errors=\"1\" time=\"0.000\">\n    \
         <testcase name=\"{file}\" classname=\"input\" time=\"0.000\">\n      \
         <error message=\"{}\" type=\"input-error\">{}</error>\n    </testcase>\n  </testsuite>",
        xml_escape(&one_line(e)),
        xml_escape(&text),
        file = xml_escape(&e.file),
    );
}

/// The report as a JUnit XML document, one suite per spec file in
/// command-line order: refuted and vacuous VCs are failures (an allowed
/// vacuity passes), unknown and timed-out VCs
/// are errors, so CI tools show them apart; a file that did not load is a
/// suite with one errored test case.
pub fn render_junit(run: &RunOutcome, timing: bool) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"psync-verify\">\n");
    for f in &run.files {
        if let Some(e) = &f.error {
            render_input_error(&mut out, e);
            continue;
        }
        let vcs = &f.vcs;
        let failures = vcs.iter().filter(|o| o.verdict == VerdictKind::Refuted || o.is_forbidden_vacuity()).count();
        let errors = vcs.iter().filter(|o| matches!(o.verdict, VerdictKind::Unknown | VerdictKind::Timeout)).count();
        let time: f64 = vcs.iter().map(|o| seconds(o, timing)).sum();
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" errors=\"{errors}\" time=\"{time:.3}\">",
            xml_escape(&f.file),
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
                VerdictKind::Proved => out.push_str("/>\n"),
                VerdictKind::Vacuous if !o.is_forbidden_vacuity() => out.push_str("/>\n"),
                VerdictKind::Vacuous => {
                    let why = o.vacuity.as_ref().map_or(String::new(), |v| format!("its hypotheses are unsatisfiable: {}", v.assumption));
                    let _ = writeln!(
                        out,
                        ">\n      <failure message=\"{}\" type=\"vacuous\"/>\n    </testcase>",
                        xml_escape(&why)
                    );
                }
                VerdictKind::Refuted => {
                    let body = o.counterexample_text.as_deref().unwrap_or("");
                    let _ = writeln!(
                        out,
                        ">\n      <failure message=\"refuted\" type=\"refuted\">{}</failure>\n    </testcase>",
                        xml_escape(body)
                    );
                }
                VerdictKind::Unknown | VerdictKind::Timeout => {
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

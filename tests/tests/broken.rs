//! Every file in tests/broken/ is named after the diagnostic code it must
//! produce (`E012-trapped-caller.ivr`). Each gets a snapshot of its source and
//! the rendered diagnostics side by side, and every documented code has a file.

use std::collections::BTreeSet;

use ivr_compiler::Code;
use ivr_tests::{compile_file, flow_files, render, root};

#[test]
fn each_broken_flow_produces_its_code() {
    let dir = root().join("tests/broken");
    for path in flow_files(&dir) {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let code = &name[..4];
        let (text, compiled) = compile_file(&path);
        let rendered = render(&name, &text, &compiled);
        assert!(
            compiled.diagnostics.iter().any(|d| d.code.as_str() == code),
            "{name} should produce {code}, got:\n{rendered}"
        );
        insta::with_settings!({ snapshot_suffix => name.clone(), omit_expression => true, prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!("broken", format!("----- SOURCE\n{}\n----- DIAGNOSTICS\n{rendered}", text.trim_end()));
        });
    }
}

#[test]
fn every_code_has_a_broken_flow_and_a_doc_entry() {
    let dir = root().join("tests/broken");
    let have: BTreeSet<String> = flow_files(&dir)
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy()[..4].to_string())
        .collect();
    let docs = std::fs::read_to_string(root().join("docs/diagnostics.md")).unwrap_or_default();
    let mut missing = Vec::new();
    for code in Code::ALL {
        let expected = format!("{}-{}", code.as_str(), code.slug());
        if !have.contains(code.as_str()) {
            missing.push(format!("tests/broken/{expected}.ivr"));
        }
        if !docs.contains(&format!("## {}", code.as_str())) {
            missing.push(format!(
                "docs/diagnostics.md section `## {} {}`",
                code.as_str(),
                code.slug()
            ));
        }
    }
    assert!(missing.is_empty(), "missing:\n{}", missing.join("\n"));
}

/// docs/diagnostics.md cannot drift from `Code::ALL`: one section per code,
/// titled `## E012 trapped-caller` exactly, none for a code
/// that does not exist; the letter says the severity; each section shows the
/// mistake in an example, and sections of codes from E029 on show the fix too.
#[test]
fn the_diagnostics_doc_matches_the_codes() {
    let docs = std::fs::read_to_string(root().join("docs/diagnostics.md")).expect("docs");
    let mut sections: Vec<(String, String)> = Vec::new();
    for line in docs.lines() {
        if let Some(title) = line.strip_prefix("## ") {
            sections.push((title.to_string(), String::new()));
        } else if let Some((_, body)) = sections.last_mut() {
            body.push_str(line);
            body.push('\n');
        }
    }
    let mut problems = Vec::new();
    let titles: Vec<&str> = sections.iter().map(|(t, _)| t.as_str()).collect();
    for code in Code::ALL {
        let title = format!("{} {}", code.as_str(), code.slug());
        let letter = if code.severity() == ivr_compiler::Severity::Error {
            'E'
        } else {
            'W'
        };
        if !code.as_str().starts_with(letter) {
            problems.push(format!(
                "{} is a {:?}: its letter says otherwise",
                code.as_str(),
                code.severity()
            ));
        }
        match sections.iter().find(|(t, _)| *t == title) {
            None => problems.push(format!("no section `## {title}`")),
            Some((_, body)) => {
                // Fenced blocks: an opening and a closing fence each.
                let examples = body.lines().filter(|l| l.starts_with("```")).count() / 2;
                let number: u32 = code.as_str()[1..].parse().expect("numbered");
                let wanted = if number >= 29 { 2 } else { 1 };
                if examples < wanted {
                    problems.push(format!(
                        "`## {title}` has {examples} example(s), wants {wanted} (the mistake{})",
                        if wanted == 2 { " and the fix" } else { "" }
                    ));
                }
            }
        }
    }
    for title in &titles {
        let known = Code::ALL
            .iter()
            .any(|c| *title == format!("{} {}", c.as_str(), c.slug()));
        if !known {
            problems.push(format!(
                "section `## {title}` names no code (stale or misspelt)"
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "docs/diagnostics.md:\n{}",
        problems.join("\n")
    );
}

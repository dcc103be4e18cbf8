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

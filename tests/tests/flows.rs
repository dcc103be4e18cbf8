//! Every flow in flows/ and examples/ checks clean, and the graph of each is
//! snapshotted so a reviewer sees what a change to the compiler does to it.

use ivr_tests::{compile_file, flow_files, render, root};

#[test]
fn every_flow_and_example_checks_clean() {
    let mut checked = 0;
    for dir in ["flows", "examples"] {
        for path in flow_files(&root().join(dir)) {
            let (text, compiled) = compile_file(&path);
            let name = path.display().to_string();
            assert!(
                compiled.diagnostics.is_empty(),
                "{name}:\n{}",
                render(&name, &text, &compiled)
            );
            assert!(compiled.graph.is_some(), "{name} produced no graph");
            checked += 1;
        }
    }
    assert!(
        checked >= 5,
        "expected the flows and examples, found {checked}"
    );
}

#[test]
fn graphs_of_flows() {
    for path in flow_files(&root().join("flows")) {
        let (_, compiled) = compile_file(&path);
        let Some(graph) = compiled.graph else {
            continue;
        };
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        insta::with_settings!({ snapshot_suffix => stem, omit_expression => true, prepend_module_to_snapshot => false }, {
            insta::assert_json_snapshot!("graph", graph);
        });
    }
}

#[test]
fn flows_readme_shows_every_flow_as_it_is() {
    let dir = root().join("flows");
    let compiled: Vec<(String, ivr_compiler::Graph)> = flow_files(&dir)
        .iter()
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                compile_file(p).1.graph.expect("flows check clean"),
            )
        })
        .collect();
    let entries: Vec<(String, &ivr_compiler::Graph)> =
        compiled.iter().map(|(f, g)| (f.clone(), g)).collect();
    let expected = ivr_compiler::graph::draw::markdown(&entries);
    let actual = std::fs::read_to_string(dir.join("README.md")).unwrap_or_default();
    assert!(
        actual == expected,
        "flows/README.md is stale: run `cargo run -p ivr-runtime -- graph flows --format markdown > flows/README.md`"
    );
}

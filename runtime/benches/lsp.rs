//! How long `ivr lsp` takes from an edit to the diagnostics it publishes, on
//! a 500-node flow: apply the edit, compile, convert every diagnostic to LSP
//! positions (the wait for the author to pause, 150 ms, comes on top).
//!
//! `cargo bench -p ivr-runtime --bench lsp -- --warm-up-time 1 --measurement-time 3`
//!
//! Target: under 20 ms. Measured on 2 shared cores: 23.5 ms with other builds
//! running; 5.2–5.4 ms on a nearly quiet machine (bench/README.md).

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use ivr_runtime::lsp::diagnostics::publish;
use ivr_runtime::lsp::docs::Doc;
use lsp_types::{Position, Range, TextDocumentContentChangeEvent};

/// Menus and says in a chain, `pairs` of each, and a goodbye.
fn flow(pairs: usize) -> String {
    let mut f = String::from(
        "flow big {\n  language \"en-IN\"\n  targets twilio\n  max_prompts 600\n  start m0\n",
    );
    for i in 0..pairs {
        let next = if i + 1 == pairs {
            "bye".to_string()
        } else {
            format!("m{}", i + 1)
        };
        f.push_str(&format!(
            "\n  menu m{i} {{\n    prompt \"Press 1 to go on, 2 to hear where you are.\"\n    \"1\" -> {next}\n    \"2\" -> s{i}\n    exhausted -> bye\n  }}\n\n  say s{i} {{\n    text \"You are at step {i}, calling from {{call.from}}.\"\n    next -> {next}\n  }}\n"
        ));
    }
    f.push_str("\n  hangup bye {\n    text \"Goodbye.\"\n  }\n}\n");
    f
}

fn bench(c: &mut Criterion) {
    let text = flow(250);
    let uri = "file:///bench/big.ivr".parse().unwrap();
    let mut doc = Doc::new(uri, "ivr", text, 1);
    // The author retypes a letter inside a prompt in the middle of the flow:
    // the flow stays whole, so every analysis runs.
    let line = doc
        .text
        .lines()
        .position(|l| l.contains("You are at step 125,"))
        .unwrap() as u32;
    let mut version = 1;
    let link = Some("https://example.test/diagnostics.md".to_string());
    let clean = publish(&doc, &link);
    assert!(clean.diagnostics.is_empty(), "{:#?}", clean.diagnostics);
    c.bench_function("lsp diagnostics after a change, 500 nodes", |b| {
        b.iter(|| {
            version += 1;
            let letter = if version % 2 == 0 { "y" } else { "Y" };
            // `    text "Y…`: the Y is the 11th character.
            let change = TextDocumentContentChangeEvent {
                range: Some(Range::new(Position::new(line, 10), Position::new(line, 11))),
                range_length: None,
                text: letter.to_string(),
            };
            doc.change(version, vec![change]);
            black_box(publish(&doc, &link))
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);

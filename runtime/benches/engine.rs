//! How long one engine turn takes: the work behind every provider webhook,
//! apart from the store and the renderer.
//!
//! `cargo bench -p ivr-runtime --bench engine -- --warm-up-time 1 --measurement-time 3`
//!
//! Target: a menu key press well under 50 µs; a turn that walks 900 nodes
//! (near the runaway guard) under 1 ms. Measured 2026-11-21 on 2 shared cores:
//! start 0.36 µs, key press 0.34 µs, reprompt 0.44 µs, 900 nodes 85 µs.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use ivr_compiler::{Graph, Syntax, compile};
use ivr_runtime::engine::{Caller, Direction, Event, start, step};

fn caller() -> Caller {
    Caller {
        from: "+919812345678".into(),
        to: "+918045671200".into(),
        direction: Direction::Inbound,
        answered_by: None,
    }
}

fn graph(text: &str) -> Graph {
    let out = compile(text, Syntax::Ivr);
    out.graph
        .unwrap_or_else(|| panic!("bench flow does not compile: {:#?}", out.diagnostics))
}

/// A counter bumped `sets` times in a row, then a menu: one long turn.
fn long_turn(sets: usize) -> String {
    let mut f = String::from(
        "flow long {\n  language \"en-IN\"\n  targets twilio\n  var n: number = 0\n  start s0\n",
    );
    for i in 0..sets {
        let next = if i + 1 == sets {
            "ask".to_string()
        } else {
            format!("s{}", i + 1)
        };
        f.push_str(&format!(
            "  set s{i} {{\n    n = n + 1\n    next -> {next}\n  }}\n"
        ));
    }
    f.push_str(
        "  menu ask {\n    prompt \"You are caller {n}. Press 1.\"\n    \"1\" -> bye\n    exhausted -> bye\n  }\n\
         \x20 hangup bye {\n    text \"Bye.\"\n  }\n}\n",
    );
    f
}

fn bench(c: &mut Criterion) {
    let main_line = graph(include_str!("../../flows/main_line.ivr"));
    let at_menu = start(&main_line, "CA1".into(), caller(), 0).state;
    c.bench_function("start main_line", |b| {
        b.iter(|| start(black_box(&main_line), "CA1".into(), caller(), 0))
    });
    c.bench_function("step menu key -> transfer", |b| {
        b.iter(|| {
            step(
                &main_line,
                black_box(at_menu.clone()),
                Event::Digits {
                    digits: "1".into(),
                    at: 1,
                },
            )
        })
    });
    c.bench_function("step wrong key -> reprompt", |b| {
        b.iter(|| {
            step(
                &main_line,
                black_box(at_menu.clone()),
                Event::Digits {
                    digits: "7".into(),
                    at: 1,
                },
            )
        })
    });
    let long = graph(&long_turn(900));
    c.bench_function("start through 900 set nodes", |b| {
        b.iter(|| start(black_box(&long), "CA1".into(), caller(), 0))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);

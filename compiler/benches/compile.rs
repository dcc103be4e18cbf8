//! How long `ivr_compiler::compile` (parse + check + lower) takes on big
//! flows, next to a baseline in the same run: deserialising the resulting
//! graph from JSON, the least work anything could do to get that graph.
//!
//! `cargo bench -p ivr-compiler --bench compile -- --warm-up-time 1 --measurement-time 3`
//!
//! Target: 10,000 nodes in ≤ 50 ms, and time growing linearly with nodes.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use ivr_compiler::{Graph, Syntax, compile};

#[path = "support/flow.rs"]
mod support;
use support::flow;

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("compile");
    group.sample_size(10);
    for nodes in [1_000, 10_000, 100_000] {
        let text = flow(nodes);
        let compiled = compile(&text, Syntax::Ivr);
        let graph = compiled.graph.unwrap_or_else(|| {
            panic!(
                "the generated flow must compile; first problems: {:#?}",
                &compiled.diagnostics[..compiled.diagnostics.len().min(3)]
            )
        });
        let json = serde_json::to_string(&graph).unwrap();
        group.throughput(Throughput::Elements(graph.nodes.len() as u64));
        group.bench_with_input(BenchmarkId::new("ivr", nodes), &text, |b, text| {
            b.iter(|| compile(black_box(text), Syntax::Ivr))
        });
        group.bench_with_input(
            BenchmarkId::new("json-baseline", nodes),
            &json,
            |b, json| b.iter(|| serde_json::from_str::<Graph>(black_box(json)).unwrap()),
        );
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

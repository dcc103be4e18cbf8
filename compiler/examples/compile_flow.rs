//! One-shot figures for the compiler on the benchmark's generated flow, for
//! profiling (`perf record`, `valgrind --tool=callgrind`) and for memory,
//! which criterion does not measure:
//!
//! `cargo run --release -p ivr-compiler --example compile_flow -- [NODES=10000] [ROUNDS=5] [--write PATH]`
//!
//! Prints the source size, the median time of `ROUNDS` compiles next to the
//! baseline of the benchmark (deserialising the same graph from JSON), and
//! the peak memory (RSS) the first compile added to the process beyond the
//! source text. `--write PATH`
//! also writes the flow to PATH, for `ivr check` under `/usr/bin/time -v`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use ivr_compiler::{Graph, Syntax, compile};

#[path = "../benches/support/flow.rs"]
mod support;

/// A `kB` line of `/proc/self/status`, in bytes.
fn status(field: &str) -> usize {
    let status = std::fs::read_to_string("/proc/self/status").expect("Linux /proc");
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<usize>().ok())
        .expect("a kB field")
        * 1024
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort_unstable();
    times[times.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let write = args
        .iter()
        .position(|a| a == "--write")
        .map(|i| args[i + 1].clone());
    let mut numbers = args.iter().filter_map(|a| a.parse::<usize>().ok());
    let nodes = numbers.next().unwrap_or(10_000);
    let rounds = numbers.next().unwrap_or(5).max(1);

    let text = support::flow(nodes);
    if let Some(path) = &write {
        std::fs::write(path, &text).expect("write the flow");
    }

    // Writing 5 to clear_refs resets the peak RSS to the current one, so the
    // peak is what the compile added on top of the source text.
    std::fs::write("/proc/self/clear_refs", "5").expect("reset the peak RSS");
    let before = status("VmRSS");
    let compiled = compile(&text, Syntax::Ivr);
    let peak = status("VmHWM") - before;
    let graph = compiled.graph.expect("the generated flow compiles");
    let json = serde_json::to_string(&graph).expect("graph to JSON");
    drop(graph);

    let mut ours = Vec::new();
    let mut baseline = Vec::new();
    for _ in 0..rounds {
        let t = Instant::now();
        black_box(compile(black_box(&text), Syntax::Ivr));
        ours.push(t.elapsed());
        let t = Instant::now();
        black_box(serde_json::from_str::<Graph>(black_box(&json)).expect("graph from JSON"));
        baseline.push(t.elapsed());
    }
    let (ours, baseline) = (median(ours), median(baseline));
    let mb = |n: usize| n as f64 / 1e6;
    println!(
        "{nodes} nodes, {:.2} MB of source: compile {:.1} ms, JSON baseline {:.1} ms ({:.2}x), \
         peak RSS +{:.1} MB ({:.1}x the source), median of {rounds}",
        mb(text.len()),
        ours.as_secs_f64() * 1e3,
        baseline.as_secs_f64() * 1e3,
        ours.as_secs_f64() / baseline.as_secs_f64(),
        mb(peak),
        peak as f64 / text.len() as f64,
    );
}

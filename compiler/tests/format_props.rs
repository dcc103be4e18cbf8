//! `ivr fmt` keeps meaning and is idempotent, over generated flows written in
//! messy layouts (odd spacing, tabs, blank lines, comments everywhere).

use ivr_compiler::{Syntax, compile, format::format};
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Kind {
    Say(String),
    Menu(Vec<char>),
    Set(i64),
    Branch(i64),
    Gather(u8),
}

/// Layout noise before and around an item.
#[derive(Debug, Clone)]
struct Noise {
    pad: usize,
    tab: bool,
    blank: bool,
    comment: Option<String>,
}

fn noise() -> impl Strategy<Value = Noise> {
    (
        0usize..5,
        any::<bool>(),
        any::<bool>(),
        proptest::option::of("[a-z ]{0,12}"),
    )
        .prop_map(|(pad, tab, blank, comment)| Noise {
            pad,
            tab,
            blank,
            comment,
        })
}

fn kind() -> impl Strategy<Value = Kind> {
    prop_oneof![
        "[A-Za-z0-9 ,.!?{}\"]{0,30}".prop_map(|t| Kind::Say(
            t.replace('"', "\\\"")
                .replace('{', "\\{")
                .replace('}', "\\}")
        )),
        // No `#`: the flows target Exotel, whose Gather ends input on it (E039).
        proptest::collection::btree_set(
            prop_oneof![Just('1'), Just('2'), Just('3'), Just('*'), Just('0')],
            1..4
        )
        .prop_map(|k| Kind::Menu(k.into_iter().collect())),
        (-50i64..50).prop_map(Kind::Set),
        (-50i64..50).prop_map(Kind::Branch),
        (1u8..8).prop_map(Kind::Gather),
    ]
}

fn line(out: &mut String, n: &Noise, depth: usize, text: &str) {
    if n.blank {
        out.push('\n');
    }
    if let Some(c) = &n.comment {
        out.push_str(&format!("{}# {c}\n", "  ".repeat(depth)));
    }
    let indent = if n.tab {
        "\t".repeat(depth)
    } else {
        " ".repeat(depth * 2 + n.pad)
    };
    out.push_str(&format!("{indent}{text}{}\n", " ".repeat(n.pad)));
}

/// A flow: nodes 0..n, each exit pointing at a later node or the final hangup.
fn flow() -> impl Strategy<Value = String> {
    (
        proptest::collection::vec(
            (kind(), noise(), proptest::collection::vec(0usize..64, 4)),
            1..12,
        ),
        noise(),
    )
        .prop_map(|(nodes, top)| {
            let n = nodes.len();
            let target = |from: usize, pick: usize| -> String {
                let later = n - from;
                let t = from + 1 + pick % later;
                if t == n {
                    "bye".into()
                } else {
                    format!("n{t}")
                }
            };
            let mut out = String::new();
            line(&mut out, &top, 0, "flow   generated {");
            line(&mut out, &top, 1, "language \"en-IN\"");
            line(&mut out, &top, 1, "targets   twilio,exotel");
            line(&mut out, &top, 1, "var x: number = 0");
            line(&mut out, &top, 1, "var d: digits = \"0\"");
            line(&mut out, &top, 1, "start n0");
            for (i, (kind, noise, picks)) in nodes.iter().enumerate() {
                let t = |k: usize| target(i, picks[k]);
                match kind {
                    Kind::Say(text) => {
                        line(&mut out, noise, 1, &format!("say n{i} {{"));
                        line(&mut out, noise, 2, &format!("text \"{text}\""));
                        line(&mut out, noise, 2, &format!("next   ->   {}", t(0)));
                    }
                    Kind::Menu(keys) => {
                        line(&mut out, noise, 1, &format!("menu n{i}{{"));
                        line(&mut out, noise, 2, "prompt \"Choose.\"");
                        line(&mut out, noise, 2, "timeout 5000ms");
                        for (k, key) in keys.iter().enumerate() {
                            line(&mut out, noise, 2, &format!("\"{key}\" -> {}", t(k % 4)));
                        }
                        line(&mut out, noise, 2, &format!("exhausted -> {}", t(3)));
                    }
                    Kind::Set(v) => {
                        line(&mut out, noise, 1, &format!("set n{i} {{"));
                        line(&mut out, noise, 2, &format!("x = x + ({v})"));
                        line(&mut out, noise, 2, &format!("next -> {}", t(0)));
                    }
                    Kind::Branch(v) => {
                        line(&mut out, noise, 1, &format!("branch n{i} {{"));
                        line(
                            &mut out,
                            noise,
                            2,
                            &format!("when (x > {v} and not (x == 3)) or d == \"1\" -> {}", t(0)),
                        );
                        line(&mut out, noise, 2, &format!("else -> {}", t(1)));
                    }
                    Kind::Gather(digits) => {
                        line(&mut out, noise, 1, &format!("gather n{i} {{"));
                        line(&mut out, noise, 2, "prompt { en-IN \"Key it in.\" }");
                        line(&mut out, noise, 2, &format!("digits {digits}"));
                        line(&mut out, noise, 2, "into d");
                        line(&mut out, noise, 2, &format!("done -> {}", t(0)));
                        line(&mut out, noise, 2, &format!("exhausted -> {}", t(1)));
                    }
                }
                line(&mut out, noise, 1, "}");
            }
            line(&mut out, &top, 1, "hangup bye { text \"Bye.\" }");
            line(&mut out, &top, 0, "}");
            out
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn fmt_keeps_the_graph_and_is_idempotent(source in flow()) {
        let before = compile(&source, Syntax::Ivr);
        prop_assert!(before.graph.is_some(), "generated flows are valid: {:?}", before.diagnostics);
        let once = format(&source).expect("generated flows parse");
        let twice = format(&once).expect("formatted flows parse");
        prop_assert_eq!(&twice, &once, "fmt is not idempotent");
        let after = compile(&once, Syntax::Ivr);
        prop_assert_eq!(&before.graph, &after.graph, "fmt changed the meaning of:\n{}\n---\n{}", source, once);
        let codes = |c: &ivr_compiler::Compiled| c.diagnostics.iter().map(|d| d.code).collect::<Vec<_>>();
        prop_assert_eq!(codes(&before), codes(&after));
        for comment in source.lines().filter_map(|l| l.trim().strip_prefix('#')) {
            prop_assert!(once.contains(comment.trim_end()), "lost comment {:?}", comment);
        }
    }
}

//! Graphviz dot. Each node carries `id="node-NAME"`, so the SVG Graphviz
//! makes of it can be coloured by node name, as ours can.

use std::fmt::Write;

use super::{Form, Picture, Walked};
use crate::graph::Graph;

pub fn dot(graph: &Graph, walked: Option<&Walked>) -> String {
    let picture = Picture::of(graph, walked);
    let mut out = format!(
        "digraph \"{}\" {{\n  rankdir=TB;\n  node [fontname=\"Helvetica\"];\n  edge [fontname=\"Helvetica\", fontsize=10];\n",
        escape(&picture.flow)
    );
    let _ = writeln!(
        out,
        "  start [shape=point];\n  start -> n{};",
        picture.start
    );
    for (i, shape) in picture.shapes.iter().enumerate() {
        let mut attrs = vec![format!("id=\"node-{}\"", escape(&shape.name))];
        match shape.form {
            Form::Ending => {
                attrs.push(format!("label=\"{}\"", escape(&shape.name)));
                attrs.push("shape=box, fontsize=10, height=0.3, margin=\"0.08,0.02\"".into());
                if let Some(said) = &shape.said {
                    attrs.push(format!("tooltip=\"{}\"", escape(said)));
                }
            }
            Form::Decision | Form::Step => {
                let mut label = format!("{} {}", shape.keyword, shape.name);
                for detail in &shape.details {
                    label.push('\n');
                    label.push_str(detail);
                }
                attrs.push(format!("label=\"{}\"", escape(&label)));
                let form = if shape.form == Form::Decision {
                    "diamond"
                } else {
                    "box"
                };
                attrs.push(format!("shape={form}"));
            }
        }
        let rounded = if shape.form == Form::Ending {
            "rounded,"
        } else {
            ""
        };
        if shape.untested {
            attrs.push(format!(
                "style=\"{rounded}filled,dashed\", fillcolor=\"#ffdddd\", color=\"#cc0000\""
            ));
        } else if shape.form == Form::Ending {
            attrs.push("style=\"rounded,filled\", fillcolor=\"#eeeeee\"".into());
        }
        let _ = writeln!(out, "  n{i} [{}];", attrs.join(", "));
    }
    for edge in &picture.edges {
        let style = if edge.missed {
            ", style=dashed, color=\"#cc0000\""
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "  n{} -> n{} [label=\"{}\"{style}];",
            edge.from,
            edge.to,
            escape(&edge.label())
        );
    }
    out.push_str("}\n");
    out
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

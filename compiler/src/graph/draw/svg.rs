//! SVG, laid out by the `layout` crate (a pure-Rust Sugiyama layout), so a
//! picture needs no Graphviz. Every node's shape is a `<g id="node-NAME">`
//! (the start marker is `id="start"`): a page can colour nodes by name.
//! Labels are XML-escaped by the writer; ids and the title here.

use layout::backends::svg::SVGWriter;
use layout::core::base::Orientation;
use layout::core::color::Color;
use layout::core::style::{LineStyleKind, StyleAttr};
use layout::std_shapes::render::get_shape_size;
use layout::std_shapes::shapes::{Arrow, Element, LineEndKind, ShapeKind};
use layout::topo::layout::VisualGraph;

use super::{Form, Picture, Shape, Walked};
use crate::graph::Graph;

const FONT: usize = 14;
const SMALL: usize = 11;

pub fn svg(graph: &Graph, walked: Option<&Walked>) -> String {
    let picture = Picture::of(graph, walked);
    let down = Orientation::TopToBottom;
    let mut vg = VisualGraph::new(down);
    let handles: Vec<_> = picture
        .shapes
        .iter()
        .map(|shape| {
            let (kind, look) = drawn(shape);
            let size = get_shape_size(down, &kind, look.font_size, false);
            let id = format!(
                "id=\"node-{}\" class=\"node {}\"",
                escape(&shape.name),
                class(shape)
            );
            vg.add_node(Element::create_with_properties(kind, look, down, size, id))
        })
        .collect();
    let start_kind = ShapeKind::new_circle("start");
    let start_look = look(0x555555, 0xffffff, 0, SMALL);
    let size = get_shape_size(down, &start_kind, SMALL, true);
    let start = vg.add_node(Element::create_with_properties(
        start_kind,
        start_look,
        down,
        size,
        "id=\"start\"",
    ));
    if let Some(&first) = handles.get(picture.start) {
        vg.add_edge(Arrow::simple(""), start, first);
    }
    for edge in &picture.edges {
        let (Some(&from), Some(&to)) = (handles.get(edge.from), handles.get(edge.to)) else {
            continue;
        };
        let (style, colour) = if edge.missed {
            (LineStyleKind::Dashed, 0xcc0000)
        } else {
            (LineStyleKind::Normal, 0x333333)
        };
        let mut line = look(colour, 0xffffff, 0, SMALL);
        line.line_width = 1;
        let mut arrow = Arrow::new(
            LineEndKind::None,
            LineEndKind::Arrow,
            style,
            &edge.label(),
            &line,
            &None,
            &None,
        );
        arrow.properties = Some("class=\"exit\"".into());
        vg.add_edge(arrow, from, to);
    }
    let mut writer = SVGWriter::new();
    vg.do_it(false, false, false, &mut writer);
    titled(&writer.finalize(), &picture.flow)
}

/// A shape and its look: steps are boxes, decisions rounded and tinted,
/// endings small and grey, what no test reached red.
fn drawn(shape: &Shape) -> (ShapeKind, StyleAttr) {
    let mut text = match shape.form {
        Form::Ending => shape.name.clone(),
        Form::Step | Form::Decision => format!("{} {}", shape.keyword, shape.name),
    };
    if shape.form != Form::Ending {
        for detail in &shape.details {
            text.push('\n');
            text.push_str(detail);
        }
    }
    let mut look = match shape.form {
        Form::Step => look(0x333333, 0xffffff, 0, FONT),
        Form::Decision => look(0x333333, 0xfff8e1, 12, FONT),
        Form::Ending => look(0x555555, 0xeeeeee, 10, SMALL),
    };
    if shape.untested {
        look.fill_color = Some(Color::new(0xffddddff));
        look.line_color = Color::new(0xcc0000ff);
    }
    (ShapeKind::new_box(&text), look)
}

fn class(shape: &Shape) -> String {
    let form = match shape.form {
        Form::Step => "step",
        Form::Decision => "decision",
        Form::Ending => "ending",
    };
    if shape.untested {
        format!("{form} untested")
    } else {
        form.to_string()
    }
}

fn look(line: u32, fill: u32, rounded: usize, font: usize) -> StyleAttr {
    StyleAttr::new(
        Color::new((line << 8) | 0xff),
        2,
        Some(Color::new((fill << 8) | 0xff)),
        rounded,
        font,
    )
}

/// The flow's name as the document's `<title>`, first inside `<svg>`.
fn titled(svg: &str, flow: &str) -> String {
    let title = format!("<title>{}</title>\n", escape(flow));
    match svg
        .find("<svg")
        .and_then(|at| svg[at..].find('>').map(|end| at + end + 1))
    {
        Some(at) => format!("{}\n{title}{}", &svg[..at], svg[at..].trim_start()),
        None => svg.to_string(),
    }
}

/// Text for an XML attribute or element.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

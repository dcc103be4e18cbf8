//! What the pictures show, asserted feature by feature, and the pictures of
//! one flow that has every feature, snapshotted for a person to review.

use super::*;
use crate::{Syntax, compile};

/// A flow with parallel exits, a branch, opening hours, a module run with
/// a parameter, hang-ups that say something, and text that needs escaping.
const FLOW: &str = r#"
module confirm {
  param question: string
  returns yes, no
  start ask

  menu ask {
    prompt "{question} Press 1 for yes, 2 for no."
    "1" -> return yes
    "2" -> return no
    exhausted -> return no
  }
}

flow shop {
  language "en-IN"
  timezone "Asia/Kolkata"
  targets twilio
  var tries: number = 0

  start office

  hours office {
    open "Mon-Fri 09:00-18:00"
    open "Sat 10:00-14:00"
    holiday "2026-12-25"
    open -> welcome
    closed -> closed
  }

  say welcome {
    text "Fish <&\"chips\"> & more"
    next -> sales
  }

  transfer sales {
    to "+918045671201"
    answered -> check
    busy -> busy
    no_answer -> busy
    failed -> busy
  }

  run check {
    module confirm
    question = "Did you get your order?"
    yes -> bye
    no -> closed
  }

  say busy {
    text "Everyone is busy."
    next -> count
  }

  set count {
    tries = tries + 1
    next -> again
  }

  branch again {
    when tries >= 3 and not (tries == 5 or tries > 8) -> closed
    else -> sales
  }

  hangup closed {
    text "We are closed. Goodbye."
  }

  hangup bye {
    text "Thank you. Goodbye."
  }
}
"#;

fn graph() -> Graph {
    let compiled = compile(FLOW, Syntax::Ivr);
    compiled
        .graph
        .unwrap_or_else(|| panic!("fixture compiles: {:#?}", compiled.diagnostics))
}

fn shape<'a>(picture: &'a Picture, name: &str) -> &'a Shape {
    picture
        .shapes
        .iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("no node {name}"))
}

fn index(graph: &Graph, name: &str) -> usize {
    graph.find(name).expect("node").index()
}

#[test]
fn parallel_exits_are_one_edge_naming_them_all() {
    let graph = graph();
    let picture = Picture::of(&graph, None);
    let (sales, busy) = (index(&graph, "sales"), index(&graph, "busy"));
    let edges: Vec<&Edge> = picture
        .edges
        .iter()
        .filter(|e| e.from == sales && e.to == busy)
        .collect();
    assert_eq!(edges.len(), 1, "{edges:?}");
    assert_eq!(edges[0].label(), "busy / no_answer / failed");
    // Four exits, two targets: two edges.
    assert_eq!(picture.edges.iter().filter(|e| e.from == sales).count(), 2);
    let arrow = format!("n{sales} -> n{busy} ");
    assert_eq!(dot(&graph, None).matches(&arrow).count(), 1);
    let arrow = format!("n{sales} -->|");
    assert_eq!(mermaid(&graph, None).matches(&arrow).count(), 2);
}

#[test]
fn coverage_keeps_walked_and_missed_exits_apart() {
    let graph = graph();
    let mut walked = Walked::default();
    walked.nodes.insert("sales".into());
    walked.exits.insert(("sales".into(), "busy".into()));
    let picture = Picture::of(&graph, Some(&walked));
    let (sales, busy) = (index(&graph, "sales"), index(&graph, "busy"));
    let mut to_busy: Vec<(bool, String)> = picture
        .edges
        .iter()
        .filter(|e| e.from == sales && e.to == busy)
        .map(|e| (e.missed, e.label()))
        .collect();
    to_busy.sort();
    assert_eq!(
        to_busy,
        vec![
            (false, "busy".to_string()),
            (true, "no_answer / failed".to_string())
        ]
    );
    assert!(!shape(&picture, "sales").untested);
    assert!(shape(&picture, "busy").untested);
}

#[test]
fn branches_are_labelled_with_their_conditions() {
    let graph = graph();
    let picture = Picture::of(&graph, None);
    let again = index(&graph, "again");
    let labels: Vec<String> = picture
        .edges
        .iter()
        .filter(|e| e.from == again)
        .map(Edge::label)
        .collect();
    assert_eq!(
        labels,
        ["tries >= 3 and not (tries == 5 or tries > 8)", "else"]
    );
}

#[test]
fn hours_show_their_days_times_holidays_and_zone() {
    let picture = Picture::of(&graph(), None);
    assert_eq!(
        shape(&picture, "office").details,
        [
            "Mon-Fri 09:00-18:00",
            "Sat 10:00-14:00",
            "closed 2026-12-25",
            "Asia/Kolkata"
        ]
    );
}

#[test]
fn hours_past_midnight_and_every_day() {
    let text = |open: &str| {
        FLOW.replace(
            "open \"Mon-Fri 09:00-18:00\"\n    open \"Sat 10:00-14:00\"",
            open,
        )
    };
    let details = |open: &str| {
        let graph = compile(&text(open), Syntax::Ivr).graph.expect("compiles");
        shape(&Picture::of(&graph, None), "office").details.clone()
    };
    assert_eq!(
        details("open \"daily 08:00-20:00\"")[0],
        "daily 08:00-20:00"
    );
    assert_eq!(
        details("open \"Fri 22:00-02:00\"")[..2],
        ["Fri 22:00-24:00", "Sat 00:00-02:00"]
    );
    assert_eq!(
        details("open \"Mon 09:00-13:00, 14:00-18:00\"")[0],
        "Mon 09:00-13:00, 14:00-18:00"
    );
}

#[test]
fn a_module_run_shows_its_parameters_by_name() {
    let picture = Picture::of(&graph(), None);
    let check = shape(&picture, "check");
    assert_eq!(check.keyword, "run");
    assert_eq!(check.details, ["question = \"Did you get your order?\""]);
    // A plain `set` stays a set.
    assert_eq!(shape(&picture, "count").keyword, "set");
    assert!(shape(&picture, "count").details.is_empty());
}

#[test]
fn hang_ups_are_small_and_keep_what_they_say_aside() {
    let graph = graph();
    let picture = Picture::of(&graph, None);
    let closed = shape(&picture, "closed");
    assert_eq!(closed.form, Form::Ending);
    assert!(closed.details.is_empty());
    assert_eq!(closed.said.as_deref(), Some("We are closed. Goodbye."));
    let n = index(&graph, "closed");
    let line = mermaid(&graph, None)
        .lines()
        .find(|l| l.starts_with(&format!("  n{n}(")))
        .expect("closed drawn")
        .to_string();
    assert_eq!(line, format!("  n{n}([\"closed\"])"));
    assert!(dot(&graph, None).contains("tooltip=\"We are closed. Goodbye.\""));
}

/// Every element of an SVG document, with its attributes; panics where
/// the text is not well-formed XML or names an unknown entity.
fn svg_elements(svg: &str) -> Vec<(String, Vec<(String, String)>)> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(svg);
    let mut out = Vec::new();
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(e) | Event::Empty(e) => {
                let attrs = e
                    .attributes()
                    .map(|a| {
                        let a = a.expect("attribute");
                        (
                            String::from_utf8_lossy(a.key.as_ref()).into_owned(),
                            a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                                .expect("escaped value")
                                .into_owned(),
                        )
                    })
                    .collect();
                let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                out.push((name, attrs));
            }
            Event::GeneralRef(r) => {
                let name = r.decode().expect("utf-8").into_owned();
                assert!(
                    ["amp", "lt", "gt", "quot", "apos"].contains(&name.as_str())
                        || name.starts_with('#'),
                    "unknown entity &{name};"
                );
            }
            Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(out.first().map(|(n, _)| n.as_str()), Some("svg"));
    out
}

#[test]
fn svg_is_xml_with_one_element_per_node_by_name() {
    let graph = graph();
    let svg = svg(&graph, None);
    let elements = svg_elements(&svg);
    let ids: Vec<&str> = elements
        .iter()
        .flat_map(|(_, attrs)| attrs.iter())
        .filter(|(k, v)| k == "id" && v.starts_with("node-"))
        .map(|(_, v)| v.as_str())
        .collect();
    let mut expected: Vec<String> = graph
        .nodes
        .iter()
        .map(|n| format!("node-{}", n.name))
        .collect();
    let mut found: Vec<String> = ids.iter().map(|s| s.to_string()).collect();
    expected.sort();
    found.sort();
    assert_eq!(found, expected);
    // The caller hears `Fish <&"chips"> & more`; the SVG says it escaped.
    assert!(
        svg.contains("Fish &lt;&amp;&quot;chips&quot;&gt; &amp; more"),
        "{svg}"
    );
    assert!(!svg.contains("<&"));
    assert!(svg.contains("<title>shop</title>"));
}

#[test]
fn svg_marks_what_no_test_reached() {
    let graph = graph();
    let mut walked = Walked::default();
    walked.nodes.insert("office".into());
    let svg = svg(&graph, Some(&walked));
    let classes: Vec<(String, String)> = svg_elements(&svg)
        .into_iter()
        .flat_map(|(_, attrs)| {
            let id = attrs
                .iter()
                .find(|(k, _)| k == "id")
                .map(|(_, v)| v.clone());
            let class = attrs
                .iter()
                .find(|(k, _)| k == "class")
                .map(|(_, v)| v.clone());
            id.zip(class)
        })
        .collect();
    let class = |id: &str| {
        classes
            .iter()
            .find(|(i, _)| i == id)
            .map(|(_, c)| c.clone())
            .unwrap_or_default()
    };
    assert_eq!(class("node-office"), "node decision");
    assert_eq!(class("node-sales"), "node step untested");
}

#[test]
fn pictures_of_a_flow_with_every_feature() {
    let graph = graph();
    insta::assert_snapshot!("mermaid", mermaid(&graph, None));
    insta::assert_snapshot!("dot", dot(&graph, None));
}

//! `ivr graph` as a person runs it: one picture per flow, never several
//! documents run together.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn ivr(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ivr"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("runs ivr")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The files in a folder, by name, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// The flow files of a folder, as `ivr graph` finds them: no scenarios.
fn flow_stems(dir: &str) -> Vec<String> {
    let mut stems: Vec<String> = listing(&root().join(dir))
        .into_iter()
        .filter(|n| (n.ends_with(".ivr") || n.ends_with(".yaml")) && !n.ends_with(".test.yaml"))
        .map(|n| n.rsplit_once('.').unwrap().0.to_string())
        .collect();
    stems.dedup();
    stems
}

#[test]
fn several_flows_without_a_folder_to_write_to_are_refused() {
    let out = ivr(&["graph", "flows"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stdout));
    assert!(
        out.stdout.is_empty(),
        "nothing half-drawn: {}",
        text(&out.stdout)
    );
    let err = text(&out.stderr);
    assert!(
        err.contains("-o DIR") && err.contains("--format markdown"),
        "{err}"
    );
}

#[test]
fn one_picture_per_flow_named_after_it() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("pictures");
    let out = ivr(&[
        "graph",
        "flows",
        "--format",
        "dot",
        "-o",
        out_dir.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let expected: Vec<String> = flow_stems("flows")
        .iter()
        .map(|s| format!("{s}.dot"))
        .collect();
    assert!(expected.len() >= 5, "{expected:?}");
    assert_eq!(listing(&out_dir), expected);
    for file in &expected {
        let dot = std::fs::read_to_string(out_dir.join(file)).unwrap();
        let stem = file.trim_end_matches(".dot");
        assert!(dot.starts_with(&format!("digraph \"{stem}\" {{")), "{file}");
        assert_eq!(dot.matches("digraph").count(), 1, "{file}");
    }
    assert_eq!(text(&out.stdout).lines().count(), expected.len());
}

#[test]
fn twins_in_both_syntaxes_are_drawn_once_as_svg() {
    let dir = tempfile::tempdir().unwrap();
    let out = ivr(&[
        "graph",
        "examples",
        "--format",
        "svg",
        "-o",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let expected: Vec<String> = flow_stems("examples")
        .iter()
        .map(|s| format!("{s}.svg"))
        .collect();
    assert_eq!(listing(dir.path()), expected);
    for file in &expected {
        let svg = std::fs::read_to_string(dir.path().join(file)).unwrap();
        let mut reader = quick_xml::Reader::from_str(&svg);
        loop {
            match reader.read_event() {
                Ok(quick_xml::events::Event::Eof) => break,
                Ok(_) => {}
                Err(e) => panic!("{file} is not XML: {e}"),
            }
        }
        assert!(svg.contains("id=\"node-"), "{file}");
    }
}

#[test]
fn one_flow_prints_its_svg() {
    let out = ivr(&["graph", "flows/main_line.ivr", "--format", "svg"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let svg = text(&out.stdout);
    assert!(
        svg.contains("<svg") && svg.trim_end().ends_with("</svg>"),
        "{svg}"
    );
    assert!(svg.contains("id=\"node-main\""));
}

#[test]
fn markdown_is_one_page_and_takes_no_folder() {
    let out = ivr(&["graph", "flows", "--format", "markdown"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        text(&out.stdout).matches("```mermaid").count(),
        flow_stems("flows").len()
    );
    let dir = tempfile::tempdir().unwrap();
    let out = ivr(&[
        "graph",
        "flows",
        "--format",
        "markdown",
        "-o",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("redirect"));
}

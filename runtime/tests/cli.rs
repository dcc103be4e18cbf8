//! The `ivr` binary as CI uses it: exit codes and output formats.

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

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn check_flows_and_examples_exits_zero() {
    let out = ivr(&["check", "flows", "examples"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).contains("0 errors"));
}

#[test]
fn check_broken_exits_one_and_reports_every_file() {
    let out = ivr(&["check", "--format", "json", "tests/broken"]);
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let files = std::fs::read_dir(root().join("tests/broken"))
        .unwrap()
        .count();
    assert_eq!(report["files"], files);
    assert!(report["errors"].as_u64().unwrap() >= 1);
    let codes: Vec<&str> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert!(
        codes.contains(&"E001") && codes.contains(&"E022"),
        "{codes:?}"
    );
}

#[test]
fn json_diagnostics_have_the_documented_shape() {
    let out = ivr(&[
        "check",
        "--format",
        "json",
        "tests/broken/E001-syntax-error.ivr",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(report["files"], 1);
    assert_eq!(report["errors"], 1);
    assert_eq!(report["warnings"], 0);
    let d = &report["diagnostics"][0];
    assert_eq!(d["code"], "E001");
    assert_eq!(d["severity"], "error");
    assert_eq!(d["file"], "tests/broken/E001-syntax-error.ivr");
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(8), Some(11))
    );
    assert!(d["message"].as_str().unwrap().contains("target"));
    assert!(d["help"].is_string());
}

#[test]
fn json_diagnostics_carry_the_span_end_labels_name_and_docs_anchor() {
    let out = ivr(&[
        "check",
        "--format",
        "json",
        "tests/broken/W033-error-hangup.ivr",
    ]);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let d = &report["diagnostics"][0];
    assert_eq!(d["code"], "W033");
    assert_eq!(d["name"], "error-hangup");
    assert_eq!(d["docs"], "docs/diagnostics.md#w033-error-hangup");
    // `error -> sorry` on line 13, columns 5 to 19.
    assert_eq!(
        [&d["line"], &d["column"], &d["end_line"], &d["end_column"]].map(|v| v.as_u64()),
        [Some(13), Some(5), Some(13), Some(19)]
    );
    let labels = d["labels"].as_array().expect("labels");
    assert_eq!(labels.len(), 2, "{labels:?}");
    assert_eq!(labels[0]["primary"], true);
    assert_eq!(labels[1]["primary"], false);
    // The fallback it suggests: `transfer agent` on line 27.
    assert_eq!(labels[1]["line"], 27);
    assert!(labels[1]["message"].as_str().unwrap().contains("a person"));
}

#[test]
fn github_format_annotates_file_and_line() {
    let out = ivr(&[
        "check",
        "--format",
        "github",
        "tests/broken/E001-syntax-error.ivr",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(text.starts_with("::error file=tests/broken/E001-syntax-error.ivr,line=8,col=11,title=E001 syntax-error::"), "{text}");
    assert_eq!(
        text.lines().count(),
        1,
        "newlines in messages must be escaped: {text}"
    );
}

#[test]
fn human_format_shows_code_span_and_help_without_colours_when_piped() {
    let out = ivr(&["check", "tests/broken/E001-syntax-error.ivr"]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    // A rustc headline: what, then where, for problem matchers and grep.
    let mut lines = text.lines();
    let headline = lines.next().unwrap_or_default();
    assert!(headline.starts_with("error[E001]: "), "{text}");
    assert_eq!(
        lines.next(),
        Some("  --> tests/broken/E001-syntax-error.ivr:8:11"),
        "{text}"
    );
    assert!(text.contains("\"1\" ->"), "shows the source line: {text}");
    assert!(text.contains("help:"), "{text}");
    assert!(
        !text.contains('\u{1b}'),
        "no colour codes when not a terminal"
    );
}

#[test]
fn not_utf8_is_a_diagnostic_not_a_crash() {
    let out = ivr(&[
        "check",
        "--format",
        "json",
        "tests/broken/E022-not-utf8.ivr",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["diagnostics"][0]["code"], "E022");
    assert_eq!(report["diagnostics"][0]["line"], 1);
}

#[test]
fn missing_path_exits_two_with_one_line_reason() {
    let out = ivr(&["check", "no/such/flows"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(
        err.contains("no/such/flows") && err.contains("no such file"),
        "{err}"
    );
}

#[test]
fn compile_prints_graph_json() {
    let out = ivr(&["compile", "flows/main_line.ivr"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let graph: ivr_compiler::Graph = serde_json::from_slice(&out.stdout).expect("graph json");
    assert_eq!(graph.flow, "main_line");
    assert_eq!(graph.version, ivr_compiler::graph::version_of(&graph));
}

#[test]
fn compile_of_broken_flow_exits_one_with_diagnostics_on_stderr() {
    let out = ivr(&["compile", "tests/broken/E001-syntax-error.ivr"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("E001"));
}

#[test]
fn fmt_check_lists_files_that_would_change_then_fmt_fixes_them() {
    let dir = tempfile::tempdir().unwrap();
    let messy = dir.path().join("messy.ivr");
    let tidy = "flow f {\n  language \"en-IN\"\n  targets twilio\n\n  start bye\n\n  hangup bye {\n    text \"Bye\"  # why\n  }\n}\n";
    std::fs::write(
        &messy,
        tidy.replace("  ", "\t").replace("# why", "   # why"),
    )
    .unwrap();
    let messy_arg = messy.to_str().unwrap();
    let out = ivr(&["fmt", "--check", messy_arg]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("would reformat"), "{}", stdout(&out));
    assert_eq!(ivr(&["fmt", messy_arg]).status.code(), Some(0));
    assert_eq!(std::fs::read_to_string(&messy).unwrap(), tidy);
    assert_eq!(ivr(&["fmt", "--check", messy_arg]).status.code(), Some(0));
}

#[test]
fn repo_flows_are_formatted() {
    let out = ivr(&["fmt", "--check", "flows", "examples"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}

#[test]
fn simulate_with_scripted_input_prints_the_call() {
    let out = ivr(&[
        "simulate",
        "flows/main_line.ivr",
        "--input",
        "1,busy,hangup",
        "--at",
        "2026-12-21T10:00:00+05:30",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    for expected in [
        "Thank you for calling Acme Corporation.",
        "presses 1",
        "+918045671201",
        "dial: busy",
        "Everyone on that team is busy",
        "hangs up",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
    assert!(!text.contains('\u{1b}'), "no colours when piped");
}

#[test]
fn simulate_follows_the_clock_for_hours() {
    let closed = stdout(&ivr(&[
        "simulate",
        "flows/support_line.ivr",
        "--input",
        "",
        "--at",
        "2026-12-25T10:00:00+05:30",
    ]));
    assert!(closed.contains("office_hours -closed->"), "{closed}");
    let open = stdout(&ivr(&[
        "simulate",
        "flows/support_line.ivr",
        "--input",
        "",
        "--at",
        "2026-12-21T10:00:00+05:30",
    ]));
    assert!(open.contains("office_hours -open->"), "{open}");
}

#[test]
fn simulate_refuses_a_flow_with_errors() {
    let out = ivr(&[
        "simulate",
        "tests/broken/E003-unknown-target.ivr",
        "--input",
        "1",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("E003"));
}

fn scenario_dir(scenario: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        root().join("flows/main_line.ivr"),
        dir.path().join("main_line.ivr"),
    )
    .unwrap();
    std::fs::write(dir.path().join("main_line.test.yaml"), scenario).unwrap();
    dir
}

#[test]
fn test_passes_on_the_repo_flows_with_full_coverage() {
    let out = ivr(&["test", "flows", "--min-coverage", "100"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).contains("0 failed"));
}

#[test]
fn a_failing_scenario_says_what_was_expected_what_happened_and_the_path() {
    let dir = scenario_dir(
        "scenarios:\n  - name: wrong prompt\n    steps:\n      - press: \"1\"\n      - expect: { transfer: \"+910000000000\" }\n",
    );
    let out = ivr(&["test", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(text.contains("FAILED wrong prompt"), "{text}");
    assert!(
        text.contains("expected a transfer to +910000000000"),
        "{text}"
    );
    assert!(text.contains("but dialled \"+918045671201\""), "{text}");
    assert!(text.contains("main -1-> sales"), "the path taken: {text}");
}

#[test]
fn a_scenario_naming_a_missing_node_is_an_error_with_file_and_line() {
    let dir = scenario_dir(
        "scenarios:\n  - name: typo\n    steps:\n      - press: \"1\"\n      - expect: { node: slaes }\n",
    );
    let out = ivr(&["test", "--format", "json", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let problem = report["files"][0]["problems"][0].as_str().unwrap();
    assert!(problem.contains("main_line.test.yaml:5:"), "{problem}");
    assert!(
        problem.contains("`slaes`") && problem.contains("did you mean `sales`"),
        "{problem}"
    );
}

#[test]
fn coverage_below_the_minimum_fails_and_lists_what_was_missed() {
    let dir = scenario_dir(
        "scenarios:\n  - name: only sales\n    steps:\n      - press: \"1\"\n      - dial: answered\n",
    );
    let out = ivr(&[
        "test",
        "--coverage",
        "--min-coverage",
        "100",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(text.contains("never taken:   sales -> busy"), "{text}");
    assert!(text.contains("below the minimum"), "{text}");
    let json = ivr(&[
        "test",
        "--coverage",
        "--format",
        "json",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(
        json.status.code(),
        Some(0),
        "scenarios pass; coverage alone does not fail without a minimum"
    );
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let cov = &report["coverage"][0];
    assert_eq!(cov["flow"], "main_line");
    assert!(cov["percent"].as_f64().unwrap() < 100.0);
    assert!(
        cov["missed_exits"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e == "sales:busy")
    );
}

#[test]
fn test_of_a_missing_path_exits_two() {
    assert_eq!(ivr(&["test", "no/such/dir"]).status.code(), Some(2));
}

#[test]
fn simulate_shows_what_each_provider_would_receive() {
    let twilio = stdout(&ivr(&[
        "simulate",
        "flows/main_line.ivr",
        "--input",
        "1",
        "--provider",
        "twilio",
    ]));
    assert!(
        twilio.contains("<Dial action=\"https://ivr.example/twilio/main_line/2/dial\""),
        "{twilio}"
    );
    let exotel = stdout(&ivr(&[
        "simulate",
        "flows/main_line.ivr",
        "--input",
        "1",
        "--provider",
        "exotel",
    ]));
    assert!(
        exotel.contains("\"applet\":\"connect\"") && exotel.contains("+918045671201"),
        "{exotel}"
    );
}

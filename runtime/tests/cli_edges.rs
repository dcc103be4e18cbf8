//! Rough edges a new user found in the `ivr` command, each pinned down.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn ivr_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ivr"))
        .args(args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .output()
        .expect("runs ivr")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A folder holding flows/main_line.ivr and a scenario file for it.
fn with_scenarios(scenarios: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        root().join("flows/main_line.ivr"),
        dir.path().join("main_line.ivr"),
    )
    .unwrap();
    std::fs::write(dir.path().join("main_line.test.yaml"), scenarios).unwrap();
    dir
}

#[test]
fn check_skips_scenario_files_a_shell_glob_names() {
    let flows = root().join("flows");
    let mut named: Vec<String> = std::fs::read_dir(&flows)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.to_string_lossy().ends_with(".yaml") || p.extension().is_some_and(|e| e == "ivr")
        })
        .map(|p| p.display().to_string())
        .collect();
    named.sort();
    assert!(named.iter().any(|n| n.ends_with(".test.yaml")), "{named:?}");
    let mut args = vec!["check", "--format", "json"];
    args.extend(named.iter().map(String::as_str));
    let out = ivr_in(&root(), &args);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let flows_named = named.iter().filter(|n| !n.ends_with(".test.yaml")).count();
    assert_eq!(report["files"], flows_named);
    assert_eq!(report["errors"], 0);
}

const BROKEN_STEP: &str = "\
scenarios:
  - name: sales answers
    steps:
      - press: \"1\"
      - dial: answered
  - name: a typo
    steps:
      - press: \"1\"
      - presss: \"2\"
";

#[test]
fn a_step_that_does_not_read_is_reported_at_its_line() {
    let dir = with_scenarios(BROKEN_STEP);
    let out = ivr_in(dir.path(), &["test", "."]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.contains("main_line.test.yaml:9:7: scenarios[1]: step 2: unknown variant `presss`"),
        "{text}"
    );
    assert!(text.contains("1 scenario file could not run"), "{text}");
}

#[test]
fn github_format_annotates_broken_files_and_failed_steps() {
    let dir = with_scenarios(BROKEN_STEP);
    let out = ivr_in(dir.path(), &["test", "--format", "github", "."]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.lines()
            .any(|l| l.starts_with("::error file=./main_line.test.yaml,line=9,col=7,")),
        "{text}"
    );

    let dir = with_scenarios(
        "scenarios:\n  - name: wrong words\n    steps:\n      - press: \"1\"\n      - expect: { say: \"nothing like this\" }\n",
    );
    let out = ivr_in(dir.path(), &["test", "--format", "github", "."]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    let line = text
        .lines()
        .find(|l| l.starts_with("::error "))
        .unwrap_or_else(|| panic!("no annotation: {text}"));
    assert!(
        line.starts_with(
            "::error file=./main_line.test.yaml,line=5,col=7,title=wrong words::step 2: expected"
        ),
        "{line}"
    );
}

#[test]
fn check_honours_no_color_and_the_color_flag() {
    let broken = root().join("tests/broken/E003-unknown-target.ivr");
    let broken = broken.to_str().unwrap();
    let ansi = |out: &Output| String::from_utf8_lossy(&out.stdout).contains('\u{1b}');
    let always = ivr_in(&root(), &["--color", "always", "check", broken]);
    assert!(ansi(&always), "{}", stdout(&always));
    let never = ivr_in(&root(), &["--color", "never", "check", broken]);
    assert!(!ansi(&never));
    // NO_COLOR wins over `auto` (the default), whatever the terminal.
    let no_color = Command::new(env!("CARGO_BIN_EXE_ivr"))
        .args(["--color", "auto", "check", broken])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(!ansi(&no_color));
}

#[test]
fn serve_says_the_port_it_bound_and_logs_without_escape_codes() {
    use std::io::BufRead;
    use std::sync::mpsc;
    use std::time::Duration;
    let dir = tempfile::tempdir().unwrap();
    let flow = std::fs::read_to_string(root().join("flows/main_line.ivr")).unwrap();
    std::fs::write(dir.path().join("main_line.ivr"), &flow).unwrap();
    // Served as `other`, though it says `main_line`: logged as a warning.
    std::fs::write(dir.path().join("other.ivr"), &flow).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_ivr"))
        .args([
            "serve",
            "--flows",
            dir.path().to_str().unwrap(),
            "--listen",
            "127.0.0.1:0",
        ])
        .env_remove("NO_COLOR")
        .env_remove("RUST_LOG")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let (send, lines) = mpsc::channel();
    let out = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(out).lines().map_while(Result::ok) {
            if send.send(line).is_err() {
                break;
            }
        }
    });
    let mut seen = Vec::new();
    let (mut port, mut warned) = (None, false);
    while port.is_none() || !warned {
        let Ok(line) = lines.recv_timeout(Duration::from_secs(30)) else {
            break;
        };
        if let Some(address) = line.split("on http://127.0.0.1:").nth(1) {
            port = address.trim().parse::<u16>().ok();
        }
        warned |= line.contains("declares flow `main_line` but is served as `other`");
        seen.push(line);
    }
    let _ = child.kill();
    let _ = child.wait();
    let seen = seen.join("\n");
    assert!(port.is_some_and(|p| p != 0), "no real port: {seen}");
    assert!(warned, "no warning: {seen}");
    assert!(!seen.contains('\u{1b}'), "escape codes in a log: {seen:?}");
}

#[test]
fn serve_help_names_the_secrets_and_hides_their_values() {
    let out = Command::new(env!("CARGO_BIN_EXE_ivr"))
        .args(["serve", "--help"])
        .env("TWILIO_AUTH_TOKEN", "tw-s3cret")
        .env("IVR_ADMIN_TOKEN", "adm-s3cret")
        .env("EXOTEL_WEBHOOK_SECRET", "ex-s3cret")
        .output()
        .unwrap();
    let help = stdout(&out);
    for name in [
        "TWILIO_AUTH_TOKEN",
        "IVR_ADMIN_TOKEN",
        "EXOTEL_WEBHOOK_SECRET",
    ] {
        assert!(help.contains(&format!("[env: {name}]")), "{name}: {help}");
    }
    assert!(!help.contains("s3cret"), "{help}");
}

//! `ivr init NAME`: a first flow and its scenario file, both passing
//! `ivr check` and `ivr test` as written, in `ivr fmt`'s layout, to edit from.

use std::path::Path;
use std::process::ExitCode;

const FLOW: &str = r#"# NAME: a first flow. Dial it with `ivr simulate NAME.ivr`; its scenarios
# (NAME.test.yaml) run with `ivr test`. The language: docs/LANGUAGE.md.
flow NAME {
  language "en-IN"
  targets twilio, exotel

  start main

  menu main {
    prompt "Welcome. For sales, press 1."
    "1" -> sales
    exhausted -> goodbye
  }

  transfer sales {
    text "Connecting you to sales."
    to "+918045671201"
    answered -> goodbye
    busy -> goodbye
    no_answer -> goodbye
    failed -> goodbye
  }

  hangup goodbye {
    text "Thank you for calling. Goodbye."
  }
}
"#;

const SCENARIOS: &str = r#"# Scripted calls to NAME.ivr, run by `ivr test`.
scenarios:
  - name: a caller reaches sales
    steps:
      - expect: { node: main, say: "/For sales, press 1/" }
      - press: "1"
      - expect: { transfer: "+918045671201" }
      - dial: answered
      - expect: { hangup: true, say: "Thank you for calling. Goodbye." }

  - name: sales is busy
    steps:
      - press: "1"
      - dial: busy
      - expect: { hangup: true }

  - name: sales does not answer
    steps:
      - press: "1"
      - dial: no_answer
      - expect: { hangup: true }

  - name: the call to sales fails
    steps:
      - press: "1"
      - dial: failed
      - expect: { hangup: true }

  - name: the caller never presses
    steps:
      - silence
      - silence
      - silence
      - expect: { hangup: true, say: "Thank you for calling. Goodbye." }
"#;

pub fn run(name: &str, dir: &Path) -> ExitCode {
    let valid = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid {
        eprintln!(
            "ivr: `{name}` is not a flow name: letters, digits and `_`, not starting with a digit"
        );
        return ExitCode::from(2);
    }
    let files = [
        (dir.join(format!("{name}.ivr")), FLOW),
        (dir.join(format!("{name}.test.yaml")), SCENARIOS),
    ];
    // Check both first: half a scaffold is worse than none.
    if let Some((taken, _)) = files.iter().find(|(path, _)| path.exists()) {
        eprintln!("ivr: {} exists; not overwriting it", taken.display());
        return ExitCode::from(2);
    }
    for (path, text) in &files {
        if let Err(e) = std::fs::write(path, text.replace("NAME", name)) {
            eprintln!("ivr: cannot write {}: {e}", path.display());
            return ExitCode::from(2);
        }
        println!("wrote {}", path.display());
    }
    ExitCode::SUCCESS
}

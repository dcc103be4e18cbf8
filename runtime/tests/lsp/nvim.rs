//! A real editor's client, which no one here wrote: Neovim's built-in LSP
//! client, headless, opens a broken flow, waits for the diagnostics and asks
//! for a completion (tests/lsp/nvim.lua). Skipped only where Neovim is not
//! installed and IVR_NVIM_TEST is unset; scripts/test installs Neovim and
//! sets it, so CI always runs it.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::{BROKEN, at};

fn nvim_present() -> bool {
    Command::new("nvim")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

#[test]
fn neovims_client_sees_diagnostics_and_completes_targets() {
    if !nvim_present() {
        assert!(
            std::env::var_os("IVR_NVIM_TEST").is_none(),
            "IVR_NVIM_TEST is set but `nvim` is not installed"
        );
        eprintln!("skipped: nvim is not installed (set IVR_NVIM_TEST to require it)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let flow = dir.path().join("broken.ivr");
    std::fs::write(&flow, BROKEN).unwrap();
    let out = dir.path().join("out.json");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/lsp/nvim.lua");
    // Complete right after `exhausted -> `.
    let (line, character) = at(BROKEN, "bye\n  }");
    let mut child = Command::new("nvim")
        .args(["--headless", "--clean", "-n", "-i", "NONE", "-c"])
        .arg(format!("luafile {script}"))
        .env("IVR_BIN", env!("CARGO_BIN_EXE_ivr"))
        .env("IVR_FLOW", &flow)
        .env("IVR_OUT", &out)
        .env("IVR_LINE", line.to_string())
        .env("IVR_CHAR", character.to_string())
        .env("XDG_CONFIG_HOME", dir.path())
        .env("XDG_DATA_HOME", dir.path())
        .env("XDG_STATE_HOME", dir.path())
        .env("XDG_CACHE_HOME", dir.path())
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("starts nvim");
    let deadline = Instant::now() + Duration::from_secs(90);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("nvim did not finish");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let written = std::fs::read_to_string(&out).expect("nvim wrote its results");
    let result: Value = serde_json::from_str(&written).unwrap();
    assert!(result.get("error").is_none(), "{result}");
    assert_eq!(result["published"], true, "{result}");
    let diagnostics = result["diagnostics"].as_array().unwrap();
    let unknown = diagnostics
        .iter()
        .find(|d| d["code"] == "E003")
        .unwrap_or_else(|| panic!("no E003 in {result}"));
    let (line, _) = at(BROKEN, "salse");
    assert_eq!(unknown["line"], line);
    // Neovim turns the server's UTF-16 column into a byte column: right only
    // if the server counted UTF-16 units past the Devanagari.
    let start = BROKEN.find("salse").unwrap();
    let byte_column = start - BROKEN[..start].rfind('\n').unwrap() - 1;
    assert_eq!(unknown["col"], byte_column);
    assert_eq!(unknown["severity"], 1, "vim.diagnostic.severity.ERROR");
    assert!(
        unknown["message"]
            .as_str()
            .unwrap()
            .contains("did you mean `sales`?")
    );
    let completion: Vec<&str> = result["completion"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(completion, ["main", "sales", "bye", "lonely"], "{result}");
}

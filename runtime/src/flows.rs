//! Finding and reading flow files on disk — the one place the compiler's
//! pure API meets the file system.

use std::path::{Path, PathBuf};

use ivr_compiler::{Compiled, Syntax};

/// A flow file read from disk and compiled.
pub struct FlowFile {
    pub path: PathBuf,
    /// The text as read (lossy for non-UTF-8 files: only for showing diagnostics).
    pub text: String,
    pub compiled: Compiled,
}

/// Why a path could not be checked at all (exit code 2 territory).
#[derive(Debug)]
pub struct LoadError {
    pub path: PathBuf,
    pub reason: String,
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.reason)
    }
}

/// Expand files and folders into flow files (`.ivr`, `.yaml`, `.yml`, not
/// `*.test.yaml`), recursing into folders, sorted for stable output. A file
/// named explicitly is taken whatever its extension says (as `.ivr` unless it
/// ends in `.yaml`/`.yml`), except a scenario file: a shell glob such as
/// `flows/*.yaml` names those too, and they are not flows.
pub fn discover(paths: &[PathBuf]) -> Result<Vec<PathBuf>, LoadError> {
    let mut found = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|e| LoadError {
            path: path.clone(),
            reason: reason(&e),
        })?;
        if meta.is_dir() {
            walk(path, &mut found)?;
        } else if !is_scenario(path) {
            found.push(path.clone());
        }
    }
    Ok(found)
}

/// A scenario file for `ivr test` (`*.test.yaml`, `*.test.yml`), not a flow.
pub fn is_scenario(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    name.ends_with(".test.yaml") || name.ends_with(".test.yml")
}

fn walk(dir: &Path, found: &mut Vec<PathBuf>) -> Result<(), LoadError> {
    let entries = std::fs::read_dir(dir).map_err(|e| LoadError {
        path: dir.to_path_buf(),
        reason: reason(&e),
    })?;
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.starts_with('.') || name == "target" {
            continue;
        }
        if path.is_dir() {
            walk(&path, found)?;
        } else if Syntax::from_path(name).is_some() {
            found.push(path);
        }
    }
    Ok(())
}

/// The syntax of a file: by extension, `.ivr` when in doubt.
pub fn syntax_of(path: &Path) -> Syntax {
    let name = path.to_string_lossy().to_ascii_lowercase();
    if name.ends_with(".yaml") || name.ends_with(".yml") {
        Syntax::Yaml
    } else {
        Syntax::Ivr
    }
}

/// Read and compile one file.
pub fn load(path: &Path) -> Result<FlowFile, LoadError> {
    let bytes = std::fs::read(path).map_err(|e| LoadError {
        path: path.to_path_buf(),
        reason: reason(&e),
    })?;
    let compiled = ivr_compiler::compile_bytes(&bytes, syntax_of(path));
    Ok(FlowFile {
        path: path.to_path_buf(),
        text: String::from_utf8_lossy(&bytes).into_owned(),
        compiled,
    })
}

fn reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

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
            for file in walk(path, is_flow) {
                found.push(file?);
            }
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

/// A flow file by its name (`.ivr`, `.yaml`, `.yml`, not a scenario file).
fn is_flow(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|name| Syntax::from_path(name).is_some())
}

/// The files under `dir` that `keep` takes, depth first in name order (so
/// output is stable), following symbolic links, skipping hidden entries and
/// `target` folders. The one walk of a folder tree: flows and scenario files
/// alike. An entry that cannot be read comes as an error in its place.
pub fn walk(
    dir: &Path,
    keep: fn(&Path) -> bool,
) -> impl Iterator<Item = Result<PathBuf, LoadError>> {
    walkdir::WalkDir::new(dir)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            let name = e.file_name().to_str().unwrap_or("");
            e.depth() == 0 || !(name.starts_with('.') || name == "target")
        })
        .filter_map(move |entry| match entry {
            Ok(e) if e.file_type().is_dir() => None,
            Ok(e) => keep(e.path()).then(|| Ok(e.into_path())),
            Err(e) => Some(Err(LoadError {
                path: e.path().unwrap_or(dir).to_path_buf(),
                reason: match e.io_error() {
                    Some(io) => reason(io),
                    None => e.to_string(),
                },
            })),
        })
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

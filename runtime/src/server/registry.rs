//! The flows the server knows: for each flow name the version new calls get,
//! and every version any call may still be on.
//!
//! A flow's name in URLs is its file stem (`flows/main_line.ivr` →
//! `/twilio/main_line`); a file whose `flow` says another name, or a second
//! file of one stem (`x.yaml` beside `x.ivr`, which is served), is reported.
//! A file that fails to check never replaces a good
//! version: the old one keeps serving and the diagnostics are kept for
//! `GET /api/flows`. Deleting a file stops new calls, not live ones: versions
//! stay in `versions` for calls in progress.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use ivr_compiler::Graph;
use serde::Serialize;

use crate::flows;

#[derive(Default)]
pub struct Registry {
    inner: RwLock<Inner>,
}

#[derive(Default)]
struct Inner {
    flows: BTreeMap<String, FlowEntry>,
    versions: HashMap<String, Arc<Graph>>,
}

#[derive(Clone, Debug, Serialize)]
pub struct FlowEntry {
    pub name: String,
    pub path: PathBuf,
    /// The version new calls get; None if the file never checked clean.
    #[serde(skip)]
    pub current: Option<Arc<Graph>>,
    pub version: Option<String>,
    pub targets: Vec<String>,
    /// Rendered diagnostics of the last load that failed (cleared by a good load).
    pub last_error: Option<String>,
    /// Warnings of the current version.
    pub warnings: usize,
    /// Hash of the file bytes last loaded, to skip unchanged files on rescan.
    #[serde(skip)]
    content: u64,
}

/// What one reload did, for logs and metrics.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ReloadReport {
    pub loaded: Vec<String>,
    pub failed: Vec<String>,
    pub removed: Vec<String>,
    /// Files served under a name they do not say, or not served for a twin.
    pub warnings: Vec<String>,
}

impl Registry {
    /// The version new calls to `flow` get.
    pub fn current(&self, flow: &str) -> Option<Arc<Graph>> {
        self.read().flows.get(flow).and_then(|f| f.current.clone())
    }

    /// A version by hash (for calls in progress).
    pub fn version(&self, version: &str) -> Option<Arc<Graph>> {
        self.read().versions.get(version).cloned()
    }

    /// Remember a version fetched from elsewhere (another replica's store).
    pub fn adopt(&self, graph: Arc<Graph>) {
        self.write()
            .versions
            .entry(graph.version.clone())
            .or_insert(graph);
    }

    pub fn list(&self) -> Vec<FlowEntry> {
        self.read().flows.values().cloned().collect()
    }

    pub fn len(&self) -> usize {
        self.read()
            .flows
            .values()
            .filter(|f| f.current.is_some())
            .count()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bring the registry in line with the flow files under `dir`: compile new
    /// and changed files, drop flows whose file is gone.
    pub fn sync_dir(&self, dir: &Path) -> ReloadReport {
        let files = flows::discover(&[dir.to_path_buf()]).unwrap_or_default();
        let mut report = ReloadReport::default();
        let mut seen: Vec<String> = Vec::new();
        // `x.ivr` sorts before `x.yaml`: the first file of a name is served.
        let mut served: BTreeMap<String, PathBuf> = BTreeMap::new();
        for path in files {
            let Some(name) = path.file_stem().map(|s| s.to_string_lossy().into_owned()) else {
                continue;
            };
            if let Some(first) = served.get(&name) {
                report.warnings.push(format!(
                    "{} is not served: {} already is flow `{name}`; remove one of them",
                    path.display(),
                    first.display()
                ));
                continue;
            }
            served.insert(name.clone(), path.clone());
            let Ok(bytes) = std::fs::read(&path) else {
                continue;
            };
            seen.push(name.clone());
            let content = hash(&bytes);
            if self
                .read()
                .flows
                .get(&name)
                .is_some_and(|f| f.content == content && f.path == path)
            {
                continue;
            }
            let compiled = ivr_compiler::compile_bytes(&bytes, flows::syntax_of(&path));
            let text = String::from_utf8_lossy(&bytes);
            let rendered = ivr_compiler::report::render_plain(
                &path.display().to_string(),
                &text,
                &compiled.diagnostics,
                100,
            );
            let mut inner = self.write();
            let entry = inner
                .flows
                .entry(name.clone())
                .or_insert_with(|| FlowEntry {
                    name: name.clone(),
                    path: path.clone(),
                    current: None,
                    version: None,
                    targets: Vec::new(),
                    last_error: None,
                    warnings: 0,
                    content: 0,
                });
            entry.content = content;
            entry.path = path.clone();
            match compiled.graph {
                Some(graph) => {
                    if graph.flow != name {
                        report.warnings.push(format!(
                            "{} declares flow `{}` but is served as `{name}`, its file's name; \
                             rename one of them",
                            path.display(),
                            graph.flow
                        ));
                    }
                    let graph = Arc::new(graph);
                    entry.version = Some(graph.version.clone());
                    entry.targets = graph
                        .targets
                        .iter()
                        .map(|t| t.as_str().to_string())
                        .collect();
                    entry.current = Some(graph.clone());
                    entry.last_error = None;
                    entry.warnings = compiled.diagnostics.len();
                    inner.versions.insert(graph.version.clone(), graph);
                    report.loaded.push(name);
                }
                None => {
                    entry.last_error = Some(rendered);
                    report.failed.push(name);
                }
            }
        }
        let mut inner = self.write();
        let gone: Vec<String> = inner
            .flows
            .keys()
            .filter(|n| !seen.contains(n))
            .cloned()
            .collect();
        for name in gone {
            inner.flows.remove(&name);
            report.removed.push(name);
        }
        report
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Inner> {
        // A panic while holding the lock cannot leave Inner half-updated in a
        // way that matters more than refusing all calls would.
        self.inner.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Inner> {
        self.inner.write().unwrap_or_else(|e| e.into_inner())
    }
}

fn hash(bytes: &[u8]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut h);
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::Registry;

    const FLOW: &str = "flow NAME {\n  language \"en-US\"\n  targets twilio\n  start bye\n  hangup bye {\n    text \"Bye.\"\n  }\n}\n";

    #[test]
    fn a_twin_file_and_a_flow_named_unlike_its_file_are_reported() {
        let dir = tempfile::tempdir().unwrap();
        let write = |file: &str, name: &str| {
            std::fs::write(dir.path().join(file), FLOW.replace("NAME", name)).unwrap()
        };
        write("line.ivr", "line");
        write("line.yaml", "line");
        write("other.ivr", "renamed");
        let registry = Registry::default();
        let report = registry.sync_dir(dir.path());
        assert_eq!(report.loaded, ["line", "other"]);
        assert_eq!(report.warnings.len(), 2, "{:?}", report.warnings);
        assert!(
            report.warnings[0].contains("line.yaml is not served")
                && report.warnings[0].contains("line.ivr"),
            "{:?}",
            report.warnings
        );
        assert!(
            report.warnings[1].contains("declares flow `renamed` but is served as `other`"),
            "{:?}",
            report.warnings
        );
        assert!(registry.current("line").is_some());
        let served = registry.list();
        assert!(served[0].path.ends_with("line.ivr"), "{:?}", served[0].path);
    }
}

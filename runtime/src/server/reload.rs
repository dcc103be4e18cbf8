//! Hot reload: watch the flows folder and re-sync the registry on change.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use notify_debouncer_full::notify::RecursiveMode;
use notify_debouncer_full::{DebounceEventResult, new_debouncer};

use super::registry::Registry;

/// Debounce: editors save in bursts (write temp, rename, chmod); 50 ms folds a
/// burst into one reload and keeps "saved → live" well under 250 ms.
const DEBOUNCE: Duration = Duration::from_millis(50);

/// Keeps the watcher alive; dropping it stops watching.
pub struct Watcher {
    _debouncer: Box<dyn std::any::Any + Send>,
}

pub fn watch(dir: PathBuf, registry: Arc<Registry>) -> Result<Watcher, String> {
    let watched = dir.clone();
    let mut debouncer = new_debouncer(
        DEBOUNCE,
        Some(Duration::from_millis(25)),
        move |result: DebounceEventResult| {
            let relevant = match &result {
                Ok(events) => events.iter().any(|e| !e.kind.is_access()),
                Err(_) => true,
            };
            if relevant {
                let report = registry.sync_dir(&watched);
                log(&report, &registry);
            }
        },
    )
    .map_err(|e| format!("cannot watch {}: {e}", dir.display()))?;
    debouncer
        .watch(&dir, RecursiveMode::Recursive)
        .map_err(|e| format!("cannot watch {}: {e}", dir.display()))?;
    Ok(Watcher {
        _debouncer: Box::new(debouncer),
    })
}

pub fn log(report: &super::registry::ReloadReport, registry: &Registry) {
    for name in &report.loaded {
        let version = registry
            .current(name)
            .map(|g| g.version[..12].to_string())
            .unwrap_or_default();
        tracing::info!(flow = %name, %version, "flow loaded");
        metrics::counter!("ivr_reloads_total", "flow" => name.clone()).increment(1);
    }
    for name in &report.failed {
        let error = registry
            .list()
            .into_iter()
            .find(|f| &f.name == name)
            .and_then(|f| f.last_error)
            .unwrap_or_default();
        tracing::warn!(flow = %name, "flow has errors; keeping the previous version\n{error}");
        metrics::counter!("ivr_reload_errors_total", "flow" => name.clone()).increment(1);
    }
    for warning in &report.warnings {
        tracing::warn!("{warning}");
    }
    for name in &report.removed {
        tracing::info!(flow = %name, "flow file removed; new calls are refused, live calls go on");
    }
}

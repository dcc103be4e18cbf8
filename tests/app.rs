//! A runtime app for tests: flows from a folder, a chosen store, scripted
//! effects, a fixed clock.

use std::collections::VecDeque;
use std::future::Future;
use std::path::Path;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use ivr_runtime::engine::{Effect, EffectResult};
use ivr_runtime::server::{self, App, Config, EffectRunner};
use ivr_runtime::store::{Store, StoreConfig};

/// Effects answered from a script, in order; what it runs is recorded.
#[derive(Default)]
pub struct ScriptedEffects {
    pub answers: Mutex<VecDeque<EffectResult>>,
    pub ran: Mutex<Vec<Effect>>,
}

impl ScriptedEffects {
    pub fn push(&self, result: EffectResult) {
        self.answers.lock().unwrap().push_back(result);
    }
}

impl EffectRunner for ScriptedEffects {
    fn run<'a>(
        &'a self,
        effect: &'a Effect,
        _provider: ivr_runtime::providers::Provider,
    ) -> Pin<Box<dyn Future<Output = EffectResult> + Send + 'a>> {
        self.ran.lock().unwrap().push(effect.clone());
        let next = self.answers.lock().unwrap().pop_front();
        let result = next.unwrap_or(match effect {
            Effect::Http { .. } => EffectResult::Http {
                status: 0,
                body: None,
            },
            Effect::Sms { .. } => EffectResult::Sms { sent: false },
        });
        Box::pin(async move { result })
    }
}

/// The agent token key of every test app that does not set its own.
pub const AGENT_SECRET: &str = "test agent secret";

/// 2026-01-05T10:00:00Z, a Monday (15:30 in Kolkata: open).
pub const MONDAY: i64 = 1_767_607_200_000;

/// A one-menu flow (`desk.ivr`) for tests about pages, not call logic.
pub const DESK: &str = r#"
flow desk {
  language "en-IN"
  targets twilio

  start main

  menu main {
    prompt "Press 1 for sales."
    "1" -> bye
    exhausted -> bye
  }

  hangup bye {
    text "Goodbye."
  }
}
"#;

pub struct TestApp {
    pub app: App,
    pub effects: Arc<ScriptedEffects>,
}

impl TestApp {
    pub fn new(flows: &Path, store: Store) -> TestApp {
        TestApp::with_config(
            Config {
                flows_dir: flows.to_path_buf(),
                ..Config::default()
            },
            store,
        )
    }

    pub fn with_config(config: Config, store: Store) -> TestApp {
        TestApp::with_effects(config, store, Arc::new(ScriptedEffects::default()))
    }

    /// Replicas of one deployment share one script of effects: whichever
    /// replica runs an effect takes the next answer.
    pub fn with_effects(config: Config, store: Store, effects: Arc<ScriptedEffects>) -> TestApp {
        TestApp::with_runner(config, store, effects.clone(), effects)
    }

    /// Effects run by `runner` (e.g. live call-outs to a local server);
    /// `effects` is only kept for the tests to look at.
    pub fn with_runner(
        config: Config,
        store: Store,
        runner: Arc<dyn EffectRunner>,
        effects: Arc<ScriptedEffects>,
    ) -> TestApp {
        let mut config = config;
        // Replicas of one deployment share the agent token key.
        config
            .agent_secret
            .get_or_insert_with(|| AGENT_SECRET.into());
        let mut app = App::with(config.clone(), store, runner);
        app.clock = Arc::new(|| MONDAY);
        let report = app.registry.sync_dir(&config.flows_dir);
        assert!(
            report.failed.is_empty(),
            "flows failed to load: {:?}",
            report.failed
        );
        TestApp { app, effects }
    }

    pub fn memory(flows: &Path) -> TestApp {
        TestApp::new(flows, Store::memory(StoreConfig::default()))
    }

    pub fn router(&self) -> axum::Router {
        server::router(self.app.clone())
    }

    pub fn at(&mut self, millis: i64) {
        self.app.clock = Arc::new(move || millis);
    }
}

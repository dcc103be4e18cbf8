//! The server's metrics: the one Prometheus recorder, every metric's
//! `# HELP` text, and the labels webhooks and turns are counted under.

use std::sync::OnceLock;

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

use super::registry::Registry;

/// The process-wide Prometheus recorder (the `metrics` facade has one global
/// recorder; every App in a process — tests start several — shares it).
pub(super) fn handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets(&[
                    0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
                ])
                .expect("static buckets are valid")
                .build_recorder();
            let handle = recorder.handle();
            // Another recorder may already be installed (e.g. by a test harness); then ours only renders.
            let _ = metrics::set_global_recorder(recorder);
            describe();
            handle
        })
        .clone()
}

/// The `flow` label of a webhook: the flow's name when the server serves it,
/// else [`UNKNOWN_FLOW`]. The name comes from the URL, which anyone may
/// write: labelling with it unchecked made a series per request.
pub(super) fn flow_label(registry: &Registry, flow: &str) -> String {
    if registry.current(flow).is_some() {
        flow.to_string()
    } else {
        UNKNOWN_FLOW.to_string()
    }
}

/// The one `flow` label of every webhook for a flow the server does not serve.
pub const UNKNOWN_FLOW: &str = "(unknown)";

/// The `outcome` label of the node a turn stopped at (the engine's empty
/// exit name): it waits there for the caller, or hangs up.
pub const STOPPED: &str = "stop";

/// Count one webhook answered for `flow` (already a [`flow_label`]).
pub(super) fn count_webhook(flow: String, outcome: &'static str, seconds: f64) {
    metrics::histogram!("ivr_webhook_seconds", "flow" => flow.clone()).record(seconds);
    metrics::counter!("ivr_webhooks_total", "flow" => flow, "outcome" => outcome).increment(1);
}

/// Count the nodes a committed turn of `flow` went through, by the exit each
/// took ([`STOPPED`] for the node it stopped at).
pub(super) fn count_turn(flow: &str, visits: &[crate::store::Visit]) {
    for v in visits {
        let outcome = if v.exit.is_empty() {
            STOPPED.to_string()
        } else {
            v.exit.clone()
        };
        metrics::counter!("ivr_turns_total", "flow" => flow.to_string(), "node" => v.node.clone(), "outcome" => outcome)
            .increment(1);
    }
}

/// `# HELP` text for every metric, and the build's identity as
/// `ivr_build_info{version, git_sha} 1`. Called once, with the recorder.
fn describe() {
    use metrics::{describe_counter, describe_gauge, describe_histogram};
    describe_counter!(
        "ivr_webhooks_total",
        "Provider webhooks answered, by flow (\"(unknown)\" for a flow not served) and outcome"
    );
    describe_histogram!(
        "ivr_webhook_seconds",
        metrics::Unit::Seconds,
        "Time to answer a provider webhook, by flow"
    );
    describe_counter!(
        "ivr_turns_total",
        "Nodes entered by committed turns, by flow, node and the exit taken (\"stop\": the node the turn stopped at)"
    );
    describe_counter!(
        "ivr_holds_total",
        "Hold answers given while a slow call-out ran on, by flow"
    );
    describe_counter!(
        "ivr_duplicate_turns_total",
        "Retried or duplicated webhooks that found their turn's effects claimed by another and waited for its answer, by flow"
    );
    describe_counter!(
        "ivr_sms_total",
        "SMS sent through /api/sms, by provider and outcome"
    );
    describe_counter!(
        "ivr_calls_placed_total",
        "Calls placed through /api/calls, by provider and outcome"
    );
    describe_counter!(
        "ivr_campaign_calls_total",
        "Campaign numbers dialled, by outcome (placed or refused)"
    );
    describe_counter!(
        "ivr_records_written_total",
        "Finished calls written to PostgreSQL (--records)"
    );
    describe_counter!(
        "ivr_records_dropped_total",
        "Finished calls never written to PostgreSQL, by reason (\"outbox_full\": the store's outbox was full; \"expired\": the store's history record expired first)"
    );
    describe_counter!(
        "ivr_record_write_failures_total",
        "Failed attempts to write call records, by cause (postgres or store); retried with backoff"
    );
    describe_counter!("ivr_reloads_total", "Flow files reloaded, by flow");
    describe_counter!(
        "ivr_reload_errors_total",
        "Flow files that failed to reload, by flow"
    );
    describe_gauge!(
        "ivr_live_calls",
        "Calls in progress (memory store only: with Redis each replica sees its share)"
    );
    describe_gauge!("ivr_flows_loaded", "Flows the server serves");
    describe_gauge!(
        "ivr_build_info",
        "Always 1; the labels say which build answers (git_sha \"unknown\" unless IVR_GIT_SHA was set at build time)"
    );
    metrics::gauge!(
        "ivr_build_info",
        "version" => env!("CARGO_PKG_VERSION"),
        "git_sha" => option_env!("IVR_GIT_SHA").unwrap_or("unknown")
    )
    .set(1.0);
}

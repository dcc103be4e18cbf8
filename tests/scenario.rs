//! Scenario files (`flows/*.test.yaml`) driven through the Twilio emulator,
//! so the same conversations run on the engine (`ivr test`), over Twilio, on
//! either store, and across replicas.

use ivr_compiler::Graph;
use ivr_compiler::graph::NodeKind;
use ivr_runtime::engine::split::branch_for;
use ivr_runtime::engine::{AnsweredBy, DialOutcome, EffectResult, QueueOutcome};
use ivr_runtime::sim::scenario::{Scenario, ScenarioFile, SmsOutcome, Step, text_matches};

use crate::agent::Agent;
use crate::app::ScriptedEffects;
use crate::twilio::{Call, Doc};

/// The `DialCallStatus` a provider reports for a dial outcome (Twilio and
/// Exotel spell them alike).
pub fn dial_status(outcome: DialOutcome) -> &'static str {
    match outcome {
        DialOutcome::Answered => "completed",
        DialOutcome::Busy => "busy",
        DialOutcome::NoAnswer => "no-answer",
        DialOutcome::Failed => "failed",
    }
}

/// Does an agent in the scenario talk for a while (`after: 16m`)? The
/// emulators' apps keep one time, so such scenarios run on the engine
/// (`ivr test`); tests/tests/agent_results.rs moves an app's clock instead.
pub fn takes_time(scenario: &Scenario) -> bool {
    scenario
        .steps
        .iter()
        .any(|s| matches!(s, Step::Agent(a) if a.after.is_some()))
}

/// What Twilio's `AnsweredBy` says for each verdict.
fn twilio_answered_by(who: AnsweredBy) -> &'static str {
    match who {
        AnsweredBy::Human => "human",
        AnsweredBy::Machine => "machine_end_beep",
        AnsweredBy::Unknown => "unknown",
    }
}

/// A call id (from `base`) whose `split`s take the branches the scenario
/// pins: over a provider the call id decides, so the test picks the id.
pub fn call_id_for(graph: &Graph, scenario: &Scenario, base: &str) -> String {
    if scenario.split.is_empty() {
        return base.to_string();
    }
    let takes = |sid: &str| {
        scenario.split.iter().all(|(node, branch)| {
            let branches = graph.find(node).map(|id| &graph.node(id).kind);
            match branches {
                Some(NodeKind::Split { branches }) => {
                    branch_for(branches, sid, node).is_some_and(|b| &b.name == branch)
                }
                _ => false,
            }
        })
    };
    (0..100_000)
        .map(|i| format!("{base}-{i}"))
        .find(|sid| takes(sid))
        .unwrap_or_else(|| panic!("no call id takes the branches {:?}", scenario.split))
}

/// Every scenario file in a folder: (flow stem, scenarios).
pub fn scenario_files(dir: &std::path::Path) -> Vec<(String, ScenarioFile)> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| {
            let path = e.ok()?.path();
            let name = path.file_name()?.to_string_lossy().into_owned();
            let stem = name.strip_suffix(".test.yaml")?.to_string();
            let file: ScenarioFile = serde_yaml::from_str(&std::fs::read_to_string(&path).ok()?)
                .expect("scenario file parses");
            Some((stem, file))
        })
        .collect();
    files.sort_by(|a, b| a.0.cmp(&b.0));
    files
}

/// Drive one scenario through the emulator; return the documents received.
pub async fn drive(call: &mut Call, effects: &ScriptedEffects, scenario: &Scenario) -> Vec<Doc> {
    if takes_time(scenario) {
        return Vec::new();
    }
    let flow = call.flow.clone();
    let steps = &scenario.steps;
    for step in steps {
        match step {
            Step::Http(a) => effects.push(EffectResult::Http {
                status: a.status,
                body: a.body.clone(),
            }),
            Step::Sms(o) => effects.push(EffectResult::Sms {
                sent: *o == SmsOutcome::Sent,
            }),
            _ => {}
        }
    }
    call.from = scenario.caller.clone();
    let first = match (&scenario.answered_by, scenario.vars.is_empty()) {
        // Twilio's answering-machine verdict comes with the first request.
        (Some(who), _) => {
            let query = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("ivr_vars", &serde_json::json!(scenario.vars).to_string())
                .finish();
            let url = format!("{}/twilio/{flow}?{query}", call.base);
            call.post(&url, &[("AnsweredBy", twilio_answered_by(*who))])
                .await
        }
        (None, true) => call.start().await,
        (None, false) => {
            call.start_with_vars(&serde_json::json!(scenario.vars))
                .await
        }
    };
    assert_eq!(first.status, 200, "{}", first.body);
    let mut since: Vec<Doc> = vec![first];
    for (i, step) in steps.iter().enumerate() {
        let doc = match step {
            Step::Press(k) => call.press(k).await,
            Step::Speak(t) => call.speak(t).await,
            Step::Silence => call.silence().await,
            Step::Dial(o) => call.dial_ends(dial_status(*o)).await,
            Step::Queue(o) => {
                call.queue_ends(match o {
                    QueueOutcome::Bridged => "bridged",
                    QueueOutcome::Timeout => "leave",
                    QueueOutcome::Failed => "error",
                })
                .await
            }
            Step::Record(url) if url == "empty" => call.recorded_nothing().await,
            Step::Record(url) => call.recorded(url, "12").await,
            Step::Transcript(text) => {
                let answer = call.transcribed(Some(text)).await;
                assert_eq!(answer.status, 204, "step {}: {}", i + 1, answer.body);
                continue;
            }
            Step::Agent(a) => {
                let last = call
                    .last
                    .clone()
                    .expect("a TwiML document before the agent");
                let relay = last
                    .verb("Connect")
                    .is_some_and(|c| c.children[0].name == "ConversationRelay");
                let data = a.data.as_ref().map(|d| d.to_string()).unwrap_or_default();
                if !a.ok {
                    call.agent_ends(&[("ErrorCode", "31921")]).await
                } else if relay {
                    // ConversationRelay brings the agent's data itself.
                    call.agent_ends(&[("HandoffData", data.as_str())]).await
                } else {
                    // A stream agent posts its result, then hangs up the
                    // stream; on several replicas, to the last one.
                    if let Some(result) = &a.data {
                        let agent = Agent::from_twiml(&last);
                        let router = call.routers.last().expect("a router").clone();
                        let answer = agent.post(&router, result).await;
                        assert!(
                            answer.status.is_success() || answer.status.as_u16() == 422,
                            "step {}: the agent's result: {answer:?}",
                            i + 1
                        );
                    }
                    call.agent_ends(&[]).await
                }
            }
            Step::Hangup => {
                let url = format!("{}/twilio/{flow}/status", call.base);
                let doc = call.post(&url, &[("CallStatus", "completed")]).await;
                assert_eq!(doc.status, 204);
                break;
            }
            Step::Http(_) | Step::Sms(_) => continue,
            Step::Expect(e) => {
                let said: Vec<String> = since.iter().flat_map(|d| d.said()).collect();
                if let Some(p) = &e.say {
                    assert!(
                        said.iter().any(|s| text_matches(p, s)),
                        "step {}: expected to hear {p}, heard {said:?}",
                        i + 1
                    );
                }
                if let Some(t) = &e.transfer {
                    let dialled: Vec<String> = since
                        .iter()
                        .filter_map(|d| d.verb("Dial"))
                        // `<Client>alice</Client>` is the target `client:alice`.
                        .flat_map(|v| {
                            v.children.iter().map(|c| match c.name.as_str() {
                                "Client" => format!("client:{}", c.text),
                                _ => c.text.clone(),
                            })
                        })
                        .collect();
                    assert!(
                        dialled.iter().any(|d| text_matches(t, d)),
                        "step {}: expected a dial to {t}, got {dialled:?}",
                        i + 1
                    );
                }
                if let Some(q) = &e.queue {
                    let queued: Vec<String> = since
                        .iter()
                        .filter_map(|d| d.verb("Enqueue"))
                        .map(|v| v.text.clone())
                        .collect();
                    assert!(
                        queued.iter().any(|n| text_matches(q, n)),
                        "step {}: expected queue {q}, got {queued:?}",
                        i + 1
                    );
                }
                if let Some(h) = e.hangup {
                    assert_eq!(
                        since.last().is_some_and(Doc::hangs_up),
                        h,
                        "step {}: hangup",
                        i + 1
                    );
                }
                if let Some(r) = e.record {
                    assert_eq!(
                        since.iter().any(|d| d.verb("Record").is_some()),
                        r,
                        "step {}: record",
                        i + 1
                    );
                }
                continue;
            }
        };
        assert_eq!(doc.status, 200, "step {}: {}", i + 1, doc.body);
        since = vec![doc];
    }
    call.docs.clone()
}

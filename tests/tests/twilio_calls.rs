//! Conversations through the real router, with a Twilio emulator that follows
//! the action URLs in the TwiML it receives. Every flow in flows/ is driven
//! through its scenarios; the TwiML of the first scenario is snapshotted.

use ivr_runtime::engine::{DialOutcome, EffectResult, QueueOutcome};
use ivr_runtime::sim::scenario::{Scenario, ScenarioFile, SmsOutcome, Step, text_matches};
use ivr_tests::app::TestApp;
use ivr_tests::root;
use ivr_tests::twilio::{Call, Doc};

/// Drive one scenario through the emulator; return the documents received.
async fn drive(test: &TestApp, flow: &str, sid: &str, scenario: &Scenario) -> Vec<Doc> {
    let steps = &scenario.steps;
    for step in steps {
        match step {
            Step::Http(a) => test.effects.push(EffectResult::Http {
                status: a.status,
                body: a.body.clone(),
            }),
            Step::Sms(o) => test.effects.push(EffectResult::Sms {
                sent: *o == SmsOutcome::Sent,
            }),
            _ => {}
        }
    }
    let mut call = Call::new(test.router(), flow, sid);
    call.from = scenario.caller.clone();
    let first = if scenario.vars.is_empty() {
        call.start().await
    } else {
        call.start_with_vars(&serde_json::json!(scenario.vars))
            .await
    };
    assert_eq!(first.status, 200, "{}", first.body);
    let mut since: Vec<Doc> = vec![first];
    for (i, step) in steps.iter().enumerate() {
        let doc = match step {
            Step::Press(k) => call.press(k).await,
            Step::Speak(t) => call.speak(t).await,
            Step::Silence => call.silence().await,
            Step::Dial(o) => {
                call.dial_ends(match o {
                    DialOutcome::Answered => "completed",
                    DialOutcome::Busy => "busy",
                    DialOutcome::NoAnswer => "no-answer",
                    DialOutcome::Failed => "failed",
                })
                .await
            }
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
            Step::Agent(a) => {
                let data = a.data.as_ref().map(|d| d.to_string()).unwrap_or_default();
                let mut extra = vec![("HandoffData", data.as_str())];
                if !a.ok {
                    extra = vec![("ErrorCode", "31921")];
                }
                call.agent_ends(&extra).await
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
                        .flat_map(|v| v.children.iter().map(|c| c.text.clone()))
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
    call.docs
}

#[tokio::test]
async fn every_flow_runs_its_scenarios_over_twilio() {
    let flows = root().join("flows");
    let mut ran = 0;
    for entry in std::fs::read_dir(&flows).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let Some(stem) = name.strip_suffix(".test.yaml") else {
            continue;
        };
        let file: ScenarioFile =
            serde_yaml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        for (i, scenario) in file.scenarios.iter().enumerate() {
            let mut test = TestApp::memory(&flows);
            if let Some(at) = &scenario.at {
                test.at(at.parse::<jiff::Timestamp>().unwrap().as_millisecond());
            }
            let docs = drive(&test, stem, &format!("CA{stem}{i}"), scenario).await;
            if i == 0 {
                let transcript: String = docs.iter().map(|d| format!("{}\n\n", d.body)).collect();
                insta::with_settings!({ snapshot_suffix => stem, omit_expression => true, prepend_module_to_snapshot => false }, {
                    insta::assert_snapshot!("twiml", transcript);
                });
            }
            ran += 1;
        }
    }
    assert!(ran >= 20, "ran {ran} scenarios");
}

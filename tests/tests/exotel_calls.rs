//! Conversations through the real router with an Exotel emulator running the
//! generic app (Passthru → Switch Case → applet → Passthru). Every flow that
//! targets Exotel runs its scenarios; the answers of the first are snapshotted.

use axum::http::StatusCode;
use ivr_compiler::graph::Provider;
use ivr_runtime::engine::{AnsweredBy, EffectResult};
use ivr_runtime::server::{Config, WebhookSecrets};
use ivr_runtime::sim::scenario::{Scenario, SmsOutcome, Step, text_matches};
use ivr_runtime::store::{Store, StoreConfig};
use ivr_tests::agent::Agent;
use ivr_tests::app::TestApp;
use ivr_tests::exotel::ExotelCall;
use ivr_tests::root;
use ivr_tests::scenario::{dial_status, scenario_files, takes_time};

/// Exotel reports no error for a Voicebot: scenarios where the agent fails
/// cannot be played over it (one that returns data posts it, as over
/// Twilio), nor those whose agent talks for a while ([`takes_time`]).
fn playable(scenario: &Scenario) -> bool {
    // Exotel detects no answering machines: every call reads `unknown`.
    let detected = matches!(
        scenario.answered_by,
        Some(AnsweredBy::Human | AnsweredBy::Machine)
    );
    !detected
        && !takes_time(scenario)
        && !scenario
            .steps
            .iter()
            .any(|s| matches!(s, Step::Agent(a) if !a.ok))
}

async fn drive(test: &TestApp, call: &mut ExotelCall, scenario: &Scenario) {
    for step in &scenario.steps {
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
    if !scenario.vars.is_empty() {
        call.start_params = vec![(
            "CustomField".into(),
            serde_json::json!({ "vars": scenario.vars }).to_string(),
        )];
    }
    call.from = scenario.caller.clone();
    assert_eq!(call.start().await, StatusCode::OK);
    let mut mark = 0;
    for (i, step) in scenario.steps.iter().enumerate() {
        let before = call.heard.len();
        let status = match step {
            Step::Press(k) => call.press(k).await,
            Step::Silence => call.silence().await,
            Step::Dial(o) => call.dial_ends(dial_status(*o)).await,
            Step::Record(url) => {
                call.recorded((url != "empty").then_some(url.as_str()))
                    .await
            }
            Step::Agent(a) => {
                // The agent posts its result, then closes the socket.
                if let Some(result) = &a.data {
                    let bot = call.heard.iter().rev().find(|h| h.applet == "voicebot");
                    let agent = Agent::from_voicebot(&bot.expect("a voicebot ran").body);
                    let answer = agent.post(&call.router, result).await;
                    assert!(
                        answer.status.is_success() || answer.status.as_u16() == 422,
                        "step {}: the agent's result: {answer:?}",
                        i + 1
                    );
                }
                call.passthru(&[]).await
            }
            Step::Hangup => break,
            Step::Expect(e) => {
                let said: Vec<String> = call.said()[..].to_vec();
                let recent: Vec<String> = call.heard[mark..]
                    .iter()
                    .filter_map(|h| {
                        match h.applet.as_str() {
                                "greeting" => Some(h.body.clone()),
                                "gather" => serde_json::from_str::<serde_json::Value>(&h.body)
                                    .ok()?["gather_prompt"]["text"]
                                    .as_str()
                                    .map(str::to_string),
                                _ => None,
                            }
                    })
                    .collect();
                if let Some(p) = &e.say {
                    // Exotel speaks consecutive prompts as one text: match within it.
                    let found = recent
                        .iter()
                        .any(|s| text_matches(p, s) || s.contains(p.as_str()));
                    assert!(
                        found,
                        "step {}: expected to hear {p}, heard {recent:?} (all: {said:?})",
                        i + 1
                    );
                }
                if let Some(t) = &e.transfer {
                    let dialled: Vec<String> = call.heard[mark..]
                        .iter()
                        .filter(|h| h.applet == "connect")
                        .flat_map(|h| {
                            let json: serde_json::Value = serde_json::from_str(&h.body).unwrap();
                            json["destination"]["numbers"]
                                .as_array()
                                .unwrap()
                                .iter()
                                .map(|n| n.as_str().unwrap().to_string())
                                .collect::<Vec<_>>()
                        })
                        .collect();
                    assert!(
                        dialled.iter().any(|d| text_matches(t, d)),
                        "step {}: expected a connect to {t}, got {dialled:?}",
                        i + 1
                    );
                }
                if let Some(h) = e.hangup {
                    assert_eq!(call.ended(), h, "step {}: hangup", i + 1);
                }
                continue;
            }
            _ => continue,
        };
        assert_eq!(status, StatusCode::OK, "step {}", i + 1);
        // What the caller heard after this step is what the next expectation checks.
        mark = before;
    }
}

#[tokio::test]
async fn every_exotel_flow_runs_its_scenarios_over_the_generic_app() {
    let flows = root().join("flows");
    let mut ran = 0;
    for (stem, file) in scenario_files(&flows) {
        let probe = TestApp::memory(&flows);
        let targets = probe.app.registry.current(&stem).unwrap().targets.clone();
        if !targets.contains(&Provider::Exotel) {
            continue;
        }
        for (i, scenario) in file.scenarios.iter().enumerate() {
            if !playable(scenario) || scenario.at.is_some() {
                continue;
            }
            let test = TestApp::memory(&flows);
            let mut call = ExotelCall::new(test.router(), &stem, &format!("EX{stem}{i}"));
            drive(&test, &mut call, scenario).await;
            if i == 0 {
                let transcript: String = call
                    .heard
                    .iter()
                    .map(|h| format!("{:>9}  {}\n", h.applet, h.body))
                    .collect();
                insta::with_settings!({ snapshot_suffix => stem.clone(), omit_expression => true, prepend_module_to_snapshot => false }, {
                    insta::assert_snapshot!("exotel", transcript);
                });
            }
            ran += 1;
        }
    }
    // vendor_confirmation switches language, so it is Twilio only (E039).
    assert!(ran >= 14, "ran {ran}");
}

#[tokio::test]
async fn a_retried_passthru_gets_the_same_answer_and_advances_once() {
    let test = TestApp::memory(&root().join("flows"));
    let call = ExotelCall::new(test.router(), "main_line", "EXretry");
    let start = "CallSid=EXretry&CallFrom=09812345678&CallTo=08045671200&Direction=incoming&CurrentTime=2026-01-05+15:30:00";
    let first = call
        .request(axum::http::Method::GET, "passthru", start)
        .await;
    let again = call
        .request(axum::http::Method::GET, "passthru", start)
        .await;
    assert_eq!(first.body, again.body);
    let pressed = format!("{start}&digits=%221%22&CurrentTime=2026-01-05+15:30:07");
    let a = call
        .request(axum::http::Method::GET, "passthru", &pressed)
        .await;
    let b = call
        .request(axum::http::Method::GET, "passthru", &pressed)
        .await;
    assert_eq!(a.body, b.body, "a retry replays");
    let connect = call
        .request(axum::http::Method::GET, "connect", start)
        .await;
    assert!(
        a.body.contains("greeting") || a.body.contains("connect"),
        "{}",
        a.body
    );
    let next = format!("{start}&CurrentTime=2026-01-05+15:30:09");
    let c = call
        .request(axum::http::Method::GET, "passthru", &next)
        .await;
    assert_eq!(
        c.body, r#"{"select":"connect"}"#,
        "one step on, not two: {}",
        c.body
    );
    assert!(connect.body.contains("numbers"));
}

/// Two Greetings in a row: Exotel comes back to the Passthru after each with
/// the same parameters (its `CurrentTime` counts whole seconds). The
/// Greeting fetched between them says the second is a new Passthru; with no
/// fetch between, it is a retry.
#[tokio::test]
async fn identical_passthrus_advance_when_an_applet_was_fetched_between_them() {
    use axum::http::Method;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("jingles.ivr"),
        r#"flow jingles {
  language "en-IN"
  targets exotel
  start hello

  say hello {
    audio "https://cdn.example.com/one.mp3", "https://cdn.example.com/two.mp3"
    next -> bye
  }

  hangup bye {
    text "Goodbye."
  }
}
"#,
    )
    .unwrap();
    let test = TestApp::memory(dir.path());
    let call = ExotelCall::new(test.router(), "jingles", "EXsame");
    // Every request carries exactly these parameters.
    let same = "CallSid=EXsame&CallFrom=09812345678&CallTo=08045671200&Direction=incoming&CurrentTime=2026-01-05+15:30:00";
    let passthru = || call.request(Method::GET, "passthru", same);
    let greeting = || call.request(Method::GET, "greeting", same);

    let first = passthru().await;
    assert_eq!(first.body, r#"{"select":"greeting"}"#);
    assert_eq!(
        passthru().await.body,
        first.body,
        "no fetch yet: a retry replays"
    );
    assert_eq!(greeting().await.body, "https://cdn.example.com/one.mp3");

    // The Greeting was fetched: the same parameters again are the next Passthru.
    let second = passthru().await;
    assert_eq!(second.body, r#"{"select":"greeting"}"#);
    assert_eq!(
        greeting().await.body,
        "https://cdn.example.com/two.mp3",
        "the call advanced to the second Greeting"
    );
    let third = passthru().await;
    let retried = passthru().await;
    assert_eq!(retried.body, third.body, "a retry of the third replays");
    assert_eq!(
        greeting().await.body,
        "Goodbye.",
        "and the call advanced once, not twice"
    );
}

#[tokio::test]
async fn the_secret_segment_guards_every_url() {
    let config = Config {
        flows_dir: root().join("flows"),
        webhooks: WebhookSecrets {
            exotel_secret: Some("s3cr3t".into()),
            ..Default::default()
        },
        ..Config::default()
    };
    let test = TestApp::with_config(config, Store::memory(StoreConfig::default()));
    let mut open = ExotelCall::new(test.router(), "main_line", "EXopen");
    assert_eq!(open.start().await, StatusCode::FORBIDDEN);
    let mut wrong = ExotelCall::new(test.router(), "main_line", "EXwrong");
    wrong.prefix = "/exotel/guess".into();
    assert_eq!(wrong.start().await, StatusCode::FORBIDDEN);
    let mut right = ExotelCall::new(test.router(), "main_line", "EXright");
    right.prefix = "/exotel/s3cr3t".into();
    assert_eq!(right.start().await, StatusCode::OK);
    assert!(
        right
            .said()
            .iter()
            .any(|s| s.contains("Thank you for calling Acme Corporation.")),
        "{:?}",
        right.said()
    );
}

#[tokio::test]
async fn parameter_names_are_read_in_any_case_and_unknown_calls_end_politely() {
    let test = TestApp::memory(&root().join("flows"));
    let call = ExotelCall::new(test.router(), "main_line", "EXcase");
    let answer = call
        .request(
            axum::http::Method::GET,
            "passthru",
            "callsid=EXcase&callfrom=0981&callto=0804&direction=incoming",
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.body, r#"{"select":"gather"}"#);
    let nobody = call
        .request(axum::http::Method::GET, "gather", "CallSid=EXnobody")
        .await;
    assert_eq!(
        nobody.status,
        StatusCode::OK,
        "a stale applet URL gets a harmless answer"
    );
    let missing = call
        .request(axum::http::Method::GET, "passthru", "CallFrom=0981")
        .await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn an_ai_hand_off_goes_to_the_voicebot_and_comes_back_through_the_passthru() {
    let test = TestApp::memory(&root().join("flows"));
    let mut call = ExotelCall::new(test.router(), "ai_receptionist", "EXagent");
    assert_eq!(call.start().await, StatusCode::OK);
    let bot = call
        .heard
        .iter()
        .find(|h| h.applet == "voicebot")
        .expect("the voicebot applet ran");
    let json: serde_json::Value = serde_json::from_str(&bot.body).unwrap();
    // The agent's parameters ride in the URL's query (Exotel passes no
    // others), the flow's first, then where to post the result.
    let url = json["url"].as_str().unwrap();
    assert!(
        url.starts_with(
            "wss://agents.example.com/receptionist?caller=09812345678&line=main\
             &ivr_result_url=http%3A%2F%2F127.0.0.1%3A8080%2Fagent%2FEXagent%2Fresult\
             &ivr_result_token="
        ),
        "{url}"
    );
    assert!(
        call.said().iter().any(|s| s.contains("I am Asha")),
        "the greeting first: {:?}",
        call.said()
    );
    // The socket closes without a result (tests/tests/agent_results.rs posts
    // one); Exotel returns to the Passthru and the flow goes on, at `failed`:
    // this flow needs the agent's answer.
    assert_eq!(call.passthru(&[]).await, StatusCode::OK);
    assert_eq!(call.current.as_deref(), Some("connect"), "{:?}", call.heard);
    assert!(
        call.said()
            .iter()
            .any(|s| s.contains("Sorry, I am having trouble right now.")),
        "{:?}",
        call.said()
    );
}

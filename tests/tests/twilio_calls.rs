//! Conversations through the real router, with a Twilio emulator that follows
//! the action URLs in the TwiML it receives. Every flow in flows/ is driven
//! through its scenarios; the TwiML of the first scenario is snapshotted.

use ivr_tests::app::TestApp;
use ivr_tests::root;
use ivr_tests::scenario::{call_id_for, drive, scenario_files};
use ivr_tests::twilio::Call;

#[tokio::test]
async fn every_flow_runs_its_scenarios_over_twilio() {
    let flows = root().join("flows");
    let mut ran = 0;
    for (stem, file) in scenario_files(&flows) {
        for (i, scenario) in file.scenarios.iter().enumerate() {
            let mut test = TestApp::memory(&flows);
            if let Some(at) = &scenario.at {
                test.at(at.parse::<jiff::Timestamp>().unwrap().as_millisecond());
            }
            let graph = test
                .app
                .registry
                .current(&stem)
                .expect("the flow is served");
            let sid = call_id_for(&graph, scenario, &format!("CA{stem}{i}"));
            let mut call = Call::new(test.router(), &stem, &sid);
            let docs = drive(&mut call, &test.effects, scenario).await;
            if i == 0 {
                let transcript: String = docs.iter().map(|d| format!("{}\n\n", d.body)).collect();
                insta::with_settings!({ snapshot_suffix => stem.clone(), omit_expression => true, prepend_module_to_snapshot => false }, {
                    insta::assert_snapshot!("twiml", transcript);
                });
            }
            ran += 1;
        }
    }
    assert!(ran >= 20, "ran {ran} scenarios");
}

/// An agent over ConversationRelay: Twilio does the speech both ways in the
/// call's language, and the agent's `end` message comes back as HandoffData.
#[tokio::test]
async fn a_text_agent_takes_the_call_over_conversation_relay_and_hands_back() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("helpdesk.ivr"),
        r#"
flow helpdesk {
  language "en-IN"
  targets twilio
  var outcome: json
  start agent
  ai agent {
    greeting "Connecting you to our assistant."
    url "wss://agents.example.com/relay"
    mode relay
    param caller "{call.from}"
    into outcome
    done -> resolved
    failed -> sorry
  }
  hangup resolved {
    text "Your request {outcome.ticket} is done."
  }
  hangup sorry {
    text "Sorry, the assistant is not available."
  }
}
"#,
    )
    .unwrap();
    let test = TestApp::memory(dir.path());
    let mut call = Call::new(test.router(), "helpdesk", "CArelay1");
    let doc = call.start().await;
    assert!(doc.said_text().contains("Connecting you"), "{}", doc.body);
    let connect = doc.verb("Connect").expect("a <Connect>");
    let relay = &connect.children[0];
    assert_eq!(relay.name, "ConversationRelay");
    assert_eq!(relay.attr("url"), Some("wss://agents.example.com/relay"));
    assert_eq!(relay.attr("language"), Some("en-IN"));
    assert_eq!(relay.children[0].attr("value"), Some("+919812345678"));
    let back = call
        .agent_ends(&[("HandoffData", r#"{"ticket": "T-9"}"#)])
        .await;
    assert!(
        back.said_text().contains("Your request T-9 is done."),
        "{}",
        back.body
    );
    assert!(back.hangs_up());
}

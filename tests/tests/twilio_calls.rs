//! Conversations through the real router, with a Twilio emulator that follows
//! the action URLs in the TwiML it receives. Every flow in flows/ is driven
//! through its scenarios; the TwiML of the first scenario is snapshotted.

use ivr_tests::app::TestApp;
use ivr_tests::root;
use ivr_tests::scenario::{drive, scenario_files};
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
            let mut call = Call::new(test.router(), &stem, &format!("CA{stem}{i}"));
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

//! A voice agent returns a typed result (docs/agents.md): it finds the
//! result URL and token among its parameters, posts its result, ends the
//! stream, and the call takes the branch the result asks for — through the
//! Twilio and the Exotel emulators, on memory and on Redis, across replicas.
//! Then everything an outsider might try on the public route.

use axum::http::StatusCode;
use ivr_runtime::store::testing::RedisServer;
use ivr_runtime::store::{Store, StoreConfig};
use ivr_tests::agent::{Agent, post_json};
use ivr_tests::app::{MONDAY, TestApp};
use ivr_tests::exotel::ExotelCall;
use ivr_tests::root;
use ivr_tests::twilio::{Call, Doc};
use serde_json::json;

const FLOW: &str = "ai_receptionist";
const FRONT_DESK: &str = "+918045671200";

fn app(store: Store) -> TestApp {
    TestApp::new(&root().join("flows"), store)
}

fn memory() -> Store {
    Store::memory(StoreConfig::default())
}

fn redis(server: &RedisServer) -> Store {
    Store::open(&server.url(), StoreConfig::default()).expect("redis store")
}

fn dialled(doc: &Doc) -> Vec<String> {
    doc.verb("Dial")
        .map(|d| d.children.iter().map(|c| c.text.clone()).collect())
        .unwrap_or_default()
}

/// The caller asks the agent for a person: the agent posts
/// `{"action": "transfer"}` (to `post_to`), ends the stream, and the call is
/// transferred. Returns the agent for more tries.
async fn twilio_transfer_on_request(runs_on: &TestApp, post_to: &TestApp, sid: &str) -> Agent {
    let mut call = Call::new(runs_on.router(), FLOW, sid);
    let first = call.start().await;
    let stream = &first.verb("Connect").expect("a hand-off").children[0];
    assert_eq!(stream.name, "Stream");
    let agent = Agent::from_twiml(&first);
    // The flow's own parameters come first, untouched.
    assert_eq!(
        agent.params[..2],
        [
            ("caller".to_string(), "+919812345678".to_string()),
            ("line".to_string(), "main".to_string())
        ]
    );
    assert_eq!(
        agent.result_url,
        format!("http://127.0.0.1:8080/agent/{sid}/result")
    );
    let result = json!({"action": "transfer", "summary": "wants to book a table"});
    let answer = agent.post(&post_to.router(), &result).await;
    assert_eq!(answer.status, StatusCode::OK, "{answer:?}");
    assert_eq!(answer.body, json!({"status": "accepted"}));
    // A retry of the same result (keys in another order) is the same result.
    let again = json!({"summary": "wants to book a table", "action": "transfer"});
    assert_eq!(
        agent.post(&runs_on.router(), &again).await.status,
        StatusCode::OK
    );
    let after = call.agent_ends(&[]).await;
    assert_eq!(dialled(&after), [FRONT_DESK], "{}", after.body);
    // The asked-for transfer, not the failure path's (which apologises first).
    assert_eq!(
        after.said(),
        ["Let me connect you to a colleague at the front desk."]
    );
    // The hand-off is over: another result is refused, the first one's
    // retry is still answered alike.
    let late = agent
        .post(
            &runs_on.router(),
            &json!({"action": "none", "summary": "x"}),
        )
        .await;
    assert_eq!(late.status, StatusCode::CONFLICT, "{late:?}");
    assert_eq!(
        agent.post(&runs_on.router(), &result).await.status,
        StatusCode::OK
    );
    agent
}

#[tokio::test]
async fn a_stream_agent_asks_for_a_person_over_twilio_on_memory() {
    let test = app(memory());
    twilio_transfer_on_request(&test, &test, "CAagentmem1").await;
}

#[tokio::test]
async fn a_stream_agent_asks_for_a_person_over_twilio_on_redis_via_another_replica() {
    let server = RedisServer::start();
    let (a, b) = (app(redis(&server)), app(redis(&server)));
    twilio_transfer_on_request(&a, &b, "CAagentredis1").await;
}

/// The same over Exotel: the parameters ride on the Voicebot URL, and the
/// Passthru after the Voicebot brings the call to the front desk.
async fn exotel_transfer_on_request(runs_on: &TestApp, post_to: &TestApp, sid: &str) {
    let mut call = ExotelCall::new(runs_on.router(), FLOW, sid);
    assert_eq!(call.start().await, StatusCode::OK);
    let voicebot = call.heard.last().expect("an applet");
    assert_eq!(voicebot.applet, "voicebot");
    let agent = Agent::from_voicebot(&voicebot.body);
    assert_eq!(agent.params[1], ("line".to_string(), "main".to_string()));
    let answer = agent
        .post(
            &post_to.router(),
            &json!({"action": "transfer", "summary": "billing question"}),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{answer:?}");
    // The Voicebot ends: Exotel goes on to the next Passthru.
    assert_eq!(call.passthru(&[]).await, StatusCode::OK);
    let connect = call.heard.last().expect("an applet");
    assert_eq!(connect.applet, "connect", "{:?}", call.heard);
    assert!(connect.body.contains("8045671200"), "{}", connect.body);
    // The asked-for transfer, not the failure path's apology.
    let said = call.said();
    assert!(
        said.last()
            .is_some_and(|s| s.contains("Let me connect you")),
        "{said:?}"
    );
    assert!(!said.iter().any(|s| s.contains("Sorry")), "{said:?}");
}

#[tokio::test]
async fn a_voicebot_asks_for_a_person_over_exotel_on_memory() {
    let test = app(memory());
    exotel_transfer_on_request(&test, &test, "EXagentmem1").await;
}

#[tokio::test]
async fn a_voicebot_asks_for_a_person_over_exotel_on_redis_via_another_replica() {
    let server = RedisServer::start();
    let (a, b) = (app(redis(&server)), app(redis(&server)));
    exotel_transfer_on_request(&a, &b, "EXagentredis1").await;
}

#[tokio::test]
async fn a_result_that_does_not_fit_is_refused_and_the_call_fails_over() {
    let test = app(memory());
    let mut call = Call::new(test.router(), FLOW, "CAagentmisfit");
    let first = call.start().await;
    let agent = Agent::from_twiml(&first);
    for (result, why) in [
        (
            json!({"action": "sales", "summary": "x"}),
            "field `action` must be one of \"transfer\" | \"none\"",
        ),
        (json!({"action": "transfer"}), "field `summary` is missing"),
        (
            json!({"action": "none", "summary": 3}),
            "field `summary` must be a string",
        ),
    ] {
        let answer = agent.post(&test.router(), &result).await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{result}");
        assert_eq!(answer.body["error"], why);
    }
    // Nothing was stored: the stream ends without a result, which the flow
    // counts as a failure.
    let after = call.agent_ends(&[]).await;
    assert!(
        after.said_text().contains("Sorry, I am having trouble"),
        "{}",
        after.body
    );
    assert_eq!(dialled(&after), [FRONT_DESK]);
}

#[tokio::test]
async fn the_stream_ending_first_closes_the_hand_off() {
    let test = app(memory());
    let mut call = Call::new(test.router(), FLOW, "CAagentlate");
    let first = call.start().await;
    let agent = Agent::from_twiml(&first);
    let after = call.agent_ends(&[]).await;
    assert!(after.said_text().contains("Sorry, I am having trouble"));
    let late = agent
        .post(
            &test.router(),
            &json!({"action": "transfer", "summary": "x"}),
        )
        .await;
    assert_eq!(late.status, StatusCode::CONFLICT);
    assert_eq!(late.body["error"], "the hand-off has ended");
}

#[tokio::test]
async fn past_its_budget_the_agent_has_failed() {
    let mut test = app(memory());
    let mut call = Call::new(test.router(), FLOW, "CAagentslow");
    let first = call.start().await;
    let agent = Agent::from_twiml(&first);
    // 15 minutes is the flow's budget.
    test.at(MONDAY + 15 * 60_000 + 1);
    let late = agent
        .post(
            &test.router(),
            &json!({"action": "transfer", "summary": "x"}),
        )
        .await;
    assert_eq!(late.status, StatusCode::CONFLICT);
    assert_eq!(late.body["error"], "the agent's time budget is spent");
    call.routers = vec![test.router()];
    let after = call.agent_ends(&[]).await;
    assert!(after.said_text().contains("Sorry, I am having trouble"));
}

#[tokio::test]
async fn the_public_route_gives_nothing_away() {
    let test = app(memory());
    let router = test.router();
    let mut call = Call::new(router.clone(), FLOW, "CAagentsec");
    let agent = Agent::from_twiml(&call.start().await);
    let result = br#"{"action": "transfer", "summary": "x"}"#.to_vec();
    let bearer = format!("Bearer {}", agent.token);

    // No token, or not a bearer one: 401, whatever the call.
    for auth in [None, Some("Basic dXNlcjpwYXNz"), Some(agent.token.as_str())] {
        let a = agent.post_raw(&router, auth, result.clone()).await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{auth:?}");
    }
    // A wrong token for a live call, any token for an unknown call, and this
    // call's token on another call: one and the same 404.
    let forged = format!("Bearer {}x", &agent.token[..agent.token.len() - 1]);
    let wrong = agent.post_raw(&router, Some(&forged), result.clone()).await;
    let unknown = post_json(
        &router,
        "/agent/CAnobody/result",
        Some(&bearer),
        result.clone(),
    )
    .await;
    let other = post_json(
        &router,
        "/agent/CAagentsec2/result",
        Some(&bearer),
        result.clone(),
    )
    .await;
    for a in [&wrong, &unknown, &other] {
        assert_eq!(a.status, StatusCode::NOT_FOUND);
        assert_eq!(a.body, wrong.body);
    }
    // Bodies: not JSON, not an object, too big.
    for body in [b"{nope".to_vec(), b"[\"transfer\"]".to_vec(), Vec::new()] {
        let a = agent.post_raw(&router, Some(&bearer), body).await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST);
    }
    let huge = format!(
        r#"{{"action": "transfer", "summary": "{}"}}"#,
        "x".repeat(20_000)
    );
    let a = agent
        .post_raw(&router, Some(&bearer), huge.into_bytes())
        .await;
    assert_eq!(a.status, StatusCode::PAYLOAD_TOO_LARGE);
    // Far too big: refused before it is read.
    let a = agent
        .post_raw(&router, Some(&bearer), vec![b' '; 200_000])
        .await;
    assert_eq!(a.status, StatusCode::PAYLOAD_TOO_LARGE);
    // None of that touched the hand-off: the real result is still taken.
    let a = agent.post_raw(&router, Some(&bearer), result).await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(dialled(&call.agent_ends(&[]).await), [FRONT_DESK]);
}

//! One suite, run against both stores (`both!` below), plus what only Redis
//! can do wrong (round trips, a dead or frozen server).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use ivr_compiler::graph::NodeId;

use super::testing::RedisServer;
use super::*;
use crate::engine::{Attempts, Caller, Direction, Millis, Waiting};

const VERSION: &str = "3f2a9c41d8e07b5a6c19e4f0d2b83a7c5e6f1029384756abcdef0123456789ab";
const T0: Millis = 1_763_700_000_000;

fn call(id: &str, turn: u64) -> CallState {
    CallState {
        call_id: id.into(),
        flow: "main_line".into(),
        version: VERSION.into(),
        node: NodeId(turn as u32),
        waiting: Waiting::Input,
        turn,
        attempts: Attempts::default(),
        visits: BTreeMap::new(),
        vars: BTreeMap::new(),
        language: "en-IN".into(),
        caller: Caller {
            from: "+919876543210".into(),
            to: "+918041234567".into(),
            direction: Direction::Inbound,
            answered_by: None,
        },
        started_at: T0,
        updated_at: T0 + turn as i64 * 1000,
        ended: false,
        recording_call: false,
        transcripts: Default::default(),
        pinned: Default::default(),
        channel: None,
    }
}

fn ended(mut state: CallState) -> CallState {
    state.ended = true;
    state.waiting = Waiting::Nothing;
    state
}

fn visit(node: &str, exit: &str, at: Millis) -> Visit {
    Visit::new(node, exit, at)
}

fn config() -> StoreConfig {
    StoreConfig {
        live_ttl: Duration::from_millis(2500),
        ended_grace: Duration::from_millis(300),
        history_capacity: 5,
        trace_capacity: 4,
        timeout: Duration::from_millis(300),
        prefix: "test:".into(),
        outbox_capacity: 3,
        ..StoreConfig::default()
    }
}

/// A store under test, and a way to get a second replica sharing it.
struct Harness {
    memory: Option<Store>,
    server: Option<RedisServer>,
}

impl Harness {
    fn memory() -> Harness {
        Harness {
            memory: Some(Store::memory(config())),
            server: None,
        }
    }

    fn redis() -> Harness {
        Harness {
            memory: None,
            server: Some(RedisServer::start()),
        }
    }

    /// Another handle on the same calls: the same memory store, or a new
    /// Redis replica (with its own local cache).
    fn replica(&self) -> Store {
        match (&self.memory, &self.server) {
            (Some(store), _) => store.clone(),
            (None, Some(server)) => Store::open(&server.url(), config()).expect("open redis store"),
            (None, None) => unreachable!("a harness has a store"),
        }
    }
}

async fn commit(store: &Store, expected: Option<u64>, state: &CallState, reply: &str) -> Outcome {
    store
        .commit(Commit {
            expected,
            state,
            reply,
            visits: &[],
            restates: false,
        })
        .await
        .expect("commit")
}

macro_rules! both {
    ($($name:ident),* $(,)?) => {
        mod memory {
            $(#[tokio::test]
            async fn $name() {
                super::$name(super::Harness::memory()).await
            })*
        }
        mod redis {
            $(#[tokio::test]
            async fn $name() {
                super::$name(super::Harness::redis()).await
            })*
        }
    };
}

both!(
    first_webhook_creates_the_call,
    commits_advance_the_turn,
    retried_webhook_replays_without_advancing,
    stale_or_unknown_turns_conflict,
    racing_commits_of_one_turn_step_once,
    commits_must_advance_the_turn,
    replicas_share_calls_and_stale_caches_are_harmless,
    live_calls_stay_and_ended_calls_expire,
    final_status_ends_a_live_call,
    graphs_are_stored_by_version,
    history_records_calls,
    history_status_callbacks,
    placed_calls_ring_until_answered,
    history_is_bounded,
    health_is_reachable,
    campaigns_are_created_once_and_read_back,
    only_the_lease_holder_saves_and_events_wait_to_be_applied,
    settled_slots_keep_the_first_offer,
    a_turn_is_claimed_once_until_its_lease_runs_out,
    following_a_reply_marks_it_until_a_new_reply,
    finished_calls_wait_in_the_outbox_until_recorded,
);

async fn a_turn_is_claimed_once_until_its_lease_runs_out(h: Harness) {
    let (a, b) = (h.replica(), h.replica());
    let lease = Duration::from_secs(60);
    // A call's first webhook: nothing stored yet.
    assert_eq!(a.claim("CA1", None, 1, lease).await, Ok(Claim::Won));
    assert_eq!(b.claim("CA1", None, 2, lease).await, Ok(Claim::Taken));
    assert_eq!(
        a.claim("CA1", None, 1, lease).await,
        Ok(Claim::Won),
        "its owner may claim again"
    );
    assert_eq!(
        commit(&a, None, &call("CA1", 1), "r1").await,
        Outcome::Committed
    );
    assert_eq!(
        b.claim("CA1", None, 2, lease).await,
        Ok(Claim::Replay("r1".into())),
        "once committed, a duplicate replays"
    );
    // The next turn is claimed afresh; a turn the call is not at is gone.
    assert_eq!(b.claim("CA1", Some(1), 2, lease).await, Ok(Claim::Won));
    assert_eq!(a.claim("CA1", Some(1), 1, lease).await, Ok(Claim::Taken));
    assert_eq!(a.claim("CA1", Some(7), 1, lease).await, Ok(Claim::Gone));
    assert_eq!(a.claim("CA9", Some(1), 1, lease).await, Ok(Claim::Gone));
    // An owner that never commits is outlived by its lease.
    let short = Duration::from_millis(200);
    assert_eq!(a.claim("CA2", None, 1, short).await, Ok(Claim::Won));
    assert_eq!(b.claim("CA2", None, 2, short).await, Ok(Claim::Taken));
    let started = Instant::now();
    while b.claim("CA2", None, 2, short).await != Ok(Claim::Won) {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the lease never ran out"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(a.claim("CA2", None, 1, short).await, Ok(Claim::Taken));
}

async fn following_a_reply_marks_it_until_a_new_reply(h: Harness) {
    let store = h.replica();
    let followed = |snapshot: Option<Snapshot>| snapshot.unwrap().reply.unwrap().followed;
    assert_eq!(store.follow("CA1").await, Ok(None), "no such call");
    commit(&store, None, &call("CA1", 1), "r1").await;
    assert!(!followed(store.load("CA1", None).await.unwrap()));
    assert!(followed(store.follow("CA1").await.unwrap()));
    assert!(followed(store.load("CA1", None).await.unwrap()));
    // A held turn finished in the background restates the reply: the mark stays.
    let restated = Commit {
        expected: Some(1),
        state: &call("CA1", 2),
        reply: "r1",
        visits: &[],
        restates: true,
    };
    assert_eq!(store.commit(restated).await, Ok(Outcome::Committed));
    assert!(followed(store.load("CA1", None).await.unwrap()));
    // A new reply has not been followed yet.
    commit(&store, Some(2), &call("CA1", 3), "r3").await;
    assert!(!followed(store.load("CA1", None).await.unwrap()));
}

async fn outbox_ids(store: &Store) -> Vec<String> {
    let pending = store.outbox(10).await.expect("outbox");
    pending.into_iter().map(|p| p.call_id).collect()
}

async fn finished_calls_wait_in_the_outbox_until_recorded(h: Harness) {
    let store = h.replica();
    commit(&store, None, &call("CA1", 1), "r").await;
    assert!(
        outbox_ids(&store).await.is_empty(),
        "a live call is not finished"
    );
    commit(&store, Some(1), &ended(call("CA1", 2)), "r").await;
    let first = store.outbox(10).await.unwrap();
    assert_eq!(outbox_ids(&store).await, ["CA1"]);
    // The status callback after the last turn finishes it again: the
    // writer's acknowledgement of the older mark must not remove it.
    store
        .set_status("CA1", CallStatus::Completed, T0 + 5000)
        .await
        .unwrap();
    store.recorded("CA1", first[0].mark).await.unwrap();
    let again = store.outbox(10).await.unwrap();
    assert_eq!(again.len(), 1, "the newer status is still to be written");
    assert_ne!(again[0].mark, first[0].mark);
    // Another replica sees the same outbox (Redis), and acknowledges it.
    h.replica().recorded("CA1", again[0].mark).await.unwrap();
    assert!(outbox_ids(&store).await.is_empty());
    // A status for a call the store never saw records nothing.
    store.set_status("CA9", CallStatus::Busy, T0).await.unwrap();
    assert!(outbox_ids(&store).await.is_empty());
    // A transcript after the end puts the call back (its record changed).
    let transcript = Transcript {
        turn: 1,
        text: Some("hello".into()),
        recording_url: None,
        at: T0 + 9000,
    };
    assert!(store.transcribed("CA1", &transcript).await.unwrap());
    assert_eq!(outbox_ids(&store).await, ["CA1"]);
    // Bounded: the oldest entries go first.
    for id in ["CA2", "CA3", "CA4"] {
        commit(&store, None, &ended(call(id, 1)), "r").await;
    }
    assert_eq!(outbox_ids(&store).await, ["CA2", "CA3", "CA4"]);
}

async fn settled_slots_keep_the_first_offer(h: Harness) {
    let (a, b) = (h.replica(), h.replica());
    // An agent's result and the stream's end race on two replicas: exactly
    // one offer wins, and both see the winner.
    for turn in 1..20 {
        let slot = turn.to_string();
        let (x, y) = tokio::join!(
            a.settle("CA1", &slot, "{\"intent\":\"human\"}"),
            b.settle("CA1", &slot, "!ended")
        );
        let (x, y) = (x.expect("settle"), y.expect("settle"));
        assert_eq!(x, y, "turn {turn}");
        assert!(x == "!ended" || x.starts_with('{'), "turn {turn}: {x}");
    }
    // The same offer again sees itself; another one sees the first.
    assert_eq!(a.settle("CA2", "3", "one").await.unwrap(), "one");
    assert_eq!(b.settle("CA2", "3", "one").await.unwrap(), "one");
    assert_eq!(b.settle("CA2", "3", "two").await.unwrap(), "one");
    // Slots are per call and per name.
    assert_eq!(a.settle("CA2", "4", "two").await.unwrap(), "two");
    assert_eq!(a.settle("CA3", "3", "three").await.unwrap(), "three");
}

async fn first_webhook_creates_the_call(h: Harness) {
    let store = h.replica();
    assert_eq!(store.load("CA1", None).await.unwrap(), None);
    let s1 = call("CA1", 1);
    assert_eq!(
        commit(&store, None, &s1, "<Response>hi</Response>").await,
        Outcome::Committed
    );
    let snap = store.load("CA1", Some(1)).await.unwrap().expect("stored");
    assert_eq!(snap.state, s1);
    assert_eq!(snap.reply_for(None), Some("<Response>hi</Response>"));
    assert_eq!(snap.reply_for(Some(1)), None);
    // Another call is untouched.
    assert_eq!(store.load("CA2", Some(1)).await.unwrap(), None);
}

async fn commits_advance_the_turn(h: Harness) {
    let store = h.replica();
    commit(&store, None, &call("CA1", 1), "r1").await;
    for turn in 1..5 {
        let next = call("CA1", turn + 1);
        assert_eq!(
            commit(&store, Some(turn), &next, &format!("r{}", turn + 1)).await,
            Outcome::Committed
        );
        let snap = store.load("CA1", Some(turn + 1)).await.unwrap().unwrap();
        assert_eq!(snap.state, next);
        assert_eq!(
            snap.reply,
            Some(Reply {
                turn: Some(turn),
                body: format!("r{}", turn + 1),
                followed: false,
            })
        );
    }
}

async fn retried_webhook_replays_without_advancing(h: Harness) {
    let store = h.replica();
    let s1 = call("CA1", 1);
    assert_eq!(commit(&store, None, &s1, "A").await, Outcome::Committed);
    // The first webhook again: same answer, nothing changes.
    assert_eq!(
        commit(&store, None, &s1, "A'").await,
        Outcome::Replay("A".into())
    );

    let s2 = call("CA1", 2);
    assert_eq!(commit(&store, Some(1), &s2, "B").await, Outcome::Committed);
    // The turn-1 webhook retried: the engine may step differently (say, a
    // different digit); the caller must still hear what they heard.
    let mut other = call("CA1", 2);
    other.vars.insert("choice".into(), serde_json::json!("9"));
    assert_eq!(
        commit(&store, Some(1), &other, "C").await,
        Outcome::Replay("B".into())
    );
    let snap = store.load("CA1", None).await.unwrap().unwrap();
    assert_eq!(snap.state, s2);
    assert_eq!(snap.reply_for(Some(1)), Some("B"));
    // Only the last turn's reply is kept: the first webhook no longer replays.
    assert_eq!(
        commit(&store, None, &s1, "A''").await,
        Outcome::Conflict(Some(Box::new(s2)))
    );
}

async fn stale_or_unknown_turns_conflict(h: Harness) {
    let store = h.replica();
    assert_eq!(
        commit(&store, Some(3), &call("CA9", 4), "x").await,
        Outcome::Conflict(None)
    );
    assert_eq!(
        store.load("CA9", None).await.unwrap(),
        None,
        "a conflict stores nothing"
    );

    commit(&store, None, &call("CA1", 1), "r1").await;
    commit(&store, Some(1), &call("CA1", 2), "r2").await;
    let s3 = call("CA1", 3);
    commit(&store, Some(2), &s3, "r3").await;
    let current = Outcome::Conflict(Some(Box::new(s3.clone())));
    assert_eq!(
        commit(&store, Some(1), &call("CA1", 2), "old").await,
        current
    );
    assert_eq!(
        commit(&store, Some(7), &call("CA1", 8), "future").await,
        current
    );
    assert_eq!(store.load("CA1", None).await.unwrap().unwrap().state, s3);
}

async fn racing_commits_of_one_turn_step_once(h: Harness) {
    let (a, b) = (h.replica(), h.replica());
    commit(&a, None, &call("CA1", 1), "r1").await;
    // A webhook and its retry, on two replicas at once.
    for turn in 1..20 {
        let next = call("CA1", turn + 1);
        let (x, y) = tokio::join!(
            commit(&a, Some(turn), &next, "from a"),
            commit(&b, Some(turn), &next, "from b")
        );
        let outcomes = [x, y];
        let committed = outcomes
            .iter()
            .filter(|o| **o == Outcome::Committed)
            .count();
        assert_eq!(committed, 1, "turn {turn}: {outcomes:?}");
        let winner = if outcomes[0] == Outcome::Committed {
            "from a"
        } else {
            "from b"
        };
        assert!(
            outcomes.contains(&Outcome::Replay(winner.into())),
            "turn {turn}: {outcomes:?}"
        );
    }
    assert_eq!(a.load("CA1", None).await.unwrap().unwrap().state.turn, 20);
}

async fn commits_must_advance_the_turn(h: Harness) {
    let store = h.replica();
    let error = store
        .commit(Commit {
            expected: Some(2),
            state: &call("CA1", 2),
            reply: "",
            visits: &[],
            restates: false,
        })
        .await;
    assert!(matches!(error, Err(StoreError::Invalid(_))), "{error:?}");
}

async fn replicas_share_calls_and_stale_caches_are_harmless(h: Harness) {
    let (a, b) = (h.replica(), h.replica());
    assert_eq!(
        commit(&a, None, &call("CA1", 1), "from a").await,
        Outcome::Committed
    );
    // The next webhook lands on b.
    let snap = b
        .load("CA1", Some(1))
        .await
        .unwrap()
        .expect("b sees a's turn");
    assert_eq!(snap.state.turn, 1);
    assert_eq!(
        commit(&b, Some(1), &call("CA1", 2), "from b").await,
        Outcome::Committed
    );
    // Its retry lands on a, whose cache (Redis) still says turn 1: replay b's answer.
    assert_eq!(
        commit(&a, Some(1), &call("CA1", 2), "stale a").await,
        Outcome::Replay("from b".into())
    );
    // The webhook after that lands on a too: it must see b's state.
    let snap = a.load("CA1", Some(2)).await.unwrap().unwrap();
    assert_eq!(snap.state, call("CA1", 2));
    assert_eq!(
        commit(&a, Some(2), &call("CA1", 3), "a again").await,
        Outcome::Committed
    );
    assert_eq!(
        b.load("CA1", Some(3))
            .await
            .unwrap()
            .unwrap()
            .reply_for(Some(2)),
        Some("a again")
    );
}

async fn live_calls_stay_and_ended_calls_expire(h: Harness) {
    // live_ttl 2.5 s, ended_grace 0.3 s.
    let store = h.replica();
    commit(&store, None, &call("CA1", 1), "r1").await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    commit(&store, Some(1), &call("CA1", 2), "r2").await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    // 3 s after the first turn, 1.5 s after the last: the TTL was refreshed.
    assert!(
        store.load("CA1", None).await.unwrap().is_some(),
        "a live call was dropped"
    );

    commit(&store, Some(2), &ended(call("CA1", 3)), "bye").await;
    let snap = store
        .load("CA1", None)
        .await
        .unwrap()
        .expect("kept for retries");
    assert_eq!(snap.reply_for(Some(2)), Some("bye"));
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(
        store.load("CA1", None).await.unwrap(),
        None,
        "an ended call outlived its grace"
    );
    // The history outlives the state.
    assert_eq!(
        store.call("CA1").await.unwrap().unwrap().summary.status,
        CallStatus::Completed
    );
}

async fn final_status_ends_a_live_call(h: Harness) {
    let store = h.replica();
    commit(&store, None, &call("CA1", 1), "r1").await;
    commit(&store, None, &call("CA2", 1), "r1").await;
    store
        .set_status("CA1", CallStatus::Completed, T0 + 5000)
        .await
        .unwrap();
    store
        .set_status("CA2", CallStatus::InProgress, T0 + 5000)
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(
        store.load("CA1", None).await.unwrap(),
        None,
        "the caller hung up: state goes after the grace"
    );
    assert!(store.load("CA2", None).await.unwrap().is_some());
    // Unknown calls are ignored.
    store
        .set_status("CA404", CallStatus::Busy, T0)
        .await
        .unwrap();
    assert_eq!(store.call("CA404").await.unwrap(), None);
}

async fn graphs_are_stored_by_version(h: Harness) {
    let (a, b) = (h.replica(), h.replica());
    assert_eq!(a.get_graph(VERSION).await.unwrap(), None);
    a.put_graph(VERSION, r#"{"flow":"main_line"}"#)
        .await
        .unwrap();
    // A version is its content: the first put wins.
    b.put_graph(VERSION, r#"{"flow":"impostor"}"#)
        .await
        .unwrap();
    assert_eq!(
        b.get_graph(VERSION).await.unwrap().as_deref(),
        Some(r#"{"flow":"main_line"}"#)
    );
    assert_eq!(b.get_graph("0000").await.unwrap(), None);
}

async fn history_records_calls(h: Harness) {
    let store = h.replica();
    let s1 = call("CA1", 1);
    let welcome = [
        visit("welcome", "next", T0),
        visit("menu", "asked", T0 + 10),
    ];
    store
        .commit(Commit {
            expected: None,
            state: &s1,
            reply: "r1",
            visits: &welcome,
            restates: false,
        })
        .await
        .unwrap();
    let mut pressed = visit("menu", "1", T0 + 4000);
    pressed.input = Some("1".into());
    let s2 = ended(call("CA1", 2));
    let goodbye = [pressed.clone(), visit("bye", "hangup", T0 + 4010)];
    store
        .commit(Commit {
            expected: Some(1),
            state: &s2,
            reply: "r2",
            visits: &goodbye,
            restates: false,
        })
        .await
        .unwrap();
    // A replayed turn adds nothing.
    store
        .commit(Commit {
            expected: Some(1),
            state: &s2,
            reply: "r2",
            visits: &goodbye,
            restates: false,
        })
        .await
        .unwrap();

    let detail = store.call("CA1").await.unwrap().expect("recorded");
    assert_eq!(
        detail.summary,
        CallSummary {
            call_id: "CA1".into(),
            flow: "main_line".into(),
            version: VERSION.into(),
            caller: s1.caller.clone(),
            status: CallStatus::Completed,
            started_at: T0,
            ended_at: Some(T0 + 2000),
            duration_ms: Some(2000),
        }
    );
    // trace_capacity 4 keeps everything here, oldest first.
    assert_eq!(detail.trace, [&welcome[..], &goodbye[..]].concat());

    // A live call is in progress, and lists newest first.
    let mut later = call("CA2", 1);
    later.started_at = T0 + 60_000;
    store
        .commit(Commit {
            expected: None,
            state: &later,
            reply: "r",
            visits: &[],
            restates: false,
        })
        .await
        .unwrap();
    let list = store.calls(10).await.unwrap();
    let ids: Vec<_> = list
        .iter()
        .map(|c| (c.call_id.as_str(), c.status))
        .collect();
    assert_eq!(
        ids,
        [
            ("CA2", CallStatus::InProgress),
            ("CA1", CallStatus::Completed)
        ]
    );
    assert_eq!(store.calls(1).await.unwrap().len(), 1);
    assert_eq!(store.calls(usize::MAX).await.unwrap().len(), 2);
    assert_eq!(store.calls(0).await.unwrap(), []);
}

async fn history_status_callbacks(h: Harness) {
    let store = h.replica();
    commit(&store, None, &call("CA1", 1), "r").await;
    store
        .set_status("CA1", CallStatus::Ringing, T0 + 1)
        .await
        .unwrap();
    assert_eq!(
        store.call("CA1").await.unwrap().unwrap().summary.status,
        CallStatus::Ringing
    );
    store
        .set_status("CA1", CallStatus::Busy, T0 + 3000)
        .await
        .unwrap();
    // Late, out-of-order callbacks do not reopen a finished call.
    store
        .set_status("CA1", CallStatus::InProgress, T0 + 3500)
        .await
        .unwrap();
    let summary = store.call("CA1").await.unwrap().unwrap().summary;
    assert_eq!(
        (summary.status, summary.ended_at, summary.duration_ms),
        (CallStatus::Busy, Some(T0 + 3000), Some(3000))
    );
    // An ended commit after a final status keeps the status and the end.
    commit(&store, Some(1), &ended(call("CA1", 2)), "r").await;
    let summary = store.call("CA1").await.unwrap().unwrap().summary;
    assert_eq!(
        (summary.status, summary.ended_at),
        (CallStatus::Busy, Some(T0 + 3000))
    );
}

async fn placed_calls_ring_until_answered(h: Harness) {
    let store = h.replica();
    let mut outbound = call("CA9", 1);
    outbound.caller.direction = Direction::Outbound;
    let placed = CallSummary::placed("CA9", "main_line", VERSION, outbound.caller.clone(), T0);
    store.placed(&placed).await.unwrap();
    let summary = store.call("CA9").await.unwrap().unwrap().summary;
    assert_eq!(
        (summary.status, summary.caller.direction),
        (CallStatus::Ringing, Direction::Outbound)
    );
    assert_eq!(store.calls(10).await.unwrap()[0].call_id, "CA9");
    // Answered: the first webhook's commit moves it on.
    commit(&store, None, &outbound, "r").await;
    assert_eq!(
        store.call("CA9").await.unwrap().unwrap().summary.status,
        CallStatus::InProgress
    );
    // Placing again (a retried API request) changes nothing.
    store.placed(&placed).await.unwrap();
    assert_eq!(
        store.call("CA9").await.unwrap().unwrap().summary.status,
        CallStatus::InProgress
    );
    // A placed call nobody answers ends by its status callback.
    store
        .placed(&CallSummary::placed(
            "CA10",
            "main_line",
            VERSION,
            outbound.caller.clone(),
            T0 + 5,
        ))
        .await
        .unwrap();
    store
        .set_status("CA10", CallStatus::NoAnswer, T0 + 30_000)
        .await
        .unwrap();
    let summary = store.call("CA10").await.unwrap().unwrap().summary;
    assert_eq!(
        (summary.status, summary.ended_at),
        (CallStatus::NoAnswer, Some(T0 + 30_000))
    );
}

async fn history_is_bounded(h: Harness) {
    // history_capacity 5, trace_capacity 4.
    let store = h.replica();
    for i in 0..7 {
        let mut state = call(&format!("CA{i}"), 1);
        state.started_at = T0 + i * 1000;
        store
            .commit(Commit {
                expected: None,
                state: &state,
                reply: "r",
                visits: &[],
                restates: false,
            })
            .await
            .unwrap();
    }
    let ids: Vec<_> = store
        .calls(100)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.call_id)
        .collect();
    assert_eq!(ids, ["CA6", "CA5", "CA4", "CA3", "CA2"]);

    for t in 1..=3u64 {
        let visits = [
            visit(&format!("n{t}a"), "next", 0),
            visit(&format!("n{t}b"), "next", 0),
        ];
        let state = call("CA6", t + 1);
        store
            .commit(Commit {
                expected: Some(t),
                state: &state,
                reply: "r",
                visits: &visits,
                restates: false,
            })
            .await
            .unwrap();
    }
    let trace: Vec<_> = store
        .call("CA6")
        .await
        .unwrap()
        .unwrap()
        .trace
        .into_iter()
        .map(|v| v.node)
        .collect();
    assert_eq!(trace, ["n2a", "n2b", "n3a", "n3b"]);
}

async fn health_is_reachable(h: Harness) {
    let health = h.replica().health().await;
    assert!(health.reachable, "{health:?}");
    assert_eq!(health.error, None);
}

#[test]
fn open_refuses_unknown_stores() {
    let error = Store::open("postgres://db", StoreConfig::default()).unwrap_err();
    assert!(matches!(error, StoreError::Config(_)));
    assert!(
        error
            .to_string()
            .contains("expected `memory` or `redis://host:port`"),
        "{error}"
    );
    // A Redis store outside a Tokio runtime is a configuration error, not a panic.
    assert!(matches!(
        Store::open("redis://127.0.0.1:1", StoreConfig::default()),
        Err(StoreError::Config(_))
    ));
    assert_eq!(
        Store::open("memory", StoreConfig::default())
            .unwrap()
            .kind(),
        "memory"
    );
}

/// The memory store's per-call cost for a realistic call: a few variables,
/// a gather prompt as the kept reply.
#[test]
fn memory_per_live_call_is_small() {
    let mut state = call("CA0123456789abcdef0123456789abcdef", 4);
    state
        .vars
        .insert("account".into(), serde_json::json!("12345678"));
    state
        .vars
        .insert("attempts_left".into(), serde_json::json!(2));
    state.vars.insert("vip".into(), serde_json::json!(false));
    let reply = r#"<?xml version="1.0" encoding="UTF-8"?><Response><Gather input="dtmf" numDigits="1" timeout="5" action="https://ivr.example.com/twilio/main_line?turn=4" language="en-IN"><Say language="en-IN" voice="Polly.Aditi">For billing press 1. For support press 2.</Say></Gather><Redirect>https://ivr.example.com/twilio/main_line?turn=4&amp;noinput=1</Redirect></Response>"#;
    // Worst case: nobody shares the reply.
    let alone = super::memory::live_footprint(&state, reply, 1);
    // Steady state: many callers at the same step.
    let shared = super::memory::live_footprint(&state, reply, 100);
    eprintln!("memory store: {alone} bytes per live call ({shared} with a shared reply)");
    assert!(alone <= 1024, "a live call costs {alone} bytes");
    assert!(shared <= 640, "a live call costs {shared} bytes");
}

/// Measured, not asserted (RSS is noisy): run alone with
/// `cargo test -p ivr-runtime memory_rss -- --ignored --nocapture`.
/// Measured 2026-11-21: 877 bytes per call with unique replies, 637 with
/// shared ones (100,000 calls, one variable each).
#[test]
#[ignore]
fn memory_rss_per_live_call() {
    fn rss_kib() -> usize {
        let status = std::fs::read_to_string("/proc/self/status").unwrap();
        let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
        line.split_whitespace().nth(1).unwrap().parse().unwrap()
    }
    let reply = "<Response><Gather numDigits=\"1\" action=\"https://ivr.example.com/twilio/main_line?turn=4\"><Say>For billing press 1. For support press 2.</Say></Gather></Response>";
    // One pass per process: a second would reuse the first one's freed pages.
    // IVR_RSS_SHARED=1 gives every call the same reply.
    {
        let unique = std::env::var_os("IVR_RSS_SHARED").is_none();
        let store = MemoryStore::new(StoreConfig {
            history_capacity: 0,
            ..config()
        });
        let n = 100_000;
        let before = rss_kib();
        for i in 0..n {
            let mut state = call(&format!("CA{i:032x}"), 1);
            state
                .vars
                .insert("account".into(), serde_json::json!("12345678"));
            let reply = if unique {
                format!("{reply}<!-- {i} -->")
            } else {
                reply.to_string()
            };
            store
                .commit(Commit {
                    expected: None,
                    state: &state,
                    reply: &reply,
                    visits: &[],
                    restates: false,
                })
                .unwrap();
        }
        let after = rss_kib();
        let per_call = (after - before) * 1024 / n;
        println!(
            "memory store: {per_call} bytes per live call (RSS, {n} calls, unique replies: {unique})"
        );
        drop(store);
    }
}

mod redis_only {
    use super::*;

    /// Calls per command name since the server started. Commands run by a
    /// script count too, so the script's own HMGET shows up as an `hmget`.
    fn command_calls(conn: &mut ::redis::Connection) -> BTreeMap<String, u64> {
        let stats: String = ::redis::cmd("INFO")
            .arg("commandstats")
            .query(conn)
            .unwrap();
        stats
            .lines()
            .filter_map(|l| l.strip_prefix("cmdstat_"))
            .filter_map(|l| {
                let (name, rest) = l.split_once(':')?;
                let calls = rest
                    .strip_prefix("calls=")?
                    .split(',')
                    .next()?
                    .parse()
                    .ok()?;
                Some((name.to_string(), calls))
            })
            .collect()
    }

    /// Top-level commands sent between two snapshots: EVALSHA, plus the
    /// HMGETs not made by the script (one per EVALSHA), plus anything else
    /// a turn might send (GET, HGETALL…), minus the counting INFO.
    fn round_trips(before: &BTreeMap<String, u64>, after: &BTreeMap<String, u64>) -> u64 {
        let diff = |name: &str| after.get(name).unwrap_or(&0) - before.get(name).unwrap_or(&0);
        let scripts = diff("evalsha") + diff("eval");
        scripts + (diff("hmget") - scripts) + diff("get") + diff("hgetall") + diff("exists")
    }

    /// The design goal: a turn on the replica that served the previous one is
    /// one round trip (the commit); a turn anywhere else is two.
    #[tokio::test]
    async fn a_turn_is_one_round_trip() {
        let h = Harness::redis();
        let client = ::redis::Client::open(h.server.as_ref().unwrap().url()).unwrap();
        let conn = &mut client.get_connection().unwrap();
        let (a, b) = (h.replica(), h.replica());
        commit(&a, None, &call("CA1", 1), "r1").await; // loads the script
        let before = command_calls(conn);
        assert!(a.load("CA1", Some(1)).await.unwrap().is_some());
        commit(&a, Some(1), &call("CA1", 2), "r2").await;
        assert_eq!(round_trips(&before, &command_calls(conn)), 1);

        let before = command_calls(conn);
        assert!(b.load("CA1", Some(2)).await.unwrap().is_some());
        commit(&b, Some(2), &call("CA1", 3), "r3").await;
        assert_eq!(round_trips(&before, &command_calls(conn)), 2);
    }

    fn assert_fails_fast<T: std::fmt::Debug>(
        what: &str,
        started: Instant,
        result: Result<T, StoreError>,
    ) {
        let took = started.elapsed();
        assert!(
            matches!(
                result,
                Err(StoreError::Timeout(_) | StoreError::Unavailable(_))
            ),
            "{what}: {result:?}"
        );
        // timeout is 300 ms; allow for a loaded machine.
        assert!(took < Duration::from_millis(900), "{what} took {took:?}");
    }

    async fn recovers(store: &Store) -> Duration {
        let started = Instant::now();
        while !store.health().await.reachable {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "no recovery: {:?}",
                store.health().await
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        started.elapsed()
    }

    #[tokio::test]
    async fn a_dead_redis_fails_fast_and_a_restarted_one_is_used_again() {
        let mut h = Harness::redis();
        let store = h.replica();
        commit(&store, None, &call("CA1", 1), "r1").await;
        h.server.as_mut().unwrap().kill();

        // The cached call still loads; everything that needs Redis fails fast.
        assert!(store.load("CA1", Some(1)).await.unwrap().is_some());
        let t = Instant::now();
        let r = store
            .commit(Commit {
                expected: Some(1),
                state: &call("CA1", 2),
                reply: "r2",
                visits: &[],
                restates: false,
            })
            .await;
        assert_fails_fast("commit", t, r);
        let t = Instant::now();
        assert_fails_fast("load", t, store.load("CA2", Some(1)).await);
        let t = Instant::now();
        assert_fails_fast("get_graph", t, store.get_graph(VERSION).await);
        let t = Instant::now();
        assert_fails_fast("calls", t, store.calls(10).await);
        let t = Instant::now();
        let health = store.health().await;
        assert!(!health.reachable && health.error.is_some(), "{health:?}");
        assert!(t.elapsed() < Duration::from_millis(900));

        h.server.as_mut().unwrap().restart();
        let took = recovers(&store).await;
        eprintln!("recovered {took:?} after the restart");
        // The restarted server lost the data (no persistence in tests): the
        // commit is a conflict, and a new call works.
        assert_eq!(
            commit(&store, Some(1), &call("CA1", 2), "r2").await,
            Outcome::Conflict(None)
        );
        assert_eq!(
            commit(&store, None, &call("CA3", 1), "r1").await,
            Outcome::Committed
        );
    }

    #[tokio::test]
    async fn a_frozen_redis_times_out() {
        let h = Harness::redis();
        let store = h.replica();
        commit(&store, None, &call("CA1", 1), "r1").await;
        h.server.as_ref().unwrap().pause();
        let t = Instant::now();
        let r = store
            .commit(Commit {
                expected: Some(1),
                state: &call("CA1", 2),
                reply: "r2",
                visits: &[],
                restates: false,
            })
            .await;
        assert!(t.elapsed() >= Duration::from_millis(300));
        assert!(matches!(r, Err(StoreError::Timeout(_))), "{r:?}");
        assert_fails_fast("commit", t, Err::<(), _>(r.unwrap_err()));
        let t = Instant::now();
        assert!(!store.health().await.reachable);
        assert!(t.elapsed() < Duration::from_millis(900));

        h.server.as_ref().unwrap().resume();
        recovers(&store).await;
        // The timed-out commit may or may not have reached Redis: a retry of
        // it is then a replay, never a double step.
        let again = commit(&store, Some(1), &call("CA1", 2), "r2").await;
        assert!(
            matches!(&again, Outcome::Committed) || again == Outcome::Replay("r2".into()),
            "{again:?}"
        );
    }
}

fn campaign(id: &str, numbers: usize) -> crate::campaign::Campaign {
    use crate::campaign::{Campaign, Retry, Settings, Target};
    Campaign::new(Settings {
        id: id.into(),
        flow: "f".into(),
        provider: crate::providers::Provider::Twilio,
        from: None,
        targets: (0..numbers)
            .map(|i| Target {
                to: format!("+1415555{i:04}"),
                vars: Default::default(),
            })
            .collect(),
        rate_per_sec: 5.0,
        max_concurrent: 2,
        retry: Retry::default(),
        window: None,
        start_at: 0,
        created_at: 1_000,
    })
}

async fn campaigns_are_created_once_and_read_back(h: Harness) {
    let store = h.replica();
    // More numbers than one chunk, so the Redis store writes several.
    let made = campaign("cmp_a", 1_234);
    assert!(store.create_campaign(&made).await.unwrap());
    let again = campaign("cmp_a", 1);
    assert!(
        !store.create_campaign(&again).await.unwrap(),
        "the id is taken"
    );
    let other = h.replica();
    let read = other.campaign("cmp_a").await.unwrap().expect("stored");
    assert_eq!(read, made, "the first one, whole");
    assert_eq!(
        other.campaign_ids(10).await.unwrap(),
        vec!["cmp_a".to_string()]
    );
    assert_eq!(
        other.active_campaigns().await.unwrap(),
        vec!["cmp_a".to_string()]
    );
    assert!(other.campaign("cmp_none").await.unwrap().is_none());
}

async fn only_the_lease_holder_saves_and_events_wait_to_be_applied(h: Harness) {
    use crate::campaign::{Event, Outcome};
    use crate::store::CampaignSave;
    let a = h.replica();
    let b = h.replica();
    let mut c = campaign("cmp_l", 3);
    a.create_campaign(&c).await.unwrap();
    let lease = Duration::from_millis(300);
    assert!(a.lease_campaign("cmp_l", "A", lease).await.unwrap());
    assert!(
        !b.lease_campaign("cmp_l", "B", lease).await.unwrap(),
        "held by A"
    );
    assert!(
        a.lease_campaign("cmp_l", "A", lease).await.unwrap(),
        "A renews"
    );
    let claimed = c.claim(10, 1);
    let event = Event::Outcome {
        entry: 0,
        attempt: 1,
        outcome: Outcome::Busy,
        call_id: "CA1".into(),
    };
    b.report_campaign("cmp_l", &event).await.unwrap();
    let entries: Vec<_> = claimed.iter().map(|i| (*i, &c.entries()[*i])).collect();
    let save = |owner: &'static str, applied: usize, finished: bool| CampaignSave {
        id: "cmp_l",
        owner,
        lease,
        entries: &[],
        applied,
        cancelled: false,
        finished,
    };
    let by_b = b.save_campaign(save("B", 1, false)).await;
    assert!(matches!(by_b, Err(StoreError::Invalid(_))), "{by_b:?}");
    assert_eq!(
        a.campaign_events("cmp_l").await.unwrap(),
        vec![Some(event.clone())]
    );
    a.save_campaign(CampaignSave {
        entries: &entries,
        ..save("A", 0, false)
    })
    .await
    .unwrap();
    assert_eq!(
        a.campaign_events("cmp_l").await.unwrap().len(),
        1,
        "not applied yet: kept"
    );
    let read = b.campaign("cmp_l").await.unwrap().unwrap();
    assert_eq!(read.entries()[0], c.entries()[0], "the claim is on record");
    assert_eq!(read.dialing(), 1);
    a.save_campaign(save("A", 1, true)).await.unwrap();
    assert!(a.campaign_events("cmp_l").await.unwrap().is_empty());
    assert!(a.active_campaigns().await.unwrap().is_empty(), "finished");
    assert!(
        b.lease_campaign("cmp_l", "B", lease).await.unwrap(),
        "released"
    );
    // A lease left to expire passes on too.
    tokio::time::sleep(lease + Duration::from_millis(100)).await;
    assert!(a.lease_campaign("cmp_l", "A", lease).await.unwrap());
}

//! `ivr serve --log-format json`: every line on stderr is one JSON object —
//! the starting line, one line per turn with its fields, the stopping line —
//! and none holds an escape code when stderr is not a terminal.

use std::io::{BufRead, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// Wait (30 s at most) for a stderr line that `wanted` accepts; every line
/// read on the way is kept in `seen`.
fn wait_for(
    lines: &mpsc::Receiver<String>,
    seen: &mut Vec<String>,
    wanted: impl Fn(&str) -> bool,
) -> Option<String> {
    loop {
        let line = lines.recv_timeout(Duration::from_secs(30)).ok()?;
        seen.push(line.clone());
        if wanted(&line) {
            return Some(line);
        }
    }
}

/// POST a Twilio call's first webhook; the answer's status line.
fn first_webhook(port: u16, flow: &str, call: &str) -> String {
    let body = format!(
        "CallSid={call}&From=%2B919812345678&To=%2B918045671200&CallStatus=ringing&Direction=inbound"
    );
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    write!(
        stream,
        "POST /twilio/{flow} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer.lines().next().unwrap_or_default().to_string()
}

#[test]
fn json_logs_start_log_each_turn_and_stop() {
    let dir = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    std::fs::copy(
        root.join("flows/main_line.ivr"),
        dir.path().join("main_line.ivr"),
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_ivr"))
        .args(["serve", "--flows", dir.path().to_str().unwrap()])
        .args(["--listen", "127.0.0.1:0", "--log-format", "json"])
        .env_remove("NO_COLOR")
        .env_remove("RUST_LOG")
        .env_remove("TWILIO_AUTH_TOKEN")
        .env_remove("IVR_OTLP_ENDPOINT")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (send, lines) = mpsc::channel();
    let stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            if send.send(line).is_err() {
                break;
            }
        }
    });
    let mut seen = Vec::new();
    let started = wait_for(&lines, &mut seen, |l| l.contains("ivr started"));
    let stop = |child: &mut std::process::Child| {
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
    };
    let Some(started) = started else {
        let _ = child.kill();
        panic!("no starting line: {seen:?}");
    };
    let started: serde_json::Value = serde_json::from_str(&started).unwrap();
    let listen = started["listen"].as_str().unwrap().to_string();
    let port: u16 = listen.rsplit(':').next().unwrap().parse().unwrap();
    assert_eq!(started["served"], 1, "{started}");

    let status = first_webhook(port, "main_line", "CAjson1");
    assert!(status.contains("200"), "{status}");
    let turn = wait_for(&lines, &mut seen, |l| l.contains("\"turn\""));
    stop(&mut child);
    let stopped = wait_for(&lines, &mut seen, |l| l.contains("ivr stopped"));
    let _ = child.kill();
    let _ = child.wait();

    let turn = turn.unwrap_or_else(|| panic!("no turn line: {seen:?}"));
    assert!(stopped.is_some(), "no stopping line: {seen:?}");
    for line in &seen {
        assert!(
            !line.contains('\u{1b}'),
            "escape codes in a log line: {line:?}"
        );
        let parsed: Result<serde_json::Value, _> = serde_json::from_str(line);
        assert!(
            parsed.is_ok_and(|v| v.is_object()),
            "not one JSON object: {line:?}"
        );
    }
    let turn: serde_json::Value = serde_json::from_str(&turn).unwrap();
    assert_eq!(turn["message"], "turn");
    assert_eq!(turn["level"], "INFO");
    assert_eq!(turn["call"], "CAjson1");
    assert_eq!(turn["flow"], "main_line");
    assert_eq!(turn["provider"], "twilio");
    assert_eq!(turn["path"], "welcome>main");
    assert_eq!(turn["node"], "main");
    assert_eq!(turn["outcome"], "ok");
    assert!(turn["latency_ms"].is_number(), "{turn}");
}

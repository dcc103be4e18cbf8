//! A private `redis-server` for tests: its own free port, no persistence,
//! killed on drop. Never the machine's Redis on 6379.
//!
//! Compiled for this crate's tests and, with the `testing` feature, for other
//! crates' tests (`ivr-runtime = { workspace = true, features = ["testing"] }`).

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A `redis-server` child process on 127.0.0.1.
#[derive(Debug)]
pub struct RedisServer {
    port: u16,
    child: Option<Child>,
}

const READY_WITHIN: Duration = Duration::from_secs(10);

impl RedisServer {
    /// Start a server on a free port and wait until it answers PING.
    ///
    /// Panics with a clear message when `redis-server` is not on PATH.
    pub fn start() -> RedisServer {
        // The port is free when we look but another process may take it
        // before redis binds it: try a few.
        let mut last = String::new();
        for _ in 0..5 {
            let port = free_port();
            let mut server = RedisServer { port, child: None };
            match server.spawn() {
                Ok(()) => return server,
                Err(e) => last = e,
            }
        }
        panic!("could not start redis-server: {last}");
    }

    /// `redis://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Kill the server (SIGKILL: no goodbye to clients) and wait for it.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Start again on the same port (after [`RedisServer::kill`]); the data is gone.
    pub fn restart(&mut self) {
        self.kill();
        let deadline = Instant::now() + READY_WITHIN;
        loop {
            match self.spawn() {
                Ok(()) => return,
                Err(e) if Instant::now() > deadline => {
                    panic!("could not restart redis-server: {e}")
                }
                Err(_) => std::thread::sleep(Duration::from_millis(50)),
            }
        }
    }

    /// Close every client's connection (`CLIENT KILL TYPE normal`), the
    /// server staying up: what a proxy restart or an idle timeout does.
    pub fn drop_clients(&self) {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).expect("connect to redis");
        let _ = stream.set_read_timeout(Some(READY_WITHIN));
        stream
            .write_all(b"CLIENT KILL TYPE normal SKIPME yes\r\n")
            .expect("send CLIENT KILL");
        // The answer is `:N` (how many were closed); wait for it so the
        // connections are gone when this returns.
        let mut answer = [0u8; 1];
        stream
            .read_exact(&mut answer)
            .expect("CLIENT KILL answered");
        assert_eq!(&answer, b":", "CLIENT KILL failed");
        let _ = stream.shutdown(Shutdown::Both);
    }

    /// Freeze the server (SIGSTOP): connections stay open but nothing is
    /// answered, the case only a client-side timeout catches.
    pub fn pause(&self) {
        self.signal("-STOP");
    }

    /// Undo [`RedisServer::pause`].
    pub fn resume(&self) {
        self.signal("-CONT");
    }

    fn signal(&self, signal: &str) {
        let Some(child) = &self.child else { return };
        let status = Command::new("kill")
            .arg(signal)
            .arg(child.id().to_string())
            .status();
        assert!(
            status.is_ok_and(|s| s.success()),
            "kill {signal} {} failed",
            child.id()
        );
    }

    fn spawn(&mut self) -> Result<(), String> {
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no", "--protected-mode", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        let child = match child {
            Ok(child) => child,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => panic!(
                "redis-server is not on PATH; the Redis store tests need it \
                 (Debian/Ubuntu: apt-get install -y redis-server)"
            ),
            Err(e) => panic!("could not run redis-server: {e}"),
        };
        self.child = Some(child);
        let deadline = Instant::now() + READY_WITHIN;
        while Instant::now() < deadline {
            if let Some(child) = &mut self.child
                && let Ok(Some(status)) = child.try_wait()
            {
                self.child = None;
                return Err(format!(
                    "redis-server on port {} exited: {status}",
                    self.port
                ));
            }
            if ping(self.port) {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        self.kill();
        Err(format!(
            "redis-server on port {} did not answer PING",
            self.port
        ))
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.resume();
        self.kill();
    }
}

/// A port nobody listens on now (another process may still take it before
/// our server binds it: callers retry).
pub(crate) fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener.local_addr().expect("local address").port()
}

fn ping(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
    if stream.write_all(b"PING\r\n").is_err() {
        return false;
    }
    let mut answer = [0u8; 7];
    let ok = stream.read_exact(&mut answer).is_ok() && &answer == b"+PONG\r\n";
    let _ = stream.shutdown(Shutdown::Both);
    ok
}

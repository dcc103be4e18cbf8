//! `ivr simulate` at a real terminal (a pseudo-terminal this test holds):
//! line editing, history, the terminal's width. The line editor asks the
//! terminal where its cursor is (ESC[6n); the reader here answers every such
//! question at once, as a terminal would, so nothing waits on a reply.
//! Every wait is for some output, bounded, never a sleep.

use std::ffi::OsString;
use std::fs::File;
use std::io::{Read, Write};
use std::os::unix::ffi::OsStringExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use std::os::unix::fs::OpenOptionsExt;

use rustix::fs::OFlags;
use rustix::pty::{OpenptFlags, grantpt, openpt, ptsname, unlockpt};
use rustix::termios::{Winsize, tcsetwinsize};

const BOUND: Duration = Duration::from_secs(30);
const ASK_CURSOR: &[u8] = b"\x1b[6n";
const AT_TOP_LEFT: &[u8] = b"\x1b[1;1R";

/// `ivr` running on a pseudo-terminal `columns` wide, and what it wrote so far.
struct Terminal {
    child: Child,
    keyboard: File,
    screen: Receiver<Vec<u8>>,
    seen: String,
    /// Where in `seen` the next [`Terminal::expect`] starts looking.
    read: usize,
}

impl Terminal {
    fn start(args: &[&str], columns: u16) -> Terminal {
        let master = openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY).expect("a pseudo-terminal");
        grantpt(&master).unwrap();
        unlockpt(&master).unwrap();
        let name = ptsname(&master, Vec::new()).unwrap();
        let name = PathBuf::from(OsString::from_vec(name.into_bytes()));
        let size = Winsize {
            ws_row: 40,
            ws_col: columns,
            ws_xpixel: 0,
            ws_ypixel: 0,
        };
        tcsetwinsize(&master, size).unwrap();
        let side = |_: ()| {
            Stdio::from(
                std::fs::OpenOptions::new()
                    .read(true)
                    .write(true)
                    // Never this test's own controlling terminal.
                    .custom_flags(OFlags::NOCTTY.bits() as i32)
                    .open(&name)
                    .expect("the terminal's other side"),
            )
        };
        let child = Command::new(env!("CARGO_BIN_EXE_ivr"))
            .args(args)
            .current_dir(root())
            .env("TERM", "xterm")
            .env("NO_COLOR", "1")
            .env_remove("COLUMNS")
            .stdin(side(()))
            .stdout(side(()))
            .stderr(side(()))
            .spawn()
            .expect("runs ivr");
        let master = File::from(master);
        let keyboard = master.try_clone().unwrap();
        let screen = read_and_answer(master);
        Terminal {
            child,
            keyboard,
            screen,
            seen: String::new(),
            read: 0,
        }
    }

    /// Wait (at most [`BOUND`]) for `text` to appear after what was already
    /// expected, and move past it.
    fn expect(&mut self, text: &str) {
        let deadline = Instant::now() + BOUND;
        loop {
            if let Some(at) = self.seen[self.read..].find(text) {
                self.read += at + text.len();
                return;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match self.screen.recv_timeout(left) {
                Ok(bytes) => self.seen.push_str(&String::from_utf8_lossy(&bytes)),
                Err(_) => panic!(
                    "no {text:?} within {BOUND:?}; after the last match the terminal shows:\n{}",
                    &self.seen[self.read..]
                ),
            }
        }
    }

    fn type_keys(&mut self, keys: &str) {
        self.keyboard.write_all(keys.as_bytes()).unwrap();
        self.keyboard.flush().unwrap();
    }

    /// Wait (at most [`BOUND`]) for `ivr` to exit.
    fn exit(mut self) -> (ExitStatus, String) {
        let (done, exited) = channel();
        let mut child = self.child;
        let waiter = std::thread::spawn(move || {
            let status = child.wait();
            let _ = done.send(());
            (child, status)
        });
        if exited.recv_timeout(BOUND).is_err() {
            panic!("ivr did not exit within {BOUND:?}:\n{}", self.seen);
        }
        // The reader stops when the last holder of the terminal's other side
        // (ivr) is gone: read until then, so nothing written is missed.
        let deadline = Instant::now() + BOUND;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.screen.recv_timeout(left) {
                Ok(bytes) => self.seen.push_str(&String::from_utf8_lossy(&bytes)),
                Err(RecvTimeoutError::Disconnected) => break,
                Err(RecvTimeoutError::Timeout) => {
                    panic!("the terminal stayed open after ivr exited:\n{}", self.seen)
                }
            }
        }
        let (_, status) = waiter.join().unwrap();
        (status.unwrap(), self.seen)
    }
}

/// Read the terminal on a thread, answering each cursor-position question
/// as soon as it is read, and pass everything on.
fn read_and_answer(mut master: File) -> Receiver<Vec<u8>> {
    let (send, receive) = channel();
    let mut answer = master.try_clone().unwrap();
    std::thread::spawn(move || {
        let mut buffer = [0u8; 4096];
        // The tail of the last read, so a question split across reads is seen.
        let mut tail: Vec<u8> = Vec::new();
        while let Ok(n) = master.read(&mut buffer) {
            if n == 0 {
                break;
            }
            let mut window = std::mem::take(&mut tail);
            let old = window.len();
            window.extend_from_slice(&buffer[..n]);
            let questions = window
                .windows(ASK_CURSOR.len())
                .enumerate()
                .filter(|(i, w)| *w == ASK_CURSOR && i + ASK_CURSOR.len() > old)
                .count();
            for _ in 0..questions {
                if answer.write_all(AT_TOP_LEFT).is_err() {
                    break;
                }
            }
            tail = window[window.len().saturating_sub(ASK_CURSOR.len() - 1)..].to_vec();
            if send.send(buffer[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    receive
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

const UP: &str = "\x1b[A";
const BACKSPACE: &str = "\x7f";
const ENTER: &str = "\r";

#[test]
fn up_brings_back_the_last_answer_and_the_line_can_be_edited() {
    let mut term = Terminal::start(
        &[
            "simulate",
            "flows/main_line.ivr",
            "--at",
            "2026-12-21T12:00:00+05:30",
        ],
        200,
    );
    term.expect("[silence 0/3, wrong 0/3]> ");
    term.type_keys(&format!("5{ENTER}"));
    term.expect("[silence 0/3, wrong 1/3]> ");
    // ↑ and Enter: the 5 again, so a second wrong key.
    term.type_keys(UP);
    term.expect("5");
    term.type_keys(ENTER);
    term.expect("[silence 0/3, wrong 2/3]> ");
    // `19`, rubbed out to `1`: sales, which dials.
    term.type_keys("19");
    term.expect("19");
    term.type_keys(&format!("{BACKSPACE}{ENTER}"));
    term.expect("dial result: answered, busy, no_answer, failed> ");
    term.type_keys(&format!("answered{ENTER}"));
    let (status, seen) = term.exit();
    assert!(status.success(), "{status}:\n{seen}");
    assert!(!seen.contains("wrong 3/3"), "19 was sent unedited:\n{seen}");
}

#[test]
fn ctrl_d_in_the_middle_of_a_call_fails_and_says_what_was_awaited() {
    let mut term = Terminal::start(
        &[
            "simulate",
            "flows/main_line.ivr",
            "--at",
            "2026-12-21T12:00:00+05:30",
        ],
        200,
    );
    term.expect("wrong 0/3]> ");
    term.type_keys("\x04");
    term.expect("the input ran out while the call waits for keys 1 2 3 9");
    let (status, seen) = term.exit();
    assert_eq!(status.code(), Some(1), "{seen}");
}

#[test]
fn the_transcript_wraps_at_the_terminal_width() {
    let narrow = 40;
    let mut term = Terminal::start(
        &[
            "simulate",
            "flows/main_line.ivr",
            "--at",
            "2026-12-21T12:00:00+05:30",
        ],
        narrow,
    );
    term.expect("]> ");
    term.type_keys(&format!("hangup{ENTER}"));
    let (status, seen) = term.exit();
    assert!(status.success(), "{status}:\n{seen}");
    let transcript = &seen[..seen.find("keys 1 2 3 9").unwrap_or(seen.len())];
    let widest = transcript
        .lines()
        .filter(|l| !l.starts_with("calling "))
        .map(|l| l.trim_end().chars().count())
        .max()
        .unwrap_or(0);
    assert!(
        widest <= usize::from(narrow) && transcript.lines().count() > 3,
        "lines up to {widest} columns on a {narrow}-column terminal:\n{transcript}"
    );
}

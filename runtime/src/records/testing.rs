//! A private PostgreSQL for tests: `initdb` into a temporary folder, the
//! server on a free port of 127.0.0.1 with its socket in that folder, removed
//! on drop. Never the machine's PostgreSQL on 5432.
//!
//! The binaries come from Debian's `postgresql` package
//! (`/usr/lib/postgresql/<version>/bin`; `scripts/test` installs it).
//! PostgreSQL refuses to run as root: when the tests run as root, the
//! folder is given to `nobody` and every command runs as that user through
//! `setpriv` (util-linux).
//!
//! Compiled for this crate's tests and, with the `testing` feature, for other
//! crates' tests.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::store::testing::free_port;

/// A `postgres` child process.
#[derive(Debug)]
pub struct PostgresServer {
    port: u16,
    dir: PathBuf,
    bin: PathBuf,
    /// Run as `nobody` (the tests run as root).
    as_nobody: bool,
    child: Option<Child>,
}

const READY_WITHIN: Duration = Duration::from_secs(30);

impl PostgresServer {
    /// Make a cluster and start it; wait until it takes connections.
    ///
    /// Panics with a clear message when PostgreSQL is not installed.
    pub fn start() -> PostgresServer {
        let bin = binaries().unwrap_or_else(|| {
            panic!(
                "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): \
                 apt-get install postgresql, or run scripts/test"
            )
        });
        let as_nobody = std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0);
        let dir = std::env::temp_dir().join(format!(
            "ivr-postgres-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos())
        ));
        std::fs::create_dir_all(&dir).expect("create the PostgreSQL folder");
        let mut server = PostgresServer {
            port: 0,
            dir,
            bin,
            as_nobody,
            child: None,
        };
        if as_nobody {
            let status = Command::new("chown")
                .args(["nobody:nogroup"])
                .arg(&server.dir)
                .status();
            assert!(
                status.is_ok_and(|s| s.success()),
                "chown nobody {}",
                server.dir.display()
            );
        }
        let data = server.data();
        let out = server
            .command("initdb")
            .args(["-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8"])
            .arg("-D")
            .arg(&data)
            .output()
            .expect("run initdb");
        assert!(
            out.status.success(),
            "initdb failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        // The port is free when we look but another process may take it
        // before postgres binds it: try a few.
        let mut last = String::new();
        for _ in 0..5 {
            server.port = free_port();
            match server.spawn() {
                Ok(()) => return server,
                Err(e) => last = e,
            }
        }
        panic!("could not start postgres: {last}");
    }

    /// `postgres://postgres@127.0.0.1:PORT/postgres`
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// Stop at once, as a crash would: an immediate shutdown (SIGQUIT: no
    /// checkpoint, connections cut; the next start recovers from the WAL).
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill")
                .arg("-QUIT")
                .arg(child.id().to_string())
                .status();
            let _ = child.wait();
        }
    }

    /// Start again on the same port and data (after [`PostgresServer::kill`]).
    pub fn restart(&mut self) {
        self.kill();
        let deadline = Instant::now() + READY_WITHIN;
        loop {
            match self.spawn() {
                Ok(()) => return,
                Err(e) if Instant::now() > deadline => panic!("could not restart postgres: {e}"),
                Err(_) => std::thread::sleep(Duration::from_millis(100)),
            }
        }
    }

    /// Run one SQL statement with `psql`; its output, unaligned, no headers.
    pub fn sql(&self, statement: &str) -> String {
        let out = self
            .command("psql")
            .args(["-h", "127.0.0.1", "-U", "postgres", "-d", "postgres"])
            .args(["-p", &self.port.to_string(), "-X", "-A", "-t", "-v"])
            .arg("ON_ERROR_STOP=1")
            .arg("-c")
            .arg(statement)
            .output()
            .expect("run psql");
        assert!(
            out.status.success(),
            "psql failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    fn data(&self) -> PathBuf {
        self.dir.join("data")
    }

    fn command(&self, program: &str) -> Command {
        let path = self.bin.join(program);
        if self.as_nobody {
            let mut command = Command::new("setpriv");
            command
                .args(["--reuid=nobody", "--regid=nogroup", "--clear-groups"])
                .arg(path)
                // nobody's home does not exist; keep the tools from looking there.
                .env("HOME", &self.dir)
                .current_dir(&self.dir);
            command
        } else {
            let mut command = Command::new(path);
            command.current_dir(&self.dir);
            command
        }
    }

    fn spawn(&mut self) -> Result<(), String> {
        let log = std::fs::File::create(self.dir.join(format!("server-{}.log", self.port)))
            .map_err(|e| format!("log file: {e}"))?;
        let mut child = self
            .command("postgres")
            .arg("-D")
            .arg(self.data())
            .args(["-p", &self.port.to_string(), "-h", "127.0.0.1"])
            .arg("-k")
            .arg(&self.dir)
            // No fsync: a test's data need not survive the machine.
            .args(["-F", "-c", "max_connections=50"])
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .map_err(|e| format!("cannot run postgres: {e}"))?;
        let deadline = Instant::now() + READY_WITHIN;
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                return Err(format!(
                    "postgres exited ({status}) on port {}: see {}",
                    self.port,
                    self.dir.display()
                ));
            }
            let ready = self
                .command("pg_isready")
                .args(["-h", "127.0.0.1", "-p", &self.port.to_string(), "-q"])
                .status()
                .is_ok_and(|s| s.success());
            if ready {
                self.child = Some(child);
                return Ok(());
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "postgres did not take connections on port {} within {:?}",
                    self.port, READY_WITHIN
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for PostgresServer {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The newest installed PostgreSQL's binaries.
fn binaries() -> Option<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let version = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            Path::new(&bin)
                .join("initdb")
                .exists()
                .then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

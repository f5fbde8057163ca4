//! The built-in virtual fixture (`kiosk.virtual_fixture`): fresh simulated boards in every
//! configured slot, with the configured fault knobs — run as the test bench's own program,
//! `virtual-fixture station --config FILE` (package `station-demo`), never linked into the app.
//! The app starts it, waits for its `prepared` line (the TPM boards' vendor CA exists, so the
//! station can load its roots) and, on a thread, for `ready`; it stops it by closing its input;
//! if the app dies, the closed pipe stops it too. The boards appear to the station as serial
//! ports in `fixture.ports_file`, as a real fixture's do.

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use station_config::StationConfig;

/// The program's name, looked up beside the app, then on `PATH`
/// (`STATION_VIRTUAL_FIXTURE` names it outright).
const PROGRAM: &str = "virtual-fixture";

/// How long a stopping fixture is given before it is killed.
const STOP_GRACE: Duration = Duration::from_secs(5);

/// A running virtual fixture: the `virtual-fixture` process.
pub struct VirtualFixture {
    child: Child,
}

/// A virtual fixture whose boards are starting.
pub struct Starting(std::thread::JoinHandle<Result<VirtualFixture, FixtureError>>);

impl Starting {
    /// Waits until every board runs.
    pub fn wait(self) -> Result<VirtualFixture, FixtureError> {
        self.0.join().unwrap_or(Err(FixtureError::Panicked))
    }
}

/// Why the virtual fixture did not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FixtureError {
    /// `fixture.ports_file` is not set, so the station could not find the boards.
    #[error("kiosk.virtual_fixture needs fixture.ports_file")]
    NoPortsFile,
    /// The `virtual-fixture` program is not installed (it comes with the test bench).
    #[error(
        "kiosk.virtual_fixture is set, but the virtual-fixture program is not installed (package station-demo); looked beside the app and on PATH"
    )]
    NotInstalled,
    /// The program could not be started.
    #[error("could not start {}", program.display())]
    Spawn {
        /// The program.
        program: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The program ended before its boards ran.
    #[error("the virtual fixture stopped before its boards ran: {0}")]
    Exited(String),
    /// The thread starting the boards panicked (a bug).
    #[error("the thread starting the simulated boards stopped unexpectedly")]
    Panicked,
}

impl VirtualFixture {
    /// Starts `virtual-fixture station --config config_path` for `config`'s slots (creating
    /// the virtual TPMs' local CA on first use, so TPM products find their vendor root). The
    /// boards start on a thread: manufacturing the swtpm of each TPM board takes about a
    /// second, which the login screen does not wait for. [`Starting::wait`] gives the running
    /// fixture.
    pub fn start(config: &StationConfig, config_path: &Path) -> Result<Starting, FixtureError> {
        let program = locate().ok_or(FixtureError::NotInstalled)?;
        Self::start_program(&program, config, config_path)
    }

    /// [`Self::start`] with the `virtual-fixture` program named outright.
    pub fn start_program(
        program: &Path,
        config: &StationConfig,
        config_path: &Path,
    ) -> Result<Starting, FixtureError> {
        if config.fixture.ports_file.is_none() {
            return Err(FixtureError::NoPortsFile);
        }
        let program = program.to_owned();
        let mut child = Command::new(&program)
            .arg("station")
            .arg("--config")
            .arg(config_path)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|source| FixtureError::Spawn {
                program: program.clone(),
                source,
            })?;
        let mut stdout = child.stdout.take().map(BufReader::new);
        let stderr = child.stderr.take();
        // The TPM boards' vendor CA is created first (on first use): the station loads its
        // roots right after this returns, so wait for it here (milliseconds once it exists).
        let prepared = stdout.as_mut().is_some_and(|out| {
            let mut line = String::new();
            out.read_line(&mut line)
                .is_ok_and(|_| line.trim_end() == "prepared")
        });
        let handle = std::thread::Builder::new()
            .name("virtual-fixture".into())
            .spawn(move || {
                // What it says on stderr goes to the log; the last line explains an early end.
                let stderr_reader = stderr.and_then(|stderr| {
                    std::thread::Builder::new()
                        .name("virtual-fixture-stderr".into())
                        .spawn(move || {
                            let mut last = String::new();
                            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                                tracing::warn!(target: "virtual_fixture", "{line}");
                                last = line;
                            }
                            last
                        })
                        .ok()
                });
                let ready = stdout.filter(|_| prepared).and_then(|out| {
                    out.lines()
                        .map_while(Result::ok)
                        .find_map(|l| l.strip_prefix("ready ").map(str::to_owned))
                });
                match ready {
                    Some(ports) => {
                        tracing::info!(pid = child.id(), ports = %ports, "virtual fixture started");
                        Ok(VirtualFixture { child })
                    }
                    None => {
                        let status = child
                            .wait()
                            .map_or_else(|e| e.to_string(), |s| s.to_string());
                        // The program has ended: its stderr is closed, so the reader ends too.
                        let why = stderr_reader
                            .and_then(|r| r.join().ok())
                            .unwrap_or_default();
                        Err(FixtureError::Exited(format!("{why} ({status})")))
                    }
                }
            })
            .map_err(|source| FixtureError::Spawn { program, source })?;
        Ok(Starting(handle))
    }

    /// Stops every simulated board: closes the program's input, then waits for it (killed
    /// after a grace period).
    pub fn stop(mut self) {
        drop(self.child.stdin.take());
        let deadline = Instant::now() + STOP_GRACE;
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `$STATION_VIRTUAL_FIXTURE`, else `virtual-fixture` beside the app's own executable (a
/// build tree, or /usr/bin), else on `PATH`.
fn locate() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("STATION_VIRTUAL_FIXTURE") {
        return Some(PathBuf::from(p));
    }
    let beside = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|d| d.join(PROGRAM)))
        .filter(|p| p.is_file());
    beside.or_else(|| {
        let path = std::env::var_os("PATH")?;
        std::env::split_paths(&path)
            .map(|d| d.join(PROGRAM))
            .find(|p| p.is_file())
    })
}

//! `check`'s side of the worker processes (`src/worker.rs`): each job of
//! the run drives one worker, which checks one VC at a time, and bounds
//! every VC from outside. A VC still running at its deadline plus
//! [`GRACE`] ends `timeout`; one whose worker holds more than the memory
//! budget ends `unknown` ("memory budget"); one whose worker dies ends
//! `unknown` with how it died. In each case the worker's process group is
//! killed (SIGKILL) and the next VC gets a fresh worker, so no solver call
//! that ignores its interrupt and no allocation outside Rust's allocator
//! can hold up or exhaust the run.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use psync_encodings::VerdictKind;

use crate::memory::{gb, tree_resident};
use crate::wire::{Checked, Reply, Request};

/// How long a VC may run past its `--timeout` before its worker is killed:
/// the vacuity review of a proof gets at least 2 s even when the proof used
/// up the VC's time (`encodings/src/check.rs`), and the worker needs a
/// moment to answer.
pub const GRACE: Duration = Duration::from_secs(3);

/// How often the worker's resident size and the deadline are looked at
/// while a VC runs.
const POLL: Duration = Duration::from_millis(10);

/// How long a worker whose output has closed gets to end on its own, so
/// that its exit status can say what happened.
const EXIT_WAIT: Duration = Duration::from_secs(1);

/// A worker process and the lines it has answered.
pub struct Worker {
    child: Child,
    stdin: ChildStdin,
    replies: Receiver<std::io::Result<String>>,
    /// Killed, or ended on its own: it takes no more requests.
    gone: bool,
}

/// Why a VC ended without a reply.
enum Stopped {
    Deadline,
    Memory(u64),
    Died(String),
}

impl Worker {
    /// Start a worker: this executable with the hidden `worker` subcommand,
    /// in a process group of its own (killed as one), killed as well if
    /// the thread that starts it ends first.
    pub fn start() -> std::io::Result<Worker> {
        let exe = std::env::current_exe()?;
        let mut command = Command::new(exe);
        command.arg("worker").stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::inherit()).process_group(0);
        // SAFETY: prctl is async-signal-safe and touches no memory of the
        // parent; it makes the kernel kill the worker if the parent (this
        // thread) dies without doing so itself.
        unsafe {
            command.pre_exec(|| {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) == -1 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let mut child = command.spawn()?;
        let (stdin, stdout) = match (child.stdin.take(), child.stdout.take()) {
            (Some(i), Some(o)) => (i, o),
            _ => return Err(std::io::Error::other("the worker's pipes are missing")),
        };
        let (tx, replies) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        Ok(Worker { child, stdin, replies, gone: false })
    }

    /// The worker's resident size with its descendants', in bytes.
    pub fn resident(&self) -> Option<u64> {
        tree_resident(self.child.id())
    }

    /// Has the worker been killed or ended (see [`Worker::check`])?
    pub fn is_gone(&self) -> bool {
        self.gone
    }

    /// Check the VC of `request` within `timeout` + [`GRACE`] and `budget`
    /// bytes. When the worker had to be killed or died, the outcome says
    /// so and the worker [is gone](Worker::is_gone).
    pub fn check(&mut self, request: &Request, budget: u64) -> Checked {
        let start = Instant::now();
        let deadline = start + request.settings.timeout + GRACE;
        let file = request.file.display().to_string();
        let stopped = match self.exchange(request, deadline, budget) {
            Ok(reply) => {
                if reply.retire {
                    // Solver threads that ignored their interrupt still run
                    // in it: the next VC gets a fresh worker.
                    self.kill();
                }
                return reply.checked(&request.vc, &file);
            }
            Err(stopped) => stopped,
        };
        let (verdict, reason) = match stopped {
            Stopped::Deadline => (
                VerdictKind::Timeout,
                Some(format!(
                    "stopped: its worker gave no answer within the time limit and {} s more (the reduction or the solver \
                     overran the limit, as on a loaded machine); a larger `--timeout` or fewer `--jobs` may decide it",
                    GRACE.as_secs()
                )),
            ),
            Stopped::Memory(held) => (
                VerdictKind::Unknown,
                Some(format!(
                    "memory budget: the VC's worker process held {}, over the budget of {} (--memory)",
                    gb(held),
                    gb(budget)
                )),
            ),
            Stopped::Died(how) => (VerdictKind::Unknown, Some(format!("error: the worker process checking this VC {how}"))),
        };
        Checked::ended(&request.vc, &file, verdict, start.elapsed(), reason)
    }

    /// Send `request` and wait for the reply line, watching the deadline
    /// and the budget; the worker is killed when either is passed.
    fn exchange(&mut self, request: &Request, deadline: Instant, budget: u64) -> Result<Reply, Stopped> {
        let mut line = serde_json::to_string(request).map_err(|e| self.died(format!("was sent no request ({e})")))?;
        line.push('\n');
        if let Err(e) = self.stdin.write_all(line.as_bytes()).and_then(|()| self.stdin.flush()) {
            return Err(self.died(format!("did not take its request ({e})")));
        }
        loop {
            match self.replies.recv_timeout(POLL) {
                Ok(Ok(text)) => {
                    return serde_json::from_str(&text).map_err(|e| self.died(format!("answered what is no reply ({e})")));
                }
                Ok(Err(e)) => return Err(self.died(format!("could not be read ({e})"))),
                Err(RecvTimeoutError::Disconnected) => {
                    // Its output closed: it is ending (a panic, an abort).
                    self.wait_for_end(EXIT_WAIT);
                    return Err(self.died("ended without answering".into()));
                }
                Err(RecvTimeoutError::Timeout) => {}
            }
            if let Some(held) = self.resident().filter(|&r| r > budget) {
                self.kill();
                return Err(Stopped::Memory(held));
            }
            if Instant::now() >= deadline {
                self.kill();
                return Err(Stopped::Deadline);
            }
        }
    }

    /// Wait up to `limit` for the worker to end on its own.
    fn wait_for_end(&mut self, limit: Duration) {
        let until = Instant::now() + limit;
        while matches!(self.child.try_wait(), Ok(None)) && Instant::now() < until {
            std::thread::sleep(POLL);
        }
    }

    /// Kill the worker and say how it had ended (or that it was killed
    /// after `what`).
    fn died(&mut self, what: String) -> Stopped {
        let status = self.kill();
        Stopped::Died(match status.and_then(describe) {
            Some(how) => format!("{what}: {how}"),
            None => what,
        })
    }

    /// Kill the worker's process group and reap the worker; its exit
    /// status if it had ended on its own before.
    fn kill(&mut self) -> Option<ExitStatus> {
        self.gone = true;
        let ended = self.child.try_wait().ok().flatten();
        // The group id is the worker's pid (`process_group(0)`); the
        // descendants in it go too.
        if let Ok(pid) = libc::pid_t::try_from(self.child.id()) {
            // SAFETY: kill has no memory preconditions.
            unsafe { libc::kill(-pid, libc::SIGKILL) };
        }
        let reaped = self.child.wait().ok();
        ended.or(reaped.filter(|s| s.signal() != Some(libc::SIGKILL)))
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.kill();
    }
}

/// How a worker that ended on its own ended, in words.
fn describe(status: ExitStatus) -> Option<String> {
    if let Some(signal) = status.signal() {
        // SAFETY: strsignal returns a pointer to a static or thread-local
        // string, read at once.
        let name = unsafe { std::ffi::CStr::from_ptr(libc::strsignal(signal)) }.to_string_lossy().into_owned();
        return Some(format!("was killed by signal {signal} ({name})"));
    }
    status.code().filter(|&c| c != 0).map(|c| format!("exited with status {c}"))
}

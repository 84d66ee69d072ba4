//! Process plumbing: spawning children that die with the harness, signals, liveness.

use std::io;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command};
use std::sync::mpsc;
use std::sync::{Mutex, OnceLock};
use std::thread;

type SpawnRequest = (Command, mpsc::Sender<io::Result<Child>>);

/// Spawns `cmd`.
///
/// With `die_with_harness`, the child gets `PR_SET_PDEATHSIG = SIGKILL` (Linux), so a test
/// process killed by a timeout does not leak redis-servers. The kernel sends that signal when
/// the *thread* that forked exits, so such children are forked from one long-lived spawner
/// thread rather than from the (short-lived) test threads.
///
/// Without it, the child is put in its own process group, so a terminal's Ctrl-C aimed at the
/// command that started it does not reach it (used for detached clusters).
pub(crate) fn spawn(mut cmd: Command, die_with_harness: bool) -> io::Result<Child> {
    if !die_with_harness {
        cmd.process_group(0);
        return cmd.spawn();
    }
    #[cfg(target_os = "linux")]
    {
        // SAFETY: getpid is always safe to call.
        let harness = unsafe { libc::getpid() };
        // SAFETY: the closure runs between fork and exec and only calls async-signal-safe
        // functions (prctl, getppid, _exit).
        unsafe {
            cmd.pre_exec(move || {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                    return Err(io::Error::last_os_error());
                }
                // The harness may have died before prctl took effect.
                if libc::getppid() != harness {
                    libc::_exit(1);
                }
                Ok(())
            });
        }
        static SPAWNER: OnceLock<Mutex<mpsc::Sender<SpawnRequest>>> = OnceLock::new();
        let sender = SPAWNER
            .get_or_init(|| {
                let (tx, rx) = mpsc::channel::<SpawnRequest>();
                thread::Builder::new()
                    .name("slotwise-testcluster-spawner".into())
                    .spawn(move || {
                        for (mut cmd, reply) in rx {
                            let _ = reply.send(cmd.spawn());
                        }
                    })
                    .expect("starting the process spawner thread");
                Mutex::new(tx)
            })
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let (tx, rx) = mpsc::channel();
        sender
            .send((cmd, tx))
            .map_err(|_| io::Error::other("the process spawner thread is gone"))?;
        rx.recv()
            .map_err(|_| io::Error::other("the process spawner thread is gone"))?
    }
    #[cfg(not(target_os = "linux"))]
    {
        cmd.spawn()
    }
}

/// Sends `sig` to `pid`; a process that is already gone is not an error.
pub(crate) fn signal(pid: u32, sig: libc::c_int) -> io::Result<()> {
    // SAFETY: kill has no memory-safety preconditions.
    if unsafe { libc::kill(pid as libc::pid_t, sig) } == 0 {
        return Ok(());
    }
    let e = io::Error::last_os_error();
    if e.raw_os_error() == Some(libc::ESRCH) {
        Ok(())
    } else {
        Err(e)
    }
}

/// True while a process with this pid exists and is not a zombie.
///
/// Zombies count as gone: a detached redis-server is re-parented to PID 1, which in
/// containers does not always reap its children.
pub fn process_alive(pid: u32) -> bool {
    // SAFETY: signal 0 only checks for existence.
    let exists = unsafe { libc::kill(pid as libc::pid_t, 0) } == 0
        || io::Error::last_os_error().raw_os_error() == Some(libc::EPERM);
    if !exists {
        return false;
    }
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        // The state is the first field after the parenthesised command name.
        Ok(stat) => stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .is_none_or(|state| state != "Z" && state != "X"),
        // Without procfs, trust kill(0); with it, a vanished stat file means it just exited.
        Err(_) => !std::path::Path::new("/proc/self/stat").exists(),
    }
}

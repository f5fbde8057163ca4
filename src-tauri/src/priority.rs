//! The screen before the work behind it. A run's slot threads do their CPU work (signing,
//! the store, framing) at a lower priority than the app's main thread, which carries every
//! message to the page: with 32 slots in a burst the page otherwise waited behind them
//! (issue 29: 32-slot event-to-screen p95 measured with and without, in its closing note).
//! A board waits on its serial line far longer than it computes, and the scheduler still
//! gives a lower-priority thread the CPU the screen does not use, so runs do not slow down
//! on an idle screen.

/// How much nicer than the app a run's threads are (Linux nice steps; 10 weighs about a
/// tenth of the CPU against the main thread when both want it).
pub const RUN_NICENESS: i32 = 10;

/// Runs `work` on a thread of its own at [`RUN_NICENESS`] below the caller; threads it starts
/// inherit that priority. If the priority cannot be changed, `work` runs anyway (logged).
pub fn below_the_screen<T: Send>(work: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name("run".into())
            .spawn_scoped(scope, || {
                if let Err(e) = lower_this_thread(RUN_NICENESS) {
                    tracing::warn!(error = %e, "could not lower the run's CPU priority");
                }
                work()
            })
            .expect("spawning the run's thread")
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}

/// Lowers the calling thread's priority by `by` nice steps (Linux: nice is per thread).
fn lower_this_thread(by: i32) -> std::io::Result<()> {
    let me = Some(rustix::thread::gettid());
    let now = rustix::process::getpriority_process(me)?;
    rustix::process::setpriority_process(me, (now + by).min(19))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nice_of_this_thread() -> i32 {
        rustix::process::getpriority_process(Some(rustix::thread::gettid())).unwrap()
    }

    #[test]
    fn the_work_and_its_threads_run_nicer_and_the_caller_is_left_alone() {
        let before = nice_of_this_thread();
        let (work, child) = below_the_screen(|| {
            let child = std::thread::spawn(nice_of_this_thread).join().unwrap();
            (nice_of_this_thread(), child)
        });
        let want = (before + RUN_NICENESS).min(19);
        assert_eq!(work, want, "the run's own thread");
        assert_eq!(child, want, "a slot thread it starts inherits it");
        assert_eq!(
            nice_of_this_thread(),
            before,
            "the caller keeps its priority"
        );
    }

    #[test]
    fn a_panic_in_the_work_reaches_the_caller() {
        let caught = std::panic::catch_unwind(|| below_the_screen(|| panic!("slot thread bug")));
        assert!(caught.is_err());
    }
}

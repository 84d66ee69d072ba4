//! Shared by the load-under-chaos tests: writer/reader threads over one blocking client.

#![allow(dead_code)]

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::*};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use slotwise::blocking::Client;

/// What the application saw.
#[derive(Debug, Default)]
pub struct LoadReport {
    /// Operations that succeeded.
    pub ok: u64,
    /// Every error returned to the application, with the time it happened.
    pub errors: Vec<(Instant, String)>,
    /// Keys whose SET returned OK, with the value written.
    pub written: Vec<(String, String)>,
    /// Reads that returned a value other than the one last written.
    pub wrong_reads: Vec<String>,
    /// Times of successful writes (for recovery measurements).
    pub write_times: Vec<Instant>,
}

/// Writer threads SET `load:{t}:{i}` then GET it back; one key in 4 is also read later.
pub struct Load {
    stop: Arc<AtomicBool>,
    handles: Vec<JoinHandle<LoadReport>>,
    pub ops: Arc<AtomicU64>,
}

impl Load {
    pub fn start(client: &Client, threads: usize) -> Load {
        let stop = Arc::new(AtomicBool::new(false));
        let ops = Arc::new(AtomicU64::new(0));
        let handles = (0..threads)
            .map(|t| {
                let c = client.clone();
                let stop = stop.clone();
                let ops = ops.clone();
                std::thread::spawn(move || {
                    let mut r = LoadReport::default();
                    let mut i = 0u64;
                    while !stop.load(Acquire) {
                        let key = format!("load:{t}:{i}");
                        let val = format!("value-{t}-{i}");
                        match c.set(&key, &val) {
                            Ok(()) => {
                                r.ok += 1;
                                r.write_times.push(Instant::now());
                                r.written.push((key.clone(), val.clone()));
                                match c.get::<Option<String>>(&key) {
                                    Ok(Some(v)) if v == val => r.ok += 1,
                                    Ok(other) => r.wrong_reads.push(format!("{key}: {other:?}")),
                                    Err(e) => {
                                        r.errors.push((Instant::now(), format!("GET {key}: {e}")))
                                    }
                                }
                            }
                            Err(e) => r.errors.push((Instant::now(), format!("SET {key}: {e}"))),
                        }
                        ops.fetch_add(1, Relaxed);
                        i += 1;
                    }
                    r
                })
            })
            .collect();
        Load { stop, handles, ops }
    }

    /// Polls until at least `n` more operations have completed (the load is really running).
    pub fn wait_for_ops(&self, n: u64, within: Duration) {
        let start = self.ops.load(Relaxed);
        let deadline = Instant::now() + within;
        while self.ops.load(Relaxed) < start + n {
            assert!(Instant::now() < deadline, "load made no progress");
            std::thread::yield_now();
        }
    }

    pub fn stop(self) -> LoadReport {
        self.stop.store(true, Release);
        let mut all = LoadReport::default();
        for h in self.handles {
            let r = h.join().expect("load thread panicked");
            all.ok += r.ok;
            all.errors.extend(r.errors);
            all.written.extend(r.written);
            all.wrong_reads.extend(r.wrong_reads);
            all.write_times.extend(r.write_times);
        }
        all.write_times.sort();
        all
    }
}

/// Reads every written key back; returns the ones missing or wrong.
pub fn verify_all(client: &Client, written: &[(String, String)]) -> Vec<String> {
    let mut bad = Vec::new();
    for chunk in written.chunks(500) {
        let keys: Vec<&String> = chunk.iter().map(|(k, _)| k).collect();
        let got: Vec<Option<String>> = client.mget(&keys).expect("MGET for verification");
        for ((k, v), g) in chunk.iter().zip(got) {
            if g.as_deref() != Some(v.as_str()) {
                bad.push(format!("{k}: expected {v}, got {g:?}"));
            }
        }
    }
    bad
}

pub fn shared_mutex<T>(v: T) -> Arc<Mutex<T>> {
    Arc::new(Mutex::new(v))
}

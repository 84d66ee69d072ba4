//! The workload through slotwise: `N` SETs of `key:<i>`, then `N` GETs checked against the
//! values, in each [`super::Mode`].
//!
//! Written the way an application would use the public API: the typed helpers
//! (`set`, `get::<Option<Bytes>>`) one at a time, and [`Pipeline`] with
//! `run_pipeline` for batches.

use std::sync::Arc;

use bytes::Bytes;
use slotwise::commands::build;
use slotwise::resp::Value;
use slotwise::{aio, blocking, Pipeline};

use super::Workload;

fn err(e: slotwise::Error) -> String {
    format!("slotwise: {e}")
}

/// SET then GET every key, one command at a time, on the calling thread.
pub fn blocking_sequential(c: &blocking::Client, w: &Workload, n: usize) -> Result<(), String> {
    for i in 0..n {
        c.set(w.key(i), w.value(i)).map_err(err)?;
    }
    for i in 0..n {
        let got: Option<Bytes> = c.get(w.key(i)).map_err(err)?;
        w.check(i, got.as_deref())?;
    }
    Ok(())
}

/// SET then GET every key, one command at a time, awaiting each.
pub async fn async_sequential(c: &aio::Client, w: &Workload, n: usize) -> Result<(), String> {
    for i in 0..n {
        c.set(w.key(i), w.value(i)).await.map_err(err)?;
    }
    for i in 0..n {
        let got: Option<Bytes> = c.get(w.key(i)).await.map_err(err)?;
        w.check(i, got.as_deref())?;
    }
    Ok(())
}

/// `width` tasks on the current runtime, task `j` doing keys `j, j + width, ...`: all SETs
/// (every task done), then all GETs.
pub async fn async_in_flight(
    c: &aio::Client,
    w: &Arc<Workload>,
    n: usize,
    width: usize,
) -> Result<(), String> {
    for get in [false, true] {
        let mut tasks = tokio::task::JoinSet::new();
        for j in 0..width {
            let (c, w) = (c.clone(), w.clone());
            tasks.spawn(async move {
                for i in (j..n).step_by(width) {
                    if get {
                        let got: Option<Bytes> = c.get(w.key(i)).await.map_err(err)?;
                        w.check(i, got.as_deref())?;
                    } else {
                        c.set(w.key(i), w.value(i)).await.map_err(err)?;
                    }
                }
                Ok::<(), String>(())
            });
        }
        while let Some(done) = tasks.join_next().await {
            done.map_err(|e| format!("task failed: {e}"))??;
        }
    }
    Ok(())
}

fn set_pipeline(p: &mut Pipeline, w: &Workload, keys: std::ops::Range<usize>) {
    p.clear();
    for i in keys {
        p.add(build::set(w.key(i), w.value(i)));
    }
}

fn get_pipeline(p: &mut Pipeline, w: &Workload, keys: std::ops::Range<usize>) {
    p.clear();
    for i in keys {
        p.add(build::get(w.key(i)));
    }
}

fn check_sets(replies: Vec<slotwise::Result<Value>>) -> Result<(), String> {
    for r in replies {
        if let Value::Error(e) = r.map_err(err)? {
            return Err(format!("slotwise: SET failed: {e:?}"));
        }
    }
    Ok(())
}

fn check_gets(
    w: &Workload,
    start: usize,
    replies: Vec<slotwise::Result<Value>>,
) -> Result<(), String> {
    for (i, r) in (start..).zip(replies) {
        let v = r.map_err(err)?;
        w.check(i, v.as_bytes().map(|b| &b[..]))?;
    }
    Ok(())
}

/// Pipelines of `depth` commands (keys of every shard mixed), one pipeline at a time.
pub fn blocking_pipelined(
    c: &blocking::Client,
    w: &Workload,
    n: usize,
    depth: usize,
) -> Result<(), String> {
    let mut p = Pipeline::new();
    for start in (0..n).step_by(depth) {
        set_pipeline(&mut p, w, start..(start + depth).min(n));
        check_sets(c.run_pipeline(&p))?;
    }
    for start in (0..n).step_by(depth) {
        get_pipeline(&mut p, w, start..(start + depth).min(n));
        check_gets(w, start, c.run_pipeline(&p))?;
    }
    Ok(())
}

/// Pipelines of `depth` commands (keys of every shard mixed), one pipeline at a time.
pub async fn async_pipelined(
    c: &aio::Client,
    w: &Workload,
    n: usize,
    depth: usize,
) -> Result<(), String> {
    let mut p = Pipeline::new();
    for start in (0..n).step_by(depth) {
        set_pipeline(&mut p, w, start..(start + depth).min(n));
        check_sets(c.run_pipeline(&p).await)?;
    }
    for start in (0..n).step_by(depth) {
        get_pipeline(&mut p, w, start..(start + depth).min(n));
        check_gets(w, start, c.run_pipeline(&p).await)?;
    }
    Ok(())
}

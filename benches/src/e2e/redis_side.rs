//! The workload through redis-rs (the `redis` crate): its sync `cluster::ClusterConnection`
//! and its async `cluster_async::ClusterConnection`, in each [`super::Mode`].
//!
//! Pipelines: the sync client's `cluster::cluster_pipe()` splits a pipeline of mixed slots by
//! node itself. The async cluster connection cannot: a `redis::pipe()` whose commands span
//! slots fails with `CrossSlot` ("Received crossed slots in pipeline"), see
//! [`async_mixed_slot_pipe_error`]. So the async pipelines here are split by hand, the most an
//! application can do with it: the 64 commands are grouped by the primary that owns each
//! key's slot ([`SlotOwners`], from the cluster's slot map), each group goes out as one
//! `redis::pipe()` with `route_pipeline` to `SpecificNode(Route::with_key(first key,
//! Master))` (redis-rs's own slot map picks the node), the groups concurrently, and the
//! replies are put back in the caller's order.

use std::sync::Arc;

use futures_util::future::try_join_all;
use redis::cluster::ClusterConnection as SyncConn;
use redis::cluster_async::ClusterConnection as AsyncConn;
use redis::cluster_routing::{Route, SingleNodeRoutingInfo, SlotAddr};
use redis::{AsyncCommands, Commands, Value};

use super::{key_slot, Workload};

fn err(e: redis::RedisError) -> String {
    format!("redis-rs: {e}")
}

/// SET then GET every key, one command at a time.
pub fn blocking_sequential(c: &mut SyncConn, w: &Workload, n: usize) -> Result<(), String> {
    for i in 0..n {
        c.set::<_, _, ()>(w.key(i), w.value(i)).map_err(err)?;
    }
    for i in 0..n {
        let got: Option<Vec<u8>> = c.get(w.key(i)).map_err(err)?;
        w.check(i, got.as_deref())?;
    }
    Ok(())
}

/// SET then GET every key, one command at a time, awaiting each.
pub async fn async_sequential(c: &mut AsyncConn, w: &Workload, n: usize) -> Result<(), String> {
    for i in 0..n {
        c.set::<_, _, ()>(w.key(i), w.value(i)).await.map_err(err)?;
    }
    for i in 0..n {
        let got: Option<Vec<u8>> = c.get(w.key(i)).await.map_err(err)?;
        w.check(i, got.as_deref())?;
    }
    Ok(())
}

/// `width` tasks, task `j` doing keys `j, j + width, ...` on its own clone of the
/// connection: all SETs (every task done), then all GETs.
pub async fn async_in_flight(
    c: &AsyncConn,
    w: &Arc<Workload>,
    n: usize,
    width: usize,
) -> Result<(), String> {
    for get in [false, true] {
        let mut tasks = tokio::task::JoinSet::new();
        for j in 0..width {
            let (mut c, w) = (c.clone(), w.clone());
            tasks.spawn(async move {
                for i in (j..n).step_by(width) {
                    if get {
                        let got: Option<Vec<u8>> = c.get(w.key(i)).await.map_err(err)?;
                        w.check(i, got.as_deref())?;
                    } else {
                        c.set::<_, _, ()>(w.key(i), w.value(i)).await.map_err(err)?;
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

/// Pipelines of `depth` commands with `cluster_pipe()`, which splits mixed slots by node.
pub fn blocking_pipelined(
    c: &mut SyncConn,
    w: &Workload,
    n: usize,
    depth: usize,
) -> Result<(), String> {
    let mut p = redis::cluster::cluster_pipe();
    for start in (0..n).step_by(depth) {
        p.clear();
        for i in start..(start + depth).min(n) {
            p.cmd("SET").arg(w.key(i)).arg(w.value(i));
        }
        p.exec(c).map_err(err)?;
    }
    for start in (0..n).step_by(depth) {
        p.clear();
        for i in start..(start + depth).min(n) {
            p.cmd("GET").arg(w.key(i));
        }
        let got: Vec<Option<Vec<u8>>> = p.query(c).map_err(err)?;
        for (i, v) in (start..).zip(&got) {
            w.check(i, v.as_deref())?;
        }
    }
    Ok(())
}

/// Which primary owns each slot, to split pipelines for the async cluster connection (which
/// cannot pipeline across slots).
#[derive(Debug, Clone)]
pub struct SlotOwners {
    owner: Vec<u8>,
    primaries: usize,
}

impl SlotOwners {
    /// From the primaries' inclusive slot ranges, one list per primary.
    pub fn new(ranges: &[Vec<(u16, u16)>]) -> Result<SlotOwners, String> {
        let mut owner = vec![u8::MAX; 16384];
        for (p, rs) in ranges.iter().enumerate() {
            let p = u8::try_from(p).map_err(|_| "too many primaries".to_string())?;
            for &(a, b) in rs {
                for s in a..=b {
                    owner[usize::from(s)] = p;
                }
            }
        }
        if let Some(s) = owner.iter().position(|&o| o == u8::MAX) {
            return Err(format!("slot {s} has no owner"));
        }
        Ok(SlotOwners {
            owner,
            primaries: ranges.len(),
        })
    }

    /// The index (in the order given to [`SlotOwners::new`]) of the primary owning `key`.
    pub fn of(&self, key: &str) -> usize {
        usize::from(self.owner[usize::from(key_slot(key.as_bytes()))])
    }
}

/// One node's share of a pipeline: positions in the caller's pipeline and the commands.
struct Group {
    at: Vec<usize>,
    pipe: redis::Pipeline,
}

/// Splits keys `start..end` by owner; `add` appends key `i`'s command to its group.
fn split(
    owners: &SlotOwners,
    w: &Workload,
    start: usize,
    end: usize,
    add: impl Fn(&mut redis::Pipeline, usize),
) -> Vec<(Route, Group)> {
    let mut groups: Vec<Option<(Route, Group)>> = (0..owners.primaries).map(|_| None).collect();
    for i in start..end {
        let key = w.key(i);
        let (_, g) = groups[owners.of(key)].get_or_insert_with(|| {
            (
                Route::with_key(key, SlotAddr::Master),
                Group {
                    at: Vec::new(),
                    pipe: redis::pipe(),
                },
            )
        });
        g.at.push(i - start);
        add(&mut g.pipe, i);
    }
    groups.into_iter().flatten().collect()
}

/// Sends each group to its node, all at once, and returns the replies in the caller's order.
async fn run_split(
    c: &AsyncConn,
    groups: Vec<(Route, Group)>,
    len: usize,
) -> Result<Vec<Value>, String> {
    let sends = groups.into_iter().map(|(route, g)| {
        let mut c = c.clone();
        async move {
            let count = g.at.len();
            let replies = c
                .route_pipeline(g.pipe, 0, count, SingleNodeRoutingInfo::SpecificNode(route))
                .await?;
            Ok::<_, redis::RedisError>((g.at, replies))
        }
    });
    let mut out = vec![Value::Nil; len];
    for (at, replies) in try_join_all(sends).await.map_err(err)? {
        if replies.len() != at.len() {
            return Err(format!(
                "redis-rs: {} replies for {} commands",
                replies.len(),
                at.len()
            ));
        }
        for (pos, v) in at.into_iter().zip(replies) {
            out[pos] = v;
        }
    }
    Ok(out)
}

/// Pipelines of `depth` commands of mixed slots, split by node by hand (see the module
/// docs), one pipeline at a time.
pub async fn async_pipelined(
    c: &AsyncConn,
    owners: &SlotOwners,
    w: &Workload,
    n: usize,
    depth: usize,
) -> Result<(), String> {
    for start in (0..n).step_by(depth) {
        let end = (start + depth).min(n);
        let groups = split(owners, w, start, end, |p, i| {
            p.cmd("SET").arg(w.key(i)).arg(w.value(i));
        });
        for v in run_split(c, groups, end - start).await? {
            if let Value::ServerError(e) = v {
                return Err(format!("redis-rs: SET failed: {e:?}"));
            }
        }
    }
    for start in (0..n).step_by(depth) {
        let end = (start + depth).min(n);
        let groups = split(owners, w, start, end, |p, i| {
            p.cmd("GET").arg(w.key(i));
        });
        for (i, v) in (start..).zip(run_split(c, groups, end - start).await?) {
            match v {
                Value::BulkString(b) => w.check(i, Some(&b))?,
                Value::Nil => w.check(i, None)?,
                other => return Err(format!("redis-rs: GET {} gave {other:?}", w.key(i))),
            }
        }
    }
    Ok(())
}

/// What the async cluster connection says to a plain `redis::pipe()` whose keys span slots
/// (`None` if it ran it, which redis-rs 1.8 does not).
pub async fn async_mixed_slot_pipe_error(c: &mut AsyncConn, w: &Workload) -> Option<String> {
    let mut p = redis::pipe();
    for i in 0..w.len().min(8) {
        p.cmd("GET").arg(w.key(i));
    }
    match p.query_async::<Vec<Value>>(c).await {
        Ok(_) => None,
        Err(e) => Some(e.to_string()),
    }
}

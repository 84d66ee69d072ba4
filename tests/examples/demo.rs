//! `make demo`: a local 3+3 Redis Cluster, an application writing and reading keys on every
//! shard with the slotwise blocking client, and the cluster changing under it:
//!
//! 1. a slot moved step by step (the client follows ASK while it is open, MOVED after);
//! 2. 500 slots resharded between primaries;
//! 3. a primary failed over with `CLUSTER FAILOVER`;
//! 4. a primary killed with `kill -9` and replaced by its replica (skip with `--no-kill`).
//!
//! The application must see no error in steps 1-3 and every key must read back its last
//! acknowledged value. Step 4 is reported apart: requests in flight when a primary dies may
//! fail, and writes it acknowledged but had not replicated yet are lost (Redis replicates
//! asynchronously), so its errors are counted and explained, not hidden.
//!
//! Exit status 0 when steps 1-3 saw no error and no value was lost outside step 4's shard.

use std::collections::BTreeMap;
use std::error::Error as StdError;
use std::fmt::Display;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant};

use slotwise::blocking::Client;
use slotwise::resp::Value;
use slotwise::slot::key_slot;
use slotwise::{cmd, ClientOptions, Stats};
use slotwise_testcluster::{ClusterOptions, Role, TestCluster};

/// Application threads sharing one client.
const THREADS: usize = 4;
/// Keys `demo:{0}` ... spread over all slots, split between the threads.
const KEYS: usize = 8000;
/// Keys `demo:{hot}:0` ... all in the slot that step 1 moves.
const HOT_KEYS: usize = 400;
/// Slots moved by step 2.
const RESHARD_SLOTS: usize = 500;

const PHASES: [&str; 5] = [
    "warm-up",
    "step 1 (slot migration)",
    "step 2 (reshard)",
    "step 3 (CLUSTER FAILOVER)",
    "step 4 (kill -9)",
];
/// Phases before this one must be error-free.
const KILL_PHASE: usize = 4;

type Res<T> = Result<T, Box<dyn StdError>>;

fn main() -> ExitCode {
    let kill = !std::env::args().any(|a| a == "--no-kill");
    match run(kill) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("demo failed: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Timestamps every line with the time since the start.
struct Log(Instant);

impl Log {
    fn say(&self, msg: impl Display) {
        println!("[{:>5.1}s] {msg}", self.0.elapsed().as_secs_f64());
    }
}

/// What the application threads share with the narrator.
struct Shared {
    started: Instant,
    stop: AtomicBool,
    phase: AtomicUsize,
    /// Threads that have written all their keys once.
    ready: AtomicUsize,
    ops: [AtomicU64; PHASES.len()],
    errors: [AtomicU64; PHASES.len()],
    slowest_us: [AtomicU64; PHASES.len()],
    samples: Mutex<Vec<String>>,
}

impl Shared {
    fn error(&self, phase: usize, what: String) {
        self.errors[phase].fetch_add(1, Relaxed);
        let mut s = self.samples.lock().unwrap_or_else(|p| p.into_inner());
        if s.len() < 12 {
            let t = self.started.elapsed().as_secs_f64();
            s.push(format!("[{t:>5.2}s] {}: {what}", PHASES[phase]));
        }
    }

    fn totals(&self, phases: std::ops::Range<usize>) -> (u64, u64) {
        phases.fold((0, 0), |(o, e), p| {
            (
                o + self.ops[p].load(Relaxed),
                e + self.errors[p].load(Relaxed),
            )
        })
    }
}

/// The values a key may hold: its last acknowledged write, plus any write that failed after
/// it (a failed write may or may not have been applied). `None`: never written.
type Expected = Vec<Option<String>>;

fn keys_of(thread: usize) -> Vec<String> {
    let regular = (thread..KEYS)
        .step_by(THREADS)
        .map(|i| format!("demo:{{{i}}}"));
    let hot = (thread..HOT_KEYS)
        .step_by(THREADS)
        .map(|i| format!("demo:{{hot}}:{i}"));
    regular.chain(hot).collect()
}

/// One application thread: SET a new value, GET it back, compare; round and round.
fn app_thread(thread: usize, client: Client, shared: &Shared) -> Vec<(String, Expected)> {
    let keys = keys_of(thread);
    let mut expected: Vec<Expected> = vec![vec![None]; keys.len()];
    let mut version = 0u64;
    let mut first_pass = true;
    while !shared.stop.load(Relaxed) {
        for (key, exp) in keys.iter().zip(expected.iter_mut()) {
            if shared.stop.load(Relaxed) {
                break;
            }
            version += 1;
            let value = format!("t{thread}-v{version}");
            let phase = shared.phase.load(Relaxed);
            let started = Instant::now();
            match client.set(key, &value) {
                Ok(()) => *exp = vec![Some(value.clone())],
                Err(e) => {
                    exp.push(Some(value));
                    shared.error(phase, format!("SET {key}: {e}"));
                    continue;
                }
            }
            match client.get::<Option<String>>(key) {
                Ok(Some(v)) if v == value => {}
                Ok(other) => shared.error(
                    phase,
                    format!("GET {key} returned {other:?}, expected {value:?}"),
                ),
                Err(e) => shared.error(phase, format!("GET {key}: {e}")),
            }
            shared.ops[phase].fetch_add(2, Relaxed);
            let us = started.elapsed().as_micros() as u64;
            shared.slowest_us[phase].fetch_max(us, Relaxed);
        }
        if first_pass {
            first_pass = false;
            shared.ready.fetch_add(1, Relaxed);
        }
    }
    keys.into_iter().zip(expected).collect()
}

fn stats_delta(before: Stats, after: Stats) -> String {
    format!(
        "MOVED +{}, ASK +{}, retries +{}, refreshes +{}, reconnects +{}",
        after.moved - before.moved,
        after.ask - before.ask,
        after.retries - before.retries,
        after.refreshes - before.refreshes,
        after.reconnects - before.reconnects
    )
}

/// Describes what the application did during `phase`.
fn phase_report(shared: &Shared, phase: usize, before: Stats, client: &Client) -> String {
    format!(
        "application meanwhile: {} ops, {} errors, slowest SET+GET {:.1} ms; client: {}",
        shared.ops[phase].load(Relaxed),
        shared.errors[phase].load(Relaxed),
        shared.slowest_us[phase].load(Relaxed) as f64 / 1000.0,
        stats_delta(before, client.stats())
    )
}

fn value_text(v: &Value) -> String {
    match v {
        Value::Nil => "(nil)".into(),
        v => v
            .as_bytes()
            .map(|b| format!("{:?}", String::from_utf8_lossy(b)))
            .unwrap_or_else(|| format!("{v:?}")),
    }
}

fn route_text(r: &slotwise::router::Route) -> String {
    let nodes: Vec<&str> = r.nodes.iter().map(|n| &**n).collect();
    let slot = r.slot.map(|s| format!("slot {s} on ")).unwrap_or_default();
    format!(
        "-> {slot}{} (redirected {}x)",
        nodes.join(", "),
        r.redirects
    )
}

fn run(kill: bool) -> Res<bool> {
    let log = Log(Instant::now());
    log.say("starting a local Redis Cluster: 3 primaries + 3 replicas on loopback ports");
    let cluster = TestCluster::start(ClusterOptions::default())?;
    let seeds = cluster.seeds();
    log.say(format!("cluster up; seeds: {}", seeds.join(" ")));

    let app = Client::connect(ClientOptions::new(seeds.iter().cloned()))?;
    // A second client that does nothing but the narrated commands, so its slot map stays
    // stale and the redirects it follows are plain to see.
    let observer = Client::connect(ClientOptions::new(seeds.iter().cloned()))?;
    let hot_slot = key_slot(b"demo:{hot}:0").get();
    log.say(format!(
        "application: {THREADS} threads sharing one slotwise client, each SET then GET-verify \
         in a loop over {KEYS} keys demo:{{0..{}}} (all shards) + {HOT_KEYS} keys \
         demo:{{hot}}:* (slot {hot_slot})",
        KEYS - 1
    ));

    let shared = Shared {
        started: log.0,
        stop: AtomicBool::new(false),
        phase: AtomicUsize::new(0),
        ready: AtomicUsize::new(0),
        ops: Default::default(),
        errors: Default::default(),
        slowest_us: Default::default(),
        samples: Mutex::new(Vec::new()),
    };
    let mut killed_slots: Vec<(u16, u16)> = Vec::new();
    let expected = thread::scope(|s| -> Res<Vec<(String, Expected)>> {
        let workers: Vec<_> = (0..THREADS)
            .map(|t| {
                let (client, shared) = (app.clone(), &shared);
                s.spawn(move || app_thread(t, client, shared))
            })
            .collect();
        // Stop the load whatever happens below, or the scope would never end.
        struct StopOnDrop<'a>(&'a AtomicBool);
        impl Drop for StopOnDrop<'_> {
            fn drop(&mut self) {
                self.0.store(true, Relaxed);
            }
        }
        let guard = StopOnDrop(&shared.stop);

        let deadline = Instant::now() + Duration::from_secs(20);
        while shared.ready.load(Relaxed) < THREADS {
            if Instant::now() > deadline {
                return Err("the application threads did not write their keys in 20 s".into());
            }
            thread::sleep(Duration::from_millis(20));
        }
        log.say(format!(
            "warm-up done: every key written once ({} ops, {} errors)",
            shared.ops[0].load(Relaxed),
            shared.errors[0].load(Relaxed)
        ));

        step1_migrate(&cluster, &app, &observer, &shared, &log, hot_slot)?;
        step2_reshard(&cluster, &app, &shared, &log)?;
        step3_failover(&cluster, &app, &shared, &log, hot_slot)?;
        if kill {
            killed_slots = step4_kill(&cluster, &app, &shared, &log)?;
        } else {
            log.say("step 4 (kill -9) skipped (--no-kill)");
        }
        drop(guard);
        let mut expected = Vec::new();
        for w in workers {
            expected.extend(w.join().map_err(|_| "an application thread panicked")?);
        }
        Ok(expected)
    })?;
    let elapsed = log.0.elapsed();

    // Read every key back.
    log.say(format!(
        "load stopped; reading back all {} keys with MGET",
        expected.len()
    ));
    let in_killed = |key: &str| {
        let slot = key_slot(key.as_bytes()).get();
        killed_slots.iter().any(|&(a, b)| a <= slot && slot <= b)
    };
    let mut lost = Vec::new();
    let mut lost_at_kill = 0usize;
    for chunk in expected.chunks(500) {
        let keys: Vec<&str> = chunk.iter().map(|(k, _)| k.as_str()).collect();
        let values: Vec<Option<String>> = app.mget(&keys)?;
        for ((key, exp), got) in chunk.iter().zip(values) {
            if !exp.contains(&got) {
                if in_killed(key) {
                    lost_at_kill += 1;
                } else {
                    lost.push(format!("{key}: read {got:?}, expected one of {exp:?}"));
                }
            }
        }
    }

    let stats = app.stats();
    let (strict_ops, strict_errors) = shared.totals(0..KILL_PHASE);
    let (kill_ops, kill_errors) = shared.totals(KILL_PHASE..PHASES.len());
    println!();
    println!("summary");
    println!(
        "  operations by the application: {} in {:.1}s ({} threads, one client)",
        strict_ops + kill_ops,
        elapsed.as_secs_f64(),
        THREADS
    );
    println!(
        "  errors seen by the application during steps 1-3 (migration, reshard, CLUSTER \
         FAILOVER): {strict_errors}"
    );
    if kill {
        println!(
            "  step 4 (kill -9), counted apart: {kill_errors} errors in {kill_ops} ops, \
             {lost_at_kill} acknowledged writes lost on the killed primary's slots"
        );
        if kill_errors > 0 || lost_at_kill > 0 {
            println!(
                "    (expected with kill -9: requests to the dead primary fail if the \
                 replica's promotion takes longer than the client's request timeout, and \
                 writes acknowledged by it but not yet replicated are gone)"
            );
        }
    }
    println!(
        "  client stats: MOVED followed {}, ASK followed {}, retries {}, topology refreshes \
         {}, reconnects {}",
        stats.moved, stats.ask, stats.retries, stats.refreshes, stats.reconnects
    );
    println!(
        "  read-back: {} keys, {} lost or wrong{}",
        expected.len(),
        lost.len(),
        if kill {
            format!(" (plus {lost_at_kill} on the killed shard, see above)")
        } else {
            String::new()
        }
    );
    let samples = shared.samples.lock().unwrap_or_else(|p| p.into_inner());
    if !samples.is_empty() {
        println!("  first errors:");
        for s in samples.iter() {
            println!("    {s}");
        }
    }
    for l in lost.iter().take(10) {
        println!("    lost: {l}");
    }
    let pass = strict_errors == 0 && lost.is_empty();
    println!(
        "result: {}",
        if pass {
            "PASS: zero application errors through migration, reshard and failover, no value lost"
        } else {
            "FAIL"
        }
    );
    drop(samples);
    let t = Instant::now();
    drop(observer);
    drop(app);
    drop(cluster);
    log.say(format!(
        "cluster stopped and its directory deleted ({:.1}s)",
        t.elapsed().as_secs_f64()
    ));
    Ok(pass)
}

fn step1_migrate(
    cluster: &TestCluster,
    app: &Client,
    observer: &Client,
    shared: &Shared,
    log: &Log,
    slot: u16,
) -> Res<()> {
    let source = cluster.primary_for_slot(slot)?;
    let target = cluster
        .primaries()?
        .into_iter()
        .map(|p| p.addr)
        .find(|a| *a != source)
        .ok_or("no second primary")?;
    let before = app.stats();
    let obs_before = observer.stats();
    shared.phase.store(1, Relaxed);
    let started = Instant::now();
    println!();
    log.say(format!(
        "step 1: move slot {slot} ({HOT_KEYS} keys demo:{{hot}}:*) from {source} to {target}, step by step"
    ));
    let mut m = cluster.begin_migration(slot, &target)?;
    log.say(format!(
        "  CLUSTER SETSLOT {slot} IMPORTING on {target}, MIGRATING on {source}: the slot is open"
    ));
    let mut moved = m.migrate_keys(100)?;
    log.say(format!(
        "  MIGRATE: {moved} of {HOT_KEYS} keys now on {target}, the rest still on {source}"
    ));
    let reply =
        cluster
            .conn(&target)?
            .cmd(&["CLUSTER", "GETKEYSINSLOT", &slot.to_string(), "1"])?;
    let key = match &reply {
        Value::Array(keys) => keys.first().and_then(Value::as_bytes),
        _ => None,
    }
    .map(|k| String::from_utf8_lossy(k).into_owned())
    .ok_or_else(|| format!("no key of slot {slot} on {target}: {reply:?}"))?;
    let (reply, route) = observer.exec_traced(cmd("GET").arg(&key));
    log.say(format!(
        "  observer: GET {key} {} = {}: {source} answered ASK, the client sent ASKING + GET to {target}",
        route_text(&route),
        value_text(&reply?)
    ));
    loop {
        thread::sleep(Duration::from_millis(150));
        let n = m.migrate_keys(100)?;
        if n == 0 {
            break;
        }
        moved += n;
        log.say(format!("  MIGRATE: {moved} of {HOT_KEYS} keys moved"));
    }
    m.finish()?;
    log.say(format!(
        "  CLUSTER SETSLOT {slot} NODE {target} on every primary: slot {slot} now belongs to {target}"
    ));
    let (reply, route) = observer.exec_traced(cmd("GET").arg(&key));
    log.say(format!(
        "  observer: GET {key} {} = {}: {source} answered MOVED, the client updated its slot map",
        route_text(&route),
        value_text(&reply?)
    ));
    log.say(format!(
        "  observer client: {}",
        stats_delta(obs_before, observer.stats())
    ));
    log.say(format!(
        "  step 1 took {:.1}s; {}",
        started.elapsed().as_secs_f64(),
        phase_report(shared, 1, before, app)
    ));
    Ok(())
}

fn step2_reshard(cluster: &TestCluster, app: &Client, shared: &Shared, log: &Log) -> Res<()> {
    let primaries = cluster.primaries()?;
    let mut by_size: Vec<_> = primaries.iter().collect();
    by_size.sort_by_key(|p| std::cmp::Reverse(p.slot_count()));
    let (from, to) = (&by_size[0].addr, &by_size[by_size.len() - 1].addr);
    let before = app.stats();
    shared.phase.store(2, Relaxed);
    let started = Instant::now();
    println!();
    log.say(format!(
        "step 2: reshard {RESHARD_SLOTS} slots from {from} to {to} (redis-cli --cluster reshard)"
    ));
    cluster.reshard(from, to, RESHARD_SLOTS)?;
    let counts: BTreeMap<String, usize> = cluster
        .primaries()?
        .into_iter()
        .map(|p| {
            let n = p.slot_count();
            (p.addr, n)
        })
        .collect();
    log.say(format!(
        "  done in {:.1}s; slots per primary now {counts:?}",
        started.elapsed().as_secs_f64()
    ));
    log.say(format!("  {}", phase_report(shared, 2, before, app)));
    Ok(())
}

fn step3_failover(
    cluster: &TestCluster,
    app: &Client,
    shared: &Shared,
    log: &Log,
    hot_slot: u16,
) -> Res<()> {
    let primary = cluster.primary_for_slot(hot_slot)?;
    let primary_id = cluster.node(&primary)?.id;
    let replica = cluster
        .replicas()?
        .into_iter()
        .find(|r| r.primary_id.as_deref() == Some(primary_id.as_str()))
        .ok_or_else(|| format!("{primary} has no replica"))?
        .addr;
    let before = app.stats();
    shared.phase.store(3, Relaxed);
    let started = Instant::now();
    println!();
    log.say(format!(
        "step 3: CLUSTER FAILOVER on {replica}, the replica of {primary} (which serves slot {hot_slot})"
    ));
    cluster.failover(&replica)?;
    let demoted = cluster.node(&primary)?;
    log.say(format!(
        "  {replica} is primary now, {primary} is its {} ({:.1}s)",
        if demoted.role == Role::Replica {
            "replica"
        } else {
            "peer (it still reports itself primary)"
        },
        started.elapsed().as_secs_f64()
    ));
    thread::sleep(Duration::from_millis(500));
    log.say(format!("  {}", phase_report(shared, 3, before, app)));
    Ok(())
}

/// Returns the slot ranges the killed primary served.
fn step4_kill(
    cluster: &TestCluster,
    app: &Client,
    shared: &Shared,
    log: &Log,
) -> Res<Vec<(u16, u16)>> {
    let replicas = cluster.replicas()?;
    let victim = cluster
        .primaries()?
        .into_iter()
        .find(|p| {
            replicas
                .iter()
                .any(|r| r.primary_id.as_deref() == Some(p.id.as_str()))
        })
        .ok_or("no primary with a replica")?;
    let before = app.stats();
    shared.phase.store(KILL_PHASE, Relaxed);
    let started = Instant::now();
    println!();
    log.say(format!(
        "step 4: kill -9 primary {} (pid {}, {} slots); errors here are counted apart",
        victim.addr,
        victim.pid.map_or("?".into(), |p| p.to_string()),
        victim.slot_count()
    ));
    cluster.kill_node(&victim.addr)?;
    log.say(format!(
        "  {} killed and reaped at {:.2}s",
        victim.addr,
        log.0.elapsed().as_secs_f64()
    ));
    let promoted = cluster.wait_for_promotion(&victim.addr)?;
    log.say(format!(
        "  {promoted} promoted and the cluster stable again after {:.1}s",
        started.elapsed().as_secs_f64()
    ));
    thread::sleep(Duration::from_millis(1000));
    log.say(format!(
        "  {}",
        phase_report(shared, KILL_PHASE, before, app)
    ));
    Ok(victim.slots)
}

//! End to end against a real cluster: slotwise beside redis-rs (the `redis` crate).
//!
//! Starts one 3 primary + 3 replica redis-server cluster on loopback (the
//! `slotwise-testcluster` harness) for the whole run, connects both libraries' clients to it,
//! and runs the same workload through each: `N` SETs of `key:<i>` with 16-byte values, then
//! `N` GETs checked against them. Modes (see `slotwise_benches::e2e::Mode`):
//!
//! | mode | slotwise | redis-rs |
//! |---|---|---|
//! | `blocking_sequential` | `blocking::Client` | `cluster::ClusterConnection` |
//! | `async_sequential` | `aio::Client` | `cluster_async::ClusterConnection` |
//! | `async_64_in_flight` | 64 tasks on `aio::Client` clones | 64 tasks on connection clones |
//! | `blocking_pipeline_64` | `Pipeline` + `run_pipeline` | `cluster::cluster_pipe()` |
//! | `async_pipeline_64` | `Pipeline` + `run_pipeline` | `pipe()` per node + `route_pipeline` |
//!
//! The async modes run on one current-thread tokio runtime. Each mode runs
//! `SLOTWISE_E2E_ROUNDS` rounds (default 5), rotating which client goes first, after an
//! unmeasured warm-up of each; the best ops/s and the lowest CPU per op of the rounds count.
//! `SLOTWISE_E2E_N_SEQ` (default 20,000) and `SLOTWISE_E2E_N_PAR` (default 100,000) set `N`
//! for the sequential and the other modes. Arguments not starting with `-` select modes by
//! substring: `cargo bench -p slotwise-benches --bench cluster_e2e -- pipeline`. Run without
//! `--bench` (e.g. by `cargo test --benches`) it only checks that every mode works, on tiny
//! workloads.
//!
//! Prints a `ratio` line per mode, the table and the targets, and writes
//! `<target>/bench-summary/cluster_e2e.md`.

use std::process::ExitCode;
use std::sync::Arc;

use slotwise::ClientOptions;
use slotwise_benches::e2e::floor::RawFloor;
use slotwise_benches::e2e::{
    measure, redis_side, slotwise_side, Best, Config, Mode, Sample, ServerCpu, Side, Table,
    Workload, IN_FLIGHT, PIPELINE,
};
use slotwise_testcluster::{ClusterOptions, TestCluster};

/// Keys of the unmeasured warm-up run of each mode and client.
const WARM_UP_KEYS: usize = 2_000;

/// Both libraries' clients, connected to the same cluster.
struct Clients {
    rt: tokio::runtime::Runtime,
    sw_blocking: slotwise::blocking::Client,
    sw_async: slotwise::aio::Client,
    rr_sync: redis::cluster::ClusterConnection,
    rr_async: redis::cluster_async::ClusterConnection,
    owners: redis_side::SlotOwners,
    floor: RawFloor,
    servers: ServerCpu,
}

impl Clients {
    fn connect(cluster: &TestCluster) -> Result<Clients, String> {
        let seeds = cluster.seeds();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("tokio runtime: {e}"))?;
        let sw_blocking = slotwise::blocking::Client::connect(ClientOptions::new(seeds.clone()))
            .map_err(|e| format!("slotwise blocking connect: {e}"))?;
        let sw_async = rt
            .block_on(slotwise::aio::Client::connect(ClientOptions::new(
                seeds.clone(),
            )))
            .map_err(|e| format!("slotwise async connect: {e}"))?;
        let rr = redis::cluster::ClusterClient::new(
            seeds
                .iter()
                .map(|s| format!("redis://{s}"))
                .collect::<Vec<_>>(),
        )
        .map_err(|e| format!("redis-rs client: {e}"))?;
        let rr_sync = rr
            .get_connection()
            .map_err(|e| format!("redis-rs sync connect: {e}"))?;
        let rr_async = rt
            .block_on(rr.get_async_connection())
            .map_err(|e| format!("redis-rs async connect: {e}"))?;
        let primaries = cluster
            .primaries()
            .map_err(|e| format!("cluster primaries: {e}"))?;
        let ranges: Vec<_> = primaries.iter().map(|p| p.slots.clone()).collect();
        let owners = redis_side::SlotOwners::new(&ranges)?;
        let addrs: Vec<_> = primaries.iter().map(|p| p.addr.clone()).collect();
        let floor = RawFloor::connect(&addrs, owners.clone())?;
        Ok(Clients {
            servers: ServerCpu::new(cluster.pids()),
            rt,
            sw_blocking,
            sw_async,
            rr_sync,
            rr_async,
            owners,
            floor,
        })
    }

    /// Runs `mode` with `n` keys through `side`'s client and measures it.
    fn run(
        &mut self,
        mode: Mode,
        side: Side,
        w: &Arc<Workload>,
        n: usize,
    ) -> Result<Sample, String> {
        let ops = 2 * n as u64;
        let Clients {
            rt,
            sw_blocking,
            sw_async,
            rr_sync,
            rr_async,
            owners,
            floor,
            servers,
        } = self;
        match (side, mode) {
            (Side::Slotwise, Mode::BlockingSequential) => measure(ops, servers, || {
                slotwise_side::blocking_sequential(sw_blocking, w, n)
            }),
            (Side::Slotwise, Mode::AsyncSequential) => measure(ops, servers, || {
                rt.block_on(slotwise_side::async_sequential(sw_async, w, n))
            }),
            (Side::Slotwise, Mode::AsyncInFlight) => measure(ops, servers, || {
                rt.block_on(slotwise_side::async_in_flight(sw_async, w, n, IN_FLIGHT))
            }),
            (Side::Slotwise, Mode::BlockingPipeline) => measure(ops, servers, || {
                slotwise_side::blocking_pipelined(sw_blocking, w, n, PIPELINE)
            }),
            (Side::Slotwise, Mode::AsyncPipeline) => measure(ops, servers, || {
                rt.block_on(slotwise_side::async_pipelined(sw_async, w, n, PIPELINE))
            }),
            (Side::RedisRs, Mode::BlockingSequential) => measure(ops, servers, || {
                redis_side::blocking_sequential(rr_sync, w, n)
            }),
            (Side::RedisRs, Mode::AsyncSequential) => measure(ops, servers, || {
                rt.block_on(redis_side::async_sequential(rr_async, w, n))
            }),
            (Side::RedisRs, Mode::AsyncInFlight) => measure(ops, servers, || {
                rt.block_on(redis_side::async_in_flight(rr_async, w, n, IN_FLIGHT))
            }),
            (Side::RedisRs, Mode::BlockingPipeline) => measure(ops, servers, || {
                redis_side::blocking_pipelined(rr_sync, w, n, PIPELINE)
            }),
            (Side::RedisRs, Mode::AsyncPipeline) => measure(ops, servers, || {
                rt.block_on(redis_side::async_pipelined(
                    rr_async, owners, w, n, PIPELINE,
                ))
            }),
            (Side::RawFloor, Mode::BlockingSequential) => {
                measure(ops, servers, || floor.sequential(w, n))
            }
            (Side::RawFloor, _) => Err(format!("no raw-socket floor for {}", mode.name())),
        }
    }
}

fn run() -> Result<(), String> {
    let cfg = Config::from_env_and_args()?;
    let modes = cfg.modes();
    if modes.is_empty() {
        println!("cluster_e2e: no mode matches {:?}", cfg.filter);
        return Ok(());
    }
    if cfg.smoke {
        println!("cluster_e2e: smoke run (no --bench): tiny workloads, no summary file");
    }
    println!(
        "cluster_e2e: N = {} (sequential), {} (in flight, pipelines); {} rounds; modes: {}",
        cfg.n_seq,
        cfg.n_par,
        cfg.rounds,
        modes
            .iter()
            .map(|m| m.name())
            .collect::<Vec<_>>()
            .join(", ")
    );
    let cluster = TestCluster::start(ClusterOptions::default())
        .map_err(|e| format!("starting the test cluster: {e}"))?;
    println!("cluster up: {}", cluster.seeds().join(" "));
    let mut clients = Clients::connect(&cluster)?;
    let n_max = modes.iter().map(|&m| cfg.n(m)).max().unwrap_or(0);
    let w = Arc::new(Workload::new(n_max));

    let mut table = Table::new();
    for (mi, &mode) in modes.iter().enumerate() {
        let n = cfg.n(mode);
        let mut sides = vec![Side::Slotwise, Side::RedisRs];
        if mode == Mode::BlockingSequential {
            sides.push(Side::RawFloor);
        }
        for &side in &sides {
            clients.run(mode, side, &w, n.min(WARM_UP_KEYS))?;
        }
        let (mut ours, mut peer, mut floor) = (Best::default(), Best::default(), Best::default());
        for round in 0..cfg.rounds {
            // Rotate which side goes first, so that none always runs on the warmest caches
            // or in the same phase of the machine's load.
            let mut order = sides.clone();
            order.rotate_left((round + mi) % sides.len());
            for side in order {
                let s = clients.run(mode, side, &w, n)?;
                table.round(mode, side, round + 1, &s);
                match side {
                    Side::Slotwise => ours.add(&s),
                    Side::RedisRs => peer.add(&s),
                    Side::RawFloor => floor.add(&s),
                }
            }
        }
        if floor.rounds > 0 {
            table.reference(
                mode,
                Side::RawFloor,
                floor,
                "raw sockets: one write and one blocking read per command, no client logic; \
                 the kernel's share of any blocking client's CPU",
            );
        }
        table.add(mode, n, ours, peer);
    }

    if modes.contains(&Mode::AsyncPipeline) {
        let refused = clients.rt.block_on(redis_side::async_mixed_slot_pipe_error(
            &mut clients.rr_async,
            &w,
        ));
        table.note(match refused {
            Some(e) => format!(
                "async_pipeline_64, redis-rs: its async cluster connection refuses a \
                 `redis::pipe()` whose keys span slots (`{e}`), so its pipelines are split \
                 by hand: one `pipe()` per owning primary, sent with `route_pipeline` \
                 (`SpecificNode(Route::with_key(..))`) concurrently, replies reordered. \
                 slotwise takes the mixed pipeline as is."
            ),
            None => "async_pipeline_64, redis-rs: split by node by hand (one `pipe()` per \
                     primary with `route_pipeline`), although this redis-rs version ran a \
                     mixed-slot `pipe()` as is."
                .to_string(),
        });
    }
    table.note(
        "blocking_pipeline_64, redis-rs: `cluster::cluster_pipe()`, which splits mixed slots \
         by node itself.",
    );
    table.note(format!(
        "async modes: one current-thread tokio runtime; in flight = {IN_FLIGHT} spawned tasks \
         (JoinSet), task j doing keys j, j+{IN_FLIGHT}, ...; SETs all done before the GETs."
    ));
    table.note(format!(
        "{} cores, shared with the 6 redis-servers (replicas replicate every SET) and \
         whatever else the machine runs: absolute figures move with its load, the ratios \
         much less.",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    ));
    println!();
    if cfg.smoke {
        println!("{}", table.markdown());
        println!("cluster_e2e: smoke run done (debug figures, not measurements)");
    } else {
        for t in &table.targets() {
            println!(
                "target {}: {} ({})",
                if t.met { "met" } else { "NOT met" },
                t.what,
                t.measured
            );
        }
        table.finish();
    }
    drop(clients);
    drop(cluster);
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("cluster_e2e: {e}");
            ExitCode::FAILURE
        }
    }
}

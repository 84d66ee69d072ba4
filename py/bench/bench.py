"""``make bench-py``: slotwise beside redis-py's ``RedisCluster`` (with hiredis) and
valkey-glide (``valkey-glide-sync`` and ``valkey-glide``), on one real cluster in one run.

Workload: N SETs of ``key:<i>`` with 16-byte values, then N GETs of the same keys, done
three ways: sequential (sync), pipelines of 64 (sync; non-transactional, keys on every
shard), and asyncio with 64 commands in flight (64 coroutines). Each client runs each
workload ``--rounds`` times, the clients taking turns within a round (so a noisy moment
on a shared machine hits them alike); the best round counts. Printed per client: ops/s and client
CPU microseconds per op (the whole process's CPU time, so the Rust threads of slotwise and
glide are included), then slotwise's ratios and the issue's targets.

    python bench/bench.py [--n 10000] [--rounds 5] [--json out.json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Awaitable, Callable, Optional

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import slotwise  # noqa: E402
import slotwise.asyncio  # noqa: E402

from tests.cluster import Cluster  # noqa: E402

VALUE = b"0123456789abcdef"  # 16 bytes
BATCH = 64
IN_FLIGHT = 64


@dataclass
class Row:
    workload: str
    client: str
    ops_per_s: float
    cpu_us_per_op: float


def keys(n: int) -> list[str]:
    return [f"key:{i}" for i in range(n)]


def timed(run: Callable[[], None], ops: int) -> tuple[float, float]:
    w0, c0 = time.perf_counter(), time.process_time()
    run()
    w1, c1 = time.perf_counter(), time.process_time()
    return ops / (w1 - w0), (c1 - c0) * 1e6 / ops


def check(got: Any, what: str) -> None:
    if got != VALUE:
        raise SystemExit(f"{what}: GET returned {got!r}, expected {VALUE!r}")


# -- sync clients: (set, get, pipeline of sets, pipeline of gets) -----------------------------


class SyncClient:
    name = ""

    def set(self, k: str) -> None: ...
    def get(self, k: str) -> Any: ...
    def set_batch(self, ks: list[str]) -> None: ...
    def get_batch(self, ks: list[str]) -> list[Any]: ...
    def close(self) -> None: ...


class Slotwise(SyncClient):
    name = "slotwise"

    def __init__(self, seed: str) -> None:
        self.c = slotwise.Cluster(startup_nodes=[seed])
        self.set, self.get = self._set, self.c.get

    def _set(self, k: str) -> None:
        self.c.set(k, VALUE)

    def set_batch(self, ks: list[str]) -> None:
        p = self.c.pipeline()
        for k in ks:
            p.set(k, VALUE)
        p.execute()

    def get_batch(self, ks: list[str]) -> list[Any]:
        p = self.c.pipeline()
        for k in ks:
            p.get(k)
        return p.execute()

    def close(self) -> None:
        self.c.close()


class RedisPy(SyncClient):
    name = "redis-py"

    def __init__(self, seed: str) -> None:
        import redis
        from redis.cluster import ClusterNode

        host, _, port = seed.rpartition(":")
        self.c = redis.RedisCluster(startup_nodes=[ClusterNode(host, int(port))])
        self.get = self.c.get

    def set(self, k: str) -> None:
        self.c.set(k, VALUE)

    def set_batch(self, ks: list[str]) -> None:
        p = self.c.pipeline()
        for k in ks:
            p.set(k, VALUE)
        p.execute()

    def get_batch(self, ks: list[str]) -> list[Any]:
        p = self.c.pipeline()
        for k in ks:
            p.get(k)
        return p.execute()

    def close(self) -> None:
        self.c.close()


class GlideSync(SyncClient):
    name = "glide-sync"

    def __init__(self, seed: str) -> None:
        from glide_sync import GlideClusterClient, GlideClusterClientConfiguration, NodeAddress

        host, _, port = seed.rpartition(":")
        config = GlideClusterClientConfiguration([NodeAddress(host, int(port))])
        self.c = GlideClusterClient.create(config)
        self.get = self.c.get

    def set(self, k: str) -> None:
        self.c.set(k, VALUE)

    def set_batch(self, ks: list[str]) -> None:
        from glide_sync import ClusterBatch

        b = ClusterBatch(is_atomic=False)
        for k in ks:
            b.set(k, VALUE)
        self.c.exec(b, raise_on_error=True)

    def get_batch(self, ks: list[str]) -> list[Any]:
        from glide_sync import ClusterBatch

        b = ClusterBatch(is_atomic=False)
        for k in ks:
            b.get(k)
        return list(self.c.exec(b, raise_on_error=True) or [])

    def close(self) -> None:
        self.c.close()


def sequential(c: SyncClient, ks: list[str]) -> None:
    set_, get = c.set, c.get
    for k in ks:
        set_(k)
    for k in ks:
        get(k)
    check(get(ks[-1]), c.name)


def pipelined(c: SyncClient, ks: list[str]) -> None:
    chunks = [ks[i : i + BATCH] for i in range(0, len(ks), BATCH)]
    for ch in chunks:
        c.set_batch(ch)
    last: list[Any] = []
    for ch in chunks:
        last = c.get_batch(ch)
    check(last[-1], c.name)


# -- asyncio clients: (set, get) coroutines -------------------------------------------------


async def in_flight(name: str, set_: Callable[[str], Awaitable[Any]], get: Callable[[str], Awaitable[Any]], ks: list[str]) -> None:
    async def worker(w: int) -> None:
        mine = ks[w::IN_FLIGHT]
        for k in mine:
            await set_(k)
        for k in mine:
            await get(k)

    await asyncio.gather(*(worker(w) for w in range(IN_FLIGHT)))
    check(await get(ks[-1]), name)


async def open_async(name: str, seed: str) -> tuple[Any, Callable[[str], Awaitable[Any]], Callable[[str], Awaitable[Any]], Callable[[], Awaitable[Any]]]:
    host, _, port = seed.rpartition(":")
    if name == "slotwise":
        c = await slotwise.asyncio.Cluster(startup_nodes=[seed]).initialize()
        return c, lambda k: c.set(k, VALUE), c.get, c.aclose
    if name == "redis-py":
        from redis.asyncio.cluster import ClusterNode, RedisCluster

        r = RedisCluster(startup_nodes=[ClusterNode(host, int(port))])
        await r.initialize()
        return r, lambda k: r.set(k, VALUE), r.get, r.aclose
    from glide import GlideClusterClient, GlideClusterClientConfiguration, NodeAddress

    g = await GlideClusterClient.create(GlideClusterClientConfiguration([NodeAddress(host, int(port))]))
    return g, lambda k: g.set(k, VALUE), g.get, g.close


def async_rows(seed: str, ks: list[str], rounds: int) -> list[Row]:
    """The asyncio clients take turns within each round, so a noisy moment on a shared
    machine hits all of them alike; each keeps its best round."""

    async def main() -> list[Row]:
        names = ["slotwise", "redis-py", "glide"]
        clients = [await open_async(n, seed) for n in names]
        for n, (_, set_, get, _) in zip(names, clients):
            await in_flight(n, set_, get, ks[: len(ks) // 10])  # warm-up: connections
        found: dict[str, list[tuple[float, float]]] = {n: [] for n in names}
        for _ in range(rounds):
            for n, (_, set_, get, _) in zip(names, clients):
                w0, c0 = time.perf_counter(), time.process_time()
                await in_flight(n, set_, get, ks)
                w1, c1 = time.perf_counter(), time.process_time()
                found[n].append((2 * len(ks) / (w1 - w0), (c1 - c0) * 1e6 / (2 * len(ks))))
        for _, _, _, close in clients:
            await close()
        rows = []
        for n in names:
            ops, cpu = max(found[n], key=lambda r: r[0])
            rows.append(Row(f"asyncio {IN_FLIGHT} in flight", n, ops, cpu))
        return rows

    return asyncio.run(main())


def sync_rows(seed: str, ks: list[str], rounds: int) -> list[Row]:
    """As :func:`async_rows`: the clients take turns within each round."""
    clients = [cls(seed) for cls in (Slotwise, RedisPy, GlideSync)]
    for c in clients:
        sequential(c, ks[: len(ks) // 10])  # warm-up: connections
    rows = []
    for workload, run in (("sync sequential", sequential), (f"sync pipelines of {BATCH}", pipelined)):
        found: dict[str, list[tuple[float, float]]] = {c.name: [] for c in clients}
        for _ in range(rounds):
            for c in clients:
                found[c.name].append(timed(lambda: run(c, ks), 2 * len(ks)))
        for c in clients:
            ops, cpu = max(found[c.name], key=lambda r: r[0])
            rows.append(Row(workload, c.name, ops, cpu))
    for c in clients:
        c.close()
    return rows


TARGETS = [
    ("sync sequential", "redis-py", 3.0),
    ("sync sequential", "glide-sync", 2.0),
    (f"sync pipelines of {BATCH}", "glide-sync", 2.0),
    (f"asyncio {IN_FLIGHT} in flight", "glide", 2.0),
]


def report(rows: list[Row]) -> bool:
    by = {(r.workload, r.client): r for r in rows}
    print(f"\n{'workload':<26}{'client':<12}{'ops/s':>12}{'CPU us/op':>12}{'slotwise x ops/s':>19}{'CPU ratio':>11}")
    for r in rows:
        me = by[(r.workload, "slotwise")]
        ratio = "" if r.client == "slotwise" else f"{me.ops_per_s / r.ops_per_s:.2f}x"
        cpu = "" if r.client == "slotwise" else f"{r.cpu_us_per_op / me.cpu_us_per_op:.2f}x"
        print(f"{r.workload:<26}{r.client:<12}{r.ops_per_s:>12,.0f}{r.cpu_us_per_op:>12.1f}{ratio:>19}{cpu:>11}")
    print("\n(CPU ratio: the peer's CPU per op divided by slotwise's; above 1 means slotwise uses less)")
    print("\ntargets:")
    ok = True
    for workload, peer, want in TARGETS:
        got = by[(workload, "slotwise")].ops_per_s / by[(workload, peer)].ops_per_s
        met = got >= want
        ok &= met
        print(f"  {workload:<26} vs {peer:<11} {got:5.2f}x (target {want:.0f}x)  {'met' if met else 'MISSED'}")
    return ok


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=10000, help="keys per workload (N SETs then N GETs)")
    ap.add_argument("--rounds", type=int, default=5, help="runs per client and workload; the best counts")
    ap.add_argument("--json", help="also write the rows to this file")
    ap.add_argument("--seed", help="use a running cluster at this address instead of starting one")
    args = ap.parse_args()

    import redis.utils

    quiet_glide()

    if not redis.utils.HIREDIS_AVAILABLE:
        raise SystemExit("hiredis is not installed: redis-py would use its pure-Python parser")

    cluster: Optional[Cluster] = None
    seed = args.seed
    if seed is None:
        cluster = Cluster.up("--replicas", "0")
        seed = cluster.seeds[0]
    try:
        ks = keys(args.n)
        print(f"slotwise {slotwise.__version__}, redis-py {redis.__version__} (hiredis), "
              f"valkey-glide {_version('valkey-glide')}, valkey-glide-sync {_version('valkey-glide-sync')}; "
              f"N={args.n}, best of {args.rounds}, cluster at {seed}")
        rows = sync_rows(seed, ks, args.rounds) + async_rows(seed, ks, args.rounds)
    finally:
        if cluster is not None:
            cluster.down()
    ok = report(rows)
    if args.json:
        Path(args.json).write_text(json.dumps([r.__dict__ for r in rows], indent=2))
    if not ok:
        print("\nsome targets were missed (see above)")


def quiet_glide() -> None:
    """glide logs slow responses as warnings on stdout; the table says enough."""
    import glide
    import glide_sync

    glide.Logger.set_logger_config(glide.LogLevel.ERROR)
    glide_sync.Logger.set_logger_config(glide_sync.LogLevel.ERROR)


def _version(dist: str) -> str:
    from importlib.metadata import version

    return version(dist)


if __name__ == "__main__":
    main()

"""The cluster changing under the client: ASK and MOVED during a slot move, live resharding
and failover under load with zero application errors."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

import slotwise
import slotwise.asyncio

from .cluster import Cluster, await_until, wait_until


def test_follows_ask_then_moved_during_a_slot_move(fresh_cluster: Cluster) -> None:
    c = fresh_cluster
    tag = "{mover}"
    keys = [f"{tag}:{i}" for i in range(20)]
    slot = c.keyslot(keys[0])
    with slotwise.Cluster(startup_nodes=c.seeds[:1]) as rc:
        rc.mset_nonatomic({k: k for k in keys})
        src = c.owner(slot)
        dst = next(s for s in c.shards() if s["primary"] != src["primary"] and s["slots"])
        c.begin_migration(slot, dst)
        c.migrate_keys(slot, src, dst, keys[:10])
        # Migrated keys answer ASK from the source; the rest are still served there.
        assert [rc.get(k) for k in keys] == [k.encode() for k in keys]
        stats = rc.stats()
        assert stats["ask"] >= 1 and stats["moved"] == 0
        # A new key in a migrating slot is created on the target (ASK).
        assert rc.set(f"{tag}:new", "n") is True
        c.finish_migration(slot, src, dst)
        assert rc.get(keys[15]) == keys[15].encode()
        assert rc.stats()["moved"] >= 1
        assert rc.get(f"{tag}:new") == b"n"
        with c.raw(dst["primary"]) as r:
            assert r.call("GET", keys[15]) == keys[15].encode()


def test_redirect_budget_error_then_refresh_topology(fresh_cluster: Cluster) -> None:
    c = fresh_cluster
    key = "{budget}:k"
    slot = c.keyslot(key)

    def move() -> None:
        src = c.owner(slot)
        dst = next(s for s in c.shards() if s["primary"] != src["primary"] and s["slots"])
        c.begin_migration(slot, dst)
        c.finish_migration(slot, src, dst)

    async def main() -> None:
        opts: dict[str, Any] = dict(startup_nodes=c.seeds[:1], max_redirects=0, refresh_interval=3600)
        async with slotwise.asyncio.Cluster(**opts) as arc:
            with slotwise.Cluster(**opts) as rc:
                rc.set(key, "v")
                assert await arc.get(key) == b"v"
                await asyncio.to_thread(move)
                with pytest.raises(slotwise.RedirectBudgetError, match="redirect") as e:
                    rc.get(key)
                assert e.value.code == "REDIRECT_BUDGET"
                with pytest.raises(slotwise.RedirectBudgetError):
                    await arc.get(key)
                # Only a refresh (none is due: a day away) shows where the slot went.
                rc.refresh_topology()
                assert rc.get(key) == b"v"
                await arc.refresh_topology()
                assert await arc.get(key) == b"v"

    asyncio.run(main())


# A coordinated failover pauses the old primary's clients until the replica has taken over,
# and every command sent there waits meanwhile; on a loaded 2-core CI machine that can
# outlast the default 5 s request timeout. The load clients allow for it: the point is
# that no command fails, however long the cluster takes.
UNDER_LOAD_TIMEOUT = 30.0


class Load:
    """Threads doing SET/GET pairs (each checks its own value) until stopped."""

    def __init__(self, rc: slotwise.Cluster, threads: int = 4) -> None:
        self.rc = rc
        self.stop = threading.Event()
        self.errors: list[BaseException] = []
        self.ops = 0
        self.threads = [threading.Thread(target=self.run, args=(t,)) for t in range(threads)]

    def run(self, t: int) -> None:
        i = 0
        while not self.stop.is_set():
            k = f"load:{t}:{i % 500}"
            try:
                self.rc.set(k, i)
                got = self.rc.get(k)
                if got != str(i).encode():
                    raise AssertionError(f"{k}: {got!r} != {i}")
                if i % 10 == 0:
                    self.rc.mget_nonatomic([f"load:{t}:{j}" for j in range(0, 500, 50)])
                self.ops += 1
            except BaseException as e:  # noqa: BLE001 - counted and reported
                self.errors.append(e)
            i += 1

    def wait_for_ops(self, n: int, what: str) -> None:
        """Waits until the load has done ``n`` more operations (or failed)."""
        start = self.ops
        wait_until(lambda: self.ops >= start + n or bool(self.errors), what)

    def __enter__(self) -> "Load":
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(30)


def test_live_resharding_under_load_has_zero_errors(fresh_cluster: Cluster) -> None:
    c = fresh_cluster
    with slotwise.Cluster(startup_nodes=c.seeds[:1], socket_timeout=UNDER_LOAD_TIMEOUT) as rc:
        rc.mset_nonatomic({f"load:{t}:{i}": -1 for t in range(4) for i in range(500)})
        shards = [s for s in c.shards() if s["slots"]]
        with Load(rc) as load:
            load.wait_for_ops(100, "the load to start")
            c.reshard(shards[0], shards[1], 300)
            load.wait_for_ops(100, "the load to run on the new slot map")
        assert load.errors == [], load.errors[:3]
        assert load.ops > 100
        stats = rc.stats()
        assert stats["moved"] + stats["ask"] >= 1, stats


def test_failover_under_load_has_zero_errors(fresh_cluster: Cluster) -> None:
    c = fresh_cluster
    with slotwise.Cluster(startup_nodes=c.seeds[:1], socket_timeout=UNDER_LOAD_TIMEOUT) as rc:
        with Load(rc) as load:
            load.wait_for_ops(100, "the load to start")
            shard = next(s for s in c.shards() if s["slots"] and s["replicas"])
            new_primary = c.failover(shard)
            c.wait_stable()
            load.wait_for_ops(100, "the load to run on the new primary")
        assert load.errors == [], load.errors[:3]
        assert new_primary in [n.name for n in rc.get_primaries()]
        assert rc.stats()["refreshes"] >= 2


def test_asyncio_client_through_resharding_and_failover(fresh_cluster: Cluster) -> None:
    c = fresh_cluster
    shards = [s for s in c.shards() if s["slots"]]

    async def main() -> list[Any]:
        errors: list[Any] = []
        ops = [0]
        stop = asyncio.Event()

        async def more_ops(n: int, what: str) -> None:
            start = ops[0]
            await await_until(lambda: ops[0] >= start + n or bool(errors), what)

        async with slotwise.asyncio.Cluster(startup_nodes=c.seeds[:1], socket_timeout=UNDER_LOAD_TIMEOUT) as rc:

            async def worker(w: int) -> None:
                i = 0
                while not stop.is_set():
                    k = f"aload:{w}:{i % 200}"
                    try:
                        await rc.set(k, i)
                        if await rc.get(k) != str(i).encode():
                            errors.append(f"{k} mismatch")
                        ops[0] += 1
                    except Exception as e:  # noqa: BLE001 - counted
                        errors.append(e)
                    i += 1

            tasks = [asyncio.create_task(worker(w)) for w in range(64)]
            await more_ops(200, "the load to start")
            await asyncio.to_thread(c.reshard, shards[0], shards[2], 200)
            await asyncio.to_thread(c.failover, next(s for s in c.shards() if s["replicas"]))
            await asyncio.to_thread(c.wait_stable)
            await more_ops(200, "the load to run on the new slot map")
            stop.set()
            await asyncio.gather(*tasks)
            assert rc.stats()["moved"] + rc.stats()["ask"] >= 1
        return errors

    assert asyncio.run(main()) == []

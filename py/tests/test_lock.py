"""``lock()``: redis-py's ``Lock`` on a cluster (acquire/release/extend/reacquire, owned,
locked, the context manager, the errors), threads and asyncio tasks excluding each other,
and its scripts surviving an emptied script cache (EVALSHA falls back to EVAL)."""

from __future__ import annotations

import asyncio
import inspect
import logging
import threading
from typing import Any

import pytest

import slotwise
import slotwise.asyncio
from slotwise.lock import AsyncLock, Lock, LockError, LockNotOwnedError

from .cluster import Cluster


def test_acquire_release_and_ownership(rc: slotwise.Cluster, p: str) -> None:
    lock = rc.lock(p + "lock")
    assert isinstance(lock, Lock) and lock.name == p + "lock"
    assert lock.locked() is False and lock.owned() is False
    assert lock.acquire(blocking=False) is True
    assert lock.locked() is True and lock.owned() is True
    assert rc.ttl(p + "lock") == -1  # no timeout: held until released
    other = rc.lock(p + "lock")
    assert other.acquire(blocking=False) is False
    assert other.acquire(blocking_timeout=0.05, sleep=0.01) is False
    assert other.locked() is True and other.owned() is False
    lock.release()
    assert lock.locked() is False
    assert other.acquire(blocking=False) is True
    other.release()


def test_errors_have_redis_py_names(rc: slotwise.Cluster, p: str) -> None:
    lock = rc.lock(p + "lock", timeout=10)
    with pytest.raises(LockError, match="not owned or is already unlocked") as e:
        lock.release()
    assert e.value.lock_name == p + "lock"
    assert isinstance(e.value, slotwise.RedisError) and isinstance(e.value, ValueError)
    with pytest.raises(LockError, match="Cannot extend an unlocked lock"):
        lock.extend(1)
    with pytest.raises(LockError, match="Cannot reacquire an unlocked lock"):
        lock.reacquire()
    assert lock.acquire()
    rc.set(p + "lock", "someone else")  # the lock expired and another holder took it
    assert lock.owned() is False
    with pytest.raises(LockNotOwnedError, match="Cannot extend a lock that's no longer owned"):
        lock.extend(1)
    with pytest.raises(LockNotOwnedError, match="reacquire a lock that's no longer owned"):
        lock.reacquire()
    with pytest.raises(LockNotOwnedError, match="release a lock that's no longer owned"):
        lock.release()
    assert rc.get(p + "lock") == b"someone else"
    untimed = rc.lock(p + "untimed")
    assert untimed.acquire()
    with pytest.raises(LockError, match="Cannot extend a lock with no timeout"):
        untimed.extend(1)
    untimed.release()


def test_timeout_extend_and_reacquire(rc: slotwise.Cluster, p: str) -> None:
    lock = rc.lock(p + "lock", timeout=10)
    assert lock.acquire(token="mine")
    assert rc.get(p + "lock") == b"mine"
    assert 9000 < rc.pttl(p + "lock") <= 10000
    assert lock.extend(20) is True
    assert 20000 < rc.pttl(p + "lock") <= 30000
    assert lock.extend(5, replace_ttl=True) is True
    assert rc.pttl(p + "lock") <= 5000
    assert lock.reacquire() is True
    assert 9000 < rc.pttl(p + "lock") <= 10000
    lock.release()
    assert rc.exists(p + "lock") == 0


def test_context_manager(rc: slotwise.Cluster, p: str, caplog: pytest.LogCaptureFixture) -> None:
    with rc.lock(p + "lock", timeout=10) as lock:
        assert lock.owned()
        with pytest.raises(LockError, match="Unable to acquire lock"):
            with rc.lock(p + "lock", blocking=False):
                pass
    assert rc.exists(p + "lock") == 0
    with pytest.raises(LockNotOwnedError):
        with rc.lock(p + "lock"):
            rc.delete(p + "lock")
    with caplog.at_level(logging.WARNING, logger="slotwise.lock"):
        with rc.lock(p + "lock", raise_on_release_error=False):
            rc.delete(p + "lock")
    assert "no longer owned" in caplog.text


def test_token_is_per_thread_unless_told(rc: slotwise.Cluster, p: str) -> None:
    shared = rc.lock(p + "lock")
    assert shared.acquire()
    seen: list[Any] = []
    worker = threading.Thread(target=lambda: seen.append(shared.owned()))
    worker.start()
    worker.join()
    assert seen == [False] and shared.owned()
    shared.release()
    handed = rc.lock(p + "lock", thread_local=False)
    assert handed.acquire()
    worker = threading.Thread(target=handed.release)  # released by another thread
    worker.start()
    worker.join()
    assert rc.exists(p + "lock") == 0


def test_decoded_client_and_lost_script_cache(cluster: Cluster, p: str) -> None:
    rc = slotwise.Cluster(startup_nodes=cluster.seeds[:1], decode_responses=True)
    try:
        lock = rc.lock(p + "lock", timeout=10)
        assert lock.acquire() and lock.owned()
        rc.script_flush()  # the node forgot the scripts: EVALSHA fails, EVAL runs them
        assert lock.extend(1) is True
        lock.release()
        assert not lock.locked()
    finally:
        rc.close()


def test_two_threads_exclude_each_other(cluster: Cluster, rc: slotwise.Cluster, p: str) -> None:
    """Each thread does a read-modify-write of a counter only while holding the lock: no
    two are inside at once, and no increment is lost."""
    rounds, inside, most = 25, [0], [0]
    guard = threading.Lock()
    errors: list[BaseException] = []

    def work() -> None:
        client = slotwise.Cluster(startup_nodes=cluster.seeds[:1])
        try:
            for _ in range(rounds):
                with client.lock(p + "lock", timeout=30, sleep=0.001):
                    with guard:
                        inside[0] += 1
                        most[0] = max(most[0], inside[0])
                    value = int(client.get(p + "n") or 0)
                    client.set(p + "n", value + 1)
                    with guard:
                        inside[0] -= 1
        except BaseException as e:  # reported below, not lost in the thread
            errors.append(e)
        finally:
            client.close()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert most[0] == 1
    assert rc.get(p + "n") == str(2 * rounds).encode()


def test_asyncio_lock_errors_and_context_manager(cluster: Cluster, p: str) -> None:
    async def main() -> None:
        rc = slotwise.asyncio.Cluster(startup_nodes=cluster.seeds[:1])
        try:
            lock = rc.lock(p + "lock", timeout=10)
            assert isinstance(lock, AsyncLock)
            with pytest.raises(LockError, match="not owned or is already unlocked"):
                await lock.release()
            with pytest.raises(LockError, match="Cannot extend an unlocked lock"):
                lock.extend(1)  # raised at the call, as redis-py's
            with pytest.raises(LockError, match="Cannot reacquire an unlocked lock"):
                lock.reacquire()
            async with rc.lock(p + "lock") as held:
                assert await held.owned()
                with pytest.raises(LockError, match="Unable to acquire lock"):
                    async with rc.lock(p + "lock", blocking=False):
                        pass
            assert not await lock.locked()
            with pytest.raises(LockNotOwnedError, match="no longer owned"):
                async with rc.lock(p + "lock"):
                    await rc.set(p + "lock", "taken")
            async with rc.lock(p + "free", raise_on_release_error=False):
                await rc.delete(p + "free")
            await rc.delete(p + "lock")
        finally:
            await rc.aclose()

    asyncio.run(main())


def test_asyncio_lock_replies(cluster: Cluster, p: str) -> None:
    async def main() -> list[Any]:
        rc = slotwise.asyncio.Cluster(startup_nodes=cluster.seeds[:1])
        try:
            lock = rc.lock(p + "lock", timeout=10)
            other = rc.lock(p + "lock")
            out = [
                await lock.acquire(),
                await other.acquire(blocking=False),
                await other.acquire(blocking_timeout=0.02),
                await lock.owned(),
                await other.owned(),
                await lock.extend(10),
                await lock.reacquire(),
            ]
            await lock.release()
            out.append(await lock.locked())
            return out
        finally:
            await rc.aclose()

    assert asyncio.run(main()) == [True, False, False, True, False, True, True, False]


def test_two_asyncio_tasks_exclude_each_other(cluster: Cluster, p: str) -> None:
    rounds = 25

    async def main() -> tuple[int, bytes]:
        rc = slotwise.asyncio.Cluster(startup_nodes=cluster.seeds[:1])
        inside, most = [0], [0]

        async def work() -> None:
            for _ in range(rounds):
                async with rc.lock(p + "lock", timeout=30, sleep=0.001):
                    inside[0] += 1
                    most[0] = max(most[0], inside[0])
                    value = int(await rc.get(p + "n") or 0)
                    await asyncio.sleep(0)  # let the other task run while this one holds it
                    await rc.set(p + "n", value + 1)
                    inside[0] -= 1

        try:
            await asyncio.gather(work(), work())
            return most[0], await rc.get(p + "n")
        finally:
            await rc.aclose()

    most, count = asyncio.run(main())
    assert most == 1
    assert count == str(2 * rounds).encode()

"""One client shared by threads (the GIL is released during network waits), and fork."""

from __future__ import annotations

import os
import signal
import threading
import time
import warnings
from typing import Any

import pytest

import slotwise
import slotwise.asyncio

from .cluster import Cluster


def test_threads_share_one_client(rc: slotwise.Cluster, p: str) -> None:
    errors: list[BaseException] = []

    def work(t: int) -> None:
        try:
            for i in range(300):
                k = f"{p}{t}:{i}"
                rc.set(k, i)
                assert rc.get(k) == str(i).encode()
                rc.incr(p + "total")
            with rc.pipeline() as pipe:
                pipe.mget_nonatomic([f"{p}{t}:{i}" for i in range(300)])
                assert pipe.execute()[0] == [str(i).encode() for i in range(300)]
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert rc.get(p + "total") == b"2400"


def test_gil_is_released_while_waiting_for_the_network(
    cluster: Cluster, rc: slotwise.Cluster, p: str
) -> None:
    q = p + "q"
    got: list[Any] = []
    blocked = threading.Thread(target=lambda: got.append(rc.execute_command("BLPOP", q, 0)))
    blocked.start()
    # Wait until the server has the other thread's BLPOP parked: that thread is now inside
    # a network wait. Were the GIL held there, this thread could not run at all (the test
    # would hang until pytest-timeout fails it).
    owner = cluster.owner(cluster.keyslot(q))["primary"]
    with cluster.raw(owner) as r:
        while b"blocked_clients:0" in r.call("INFO", "clients"):
            time.sleep(0.01)
    for _ in range(200):
        rc.incr(p + "n")  # the same client, from this thread, meanwhile
    assert blocked.is_alive() and got == []
    rc.lpush(q, "wake")
    blocked.join(10)
    assert len(got) == 1 and list(got[0]) == [q.encode(), b"wake"]
    assert rc.get(p + "n") == b"200"


def test_close_while_the_refresh_thread_runs_an_address_remap_callback(cluster: Cluster) -> None:
    """close() waits for the refresh thread; it must release the GIL meanwhile, or a
    refresh inside a Python callback could never finish (a hang pytest-timeout reports).

    The callback stays inside until close() has begun (close() marks the client closed
    before it waits for the refresh thread, and the callback polls for that), so the
    refresh thread is inside Python exactly while close() waits, however late it starts."""
    inside = threading.Event()
    armed = threading.Event()
    closing = threading.Event()
    saw_closed: list[str] = []
    clients: list[slotwise.Cluster] = []

    def remap(addr: tuple[str, int]) -> tuple[str, int]:
        if (
            armed.is_set()
            and not inside.is_set()
            and threading.current_thread() is not threading.main_thread()
        ):
            inside.set()
            closing.wait()
            while not saw_closed:
                try:
                    clients[0].get("k")
                except slotwise.ConnectionError as e:
                    saw_closed.append(e.code)
        return addr

    rc = slotwise.Cluster(startup_nodes=cluster.seeds[:1], address_remap=remap, refresh_interval=0.05)
    clients.append(rc)
    armed.set()
    assert inside.wait(30), "no periodic refresh ran the callback"
    closing.set()
    rc.close()
    assert saw_closed == ["CLOSED"]  # the callback was still running when close() began
    with pytest.raises(slotwise.ConnectionError, match="closed"):
        rc.get("k")


def _wait_child(pid: int, timeout: float = 30.0) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.02)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    pytest.fail("the forked child hung")


def _fork() -> int:
    with warnings.catch_warnings():
        # Python 3.12+ warns that forking a multi-threaded process may deadlock; the client's
        # refresh thread holds no lock a child could inherit.
        warnings.simplefilter("ignore", DeprecationWarning)
        return os.fork()


def test_sync_client_works_in_a_forked_child(rc: slotwise.Cluster, p: str) -> None:
    rc.set(p + "before", "parent")
    pid = _fork()
    if pid == 0:  # child: must reconnect on its own, never share the parent's sockets
        code = 1
        try:
            assert rc.get(p + "before") == b"parent"
            for i in range(100):
                rc.set(f"{p}child{i}", i)
            with rc.pipeline() as pipe:
                pipe.get(p + "child99")
                assert pipe.execute() == [b"99"]
            code = 0
        finally:
            os._exit(code)
    # The parent keeps using its own connections meanwhile.
    for i in range(100):
        rc.set(f"{p}parent{i}", i)
    assert _wait_child(pid) == 0
    assert rc.get(p + "child99") == b"99"
    assert rc.get(p + "parent99") == b"99"


def test_asyncio_client_in_a_forked_child_fails_fast_with_a_clear_error(cluster: Cluster, p: str) -> None:
    import asyncio

    client = slotwise.asyncio.Cluster(startup_nodes=cluster.seeds[:1])

    async def use() -> None:
        await client.set(p + "k", 1)

    asyncio.run(use())
    pid = _fork()
    if pid == 0:
        code = 1
        try:
            async def in_child() -> None:
                try:
                    await client.get(p + "k")
                except slotwise.ConnectionError as e:
                    assert "os.fork()" in str(e) and e.code == "FORKED"
                    # A new client in the child works.
                    fresh = slotwise.asyncio.Cluster(startup_nodes=cluster.seeds[:1])
                    assert await fresh.get(p + "k") == b"1"
                    await fresh.aclose()
                    return
                raise AssertionError("no error")

            asyncio.run(in_child())
            code = 0
        finally:
            os._exit(code)
    assert _wait_child(pid) == 0

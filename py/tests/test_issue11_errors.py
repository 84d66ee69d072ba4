"""Deadlines while connecting, permission errors during discovery, malformed redirects and
topologies from a broken node, and connection reuse for blocking commands (issue 11)."""

from __future__ import annotations

import asyncio
import socket
import time
from contextlib import contextmanager
from typing import Any, Callable, Iterator, Optional

import pytest

import slotwise
import slotwise.asyncio

from .cluster import Cluster
from .fakenode import NODE_ID, FakeNode, encode

#: Scheduling noise allowed past a deadline.
NOISE = 0.4


@contextmanager
def silent_seed() -> Iterator[str]:
    """A seed that accepts connections (the kernel completes the handshake) and never
    answers."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(16)
    try:
        host, port = s.getsockname()
        yield f"{host}:{port}"
    finally:
        s.close()


def states_the_timeouts(msg: str, request: str, connect: str) -> None:
    assert f"request timeout {request}, connect timeout {connect}" in msg, msg
    assert "0ns" not in msg, msg


def no_control_characters(msg: str) -> None:
    assert not any(ord(c) < 0x20 or ord(c) == 0x7F for c in msg), repr(msg)


# -- item 3: a seed that accepts and never answers ---------------------------------------


@pytest.mark.parametrize(("connect", "request_", "shown"), [(0.5, 1.0, ("1s", "500ms")), (1.0, 2.0, ("2s", "1s"))])
def test_sync_client_fails_by_the_connect_timeout_and_states_it(
    connect: float, request_: float, shown: tuple[str, str]
) -> None:
    with silent_seed() as seed:
        started = time.monotonic()
        with pytest.raises(slotwise.RedisError) as e:
            with slotwise.Cluster(
                startup_nodes=[seed], socket_connect_timeout=connect, socket_timeout=request_
            ) as rc:
                rc.get("k")
        elapsed = time.monotonic() - started
    assert elapsed < request_ + NOISE, elapsed
    states_the_timeouts(str(e.value), *shown)


@pytest.mark.parametrize(("connect", "request_", "shown"), [(0.5, 1.0, ("1s", "500ms")), (1.0, 2.0, ("2s", "1s"))])
def test_asyncio_client_fails_by_its_deadline_and_states_the_timeouts(
    connect: float, request_: float, shown: tuple[str, str]
) -> None:
    async def main(seed: str) -> None:
        rc = slotwise.asyncio.Cluster(
            startup_nodes=[seed], socket_connect_timeout=connect, socket_timeout=request_
        )
        try:
            started = time.monotonic()
            with pytest.raises(slotwise.RedisError) as e:
                await rc.get("k")
            elapsed = time.monotonic() - started
            assert elapsed < request_ + NOISE, elapsed
            states_the_timeouts(str(e.value), *shown)
        finally:
            await rc.aclose()

    with silent_seed() as seed:
        asyncio.run(main(seed))


def test_asyncio_commands_fail_at_their_deadline_when_connecting_takes_longer() -> None:
    # The connect timeout (5 s) outlasts the request timeout (1 s): commands waiting for
    # the connect fail at their own deadline, not when the connect gives up.
    async def main(seed: str) -> None:
        rc = slotwise.asyncio.Cluster(startup_nodes=[seed], socket_connect_timeout=5, socket_timeout=1)
        try:
            started = time.monotonic()
            got = await asyncio.gather(
                rc.get("k"), rc.pipeline().set("k", 1).get("k").execute(), return_exceptions=True
            )
            elapsed = time.monotonic() - started
            assert elapsed < 1 + NOISE, elapsed
            for e in got:
                assert isinstance(e, slotwise.TimeoutError), repr(e)
                assert e.code == "TIMEOUT" and e.node is None
                msg = str(e)
                assert msg.startswith("request timed out after "), msg
                states_the_timeouts(msg, "1s", "5s")
                assert seed in msg and "still discovering the cluster" in msg, msg
        finally:
            await rc.aclose()

    with silent_seed() as seed:
        asyncio.run(main(seed))


class SlowNode(FakeNode):
    """A fake node whose topology answers come ``delay`` seconds late."""

    delay = 1.5

    def _topology(self, argv: list[bytes]) -> Optional[bytes]:
        out = super()._topology(argv)
        if out is not None:
            time.sleep(self.delay)
        return out


def test_asyncio_connect_goes_on_for_later_commands_after_one_timed_out() -> None:
    async def main(node: FakeNode) -> None:
        rc = slotwise.asyncio.Cluster(startup_nodes=[node.addr], socket_connect_timeout=5, socket_timeout=1)
        try:
            started = time.monotonic()
            with pytest.raises(slotwise.TimeoutError):
                await rc.get("k")
            assert time.monotonic() - started < 1 + NOISE
            # The connect still under way serves the next command once it is done.
            assert await rc.get("k") == b"v"
            assert await rc.get("k") == b"v"
        finally:
            await rc.aclose()

    with SlowNode(lambda argv: encode("v") if argv[0].upper() == b"GET" else b"+OK\r\n") as node:
        asyncio.run(main(node))


class HalfSecondLateTopology(SlowNode):
    delay = 0.6


def test_asyncio_a_request_that_waited_for_the_connect_gets_only_the_rest_of_its_deadline() -> None:
    # The connect takes 0.6 s of the 1 s deadline; the node then never answers GET: the
    # request fails at 1 s, not 1 s after the connect (1.6 s), and says why.
    async def attempt(node: FakeNode, pipeline: bool) -> None:
        rc = slotwise.asyncio.Cluster(startup_nodes=[node.addr], socket_connect_timeout=5, socket_timeout=1)
        try:
            started = time.monotonic()
            with pytest.raises(slotwise.TimeoutError) as err:
                if pipeline:
                    await rc.pipeline().get("k").execute()
                else:
                    await rc.get("k")
            elapsed = time.monotonic() - started
            assert elapsed < 1 + NOISE, elapsed
            msg = str(err.value)
            states_the_timeouts(msg, "1s", "5s")
            assert "discovered the cluster only after" in msg, msg
            assert err.value.code == "TIMEOUT"
        finally:
            await rc.aclose()

    async def main(node: FakeNode) -> None:
        await attempt(node, pipeline=False)
        await attempt(node, pipeline=True)

    with HalfSecondLateTopology(lambda argv: None if argv[0].upper() == b"GET" else b"+OK\r\n") as node:
        asyncio.run(main(node))


# -- item 4: a user without CLUSTER rights -----------------------------------------------

NOCLUSTER_USER, NOCLUSTER_PASS = "issue11-nocluster", "issue11-pw"


@pytest.fixture
def nocluster_user(cluster: Cluster) -> Iterator[None]:
    """An ACL user on every node that may run everything but CLUSTER."""
    addrs = [n.addr for n in cluster.nodes]
    for a in addrs:
        with cluster.raw(a) as r:
            r.call("ACL", "SETUSER", NOCLUSTER_USER, "on", ">" + NOCLUSTER_PASS, "~*", "&*", "+@all", "-cluster")
    try:
        yield
    finally:
        for a in addrs:
            with cluster.raw(a) as r:
                r.call("ACL", "DELUSER", NOCLUSTER_USER)


def is_the_permission_error(e: BaseException) -> None:
    assert isinstance(e, slotwise.NoPermissionError), repr(e)
    assert e.code == "NOPERM" and e.node is not None
    msg = str(e)
    assert "NOPERM" in msg and "+cluster|shards +cluster|slots" in msg, msg
    assert "check the username and password" not in msg, msg


def test_sync_client_without_cluster_rights_gets_a_permission_error(cluster: Cluster, nocluster_user: None) -> None:
    with pytest.raises(slotwise.RedisError) as e:
        with slotwise.Cluster(
            startup_nodes=cluster.seeds, username=NOCLUSTER_USER, password=NOCLUSTER_PASS
        ) as rc:
            rc.get("k")
    is_the_permission_error(e.value)
    # A wrong password is still a credentials problem.
    with pytest.raises(slotwise.AuthenticationError) as auth:
        with slotwise.Cluster(startup_nodes=cluster.seeds, username=NOCLUSTER_USER, password="nope") as rc:
            rc.get("k")
    assert auth.value.code == "NOAUTH" and "check the username and password" in str(auth.value)


def test_asyncio_client_without_cluster_rights_gets_a_permission_error(cluster: Cluster, nocluster_user: None) -> None:
    async def main() -> None:
        rc = slotwise.asyncio.Cluster(startup_nodes=cluster.seeds, username=NOCLUSTER_USER, password=NOCLUSTER_PASS)
        try:
            with pytest.raises(slotwise.RedisError) as e:
                await rc.get("k")
            is_the_permission_error(e.value)
        finally:
            await rc.aclose()
        rc = slotwise.asyncio.Cluster(startup_nodes=cluster.seeds, username=NOCLUSTER_USER, password="nope")
        try:
            with pytest.raises(slotwise.AuthenticationError) as auth:
                await rc.get("k")
            assert auth.value.code == "NOAUTH"
        finally:
            await rc.aclose()

    asyncio.run(main())


# -- item 5: malformed redirects, topologies and error text ------------------------------

INVALID_REDIRECTS = [b"MOVED 99999 127.0.0.1:1", b"MOVED 7629 127.0.0.1:99999", b"MOVED 7629", b"ASK 7629 :0"]


def answer_get_with(reply: bytes) -> Any:
    def script(argv: list[bytes]) -> Optional[bytes]:
        return reply if argv[0].upper() == b"GET" else b"+OK\r\n"

    return script


@pytest.mark.parametrize("redirect", INVALID_REDIRECTS)
def test_an_invalid_redirect_is_a_protocol_error_quoting_it(redirect: bytes) -> None:
    with FakeNode(answer_get_with(b"-" + redirect + b"\r\n")) as node:
        with slotwise.Cluster(startup_nodes=[node.addr], socket_timeout=60) as rc:
            with pytest.raises(slotwise.ProtocolError) as e:
                rc.get("k")
        assert len(node.commands(b"GET")) == 1  # not followed, not retried
    assert e.value.code == "PROTOCOL" and e.value.node == node.addr
    msg = str(e.value)
    assert f'invalid redirect "{redirect.decode()}"' in msg, msg
    assert "ssl=True" not in msg, msg  # a valid reply: no TLS hint


@pytest.mark.parametrize("redirect", INVALID_REDIRECTS[:2])
def test_asyncio_an_invalid_redirect_is_a_protocol_error_quoting_it(redirect: bytes) -> None:
    async def main(addr: str) -> None:
        async with slotwise.asyncio.Cluster(startup_nodes=[addr], socket_timeout=60) as rc:
            with pytest.raises(slotwise.ProtocolError) as e:
                await rc.get("k")
        assert e.value.code == "PROTOCOL"
        assert f'invalid redirect "{redirect.decode()}"' in str(e.value), str(e.value)

    with FakeNode(answer_get_with(b"-" + redirect + b"\r\n")) as node:
        asyncio.run(main(node.addr))


class ScriptedTopology(FakeNode):
    """A fake node answering CLUSTER SHARDS with ``shards(port)`` and CLUSTER SLOTS with
    ``slots(port)`` (values for :func:`encode`); without ``shards`` it does not know CLUSTER
    SHARDS (a server before Redis 7)."""

    def __init__(self, shards: Optional[Callable[[int], Any]], slots: Callable[[int], Any]) -> None:
        self._shards, self._slots = shards, slots
        super().__init__(lambda argv: b"+OK\r\n")

    def _topology(self, argv: list[bytes]) -> Optional[bytes]:
        if len(argv) < 2 or argv[0].upper() != b"CLUSTER":
            return None
        sub = argv[1].upper()
        if sub == b"SHARDS":
            if self._shards is None:
                return b"-ERR unknown subcommand 'shards'. Try CLUSTER HELP.\r\n"
            return encode(self._shards(self.port))
        if sub == b"SLOTS":
            return encode(self._slots(self.port))
        return None


def shard(lo: int, hi: int, node_id: bytes, host: str, port: int) -> list[Any]:
    node = ["id", node_id, "port", port, "ip", host, "endpoint", host, "role", "master",
            "replication-offset", 0, "health", "online"]  # fmt: skip
    return ["slots", [lo, hi], "nodes", [node]]


OTHER_ID = b"e" * 40


def overlapping_shards(port: int) -> list[Any]:
    return [shard(0, 10000, NODE_ID, "127.0.0.1", port), shard(5000, 16383, OTHER_ID, "127.0.0.1", 1)]


def overlapping_slots(port: int) -> list[Any]:
    return [[0, 10000, ["127.0.0.1", port, NODE_ID]], [5000, 16383, ["127.0.0.1", 1, OTHER_ID]]]


@pytest.mark.parametrize("which", ["shards", "slots"])
def test_overlapping_slot_ranges_refuse_the_view(which: str) -> None:
    shards = overlapping_shards if which == "shards" else None
    with ScriptedTopology(shards, overlapping_slots) as node:
        with pytest.raises(slotwise.ConnectionError) as e:
            with slotwise.Cluster(startup_nodes=[node.addr]) as rc:
                rc.get("k")
    msg = str(e.value)
    assert "overlapping" in msg and "inconsistent" in msg and f"CLUSTER {which.upper()}" in msg, msg


def test_a_host_with_control_characters_refuses_the_view_and_is_escaped() -> None:
    evil = "evil\r\nFAKE LOG LINE\x1b[31m"

    def shards(port: int) -> list[Any]:
        return [shard(0, 8000, NODE_ID, "127.0.0.1", port), shard(8001, 16383, OTHER_ID, evil, 7000)]

    def slots(port: int) -> list[Any]:
        return [[0, 8000, ["127.0.0.1", port, NODE_ID]], [8001, 16383, [evil, 7000, OTHER_ID]]]

    async def asyncio_main(addr: str) -> str:
        rc = slotwise.asyncio.Cluster(startup_nodes=[addr])
        try:
            with pytest.raises(slotwise.ConnectionError) as e:
                await rc.get("k")
            return str(e.value)
        finally:
            await rc.aclose()

    with ScriptedTopology(shards, slots) as node:
        with pytest.raises(slotwise.ConnectionError) as e:
            with slotwise.Cluster(startup_nodes=[node.addr]) as rc:
                rc.get("k")
        messages = [str(e.value), asyncio.run(asyncio_main(node.addr))]
    for msg in messages:
        assert "invalid host" in msg and "evil\\r\\nFAKE LOG LINE\\x1b[31m" in msg, msg
        no_control_characters(msg)


def hello_then(reply: bytes) -> Any:
    def script(argv: list[bytes]) -> Optional[bytes]:
        if argv[0].upper() == b"HELLO":
            return b"%1\r\n+proto\r\n:3\r\n"
        return reply if argv[0].upper() == b"GET" else b"+OK\r\n"

    return script


@pytest.mark.parametrize(
    ("reply", "protocol", "shown"),
    [
        (b"-ERR evil\x1b[31m red\x07\r\n", 2, "ERR evil\\x1b[31m red\\x07"),
        (b"!22\r\nERR one\r\nFAKE LOG\x1b[0m\x00\r\n", 3, "ERR one\\r\\nFAKE LOG\\x1b[0m\\x00"),
    ],
)
def test_control_characters_of_an_error_reply_are_escaped(reply: bytes, protocol: int, shown: str) -> None:
    async def asyncio_main(addr: str) -> str:
        async with slotwise.asyncio.Cluster(startup_nodes=[addr], protocol=protocol) as rc:
            with pytest.raises(slotwise.ResponseError) as e:
                await rc.get("k")
        return str(e.value)

    with FakeNode(hello_then(reply)) as node:
        with slotwise.Cluster(startup_nodes=[node.addr], protocol=protocol) as rc:
            with pytest.raises(slotwise.ResponseError) as e:
                rc.get("k")
        messages = [str(e.value), asyncio.run(asyncio_main(node.addr))]
    for msg in messages:
        assert shown in msg, msg
        no_control_characters(msg)


# -- item 8: blocking commands reuse connections ----------------------------------------


def connections_received(raw: Any) -> int:
    text = raw.call("INFO", "stats").decode()
    return int(text.split("total_connections_received:", 1)[1].split()[0])


def test_asyncio_blocking_commands_reuse_their_connections(cluster: Cluster, p: str) -> None:
    key = p + "q"
    owner = cluster.owner(cluster.keyslot(key))["primary"]

    async def main() -> None:
        async with slotwise.asyncio.Cluster(startup_nodes=cluster.seeds[:1]) as rc:
            await rc.rpush(key, *range(15))
            with cluster.raw(owner) as raw:
                before = connections_received(raw)
                got = [await rc.execute_command("BLPOP", key, 0.01) for _ in range(30)]
                after = connections_received(raw)
        assert [v for _, v in filter(None, got)] == [str(i).encode() for i in range(15)]
        assert got[15:] == [None] * 15
        assert after - before <= 3, f"{after - before} connections for 30 BLPOPs"

    asyncio.run(main())


def test_asyncio_a_blocking_command_that_timed_out_does_not_answer_the_next_one(cluster: Cluster, p: str) -> None:
    stale, fresh = p + "{b}stale", p + "{b}fresh"
    owner = cluster.owner(cluster.keyslot(stale))["primary"]

    async def main() -> None:
        async with slotwise.asyncio.Cluster(startup_nodes=cluster.seeds[:1], socket_timeout=0.3) as rc:
            assert await rc.execute_command("BLPOP", stale, 0.01) is None  # a pooled blocking connection
            with cluster.raw(owner) as raw:
                raw.call("CLIENT", "PAUSE", 1000, "ALL")
                # The node holds every command for a second: the BLPOP's deadline (0.1 s of
                # blocking + 0.3 s) passes first; its reply (nil) comes later, on its own
                # connection, which must not serve the next BLPOP.
                with pytest.raises(slotwise.TimeoutError) as e:
                    await rc.execute_command("BLPOP", stale, 0.1)
                assert e.value.code == "TIMEOUT"
                raw.call("LPUSH", fresh, "v")  # runs once the pause is over
            assert await rc.execute_command("BLPOP", fresh, 5) == [fresh.encode(), b"v"]

    asyncio.run(main())

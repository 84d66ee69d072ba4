"""Exception types, attributes and messages."""

from __future__ import annotations

import asyncio
import socket
from typing import Callable, Optional

import pytest

import slotwise
import slotwise.asyncio

from .cluster import Cluster, key_in_slot_owned_by
from .fakenode import FakeNode, Script


def test_hierarchy_is_rooted_at_redis_error() -> None:
    for name in slotwise.exceptions.__all__:
        assert issubclass(getattr(slotwise, name), slotwise.RedisError)
    assert issubclass(slotwise.AuthenticationError, slotwise.ConnectionError)
    assert issubclass(slotwise.CrossSlotError, slotwise.ResponseError)
    assert issubclass(slotwise.ClusterDownError, slotwise.ResponseError)
    assert issubclass(slotwise.RedirectBudgetError, slotwise.ClusterError)
    assert slotwise.RedisError.__module__ == "slotwise"
    assert slotwise.exceptions.CrossSlotError is slotwise.CrossSlotError


def test_error_reply_is_a_response_error_with_the_server_text(rc: slotwise.Cluster, p: str) -> None:
    rc.set(p + "s", "v")
    with pytest.raises(slotwise.ResponseError) as e:
        rc.lpush(p + "s", "x")
    assert str(e.value) == "WRONGTYPE Operation against a key holding the wrong kind of value"
    assert e.value.code == "WRONGTYPE"
    assert e.value.node is not None and ":" in e.value.node
    with pytest.raises(slotwise.ResponseError, match="unknown command"):
        rc.execute_command("NOSUCHCOMMAND", p + "k")


def _free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return int(port)


def test_bad_seeds_raise_connection_error_naming_each_seed() -> None:
    a, b = _free_port(), _free_port()
    with pytest.raises(slotwise.ConnectionError) as e:
        slotwise.Cluster(startup_nodes=[f"127.0.0.1:{a}", f"127.0.0.1:{b}"], socket_connect_timeout=0.5)
    msg = str(e.value)
    assert f"127.0.0.1:{a}" in msg and f"127.0.0.1:{b}" in msg
    assert e.value.code == "CONNECTION"


def test_malformed_seeds_and_options_raise_data_error() -> None:
    with pytest.raises(slotwise.DataError):
        slotwise.Cluster(startup_nodes=["no-port"])
    with pytest.raises(slotwise.DataError):
        slotwise.Cluster(startup_nodes=[])
    with pytest.raises(slotwise.DataError, match="read_policy"):
        slotwise.Cluster(startup_nodes=["127.0.0.1:1"], read_policy="nearest")
    with pytest.raises(slotwise.DataError, match="positive"):
        slotwise.Cluster(startup_nodes=["127.0.0.1:1"], socket_timeout=-1)
    with pytest.raises(TypeError, match="unexpected keyword"):
        slotwise.Cluster(startup_nodes=["127.0.0.1:1"], no_such_option=1)


def test_standalone_server_is_refused_with_a_clear_error(tmp_path: object) -> None:
    import subprocess
    import time

    port = _free_port()
    proc = subprocess.Popen(
        ["redis-server", "--port", str(port), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.05)
        with pytest.raises(slotwise.ClusterError, match="not a cluster node") as e:
            slotwise.Cluster(startup_nodes=[f"127.0.0.1:{port}"])
        assert e.value.code == "CLUSTER_DISABLED"
    finally:
        proc.terminate()
        proc.wait()


def test_timeout_error_when_the_deadline_passes(cluster: Cluster, p: str) -> None:
    # One primary's address is remapped to a socket that accepts connections and never
    # answers, so a command for a key it owns gets no reply before the deadline. (A BLPOP
    # would not do: the client gives blocking commands their own wait on top.)
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)
    try:
        target, other = cluster.primaries()[:2]
        key = key_in_slot_owned_by(cluster, target, p + "t")
        elsewhere = key_in_slot_owned_by(cluster, other, p + "u")
        host, port = target.rsplit(":", 1)
        hole = silent.getsockname()

        def remap(addr: tuple[str, int]) -> tuple[str, int]:
            return (hole[0], hole[1]) if addr == (host, int(port)) else addr

        with slotwise.Cluster(startup_nodes=[other], socket_timeout=0.3, address_remap=remap) as rc:
            with pytest.raises(slotwise.TimeoutError, match="timed out") as e:
                rc.get(key)
            assert e.value.code == "TIMEOUT"
            rc.set(elsewhere, 1)  # the client stays usable
            assert rc.get(elsewhere) == b"1"
    finally:
        silent.close()


def test_blocking_commands_wait_their_own_timeout_past_the_request_timeout(cluster: Cluster, p: str) -> None:
    with slotwise.Cluster(startup_nodes=cluster.seeds[:1], socket_timeout=0.3) as rc:
        assert rc.execute_command("BLPOP", p + "empty", 1) is None


def test_closed_client_raises_connection_error(cluster: Cluster) -> None:
    rc = slotwise.Cluster(startup_nodes=cluster.seeds[:1])
    rc.close()
    with pytest.raises(slotwise.ConnectionError, match="closed") as e:
        rc.get("k")
    assert e.value.code == "CLOSED"


def test_crossslot_mset_is_refused_and_nonatomic_is_split(rc: slotwise.Cluster, p: str) -> None:
    # As redis-py's RedisCluster: MSET/MGET need one slot; the *_nonatomic forms split.
    with pytest.raises(slotwise.CrossSlotError, match="MSET - all keys must map") as m:
        rc.mset({p + "a": 1, p + "b": 2})
    assert m.value.keys == [p + "a", p + "b"] and len(set(m.value.slots)) == 2
    with pytest.raises(slotwise.CrossSlotError, match="MGET - all keys must map"):
        rc.mget([p + "a", p + "b"])
    assert rc.mset_nonatomic({p + "a": 1, p + "b": 2}) == [True, True]
    assert rc.mget_nonatomic([p + "a", p + "b"]) == [b"1", b"2"]
    with pytest.raises(slotwise.CrossSlotError) as e:
        rc.eval("return 1", 2, p + "a", p + "b")
    assert sorted(e.value.keys) == sorted([p + "a", p + "b"])
    assert len(e.value.slots) == 2


# -- errors a scripted fake node gives byte for byte ----------------------------------------


def _answer_writes_with(reply: bytes) -> Script:
    def script(argv: list[bytes]) -> Optional[bytes]:
        return reply if argv[0].upper() == b"SET" else b"+OK\r\n"

    return script


@pytest.mark.parametrize(
    "reply, cls, code, hint, tries",
    [
        (b"CLUSTERDOWN The cluster is down", slotwise.ClusterDownError, "CLUSTERDOWN", "check CLUSTER INFO", 3),
        (b"CLUSTERDOWN Hash slot not served", slotwise.ClusterDownError, "CLUSTERDOWN", "unassigned slots", 3),
        (
            b"TRYAGAIN Multiple keys request during rehashing of slot",
            slotwise.TryAgainError,
            "TRYAGAIN",
            "once the migration has finished",
            3,
        ),
        (
            b"READONLY You can't write against a read only replica.",
            slotwise.ReadOnlyError,
            "READONLY",
            "CLUSTER SHARDS for the current primaries",
            3,
        ),
        (
            b"LOADING Redis is loading the dataset in memory",
            slotwise.BusyLoadingError,
            "LOADING",
            "wait until it has loaded",
            3,
        ),
        (
            b"NOPERM User app has no permissions to run the 'set' command",
            slotwise.NoPermissionError,
            "NOPERM",
            "ACL SETUSER",
            1,  # not retried: the answer will not change
        ),
    ],
)
def test_errors_after_the_retry_budget_name_the_node_and_what_to_do(
    reply: bytes, cls: type[slotwise.RedisError], code: str, hint: str, tries: int
) -> None:
    with FakeNode(_answer_writes_with(b"-" + reply + b"\r\n")) as node:
        with slotwise.Cluster(startup_nodes=[node.addr], max_retries=2, socket_timeout=60) as rc:
            with pytest.raises(slotwise.RedisError) as e:
                rc.set("k", "v")
        assert len(node.commands(b"SET")) == tries
    err = e.value
    assert type(err) is cls
    assert err.code == code and err.node == node.addr
    msg = str(err)
    assert msg.startswith(reply.decode()) and node.addr in msg and hint in msg, msg


def test_tryagain_until_the_deadline_is_a_timeout_naming_what_the_node_said() -> None:
    tryagain = _answer_writes_with(b"-TRYAGAIN Multiple keys request during rehashing of slot\r\n")
    with FakeNode(tryagain) as node:
        with slotwise.Cluster(startup_nodes=[node.addr], max_retries=100_000, socket_timeout=0.3) as rc:
            with pytest.raises(slotwise.TimeoutError) as e:
                rc.set("k", "v")
        assert len(node.commands(b"SET")) >= 2  # retried until the deadline
    assert e.value.code == "TIMEOUT"
    msg = str(e.value)
    assert "TRYAGAIN" in msg and node.addr in msg and "raise the request timeout" in msg, msg


def test_garbage_bytes_are_a_protocol_error() -> None:
    def garbage(argv: list[bytes]) -> Optional[bytes]:
        return b"@@@ this is not RESP\r\n" if argv[0].upper() == b"GET" else b"+OK\r\n"

    with FakeNode(garbage) as node:
        with slotwise.Cluster(startup_nodes=[node.addr], socket_timeout=60) as rc:
            with pytest.raises(slotwise.ProtocolError) as e:
                rc.get("k")
            assert rc.set("k", "v") is True  # a new connection serves the next command
    err = e.value
    assert isinstance(err, slotwise.ConnectionError)
    assert err.code == "PROTOCOL" and err.node == node.addr
    msg = str(err)
    assert "malformed RESP" in msg and "is a Redis node" in msg, msg


def test_info_raises_the_error_of_the_node_that_refused() -> None:
    def noperm_info(argv: list[bytes]) -> Optional[bytes]:
        if argv[0].upper() == b"INFO":
            return b"-NOPERM User app has no permissions to run the 'info' command\r\n"
        return b"+OK\r\n"

    with FakeNode(noperm_info) as node:
        with slotwise.Cluster(startup_nodes=[node.addr]) as rc:
            with pytest.raises(slotwise.NoPermissionError) as e:
                rc.info()
            assert e.value.node == node.addr
            # In a pipeline with raise_on_error=False, the error takes INFO's place.
            res = rc.pipeline().info().set("k", "v").execute(raise_on_error=False)
            assert isinstance(res[0], slotwise.NoPermissionError) and res[1] is True


def test_an_error_entry_of_a_per_node_reply_is_raised_with_its_node() -> None:
    from slotwise.commands._base import _parse_cluster_info

    refused = slotwise.NoPermissionError("NOPERM no INFO for you")
    ok = b"# Server\r\nredis_version:7.2.4\r\n"
    with pytest.raises(slotwise.NoPermissionError) as e:
        _parse_cluster_info({b"10.0.0.1:7000": ok, b"10.0.0.2:7000": refused})
    assert e.value is refused and e.value.node == "10.0.0.2:7000"
    assert _parse_cluster_info({b"10.0.0.1:7000": ok}) == {"10.0.0.1:7000": {"redis_version": "7.2.4"}}


def test_scan_iter_with_type_raises_when_a_type_lookup_fails() -> None:
    def script(argv: list[bytes]) -> Optional[bytes]:
        name = argv[0].upper()
        if name == b"SCAN":
            return b"*2\r\n$1\r\n0\r\n*2\r\n$1\r\na\r\n$1\r\nb\r\n"
        if name == b"TYPE":
            return b"+string\r\n" if argv[1] == b"a" else b"-ERR TYPE failed here\r\n"
        return b"+OK\r\n"

    with FakeNode(script) as node:
        with slotwise.Cluster(startup_nodes=[node.addr]) as rc:
            assert list(rc.scan_iter()) == [b"a", b"b"]
            with pytest.raises(slotwise.ResponseError, match="TYPE failed here"):
                list(rc.scan_iter(_type="string"))

        async def main() -> None:
            async with slotwise.asyncio.Cluster(startup_nodes=[node.addr]) as arc:
                assert [k async for k in arc.scan_iter()] == [b"a", b"b"]
                with pytest.raises(slotwise.ResponseError, match="TYPE failed here"):
                    [k async for k in arc.scan_iter(_type="string")]

        asyncio.run(main())


# -- code and node on every instance ---------------------------------------------------------


def test_every_exception_class_and_instance_has_code_and_node() -> None:
    for name in slotwise.exceptions.__all__:
        cls = getattr(slotwise, name)
        assert isinstance(cls.code, str) and cls.code, name
        assert cls.node is None, name
        err = cls("made by hand")
        assert err.code == cls.code and err.node is None, name
    assert slotwise.DataError("x").code == "DATA"
    assert slotwise.ResponseError("x").code == "ERR"


def test_errors_raised_in_python_have_code_and_node(cluster: Cluster, rc: slotwise.Cluster, p: str) -> None:
    raised: list[slotwise.RedisError] = []

    def catch(f: Callable[[], object]) -> None:
        with pytest.raises(slotwise.RedisError) as e:
            f()
        raised.append(e.value)

    catch(lambda: slotwise.Cluster(startup_nodes=["no-port"]))  # _options
    catch(lambda: slotwise.Cluster(url="redis://h:1?max_retries=many"))
    catch(lambda: rc.zadd(p + "z", {}))  # _commands
    catch(lambda: rc.set(p + "k", "v", nx=True, xx=True))
    catch(lambda: rc.execute_command("GET", p + "k", route_to="all"))
    catch(lambda: rc.pipeline().execute_command())  # Pipeline._call
    catch(lambda: rc.execute_command())  # the native module

    async def closed() -> None:
        arc = slotwise.asyncio.Cluster(startup_nodes=cluster.seeds[:1])
        await arc.aclose()
        await arc.get(p + "k")

    catch(lambda: asyncio.run(closed()))  # asyncio.py
    codes = [e.code for e in raised]
    assert codes == ["CONFIG", "CONFIG", "DATA", "DATA", "DATA", "DATA", "DATA", "CLOSED"]
    assert all(e.node is None for e in raised)
    assert "CLOSED" == raised[-1].code and isinstance(raised[-1], slotwise.ConnectionError)


def test_execute_command_refuses_options_it_does_not_take(rc: slotwise.Cluster, p: str) -> None:
    with pytest.raises(slotwise.DataError, match=r"route_to.*routes every command itself, by its keys"):
        rc.execute_command("GET", p + "k", route_to="all")
    with pytest.raises(slotwise.DataError, match="target_nodes"):
        rc.pipeline().execute_command("GET", p + "k", target_nodes="all", keys=[p + "k"])


def test_error_replies_inside_values_have_no_node(rc: slotwise.Cluster, p: str) -> None:
    got = rc.eval("return {1, redis.error_reply('ERR inner failure')}", 0)
    assert got[0] == 1
    inner = got[1]
    assert isinstance(inner, slotwise.ResponseError)
    assert str(inner) == "ERR inner failure" and inner.code == "ERR" and inner.node is None

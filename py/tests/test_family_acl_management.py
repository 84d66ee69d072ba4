"""ACL and server-management methods with redis-py 8.1's names, arguments, validation and
reply shapes (``RedisCluster``): ACL SETUSER/GETUSER/DELUSER/LOG/CAT..., COMMAND and its
subcommands, MEMORY STATS, DEBUG OBJECT, LATENCY, ROLE, LOLWUT, MODULE, the rest of CLIENT,
and the commands redis-py refuses in a cluster. Each test runs on the sync and asyncio
clients (``call``), with RESP3 where the shape differs. ACL users are created on the
default node (where redis-py sends ACL commands) and deleted from every node afterwards.

Commands the test servers (Redis 7.0) lack or that would disturb the shared test cluster
(CLIENT SETINFO, CLIENT NO-TOUCH, MODULE LOAD, CONFIG REWRITE, SHUTDOWN...) are checked by
their argv on a fake node."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import itertools
import threading
from typing import Any, Callable, Iterator

import pytest

import slotwise
import slotwise.asyncio

from .cluster import Cluster, wait_until
from .faces import redis_py
from .fakenode import FakeNode, encode

Call = Callable[..., Any]
_users = itertools.count()


@contextlib.contextmanager
def _face(cluster: Cluster, face: str, **opts: Any) -> Iterator[Call]:
    """``call("acl_getuser", "u")`` runs the method on the sync or asyncio client."""
    if face == "sync":
        rc = slotwise.Cluster(startup_nodes=cluster.seeds[:1], **opts)
        try:
            yield lambda method, *a, **k: getattr(rc, method)(*a, **k)
        finally:
            rc.close()
        return
    loop = asyncio.new_event_loop()

    async def connect() -> slotwise.asyncio.Cluster:
        return await slotwise.asyncio.Cluster(startup_nodes=cluster.seeds[:1], **opts).initialize()

    arc = loop.run_until_complete(connect())

    def async_call(method: str, *a: Any, **k: Any) -> Any:
        reply = getattr(arc, method)(*a, **k)
        return loop.run_until_complete(reply) if inspect.isawaitable(reply) else reply

    try:
        yield async_call
    finally:
        loop.run_until_complete(arc.aclose())
        loop.close()


@pytest.fixture(params=["sync", "asyncio"])
def call(request: pytest.FixtureRequest, cluster: Cluster) -> Iterator[Call]:
    with _face(cluster, request.param) as c:
        yield c


@pytest.fixture(params=["sync", "asyncio"])
def call3(request: pytest.FixtureRequest, cluster: Cluster) -> Iterator[Call]:
    """As ``call``, on RESP3."""
    with _face(cluster, request.param, protocol=3) as c:
        yield c


@pytest.fixture
def user(call: Call) -> Iterator[str]:
    """A fresh ACL user name, deleted from every node after the test."""
    name = f"slotwise-acl-{next(_users)}"
    yield name
    call("acl_deluser", name, target_nodes="all")


# -- ACL ----------------------------------------------------------------------------------


def test_acl_setuser_every_option_and_getuser_shape(call: Call, user: str) -> None:
    assert call("acl_setuser", user, enabled=False, reset=True) is True
    acl = call("acl_getuser", user)
    assert acl["categories"] == ["-@all"] and acl["commands"] == [] and acl["keys"] == []
    assert acl["passwords"] == [] and "off" in acl["flags"] and acl["enabled"] is False
    assert call(
        "acl_setuser",
        user,
        enabled=True,
        reset=True,
        passwords=["+pass1", "+pass2"],
        categories=["+set", "+@hash", "-geo"],
        commands=["+get", "+mget", "-hset"],
        keys=["cache:*", "%R~ro:*"],
        channels=["message:*"],
        selectors=[("+set", "%W~app*")],
    ) is True
    acl = call("acl_getuser", user)
    assert {"+@hash", "+@set", "-@all"} <= set(acl["categories"])  # -@geo: folded by 7.0
    assert set(acl["commands"]) == {"+get", "+mget", "-hset"}
    assert set(acl["keys"]) == {"~cache:*", "%R~ro:*"}
    assert acl["channels"] == ["&message:*"]
    assert len(acl["passwords"]) == 2 and all(isinstance(p, str) for p in acl["passwords"])
    assert acl["enabled"] is True and "on" in acl["flags"]
    assert acl["selectors"] == [["commands", "-@all +set", "keys", "%W~app*", "channels", ""]]
    # Without reset the rules add up; "-" removes a password, hashed ones too.
    assert call("acl_setuser", user, enabled=True, passwords="-pass2", keys=["more:*"])
    acl = call("acl_getuser", user)
    assert len(acl["passwords"]) == 1 and "~more:*" in acl["keys"]
    sha = "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8"
    assert call("acl_setuser", user, reset=True, hashed_passwords=["+" + sha])
    assert call("acl_getuser", user)["passwords"] == [sha]
    assert call("acl_setuser", user, hashed_passwords="-" + sha)
    assert call("acl_getuser", user)["passwords"] == []
    assert call("acl_setuser", user, reset_passwords=True, reset_keys=True, reset_channels=True, nopass=True)
    acl = call("acl_getuser", user)
    assert "nopass" in acl["flags"] and acl["keys"] == [] and acl["channels"] == []


def test_acl_getuser_in_resp3(call3: Call) -> None:
    name = f"slotwise-acl-{next(_users)}"
    try:
        assert call3("acl_setuser", name, enabled=True, nopass=True, keys=["k*"], selectors=[("+set", "~app*")])
        acl = call3("acl_getuser", name)
        assert acl["selectors"] == [{"commands": "-@all +set", "keys": "~app*", "channels": ""}]
        assert acl["keys"] == ["~k*"] and sorted(acl["flags"]) == ["nopass", "on"]
        assert call3("acl_getuser", name + "-none") is None
        assert call3("acl_cat") and all(isinstance(c, bytes) for c in call3("acl_cat"))
        assert isinstance(call3("acl_whoami"), bytes)
    finally:
        call3("acl_deluser", name, target_nodes="all")


@pytest.mark.parametrize(
    "kwargs, words",
    [
        ({"passwords": "+x", "nopass": True}, "Cannot set 'nopass'"),
        ({"hashed_passwords": ["+ab"], "nopass": True}, "Cannot set 'nopass'"),
        ({"passwords": ["+a", "b"]}, 'Password 1 must be prefixed with a "\\+" to add'),
        ({"hashed_passwords": ["ab"]}, "Hashed password 0 must be prefixed"),
        ({"categories": ["list"]}, 'Category "list" must be prefixed with "\\+" or "-"'),
        ({"commands": ["get"]}, 'Command "get" must be prefixed'),
        ({"selectors": [("get", "k")]}, 'Command "get" must be prefixed'),
    ],
)
def test_acl_setuser_refuses_what_redis_py_refuses(call: Call, user: str, kwargs: Any, words: str) -> None:
    with pytest.raises(slotwise.DataError, match=words):
        call("acl_setuser", user, **kwargs)
    assert call("acl_getuser", user) is None  # nothing was sent


def test_acl_listing_commands(call: Call, user: str) -> None:
    assert "read" in call("acl_cat")
    assert "get" in call("acl_cat", "read")
    assert "default" in call("acl_users") and call("acl_whoami") == "default"
    assert call("acl_help") and all(isinstance(line, str) for line in call("acl_help"))
    before = call("acl_list")
    assert call("acl_setuser", user, reset=True)
    assert len(call("acl_list")) == len(before) + 1
    assert any(line.startswith(f"user {user} ") for line in call("acl_list"))
    assert len(call("acl_genpass")) == 64
    assert len(call("acl_genpass", 555)) == 139
    for bad in ("value", -5, 5555):
        with pytest.raises(slotwise.DataError, match="between 0 and 4096"):
            call("acl_genpass", bad)
    with pytest.raises(slotwise.DataError, match="ACL LOG count must be an integer"):
        call("acl_log", count="3")


def test_acl_dryrun_and_deluser(call: Call, user: str) -> None:
    assert call("acl_deluser", user) == 0
    call("acl_setuser", user, keys=["*"], commands=["+set"])
    assert call("acl_dryrun", user, "set", "key", "value") == b"OK"
    assert b"no permissions to run the 'get' command" in call("acl_dryrun", user, "get", "key")
    others = [f"{user}-{i}" for i in range(3)]
    for u in others:
        call("acl_setuser", u, reset=True)
    assert call("acl_deluser", user, *others) == 4
    assert all(call("acl_getuser", u) is None for u in others)


def test_acl_commands_run_on_the_default_node(call: Call, user: str) -> None:
    """As in redis-py: a user made without target_nodes exists on the default node only."""
    rc = slotwise.Cluster  # for the node flag names
    assert call("acl_setuser", user, reset=True) is True
    default = call("get_default_node")
    others = [n for n in call("get_nodes") if n.name != default.name]
    assert call("acl_getuser", user, target_nodes=default)["enabled"] is False
    assert call("acl_getuser", user, target_nodes=others[0]) is None
    everywhere = call("acl_setuser", user, reset=True, target_nodes=rc.ALL_NODES)
    assert everywhere == {n.name: True for n in call("get_nodes")}
    per_node = call("acl_getuser", user, target_nodes=rc.PRIMARIES)
    assert set(per_node) == {n.name for n in call("get_primaries")}
    assert call("acl_deluser", user, target_nodes=rc.REPLICAS) == {
        n.name: 1 for n in call("get_replicas")
    }


@pytest.mark.parametrize("protocol", [2, 3])
def test_acl_log_entries(cluster: Cluster, protocol: int) -> None:
    name = f"slotwise-acl-{next(_users)}"
    rc = slotwise.Cluster(startup_nodes=cluster.seeds[:1], protocol=protocol)
    node = rc.get_node_from_key("{cache}:0")
    assert node is not None
    rc.acl_setuser(
        name,
        enabled=True,
        reset=True,
        commands=["+get", "+set", "+cluster", "+command", "+info", "+ping"],
        keys=["{cache}:*"],
        nopass=True,
        target_nodes=rc.ALL_NODES,
    )
    try:
        assert rc.acl_log_reset(target_nodes=node) is True
        limited = slotwise.Cluster(startup_nodes=cluster.seeds[:1], username=name, password="x")
        try:
            assert limited.set("{cache}:0", 1) is True
            with pytest.raises(slotwise.NoPermissionError):
                limited.get("{cache}violated:0")
            with pytest.raises(slotwise.NoPermissionError):
                limited.hset("{cache}:0", "f", "v")
        finally:
            limited.close()
        log = rc.acl_log(target_nodes=node)
        assert isinstance(log, list) and len(log) == 2
        assert len(rc.acl_log(count=1, target_nodes=node)) == 1
        entry = log[0]
        assert entry["username"] == name and entry["context"] == "toplevel"
        assert isinstance(entry["age-seconds"], float)
        if protocol == 2:
            assert isinstance(entry["client-info"], dict) and isinstance(entry["client-info"]["id"], int)
        else:
            assert isinstance(entry["client-info"], str) and "id=" in entry["client-info"]
        assert rc.acl_log_reset(target_nodes=node) is True
        assert rc.acl_log(target_nodes=node) == []
    finally:
        rc.acl_deluser(name, target_nodes=rc.ALL_NODES)
        rc.close()


# -- COMMAND, MEMORY, DEBUG, LATENCY, ROLE, LOLWUT, MODULE ---------------------------------


def test_command_family(call: Call, p: str) -> None:
    table = call("command")
    assert len(table) > 100 and table["get"]["arity"] == 2
    assert table["get"]["flags"] == ["readonly", "fast"] and "@read" in table["get"]["acl_categories"]
    assert table["set"]["first_key_pos"] == 1
    assert len(call("command_list")) > 200
    assert b"lpop" in call("command_list", pattern="l*")
    assert call("command_list", module="fakemod") == []
    assert b"lpush" in call("command_list", category="list")
    with pytest.raises(slotwise.ResponseError):
        call("command_list", category="list", pattern="l*")
    assert call("command_getkeys", "MSET", "a", "b", "c", "d") == ["a", "c"]
    assert call("command_getkeysandflags", "LMOVE", "l1", "l2", "left", "left") == [
        [b"l1", [b"RW", b"access", b"delete"]],
        [b"l2", [b"RW", b"insert"]],
    ]
    assert call("command_count") > 100


def test_command_replies_in_resp3(call3: Call) -> None:
    assert call3("command_getkeys", "MSET", "a", "b") == [b"a"]
    keys = call3("command_getkeysandflags", "LMOVE", "l1", "l2", "left", "left")
    assert [k for k, _ in keys] == [b"l1", b"l2"]
    assert all(isinstance(flags, list) for _, flags in keys)  # redis-py's RESP3 sets: lists
    info = call3("client_trackinginfo")
    assert info[b"flags"] == [b"off"] and info[b"redirect"] == -1
    # COMMAND's RESP3 reply holds sets of maps: they come as lists, not a TypeError.
    table = call3("command")
    assert table["get"]["arity"] == 2 and "readonly" in [
        f.decode() if isinstance(f, bytes) else f for f in table["get"]["flags"]
    ]


def test_memory_debug_latency_role_lolwut(call: Call, p: str) -> None:
    call("set", p + "k", "bar")
    stats = call("memory_stats")
    assert isinstance(stats["peak.allocated"], int)
    dbs = [k for k in stats if k.startswith("db.")]
    assert all(isinstance(stats[k], dict) for k in dbs)
    node = call("get_node_from_key", p + "k")
    assert call("memory_stats", target_nodes=node)["keys.count"] >= 1
    assert call("memory_malloc_stats")
    obj = call("debug_object", p + "k")  # on the key's node, wherever the default node is
    assert obj["type"] == "Value" and obj["encoding"] == "embstr" and isinstance(obj["refcount"], int)
    assert call("latency_history", "command") == []
    assert isinstance(call("latency_latest"), list)
    assert call("latency_reset") >= 0
    role = call("role")
    assert role[0] == b"master" and isinstance(role[1], int) and isinstance(role[2], list)
    replica = call("get_replicas")[0]
    assert call("role", target_nodes=replica)[0] == b"slave"
    assert b"Redis ver." in call("lolwut")
    assert call("lolwut", 5, 1, 1)
    assert call("module_list") == []
    assert call("client_getredir") == -1
    assert call("client_trackinginfo") == ["flags", [b"off"], "redirect", -1, "prefixes", []]


def test_memory_stats_and_debug_object_in_resp3(call3: Call, p: str) -> None:
    call3("set", p + "k", "bar")
    stats = call3("memory_stats")
    assert isinstance(stats["peak.allocated"], int) and isinstance(stats["dataset.percentage"], float)
    obj = call3("debug_object", p + "k")
    assert isinstance(obj, bytes) and obj.startswith(b"Value at:")  # RESP3: unparsed
    assert call3("module_list") == []


@pytest.mark.parametrize(
    "method, args",
    [
        ("latency_doctor", ()),
        ("latency_graph", ()),
        ("latency_histogram", ("set",)),
        ("memory_doctor", ()),
        ("memory_help", ()),
        ("command_info", ()),
        ("command_docs", ("set",)),
        ("debug_segfault", ()),
        ("hello", ()),
        ("failover", ()),
    ],
)
def test_not_implemented_as_in_redis_py(call: Call, method: str, args: Any) -> None:
    with pytest.raises(NotImplementedError):
        call(method, *args)


@pytest.mark.parametrize("method, args", [("slaveof", ()), ("replicaof", ("NO", "ONE")), ("swapdb", (0, 1))])
def test_refused_in_cluster_mode_as_in_redis_py(call: Call, method: str, args: Any) -> None:
    with pytest.raises(slotwise.ClusterError, match="is not supported in cluster mode"):
        call(method, *args)


@pytest.mark.parametrize(
    "method, args, kwargs, words",
    [
        ("auth", ("pw",), {}, "pass username= and password= to the client"),
        ("auth", ("pw", "user"), {"target_nodes": "all"}, "AUTH cannot be sent"),
        ("select", (0,), {}, "only database 0"),
        ("quit", (), {}, "close the client"),
        ("reset", (), {}, "close the client"),
        ("sync", (), {}, "stream of messages"),
        ("psync", ("?", -1), {}, "stream of messages"),
        ("client_reply", ("OFF",), {}, "must answer every command"),
        ("client_tracking_on", (), {}, "CLIENT TRACKING cannot be sent"),
        ("client_tracking_off", (), {"target_nodes": "primaries"}, "invalidation messages"),
        ("monitor", (), {}, "MONITOR"),
    ],
)
def test_connection_state_commands_refused(
    call: Call, method: str, args: Any, kwargs: Any, words: str
) -> None:
    """They would change a connection every caller shares (even with target_nodes=)."""
    with pytest.raises(slotwise.DataError, match=words):
        call(method, *args, **kwargs)
    assert call("client_trackinginfo")[1] == [b"off"]


def test_client_argument_checks_as_redis_py(call: Call) -> None:
    with pytest.raises(slotwise.DataError, match="must specify at least one filter"):
        call("client_kill_filter")
    with pytest.raises(slotwise.DataError, match="skipme must be a bool"):
        call("client_kill_filter", skipme="yeah")
    with pytest.raises(slotwise.DataError, match="type must be one of"):
        call("client_kill_filter", _type="caster")
    with pytest.raises(slotwise.DataError, match="CLIENT REPLY must be one of"):
        call("client_reply", "MAYBE")
    with pytest.raises(slotwise.DataError, match="Prefix can only be used with bcast"):
        call("client_tracking_on", prefix=["foo"])
    with pytest.raises(slotwise.DataError, match="SHUTDOWN save and nosave"):
        call("shutdown", save=True, nosave=True)
    with pytest.raises(slotwise.DataError, match="MIGRATE requires at least one key"):
        call("migrate", "127.0.0.1", 1, [], 0, 100)
    with pytest.raises(slotwise.ResponseError, match="MOVE is not allowed in cluster mode"):
        call("move", "k", 1)
    with pytest.raises(slotwise.DataError, match="CLIENT LIST _type must be one of"):
        call("client_list", _type="caster")
    with pytest.raises(slotwise.DataError, match="client_id must be a list"):
        call("client_list", client_id=1)


def test_client_unblock_kill_filter_no_evict(call: Call, cluster: Cluster) -> None:
    myid = call("client_id")
    assert call("client_unblock", myid) == 0
    assert call("client_unblock", myid, error=True) == 0
    assert call("client_unblock", myid, target_nodes="all") == 0  # merged as redis-py
    assert call("client_no_evict", "ON") == b"OK"
    assert call("client_no_evict", "OFF") == b"OK"
    other = slotwise.Cluster(startup_nodes=cluster.seeds[:1])
    try:
        assert other.client_setname("slotwise-victim") is True
        victim = [c for c in call("client_list") if c["name"] == "slotwise-victim"]
        assert len(victim) == 1
        assert call("client_kill_filter", _id=victim[0]["id"]) == 1
        assert not [c for c in call("client_list") if c["name"] == "slotwise-victim"]
        assert call("client_kill_filter", _id="999999999", skipme=True, _type="normal") == 0
    finally:
        other.close()


def test_blocked_client_is_unblocked(cluster: Cluster, p: str) -> None:
    rc = slotwise.Cluster(startup_nodes=cluster.seeds[:1])
    blocker = slotwise.Cluster(startup_nodes=cluster.seeds[:1], socket_timeout=30)
    try:
        node = rc.get_node_from_key(p + "list")
        assert node is not None

        def blocked_ids() -> set[int]:
            return {int(c["id"]) for c in rc.client_list(target_nodes=node) if c["cmd"] == "blpop"}

        earlier = blocked_ids()  # other tests' clients may still wait on this node
        done: list[Any] = []
        t = threading.Thread(target=lambda: done.append(blocker.blpop(p + "list", timeout=20)))
        t.start()
        wait_until(lambda: bool(blocked_ids() - earlier), "the BLPOP to block")
        (mine,) = blocked_ids() - earlier
        assert rc.client_unblock(mine, target_nodes=node) == 1
        t.join(10)
        assert done == [None]
    finally:
        blocker.close()
        rc.close()


# -- argv on a fake node -----------------------------------------------------------------


def _fake_script(argv: list[bytes]) -> bytes:
    name = b" ".join(argv[:2]).upper()
    if name.startswith(b"MODULE LOADEX"):
        return b"+OK\r\n"
    if name.startswith(b"MODULE"):
        return b"+OK\r\n"
    if argv[0].upper() == b"BGREWRITEAOF":
        return b"+Background append only file rewriting started\r\n"
    if argv[0].upper() == b"MIGRATE":
        return b"+NOKEY\r\n"
    return b"+OK\r\n"


def test_argv_on_a_fake_node() -> None:
    with FakeNode(_fake_script) as node:
        rc = slotwise.Cluster(startup_nodes=[node.addr])
        try:
            assert rc.client_setinfo("lib-name", "app") is True
            assert rc.client_no_touch("ON") == b"OK"
            assert rc.module_load("/m.so", "a1") is True
            assert rc.module_loadex("/m.so", options=["n", "v"], args=["a"]) == b"OK"
            assert rc.module_unload("m") is True
            assert rc.config_rewrite() is True
            assert rc.bgrewriteaof() is True
            assert rc.acl_load() is True and rc.acl_save() is True
            assert rc.client_kill_filter(addr="1.2.3.4:5", laddr="6.7.8.9:1", user="u", maxage=9) is True
            assert rc.migrate("10.0.0.1", 7000, ["{a}1", "{a}2"], 0, 500, copy=True, replace=True, auth="pw") == b"NOKEY"
            with pytest.raises(slotwise.RedisError, match="SHUTDOWN seems to have failed"):
                rc.shutdown(nosave=True, now=True, force=True, abort=True)
            assert rc.acl_setuser("u", passwords=["+p"], hashed_passwords=["-ab"], categories=["-@all"]) is True
        finally:
            rc.close()
        wanted = {b"CLIENT", b"MODULE", b"CONFIG", b"BGREWRITEAOF", b"ACL", b"MIGRATE", b"SHUTDOWN"}
        sent = [a for a in node.received if a[0].upper() in wanted and a[:2] != [b"CLUSTER", b"SHARDS"]]
        assert sent == [
            [b"CLIENT", b"SETINFO", b"lib-name", b"app"],
            [b"CLIENT", b"NO-TOUCH", b"ON"],
            [b"MODULE", b"LOAD", b"/m.so", b"a1"],
            [b"MODULE", b"LOADEX", b"/m.so", b"CONFIG", b"n", b"v", b"ARGS", b"a"],
            [b"MODULE", b"UNLOAD", b"m"],
            [b"CONFIG", b"REWRITE"],
            [b"BGREWRITEAOF"],
            [b"ACL", b"LOAD"],
            [b"ACL", b"SAVE"],
            [
                *[b"CLIENT", b"KILL", b"ADDR", b"1.2.3.4:5", b"LADDR", b"6.7.8.9:1"],
                *[b"USER", b"u", b"MAXAGE", b"9"],
            ],
            [
                *[b"MIGRATE", b"10.0.0.1", b"7000", b"", b"0", b"500", b"COPY", b"REPLACE"],
                *[b"AUTH", b"pw", b"KEYS", b"{a}1", b"{a}2"],
            ],
            [b"SHUTDOWN", b"NOSAVE", b"NOW", b"FORCE", b"ABORT"],
            [b"ACL", b"SETUSER", b"u", b"off", b">p", b"!ab", b"-@all"],
        ]


def test_shutdown_on_asyncio_is_a_coroutine_that_checks_the_reply() -> None:
    async def main(addr: str) -> None:
        arc = await slotwise.asyncio.Cluster(startup_nodes=[addr]).initialize()
        try:
            pending = arc.shutdown(nosave=True)
            assert inspect.iscoroutine(pending)
            with pytest.raises(slotwise.RedisError, match="SHUTDOWN seems to have failed"):
                await pending
        finally:
            await arc.aclose()

    with FakeNode(lambda argv: b"+OK\r\n") as node:
        asyncio.run(main(node.addr))
        assert [a for a in node.received if a[0] == b"SHUTDOWN"] == [[b"SHUTDOWN", b"NOSAVE"]]


def test_pipelines_queue_acl_and_management_commands(cluster: Cluster, user: str) -> None:
    rc = slotwise.Cluster(startup_nodes=cluster.seeds[:1])
    try:
        pipe = rc.pipeline()
        pipe.acl_whoami().acl_cat("read").command_getkeys("GET", "k").memory_stats()
        whoami, cat, keys, stats = pipe.execute()
        assert whoami == "default" and "get" in cat and keys == ["k"] and "peak.allocated" in stats
        with pytest.raises(slotwise.DataError, match="target_nodes"):
            rc.pipeline().acl_users(target_nodes="all")
    finally:
        rc.close()


def test_signatures_match_redis_py() -> None:
    """Each method takes redis-py's parameters (``**kwargs`` there is ``target_nodes``
    here, the one keyword RedisCluster gives meaning to)."""
    redis_cluster = redis_py("redis.cluster")
    from slotwise.commands.acl import AclCommands
    from slotwise.commands.management import ManagementCommands

    def shape(f: Any) -> list[tuple[str, Any, Any]]:
        out = []
        for q in inspect.signature(f).parameters.values():
            if q.kind is q.VAR_KEYWORD or q.name == "target_nodes":
                continue
            out.append((q.name, q.kind, q.default))
        return out

    checked = 0
    for family in (AclCommands, ManagementCommands):
        for name, f in vars(family).items():
            if name.startswith("_") or not callable(f):
                continue
            theirs = getattr(redis_cluster.RedisCluster, name)
            assert shape(f) == shape(theirs), name
            checked += 1
    assert checked >= 60


def test_config_and_slowlog_run_on_the_default_node(call: Call) -> None:
    """As in redis-py: CONFIG SET and a later CONFIG GET reach the same (default) node."""
    default = call("get_default_node")
    before = call("config_get", "maxmemory-samples", target_nodes=default)["maxmemory-samples"]
    try:
        for value in ("7", "9", "8"):
            assert call("config_set", "maxmemory-samples", value) is True
            assert call("config_get", "maxmemory-samples") == {"maxmemory-samples": value}
            assert call("config_get", "maxmemory-samples", target_nodes=default) == {
                "maxmemory-samples": value
            }
        assert call("slowlog_reset") is True
        assert call("slowlog_len") == call("slowlog_len", target_nodes=default)
    finally:
        call("config_set", "maxmemory-samples", before, target_nodes=default)

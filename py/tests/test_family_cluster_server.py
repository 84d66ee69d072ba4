"""redis-py's cluster API (``ClusterNode``, ``get_nodes()``..., ``keyslot()``,
``target_nodes=``), the server methods (TIME, CONFIG, CLIENT, SLOWLOG...) and scripting
(SCRIPT LOAD/EXISTS/FLUSH, EVAL_RO, FCALL, ``register_script``), on the sync and asyncio
clients, against a real cluster (three primaries, one replica each)."""

from __future__ import annotations

import asyncio
import datetime
import hashlib
import inspect
from typing import Any, Iterator

import pytest

import slotwise
import slotwise.asyncio

from .cluster import Cluster, wait_until
from .faces import redis_py


@pytest.fixture
def rc3(cluster: Cluster) -> Iterator[slotwise.Cluster]:
    client = slotwise.Cluster(startup_nodes=cluster.seeds[:1], protocol=3, decode_responses=True)
    try:
        yield client
    finally:
        client.close()


# -- the node API -------------------------------------------------------------------------


def test_nodes_of_the_slot_map(cluster: Cluster, rc: slotwise.Cluster) -> None:
    shards = cluster.shards()
    primaries = {s["primary"] for s in shards}
    replicas = {r for s in shards for r in s["replicas"]}
    nodes = rc.get_nodes()
    assert {n.name for n in nodes} == primaries | replicas
    assert all(isinstance(n, slotwise.ClusterNode) for n in nodes)
    assert {n.name for n in rc.get_primaries()} == primaries
    assert {n.name for n in rc.get_replicas()} == replicas
    assert all(n.server_type == "primary" for n in rc.get_primaries())
    assert all(n.server_type == "replica" for n in rc.get_replicas())
    n0 = rc.get_primaries()[0]
    assert n0.name == f"{n0.host}:{n0.port}" and isinstance(n0.port, int)
    assert rc.get_node(host=n0.host, port=n0.port) == n0
    assert rc.get_node(node_name=n0.name) == n0
    if n0.host == "127.0.0.1":
        assert rc.get_node(host="localhost", port=n0.port) == n0
    assert rc.get_node(node_name="127.0.0.1:1") is None
    assert rc.get_node() is None
    assert rc.get_random_node() in nodes


def test_default_node(rc: slotwise.Cluster) -> None:
    default = rc.get_default_node()
    assert default is not None and default.server_type == "primary"
    other = rc.get_replicas()[0]
    assert rc.set_default_node(other) is True
    assert rc.get_default_node() == other
    assert rc.client_id() == rc.client_id(target_nodes=other)  # routed to the default node
    assert rc.set_default_node(slotwise.ClusterNode("127.0.0.1", 1)) is False
    assert rc.set_default_node(None) is False
    assert rc.get_default_node() == other


def test_keyslot_and_node_from_key(cluster: Cluster, rc: slotwise.Cluster, p: str) -> None:
    for key in (p + "a", "{user1}:x", b"\xffbin", "foo"):
        slot = rc.keyslot(key)
        text = key.decode("latin-1") if isinstance(key, bytes) else key
        if isinstance(key, str):
            assert slot == cluster.keyslot(text)
        shard = cluster.owner(slot)
        node = rc.get_node_from_key(key)
        assert node is not None and node.name == shard["primary"] and node.server_type == "primary"
        replica = rc.get_node_from_key(key, replica=True)
        assert replica is not None and replica.name == shard["replicas"][0]
        assert replica.server_type == "replica"
    assert rc.keyslot("{a}1") == rc.keyslot("{a}2") == rc.keyslot("a")
    assert rc.keyslot(7) == rc.keyslot("7")


def test_node_flags_are_redis_py_constants() -> None:
    for cls in (slotwise.Cluster, slotwise.asyncio.Cluster):
        assert cls.PRIMARIES == "primaries"
        assert cls.REPLICAS == "replicas"
        assert cls.ALL_NODES == "all"
        assert cls.RANDOM == "random"
        assert cls.DEFAULT_NODE == "default-node"


def test_asyncio_node_api_is_plain_methods(cluster: Cluster) -> None:
    async def main() -> None:
        rc = slotwise.asyncio.Cluster(startup_nodes=cluster.seeds[:1])
        try:
            assert rc.get_nodes() == []  # not connected yet: no node known
            assert rc.get_default_node() is None
            await rc.initialize()
            nodes = rc.get_nodes()
            assert not inspect.isawaitable(nodes)
            assert len(nodes) == 6 and len(rc.get_primaries()) == 3
            assert len(rc.get_replicas()) == 3
            assert rc.keyslot("foo") == 12182
            node = rc.get_node_from_key("foo")
            assert node is not None and node.name == cluster.owner(12182)["primary"]
            assert await rc.ping(target_nodes=rc.ALL_NODES) is True
            assert await rc.dbsize(target_nodes=node) == await rc.dbsize(target_nodes=[node])
            times = await rc.time(target_nodes=rc.PRIMARIES)
            assert set(times) == {n.name for n in rc.get_primaries()}
            assert all(isinstance(t, tuple) and len(t) == 2 for t in times.values())
            rc.set_default_node(rc.get_replicas()[0])  # None, as redis-py's asyncio client
            with pytest.raises(slotwise.DataError, match="not a node of the cluster"):
                rc.set_default_node(slotwise.ClusterNode("127.0.0.1", 1))
            assert await rc.client_id() == await rc.client_id(target_nodes=rc.get_replicas()[0])
            with pytest.raises(slotwise.DataError, match="not a node flag"):
                await rc.ping(target_nodes="everyone")
            with pytest.raises(slotwise.DataError, match="not taken in a pipeline"):
                rc.pipeline().time(target_nodes=rc.PRIMARIES)
            conf = await rc.config_get("maxmemory", target_nodes=rc.ALL_NODES)
            assert conf == {n.name: {"maxmemory": "0"} for n in rc.get_nodes()}
            assert await rc.client_setname("asyncname") is True
            assert await rc.client_getname() == "asyncname"
            assert (await rc.cluster_info())["cluster_state"] == "ok"
            lib = "#!lua name=swasync\nredis.register_function('swa', function() return 7 end)\n"
            loaded = await rc.function_load(lib, replace=True)
            assert loaded == {n.name: b"swasync" for n in rc.get_primaries()}
            assert await rc.fcall("swa", 0) == 7
            assert await rc.function_delete("swasync") == {n.name: True for n in rc.get_primaries()}
        finally:
            await rc.aclose()

    asyncio.run(main())


# -- target_nodes -------------------------------------------------------------------------


def test_target_nodes_forms_and_combined_replies(rc: slotwise.Cluster, p: str) -> None:
    key = p + "{k}"
    rc.set(key, "v")
    owner = rc.get_node_from_key(key)
    assert owner is not None
    others = [n for n in rc.get_primaries() if n != owner]
    # one node: its own reply; several: redis-py's combination (sum, merge, all) or a dict
    assert rc.dbsize(target_nodes=owner) >= 1
    total = rc.dbsize(target_nodes=rc.PRIMARIES)
    assert total == sum(rc.dbsize(target_nodes=n) for n in rc.get_primaries()) == rc.dbsize()
    assert key.encode() in rc.keys(p + "*", target_nodes=owner)
    assert rc.keys(p + "*", target_nodes=others) == []
    assert rc.keys(p + "*", target_nodes=rc.PRIMARIES) == [key.encode()]
    assert rc.ping(target_nodes=rc.ALL_NODES) is True
    assert rc.ping(target_nodes=rc.RANDOM) is True
    assert rc.ping(target_nodes={"x": owner}) is True
    times = rc.time(target_nodes=rc.REPLICAS)
    assert isinstance(times, dict) and set(times) == {n.name for n in rc.get_replicas()}
    assert isinstance(rc.time(target_nodes=rc.DEFAULT_NODE), tuple)
    info = rc.info("server", target_nodes=owner)
    assert info["tcp_port"] == owner.port  # one node: its own dict
    infos = rc.info("server", target_nodes=rc.ALL_NODES)
    assert {name: i["tcp_port"] for name, i in infos.items()} == {
        n.name: n.port for n in rc.get_nodes()
    }
    roles = rc.info("replication", target_nodes=rc.REPLICAS)
    assert all(r["role"] == "slave" for r in roles.values())


def test_target_nodes_refused_clearly(rc: slotwise.Cluster) -> None:
    with pytest.raises(slotwise.DataError, match="'everyone' is not a node flag"):
        rc.ping(target_nodes="everyone")
    with pytest.raises(slotwise.DataError, match="127.0.0.1:1 is not a node of the cluster"):
        rc.ping(target_nodes=slotwise.ClusterNode("127.0.0.1", 1))
    with pytest.raises(slotwise.DataError, match="not str"):
        rc.dbsize(target_nodes=["127.0.0.1:7000"])  # type: ignore[list-item]
    with pytest.raises(slotwise.DataError, match="no node"):
        rc.ping(target_nodes=[])
    with pytest.raises(slotwise.DataError, match="not taken in a pipeline"):
        rc.pipeline().ping(target_nodes=rc.ALL_NODES)
    # the native layer refuses an address outside the slot map too (never connects to it)
    with pytest.raises(slotwise.DataError, match="not a node of the cluster"):
        rc._native.execute_on("127.0.0.1:1", "PING")


def test_flush_with_target_nodes(fresh_cluster: Cluster) -> None:
    rc = slotwise.Cluster(startup_nodes=fresh_cluster.seeds[:1])
    try:
        rc.set("{a}1", 1)
        rc.set("{b}1", 1)
        a = rc.get_node_from_key("{a}1")
        assert a is not None and a != rc.get_node_from_key("{b}1")
        assert rc.flushdb(target_nodes=a) is True
        assert rc.get("{a}1") is None and rc.get("{b}1") == b"1"
        flushed = rc.flushall(asynchronous=False, target_nodes=rc.PRIMARIES)
        assert flushed == {n.name: True for n in rc.get_primaries()}
        assert rc.dbsize() == 0
        rc.set("{a}1", 1)
        assert rc.flushdb() is True and rc.dbsize() == 0
    finally:
        rc.close()


# -- server -------------------------------------------------------------------------------


def test_server_replies(rc: slotwise.Cluster, p: str) -> None:
    secs, micros = rc.time()
    assert isinstance(secs, int) and isinstance(micros, int) and secs > 1_600_000_000
    assert isinstance(rc.lastsave(), datetime.datetime)
    assert rc.echo("hi") == b"hi"
    conf = rc.config_get("maxmemory*")
    assert conf["maxmemory"] == "0" and all(isinstance(k, str) for k in conf)
    assert rc.config_get("maxmemory", "timeout") == {"maxmemory": "0", "timeout": "0"}
    before = rc.config_get("slowlog-max-len", target_nodes=rc.ALL_NODES)
    try:
        assert rc.config_set("slowlog-max-len", 77, target_nodes=rc.ALL_NODES) is True
        seen = rc.config_get("slowlog-max-len", target_nodes=rc.ALL_NODES)
        assert {n: c["slowlog-max-len"] for n, c in seen.items()} == {
            n.name: "77" for n in rc.get_nodes()
        }
    finally:
        for name, c in before.items():
            node = rc.get_node(node_name=name)
            rc.config_set("slowlog-max-len", c["slowlog-max-len"], target_nodes=node)
    assert rc.config_resetstat() is True
    assert rc.config_resetstat(target_nodes=rc.PRIMARIES) is True
    assert rc.client_setname(p[:20] + "name") is True
    assert rc.client_getname() == p[:20] + "name"
    cid = rc.client_id()
    assert isinstance(cid, int)
    info = rc.client_info()
    assert info["id"] == cid and info["name"] == p[:20] + "name" and isinstance(info["db"], int)
    clients = rc.client_list()
    assert any(c["id"] == str(cid) and c["name"] == p[:20] + "name" for c in clients)
    assert all(isinstance(c, dict) for c in clients)
    assert [c["id"] for c in rc.client_list(client_id=[cid])] == [str(cid)]
    assert rc.client_list(_type="normal")
    rc.set(p + "m", "x" * 100)
    usage = rc.memory_usage(p + "m")
    assert isinstance(usage, int) and usage >= 100
    assert rc.memory_usage(p + "missing") is None
    assert isinstance(rc.memory_usage(p + "m", samples=5), int)


def test_client_kill_and_pause(cluster: Cluster, rc: slotwise.Cluster, p: str) -> None:
    node = rc.get_default_node()
    assert node is not None
    with cluster.raw(node.name) as victim:
        victim.call("CLIENT", "SETNAME", "swvictim")
        addr = next(c["addr"] for c in rc.client_list() if c["name"] == "swvictim")
        assert rc.client_kill(addr) is True
        assert not any(c["name"] == "swvictim" for c in rc.client_list())
    with pytest.raises(slotwise.ResponseError, match="No such client"):
        rc.client_kill(addr, target_nodes=node)
    assert rc.client_pause(20, all=False) is True
    assert rc.client_unpause() is True
    assert rc.client_pause(20, target_nodes=rc.PRIMARIES) is True
    assert rc.client_unpause(target_nodes=rc.PRIMARIES) is True
    with pytest.raises(slotwise.DataError, match="timeout must be an integer"):
        rc.client_pause(1.5)  # type: ignore[arg-type]
    rc.set(p + "k", 1)  # writes flow again


def test_slowlog(rc: slotwise.Cluster, rc3: slotwise.Cluster, p: str) -> None:
    key = p + "{s}"
    node = rc.get_node_from_key(key)
    assert node is not None
    old = rc.config_get("slowlog-log-slower-than", target_nodes=node)["slowlog-log-slower-than"]
    try:
        assert rc.slowlog_reset(target_nodes=node) is True
        rc.config_set("slowlog-log-slower-than", 0, target_nodes=node)
        rc.set(key, "v")
        entries = rc.slowlog_get(10, target_nodes=node)
        mine = [e for e in entries if e["command"] == b"SET " + key.encode() + b" v"]
        assert mine and isinstance(mine[0]["duration"], int) and isinstance(mine[0]["id"], int)
        assert isinstance(mine[0]["start_time"], int) and "client_address" in mine[0]
        decoded = rc3.slowlog_get(10, target_nodes=rc3.get_node(node_name=node.name))
        assert any(e["command"] == f"SET {key} v" for e in decoded)
        assert rc.slowlog_len(target_nodes=node) >= 1
        assert len(rc.slowlog_get(1, target_nodes=node)) == 1
    finally:
        rc.config_set("slowlog-log-slower-than", old, target_nodes=node)
        rc.slowlog_reset(target_nodes=node)


def test_server_replies_resp3_decoded(rc3: slotwise.Cluster) -> None:
    conf = rc3.config_get("maxmemory")
    assert conf == {"maxmemory": "0"}
    secs, micros = rc3.time()
    assert isinstance(secs, int) and isinstance(micros, int)
    assert isinstance(rc3.client_info()["id"], int)
    assert rc3.client_setname("r3") is True and rc3.client_getname() == "r3"
    assert isinstance(rc3.lastsave(), datetime.datetime)
    assert rc3.echo("x") == "x"


def test_byte_replies_turned_to_str_as_redis_py(rc: slotwise.Cluster) -> None:
    assert rc.client_getname() is None or isinstance(rc.client_getname(), str)
    rc.client_setname("bytesname")
    assert rc.client_getname() == "bytesname"  # str even without decode_responses
    sha = rc.script_load("return 'x'")
    assert isinstance(sha, str)


# -- scripting ----------------------------------------------------------------------------


def test_script_cache(rc: slotwise.Cluster, rc3: slotwise.Cluster, p: str) -> None:
    text = f"return '{p}'"
    sha = rc.script_load(text)
    assert sha == hashlib.sha1(text.encode()).hexdigest()
    assert rc.script_exists(sha, "0" * 40) == [True, False]
    assert rc3.script_exists(sha) == [True]
    for n in rc.get_primaries():
        assert rc.script_exists(sha, target_nodes=n) == [True]
    assert rc.evalsha(sha, 0) == p.encode()
    assert rc.evalsha_ro(sha, 1, p + "k") == p.encode()
    assert rc.eval_ro("return KEYS[1]", 1, p + "k") == (p + "k").encode()
    with pytest.raises(slotwise.ResponseError):
        rc.eval_ro("return redis.call('SET', KEYS[1], 'x')", 1, p + "k")
    node = rc.get_primaries()[0]
    assert rc.script_flush(target_nodes=node) is True
    assert rc.script_exists(sha, target_nodes=node) == [False]
    assert rc.script_exists(sha) == [False]  # not on every primary any more
    assert rc.script_flush("ASYNC") is True
    with pytest.raises(slotwise.DataError, match="sync_type"):
        rc.script_flush("LATER")
    with pytest.raises(slotwise.DataError, match="at least one SHA1"):
        rc.script_exists()


def test_functions(rc: slotwise.Cluster, p: str) -> None:
    lib = (
        "#!lua name=swtestlib\n"
        "redis.register_function('sw_echo', function(keys, args) return args[1] end)\n"
        "redis.register_function{function_name='sw_get', callback=function(keys, args) "
        "return redis.call('GET', keys[1]) end, flags={'no-writes'}}\n"
    )
    names = {n.name for n in rc.get_primaries()}
    assert rc.function_load(lib, replace=True) == {n: b"swtestlib" for n in names}
    with pytest.raises(slotwise.ResponseError, match="already exists"):
        rc.function_load(lib)
    listed = rc.function_list()
    assert set(listed) == names
    assert all(libs[0][:2] == [b"library_name", b"swtestlib"] for libs in listed.values())
    assert all(b"#!lua" in libs[0][-1] for libs in rc.function_list("swtest*", withcode=True).values())
    rc.set(p + "f", "fv")
    assert rc.fcall("sw_echo", 0, "hello") == b"hello"
    assert rc.fcall("sw_get", 1, p + "f") == b"fv"
    assert rc.fcall_ro("sw_get", 1, p + "f") == b"fv"
    with pytest.raises(slotwise.ResponseError):
        rc.fcall_ro("sw_echo", 0, "x")  # not flagged no-writes
    rc3 = slotwise.Cluster(startup_nodes=rc.get_nodes()[0].name, protocol=3, decode_responses=True)
    try:
        for libs in rc3.function_list("swtestlib").values():
            assert libs[0]["library_name"] == "swtestlib"
            assert sorted(f["name"] for f in libs[0]["functions"]) == ["sw_echo", "sw_get"]
            assert sorted(f["flags"] for f in libs[0]["functions"]) == [[], ["no-writes"]]
    finally:
        rc3.close()
    assert rc.function_delete("swtestlib") == {n: True for n in names}
    with pytest.raises(slotwise.ResponseError):
        rc.fcall("sw_echo", 0, "hello")
    rc.function_load(lib)
    assert rc.function_flush() == {n: True for n in names}
    assert rc.function_list() == {n: [] for n in names}
    pipe = rc.pipeline()  # a pipeline routes FUNCTION LOAD as usual: one combined reply
    assert pipe.function_load(lib).function_flush("ASYNC").execute() == [b"swtestlib", True]
    # DUMP from one primary, RESTORE on every primary; STATS and KILL on the default node.
    rc.function_load(lib)
    payload = rc.function_dump()
    assert isinstance(payload, bytes)
    rc.function_flush()
    assert rc.function_restore(payload) == {n: True for n in names}
    assert rc.fcall("sw_echo", 0, "back") == b"back"
    stats = rc.function_stats()
    assert stats[:2] == [b"running_script", None] and b"engines" in stats  # as sent (RESP2)
    with pytest.raises(slotwise.ResponseError, match="NOTBUSY"):
        rc.function_kill()
    with pytest.raises(slotwise.ResponseError, match="NOTBUSY"):
        rc.script_kill()
    with pytest.raises(NotImplementedError, match="SCRIPT DEBUG"):
        rc.script_debug("YES")
    rc.function_flush()


def test_cluster_nodes_and_node_admin(cluster: Cluster, rc: slotwise.Cluster) -> None:
    nodes = rc.cluster_nodes()
    assert set(nodes) == {n.name for n in rc.get_nodes()}
    shards = cluster.shards()
    for s in shards:
        primary = nodes[s["primary"]]
        assert "master" in primary["flags"] and primary["connected"] is True
        assert [[str(a), str(b)] for a, b in s["slots"]] == primary["slots"]
        assert primary["node_id"] == s["primary_id"]
        for r in s["replicas"]:
            assert nodes[r]["master_id"] == s["primary_id"] and nodes[r]["slots"] == []
    slots = rc.cluster_slots()
    for s in shards:
        host, port = s["primary"].rsplit(":", 1)
        for a, b in s["slots"]:
            assert slots[(a, b)]["primary"] == (host, int(port))
            assert {f"{h}:{n}" for h, n in slots[(a, b)]["replicas"]} <= set(s["replicas"])
    assert rc.memory_purge() is True
    assert rc.memory_purge(target_nodes=rc.ALL_NODES) is True
    count = rc.command_count()
    assert isinstance(count, int) and count > 100
    assert rc.command_count(target_nodes=rc.PRIMARIES) == {n.name: count for n in rc.get_primaries()}
    assert rc.bgsave() is True
    assert rc.bgsave(target_nodes=rc.REPLICAS) is True
    node = rc.get_primaries()[2]
    wait_until(
        lambda: rc.info("persistence", target_nodes=node)["rdb_bgsave_in_progress"] == 0,
        "no background save running",
    )
    before = rc.lastsave(target_nodes=node)
    assert rc.save(target_nodes=node) is True
    assert rc.lastsave(target_nodes=node) >= before


def test_cluster_commands(cluster: Cluster, rc: slotwise.Cluster, p: str) -> None:
    info = rc.cluster_info()
    assert info["cluster_state"] == "ok" and info["cluster_known_nodes"] == "6"
    infos = rc.cluster_info(target_nodes=rc.PRIMARIES)
    assert set(infos) == {n.name for n in rc.get_primaries()}
    node = rc.get_primaries()[1]
    with cluster.raw(node.name) as r:
        assert rc.cluster_myid(node) == r.call("CLUSTER", "MYID")
    assert rc.cluster_keyslot(p + "x") == rc.keyslot(p + "x")
    key = p + "{slot}"
    slot = rc.keyslot(key)
    rc.set(key, 1)
    assert rc.cluster_countkeysinslot(slot) >= 1
    assert key.encode() in rc.cluster_get_keys_in_slot(slot, 100)
    with pytest.raises(slotwise.DataError, match='Slot "16384" is not covered'):
        rc.cluster_countkeysinslot(16384)


def test_register_script(rc: slotwise.Cluster, p: str) -> None:
    key = p + "{r}"
    rc.set(key, "5")
    text = "return redis.call('INCRBY', KEYS[1], ARGV[1])"
    script = rc.register_script(text)
    assert script.sha == hashlib.sha1(text.encode()).hexdigest()
    rc.script_flush()
    assert script(keys=[key], args=[2]) == 7  # NOSCRIPT: falls back to EVAL
    assert rc.script_exists(script.sha, target_nodes=rc.get_node_from_key(key)) == [True]
    assert script(keys=[key], args=[3]) == 10  # EVALSHA now
    pipe = rc.pipeline()
    assert script(keys=[key], args=[1], client=pipe) is pipe
    assert pipe.get(key).execute() == [11, b"11"]
    with pytest.raises(slotwise.ResponseError, match="not an integer"):
        rc.register_script("return redis.call('INCRBY', KEYS[1], 'x')")(keys=[key])


def test_register_script_asyncio(cluster: Cluster, p: str) -> None:
    async def main() -> Any:
        rc = slotwise.asyncio.Cluster(startup_nodes=cluster.seeds[:1])
        try:
            await rc.script_flush()
            script = rc.register_script("return {KEYS[1], ARGV[1]}")
            first = await script(keys=[p + "a"], args=["x"])
            second = await script(keys=[p + "a"], args=["y"])
            sha = await rc.script_load(script.script)
            pipe = rc.pipeline()
            script(keys=[p + "b"], args=["z"], client=pipe)
            return first, second, sha == script.sha, await pipe.execute()
        finally:
            await rc.aclose()

    first, second, same, piped = asyncio.run(main())
    assert first == [(p + "a").encode(), b"x"] and second == [(p + "a").encode(), b"y"]
    assert same and piped == [[(p + "b").encode(), b"z"]]


# -- against redis-py ---------------------------------------------------------------------


def test_same_as_redis_py(cluster: Cluster, rc: slotwise.Cluster, p: str) -> None:
    redis = redis_py()
    host, port = cluster.seeds[0].rsplit(":", 1)
    refs = [redis.RedisCluster(host=host, port=int(port))]

    def ref_sees_replicas() -> bool:  # CLUSTER SLOTS lists a replica once it has synced
        if len(refs[0].get_nodes()) == len(rc.get_nodes()):
            return True
        refs[0].close()
        refs[0] = redis.RedisCluster(host=host, port=int(port))
        return False

    wait_until(ref_sees_replicas, "redis-py seeing every replica")
    ref = refs[0]
    default: Any = rc.get_default_node()
    assert ref.set_default_node(ref.get_node(node_name=default.name))
    try:
        assert sorted((n.name, n.server_type) for n in ref.get_nodes()) == sorted(
            (n.name, n.server_type) for n in rc.get_nodes()
        )
        for key in ("foo", p + "x", "{tag}y"):
            assert ref.keyslot(key) == rc.keyslot(key)
            for replica in (False, True):
                mine: Any = rc.get_node_from_key(key, replica=replica)
                theirs: Any = ref.get_node_from_key(key, replica=replica)
                assert mine.name == theirs.name
        node = rc.get_primaries()[0]
        ref_node = ref.get_node(node_name=node.name)
        for method, args in [
            ("config_get", ("maxmemory",)),
            ("dbsize", ()),
            ("ping", ()),
            ("time", ()),
            ("keys", ("nothing-matches-*",)),
            ("info", ("keyspace",)),
        ]:
            for targets in (node, [node], "primaries", "all"):
                ref_targets = ref_node if targets is node else [ref_node] if targets == [node] else targets
                mine = getattr(rc, method)(*args, target_nodes=targets)
                theirs = getattr(ref, method)(*args, target_nodes=ref_targets)
                if method == "time":  # the clocks moved on: compare the shapes
                    mine = mine if isinstance(mine, dict) else {"": mine}
                    theirs = theirs if isinstance(theirs, dict) else {"": theirs}
                    assert {k: (type(v), len(v)) for k, v in mine.items()} == {
                        k: (type(v), len(v)) for k, v in theirs.items()
                    }
                    continue
                assert mine == theirs, (method, targets)
        assert type(ref.time()) is type(rc.time()) and len(rc.time()) == 2
        assert set(ref.time(target_nodes="primaries")) == set(rc.time(target_nodes="primaries"))
        assert type(ref.lastsave()) is type(rc.lastsave())
        assert set(ref.client_info()) == set(rc.client_info())
        assert {k: type(v) for k, v in ref.client_info().items()} == {
            k: type(v) for k, v in rc.client_info().items()
        }
        lib = "#!lua name=swcmp\nredis.register_function('swcmp', function() return 1 end)\n"
        mine_load = rc.function_load(lib.replace("swcmp", "swcmq"))
        assert ref.function_load(lib) == {n: v.replace(b"q", b"p") for n, v in mine_load.items()}
        theirs_list = {n: repr(v) for n, v in ref.function_list("swcmp").items()}
        mine_list = {n: repr(v) for n, v in rc.function_list("swcmq").items()}
        assert theirs_list == {n: v.replace("swcmq", "swcmp") for n, v in mine_list.items()}
        assert ref.function_flush() == rc.function_flush()
        assert set(ref.cluster_info(target_nodes=ref_node)) == set(rc.cluster_info(target_nodes=node))
        assert ref.cluster_keyslot("foo") == rc.cluster_keyslot("foo")
        assert {k: {f: v for f, v in d.items() if not f.startswith("last_p")}
                for k, d in ref.cluster_nodes().items()} == {
            k: {f: v for f, v in d.items() if not f.startswith("last_p")}
            for k, d in rc.cluster_nodes().items()
        }
        assert ref.command_count() == rc.command_count()
        assert ref.cluster_slots() == rc.cluster_slots()
        assert ref.cluster_slots(target_nodes="all") == rc.cluster_slots(target_nodes="all")
        assert ref.memory_purge() == rc.memory_purge()
        assert ref.cluster_countkeysinslot(1) == rc.cluster_countkeysinslot(1)
        assert ref.script_load("return 2") == rc.script_load("return 2")
        assert ref.script_exists("0" * 40) == rc.script_exists("0" * 40)
    finally:
        ref.close()

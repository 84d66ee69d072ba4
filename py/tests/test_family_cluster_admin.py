"""redis-py's cluster admin methods (CLUSTER ADDSLOTS ... SHARDS, READONLY/READWRITE), the
node helpers (``get_random_primary_node``, ``replace_default_node``, ``determine_slot``...),
the cluster-wide SCAN, the PUBSUB queries with SPUBLISH, and WAIT/WAITAOF, on the sync and
asyncio clients.

Commands that change the cluster run on a fake node (their argv and replies) or on a
cluster of their own (``fresh_cluster``), never on the session's cluster. Commands newer
than the test servers (CLUSTER MYSHARDID, WAITAOF) are checked on the fake node."""

from __future__ import annotations

import asyncio
import inspect
from typing import Any, Iterator, Optional

import pytest

import slotwise
import slotwise.asyncio
from slotwise.commands.cluster import ClusterCommands, ClusterNodes
from slotwise.commands.cluster_admin import ClusterAdminCommands
from slotwise.commands.pubsub_info import PubSubInfoCommands

from .cluster import Cluster, Raw, wait_until
from .faces import redis_py
from .fakenode import NODE_ID, FakeNode, encode

OTHER_ID = "e" * 40


def admin_script(argv: list[bytes]) -> Optional[bytes]:
    """The fake node's answers: OK for the admin commands, canned replies for the rest."""
    words = [a.upper() for a in argv[:2]]
    if words[0] == b"CLUSTER":
        sub = words[1]
        if sub == b"MYSHARDID":
            return encode("a" * 40)
        if sub == b"COUNT-FAILURE-REPORTS":
            return encode(2)
        if sub == b"REPLICAS":
            line = f"{OTHER_ID} 127.0.0.1:7001@17001 slave {NODE_ID.decode()} 0 1 1 connected"
            return encode([line])
        if sub == b"LINKS":
            return encode(
                [["direction", "to", "node", OTHER_ID], ["direction", "from", "node", OTHER_ID]]
            )
        return b"+OK\r\n"
    if words[0] == b"SCAN":
        return encode(["0", ["k1", "k2"]])
    if words[0] == b"WAITAOF":
        return encode([1, 0])
    return b"+OK\r\n"


def sent(node: FakeNode, *names: bytes) -> list[list[bytes]]:
    return [a for a in node.received if a[0].upper() in names]


# -- on a fake node: argv, replies, client-side checks -------------------------------------


def test_admin_argv_and_replies_on_a_fake_node() -> None:
    with FakeNode(admin_script) as node:
        rc = slotwise.Cluster(startup_nodes=[node.addr])
        try:
            me = rc.get_nodes()[0]
            assert rc.cluster_addslots(me, 1, 2, 3) is True
            assert rc.cluster_addslotsrange(me, 1, 5, 10, 20) is True
            assert rc.cluster_delslots(0, 8192) == [True, True]
            assert rc.cluster_delslotsrange(1, 5) is True
            assert rc.cluster_failover(me) is True
            assert rc.cluster_failover(me, "force") is True
            assert rc.cluster_failover(me, "TAKEOVER") is True
            assert rc.cluster_meet("127.0.0.1", 7009) is True
            assert rc.cluster_replicate(me, OTHER_ID) is True
            assert rc.cluster_reset() is True
            assert rc.cluster_reset(False, target_nodes=[me]) is True
            assert rc.cluster_save_config() is True
            assert rc.cluster_set_config_epoch(3) is True
            assert rc.cluster_setslot(me, OTHER_ID, 1218, "IMPORTING") is True
            assert rc.cluster_setslot(me, OTHER_ID, 1218, "node") is True
            assert rc.cluster_setslot_stable(1218) is True
            assert rc.cluster_myshardid() == "a" * 40
            assert rc.cluster_count_failure_report(OTHER_ID) == 2
            replicas = rc.cluster_replicas(NODE_ID.decode())
            assert replicas["127.0.0.1:7001"]["node_id"] == OTHER_ID
            assert replicas["127.0.0.1:7001"]["master_id"] == NODE_ID.decode()
            assert rc.cluster_links(me) == [
                [b"direction", b"to", b"node", OTHER_ID.encode()],
                [b"direction", b"from", b"node", OTHER_ID.encode()],
            ]
            assert rc.readonly() is True and rc.readwrite() is True
            assert rc.readonly(target_nodes=rc.ALL_NODES) is True  # one node: its reply
            assert rc.scan(match="k*", count=10, _type="string") == (
                {me.name: 0},
                [b"k1", b"k2"],
            )
        finally:
            rc.close()
        admin = [a for a in sent(node, b"CLUSTER") if a[1].upper() not in (b"SHARDS", b"SLOTS")]
        assert admin == [
            [b"CLUSTER", b"ADDSLOTS", b"1", b"2", b"3"],
            [b"CLUSTER", b"ADDSLOTSRANGE", b"1", b"5", b"10", b"20"],
            [b"CLUSTER", b"DELSLOTS", b"0"],
            [b"CLUSTER", b"DELSLOTS", b"8192"],
            [b"CLUSTER", b"DELSLOTSRANGE", b"1", b"5"],
            [b"CLUSTER", b"FAILOVER"],
            [b"CLUSTER", b"FAILOVER", b"force"],
            [b"CLUSTER", b"FAILOVER", b"TAKEOVER"],
            [b"CLUSTER", b"MEET", b"127.0.0.1", b"7009"],
            [b"CLUSTER", b"REPLICATE", OTHER_ID.encode()],
            [b"CLUSTER", b"RESET", b"SOFT"],
            [b"CLUSTER", b"RESET", b"HARD"],
            [b"CLUSTER", b"SAVECONFIG"],
            [b"CLUSTER", b"SET-CONFIG-EPOCH", b"3"],
            [b"CLUSTER", b"SETSLOT", b"1218", b"IMPORTING", OTHER_ID.encode()],
            [b"CLUSTER", b"SETSLOT", b"1218", b"node", OTHER_ID.encode()],
            [b"CLUSTER", b"SETSLOT", b"1218", b"STABLE"],
            [b"CLUSTER", b"MYSHARDID"],
            [b"CLUSTER", b"COUNT-FAILURE-REPORTS", OTHER_ID.encode()],
            [b"CLUSTER", b"REPLICAS", NODE_ID],
            [b"CLUSTER", b"LINKS"],
        ]
        assert sent(node, b"READONLY", b"READWRITE") == [
            [b"READONLY"],
            [b"READWRITE"],
            [b"READONLY"],
        ]
        assert sent(node, b"SCAN") == [
            [b"SCAN", b"0", b"MATCH", b"k*", b"COUNT", b"10", b"TYPE", b"string"]
        ]


def test_admin_arguments_checked_before_sending() -> None:
    with FakeNode(admin_script) as node:
        rc = slotwise.Cluster(startup_nodes=[node.addr])
        try:
            me = rc.get_nodes()[0]
            with pytest.raises(slotwise.RedisError, match="Invalid option for CLUSTER FAILOVER"):
                rc.cluster_failover(me, "FORCT")
            with pytest.raises(slotwise.RedisError, match="cluster_setslot_stable"):
                rc.cluster_setslot(me, OTHER_ID, 1, "stable")
            with pytest.raises(slotwise.RedisError, match="Invalid slot state: STATE"):
                rc.cluster_setslot(me, OTHER_ID, 1, "STATE")
            with pytest.raises(NotImplementedError, match="CLUSTER FLUSHSLOTS"):
                rc.cluster_flushslots()
            with pytest.raises(NotImplementedError, match="CLUSTER BUMPEPOCH"):
                rc.cluster_bumpepoch()
            with pytest.raises(slotwise.DataError, match="needs slot ranges"):
                rc.cluster_delslotsrange()
            with pytest.raises(slotwise.DataError, match="does not take nodes"):
                rc.scan(nodes=[me])
            with pytest.raises(slotwise.DataError, match="does not take target_nodes"):
                rc.wait(1, 100, target_nodes=me)
        finally:
            rc.close()
        assert [a for a in node.received if a[0].upper() in (b"WAIT", b"SCAN")] == []
        checked = (b"FAILOVER", b"SETSLOT")
        assert [a for a in sent(node, b"CLUSTER") if a[1].upper() in checked] == []


def test_admin_on_the_asyncio_client_and_pipelines_on_a_fake_node() -> None:
    async def main(addr: str) -> list[Any]:
        rc = slotwise.asyncio.Cluster(startup_nodes=[addr])
        try:
            await rc.initialize()
            me = rc.get_nodes()[0]
            out = [
                await rc.cluster_addslots(me, 7),
                await rc.cluster_delslots(7, 8),
                await rc.cluster_setslot_stable(7),
                await rc.cluster_myshardid(),
                await rc.cluster_reset(soft=False),
                await rc.readonly(target_nodes=me),
                await rc.scan(),
                [k async for k in rc._scan_iter_nodes(match="k*")],
                await rc.pipeline().set("k", 1).waitaof(1, 0, 100).execute(),
            ]
            with pytest.raises(slotwise.DataError, match="FAILOVER"):
                await rc.cluster_failover(me, "NOW")
            return out
        finally:
            await rc.aclose()

    with FakeNode(admin_script) as node:
        out = asyncio.run(main(node.addr))
        assert out == [
            True,
            [True, True],
            True,
            "a" * 40,
            True,
            True,
            ({node.addr: 0}, [b"k1", b"k2"]),
            [b"k1", b"k2"],
            [True, [1, 0]],
        ]
        assert sent(node, b"WAITAOF") == [[b"WAITAOF", b"1", b"0", b"100"]]
        rc = slotwise.Cluster(startup_nodes=[node.addr])
        try:
            pipe = rc.pipeline()
            assert pipe.cluster_delslots(1, 2) is pipe  # a pipeline queues one per slot
            assert pipe.execute() == [True, True]
        finally:
            rc.close()


# -- the node helpers ----------------------------------------------------------------------


def test_node_helpers(rc: slotwise.Cluster, p: str) -> None:
    primaries = rc.get_primaries()
    assert rc.get_random_primary_node() in primaries
    assert rc.get_random_primary_or_all_nodes("GET") in primaries
    with pytest.raises(slotwise.ClusterError, match="FT.CURSOR"):
        rc.get_special_nodes()
    first = rc.get_default_node()
    rc.replace_default_node()
    second = rc.get_default_node()
    assert second in primaries and second != first
    rc.replace_default_node(first)
    assert rc.get_default_node() == first

    assert rc.determine_slot("GET", "foo") == 12182
    assert rc.determine_slot("MGET", "{a}1", "{a}2") == rc.keyslot("a")
    assert rc.determine_slot("CLUSTER COUNTKEYSINSLOT", 42) == 42
    assert rc.determine_slot("CLUSTER", "SETSLOT", "77", "STABLE") == 77
    assert rc.determine_slot("EVAL", "return 1", 1, "foo", "arg") == 12182
    assert 0 <= rc.determine_slot("FCALL", "f", 0) < 16384
    with pytest.raises(slotwise.ClusterError, match="Missing key"):
        rc.determine_slot("PING")
    with pytest.raises(slotwise.ClusterError, match="MGET - all keys must map to the same"):
        rc.determine_slot("MGET", "a", "b")
    with pytest.raises(slotwise.ClusterError, match="Invalid args"):
        rc.determine_slot("EVAL", "return 1")
    assert rc.get_nodes_from_slot("SET", "SET", p + "k", "v") == [rc.get_node_from_key(p + "k")]


def test_node_helpers_asyncio(cluster: Cluster) -> None:
    async def main() -> None:
        rc = slotwise.asyncio.Cluster(startup_nodes=cluster.seeds[:1])
        try:
            await rc.initialize()
            assert rc.get_random_primary_node() in rc.get_primaries()
            pending = rc.determine_slot("EVAL", "return 1", 1, "foo")
            assert inspect.isawaitable(pending) and await pending == 12182
            assert await rc.determine_slot("GET", "foo") == 12182
            nodes = await rc.get_nodes_from_slot("GET", "GET", "foo")
            assert nodes == [rc.get_node_from_key("foo")]
            with pytest.raises(slotwise.ClusterError, match="Missing key"):
                await rc.get_nodes_from_slot("PING", "PING")
        finally:
            await rc.aclose()

    asyncio.run(main())


# -- read-only admin queries on the session cluster ----------------------------------------


def test_cluster_shards_links_replicas(cluster: Cluster, rc: slotwise.Cluster) -> None:
    shards = rc.cluster_shards()
    want = {tuple(sorted(s["slots"])) for s in cluster.shards()}
    assert {tuple(sorted(s["slots"])) for s in shards} == want
    for s in shards:
        assert list(s) == ["slots", "nodes"]
        assert {n[b"role"] for n in s["nodes"]} == {b"master", b"replica"}
        assert all(b"id" in n and isinstance(n[b"port"], int) for n in s["nodes"])
    links = rc.cluster_links(rc.get_primaries()[0])
    assert links and all(isinstance(link, list) and link[0] == b"direction" for link in links)
    directions = [link[1] for link in links]
    assert directions.count(b"to") == directions.count(b"from") == 5
    primary = cluster.shards()[0]
    replicas = rc.cluster_replicas(primary["primary_id"])
    assert set(replicas) == set(primary["replicas"])
    assert all(r["master_id"] == primary["primary_id"] for r in replicas.values())
    assert rc.cluster_count_failure_report(primary["primary_id"]) == 0
    assert rc.readonly(target_nodes=rc.REPLICAS) == {n.name: True for n in rc.get_replicas()}
    assert rc.get(f"{cluster.seeds[0]}:absent") is None  # the connections still serve reads
    with pytest.raises(slotwise.DataError, match="would send READWRITE to a replica"):
        rc.readwrite(target_nodes=rc.get_replicas()[0])
    with pytest.raises(slotwise.DataError, match="would send READWRITE to a replica"):
        rc.readwrite(target_nodes=rc.ALL_NODES)
    assert rc.readwrite(target_nodes=rc.PRIMARIES) == {n.name: True for n in rc.get_primaries()}


def test_cluster_shards_and_links_resp3(cluster: Cluster) -> None:
    rc = slotwise.Cluster(startup_nodes=cluster.seeds[:1], protocol=3)
    try:
        shards = rc.cluster_shards()
        assert all(set(s) == {b"slots", b"nodes"} for s in shards)
        links = rc.cluster_links(rc.get_primaries()[0])
        assert all(isinstance(link, dict) and b"direction" in link for link in links)
    finally:
        rc.close()


# -- SCAN over the cluster -----------------------------------------------------------------


@pytest.fixture
def scanned(cluster: Cluster, rc: slotwise.Cluster, p: str) -> Iterator[list[bytes]]:
    keys = [f"{p}{i}" for i in range(60)]
    rc.mset_nonatomic({k: i for i, k in enumerate(keys)})
    rc.sadd(p + "set", 1)
    try:
        yield sorted(k.encode() for k in keys)
    finally:
        rc.delete(*keys, p + "set")


def test_scan_per_node_cursors(rc: slotwise.Cluster, p: str, scanned: list[bytes]) -> None:
    cursors, keys = rc.scan(match=p + "*", count=1000)
    assert set(cursors) == {n.name for n in rc.get_primaries()}
    assert cursors == {n: 0 for n in cursors}
    assert sorted(keys) == sorted(scanned + [(p + "set").encode()])
    cursors, keys = rc.scan(match=p + "*", count=1000, _type="set")
    assert keys == [(p + "set").encode()]
    node = rc.get_node_from_key(p + "set")
    assert node is not None
    cursors, keys = rc.scan(0, p + "*", 1000, "set", target_nodes=node)
    assert cursors == {node.name: 0} and keys == [(p + "set").encode()]
    cursors, small = rc.scan(match=p + "*", count=2)  # one step per node: some go on
    assert any(c != 0 for c in cursors.values())
    walked = list(rc._scan_iter_nodes(match=p + "*", count=2, _type="string"))
    assert sorted(walked) == scanned
    with pytest.raises(slotwise.DataError, match="plain command"):
        rc.pipeline().scan().execute()
    with pytest.raises(TypeError, match="not a pipeline"):
        rc.pipeline()._scan_iter_nodes()


def test_scan_on_replicas(rc: slotwise.Cluster, p: str, scanned: list[bytes]) -> None:
    def replicas_have_them() -> bool:
        cursors, keys = rc.scan(match=p + "*", count=1000, _type="string", target_nodes=rc.REPLICAS)
        return sorted(keys) == scanned

    wait_until(replicas_have_them, "the replicas to hold the keys")
    walked = rc.scan_iter(match=p + "*", count=3, _type="string", target_nodes="replicas")
    assert sorted(walked) == scanned


def test_scan_asyncio(cluster: Cluster, p: str, scanned: list[bytes]) -> None:
    async def main() -> tuple[Any, list[bytes]]:
        rc = slotwise.asyncio.Cluster(startup_nodes=cluster.seeds[:1])
        try:
            step = await rc.scan(match=p + "*", count=5)
            walked = [
                k
                async for k in rc.scan_iter(
                    match=p + "*", count=5, _type="string", target_nodes="primaries"
                )
            ]
            return step, walked
        finally:
            await rc.aclose()

    (cursors, _), walked = asyncio.run(main())
    assert len(cursors) == 3
    assert sorted(walked) == scanned


# -- PUBSUB queries and SPUBLISH -----------------------------------------------------------


def subscribe(raw: Raw, command: str, channel: str) -> None:
    reply = raw.call(command, channel)
    assert reply[0] == command.lower().encode()


def test_pubsub_queries(cluster: Cluster, rc: slotwise.Cluster, p: str) -> None:
    ch, pat, sch = p + "ch", p + "pat*", p + "{s}ch"
    owner = rc.get_node_from_key(sch)
    assert owner is not None
    raws = [cluster.raw(n.name) for n in rc.get_nodes()]
    shard_raw = cluster.raw(owner.name)
    try:
        for r in raws:
            subscribe(r, "SUBSCRIBE", ch)
        psub = cluster.raw(rc.get_nodes()[0].name)
        subscribe(psub, "PSUBSCRIBE", pat)
        subscribe(shard_raw, "SSUBSCRIBE", sch)
        everywhere = len(raws)
        assert rc.pubsub_numsub(ch, p + "none", target_nodes=rc.ALL_NODES) == [
            (ch.encode(), everywhere),
            ((p + "none").encode(), 0),
        ]
        assert rc.pubsub_numsub(ch) == [(ch.encode(), 1)]  # the default node alone
        assert ch.encode() in rc.pubsub_channels(p + "*", target_nodes=rc.ALL_NODES)
        assert rc.pubsub_channels(p + "*", target_nodes=rc.ALL_NODES).count(ch.encode()) == 1
        assert rc.pubsub_channels(p + "*") == [ch.encode()]
        assert rc.pubsub_numpat(target_nodes=rc.ALL_NODES) >= 1
        assert rc.pubsub_shardnumsub(sch, target_nodes=owner) == [(sch.encode(), 1)]
        assert rc.pubsub_shardchannels(p + "*", target_nodes=owner) == [sch.encode()]
        assert rc.spublish(sch, "hello") == 1
        message = shard_raw._read()
        assert message == [b"smessage", sch.encode(), b"hello"]
        with pytest.raises(slotwise.DataError, match="does not take nodes"):
            rc.pubsub_numpat(nodes=owner)
        psub.close()
    finally:
        for r in raws + [shard_raw]:
            r.close()


def test_pubsub_queries_asyncio_and_decoded(cluster: Cluster, p: str) -> None:
    ch = p + "ch"

    async def main() -> list[Any]:
        rc = slotwise.asyncio.Cluster(startup_nodes=cluster.seeds[:1], decode_responses=True)
        try:
            return [
                await rc.pubsub_numsub(ch, target_nodes=rc.PRIMARIES),
                await rc.pubsub_channels(p + "*", target_nodes=rc.ALL_NODES),
                await rc.pubsub_numpat(),
                await rc.spublish(p + "nobody", "x"),
            ]
        finally:
            await rc.aclose()

    raws = [cluster.raw(addr) for addr in cluster.primaries()]
    try:
        for r in raws:
            subscribe(r, "SUBSCRIBE", ch)
        numsub, channels, numpat, receivers = asyncio.run(main())
    finally:
        for r in raws:
            r.close()
    assert numsub == [(ch, 3)] and channels == [ch]
    assert isinstance(numpat, int) and receivers == 0


# -- WAIT ----------------------------------------------------------------------------------


def test_wait_follows_its_write(rc: slotwise.Cluster, p: str) -> None:
    with pytest.raises(slotwise.DataError, match="in a pipeline right after the keyed write"):
        rc.wait(1, 100)
    assert rc.pipeline().set(p + "k", 1).wait(1, 5000).execute() == [True, 1]


# -- changing the cluster: a cluster of its own --------------------------------------------


def test_slot_admin_and_failover_on_a_fresh_cluster(fresh_cluster: Cluster) -> None:
    rc = slotwise.Cluster(startup_nodes=fresh_cluster.seeds[:1])
    try:
        shard = fresh_cluster.owner(100)
        owner = rc.get_node(node_name=shard["primary"])
        assert owner is not None
        importer = next(n for n in rc.get_primaries() if n != owner)
        assert rc.cluster_setslot(importer, shard["primary_id"], 100, "IMPORTING") is True
        with fresh_cluster.raw(importer.name) as r:
            assert f"[100-<-{shard['primary_id']}]" in r.call("CLUSTER", "NODES").decode()
            assert r.call("CLUSTER", "SETSLOT", 100, "STABLE") == "OK"
        assert rc.cluster_setslot_stable(100) is True
        assert rc.cluster_delslots(100, 101) == [True, True]
        with fresh_cluster.raw(owner.name) as r:
            assert r.call("CLUSTER", "COUNTKEYSINSLOT", 100) == 0
        assert rc.cluster_addslots(owner, 100, 101) is True
        assert rc.cluster_delslotsrange(102, 103) is True
        assert rc.cluster_addslotsrange(owner, 102, 103) is True
        assert rc.cluster_save_config(target_nodes=rc.ALL_NODES) == {
            n.name: True for n in rc.get_nodes()
        }
        with pytest.raises(slotwise.ResponseError):
            rc.cluster_set_config_epoch(99)  # only a node that knows no other takes one
        wait_until(lambda: rc.cluster_info()["cluster_state"] == "ok", "the slots served again")

        replica = rc.get_node(node_name=shard["replicas"][0])
        assert replica is not None
        assert rc.cluster_failover(replica) is True
        wait_until(
            lambda: fresh_cluster.owner(100)["primary"] == replica.name,
            "the replica to take over",
        )
        key = next(f"k{i}" for i in range(100_000) if rc.keyslot(f"k{i}") == 100)

        def sees_new_primary() -> bool:
            rc.refresh_topology()
            return rc.get_node_from_key(key) == replica

        wait_until(sees_new_primary, "the client to see the new primary")
        assert rc.set(key, 1) is True
    finally:
        rc.close()


# -- signatures ----------------------------------------------------------------------------


def test_signatures_match_redis_py() -> None:
    """The methods of this family take redis-py's parameters: names, kinds, defaults."""
    redis_cluster = redis_py("redis.cluster")

    def shape(f: Any) -> list[tuple[str, Any, Any]]:
        return [(q.name, q.kind, q.default) for q in inspect.signature(f).parameters.values()]

    checked = 0
    for family in (ClusterCommands, ClusterAdminCommands, PubSubInfoCommands, ClusterNodes):
        for name, f in vars(family).items():
            if name.startswith("_") or not callable(f):
                continue
            if not hasattr(redis_cluster.RedisCluster, name):
                continue
            assert shape(f) == shape(getattr(redis_cluster.RedisCluster, name)), name
            checked += 1
    assert checked >= 40

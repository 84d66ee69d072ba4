"""Commands across every shard, redis-py's return types, bytes vs decoded strings."""

from __future__ import annotations

import asyncio
import datetime
from decimal import Decimal

import pytest

import slotwise
import slotwise.asyncio

from .cluster import Cluster, key_in_slot_owned_by


def test_reaches_every_shard_and_routes_each_key_to_its_owner(cluster: Cluster, rc: slotwise.Cluster, p: str) -> None:
    keys = [key_in_slot_owned_by(cluster, primary, p) for primary in cluster.primaries()]
    assert len(keys) == 3
    for i, k in enumerate(keys):
        assert rc.set(k, f"v{i}") is True
    for i, k in enumerate(keys):
        assert rc.get(k) == f"v{i}".encode()
    # Each key really lives on its own primary (read back over a raw connection).
    for primary, k in zip(cluster.primaries(), keys):
        with cluster.raw(primary) as r:
            assert r.call("GET", k) is not None
    assert rc.stats()["moved"] == 0


def test_strings_with_redis_py_types(rc: slotwise.Cluster, p: str) -> None:
    assert rc.get(p + "missing") is None
    assert rc.set(p + "a", "1") is True
    assert rc.set(p + "a", "2", nx=True) is None
    assert rc.set(p + "a", "3", xx=True) is True
    assert rc.set(p + "a", "4", get=True) == b"3"
    assert rc.set(p + "e", "v", ex=100) is True
    assert 0 < rc.ttl(p + "e") <= 100
    assert rc.set(p + "e", "v", px=datetime.timedelta(seconds=50)) is True
    assert 0 < rc.ttl(p + "e") <= 50
    assert rc.incr(p + "n") == 1
    assert rc.incrby(p + "n", 10) == 11
    assert rc.decr(p + "n", 2) == 9
    assert rc.incrbyfloat(p + "f", 1.5) == 1.5
    assert rc.append(p + "s", "ab") == 2 and rc.strlen(p + "s") == 2
    assert rc.setex(p + "x", 10, "v") is True
    assert rc.setnx(p + "x", "w") is False


def Decimal_of_bytes(b: bytes) -> Decimal:
    return Decimal(b.decode())


def test_multi_key_commands_span_slots(rc: slotwise.Cluster, p: str) -> None:
    keys = [f"{p}k{i}" for i in range(50)]
    assert all(rc.mset_nonatomic({k: i for i, k in enumerate(keys)}))
    assert rc.mget_nonatomic(keys) == [str(i).encode() for i in range(50)]
    assert rc.mget_nonatomic(keys[0], keys[1], p + "nope") == [b"0", b"1", None]
    assert rc.exists(*keys, p + "nope") == 50
    assert rc.delete(*keys[:10]) == 10
    assert rc.unlink(*keys[10:20]) == 10
    assert rc.exists(*keys) == 30


def test_keys_expiry_and_types(rc: slotwise.Cluster, p: str) -> None:
    rc.set(p + "k", "v")
    assert rc.expire(p + "k", 100) is True
    assert rc.expire(p + "nope", 100) is False
    assert rc.persist(p + "k") is True
    assert rc.ttl(p + "k") == -1
    assert rc.ttl(p + "nope") == -2
    assert rc.pexpire(p + "k", 100000) is True
    assert 0 < rc.pttl(p + "k") <= 100000
    assert rc.type(p + "k") == b"string"
    rc.set("{" + p + "}a", 1)
    assert rc.rename("{" + p + "}a", "{" + p + "}b") is True
    assert rc.get("{" + p + "}b") == b"1"


def test_hashes_lists_sets_sorted_sets(rc: slotwise.Cluster, p: str) -> None:
    assert rc.hset(p + "h", "f", "v") == 1
    assert rc.hset(p + "h", mapping={"g": 2, "h": 3.5}) == 2
    assert rc.hget(p + "h", "g") == b"2"
    assert rc.hgetall(p + "h") == {b"f": b"v", b"g": b"2", b"h": b"3.5"}
    assert rc.hmget(p + "h", ["f", "nope"]) == [b"v", None]
    assert rc.hincrby(p + "h", "g", 5) == 7
    assert rc.hexists(p + "h", "f") is True
    assert rc.hdel(p + "h", "f") == 1 and rc.hlen(p + "h") == 2
    assert rc.hgetall(p + "nope") == {}

    assert rc.lpush(p + "l", "b", "a") == 2
    assert rc.rpush(p + "l", "c") == 3
    assert rc.lrange(p + "l", 0, -1) == [b"a", b"b", b"c"]
    assert rc.lpop(p + "l") == b"a" and rc.rpop(p + "l", 1) == [b"c"] and rc.llen(p + "l") == 1

    assert rc.sadd(p + "s", "a", "b", "a") == 2
    assert rc.smembers(p + "s") == {b"a", b"b"}
    assert rc.sismember(p + "s", "a") == 1 and rc.scard(p + "s") == 2
    assert rc.srem(p + "s", "a") == 1

    assert rc.zadd(p + "z", {"a": 1, "b": 2.5}) == 2
    assert rc.zrange(p + "z", 0, -1) == [b"a", b"b"]
    assert rc.zrange(p + "z", 0, -1, withscores=True) == [(b"a", 1.0), (b"b", 2.5)]
    # As in redis-py, score_cast_func gets the score as sent (bytes here).
    assert rc.zrange(p + "z", 0, -1, withscores=True, score_cast_func=lambda s: s) == [(b"a", b"1"), (b"b", b"2.5")]
    assert rc.zrange(p + "z", 0, 0, withscores=True, score_cast_func=int) == [(b"a", 1)]
    # int(b"2.5") fails: as redis-py 8.1, the cast then gets the score as a float.
    assert rc.zrange(p + "z", 1, 1, withscores=True, score_cast_func=int) == [(b"b", 2)]
    assert rc.zrange(p + "z", 0, -1, desc=True, withscores=True, score_cast_func=Decimal_of_bytes) == [
        (b"b", Decimal("2.5")),
        (b"a", Decimal("1")),
    ]
    assert rc.pipeline().zrange(p + "z", 0, -1, withscores=True, score_cast_func=lambda s: s).zrange(
        p + "z", 0, -1, withscores=True
    ).execute() == [[(b"a", b"1"), (b"b", b"2.5")], [(b"a", 1.0), (b"b", 2.5)]]
    assert rc.zscore(p + "z", "b") == 2.5 and rc.zscore(p + "z", "nope") is None
    assert rc.zincrby(p + "z", 1, "a") == 2.0
    assert rc.zadd(p + "z", {"a": 5}, incr=True) == 7.0
    assert rc.zcard(p + "z") == 2 and rc.zrem(p + "z", "a") == 1


def test_decode_responses_gives_str(cluster: Cluster, p: str) -> None:
    with slotwise.Cluster(startup_nodes=cluster.seeds[:1], decode_responses=True) as rc:
        rc.set(p + "k", "héllo")
        assert rc.get(p + "k") == "héllo"
        rc.hset(p + "h", mapping={"f": "v"})
        assert rc.hgetall(p + "h") == {"f": "v"}
        assert rc.mget_nonatomic([p + "k", p + "nope"]) == ["héllo", None]
        assert rc.type(p + "k") == "string"
        rc.set(p + "bin", b"\xff\xfe")
        with pytest.raises(UnicodeDecodeError):
            rc.get(p + "bin")


def test_binary_values_round_trip_as_bytes(rc: slotwise.Cluster, p: str) -> None:
    blob = bytes(range(256)) * 40
    rc.set(p + "b", blob)
    assert rc.get(p + "b") == blob
    rc.set(p + "mv", memoryview(b"view"))
    rc.set(p + "ba", bytearray(b"array"))
    assert rc.mget_nonatomic([p + "mv", p + "ba"]) == [b"view", b"array"]


def test_arguments_are_encoded_like_redis_py(rc: slotwise.Cluster, p: str) -> None:
    rc.set(p + "i", 42)
    rc.set(p + "big", 2**70)
    rc.set(p + "f", 0.1)
    rc.set(b"\x00" + p.encode(), "binary key")
    assert rc.get(p + "i") == b"42"
    assert rc.get(p + "big") == str(2**70).encode()
    assert rc.get(p + "f") == b"0.1"
    assert rc.get(b"\x00" + p.encode()) == b"binary key"
    for bad in (True, None, [1], object()):
        with pytest.raises(slotwise.DataError, match="Invalid input of type"):
            rc.set(p + "x", bad)  # type: ignore[arg-type]


def test_execute_command_for_everything_else(rc: slotwise.Cluster, p: str) -> None:
    assert rc.execute_command("SET", p + "k", "v") is True
    assert rc.execute_command("GETRANGE", p + "k", 0, 0) == b"v"
    assert rc.execute_command("HSET", p + "h", "a", 1, "b", 2) == 2
    assert rc.execute_command("HGETALL", p + "h") == {b"a": b"1", b"b": b"2"}
    assert rc.execute_command("OBJECT", "ENCODING", p + "h") == b"listpack"
    with pytest.raises(slotwise.DataError):
        rc.execute_command()


def test_resp3_maps_become_dicts(cluster: Cluster, p: str) -> None:
    with slotwise.Cluster(startup_nodes=cluster.seeds[:1], protocol=3) as rc:
        rc.hset(p + "h", mapping={"a": 1})
        assert rc.hgetall(p + "h") == {b"a": b"1"}
        assert rc.execute_command("HRANDFIELD", p + "h", 1, "WITHVALUES") == [[b"a", b"1"]]
        rc.zadd(p + "z", {"m": 1.5})
        assert rc.zscore(p + "z", "m") == 1.5
        assert rc.zrange(p + "z", 0, -1, withscores=True) == [[b"m", 1.5]]  # redis-py's RESP3 pairs
        config = rc.execute_command("CONFIG", "GET", "maxmemory-policy")
        assert isinstance(config, dict) and b"maxmemory-policy" in config


NESTED_SCRIPT = "return {1, {'a', {'b', 2}}, {}, 'c', redis.error_reply('ERR inner')}"


@pytest.mark.parametrize("protocol", [2, 3])
@pytest.mark.parametrize("decode", [False, True])
def test_nested_replies_decode_alike_in_resp2_and_resp3(cluster: Cluster, p: str, protocol: int, decode: bool) -> None:
    def s(text: str) -> object:
        return text if decode else text.encode()

    with slotwise.Cluster(startup_nodes=cluster.seeds[:1], protocol=protocol, decode_responses=decode) as rc:
        rc.hset(p + "h", mapping={"f": "v", "g": 2})
        assert rc.hgetall(p + "h") == {s("f"): s("v"), s("g"): s("2")}
        got = rc.eval(NESTED_SCRIPT, 0)
        assert got[:4] == [1, [s("a"), [s("b"), 2]], [], s("c")]
        assert isinstance(got[4], slotwise.ResponseError) and got[4].code == "ERR" and got[4].node is None
        rc.zadd(p + "z", {"m": 1.5, "n": 2})
        # redis-py's pairs: tuples in RESP2, [member, score] lists with protocol=3.
        scored = [[s("m"), 1.5], [s("n"), 2.0]] if protocol == 3 else [(s("m"), 1.5), (s("n"), 2.0)]
        assert rc.zrange(p + "z", 0, -1, withscores=True) == scored
        raw_scores = rc.zrange(p + "z", 0, -1, withscores=True, score_cast_func=lambda x: x)
        # The score as sent: a bulk string in RESP2, a double in RESP3 (as redis-py passes it).
        assert raw_scores == (scored if protocol == 3 else [(s("m"), s("1.5")), (s("n"), s("2"))])
        with rc.pipeline() as pipe:
            pipe.hgetall(p + "h").eval(NESTED_SCRIPT, 0).zrange(p + "z", 0, -1, withscores=True)
            h, nested, pairs = pipe.execute(raise_on_error=False)
        assert h == {s("f"): s("v"), s("g"): s("2")}
        assert nested[:4] == [1, [s("a"), [s("b"), 2]], [], s("c")]
        assert pairs == scored

    async def main() -> None:
        async with slotwise.asyncio.Cluster(
            startup_nodes=cluster.seeds[:1], protocol=protocol, decode_responses=decode
        ) as arc:
            assert await arc.hgetall(p + "h") == {s("f"): s("v"), s("g"): s("2")}
            assert (await arc.eval(NESTED_SCRIPT, 0))[:4] == [1, [s("a"), [s("b"), 2]], [], s("c")]
            assert await arc.zrange(p + "z", 0, -1, withscores=True, score_cast_func=lambda x: x) == raw_scores

    asyncio.run(main())


def test_scan_iter_and_keys_cover_the_whole_cluster(rc: slotwise.Cluster, p: str) -> None:
    keys = {f"{p}{i}".encode() for i in range(300)}
    rc.mset_nonatomic({k: 1 for k in keys})
    rc.hset(p + "hash", "f", "v")
    assert set(rc.scan_iter(match=p + "*", count=50)) == keys | {(p + "hash").encode()}
    assert set(rc.scan_iter(match=p + "*", _type="hash")) == {(p + "hash").encode()}
    assert set(rc.keys(p + "*")) == keys | {(p + "hash").encode()}


def test_server_commands(rc: slotwise.Cluster, p: str) -> None:
    assert rc.ping() is True
    info = rc.info()  # the default node's, as redis-py
    assert isinstance(info["redis_version"], str) and "arch_bits" in info
    every = rc.info(target_nodes="all")
    assert len(every) == 6 and all(isinstance(v["redis_version"], str) for v in every.values())
    assert all("used_memory" in v for v in rc.info("memory", target_nodes="all").values())
    rc.set(p + "k", "v")
    assert rc.dbsize() >= 1
    assert rc.eval("return redis.call('GET', KEYS[1])", 1, p + "k") == b"v"
    sha = rc.execute_command("SCRIPT", "LOAD", "return ARGV[1]")
    assert rc.evalsha(sha, 0, "hi") == b"hi"


def test_flushall_empties_every_primary(fresh_cluster: Cluster) -> None:
    with slotwise.Cluster(startup_nodes=fresh_cluster.seeds) as rc:
        rc.mset_nonatomic({f"k{i}": i for i in range(100)})
        assert rc.dbsize() == 100
        assert rc.flushall() is True
        assert rc.dbsize() == 0

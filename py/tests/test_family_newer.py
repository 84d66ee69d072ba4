"""Commands newer than the test servers (Redis 7.0): MSETEX, LMOVEM/BLMOVEM,
SDIFFCARD/SUNIONCARD, the array type's AR* commands, HIMPORT, with redis-py 8.1's signatures
and client-side checks; ``digest_local``; and the HOTKEYS methods, which redis-py's
``RedisCluster`` refuses. The servers cannot run them, so their argv and reply shapes are
checked on a scripted fake node (see fakenode.py), on the sync and asyncio clients and both
pipelines."""

from __future__ import annotations

import asyncio
import datetime
import inspect
import sys
import types
from typing import Any, Callable, Optional

import pytest

import slotwise
import slotwise.asyncio
from slotwise.commands.arrays import (
    ArrayAggregateOperations,
    ArrayCommands,
    ArrayPredicateCombinator,
    ArrayPredicateType,
)
from slotwise.commands.hashes import HImportRegistry
from slotwise.commands.hotkeys import HotkeysCommands, HotkeysMetricsTypes
from slotwise.commands.strings import DataPersistOptions

from .fakenode import FakeNode, encode
from .faces import redis_py

FACES = ["sync", "sync-pipeline", "asyncio", "asyncio-pipeline"]
Step = tuple[str, tuple[Any, ...], dict[str, Any]]


def _run(addr: str, face: str, steps: list[Step], **opts: Any) -> list[Any]:
    """Each step's reply (or the exception it raised), run on one face."""
    out: list[Any] = []
    if face.startswith("sync"):
        with slotwise.Cluster(startup_nodes=[addr], **opts) as rc:
            for method, args, kwargs in steps:
                try:
                    if face == "sync":
                        out.append(getattr(rc, method)(*args, **kwargs))
                    else:
                        out.append(getattr(rc.pipeline(), method)(*args, **kwargs).execute()[0])
                except Exception as e:  # noqa: BLE001 - compared by the caller
                    out.append(e)
        return out

    async def main() -> None:
        async with slotwise.asyncio.Cluster(startup_nodes=[addr], **opts) as rc:
            for method, args, kwargs in steps:
                try:
                    if face == "asyncio":
                        out.append(await getattr(rc, method)(*args, **kwargs))
                    else:
                        pipe = getattr(rc.pipeline(), method)(*args, **kwargs)
                        out.append((await pipe.execute())[0])
                except Exception as e:  # noqa: BLE001 - compared by the caller
                    out.append(e)

    asyncio.run(main())
    return out


def _resp3_aware(script: Callable[[list[bytes]], Optional[bytes]]) -> Any:
    """``script``, answering HELLO as a RESP3 server does (for ``protocol=3`` clients)."""

    def answer(argv: list[bytes]) -> Optional[bytes]:
        if argv[0].upper() == b"HELLO":
            return b"%1\r\n+proto\r\n:3\r\n"
        return script(argv)

    return answer


def _sent(node: FakeNode) -> list[list[bytes]]:
    """The commands of the test (not HELLO, topology or connection set-up)."""
    skip = {b"HELLO", b"CLUSTER", b"CLIENT", b"PING", b"READONLY", b"COMMAND", b"MULTI", b"EXEC"}
    return [a for a in node.received if a[0].upper() not in skip]


# --- argv ----------------------------------------------------------------------------

_AT = datetime.datetime.fromtimestamp(2_000_000_000)

#: (method, args, kwargs), the argv it sends, the fake reply, and what the method returns.
_ARGV: list[tuple[Step, list[bytes], bytes, Any]] = [
    (
        ("msetex", ({"{t}a": 1, "{t}b": "x"},), {}),
        [b"MSETEX", b"2", b"{t}a", b"1", b"{t}b", b"x"],
        encode(1),
        1,
    ),
    (
        ("msetex", ({"{t}a": 1},), {"data_persist_option": DataPersistOptions.NX, "ex": 5}),
        [b"MSETEX", b"1", b"{t}a", b"1", b"NX", b"EX", b"5"],
        encode(0),
        0,
    ),
    (
        ("msetex", ({"{t}a": 1},), {"data_persist_option": "XX", "keepttl": True}),
        [b"MSETEX", b"1", b"{t}a", b"1", b"XX", b"KEEPTTL"],
        encode(1),
        1,
    ),
    (
        ("msetex", ({"k": "v"},), {"px": datetime.timedelta(seconds=2)}),
        [b"MSETEX", b"1", b"k", b"v", b"PX", b"2000"],
        encode(1),
        1,
    ),
    (
        ("msetex", ({"k": "v"},), {"exat": _AT}),
        [b"MSETEX", b"1", b"k", b"v", b"EXAT", b"2000000000"],
        encode(1),
        1,
    ),
    (
        ("msetex", ({"k": "v"},), {"pxat": 7}),
        [b"MSETEX", b"1", b"k", b"v", b"PXAT", b"7"],
        encode(1),
        1,
    ),
    (
        ("lmovem", ("{t}a", "{t}b"), {}),
        [b"LMOVEM", b"{t}a", b"{t}b", b"LEFT", b"RIGHT"],
        encode(["1"]),
        [b"1"],
    ),
    (
        ("lmovem", ("{t}a", "{t}b", "LEFT", "LEFT"), {"count": 3, "ordering": "BULK"}),
        [b"LMOVEM", b"{t}a", b"{t}b", b"LEFT", b"LEFT", b"COUNT", b"3", b"BULK"],
        encode(["2", "3", "4"]),
        [b"2", b"3", b"4"],
    ),
    (
        ("lmovem", ("{t}a", "{t}b"), {"count": 9, "mode": "EXACTLY", "ordering": "OBO"}),
        [b"LMOVEM", b"{t}a", b"{t}b", b"LEFT", b"RIGHT", b"EXACTLY", b"9", b"OBO"],
        encode(None),
        None,
    ),
    (
        ("blmovem", ("{t}a", "{t}b", 1), {}),
        [b"BLMOVEM", b"{t}a", b"{t}b", b"LEFT", b"RIGHT", b"1"],
        encode(["1"]),
        [b"1"],
    ),
    (
        ("blmovem", ("{t}a", "{t}b", 0.5, "RIGHT", "LEFT"), {"count": 2, "ordering": "OBO"}),
        [b"BLMOVEM", b"{t}a", b"{t}b", b"RIGHT", b"LEFT", b"0.5", b"COUNT", b"2", b"OBO"],
        b"*-1\r\n",
        None,
    ),
    (
        ("sdiffcard", (2, ["{t}a", "{t}b"]), {}),
        [b"SDIFFCARD", b"2", b"{t}a", b"{t}b", b"LIMIT", b"0"],
        encode(3),
        3,
    ),
    (
        ("sdiffcard", (1, ["{t}a"]), {"limit": 5}),
        [b"SDIFFCARD", b"1", b"{t}a", b"LIMIT", b"5"],
        encode(3),
        3,
    ),
    (
        ("sunioncard", (2, ["{t}a", "{t}b"]), {}),
        [b"SUNIONCARD", b"2", b"{t}a", b"{t}b", b"LIMIT", b"0"],
        encode(7),
        7,
    ),
    (
        ("sunioncard", (2, ["{t}a", "{t}b"]), {"limit": 4, "approx": True}),
        [b"SUNIONCARD", b"2", b"{t}a", b"{t}b", b"APPROX", b"LIMIT", b"4"],
        encode(4),
        4,
    ),
    (("arset", ("r", 3, "a", "b"), {}), [b"ARSET", b"r", b"3", b"a", b"b"], encode(2), 2),
    (
        ("armset", ("r", {1: "a", 7: b"b"}), {}),
        [b"ARMSET", b"r", b"1", b"a", b"7", b"b"],
        encode(2),
        2,
    ),
    (("arget", ("r", 3), {}), [b"ARGET", b"r", b"3"], encode("a"), b"a"),
    (("arget", ("r", 4), {}), [b"ARGET", b"r", b"4"], encode(None), None),
    (
        ("armget", ("r", 3, 5), {}),
        [b"ARMGET", b"r", b"3", b"5"],
        encode(["a", None]),
        [b"a", None],
    ),
    (
        ("argetrange", ("r", 0, 2), {}),
        [b"ARGETRANGE", b"r", b"0", b"2"],
        encode([None, "x", None]),
        [None, b"x", None],
    ),
    (
        ("arscan", ("r", 0, 99), {}),
        [b"ARSCAN", b"r", b"0", b"99"],
        encode([[1, "x"], [5, "y"]]),
        [[1, b"x"], [5, b"y"]],
    ),
    (
        ("arscan", ("r", 0, 99), {"limit": 1}),
        [b"ARSCAN", b"r", b"0", b"99", b"LIMIT", b"1"],
        encode([[1, "x"]]),
        [[1, b"x"]],
    ),
    (
        ("argrep", ("r", 0, 9, [(ArrayPredicateType.GLOB, "a*")]), {}),
        [b"ARGREP", b"r", b"0", b"9", b"GLOB", b"a*"],
        encode([0, 4]),
        [0, 4],
    ),
    (
        (
            "argrep",
            ("r", 0, 9, [(ArrayPredicateType.EXACT, "a"), ("RE", "^b")]),
            {
                "combinator": ArrayPredicateCombinator.OR,
                "limit": 2,
                "withvalues": True,
                "nocase": True,
            },
        ),
        [
            *[b"ARGREP", b"r", b"0", b"9", b"EXACT", b"a", b"RE", b"^b", b"OR"],
            *[b"LIMIT", b"2", b"WITHVALUES", b"NOCASE"],
        ],
        encode([[0, "a"], [3, "B"]]),
        [[0, b"a"], [3, b"B"]],
    ),
    (("ardel", ("r", 1, 5), {}), [b"ARDEL", b"r", b"1", b"5"], encode(1), 1),
    (
        ("ardelrange", ("r", (0, 2), (8, 9)), {}),
        [b"ARDELRANGE", b"r", b"0", b"2", b"8", b"9"],
        encode(3),
        3,
    ),
    (("arcount", ("r",), {}), [b"ARCOUNT", b"r"], encode(4), 4),
    (("arlen", ("r",), {}), [b"ARLEN", b"r"], encode(10), 10),
    (
        ("arinfo", ("r",), {}),
        [b"ARINFO", b"r"],
        encode(["count", 4, "len", 10, "next-insert-index", 0]),
        {"count": 4, "len": 10, "next-insert-index": 0},
    ),
    (
        ("arinfo", ("r",), {"full": True}),
        [b"ARINFO", b"r", b"FULL"],
        encode(["count", 4, "avg-dense-fill", "0.5"]),
        {"count": 4, "avg-dense-fill": b"0.5"},
    ),
    (("arnext", ("r",), {}), [b"ARNEXT", b"r"], encode(11), 11),
    (("arnext", ("r",), {}), [b"ARNEXT", b"r"], encode(None), None),
    (("arseek", ("r", 4), {}), [b"ARSEEK", b"r", b"4"], encode(1), 1),
    (("arinsert", ("r", "a", "b"), {}), [b"ARINSERT", b"r", b"a", b"b"], encode(12), 12),
    (("arring", ("r", 8, "a"), {}), [b"ARRING", b"r", b"8", b"a"], encode(0), 0),
    (
        ("arlastitems", ("r", 2), {}),
        [b"ARLASTITEMS", b"r", b"2"],
        encode(["a", "b"]),
        [b"a", b"b"],
    ),
    (
        ("arlastitems", ("r", 2), {"rev": True}),
        [b"ARLASTITEMS", b"r", b"2", b"REV"],
        encode(["b", "a"]),
        [b"b", b"a"],
    ),
    (
        ("arop", ("r", 0, 9, ArrayAggregateOperations.SUM), {}),
        [b"AROP", b"r", b"0", b"9", b"SUM"],
        encode("12.5"),
        b"12.5",
    ),
    (
        ("arop", ("r", 0, 9, ArrayAggregateOperations.MATCH, "a"), {}),
        [b"AROP", b"r", b"0", b"9", b"MATCH", b"a"],
        encode(2),
        2,
    ),
    (("arop", ("r", 0, 9, "USED"), {}), [b"AROP", b"r", b"0", b"9", b"USED"], encode(None), None),
]


@pytest.mark.parametrize("face", FACES)
def test_argv_and_replies_on_a_fake_node(face: str) -> None:
    """Each method sends redis-py's argv and gives redis-py's reply, on every face."""
    replies = {tuple(argv): reply for _, argv, reply, _ in _ARGV}
    # ARNEXT and ARGET are scripted twice: answer by the order they come in instead.
    queued: dict[bytes, list[bytes]] = {}
    for _, argv, reply, _ in _ARGV:
        queued.setdefault(b" ".join(argv), []).append(reply)

    def script(argv: list[bytes]) -> Optional[bytes]:
        key = b" ".join(argv)
        if queued.get(key):
            return queued[key].pop(0)
        return replies.get(tuple(argv), b"-ERR unscripted\r\n")

    with FakeNode(script) as node:
        got = _run(node.addr, face, [step for step, _, _, _ in _ARGV])
        sent = _sent(node)
    assert sent == [argv for _, argv, _, _ in _ARGV]
    for (step, _, _, want), have in zip(_ARGV, got):
        assert (type(have), have) == (type(want), want), step


def test_arinfo_shapes_resp3_and_decoded_replies() -> None:
    """ARINFO is a ``dict`` with ``str`` keys from RESP2's flat list and RESP3's map, with
    and without ``decode_responses``; the values stay as the server sent them."""
    resp3_map = b"%3\r\n+count\r\n:4\r\n+len\r\n:10\r\n+avg-dense-fill\r\n,0.5\r\n"
    resp2_list = encode(["count", 4, "len", 10, "avg-dense-fill", "0.5"])
    cases = [
        (2, False, resp2_list, {"count": 4, "len": 10, "avg-dense-fill": b"0.5"}),
        (2, True, resp2_list, {"count": 4, "len": 10, "avg-dense-fill": "0.5"}),
        (3, False, resp3_map, {"count": 4, "len": 10, "avg-dense-fill": 0.5}),
        (3, True, resp3_map, {"count": 4, "len": 10, "avg-dense-fill": 0.5}),
    ]
    for protocol, decode, reply, want in cases:
        def script(argv: list[bytes], reply: bytes = reply) -> Optional[bytes]:
            return reply if argv[0] == b"ARINFO" else b"+OK\r\n"

        with FakeNode(_resp3_aware(script)) as node:
            for face in FACES:
                got = _run(
                    node.addr,
                    face,
                    [("arinfo", ("r",), {"full": True})],
                    protocol=protocol,
                    decode_responses=decode,
                )
                assert got == [want], (protocol, decode, face)
                assert all(type(k) is str for k in got[0]), (protocol, decode, face)


def test_client_side_checks_raise_data_error_and_send_nothing() -> None:
    """The argument checks of redis-py, as ``DataError`` before anything is sent."""
    bad: list[Step] = [
        ("msetex", ({"k": 1},), {"ex": 1, "px": 1}),
        ("msetex", ({"k": 1},), {"exat": 1, "keepttl": True}),
        ("msetex", ({"k": 1},), {"ex": 1.5}),
        ("msetex", ({"k": 1},), {"px": "10"}),
        ("msetex", ({"k": 1},), {"data_persist_option": "FNX"}),
        ("lmovem", ("{t}a", "{t}b"), {"mode": "EXACTLY"}),
        ("lmovem", ("{t}a", "{t}b"), {"ordering": "BULK"}),
        ("lmovem", ("{t}a", "{t}b"), {"count": 2}),
        ("blmovem", ("{t}a", "{t}b", 1), {"count": 2, "mode": "COUNT"}),
        ("blmovem", ("{t}a", "{t}b", 1), {"ordering": "OBO"}),
    ]
    words = [
        "mutually exclusive",
        "mutually exclusive",
        "ex must be",
        "px must be",
        "DataPersistOptions",
        "``count`` is required",
        "``count`` is required",
        "``ordering`` (OBO or BULK) is required",
        "``ordering`` (OBO or BULK) is required",
        "``count`` is required",
    ]
    with FakeNode(lambda argv: b"+OK\r\n") as node:
        for face in FACES:
            got = _run(node.addr, face, bad)
            for step, e, w in zip(bad, got, words):
                assert isinstance(e, slotwise.DataError), (face, step, e)
                assert w in str(e), (face, step, e)
        assert _sent(node) == []


def test_hotkeys_are_refused_as_redis_py_cluster_refuses_them() -> None:
    """redis-py's ``RedisCluster`` raises ``NotImplementedError`` for every HOTKEYS method
    (a session is per node); so does slotwise, sync and asyncio, sending nothing."""
    calls: list[Step] = [
        ("hotkeys_start", (), {"count": 10, "metrics": [HotkeysMetricsTypes.CPU]}),
        ("hotkeys_get", (), {}),
        ("hotkeys_reset", (), {}),
        ("hotkeys_stop", (), {}),
    ]
    with FakeNode(lambda argv: b"+OK\r\n") as node:
        for face in FACES:
            got = _run(node.addr, face, calls)
            for step, e in zip(calls, got):
                assert isinstance(e, NotImplementedError), (face, step, e)
                assert "not supported in cluster mode" in str(e)
        assert not [a for a in node.received if a[0].upper() == b"HOTKEYS"]


def _fake_xxhash(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """Installs a stand-in ``xxhash`` module; the list records what it was asked to hash."""
    seen: list[bytes] = []

    class _Digest:
        def __init__(self, data: bytes) -> None:
            seen.append(data)

        def hexdigest(self) -> str:
            return "00ff00ff00ff00ff"

    module = types.ModuleType("xxhash")
    module.xxh3_64 = _Digest  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "xxhash", module)
    return seen


def test_digest_local_hashes_here_as_bytes_or_str(monkeypatch: pytest.MonkeyPatch) -> None:
    """``digest_local`` hashes the UTF-8 bytes of the value with xxhash's XXH3-64 (as
    redis-py does), giving ``bytes``, or ``str`` with ``decode_responses``, on clients and
    pipelines alike, without a round trip; ``NotImplementedError`` without xxhash."""
    with FakeNode(lambda argv: b"+OK\r\n") as node:
        before = len(node.received)
        with slotwise.Cluster(startup_nodes=[node.addr]) as rc:
            monkeypatch.setitem(sys.modules, "xxhash", None)  # import fails
            with pytest.raises(NotImplementedError, match="xxhash"):
                rc.digest_local("v")
            seen = _fake_xxhash(monkeypatch)
            assert rc.digest_local("vé") == b"00ff00ff00ff00ff"
            assert rc.pipeline().digest_local(b"\x00v") == b"00ff00ff00ff00ff"
        with slotwise.Cluster(startup_nodes=[node.addr], decode_responses=True) as rc:
            assert rc.digest_local("v") == "00ff00ff00ff00ff"
            assert rc.pipeline().digest_local("v") == "00ff00ff00ff00ff"

        async def main() -> list[Any]:
            async with slotwise.asyncio.Cluster(
                startup_nodes=[node.addr], decode_responses=True
            ) as arc:
                return [arc.digest_local("v"), arc.pipeline().digest_local("v")]

        assert asyncio.run(main()) == ["00ff00ff00ff00ff", "00ff00ff00ff00ff"]
        assert seen[:2] == ["vé".encode(), b"\x00v"]
        sent = [a for a in node.received[before:] if a[0].upper() not in (b"CLUSTER", b"PING")]
        assert sent == []


def test_signatures_match_redis_py() -> None:
    """The new methods take redis-py's parameters: names, kinds, defaults."""
    redis_cluster = redis_py("redis.cluster")
    import slotwise.commands as commands

    def shape(f: Any) -> list[tuple[str, Any, Any]]:
        return [(q.name, q.kind, q.default) for q in inspect.signature(f).parameters.values()]

    names = [
        "msetex", "lmovem", "blmovem", "sdiffcard", "sunioncard", "digest_local",
        "himport_set", "himport_prepare", "himport_discard", "himport_discard_all",
        *[n for n in vars(ArrayCommands) if not n.startswith("_")],
        *[n for n in vars(HotkeysCommands) if not n.startswith("_")],
    ]
    for name in names:
        ours = getattr(commands.Commands, name)
        assert shape(ours) == shape(getattr(redis_cluster.RedisCluster, name)), name
    assert len(names) >= 32


def test_multi_key_commands_refuse_keys_of_several_slots() -> None:
    """As redis-py's ``RedisCluster``, the keys of one command must share a slot: refused
    before anything is sent (MSETEX's keys are every other argument after numkeys)."""
    calls: list[Step] = [
        ("lmovem", ("a", "b", "LEFT", "RIGHT"), {"count": 2, "ordering": "BULK"}),
        ("blmovem", ("a", "b", 1, "LEFT", "RIGHT"), {"count": 2, "ordering": "BULK"}),
        ("msetex", ({"a": 1, "b": 2},), {"ex": 5}),
        ("sdiffcard", (2, ["a", "b"]), {}),
        ("sunioncard", (2, ["a", "b"]), {}),
    ]
    with FakeNode(lambda argv: encode(1)) as node:
        for face in ("sync", "asyncio"):
            for step, e in zip(calls, _run(node.addr, face, calls)):
                assert isinstance(e, slotwise.CrossSlotError), (face, step, e)
                assert '"a"' in str(e) and '"b"' in str(e), e
        assert _sent(node) == []


# --- HIMPORT --------------------------------------------------------------------------


def _himport_node(exec_reply: bytes = b"*3\r\n+OK\r\n+OK\r\n:1\r\n") -> FakeNode:
    def script(argv: list[bytes]) -> Optional[bytes]:
        name = argv[0].upper()
        if name == b"MULTI":
            return b"+OK\r\n"
        if name == b"EXEC":
            return exec_reply
        if name == b"HIMPORT":
            return b"+QUEUED\r\n" if exec_reply else b"+OK\r\n"
        return b"+OK\r\n"

    return FakeNode(script)


def test_himport_registry_is_the_clients() -> None:
    """``himport_prepare``/``himport_discard``/``himport_discard_all`` change the client's
    registry (a pipeline's is its client's) and send nothing; coroutines on asyncio."""
    with _himport_node() as node:
        with slotwise.Cluster(startup_nodes=[node.addr]) as rc:
            registry = rc.himport_registry
            assert isinstance(registry, HImportRegistry) and len(registry) == 0
            assert rc.pipeline().himport_registry is registry
            assert rc.himport_prepare("user", ["name", "email"]) is True
            assert rc.pipeline().himport_prepare("city", ("zip",)) is True
            fieldset = registry.get("user")
            assert fieldset is not None and fieldset.fields == ("name", "email")
            before = registry.revision
            assert rc.himport_prepare("user", ["name"]) is True  # redeclared
            assert registry.get("user").fields == ("name",)  # type: ignore[union-attr]
            assert registry.revision > before
            assert sorted(registry) == ["city", "user"] and "city" in registry
            assert rc.himport_discard("city") == 1
            assert rc.himport_discard("city") == 0
            assert rc.himport_discard_all() == 1
            assert rc.himport_discard_all() == 0
            for bad, words in ((("f", "fs"), "not a single string"), (("f", []), "at least one")):
                with pytest.raises(slotwise.DataError, match=words):
                    rc.himport_prepare(*bad)

        async def main() -> list[Any]:
            async with slotwise.asyncio.Cluster(startup_nodes=[node.addr]) as arc:
                pending = arc.himport_prepare("user", ["name"])
                assert inspect.iscoroutine(pending)
                return [
                    await pending,
                    list(arc.himport_registry),
                    await arc.pipeline().himport_discard("user"),
                    await arc.himport_discard_all(),
                ]

        assert asyncio.run(main()) == [True, ["user"], 1, 0]
        assert not [a for a in node.received if a[0].upper() == b"HIMPORT"]


def test_himport_set_sends_its_fieldset_in_one_transaction() -> None:
    """A declared fieldset travels with each ``himport_set``: MULTI, PREPARE, SET, DISCARD,
    EXEC on the key's connection (a fieldset is state of one connection); ``True``."""
    with _himport_node() as node:
        with slotwise.Cluster(startup_nodes=[node.addr]) as rc:
            rc.himport_prepare("user", ["name", "age"])
            assert rc.himport_set("{u}1", "user", ["ann", 41]) is True

        async def main() -> Any:
            async with slotwise.asyncio.Cluster(startup_nodes=[node.addr]) as arc:
                await arc.himport_prepare("user", ["name", "age"])
                values: list[Any] = ["bob", 7]
                return await arc.himport_set("{u}2", "user", iter(values))

        assert asyncio.run(main()) is True
        one = [
            [b"MULTI"],
            [b"HIMPORT", b"PREPARE", b"user", b"name", b"age"],
            [b"HIMPORT", b"SET", b"{u}1", b"user", b"ann", b"41"],
            [b"HIMPORT", b"DISCARD", b"user"],
            [b"EXEC"],
        ]
        two = [a if a[:2] != [b"HIMPORT", b"SET"] else
               [b"HIMPORT", b"SET", b"{u}2", b"user", b"bob", b"7"] for a in one]
        assert [a for a in node.received if a[0] in (b"MULTI", b"HIMPORT", b"EXEC")] == one + two


def test_himport_set_errors_and_undeclared_fieldsets() -> None:
    """The SET's error inside the transaction is raised; an undeclared fieldset is sent as a
    bare HIMPORT SET (the server decides); a lone string of values is refused; a pipeline
    refuses a declared fieldset (it cannot carry it) but queues an undeclared one."""
    failing = b"*3\r\n+OK\r\n-ERR wrong number of values\r\n:1\r\n"
    with _himport_node(failing) as node:
        with slotwise.Cluster(startup_nodes=[node.addr]) as rc:
            rc.himport_prepare("user", ["name", "age"])
            with pytest.raises(slotwise.ResponseError, match="wrong number of values"):
                rc.himport_set("k", "user", ["ann"])
            with pytest.raises(slotwise.DataError, match="not a string"):
                rc.himport_set("k", "user", "ann")
            with pytest.raises(slotwise.DataError, match="in a pipeline"):
                rc.pipeline().himport_set("k", "user", ["ann", 1])
    with _himport_node(b"") as node:
        with slotwise.Cluster(startup_nodes=[node.addr]) as rc:
            assert rc.himport_set("k", "other", ["x"]) is True
            assert rc.pipeline().himport_set("k", "other", ["y"]).execute() == [True]
        sent = [a for a in node.received if a[0] in (b"MULTI", b"HIMPORT", b"EXEC")]
        assert sent == [
            [b"HIMPORT", b"SET", b"k", b"other", b"x"],
            [b"HIMPORT", b"SET", b"k", b"other", b"y"],
        ]

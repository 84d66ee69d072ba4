"""Geo command methods with redis-py 8.1's signatures, argument checks and reply shapes, on
the sync and asyncio clients and both pipelines (``call``), in RESP2 and RESP3 and with
``decode_responses``, and against redis-py's own ``RedisCluster`` on the same cluster when
redis-py is installed."""

from __future__ import annotations

import asyncio
import inspect
import itertools
from typing import Any, Iterator

import pytest

import slotwise
import slotwise.asyncio
from slotwise.commands import Commands

from .cluster import Cluster
from .faces import redis_py

#: Two places in Barcelona (lon, lat, name), as redis-py's tests use them.
PLACE1 = (2.1909389952632, 41.433791470673, "place1")
PLACE2 = (2.1873744593677, 41.406342043777, "place2")
#: Their positions as the server stores them (52-bit geohash precision).
POS1 = (2.19093829393386841, 41.43379028184083523)
POS2 = (2.18737632036209106, 41.40634178640635099)
HASH1 = 3471609698139488


class Call:
    """Runs one command method on one face: ``call("geoadd", key, values)`` gives its
    reply; ``resp3``/``decode`` say how the client was made, ``s(x)`` is the text ``x`` as
    that client gives it (``bytes``, or ``str`` with ``decode_responses``)."""

    def __init__(self, run: Any, resp3: bool, decode: bool) -> None:
        self.run = run
        self.resp3 = resp3
        self.decode = decode

    def __call__(self, method: str, *args: Any, **kwargs: Any) -> Any:
        return self.run(method, args, kwargs)

    def s(self, text: str) -> Any:
        return text if self.decode else text.encode()


FACES = [
    ("sync", {}),
    ("sync-pipeline", {}),
    ("asyncio", {}),
    ("asyncio-pipeline", {}),
    ("sync", {"protocol": 3}),
    ("sync", {"decode_responses": True}),
    ("asyncio-pipeline", {"protocol": 3, "decode_responses": True}),
]


@pytest.fixture(params=FACES, ids=lambda f: f[0] + "".join(f"-{k}={v}" for k, v in f[1].items()))
def call(request: pytest.FixtureRequest, cluster: Cluster) -> Iterator[Call]:
    face, opts = request.param
    resp3, decode = opts.get("protocol") == 3, bool(opts.get("decode_responses"))
    if face.startswith("sync"):
        rc = slotwise.Cluster(startup_nodes=cluster.seeds[:1], **opts)

        def sync_run(method: str, args: Any, kwargs: Any) -> Any:
            if face == "sync":
                return getattr(rc, method)(*args, **kwargs)
            return getattr(rc.pipeline(), method)(*args, **kwargs).execute()[0]

        try:
            yield Call(sync_run, resp3, decode)
        finally:
            rc.close()
        return

    loop = asyncio.new_event_loop()

    async def connect() -> slotwise.asyncio.Cluster:
        return await slotwise.asyncio.Cluster(startup_nodes=cluster.seeds[:1], **opts).initialize()

    arc = loop.run_until_complete(connect())

    async def one(method: str, args: Any, kwargs: Any) -> Any:
        if face == "asyncio":
            return await getattr(arc, method)(*args, **kwargs)
        return (await getattr(arc.pipeline(), method)(*args, **kwargs).execute())[0]

    def async_run(method: str, args: Any, kwargs: Any) -> Any:
        return loop.run_until_complete(one(method, args, kwargs))

    try:
        yield Call(async_run, resp3, decode)
    finally:
        loop.run_until_complete(arc.aclose())
        loop.close()


class Recorder(Commands):
    """The command methods over a stand-in that records each argv instead of sending it."""

    def __init__(self) -> None:
        self.sent: list[tuple[Any, ...]] = []

        def record(*argv: Any) -> Any:
            self.sent.append(argv)
            return None

        self._call = record
        self._call_with = lambda post, *argv: record(*argv)
        self._call_raw_with = self._call_with

    def argv(self, method: str, *args: Any, **kwargs: Any) -> tuple[Any, ...]:
        getattr(self, method)(*args, **kwargs)
        return self.sent.pop()


def test_geoadd_nx_xx_ch(call: Call, p: str) -> None:
    g = p + "{g}"
    assert call("geoadd", g, PLACE1) == 1
    moved = (PLACE1[0], 31.0, "place1")
    assert call("geoadd", g, moved + PLACE2, xx=True) == 0  # place1 moved, place2 not added
    assert call("zrange", g, 0, -1) == [call.s("place1")]
    assert call("geoadd", g, PLACE1 + PLACE2, nx=True) == 1  # place2 only; place1 stays
    assert call("geopos", g, "place1")[0][1] == pytest.approx(31.0, abs=1e-5)
    assert call("geoadd", g, PLACE1 + PLACE2, ch=True) == 1  # place1 changed back
    with pytest.raises(slotwise.DataError, match="either 'nx' or 'xx'"):
        call("geoadd", g, PLACE1, nx=True, xx=True)
    with pytest.raises(slotwise.DataError, match="lon, lat and name"):
        call("geoadd", g, (1, 2))


def test_geodist_units_and_missing_places(call: Call, p: str) -> None:
    g = p + "{g}"
    call("geoadd", g, PLACE1 + PLACE2)
    assert call("geodist", g, "place1", "place2") == 3067.4157
    assert call("geodist", g, "place1", "place2", "km") == 3.0674
    assert type(call("geodist", g, "place1", "place2", "mi")) is float
    assert call("geodist", g, "place1", "nope", "km") is None
    with pytest.raises(slotwise.DataError, match="GEODIST invalid unit"):
        call("geodist", g, "place1", "place2", "inches")


def test_geohash_and_geopos_shapes_follow_the_protocol(call: Call, p: str) -> None:
    g = p + "{g}"
    call("geoadd", g, PLACE1 + PLACE2)
    hashes = call("geohash", g, "place1", "place2", "nope")
    # redis-py: RESP2 hashes are str even without decode_responses; RESP3's as sent.
    text = call.s if call.resp3 else str
    assert hashes == [text("sp3e9yg3kd0"), text("sp3e9cbc3t0"), None]
    pos = call("geopos", g, "place1", "place2", "nope")
    kind = list if call.resp3 else tuple
    assert pos == [kind(POS1), kind(POS2), None]
    assert all(type(xy) is kind and all(type(v) is float for v in xy) for xy in pos[:2])
    assert call("geopos", p + "{g}nope", "a") == [None]


def test_georadius_shapes_places_as_redis_py(call: Call, p: str) -> None:
    g = p + "{g}"
    call("geoadd", g, PLACE1 + PLACE2)
    one = call("georadius", g, 2.191, 41.433, 1, unit="km", withdist=True, withcoord=True,
               withhash=True)
    assert one == [[call.s("place1"), 0.0881, HASH1, POS1]]
    assert type(one[0][3]) is tuple and type(one[0][2]) is int
    assert call("georadius", g, 2.191, 41.433, 1, unit="km", withhash=True, withcoord=True) == [
        [call.s("place1"), HASH1, POS1]
    ]
    assert call("georadius", g, 2.191, 41.433, 1000) == [call.s("place1")]  # meters
    assert call("georadius", g, 2, 1, 1, unit="km", withdist=True) == []
    both = [call.s("place1"), call.s("place2")]
    assert call("georadius", g, 2.191, 41.433, 10, unit="km", sort="ASC") == both
    assert call("georadius", g, 2.191, 41.433, 10, unit="km", sort="DESC") == both[::-1]
    assert call("georadius", g, 2.191, 41.433, 10, unit="km", sort="DESC", count=1) == [
        both[1]
    ]
    assert len(call("georadius", g, 2.191, 41.433, 10, unit="km", count=1, any=True)) == 1
    assert call("georadiusbymember", g, "place1", 4, unit="km", withdist=True, sort="ASC") == [
        [call.s("place1"), 0.0],
        [call.s("place2"), 3.0674],
    ]
    assert call("georadiusbymember", g, "place1", 10, unit="km", count=1) == [call.s("place1")]


def test_georadius_store_and_store_dist_give_the_count(call: Call, p: str) -> None:
    g, out = p + "{g}", p + "{g}out"
    call("geoadd", g, PLACE1 + PLACE2)
    assert call("georadius", g, 2.191, 41.433, 1000, store=out) == 1
    assert call("zscore", out, "place1") == 3471609698139488
    assert call("georadiusbymember", g, "place1", 4, unit="km", store_dist=out) == 2
    assert call("zscore", out, "place2") == pytest.approx(3.0674, abs=1e-4)


def test_georadius_refuses_what_redis_py_refuses(call: Call, p: str) -> None:
    g = p + "{g}"
    refused: list[tuple[dict[str, Any], str]] = [
        ({"unit": "inch"}, "GEORADIUS invalid unit"),
        ({"any": True}, "``any`` can't be provided without ``count``"),
        ({"sort": "asc"}, "GEORADIUS invalid sort"),
        ({"store": "x", "store_dist": "y"}, "store and store_dist can't be set together"),
    ]
    for kwargs, message in refused:
        for method, center in (("georadius", (1, 2)), ("georadiusbymember", ("m",))):
            with pytest.raises(slotwise.DataError, match=message):
                call(method, g, *center, 10, **kwargs)


def test_geosearch_from_member_or_lonlat_by_radius_or_box(call: Call, p: str) -> None:
    g = p + "{g}"
    place3 = (2.583333, 41.316667, "place3")
    call("geoadd", g, PLACE1 + PLACE2 + place3)
    s1, s2, s3 = call.s("place1"), call.s("place2"), call.s("place3")
    assert call("geosearch", g, longitude=2.191, latitude=41.433, radius=1000) == [s1]
    assert call("geosearch", g, member="place3", radius=100, unit="km", sort="asc") == [
        s3, s2, s1,
    ]
    assert call("geosearch", g, member="place3", width=400, height=400, unit="km",
                sort="DESC") == [s1, s2, s3]
    assert call("geosearch", g, member="place1", radius=50, unit="KM", count=1) == [s1]
    assert len(call("geosearch", g, member="place1", radius=50, unit="km", count=2,
                    any=True)) == 2
    withs = call("geosearch", g, member="place1", radius=1, unit="km", withdist=True,
                 withcoord=True, withhash=True)
    assert withs == [[s1, 0.0, HASH1, POS1]]
    assert call("geosearch", g, longitude=2.191, latitude=41.433, radius=1, unit="km",
                withcoord=True) == [[s1, POS1]]


def test_geosearch_refuses_what_redis_py_refuses(call: Call, p: str) -> None:
    g = p + "{g}"
    refused: list[tuple[dict[str, Any], str]] = [
        ({}, "must have member or longitude and latitude"),
        ({"longitude": 1}, "must have member or longitude and latitude"),
        ({"member": "m", "longitude": 1, "latitude": 2}, "member and longitude or latitude"),
        ({"member": "m"}, "must have radius or width and height"),
        ({"member": "m", "width": 1}, "must have radius or width and height"),
        ({"member": "m", "radius": 1, "unit": None}, "GEOSEARCH must have unit"),
        ({"member": "m", "radius": 1, "unit": "inch"}, "GEOSEARCH invalid unit"),
        ({"member": "m", "radius": 1, "width": 1, "height": 1}, "radius and width or height"),
        ({"member": "m", "radius": 1, "sort": "up"}, "GEOSEARCH invalid sort"),
        ({"member": "m", "radius": 1, "any": True}, "``any`` can't be provided without count"),
    ]
    for kwargs, message in refused:
        with pytest.raises(slotwise.DataError, match=message):
            call("geosearch", g, **kwargs)
        with pytest.raises(slotwise.DataError, match=message):
            call("geosearchstore", g + "out", g, **kwargs)


def test_geosearchstore_stores_places_or_distances(call: Call, p: str) -> None:
    g, out = p + "{g}", p + "{g}out"
    call("geoadd", g, PLACE1 + PLACE2)
    assert call("geosearchstore", out, g, longitude=2.191, latitude=41.433, radius=1000) == 1
    assert call("zrange", out, 0, -1) == [call.s("place1")]
    assert call("zscore", out, "place1") == HASH1
    assert call("geosearchstore", out, g, member="place1", width=10, height=10, unit="km",
                storedist=True) == 2
    assert call("zscore", out, "place2") == pytest.approx(3.0674, abs=1e-4)


def test_geo_argv_as_redis_py_builds_it() -> None:
    r = Recorder()
    assert r.argv("geoadd", "g", PLACE1, nx=True, ch=True) == ("GEOADD", "g", "NX", "CH", *PLACE1)
    assert r.argv("geodist", "g", "a", "b") == ("GEODIST", "g", "a", "b")
    assert r.argv("geodist", "g", "a", "b", "ft") == ("GEODIST", "g", "a", "b", "ft")
    assert r.argv("georadius", "g", 1, 2, 3) == ("GEORADIUS", "g", 1, 2, 3, "m")
    assert r.argv(
        "georadius", "g", 1, 2, 3, unit="km", withhash=True, withdist=True, withcoord=True,
        count=4, any=True, sort="DESC", store="d",
    ) == ("GEORADIUS", "g", 1, 2, 3, "km", "WITHDIST", "WITHCOORD", "WITHHASH", "COUNT", 4,
          "ANY", "DESC", "STORE", "d")
    assert r.argv("georadiusbymember", "g", "m", 3, count=0, store_dist="d") == (
        "GEORADIUSBYMEMBER", "g", "m", 3, "m", "COUNT", 0, "STOREDIST", "d",
    )
    assert r.argv(
        "geosearch", "g", longitude=1, latitude=2, width=3, height=4, unit="mi", sort="asc",
        count=5, any=True, withhash=True, withdist=True,
    ) == ("GEOSEARCH", "g", "FROMLONLAT", 1, 2, "BYBOX", 3, 4, "mi", "ASC", "COUNT", 5, "ANY",
          "WITHDIST", "WITHHASH")
    assert r.argv("geosearchstore", "d", "g", member="m", radius=7, storedist=True) == (
        "GEOSEARCHSTORE", "d", "g", "FROMMEMBER", "m", "BYRADIUS", 7, "m", "STOREDIST",
    )


# --- against redis-py's RedisCluster ------------------------------------------------------


def test_replies_match_redis_py(cluster: Cluster, p: str) -> None:
    """The same steps on the same keys through slotwise, then (keys deleted) through
    redis-py's RedisCluster: equal replies of equal types, RESP2 and RESP3, decoded or not."""
    redis_cluster = redis_py("redis.cluster")
    host, port = cluster.seeds[0].rsplit(":", 1)
    g, out = p + "{g}", p + "{g}out"
    near = {"longitude": 2.191, "latitude": 41.433}
    steps: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = [
        ("geoadd", (g, PLACE1 + PLACE2), {}),
        ("geoadd", (g, PLACE1), {"ch": True}),
        ("geodist", (g, "place1", "place2"), {"unit": "km"}),
        ("geodist", (g, "place1", "nope"), {}),
        ("geohash", (g, "place1", "nope"), {}),
        ("geopos", (g, "place1", "nope"), {}),
        ("georadius", (g, 2.191, 41.433, 5), {"unit": "km", "withdist": True,
                                             "withcoord": True, "withhash": True}),
        ("georadius", (g, 2.191, 41.433, 5), {"unit": "km", "sort": "DESC"}),
        ("georadius", (g, 2.191, 41.433, 5), {"unit": "km", "store": out}),
        ("georadiusbymember", (g, "place1", 5), {"unit": "km", "withdist": True}),
        ("georadiusbymember", (g, "place1", 5), {"unit": "km", "store_dist": out}),
        ("geosearch", (g,), {**near, "radius": 5, "unit": "km", "withcoord": True}),
        ("geosearch", (g,), {"member": "place2", "width": 9, "height": 9, "withhash": True}),
        ("geosearchstore", (out, g), {**near, "radius": 5, "unit": "km", "storedist": True}),
    ]
    for protocol, decode in itertools.product((None, 2, 3), (False, True)):
        opts: dict[str, Any] = {"decode_responses": decode}
        if protocol is not None:
            opts["protocol"] = protocol
        ours = slotwise.Cluster(startup_nodes=cluster.seeds[:1], **opts)
        theirs = redis_cluster.RedisCluster(host=host, port=int(port), **opts)
        try:
            got = [getattr(ours, m)(*a, **kw) for m, a, kw in steps]
            ours.delete(g, out)
            want = [getattr(theirs, m)(*a, **kw) for m, a, kw in steps]
            theirs.delete(g, out)
        finally:
            ours.close()
            theirs.close()
        for (method, _, _), mine, expected in zip(steps, got, want):
            assert repr(mine) == repr(expected), (protocol, decode, method)


def test_signatures_match_redis_py() -> None:
    """Every geo method takes redis-py's parameters: names, kinds, defaults."""
    redis_cluster = redis_py("redis.cluster")
    from slotwise.commands.geo import GeoCommands

    def shape(f: Any) -> list[tuple[str, Any, Any]]:
        return [(q.name, q.kind, q.default) for q in inspect.signature(f).parameters.values()]

    names = [n for n, f in vars(GeoCommands).items() if not n.startswith("_") and callable(f)]
    assert len(names) == 8
    for name in names:
        assert shape(getattr(GeoCommands, name)) == shape(
            getattr(redis_cluster.RedisCluster, name)
        ), name

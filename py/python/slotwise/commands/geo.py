"""Geospatial indexes: GEOADD, GEODIST, GEOPOS, GEORADIUS, GEOSEARCH..."""

from __future__ import annotations

from typing import Any, Callable, Optional, Sequence

from ..exceptions import DataError
from ._base import CommandsBase, EncodableT, KeyT, ResponseT, _to_float

#: The distance units every geo command takes.
_UNITS = ("m", "km", "mi", "ft")


def _text(v: Any) -> Any:
    """A ``bytes`` reply item as ``str`` (redis-py's RESP2 GEOHASH gives ``str`` even
    without ``decode_responses``)."""
    return v.decode("utf-8", errors="replace") if isinstance(v, bytes) else v


def _geohash_reply(resp3: bool) -> Callable[[Any], Any]:
    """GEOHASH as redis-py gives it: RESP2's hashes as ``str`` (``None`` for a missing
    member), RESP3's as sent."""

    def post(r: Any) -> Any:
        if resp3 or not isinstance(r, list):
            return r
        return [_text(h) for h in r]

    return post


def _geopos_reply(resp3: bool) -> Callable[[Any], Any]:
    """GEOPOS as redis-py gives it: ``(lon, lat)`` float tuples (RESP3: ``[lon, lat]``
    lists), ``None`` for a missing member."""

    def post(r: Any) -> Any:
        if not isinstance(r, list):
            return r
        out: list[Any] = []
        for pos in r:
            if pos is None:
                out.append(None)
                continue
            lon, lat = float(pos[0]), float(pos[1])
            out.append([lon, lat] if resp3 else (lon, lat))
        return out

    return post


def _places(withdist: bool, withcoord: bool, withhash: bool) -> Callable[[Any], Any]:
    """GEORADIUS/GEOSEARCH replies as redis-py shapes them: the names alone, or with any
    WITH option one list per place, ``[name, float dist, int hash, (float lon, float
    lat)]`` (only the parts asked for, in that order: the server's, whatever the order of
    the flags)."""
    casts: list[Callable[[Any], Any]] = [lambda name: name]
    if withdist:
        casts.append(float)
    if withhash:
        casts.append(int)
    if withcoord:
        casts.append(lambda ll: (float(ll[0]), float(ll[1])))

    def post(r: Any) -> Any:
        places = r if isinstance(r, list) else [r]
        if len(casts) == 1:
            return places
        return [[cast(part) for cast, part in zip(casts, place)] for place in places]

    return post


def _with_flags(withdist: bool, withcoord: bool, withhash: bool) -> list[EncodableT]:
    """The WITHDIST/WITHCOORD/WITHHASH flags asked for, in redis-py's order."""
    flags = (("WITHDIST", withdist), ("WITHCOORD", withcoord), ("WITHHASH", withhash))
    return [flag for flag, on in flags if on]


class GeoCommands(CommandsBase):
    """Geospatial indexes: GEOADD, GEODIST, GEOPOS, GEORADIUS, GEOSEARCH..."""

    def geoadd(
        self,
        name: KeyT,
        values: Sequence[EncodableT],
        nx: bool = False,
        xx: bool = False,
        ch: bool = False,
    ) -> ResponseT:
        """Adds places given as flat ``(lon, lat, name, lon, lat, name...)`` ``values``;
        ``nx`` only adds new places, ``xx`` only updates existing ones, ``ch`` counts the
        places changed as well as those added. The number of places added (or changed)."""
        if nx and xx:
            raise DataError("GEOADD allows either 'nx' or 'xx', not both")
        if len(values) % 3 != 0:
            raise DataError("GEOADD requires places with lon, lat and name values")
        flags = [f for f, on in (("NX", nx), ("XX", xx), ("CH", ch)) if on]
        return self._call("GEOADD", name, *flags, *values)

    def geodist(
        self, name: KeyT, place1: EncodableT, place2: EncodableT, unit: Optional[str] = None
    ) -> ResponseT:
        """The distance between two places as a ``float`` in ``unit`` (``"m"``, the
        default, ``"km"``, ``"mi"`` or ``"ft"``), or ``None`` if either is missing."""
        argv: list[EncodableT] = ["GEODIST", name, place1, place2]
        if unit:
            if unit not in _UNITS:
                raise DataError("GEODIST invalid unit")
            argv.append(unit)
        return self._call_with(_to_float, *argv)

    def geohash(self, name: KeyT, *values: EncodableT) -> ResponseT:
        """The 11-character geohash of each place (``None`` for a missing one)."""
        return self._call_with(_geohash_reply(self._resp3), "GEOHASH", name, *values)

    def geopos(self, name: KeyT, *values: EncodableT) -> ResponseT:
        """The ``(longitude, latitude)`` of each place (``None`` for a missing one)."""
        return self._call_with(_geopos_reply(self._resp3), "GEOPOS", name, *values)

    def georadius(
        self,
        name: KeyT,
        longitude: float,
        latitude: float,
        radius: float,
        unit: Optional[str] = None,
        withdist: bool = False,
        withcoord: bool = False,
        withhash: bool = False,
        count: Optional[int] = None,
        sort: Optional[str] = None,
        store: Optional[KeyT] = None,
        store_dist: Optional[KeyT] = None,
        any: bool = False,
    ) -> ResponseT:
        """Deprecated by Redis (use :meth:`geosearch`): the places within ``radius``
        ``unit`` (meters by default) of a longitude/latitude, shaped as in
        :meth:`geosearch`; with ``store`` (or ``store_dist``: their distances as scores)
        kept in that sorted set instead, giving their number."""
        center: list[EncodableT] = [name, longitude, latitude]
        return self._georadius(
            "GEORADIUS", center, radius, unit, (withdist, withcoord, withhash),
            count, sort, store, store_dist, any,
        )

    def georadiusbymember(
        self,
        name: KeyT,
        member: EncodableT,
        radius: float,
        unit: Optional[str] = None,
        withdist: bool = False,
        withcoord: bool = False,
        withhash: bool = False,
        count: Optional[int] = None,
        sort: Optional[str] = None,
        store: Optional[KeyT] = None,
        store_dist: Optional[KeyT] = None,
        any: bool = False,
    ) -> ResponseT:
        """As :meth:`georadius`, around the position of the place ``member``."""
        return self._georadius(
            "GEORADIUSBYMEMBER", [name, member], radius, unit, (withdist, withcoord, withhash),
            count, sort, store, store_dist, any,
        )

    def _georadius(
        self,
        command: str,
        center: list[EncodableT],
        radius: float,
        unit: Optional[str],
        withs: tuple[bool, bool, bool],
        count: Optional[int],
        sort: Optional[str],
        store: Optional[KeyT],
        store_dist: Optional[KeyT],
        any: bool,
    ) -> ResponseT:
        if unit and unit not in _UNITS:
            raise DataError("GEORADIUS invalid unit")
        if any and count is None:
            raise DataError("``any`` can't be provided without ``count``")
        argv: list[EncodableT] = [command, *center, radius, unit or "m", *_with_flags(*withs)]
        if count is not None:
            argv += ["COUNT", count]
            if any:
                argv.append("ANY")
        if sort:
            if sort not in ("ASC", "DESC"):
                raise DataError("GEORADIUS invalid sort")
            argv.append(sort)
        if store and store_dist:
            raise DataError("GEORADIUS store and store_dist can't be set together")
        if store:
            argv += ["STORE", store]
        if store_dist:
            argv += ["STOREDIST", store_dist]
        if store or store_dist:
            return self._call(*argv)
        return self._call_with(_places(*withs), *argv)

    def geosearch(
        self,
        name: KeyT,
        member: Optional[EncodableT] = None,
        longitude: Optional[float] = None,
        latitude: Optional[float] = None,
        unit: str = "m",
        radius: Optional[float] = None,
        width: Optional[float] = None,
        height: Optional[float] = None,
        sort: Optional[str] = None,
        count: Optional[int] = None,
        any: bool = False,
        withcoord: bool = False,
        withdist: bool = False,
        withhash: bool = False,
    ) -> ResponseT:
        """The places within a circle (``radius``) or a box (``width`` x ``height``), in
        ``unit``, around the place ``member`` or a ``longitude``/``latitude``; ``sort``
        ``"ASC"``/``"DESC"`` by distance, at most ``count`` (``any``: the first found).
        Their names, or with ``withdist``/``withhash``/``withcoord`` one list per place:
        ``[name, float dist, int hash, (float lon, float lat)]`` (the parts asked for)."""
        argv = _search_argv(
            "GEOSEARCH", [name], member, longitude, latitude, unit, radius, width, height,
            sort, count, any,
        )
        argv += _with_flags(withdist, withcoord, withhash)
        return self._call_with(_places(withdist, withcoord, withhash), *argv)

    def geosearchstore(
        self,
        dest: KeyT,
        name: KeyT,
        member: Optional[EncodableT] = None,
        longitude: Optional[float] = None,
        latitude: Optional[float] = None,
        unit: str = "m",
        radius: Optional[float] = None,
        width: Optional[float] = None,
        height: Optional[float] = None,
        sort: Optional[str] = None,
        count: Optional[int] = None,
        any: bool = False,
        storedist: bool = False,
    ) -> ResponseT:
        """As :meth:`geosearch`, keeping the places in the sorted set ``dest`` (one slot
        with ``name``) with their positions, or with ``storedist`` their distances, as
        scores; their number."""
        argv = _search_argv(
            "GEOSEARCHSTORE", [dest, name], member, longitude, latitude, unit, radius, width,
            height, sort, count, any,
        )
        if storedist:
            argv.append("STOREDIST")
        return self._call(*argv)


def _search_argv(
    command: str,
    keys: list[EncodableT],
    member: Optional[EncodableT],
    longitude: Optional[float],
    latitude: Optional[float],
    unit: Optional[str],
    radius: Optional[float],
    width: Optional[float],
    height: Optional[float],
    sort: Optional[str],
    count: Optional[int],
    any: bool,
) -> list[EncodableT]:
    """GEOSEARCH(STORE)'s argv up to its WITH/STOREDIST options, with redis-py's checks
    (and its truthiness: a ``0`` radius, width, height or count counts as not given)."""
    argv: list[EncodableT] = [command, *keys]
    if member is None and (longitude is None or latitude is None):
        raise DataError("GEOSEARCH must have member or longitude and latitude")
    if member:
        if longitude or latitude:
            raise DataError("GEOSEARCH member and longitude or latitude can't be set together")
        argv += ["FROMMEMBER", member]
    if longitude is not None and latitude is not None:
        argv += ["FROMLONLAT", longitude, latitude]
    if radius is None and (width is None or height is None):
        raise DataError("GEOSEARCH must have radius or width and height")
    if unit is None:
        raise DataError("GEOSEARCH must have unit")
    if unit.lower() not in _UNITS:
        raise DataError("GEOSEARCH invalid unit")
    if radius:
        if width or height:
            raise DataError("GEOSEARCH radius and width or height can't be set together")
        argv += ["BYRADIUS", radius, unit]
    if width and height:
        argv += ["BYBOX", width, height, unit]
    if sort:
        if sort.upper() not in ("ASC", "DESC"):
            raise DataError("GEOSEARCH invalid sort")
        argv.append(sort.upper())
    if count:
        argv += ["COUNT", count]
        if any:
            argv.append("ANY")
    elif any:
        raise DataError("GEOSEARCH ``any`` can't be provided without count")
    return argv

"""Strings: GET, SET and friends."""

from __future__ import annotations

from typing import Iterable, Mapping, Optional, Union

from ..exceptions import DataError
from ._base import CommandsBase, EncodableT, ExpiryT, KeyT, ResponseT, _list_or_args, _millis, _seconds


class StringCommands(CommandsBase):
    """Strings: GET, SET and friends."""

    def get(self, name: KeyT) -> ResponseT:
        """The value of ``name``, or ``None``."""
        return self._call("GET", name)

    def set(
        self,
        name: KeyT,
        value: EncodableT,
        ex: Optional[ExpiryT] = None,
        px: Optional[ExpiryT] = None,
        nx: bool = False,
        xx: bool = False,
        keepttl: bool = False,
        get: bool = False,
        exat: Optional[int] = None,
        pxat: Optional[int] = None,
    ) -> ResponseT:
        """Sets ``name``: ``True``, or ``None`` when NX/XX prevented it (with ``get=True``,
        the old value)."""
        if ex is None and px is None and exat is None and pxat is None:
            if not (nx or xx or keepttl or get):
                return self._call("SET", name, value)  # the common case, kept short
        args: list[EncodableT] = ["SET", name, value]
        if ex is not None:
            args += ["EX", _seconds(ex)]
        if px is not None:
            args += ["PX", _millis(px)]
        if exat is not None:
            args += ["EXAT", exat]
        if pxat is not None:
            args += ["PXAT", pxat]
        if keepttl:
            args.append("KEEPTTL")
        if nx and xx:
            raise DataError("``nx`` and ``xx`` are mutually exclusive")
        if nx:
            args.append("NX")
        if xx:
            args.append("XX")
        if get:
            args.append("GET")
        return self._call(*args)

    def setex(self, name: KeyT, time: ExpiryT, value: EncodableT) -> ResponseT:
        """``SETEX``: sets with a timeout in seconds; ``True``."""
        return self._call("SETEX", name, _seconds(time), value)

    def setnx(self, name: KeyT, value: EncodableT) -> ResponseT:
        """``SETNX``: ``True`` if the key was set."""
        return self._call("SETNX", name, value)

    def mget(self, keys: Union[KeyT, Iterable[KeyT]], *args: EncodableT) -> ResponseT:
        """Values of many keys (any slots), in order; ``None`` for missing keys. ``keys`` is
        one key or an iterable of keys, ``args`` more keys (``mget("a")``,
        ``mget(["a", "b"], "c")``)."""
        return self._call("MGET", *_list_or_args(keys, args))

    def mset(self, mapping: Mapping[KeyT, EncodableT]) -> ResponseT:
        """Sets many keys (any slots); ``True``."""
        items: list[EncodableT] = ["MSET"]
        for k, v in mapping.items():
            items += [k, v]
        return self._call(*items)

    def incr(self, name: KeyT, amount: int = 1) -> ResponseT:
        """Increments by ``amount``; the new value."""
        return self._call("INCRBY", name, amount)

    def incrby(self, name: KeyT, amount: int = 1) -> ResponseT:
        """Increments by ``amount``; the new value."""
        return self._call("INCRBY", name, amount)

    def decr(self, name: KeyT, amount: int = 1) -> ResponseT:
        """Decrements by ``amount``; the new value."""
        return self._call("DECRBY", name, amount)

    def decrby(self, name: KeyT, amount: int = 1) -> ResponseT:
        """Decrements by ``amount``; the new value."""
        return self._call("DECRBY", name, amount)

    def incrbyfloat(self, name: KeyT, amount: float = 1.0) -> ResponseT:
        """Increments by a float; the new value as ``float``."""
        return self._call("INCRBYFLOAT", name, amount)

    def append(self, key: KeyT, value: EncodableT) -> ResponseT:
        """Appends to a string; the new length."""
        return self._call("APPEND", key, value)

    def strlen(self, name: KeyT) -> ResponseT:
        """Length of the string value."""
        return self._call("STRLEN", name)

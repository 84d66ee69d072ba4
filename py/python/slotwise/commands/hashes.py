"""Hashes: HSET, HGET, HGETALL..."""

from __future__ import annotations

from typing import Iterable, Mapping, Optional, Union

from ..exceptions import DataError
from ._base import CommandsBase, EncodableT, KeyT, ResponseT, _list_or_args


class HashCommands(CommandsBase):
    """Hashes: HSET, HGET, HGETALL..."""

    def hget(self, name: KeyT, key: EncodableT) -> ResponseT:
        """A field's value, or ``None``."""
        return self._call("HGET", name, key)

    def hset(
        self,
        name: KeyT,
        key: Optional[EncodableT] = None,
        value: Optional[EncodableT] = None,
        mapping: Optional[Mapping[EncodableT, EncodableT]] = None,
        items: Optional[list[EncodableT]] = None,
    ) -> ResponseT:
        """Sets fields (``key``/``value``, ``mapping`` and/or flat ``items``); the number of
        fields added."""
        if key is None and not mapping and not items:
            raise DataError("'hset' with no key value pairs")
        args: list[EncodableT] = ["HSET", name]
        if key is not None:
            if value is None:
                raise DataError("'hset' needs a value with the key")
            args += [key, value]
        if items:
            args.extend(items)
        if mapping:
            for k, v in mapping.items():
                args += [k, v]
        return self._call(*args)

    def hgetall(self, name: KeyT) -> ResponseT:
        """Every field and value as a ``dict``."""
        return self._call("HGETALL", name)

    def hmget(
        self, name: KeyT, keys: Union[EncodableT, Iterable[EncodableT]], *args: EncodableT
    ) -> ResponseT:
        """Values of many fields, in order: ``keys`` is one field or an iterable of fields,
        ``args`` more fields (``hmget("h", "f")``, ``hmget("h", ["f", "g"], "i")``)."""
        return self._call("HMGET", name, *_list_or_args(keys, args))

    def hdel(self, name: KeyT, *keys: EncodableT) -> ResponseT:
        """Deletes fields; the number deleted."""
        return self._call("HDEL", name, *keys)

    def hlen(self, name: KeyT) -> ResponseT:
        """Number of fields."""
        return self._call("HLEN", name)

    def hincrby(self, name: KeyT, key: EncodableT, amount: int = 1) -> ResponseT:
        """Increments a field; the new value."""
        return self._call("HINCRBY", name, key, amount)

    def hexists(self, name: KeyT, key: EncodableT) -> ResponseT:
        """``True`` if the field exists."""
        return self._call("HEXISTS", name, key)

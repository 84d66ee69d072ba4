"""Sets: SADD, SMEMBERS, SINTER..."""

from __future__ import annotations

from ._base import CommandsBase, EncodableT, KeyT, KeysT, ResponseT, _list_or_args


class SetCommands(CommandsBase):
    """Sets: SADD, SMEMBERS, SINTER..."""

    def sadd(self, name: KeyT, *values: EncodableT) -> ResponseT:
        """Adds members; the number added."""
        return self._call("SADD", name, *values)

    def srem(self, name: KeyT, *values: EncodableT) -> ResponseT:
        """Removes members; the number removed."""
        return self._call("SREM", name, *values)

    def smembers(self, name: KeyT) -> ResponseT:
        """Every member as a ``set``."""
        return self._call("SMEMBERS", name)

    def sismember(self, name: KeyT, value: EncodableT) -> ResponseT:
        """``True`` if ``value`` is a member."""
        return self._call("SISMEMBER", name, value)

    def scard(self, name: KeyT) -> ResponseT:
        """Number of members."""
        return self._call("SCARD", name)

    def sinter(self, keys: KeysT, *args: KeyT) -> ResponseT:
        """Members in every set, as a ``set``: ``keys`` is one key or an iterable of keys,
        ``args`` more keys (all in one slot)."""
        return self._call("SINTER", *_list_or_args(keys, args))

    def sunion(self, keys: KeysT, *args: KeyT) -> ResponseT:
        """Members in any of the sets, as a ``set`` (keys as for :meth:`sinter`)."""
        return self._call("SUNION", *_list_or_args(keys, args))

    def sdiff(self, keys: KeysT, *args: KeyT) -> ResponseT:
        """Members of the first set in none of the others, as a ``set`` (keys as for
        :meth:`sinter`)."""
        return self._call("SDIFF", *_list_or_args(keys, args))

    def sinterstore(self, dest: KeyT, keys: KeysT, *args: KeyT) -> ResponseT:
        """Stores :meth:`sinter` of the keys in ``dest`` (same slot); its size."""
        return self._call("SINTERSTORE", dest, *_list_or_args(keys, args))

    def sunionstore(self, dest: KeyT, keys: KeysT, *args: KeyT) -> ResponseT:
        """Stores :meth:`sunion` of the keys in ``dest`` (same slot); its size."""
        return self._call("SUNIONSTORE", dest, *_list_or_args(keys, args))

    def sdiffstore(self, dest: KeyT, keys: KeysT, *args: KeyT) -> ResponseT:
        """Stores :meth:`sdiff` of the keys in ``dest`` (same slot); its size."""
        return self._call("SDIFFSTORE", dest, *_list_or_args(keys, args))

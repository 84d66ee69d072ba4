"""Keys of any type: DEL, EXISTS, EXPIRE, TTL, RENAME, KEYS..."""

from __future__ import annotations

from ._base import CommandsBase, EncodableT, ExpiryT, KeyT, ResponseT, _millis, _seconds


class KeyCommands(CommandsBase):
    """Keys of any type: DEL, EXISTS, EXPIRE, TTL, RENAME, KEYS..."""

    def delete(self, *names: KeyT) -> ResponseT:
        """Deletes keys (any slots), each its own argument (``delete(*keys)``, as in
        redis-py); the number deleted."""
        return self._call("DEL", *names)

    def unlink(self, *names: KeyT) -> ResponseT:
        """Unlinks keys (any slots), each its own argument; the number unlinked."""
        return self._call("UNLINK", *names)

    def exists(self, *names: KeyT) -> ResponseT:
        """How many of the keys (any slots), each its own argument, exist."""
        return self._call("EXISTS", *names)

    def touch(self, *args: KeyT) -> ResponseT:
        """Updates the last access time of keys (any slots), each its own argument; the
        number of keys that exist."""
        return self._call("TOUCH", *args)

    def expire(
        self,
        name: KeyT,
        time: ExpiryT,
        nx: bool = False,
        xx: bool = False,
        gt: bool = False,
        lt: bool = False,
    ) -> ResponseT:
        """Sets a timeout in seconds; ``True`` if it was set."""
        args: list[EncodableT] = ["EXPIRE", name, _seconds(time)]
        for flag, word in ((nx, "NX"), (xx, "XX"), (gt, "GT"), (lt, "LT")):
            if flag:
                args.append(word)
        return self._call(*args)

    def pexpire(self, name: KeyT, time: ExpiryT) -> ResponseT:
        """Sets a timeout in milliseconds; ``True`` if it was set."""
        return self._call("PEXPIRE", name, _millis(time))

    def persist(self, name: KeyT) -> ResponseT:
        """Removes the timeout; ``True`` if there was one."""
        return self._call("PERSIST", name)

    def ttl(self, name: KeyT) -> ResponseT:
        """Seconds to live (-1 without timeout, -2 for a missing key)."""
        return self._call("TTL", name)

    def pttl(self, name: KeyT) -> ResponseT:
        """Milliseconds to live (-1 without timeout, -2 for a missing key)."""
        return self._call("PTTL", name)

    def type(self, name: KeyT) -> ResponseT:
        """The type of the value at ``name`` (``b"string"``, ``b"none"``...)."""
        return self._call("TYPE", name)

    def rename(self, src: KeyT, dst: KeyT) -> ResponseT:
        """Renames a key (both keys in one slot); ``True``."""
        return self._call("RENAME", src, dst)

    def keys(self, pattern: KeyT = "*") -> ResponseT:
        """Keys matching ``pattern`` on every primary (use :meth:`scan_iter` in production)."""
        return self._call("KEYS", pattern)

    def dbsize(self) -> ResponseT:
        """Number of keys in the cluster (summed over the primaries)."""
        return self._call("DBSIZE")

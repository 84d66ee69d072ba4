"""Bitmaps: SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP and BITFIELD (with redis-py's
:class:`BitFieldOperation` builder)."""

from __future__ import annotations

from typing import Optional, Union

from ..exceptions import DataError
from ._base import CommandsBase, EncodableT, KeyT, ResponseT

#: A BITFIELD offset: a bit number, or ``"#n"`` for the n-th field of the type's width.
BitfieldOffsetT = Union[int, str]

class BitFieldOperation:
    """Builds one BITFIELD command (``rc.bitfield(key)``): chain :meth:`get`, :meth:`set`,
    :meth:`incrby`, :meth:`overflow`, then :meth:`execute` sends it and returns the list
    of results (on the asyncio client, an awaitable; on a pipeline, the pipeline)."""

    def __init__(
        self, client: CommandsBase, key: KeyT, default_overflow: Optional[str] = None
    ) -> None:
        self.client = client
        self.key = key
        self._default_overflow = default_overflow
        self.operations: list[tuple[EncodableT, ...]] = []
        self._last_overflow = "WRAP"
        self.reset()

    def reset(self) -> None:
        """Drops the queued operations (the default overflow applies again)."""
        self.operations = []
        self._last_overflow = "WRAP"
        self.overflow(self._default_overflow or self._last_overflow)

    def overflow(self, overflow: str) -> "BitFieldOperation":
        """The overflow rule of the following ``set``/``incrby``: ``WRAP``, ``SAT`` or
        ``FAIL`` (another word is refused by the server when the command runs)."""
        if not isinstance(overflow, str):
            raise DataError(f"bitfield overflow={overflow!r}: use 'WRAP', 'SAT' or 'FAIL'")
        overflow = overflow.upper()
        if overflow != self._last_overflow:
            self._last_overflow = overflow
            self.operations.append(("OVERFLOW", overflow))
        return self

    def incrby(
        self,
        fmt: str,
        offset: BitfieldOffsetT,
        increment: int,
        overflow: Optional[str] = None,
    ) -> "BitFieldOperation":
        """Adds ``increment`` to the field ``fmt`` (``"u8"``, ``"i16"``...) at ``offset``;
        its result is the new value (``None`` when ``FAIL`` refused an overflow)."""
        if overflow is not None:
            self.overflow(overflow)
        self.operations.append(("INCRBY", fmt, offset, increment))
        return self

    def get(self, fmt: str, offset: BitfieldOffsetT) -> "BitFieldOperation":
        """Reads the field ``fmt`` at ``offset``."""
        self.operations.append(("GET", fmt, offset))
        return self

    def set(self, fmt: str, offset: BitfieldOffsetT, value: int) -> "BitFieldOperation":
        """Writes ``value`` into the field ``fmt`` at ``offset``; its result is the old
        value."""
        self.operations.append(("SET", fmt, offset, value))
        return self

    @property
    def command(self) -> list[EncodableT]:
        """The argv this builder sends."""
        cmd: list[EncodableT] = ["BITFIELD", self.key]
        for op in self.operations:
            cmd.extend(op)
        return cmd

    def execute(self) -> ResponseT:
        """Sends the command (then resets the builder): a list with one result per
        ``get``/``set``/``incrby``."""
        command = self.command
        self.reset()
        return self.client.execute_command(*command)


class BitmapCommands(CommandsBase):
    """Bitmaps: SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP, BITFIELD."""

    def setbit(self, name: KeyT, offset: int, value: int) -> ResponseT:
        """Sets the bit at ``offset`` to ``value`` (any truthy value is 1); the old bit."""
        return self._call("SETBIT", name, offset, 1 if value else 0)

    def getbit(self, name: KeyT, offset: int) -> ResponseT:
        """The bit at ``offset`` (0 beyond the end)."""
        return self._call("GETBIT", name, offset)

    def bitcount(
        self,
        key: KeyT,
        start: Optional[int] = None,
        end: Optional[int] = None,
        mode: Optional[str] = None,
    ) -> ResponseT:
        """The number of set bits, in ``start``..``end`` (both or neither; bytes, or bits
        with ``mode="BIT"``)."""
        args: list[EncodableT] = ["BITCOUNT", key]
        if start is not None and end is not None:
            args += [start, end]
        elif start is not None or end is not None:
            raise DataError("bitcount(): give both start and end, or neither")
        if mode is not None:
            args.append(mode)
        return self._call(*args)

    def bitpos(
        self,
        key: KeyT,
        bit: int,
        start: Optional[int] = None,
        end: Optional[int] = None,
        mode: Optional[str] = None,
    ) -> ResponseT:
        """The position of the first ``bit`` (0 or 1), from ``start`` up to ``end`` (bytes,
        or bits with ``mode="BIT"``); -1 when there is none."""
        if bit not in (0, 1):
            raise DataError(f"bitpos(): bit={bit!r}: bit must be 0 or 1")
        args: list[EncodableT] = ["BITPOS", key, bit]
        if start is not None:
            args.append(start)
            if end is not None:
                args.append(end)
        elif end is not None:
            raise DataError("bitpos(): end is given without start; give start too")
        if mode is not None:
            args.append(mode)
        return self._call(*args)

    def bitop(self, operation: str, dest: KeyT, *keys: KeyT) -> ResponseT:
        """``operation`` (AND, OR, XOR, NOT) over ``keys`` into ``dest`` (all keys in one
        slot); the length of the result."""
        return self._call("BITOP", operation, dest, *keys)

    def bitfield(self, key: KeyT, default_overflow: Optional[str] = None) -> BitFieldOperation:
        """A :class:`BitFieldOperation` builder for ``key``: ``rc.bitfield("k").set("u8",
        0, 255).get("u8", 0).execute()``."""
        return BitFieldOperation(self, key, default_overflow=default_overflow)

    def bitfield_ro(
        self,
        key: KeyT,
        encoding: str,
        offset: BitfieldOffsetT,
        items: Optional[list[tuple[str, BitfieldOffsetT]]] = None,
    ) -> ResponseT:
        """BITFIELD_RO: reads the field ``encoding`` at ``offset``, then each
        ``(encoding, offset)`` of ``items``; the list of values."""
        args: list[EncodableT] = ["BITFIELD_RO", key, "GET", encoding, offset]
        for enc, off in items or []:
            args += ["GET", enc, off]
        return self._call(*args)

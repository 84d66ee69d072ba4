"""A scripted fake Redis Cluster node: a socket server thread on 127.0.0.1 that owns every
slot itself (it answers CLUSTER SHARDS and CLUSTER SLOTS about itself) and answers every
other command from a script, byte for byte: exact error replies, garbage, or silence.

::

    def script(argv: list[bytes]) -> Optional[bytes]:
        if argv[0].upper() == b"GET":
            return b"-TRYAGAIN Multiple keys request during rehashing of slot\\r\\n"
        return b"+OK\\r\\n"

    with FakeNode(script) as node:
        slotwise.Cluster(startup_nodes=[node.addr]).get("k")  # raises TryAgainError

A script returning ``None`` sends nothing (the request waits for its deadline). Every
command received is recorded in ``node.received`` (topology queries included), so a test can
poll for what the client sent instead of sleeping.
"""

from __future__ import annotations

import socket
import threading
from typing import Any, Callable, Optional

Script = Callable[[list[bytes]], Optional[bytes]]

NODE_ID = b"f" * 40


def encode(v: Any) -> bytes:
    """RESP2: ``int`` as an integer, ``bytes``/``str`` as bulk strings, lists as arrays,
    ``None`` as a nil bulk string."""
    if v is None:
        return b"$-1\r\n"
    if isinstance(v, bool):
        raise TypeError("no booleans in RESP2")
    if isinstance(v, int):
        return b":%d\r\n" % v
    if isinstance(v, str):
        v = v.encode()
    if isinstance(v, bytes):
        return b"$%d\r\n%s\r\n" % (len(v), v)
    if isinstance(v, list):
        return b"*%d\r\n" % len(v) + b"".join(encode(x) for x in v)
    raise TypeError(f"cannot encode {type(v).__name__}")


class FakeNode:
    """One fake node (see the module docstring); ``close()`` (or leaving the ``with``
    block) stops it and drops every connection."""

    def __init__(self, script: Script) -> None:
        self.script = script
        self.received: list[list[bytes]] = []
        self._lock = threading.Lock()
        self._conns: list[socket.socket] = []
        self._closed = threading.Event()
        self._listener = socket.socket()
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self.port: int = self._listener.getsockname()[1]
        self.addr = f"127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def __enter__(self) -> "FakeNode":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._closed.set()
        self._listener.close()
        with self._lock:
            conns, self._conns = self._conns, []
        for c in conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            c.close()

    def commands(self, name: bytes) -> list[list[bytes]]:
        """The commands received so far whose name is ``name`` (any case)."""
        with self._lock:
            return [a for a in self.received if a and a[0].upper() == name.upper()]

    # -- the server ----------------------------------------------------------------------

    def _topology(self, argv: list[bytes]) -> Optional[bytes]:
        if len(argv) < 2 or argv[0].upper() != b"CLUSTER":
            return None
        sub = argv[1].upper()
        if sub == b"SHARDS":
            node = [
                "id", NODE_ID, "port", self.port, "ip", "127.0.0.1", "endpoint", "127.0.0.1",
                "role", "master", "replication-offset", 0, "health", "online",
            ]
            return encode([["slots", [0, 16383], "nodes", [node]]])
        if sub == b"SLOTS":
            return encode([[0, 16383, ["127.0.0.1", self.port, NODE_ID]]])
        return None

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                if self._closed.is_set():
                    conn.close()
                    return
                self._conns.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        buf = b""
        try:
            while True:
                while True:
                    parsed = _parse_command(buf)
                    if parsed is None:
                        break
                    argv, buf = parsed
                    with self._lock:
                        self.received.append(argv)
                    out = self._topology(argv)
                    if out is None:
                        out = self.script(argv)
                    if out is not None:
                        conn.sendall(out)
                chunk = conn.recv(65536)
                if not chunk:
                    return
                buf += chunk
        except OSError:
            return
        finally:
            conn.close()


def _parse_command(buf: bytes) -> Optional[tuple[list[bytes], bytes]]:
    """One RESP array of bulk strings from the front of ``buf`` and the rest, or ``None``
    while incomplete."""
    if not buf.startswith(b"*"):
        if buf:
            raise OSError(f"not a RESP command: {buf[:20]!r}")
        return None
    end = buf.find(b"\r\n")
    if end < 0:
        return None
    n, pos, argv = int(buf[1:end]), end + 2, []
    for _ in range(n):
        end = buf.find(b"\r\n", pos)
        if end < 0:
            return None
        size = int(buf[pos + 1 : end])
        start = end + 2
        if len(buf) < start + size + 2:
            return None
        argv.append(buf[start : start + size])
        pos = start + size + 2
    return argv, buf[pos:]

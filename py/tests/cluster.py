"""Real clusters for the tests: started with ``slotwise-testcluster up`` (the Rust harness),
plus topology changes done with raw commands sent to one node (a tiny RESP client, so the
fixtures do not depend on the client under test): slot migration step by step, resharding
with ``redis-cli --cluster reshard``, and failover."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

ROOT = Path(__file__).resolve().parents[2]


def harness() -> str:
    """The ``slotwise-testcluster`` binary (``SLOTWISE_TESTCLUSTER`` or the debug build)."""
    path = os.environ.get("SLOTWISE_TESTCLUSTER") or str(
        ROOT / "target" / "debug" / "slotwise-testcluster"
    )
    if not os.path.exists(path):
        raise RuntimeError(
            f"{path} is missing: cargo build -p slotwise-testcluster --bin slotwise-testcluster"
        )
    return path


def wait_until(cond: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    """Polls ``cond`` until it holds; fails naming ``what`` after ``timeout`` seconds (a
    bound for a hung test, not a speed expectation)."""
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {timeout}s waiting for {what}")
        time.sleep(0.005)


async def await_until(cond: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    """As :func:`wait_until`, yielding to the event loop between polls."""
    import asyncio

    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {timeout}s waiting for {what}")
        await asyncio.sleep(0.005)


class Raw:
    """One plain connection to one node, speaking RESP2 (for fixtures only)."""

    def __init__(self, addr: str, password: Optional[str] = None, timeout: float = 10.0) -> None:
        host, _, port = addr.rpartition(":")
        self.addr = addr
        self.sock = socket.create_connection((host, int(port)), timeout=timeout)
        self.buf = b""
        if password:
            self.call("AUTH", password)

    def close(self) -> None:
        self.sock.close()

    def __enter__(self) -> "Raw":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def call(self, *args: Any) -> Any:
        out = [b"*%d\r\n" % len(args)]
        for a in args:
            b = a if isinstance(a, bytes) else str(a).encode()
            out.append(b"$%d\r\n%s\r\n" % (len(b), b))
        self.sock.sendall(b"".join(out))
        reply = self._read()
        if isinstance(reply, Exception):
            raise reply
        return reply

    def _line(self) -> bytes:
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError(f"{self.addr} closed the connection")
            self.buf += chunk
        line, _, self.buf = self.buf.partition(b"\r\n")
        return line

    def _read(self) -> Any:
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            return RuntimeError(rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            if n < 0:
                return None
            while len(self.buf) < n + 2:
                chunk = self.sock.recv(65536)
                if not chunk:
                    raise ConnectionError(f"{self.addr} closed the connection")
                self.buf += chunk
            data, self.buf = self.buf[:n], self.buf[n + 2 :]
            return data
        if kind == b"*":
            n = int(rest)
            return None if n < 0 else [self._read() for _ in range(n)]
        raise RuntimeError(f"unexpected reply {line!r}")


@dataclass
class Node:
    addr: str
    port: int
    role: str
    id: str
    pid: int


@dataclass
class Cluster:
    """A running cluster started by the harness; ``down()`` stops it and deletes its files."""

    dir: str
    seeds: list[str]
    nodes: list[Node]
    password: Optional[str] = None
    info: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def up(cls, *extra: str, password: Optional[str] = None) -> "Cluster":
        d = tempfile.mkdtemp(prefix="slotwise-py-")
        os.rmdir(d)  # the harness wants an absent or empty directory it then owns
        args = [harness(), "up", "--json", "--dir", d, *extra]
        if password:
            args += ["--password", password]
        out = subprocess.run(args, check=True, capture_output=True, text=True, timeout=120)
        info = json.loads(out.stdout.strip().splitlines()[-1])
        nodes = [Node(**{k: n[k] for k in ("addr", "port", "role", "id", "pid")}) for n in info["nodes"]]
        return cls(dir=d, seeds=info["seeds"], nodes=nodes, password=password, info=info)

    def down(self) -> None:
        subprocess.run([harness(), "down", "--dir", self.dir], capture_output=True, timeout=60)
        shutil.rmtree(self.dir, ignore_errors=True)

    # -- inspection --------------------------------------------------------------------------

    def raw(self, addr: str) -> Raw:
        return Raw(addr, self.password)

    def shards(self) -> list[dict[str, Any]]:
        """``[{"primary": addr, "primary_id": id, "replicas": [addr], "slots": [(a, b)]}]``
        as one node sees them (CLUSTER SHARDS)."""
        with self.raw(self.seeds[0]) as r:
            raw = r.call("CLUSTER", "SHARDS")
        shards = []
        for s in raw:
            d = dict(zip(s[::2], s[1::2]))
            slots = d[b"slots"]
            ranges = [(int(slots[i]), int(slots[i + 1])) for i in range(0, len(slots), 2)]
            primary, replicas, pid = None, [], None
            for n in d[b"nodes"]:
                nd = dict(zip(n[::2], n[1::2]))
                addr = f"{nd[b'ip'].decode()}:{nd[b'port']}"
                if nd[b"role"] == b"master":
                    primary, pid = addr, nd[b"id"].decode()
                else:
                    replicas.append(addr)
            shards.append({"primary": primary, "primary_id": pid, "replicas": replicas, "slots": ranges})
        return shards

    def owner(self, slot: int) -> dict[str, Any]:
        for s in self.shards():
            if any(a <= slot <= b for a, b in s["slots"]):
                return s
        raise LookupError(f"slot {slot} is not served")

    def primaries(self) -> list[str]:
        return [s["primary"] for s in self.shards() if s["slots"]]

    def blocked_clients(self, addr: str) -> int:
        """How many clients ``addr`` has parked in a blocking command (INFO clients)."""
        with self.raw(addr) as r:
            text = r.call("INFO", "clients").decode()
        return int(text.split("blocked_clients:", 1)[1].split()[0])

    def keyslot(self, key: str) -> int:
        with self.raw(self.seeds[0]) as r:
            return int(r.call("CLUSTER", "KEYSLOT", key))

    # -- topology changes --------------------------------------------------------------------

    def begin_migration(self, slot: int, dst: dict[str, Any]) -> dict[str, Any]:
        """Marks ``slot`` MIGRATING on its owner and IMPORTING on ``dst``; returns the source."""
        src = self.owner(slot)
        with self.raw(dst["primary"]) as r:
            r.call("CLUSTER", "SETSLOT", slot, "IMPORTING", src["primary_id"])
        with self.raw(src["primary"]) as r:
            r.call("CLUSTER", "SETSLOT", slot, "MIGRATING", dst["primary_id"])
        return src

    def migrate_keys(self, slot: int, src: dict[str, Any], dst: dict[str, Any], keys: list[str]) -> None:
        host, _, port = dst["primary"].rpartition(":")
        args: list[Any] = ["MIGRATE", host, port, "", 0, 5000]
        if self.password:
            args += ["AUTH", self.password]
        with self.raw(src["primary"]) as r:
            r.call(*args, "KEYS", *keys)

    def finish_migration(self, slot: int, src: dict[str, Any], dst: dict[str, Any]) -> None:
        """Moves the slot's remaining keys and assigns it to ``dst`` everywhere."""
        with self.raw(src["primary"]) as r:
            while True:
                keys = r.call("CLUSTER", "GETKEYSINSLOT", slot, 100)
                if not keys:
                    break
                self.migrate_keys(slot, src, dst, [k.decode() for k in keys])
        for addr in (dst["primary"], src["primary"]):
            with self.raw(addr) as r:
                r.call("CLUSTER", "SETSLOT", slot, "NODE", dst["primary_id"])
        for n in self.nodes:
            if n.addr not in (dst["primary"], src["primary"]):
                try:
                    with self.raw(n.addr) as r:
                        r.call("CLUSTER", "SETSLOT", slot, "NODE", dst["primary_id"])
                except Exception:
                    pass  # a replica may refuse; gossip spreads the new owner anyway

    def reshard(self, src: dict[str, Any], dst: dict[str, Any], slots: int) -> None:
        """Moves ``slots`` slots from ``src`` to ``dst`` with ``redis-cli --cluster reshard``
        (live: keys migrate in batches while clients run)."""
        cmd = [
            shutil.which("redis-cli") or "redis-cli",
            "--cluster", "reshard", src["primary"],
            "--cluster-from", src["primary_id"],
            "--cluster-to", dst["primary_id"],
            "--cluster-slots", str(slots),
            "--cluster-yes",
            "--cluster-pipeline", "50",
        ]
        if self.password:
            cmd[1:1] = ["-a", self.password, "--no-auth-warning"]
        subprocess.run(cmd, check=True, capture_output=True, timeout=180)

    def failover(self, shard: dict[str, Any], timeout: float = 60.0) -> str:
        """Promotes the shard's replica with a coordinated ``CLUSTER FAILOVER`` (the primary
        pauses writes until the replica has caught up, so no acknowledged write is lost) and
        waits until every node agrees; returns the new primary's address.

        A coordinated failover that does not complete within Redis's 5 s manual-failover
        limit (a loaded machine, an election right after a reshard) is aborted by the nodes
        and asked for again. Never FORCE: that may drop acknowledged writes, which the
        zero-error tests would then rightly report."""
        replica: str = shard["replicas"][0]
        start = time.monotonic()
        asked = None
        while time.monotonic() - start < timeout:
            if asked is None or time.monotonic() - asked > 6:
                with self.raw(replica) as r:
                    r.call("CLUSTER", "FAILOVER")
                asked = time.monotonic()
            try:
                views = []
                for n in self.nodes:
                    with self.raw(n.addr) as r:
                        views.append(r.call("CLUSTER", "NODES"))
                if all(_role(v, replica) == "master" for v in views):
                    return replica
            except (OSError, RuntimeError):
                pass
            time.sleep(0.1)
        raise TimeoutError(f"{replica} did not become primary within {timeout}s")

    def wait_stable(self, timeout: float = 30.0) -> None:
        """Waits until every node reports cluster_state:ok and the same slot owners."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                states, maps = [], []
                for n in self.nodes:
                    with self.raw(n.addr) as r:
                        states.append(b"cluster_state:ok" in r.call("CLUSTER", "INFO"))
                        maps.append(sorted(
                            (s[0], s[1], s[2][1]) for s in r.call("CLUSTER", "SLOTS")
                        ))
                if all(states) and all(m == maps[0] for m in maps):
                    return
            except (OSError, RuntimeError):
                pass
            time.sleep(0.1)
        raise TimeoutError("cluster did not settle")


def _role(nodes_text: bytes, addr: str) -> str:
    for line in nodes_text.decode().splitlines():
        parts = line.split()
        if parts[1].split("@")[0] == addr:
            flags = parts[2].split(",")
            return "master" if "master" in flags else "replica"
    return "unknown"


def key_in_slot_owned_by(cluster: Cluster, primary: str, prefix: str) -> str:
    """A key named ``prefix<n>`` whose slot ``primary`` serves."""
    ranges = next(s["slots"] for s in cluster.shards() if s["primary"] == primary)
    with cluster.raw(cluster.seeds[0]) as r:
        for i in range(100000):
            k = f"{prefix}{i}"
            slot = int(r.call("CLUSTER", "KEYSLOT", k))
            if any(a <= slot <= b for a, b in ranges):
                return k
    raise LookupError(primary)

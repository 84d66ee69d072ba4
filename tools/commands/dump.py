#!/usr/bin/env python3
"""Dumps the command table of the local redis-server into core/data/commands/redis-<v>.json.

Starts a throwaway cluster-enabled redis-server (so the CLUSTER subcommands are present) on a
free loopback port, in a temporary directory and without persistence, reads `COMMAND` (the
same as `COMMAND INFO` for every command) and `COMMAND DOCS` over RESP3, merges them and
writes them normalised: commands and subcommands keyed by upper-case name, flag sets sorted,
objects' keys sorted, so that dumping the same server twice gives identical bytes.

Usage: dump.py [--server redis-server] [--out core/data/commands]   (python3 stdlib only)
"""

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time


class Resp:
    """A minimal blocking RESP3 client: enough for HELLO 3, COMMAND and COMMAND DOCS."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.buf = self.sock.makefile("rb")

    def call(self, *args):
        out = b"*%d\r\n" % len(args)
        for a in args:
            a = a.encode() if isinstance(a, str) else a
            out += b"$%d\r\n%s\r\n" % (len(a), a)
        self.sock.sendall(out)
        return self.read()

    def line(self):
        line = self.buf.readline()
        if not line.endswith(b"\r\n"):
            raise ConnectionError("connection closed mid-reply")
        return line[:-2]

    def read(self):
        line = self.line()
        kind, rest = line[:1], line[1:]
        if kind in (b"+",):
            return rest.decode()
        if kind in (b"-", b"!"):
            raise RuntimeError("server error: %s" % rest.decode(errors="replace"))
        if kind == b":":
            return int(rest)
        if kind == b",":
            return float(rest)
        if kind == b"#":
            return rest == b"t"
        if kind == b"_":
            return None
        if kind in (b"$", b"="):
            n = int(rest)
            if n < 0:
                return None
            data = self.buf.read(n + 2)[:-2]
            return (data[4:] if kind == b"=" else data).decode()
        if kind in (b"*", b"~", b">"):
            n = int(rest)
            return None if n < 0 else [self.read() for _ in range(n)]
        if kind == b"%":
            return {self.read(): self.read() for _ in range(int(rest))}
        raise RuntimeError("unexpected RESP type byte %r" % kind)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(server, workdir):
    """Starts redis-server; returns (process, port). Retries when the port was taken."""
    for _ in range(5):
        port = free_port()
        args = [
            server, "--port", str(port), "--bind", "127.0.0.1", "--dir", workdir,
            "--cluster-enabled", "yes", "--cluster-config-file", "nodes-%d.conf" % port,
            "--save", "", "--appendonly", "no", "--daemonize", "no",
            "--logfile", os.path.join(workdir, "redis-%d.log" % port),
        ]
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                Resp(port).call("PING")
                return proc, port
            except OSError:
                time.sleep(0.05)
        proc.kill()
        proc.wait()
    raise RuntimeError("could not start %s (see the logs in %s)" % (server, workdir))


def sorted_set(values):
    return sorted(values) if values else []


def key_spec(spec):
    out = dict(spec)
    out["flags"] = sorted_set(spec.get("flags"))
    return out


def info_entry(info):
    """One `COMMAND INFO` entry (positional array) as an object; subcommands keyed by name."""
    name, arity, flags, first, last, step, acl, tips, specs, subs = info
    entry = {
        "arity": arity,
        "flags": sorted_set(flags),
        "first_key": first,
        "last_key": last,
        "key_step": step,
        "acl_categories": sorted(c.lstrip("@") for c in acl or []),
        "tips": list(tips or []),
        "key_specs": [key_spec(s) for s in specs or []],
    }
    if subs:
        entry["subcommands"] = {
            s[0].split("|", 1)[1].upper(): info_entry(s)[1] for s in subs
        }
    return name.upper(), entry


def doc_args(args):
    out = []
    for a in args or []:
        a = dict(a)
        if "flags" in a:
            a["flags"] = sorted_set(a["flags"])
        if "arguments" in a:
            a["arguments"] = doc_args(a["arguments"])
        out.append(a)
    return out


def merge_docs(entry, docs):
    for field in ("summary", "since", "group", "complexity", "deprecated_since", "replaced_by"):
        if field in docs:
            entry[field] = docs[field]
    if docs.get("doc_flags"):
        entry["doc_flags"] = sorted_set(docs["doc_flags"])
    if docs.get("history"):
        entry["history"] = [list(h) for h in docs["history"]]
    if docs.get("arguments"):
        entry["arguments"] = doc_args(docs["arguments"])
    for full, sub_docs in (docs.get("subcommands") or {}).items():
        sub = full.split("|", 1)[1].upper()
        if sub not in entry.get("subcommands", {}):
            raise RuntimeError("COMMAND DOCS has %s but COMMAND INFO does not" % full)
        merge_docs(entry["subcommands"][sub], sub_docs)


def dump(port):
    conn = Resp(port)
    conn.call("HELLO", "3")
    version = conn.call("INFO", "server")
    version = next(
        line.split(":", 1)[1].strip()
        for line in version.splitlines()
        if line.startswith("redis_version:")
    )
    commands = dict(info_entry(c) for c in conn.call("COMMAND"))
    for name, docs in conn.call("COMMAND", "DOCS").items():
        merge_docs(commands[name.upper()], docs)
    return version, commands


def to_json(value, indent=""):
    """Stable, diff-friendly JSON: objects' keys sorted one per line, lists of scalars inline."""
    inner = indent + " "
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = ",\n".join(
            inner + json.dumps(k) + ": " + to_json(value[k], inner) for k in sorted(value)
        )
        return "{\n" + items + "\n" + indent + "}"
    if isinstance(value, list) and any(isinstance(v, (dict, list)) for v in value):
        return "[\n" + ",\n".join(inner + to_json(v, inner) for v in value) + "\n" + indent + "]"
    return json.dumps(value, ensure_ascii=False)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--server", default="redis-server")
    p.add_argument("--out", default="core/data/commands")
    opts = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="slotwise-command-dump-") as workdir:
        proc, port = start_server(opts.server, workdir)
        try:
            version, commands = dump(port)
        finally:
            proc.terminate()
            proc.wait()
    major_minor = ".".join(version.split(".")[:2])
    path = os.path.join(opts.out, "redis-%s.json" % major_minor)
    doc = {
        "source": "COMMAND and COMMAND DOCS of redis-server %s (tools/commands/dump.py)"
        % version,
        "server_version": version,
        "commands": commands,
    }
    os.makedirs(opts.out, exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(to_json(doc) + "\n")
    subs = sum(len(c.get("subcommands", {})) for c in commands.values())
    print("wrote %s: %d commands, %d subcommands" % (path, len(commands), subs))


if __name__ == "__main__":
    sys.exit(main())

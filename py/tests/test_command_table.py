"""The Python face checked against the command table (core/data/commands, the data every
face is generated from or checked against): every command a method sends is a command of
the table, a container command's literal subcommand is one of its subcommands, and every
command of the table that the face does not send is listed here with the reason.

The commands are read from the method bodies (``self._call("ZADD", ...)``, ``args = ["XADD",
name]``...), not from a list kept beside them, so a method added or renamed is seen.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Optional

import pytest

import slotwise.commands

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "core" / "data" / "commands"
SOURCES = sorted(Path(slotwise.commands.__file__).parent.glob("*.py"))

#: Commands of the table no method sends, and why.
NOT_SENT: dict[str, str] = {
    # Sent by the core, not by a command method.
    "ASKING": "the router sends it before a command redirected by -ASK",
    "MULTI": "pipeline(transaction=True) / watch sessions (the core's transactions)",
    "EXEC": "pipeline(transaction=True) / watch sessions (the core's transactions)",
    "DISCARD": "pipelines: an unexecuted transaction is never sent",
    "WATCH": "pipe.watch() (the core's watch sessions)",
    "UNWATCH": "pipe.unwatch() ends the watch session (its connection)",
    "CLIENT CAPA": "Valkey's redirect capability: not used",
    "CLIENT CACHING": "client-side caching: refused (cache= is refused)",
    "CLIENT TRACKING": "client-side caching: client_tracking*() are refused on shared connections",
    "CLIENT REPLY": "client_reply() is refused: OFF/SKIP desynchronise a shared connection",
    "MONITOR": "monitor() is refused (a connection of its own; redis-py's needs one too)",
    "AUTH": "credentials are options (password=, username=), sent on every connection",
    "HELLO": "protocol= chooses RESP3 for every connection; hello() raises as RedisCluster's",
    "SELECT": "a cluster has database 0 only: select() is refused",
    "QUIT": "close() ends the client; quit() is refused on shared connections",
    "RESET": "reset() is refused: it would reset a shared connection",
    "FAILOVER": "failover() raises NotImplementedError, as RedisCluster's (use cluster_failover)",
    "SYNC": "replication protocol: sync() is refused",
    "PSYNC": "replication protocol: psync() is refused",
    # Pub/Sub: issue 15 (publish, spublish and the PUBSUB queries are sent).
    "SUBSCRIBE": "pub/sub: a later issue",
    "PSUBSCRIBE": "pub/sub: a later issue",
    "SSUBSCRIBE": "pub/sub: a later issue",
    "UNSUBSCRIBE": "pub/sub: a later issue",
    "PUNSUBSCRIBE": "pub/sub: a later issue",
    "SUNSUBSCRIBE": "pub/sub: a later issue",
    # redis-py has no method for these, or raises NotImplementedError as RedisCluster does.
    "INCR": "incr()/decr() send INCRBY/DECRBY with their amount, as redis-py",
    "DECR": "incr()/decr() send INCRBY/DECRBY with their amount, as redis-py",
    "OBJECT": "object(infotype, key) sends the subcommand the caller names",
    "GEORADIUS_RO": "redis-py has no method; georadius() sends GEORADIUS",
    "GEORADIUSBYMEMBER_RO": "redis-py has no method; georadiusbymember() sends GEORADIUSBYMEMBER",
    "XSETID": "redis-py has no method (execute_command sends it)",
    "HIMPORT DISCARDALL": "redis-py has no method for it (himport_discard_all sends DISCARD per fieldset)",
    "CLUSTER BUMPEPOCH": "cluster_bumpepoch() raises NotImplementedError, as RedisCluster's",
    "CLUSTER FLUSHSLOTS": "cluster_flushslots() raises NotImplementedError, as RedisCluster's",
    "CLUSTER FORGET": "redis-py has no cluster method (execute_command sends it)",
    "CLUSTER SLAVES": "cluster_replicas() sends CLUSTER REPLICAS (SLAVES is its old name)",
    "CLUSTER SLOT-STATS": "redis-py has no method (execute_command sends it)",
    "COMMAND DOCS": "command_docs() raises NotImplementedError, as redis-py's",
    "COMMAND INFO": "command_info() raises NotImplementedError, as redis-py's",
    "LATENCY DOCTOR": "latency_doctor() raises NotImplementedError, as redis-py's",
    "LATENCY GRAPH": "latency_graph() raises NotImplementedError, as redis-py's",
    "LATENCY HISTOGRAM": "latency_histogram() raises NotImplementedError, as redis-py's",
    "MEMORY DOCTOR": "memory_doctor() raises NotImplementedError, as redis-py's",
    "SCRIPT DEBUG": "script_debug() raises NotImplementedError, as redis-py's (interactive)",
    # Internal to servers.
    "PFDEBUG": "internal (HyperLogLog debugging)",
    "PFSELFTEST": "internal (HyperLogLog self-test)",
    "REPLCONF": "replication protocol",
    "RESTORE-ASKING": "cluster resharding internals",
}


def table() -> dict[str, set[str]]:
    """Command name -> its subcommands (empty for a plain command)."""
    if not DATA.is_dir():
        pytest.skip("the command table's data is not here (not a repository checkout)")
    out: dict[str, set[str]] = {}
    for name in ("redis-7.0.json", "newer.json"):
        commands = json.loads((DATA / name).read_text())["commands"]
        for command, entry in commands.items():
            out.setdefault(command, set()).update(entry.get("subcommands", {}))
    return out


def _text(node: ast.expr) -> Optional[str]:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


#: Private helpers that take no argv (errors, refusals).
NOT_ARGV = {"_error", "_shared", "_not_implemented"}
#: The names argvs are built in (``args: list[EncodableT] = ["XADD", name]``).
ARGV_NAMES = {"args", "argv", "cmd", "items"}


def sent() -> dict[tuple[str, Optional[str]], str]:
    """(command, literal subcommand or None) -> the file that sends it: the first upper-case
    literal passed to a private helper (``self._call("ZADD", ...)``, ``self._targeted(nodes,
    post, "CONFIG", "GET", ...)``, ``_zaggregate("ZUNION", ...)``, ``partial(self._on_slot,
    slot, post, "CLUSTER", "DELSLOTS", slot)``) and the literal after it,
    or the first item of a list literal assigned to an argv name (``args = ["XADD", name]``)."""
    found: dict[tuple[str, Optional[str]], str] = {}
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text())):
            argv: list[ast.expr] = []
            if isinstance(node, ast.Call):
                f = node.func
                name = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")
                private = name.startswith("_") and not name.startswith("__")
                method = bool(node.args) and isinstance(node.args[0], ast.Attribute)
                if (private or (name == "partial" and method)) and name not in NOT_ARGV:
                    argv = list(node.args)
                    # Skip target nodes, a reply conversion...; after a starred argument
                    # the command was in it (`_with_scores(cast, *args, "WITHSCORES")`).
                    while argv and not (_text(argv[0]) or "").isupper():
                        if isinstance(argv.pop(0), ast.Starred):
                            argv = []
            elif isinstance(node, (ast.Assign, ast.AnnAssign)) and isinstance(node.value, ast.List):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                if any(isinstance(t, ast.Name) and t.id in ARGV_NAMES for t in targets):
                    argv = list(node.value.elts)
            command = _text(argv[0]) if argv else None
            if command is None or not command.isupper():
                continue
            sub = _text(argv[1]) if len(argv) > 1 else None
            found.setdefault((command, sub), path.name)
    return found


def test_the_face_sends_commands_of_the_table() -> None:
    known = table()
    commands = sent()
    assert len(commands) > 150, "the reading of the method bodies found too few commands"
    unknown = [f"{c} ({where})" for (c, _), where in commands.items() if c not in known]
    assert not unknown, f"not in the command table (add them to core/data/commands/newer.json): {unknown}"
    bad_sub = [
        f"{c} {s} ({where})"
        for (c, s), where in commands.items()
        if known[c] and s is not None and s.upper() not in known[c]
    ]
    assert not bad_sub, f"subcommands the table does not have: {bad_sub}"


def test_every_command_of_the_table_is_sent_or_listed_with_a_reason() -> None:
    known = table()
    commands = sent()
    sent_names = {c for c, _ in commands}
    sent_subs = {f"{c} {s.upper()}" for c, s in commands if s is not None}
    missing = []
    for command, subs in sorted(known.items()):
        wanted = [f"{command} {s}" for s in sorted(subs) if s != "HELP"] if subs else [command]
        for w in wanted:
            covered = w in sent_subs if subs else command in sent_names
            if not covered and w not in NOT_SENT and command not in NOT_SENT:
                missing.append(w)
    assert not missing, f"commands no method sends and NOT_SENT does not explain: {missing}"
    stale = [
        n for n in NOT_SENT
        if (n in sent_names and not known.get(n)) or n in sent_subs
    ]
    assert not stale, f"listed in NOT_SENT but sent now: {stale}"

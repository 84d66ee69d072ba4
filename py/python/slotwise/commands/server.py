"""Server management and Pub/Sub publishing: PING, INFO, TIME, CONFIG, CLIENT, SLOWLOG,
DBSIZE, KEYS, FLUSHALL, PUBLISH... Methods redis-py's ``RedisCluster`` gives
``target_nodes=`` take it (see :mod:`.cluster`); TIME, LASTSAVE, CONFIG and SLOWLOG go to
the default node without it, as in redis-py (CONFIG SET then CONFIG GET see one node)."""

from __future__ import annotations

import datetime
from typing import Any, List, Optional

from ..exceptions import DataError, _error
from ._base import EncodableT, KeyT, ResponseT, _ok_true, _parse_cluster_info, parse_info
from .cluster import TargetedBase, TargetNodesT


def _str(v: Any) -> Any:
    return v.decode(errors="replace") if isinstance(v, (bytes, bytearray)) else v


def _time(r: Any) -> Any:
    return (int(r[0]), int(r[1]))


def _lastsave(r: Any) -> Any:
    if isinstance(r, datetime.datetime) or not r:
        return r
    return datetime.datetime.fromtimestamp(int(r))


def _config_dict(r: Any) -> Any:
    """CONFIG GET: ``{name: value}`` with ``str`` names and values, as redis-py gives it."""
    if not r:
        return {}
    if isinstance(r, list):
        it = iter(r)
        r = dict(zip(it, it))
    return {_str(k): _str(v) for k, v in r.items()}


def _client_list(r: Any) -> Any:
    clients = []
    for line in _str(r).splitlines():
        entry: dict[str, str] = {}
        last = ""
        for token in line.split(" "):
            if "=" in token:
                last, value = token.split("=", 1)
                entry[last] = value
            elif last:
                entry[last] += " " + token  # an address with a space (a unix socket path)
        if entry:
            clients.append(entry)
    return clients


_CLIENT_INFO_INTS = frozenset(
    {"id", "age", "idle", "db", "sub", "psub", "multi", "qbuf", "qbuf-free", "obl",
     "argv-mem", "oll", "omem", "tot-mem"}
)


def _client_info(r: Any) -> Any:
    info: dict[str, Any] = {}
    for item in _str(r).strip().split():
        k, _, v = item.partition("=")
        info[k] = int(v) if k in _CLIENT_INFO_INTS else v
    return info


def _join(words: Any) -> Any:
    """A slow log entry's argv as one string, ``str`` or ``bytes`` like its words."""
    if words and all(isinstance(w, str) for w in words):
        return " ".join(words)
    return b" ".join(w if isinstance(w, bytes) else str(w).encode() for w in words)


def _slowlog(r: Any) -> Any:
    out = []
    for item in r:
        e: dict[str, Any] = {"id": item[0], "start_time": int(item[1]), "duration": int(item[2])}
        if isinstance(item[3], list):
            e["command"] = _join(item[3])
            if len(item) >= 6:
                e["client_address"], e["client_name"] = item[4], item[5]
        else:
            e["complexity"] = item[3]
            e["command"] = _join(item[4])
            if len(item) >= 7:
                e["client_address"], e["client_name"] = item[5], item[6]
        out.append(e)
    return out


def _killed(r: Any) -> Any:
    return r if isinstance(r, int) else _str(r) == "OK"


def _info_of_node(r: Any) -> Any:
    return parse_info(r) if isinstance(r, (str, bytes)) else r


class ServerCommands(TargetedBase):
    """Server management and Pub/Sub publishing: PING, INFO, TIME, CONFIG, CLIENT, SLOWLOG,
    DBSIZE, KEYS, FLUSHALL, PUBLISH..."""

    def ping(self, target_nodes: Optional[TargetNodesT] = None) -> ResponseT:
        """Pings every node (or ``target_nodes``); ``True`` when all answer."""
        return self._targeted(target_nodes, None, "PING")

    def echo(self, value: EncodableT, target_nodes: Optional[TargetNodesT] = None) -> ResponseT:
        """``value``, echoed by a node."""
        return self._targeted(target_nodes, None, "ECHO", value)

    def info(
        self,
        section: Optional[str] = None,
        *args: str,
        target_nodes: Optional[TargetNodesT] = None,
    ) -> ResponseT:
        """INFO of the default node, parsed (``{"redis_version": "7.2.4", ...}``), as
        redis-py; with ``target_nodes`` one node gives its own dict, several ``{name:
        dict}`` (``target_nodes="all"``: every node). In a pipeline: every node's."""
        argv: list[EncodableT] = ["INFO"]
        if section is not None:
            argv.append(section)
        argv.extend(args)
        if target_nodes is None and getattr(self, "_queues_commands", False):
            return self._call_with(_parse_cluster_info, *argv)
        return self._on_default_node(target_nodes, _info_of_node, *argv)

    def time(self, target_nodes: Optional[TargetNodesT] = None) -> ResponseT:
        """The default node's (or ``target_nodes``') clock: ``(seconds, microseconds)``."""
        return self._on_default_node(target_nodes, _time, "TIME")

    def lastsave(self, target_nodes: Optional[TargetNodesT] = None) -> ResponseT:
        """When the default node (or ``target_nodes``) last saved, as a ``datetime``."""
        return self._on_default_node(target_nodes, _lastsave, "LASTSAVE")

    def dbsize(self, target_nodes: Optional[TargetNodesT] = None) -> ResponseT:
        """The number of keys: summed over the primaries (or ``target_nodes``)."""
        return self._targeted(target_nodes, None, "DBSIZE")

    def keys(self, pattern: KeyT = "*", target_nodes: Optional[TargetNodesT] = None) -> ResponseT:
        """Every key matching ``pattern``, over the primaries (or ``target_nodes``)."""
        return self._targeted(target_nodes, None, "KEYS", pattern)

    def flushall(
        self, asynchronous: bool = False, target_nodes: Optional[TargetNodesT] = None
    ) -> ResponseT:
        """Deletes every key on every primary (or ``target_nodes``); ``True``."""
        argv: list[EncodableT] = ["FLUSHALL"]
        if asynchronous:
            argv.append("ASYNC")
        return self._targeted(target_nodes, None, *argv)

    def flushdb(
        self, asynchronous: bool = False, target_nodes: Optional[TargetNodesT] = None
    ) -> ResponseT:
        """Deletes every key of the database on every primary (or ``target_nodes``)."""
        argv: list[EncodableT] = ["FLUSHDB"]
        if asynchronous:
            argv.append("ASYNC")
        return self._targeted(target_nodes, None, *argv)

    def config_get(
        self, pattern: KeyT = "*", *args: KeyT, target_nodes: Optional[TargetNodesT] = None
    ) -> ResponseT:
        """The default node's (or ``target_nodes``') parameters matching the pattern(s): ``{name: value}``
        (``str``)."""
        return self._on_default_node(target_nodes, _config_dict, "CONFIG", "GET", pattern, *args)

    def config_set(
        self,
        name: KeyT,
        value: EncodableT,
        *args: EncodableT,
        target_nodes: Optional[TargetNodesT] = None,
    ) -> ResponseT:
        """Sets configuration parameters (``name, value, name2, value2...``); ``True``."""
        return self._on_default_node(target_nodes, None, "CONFIG", "SET", name, value, *args)

    def config_resetstat(self, target_nodes: Optional[TargetNodesT] = None) -> ResponseT:
        """Resets a node's INFO statistics; ``True``."""
        return self._on_default_node(target_nodes, None, "CONFIG", "RESETSTAT")

    def client_list(
        self,
        _type: Optional[str] = None,
        client_id: List[EncodableT] = [],
        target_nodes: Optional[TargetNodesT] = None,
    ) -> ResponseT:
        """A node's client connections, each a dict of ``str`` fields."""
        argv: list[EncodableT] = ["CLIENT", "LIST"]
        if _type is not None:
            types = ("normal", "master", "replica", "pubsub")
            if str(_type).lower() not in types:
                raise _error(DataError, f"CLIENT LIST _type must be one of {types!r}", "DATA")
            argv += ["TYPE", _type]
        if not isinstance(client_id, list):
            raise _error(DataError, "client_id must be a list", "DATA")
        if client_id:
            argv.append("ID")
            argv.extend(client_id)
        return self._on_default_node(target_nodes, _client_list, *argv)

    def client_id(self, target_nodes: Optional[TargetNodesT] = None) -> ResponseT:
        """The id of this client's connection to a node."""
        return self._on_default_node(target_nodes, None, "CLIENT", "ID")

    def client_getname(self, target_nodes: Optional[TargetNodesT] = None) -> ResponseT:
        """The name of this client's connection to a node (``str``), or ``None``."""
        return self._on_default_node(target_nodes, _str, "CLIENT", "GETNAME")

    def client_setname(self, name: str, target_nodes: Optional[TargetNodesT] = None) -> ResponseT:
        """Names this client's connection to a node; ``True``."""
        return self._on_default_node(target_nodes, _ok_true, "CLIENT", "SETNAME", name)

    def client_info(self, target_nodes: Optional[TargetNodesT] = None) -> ResponseT:
        """This client's connection to a node, as a dict (numeric fields as ``int``)."""
        return self._on_default_node(target_nodes, _client_info, "CLIENT", "INFO")

    def client_kill(self, address: str, target_nodes: Optional[TargetNodesT] = None) -> ResponseT:
        """Disconnects the client at ``address`` (``ip:port``) from the default node (or
        ``target_nodes``); ``True``."""
        return self._on_default_node(target_nodes, _killed, "CLIENT", "KILL", address)

    def client_pause(
        self, timeout: int, all: bool = True, target_nodes: Optional[TargetNodesT] = None
    ) -> ResponseT:
        """Pauses the clients of the default node (or ``target_nodes``) for ``timeout``
        milliseconds (only their writes with ``all=False``); ``True``."""
        if not isinstance(timeout, int) or isinstance(timeout, bool):
            raise _error(DataError, "CLIENT PAUSE timeout must be an integer", "DATA")
        argv: list[EncodableT] = ["CLIENT", "PAUSE", timeout]
        if not all:
            argv.append("WRITE")
        return self._on_default_node(target_nodes, _ok_true, *argv)

    def client_unpause(self, target_nodes: Optional[TargetNodesT] = None) -> ResponseT:
        """Ends a CLIENT PAUSE on the default node (or ``target_nodes``)."""
        return self._on_default_node(target_nodes, None, "CLIENT", "UNPAUSE")

    def slowlog_get(
        self, num: Optional[int] = None, target_nodes: Optional[TargetNodesT] = None
    ) -> ResponseT:
        """The default node's slow log entries: ``{"id", "start_time", "duration", "command", ...}``."""
        argv: list[EncodableT] = ["SLOWLOG", "GET"]
        if num is not None:
            argv.append(num)
        return self._on_default_node(target_nodes, _slowlog, *argv)

    def slowlog_len(self, target_nodes: Optional[TargetNodesT] = None) -> ResponseT:
        """The number of entries in the default node's slow log."""
        return self._on_default_node(target_nodes, None, "SLOWLOG", "LEN")

    def slowlog_reset(self, target_nodes: Optional[TargetNodesT] = None) -> ResponseT:
        """Empties the default node's slow log; ``True``."""
        return self._on_default_node(target_nodes, _ok_true, "SLOWLOG", "RESET")

    def memory_usage(self, key: KeyT, samples: Optional[int] = None) -> ResponseT:
        """Bytes ``key`` takes in memory (``None`` when it does not exist)."""
        argv: list[EncodableT] = ["MEMORY", "USAGE", key]
        if samples is not None:
            argv += ["SAMPLES", samples]
        return self._call(*argv)

    def memory_purge(self, target_nodes: Optional[TargetNodesT] = None) -> ResponseT:
        """Asks the default node (or ``target_nodes``) to release freed memory; ``True``."""
        return self._on_default_node(target_nodes, _ok_true, "MEMORY", "PURGE")

    def command_count(self, target_nodes: Optional[TargetNodesT] = None) -> ResponseT:
        """The number of commands the default node (or ``target_nodes``) knows."""
        return self._on_default_node(target_nodes, None, "COMMAND", "COUNT")

    def bgsave(self, schedule: bool = True, target_nodes: Optional[TargetNodesT] = None) -> ResponseT:
        """Starts a background save on the default node (or ``target_nodes``); ``True``.
        ``schedule``: when a rewrite of the append-only file runs, save after it."""
        argv: list[EncodableT] = ["BGSAVE"]
        if schedule:
            argv.append("SCHEDULE")
        return self._on_default_node(target_nodes, None, *argv)

    def save(self, target_nodes: Optional[TargetNodesT] = None) -> ResponseT:
        """Saves the dataset of the default node (or ``target_nodes``) now; ``True``."""
        return self._on_default_node(target_nodes, None, "SAVE")

    def publish(self, channel: KeyT, message: EncodableT) -> ResponseT:
        """Publishes a message; the number of receivers (on the node that got it)."""
        return self._call("PUBLISH", channel, message)

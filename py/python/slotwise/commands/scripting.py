"""Lua scripts and functions: EVAL, EVALSHA, SCRIPT LOAD/EXISTS/FLUSH, FCALL, and
:meth:`register_script` (a :class:`Script` object, as redis-py's)."""

from __future__ import annotations

import hashlib
from typing import Any, Iterable, Optional, Union

from ..exceptions import DataError, ResponseError, _error
from ._base import EncodableT, KeyT, ResponseT, _encoded
from .cluster import TargetedBase, TargetNodesT

#: A script's text, as redis-py takes it.
ScriptTextT = Union[str, bytes]


def _sha_text(r: Any) -> Any:
    return r.decode() if isinstance(r, (bytes, bytearray)) else r


def _bools(r: Any) -> Any:
    return [bool(x) for x in r] if isinstance(r, list) else r


def _ok_bool(r: Any) -> Any:
    return r in (b"OK", "OK", True)


def _sets_as_lists(r: Any) -> Any:
    """FUNCTION LIST in RESP3: the ``flags`` sets as lists, as redis-py gives them."""
    if isinstance(r, (set, frozenset)):
        return list(r)
    if isinstance(r, list):
        return [_sets_as_lists(x) for x in r]
    if isinstance(r, dict):
        return {k: _sets_as_lists(v) for k, v in r.items()}
    return r


def _is_noscript(e: BaseException) -> bool:
    return isinstance(e, ResponseError) and (
        getattr(e, "code", "") == "NOSCRIPT" or str(e).startswith("NOSCRIPT")
    )


class Script:
    """A Lua script registered with :meth:`ScriptingCommands.register_script`: call it as
    ``script(keys=[...], args=[...])`` (``client=`` runs it with another client or a
    pipeline). It runs with EVALSHA on the keys' node, falling back to EVAL (which caches
    it there) when that node does not know it yet; in a pipeline it is queued as EVAL."""

    def __init__(self, registered_client: Any, script: ScriptTextT) -> None:
        self.registered_client = registered_client
        self.script = script
        text = script.encode() if isinstance(script, str) else bytes(script)
        self.sha = hashlib.sha1(text).hexdigest()

    def __call__(
        self,
        keys: Iterable[KeyT] = (),
        args: Iterable[EncodableT] = (),
        client: Any = None,
    ) -> Any:
        c = self.registered_client if client is None else client
        keys = list(keys)
        argv = tuple(keys) + tuple(args)
        if getattr(c, "_queues_commands", False):
            return c.eval(self.script, len(keys), *argv)
        if getattr(c, "_is_async", False):
            return self._acall(c, len(keys), argv)
        try:
            return c.evalsha(self.sha, len(keys), *argv)
        except ResponseError as e:
            if not _is_noscript(e):
                raise
        return c.eval(self.script, len(keys), *argv)

    async def _acall(self, c: Any, numkeys: int, argv: tuple[Any, ...]) -> Any:
        try:
            return await c.evalsha(self.sha, numkeys, *argv)
        except ResponseError as e:
            if not _is_noscript(e):
                raise
        return await c.eval(self.script, numkeys, *argv)


class ScriptingCommands(TargetedBase):
    """Lua scripts and functions: EVAL, EVALSHA, SCRIPT LOAD/EXISTS/FLUSH, FCALL..."""

    def eval(self, script: str, numkeys: int, *keys_and_args: EncodableT) -> ResponseT:
        """Runs a Lua script; its keys must share one slot."""
        return self._call("EVAL", script, numkeys, *keys_and_args)

    def evalsha(self, sha: str, numkeys: int, *keys_and_args: EncodableT) -> ResponseT:
        """Runs a cached Lua script by SHA1; its keys must share one slot."""
        return self._call("EVALSHA", sha, numkeys, *keys_and_args)

    def eval_ro(self, script: str, numkeys: int, *keys_and_args: EncodableT) -> ResponseT:
        """Runs a read-only Lua script (may run on a replica)."""
        return self._call("EVAL_RO", script, numkeys, *keys_and_args)

    def evalsha_ro(self, sha: str, numkeys: int, *keys_and_args: EncodableT) -> ResponseT:
        """Runs a cached read-only Lua script by SHA1."""
        return self._call("EVALSHA_RO", sha, numkeys, *keys_and_args)

    def fcall(self, function: str, numkeys: int, *keys_and_args: Any) -> ResponseT:
        """Calls a function of a loaded library."""
        return self._call("FCALL", function, numkeys, *keys_and_args)

    def fcall_ro(self, function: str, numkeys: int, *keys_and_args: Any) -> ResponseT:
        """Calls a read-only function of a loaded library."""
        return self._call("FCALL_RO", function, numkeys, *keys_and_args)

    def script_load(
        self, script: ScriptTextT, target_nodes: Optional[TargetNodesT] = None
    ) -> ResponseT:
        """Caches a script on every primary (or ``target_nodes``); its SHA1 (``str``)."""
        return self._targeted(
            target_nodes,
            _sha_text,
            "SCRIPT",
            "LOAD",
            script,
        )

    def script_exists(self, *args: str, target_nodes: Optional[TargetNodesT] = None) -> ResponseT:
        """For each SHA1, whether every primary (or target node) has the script cached."""
        if not args:
            raise _error(
                DataError, "script_exists() needs at least one SHA1: script_exists(sha)", "DATA"
            )
        return self._targeted(
            target_nodes,
            _bools,
            "SCRIPT",
            "EXISTS",
            *args,
        )

    def script_flush(
        self, sync_type: Optional[str] = None, target_nodes: Optional[TargetNodesT] = None
    ) -> ResponseT:
        """Empties the script cache of every primary (or ``target_nodes``); ``True``.
        ``sync_type``: ``"SYNC"`` or ``"ASYNC"``."""
        argv: list[EncodableT] = ["SCRIPT", "FLUSH"]
        if sync_type is not None:
            if not isinstance(sync_type, str) or sync_type.upper() not in ("SYNC", "ASYNC"):
                raise _error(
                    DataError,
                    f"script_flush(sync_type={sync_type!r}): use 'SYNC', 'ASYNC' or None",
                    "DATA",
                )
            argv.append(sync_type)
        return self._targeted(target_nodes, _ok_bool, *argv)

    def function_load(self, code: str, replace: Optional[bool] = False) -> ResponseT:
        """Loads a function library on every primary; as redis-py's RedisCluster,
        ``{node name: library name}``."""
        argv: list[EncodableT] = ["FUNCTION", "LOAD"]
        if replace:
            argv.append("REPLACE")
        argv.append(code)
        return self._on_default("primaries", None, None, *argv)

    def function_delete(self, library: str) -> ResponseT:
        """Deletes a library on every primary: ``{node name: True}``."""
        return self._on_default("primaries", None, _ok_bool, "FUNCTION", "DELETE", library)

    def function_flush(self, mode: str = "SYNC") -> ResponseT:
        """Deletes every library on every primary: ``{node name: True}``."""
        return self._on_default("primaries", None, _ok_bool, "FUNCTION", "FLUSH", mode)

    def function_list(
        self, library: Optional[str] = "*", withcode: Optional[bool] = False
    ) -> ResponseT:
        """The libraries of every primary: ``{node name: [library, ...]}``."""
        argv: list[EncodableT] = ["FUNCTION", "LIST", "LIBRARYNAME", library or "*"]
        if withcode:
            argv.append("WITHCODE")
        return self._on_default("primaries", None, _sets_as_lists, *argv)

    def function_dump(self) -> ResponseT:
        """A serialized payload of a random primary's libraries (``bytes``, even with
        ``decode_responses``), for :meth:`function_restore`."""
        return self._on_default("random", None, _encoded, "FUNCTION", "DUMP")

    def function_restore(self, payload: bytes, policy: Optional[str] = "APPEND") -> ResponseT:
        """Restores libraries from :meth:`function_dump`'s payload on every primary
        (``policy``: ``APPEND``, ``FLUSH`` or ``REPLACE``): ``{node name: True}``."""
        argv: list[EncodableT] = ["FUNCTION", "RESTORE", payload]
        if policy:
            argv.append(policy)
        return self._on_default("primaries", None, _ok_bool, *argv)

    def function_kill(self, target_nodes: Optional[TargetNodesT] = None) -> ResponseT:
        """Kills the function running on the default node (or ``target_nodes``), which
        must not have written yet; ``True``."""
        return self._on_default_node(target_nodes, _ok_bool, "FUNCTION", "KILL")

    def function_stats(self, target_nodes: Optional[TargetNodesT] = None) -> ResponseT:
        """The running function and the engines of the default node (or ``target_nodes``)."""
        return self._on_default_node(target_nodes, None, "FUNCTION", "STATS")

    def script_debug(self, *args: Any) -> None:
        """Not implemented (as in redis-py): SCRIPT DEBUG starts an interactive debugging
        session on a connection, which a shared connection cannot be."""
        raise NotImplementedError(
            "SCRIPT DEBUG is intentionally not implemented in the client (as in redis-py): "
            "debug scripts with redis-cli --ldb on the node"
        )

    def script_kill(self, target_nodes: Optional[TargetNodesT] = None) -> ResponseT:
        """Kills the script running on the default node (or ``target_nodes``), which must
        not have written yet; ``True``."""
        return self._on_default_node(target_nodes, _ok_bool, "SCRIPT", "KILL")

    def register_script(self, script: ScriptTextT) -> Script:
        """A :class:`Script` for ``script``: call it with ``keys=`` and ``args=``."""
        return Script(self, script)

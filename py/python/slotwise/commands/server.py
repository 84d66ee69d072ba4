"""Server, scripting and Pub/Sub publishing: PING, INFO, FLUSHALL, EVAL, PUBLISH..."""

from __future__ import annotations

from typing import Optional

from ._base import CommandsBase, EncodableT, KeyT, ResponseT, _parse_cluster_info


class ServerCommands(CommandsBase):
    """Server, scripting and Pub/Sub publishing: PING, INFO, FLUSHALL, EVAL, PUBLISH..."""

    def ping(self) -> ResponseT:
        """Pings every node; ``True`` when all answer."""
        return self._call("PING")

    def info(self, section: Optional[str] = None, *args: str) -> ResponseT:
        """INFO of every node, parsed: ``{"host:port": {"redis_version": "7.2.4", ...}}``."""
        argv: list[EncodableT] = ["INFO"]
        if section is not None:
            argv.append(section)
        argv.extend(args)
        return self._call_with(_parse_cluster_info, *argv)

    def flushall(self, asynchronous: bool = False) -> ResponseT:
        """Deletes every key on every primary; ``True``."""
        if asynchronous:
            return self._call("FLUSHALL", "ASYNC")
        return self._call("FLUSHALL")

    def eval(self, script: str, numkeys: int, *keys_and_args: EncodableT) -> ResponseT:
        """Runs a Lua script; its keys must share one slot."""
        return self._call("EVAL", script, numkeys, *keys_and_args)

    def evalsha(self, sha: str, numkeys: int, *keys_and_args: EncodableT) -> ResponseT:
        """Runs a cached Lua script by SHA1; its keys must share one slot."""
        return self._call("EVALSHA", sha, numkeys, *keys_and_args)

    def publish(self, channel: KeyT, message: EncodableT) -> ResponseT:
        """Publishes a message; the number of receivers (on the node that got it)."""
        return self._call("PUBLISH", channel, message)

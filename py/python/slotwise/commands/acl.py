"""Access control lists: ACL SETUSER, GETUSER, DELUSER, LOG, CAT... As redis-py's
``RedisCluster`` sends them, each goes to the default node unless ``target_nodes=`` names
others (a user created on one node exists on that node only: pass
``target_nodes=RedisCluster.ALL_NODES`` to create or delete it everywhere)."""

from __future__ import annotations

from typing import Any, Iterable, Optional, Tuple, Union

from ..exceptions import DataError
from ._base import EncodableT, KeyT, ResponseT, _list_or_args
from .cluster import TargetedBase, TargetNodesT


def _str(v: Any) -> Any:
    return v.decode(errors="replace") if isinstance(v, (bytes, bytearray)) else v


def _strs(r: Any) -> Any:
    return [_str(v) for v in r] if isinstance(r, list) else r


def _ok(r: Any) -> Any:
    return _str(r) == "OK" if r is not True else True


def _bytes(v: Any) -> bytes:
    """An argument as the bytes the server gets (``str`` as UTF-8, numbers as text)."""
    if isinstance(v, (bytes, bytearray, memoryview)):
        return bytes(v)
    if isinstance(v, str):
        return v.encode()
    return str(v).encode()


def _pairs(items: Any) -> dict[str, Any]:
    """A flat ``[name, value, ...]`` list or a RESP3 map as ``{str name: value}``."""
    if isinstance(items, dict):
        return {_str(k): v for k, v in items.items()}
    it = iter(items)
    return {_str(k): v for k, v in zip(it, it)}


def _words(v: Any) -> list[str]:
    """A space-separated rule string (``"~a* ~b*"``) as its words; none when empty."""
    if isinstance(v, (list, set, frozenset, tuple)):
        return [_str(w) for w in v]
    text = _str(v) or ""
    return text.split(" ") if text else []


def _getuser(r: Any) -> Any:
    """ACL GETUSER as redis-py parses it: ``flags``, ``passwords``, ``keys`` and
    ``channels`` as lists of ``str``, ``commands`` split into ``commands`` and
    ``categories``, ``enabled``; ``selectors`` as lists of ``str`` (RESP2) or dicts of
    ``str`` (RESP3), the shape each protocol sends."""
    if r is None:
        return None
    data = _pairs(r)
    data["flags"] = [_str(f) for f in data.get("flags") or []]
    data["passwords"] = [_str(p) for p in data.get("passwords") or []]
    data["keys"] = _words(data.get("keys"))
    if "channels" in data:
        data["channels"] = _words(data["channels"])
    selectors = data.get("selectors")
    if selectors:
        data["selectors"] = [
            {_str(k): _str(v) for k, v in s.items()}
            if isinstance(s, dict)
            else [_str(w) for w in s]
            for s in selectors
        ]
    rules = _str(data.get("commands")) or ""
    data["commands"] = [w for w in rules.split(" ") if "@" not in w]
    data["categories"] = [w for w in rules.split(" ") if "@" in w]
    data["enabled"] = "on" in data["flags"]
    return data


_CLIENT_INFO_INTS = frozenset(
    {"id", "age", "idle", "db", "sub", "psub", "multi", "qbuf", "qbuf-free", "obl",
     "argv-mem", "oll", "omem", "tot-mem"}
)


def _client_info(text: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in (_str(text) or "").strip().split():
        k, _, v = item.partition("=")
        out[k] = int(v) if k in _CLIENT_INFO_INTS else v
    return out


def _acl_log(resp3: bool) -> Any:
    """ACL LOG entries as redis-py gives them: dicts with ``str`` keys and string values;
    RESP2 parses ``client-info`` into a dict and ``age-seconds`` into a float (RESP3 sends
    a float and redis-py leaves ``client-info`` a string). ``ACL LOG RESET``: ``True``."""

    def post(r: Any) -> Any:
        if r is None:
            return None
        if not isinstance(r, list):
            return _ok(r)
        out = []
        for entry in r:
            e = {k: _str(v) for k, v in _pairs(entry).items()}
            if not resp3:
                e["client-info"] = _client_info(e.get("client-info", ""))
                e["age-seconds"] = float(e["age-seconds"])
            out.append(e)
        return out

    return post


def _prefixed_key(v: Any) -> bytes:
    key = _bytes(v)
    return key if key.startswith((b"%", b"~")) else b"~" + key


class AclCommands(TargetedBase):
    """ACL SETUSER, GETUSER, DELUSER, LIST, USERS, LOG, CAT, GENPASS, WHOAMI, DRYRUN..."""

    def _text_list(self) -> Any:
        """RESP2 lists of names become ``str`` (redis-py's callback); RESP3 stays as sent."""
        return None if self._resp3 else _strs

    def _text(self) -> Any:
        return None if self._resp3 else _str

    def acl_cat(
        self, category: Optional[str] = None, target_nodes: Optional[TargetNodesT] = None
    ) -> ResponseT:
        """The ACL categories, or the commands of ``category``."""
        argv: list[EncodableT] = ["ACL", "CAT"]
        if category:
            argv.append(category)
        return self._on_default_node(target_nodes, self._text_list(), *argv)

    def acl_dryrun(
        self, username: str, *args: EncodableT, target_nodes: Optional[TargetNodesT] = None
    ) -> ResponseT:
        """Whether ``username`` may run the command ``args``: ``OK``, or why not."""
        return self._on_default_node(target_nodes, None, "ACL", "DRYRUN", username, *args)

    def acl_deluser(self, *username: str, target_nodes: Optional[TargetNodesT] = None) -> ResponseT:
        """Deletes the users; the number deleted."""
        return self._on_default_node(target_nodes, None, "ACL", "DELUSER", *username)

    def acl_genpass(
        self, bits: Optional[int] = None, target_nodes: Optional[TargetNodesT] = None
    ) -> ResponseT:
        """A random password (``bits`` of it, 0..4096, rounded up to a multiple of 4)."""
        argv: list[EncodableT] = ["ACL", "GENPASS"]
        if bits is not None:
            try:
                b = int(bits)
                if b < 0 or b > 4096:
                    raise ValueError
            except ValueError:
                raise DataError(
                    "genpass optionally accepts a bits argument, between 0 and 4096."
                ) from None
            argv.append(b)
        return self._on_default_node(target_nodes, self._text(), *argv)

    def acl_getuser(self, username: str, target_nodes: Optional[TargetNodesT] = None) -> ResponseT:
        """The rules of ``username`` as a dict (``flags``, ``passwords``, ``commands``,
        ``categories``, ``keys``, ``channels``, ``selectors``, ``enabled``), or ``None``
        when there is no such user."""
        return self._on_default_node(target_nodes, _getuser, "ACL", "GETUSER", username)

    def acl_help(self, target_nodes: Optional[TargetNodesT] = None) -> ResponseT:
        """ACL HELP's lines."""
        return self._on_default_node(target_nodes, self._text_list(), "ACL", "HELP")

    def acl_list(self, target_nodes: Optional[TargetNodesT] = None) -> ResponseT:
        """Every user's rules, one line each."""
        return self._on_default_node(target_nodes, self._text_list(), "ACL", "LIST")

    def acl_log(
        self, count: Optional[int] = None, target_nodes: Optional[TargetNodesT] = None
    ) -> ResponseT:
        """The latest refused commands and logins (``count`` of them), each a dict."""
        argv: list[EncodableT] = ["ACL", "LOG"]
        if count is not None:
            if not isinstance(count, int):
                raise DataError("ACL LOG count must be an integer")
            argv.append(count)
        return self._on_default_node(target_nodes, _acl_log(self._resp3), *argv)

    def acl_log_reset(self, target_nodes: Optional[TargetNodesT] = None) -> ResponseT:
        """Empties the ACL log; ``True``."""
        return self._on_default_node(target_nodes, _acl_log(self._resp3), "ACL", "LOG", b"RESET")

    def acl_load(self, target_nodes: Optional[TargetNodesT] = None) -> ResponseT:
        """Reloads the users from the server's ``aclfile``; ``True``."""
        return self._on_default_node(target_nodes, _ok, "ACL", "LOAD")

    def acl_save(self, target_nodes: Optional[TargetNodesT] = None) -> ResponseT:
        """Writes the users to the server's ``aclfile``; ``True``."""
        return self._on_default_node(target_nodes, _ok, "ACL", "SAVE")

    def acl_setuser(
        self,
        username: str,
        enabled: bool = False,
        nopass: bool = False,
        passwords: Union[str, Iterable[str], None] = None,
        hashed_passwords: Union[str, Iterable[str], None] = None,
        categories: Optional[Iterable[str]] = None,
        commands: Optional[Iterable[str]] = None,
        keys: Optional[Iterable[KeyT]] = None,
        channels: Optional[Iterable[KeyT]] = None,
        selectors: Optional[Iterable[Tuple[str, KeyT]]] = None,
        reset: bool = False,
        reset_keys: bool = False,
        reset_channels: bool = False,
        reset_passwords: bool = False,
        target_nodes: Optional[TargetNodesT] = None,
    ) -> ResponseT:
        """Creates or changes ``username``; ``True``.

        ``passwords`` / ``hashed_passwords`` (SHA-256 hex): each ``"+..."`` to add or
        ``"-..."`` to remove (one string or several); ``categories`` and ``commands``:
        ``"+name"`` / ``"-name"`` (categories with or without ``@``); ``keys``: patterns
        (``~`` added unless given, ``%R~`` kept); ``channels``: patterns (``&`` added);
        ``selectors``: ``(command rule, key pattern)`` pairs. The ``reset*`` flags clear
        the user (or its keys, channels, passwords) before the rules apply; ``enabled``
        switches it on (else off)."""
        argv: list[EncodableT] = ["ACL", "SETUSER", username]
        if reset:
            argv.append(b"reset")
        if reset_keys:
            argv.append(b"resetkeys")
        if reset_channels:
            argv.append(b"resetchannels")
        if reset_passwords:
            argv.append(b"resetpass")
        argv.append(b"on" if enabled else b"off")
        if (passwords or hashed_passwords) and nopass:
            raise DataError("Cannot set 'nopass' and supply 'passwords' or 'hashed_passwords'")
        for i, pw in enumerate(_list_or_args(passwords, ()) if passwords else []):
            p = _bytes(pw)
            if p.startswith(b"+"):
                argv.append(b">" + p[1:])
            elif p.startswith(b"-"):
                argv.append(b"<" + p[1:])
            else:
                raise DataError(f'Password {i} must be prefixed with a "+" to add or a "-" to remove')
        hashed = _list_or_args(hashed_passwords, ()) if hashed_passwords else []
        for i, pw in enumerate(hashed):
            p = _bytes(pw)
            if p.startswith(b"+"):
                argv.append(b"#" + p[1:])
            elif p.startswith(b"-"):
                argv.append(b"!" + p[1:])
            else:
                raise DataError(
                    f'Hashed password {i} must be prefixed with a "+" to add or a "-" to remove'
                )
        if nopass:
            argv.append(b"nopass")
        for category in categories or []:
            c = _bytes(category)
            if c.startswith((b"+@", b"-@")):
                argv.append(c)
            elif c.startswith((b"+", b"-")):
                argv.append(c[:1] + b"@" + c[1:])
            else:
                raise DataError(
                    f'Category "{c.decode(errors="replace")}" must be prefixed with "+" or "-"'
                )
        for command in commands or []:
            c = _bytes(command)
            if not c.startswith((b"+", b"-")):
                raise DataError(
                    f'Command "{c.decode(errors="replace")}" must be prefixed with "+" or "-"'
                )
            argv.append(c)
        for key in keys or []:
            argv.append(_prefixed_key(key))
        for channel in channels or []:
            argv.append(b"&" + _bytes(channel))
        for rule, key in selectors or []:
            c = _bytes(rule)
            if not c.startswith((b"+", b"-")):
                raise DataError(
                    f'Command "{c.decode(errors="replace")}" must be prefixed with "+" or "-"'
                )
            argv.append(b"(" + c + b" " + _prefixed_key(key) + b")")
        return self._on_default_node(target_nodes, _ok, *argv)

    def acl_users(self, target_nodes: Optional[TargetNodesT] = None) -> ResponseT:
        """The user names."""
        return self._on_default_node(target_nodes, self._text_list(), "ACL", "USERS")

    def acl_whoami(self, target_nodes: Optional[TargetNodesT] = None) -> ResponseT:
        """The user of this client's connection (to the default node)."""
        return self._on_default_node(target_nodes, self._text(), "ACL", "WHOAMI")

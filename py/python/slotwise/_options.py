"""Turning redis-py style arguments (startup nodes, URLs, timeouts, TLS) into a checked
:class:`slotwise._native.Config`."""

from __future__ import annotations

import re
import ssl
from typing import Any, Callable, Iterable, Mapping, Optional, Tuple, Union
from urllib.parse import parse_qs, unquote, urlsplit

from . import _native
from .exceptions import DataError, _error

Address = Tuple[str, int]
AddressRemap = Union[
    Callable[[Address], Union[Address, str, None]],
    Mapping[str, str],
    Mapping[Address, Address],
]

#: redis-py keywords that have no meaning here (the core pools, retries and checks health
#: on its own); accepted so that switching from ``redis.RedisCluster`` is a one-line change.
IGNORED_REDIS_PY_KWARGS = frozenset(
    {
        "max_connections",
        "health_check_interval",
        "socket_keepalive",
        "socket_keepalive_options",
        "retry",
        "retry_on_timeout",
        "retry_on_error",
        "require_full_coverage",
        "reinitialize_steps",
        "dynamic_startup_nodes",
        "cluster_error_retry_attempts",
        "client_name",
        "lib_name",
        "lib_version",
        "single_connection_client",
        "connection_pool",
        "db",
    }
)


def _config_error(message: str) -> DataError:
    return _error(DataError, message, "CONFIG")


_QUERY_SECRET = re.compile(r"((?:^|[?&;])(?:password|username)=)[^&;#]*", re.IGNORECASE)


def redact(text: str) -> str:
    """``text`` with the credentials of a URL or seed replaced by ``***``, for error
    messages: the userinfo (everything between ``scheme://``, or the start, and the last
    ``@``, so a password containing ``@`` or ``/`` cannot leak either) and ``password=`` /
    ``username=`` query options."""
    text = _QUERY_SECRET.sub(r"\1***", text)
    if "@" not in text:
        return text
    scheme, sep, rest = text.partition("://")
    if not sep:
        rest = text
    head = f"{scheme}://" if sep else ""
    return head + "***@" + rest.rpartition("@")[2]


class ClusterNode:
    """A ``host:port`` seed, as in ``redis.cluster.ClusterNode``."""

    def __init__(
        self, host: str = "localhost", port: int = 6379, server_type: Optional[str] = None
    ) -> None:
        self.host = host
        self.port = int(port)
        self.name = join(host, self.port)
        #: ``"primary"`` or ``"replica"`` for the nodes the client lists, else ``None``.
        self.server_type = server_type

    def __repr__(self) -> str:
        return (
            f"ClusterNode(host={self.host!r}, port={self.port}, "
            f"server_type={self.server_type!r})"
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ClusterNode) and other.name == self.name

    def __hash__(self) -> int:
        return hash(self.name)


StartupNode = Union[str, ClusterNode, Address]


def join(host: str, port: int) -> str:
    """``host:port``, with IPv6 hosts in brackets."""
    if ":" in host and not host.startswith("["):
        return f"[{host}]:{port}"
    return f"{host}:{port}"


def split(addr: str) -> Address:
    """``host:port`` (or ``[v6]:port``) into a pair."""
    host, _, port = addr.rpartition(":")
    if not host or not port.isdigit():
        raise _config_error(
            f"not a host:port address: {redact(addr)!r} (IPv6 hosts in brackets: '[::1]:7000')"
        )
    return host.strip("[]"), int(port)


def _checked(seed: str) -> str:
    if "@" in seed or "://" in seed:
        raise _config_error(
            f"startup node {redact(seed)!r} is a URL or contains credentials: pass "
            "'host:port' seeds with password= (and username=), or the whole URL as url="
        )
    split(seed)
    return seed


def _seed(node: object) -> str:
    if isinstance(node, ClusterNode):
        return _checked(node.name)
    if isinstance(node, str):
        return _checked(node)
    if isinstance(node, tuple) and len(node) == 2:
        return _checked(join(str(node[0]), int(node[1])))
    if isinstance(node, Mapping) and "host" in node:
        return _checked(join(str(node["host"]), int(node.get("port", 6379))))
    raise _config_error(
        f"startup node {redact(repr(node))} is neither 'host:port', (host, port) nor a "
        "ClusterNode"
    )


def seeds(
    startup_nodes: Union[StartupNode, Iterable[StartupNode], None],
    host: Optional[str],
    port: int,
) -> list[str]:
    """Every seed as ``host:port``."""
    out: list[str] = []
    if host is not None:
        out.append(_checked(join(host, port)))
    if startup_nodes is None:
        pass
    elif isinstance(startup_nodes, (str, ClusterNode)) or (
        isinstance(startup_nodes, tuple)
        and len(startup_nodes) == 2
        and isinstance(startup_nodes[1], int)
    ):
        out.append(_seed(startup_nodes))
    else:
        out.extend(_seed(n) for n in startup_nodes)
    if not out:
        raise _config_error(
            "no startup nodes: pass startup_nodes=['host:port', ...] or host= and port="
        )
    return out


def remap(address_remap: Optional[AddressRemap]) -> Any:
    """The address map for the core: a dict, or a ``str -> object`` callable that hands the
    application's callable a ``(host, port)`` tuple. The core reads the entries and answers
    strictly ("host:port" strs, or exactly ``(str, int)`` pairs; None keeps the address)."""
    if address_remap is None:
        return None
    if isinstance(address_remap, Mapping):
        return dict(address_remap)
    if not callable(address_remap):
        raise _config_error("address_remap must be a callable or a dict")
    f = address_remap

    def apply(announced: str) -> object:
        return f(split(announced))

    return apply


def tls_options(args: Mapping[str, Any]) -> dict[str, Any]:
    """The native TLS settings from redis-py's ``ssl*`` keywords. As in redis-py, a missing
    ``ssl_keyfile`` means the key is in ``ssl_certfile`` too."""
    insecure = args["ssl_cert_reqs"] in (ssl.CERT_NONE, "none", "CERT_NONE")
    cert, key = args["ssl_certfile"], args["ssl_keyfile"]
    if key is not None and cert is None:
        raise _config_error("ssl_keyfile given without ssl_certfile: give the client certificate too")
    if args["ssl_check_hostname"] is False and not insecure:
        raise _config_error(
            "ssl_check_hostname=False is not supported: slotwise always checks that a node's "
            "certificate names the address it connects to; map announced addresses to named "
            "ones with address_remap, or (testing only) pass ssl_cert_reqs='none'"
        )
    return {
        "tls": bool(args["ssl"] or args["ssl_ca_certs"] or cert),
        "tls_ca_file": args["ssl_ca_certs"],
        "tls_insecure": insecure,
        "tls_client_cert": cert,
        "tls_client_key": key if key is not None else cert,
    }


def build(given: Mapping[str, Any]) -> _native.Config:
    """The checked native configuration from a ``Cluster.__init__``'s ``locals()``: explicit
    keywords first, then the ``url``'s settings, then the defaults."""
    args = {k: v for k, v in given.items() if k not in ("self", "kwargs", "__class__")}
    extra = dict(given.get("kwargs") or {})
    url = args.pop("url", None)
    if url is not None:
        for k, v in from_url(url).items():
            if args.get(k) is None:
                args[k] = v
    unknown = sorted(set(extra) - IGNORED_REDIS_PY_KWARGS)
    if unknown:
        raise TypeError(f"Cluster() got unexpected keyword arguments: {', '.join(unknown)}")
    if extra.get("db") not in (None, 0):
        raise _config_error("Redis Cluster has only database 0: drop db= (or pass db=0)")
    encoding, errors = args["encoding"], args["encoding_errors"]
    if encoding.replace("-", "").lower() != "utf8" or errors != "strict":
        raise _config_error(
            "slotwise decodes replies as UTF-8 (strict) only: drop encoding= and "
            "encoding_errors=, or decode bytes replies yourself"
        )
    policy = args["read_policy"] or ("round_robin" if args["read_from_replicas"] else "primary")
    return _native.Config(
        seeds(args["startup_nodes"], args["host"], args["port"]),
        username=args["username"],
        password=args["password"],
        decode_responses=bool(args["decode_responses"]),
        read_policy=policy,
        connect_timeout=args["socket_connect_timeout"],
        request_timeout=args["socket_timeout"],
        max_redirects=args["max_redirects"],
        max_retries=args["max_retries"],
        refresh_interval=args["refresh_interval"],
        **tls_options(args),
        address_map=remap(args["address_remap"]),
        protocol=args["protocol"] or 2,
    )


_BOOL = {"1": True, "true": True, "yes": True, "0": False, "false": False, "no": False}
_BOOL_OPTIONS = ("decode_responses", "ssl", "read_from_replicas")
_FLOAT_OPTIONS = ("socket_timeout", "socket_connect_timeout", "refresh_interval")
_INT_OPTIONS = ("max_redirects", "max_retries", "protocol")
_STR_OPTIONS = (
    "ssl_ca_certs",
    "ssl_cert_reqs",
    "ssl_certfile",
    "ssl_keyfile",
    "read_policy",
    "username",
    "password",
)


def _url_host(h: str) -> str:
    """One ``host[:port]`` of a URL as a seed (port 6379 when absent; IPv6 in brackets)."""
    if h.startswith("["):
        if h.endswith("]"):
            return f"{h}:6379"
        return h
    return h if ":" in h else f"{h}:6379"


def from_url(url: str) -> dict[str, Any]:
    """Keyword arguments from ``redis://[[user]:password@]host:port[,host:port...][/0]``
    (``rediss://`` for TLS), with query options such as ``?decode_responses=true``.
    Error messages show the URL with its credentials replaced by ``***``."""
    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss") or "://" not in url:
        raise _config_error(
            f"unsupported URL scheme in {redact(url)!r}: use redis://host:port or "
            "rediss://host:port"
        )
    kwargs: dict[str, Any] = {}
    netloc = parts.netloc
    if "@" in netloc:
        creds, _, netloc = netloc.rpartition("@")
        user, has_pw, pw = creds.partition(":")
        if has_pw:
            kwargs["password"] = unquote(pw)
            if user:
                kwargs["username"] = unquote(user)
        elif user:
            kwargs["password"] = unquote(user)
    hosts = [h for h in netloc.split(",") if h]
    if not hosts:
        raise _config_error(f"no host in URL {redact(url)!r}: use redis://host:port")
    kwargs["startup_nodes"] = [_url_host(h) for h in hosts]
    db = parts.path.strip("/")
    if db not in ("", "0"):
        if db.isdigit():
            raise _config_error(
                f"Redis Cluster has only database 0, the URL asks for database {db}: drop "
                "the /<db> path (or use /0)"
            )
        raise _config_error(
            "the URL path must be empty or /0 (Redis Cluster has only database 0); a '/' "
            "in a password must be percent-encoded as %2F"
        )
    if parts.scheme == "rediss":
        kwargs["ssl"] = True
    for key, values in parse_qs(parts.query).items():
        value = values[-1]
        if key in _BOOL_OPTIONS:
            if value.lower() not in _BOOL:
                raise _config_error(f"{key} in the URL must be true or false, not {value!r}")
            kwargs[key] = _BOOL[value.lower()]
        elif key in _FLOAT_OPTIONS:
            try:
                kwargs[key] = float(value)
            except ValueError:
                raise _config_error(
                    f"{key} in the URL must be a number of seconds, not {value!r}"
                ) from None
        elif key in _INT_OPTIONS:
            try:
                kwargs[key] = int(value)
            except ValueError:
                raise _config_error(f"{key} in the URL must be an integer, not {value!r}") from None
        elif key in _STR_OPTIONS:
            kwargs[key] = value
        else:
            known = ", ".join(_BOOL_OPTIONS + _FLOAT_OPTIONS + _INT_OPTIONS + _STR_OPTIONS)
            raise _config_error(f"unsupported URL option {key!r} (supported: {known})")
    return kwargs

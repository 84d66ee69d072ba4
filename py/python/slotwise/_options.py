"""Turning redis-py style arguments (startup nodes, URLs, timeouts, TLS) into a checked
:class:`slotwise._native.Config`."""

from __future__ import annotations

import re
import socket
import ssl
from typing import Any, Callable, Iterable, Mapping, Optional, Tuple, Union
from urllib.parse import parse_qs, unquote, urlsplit

from . import _native
from .exceptions import ConfigError, DataError, _error

Address = Tuple[str, int]
AddressRemap = Union[
    Callable[[Address], Union[Address, str, None]],
    Mapping[str, str],
    Mapping[Address, Address],
]

#: redis-py keywords slotwise takes as they are, each with why it needs nothing more (the
#: value is checked): accepted so that switching from ``redis.RedisCluster`` is a one-line
#: change, and listed in the class docstrings.
ACCEPTED_REDIS_PY_KWARGS = {
    "max_connections": "slotwise keeps one multiplexed connection per node, within any limit",
    "single_connection_client": "slotwise keeps one multiplexed connection per node",
    "health_check_interval": "slotwise checks an idle pooled connection before reusing it",
    "socket_read_size": "slotwise sizes its read buffers itself",
    "reinitialize_steps": "slotwise reloads the slot map on the first MOVED (at most every 100 ms)",
}

#: redis-py keywords slotwise refuses whatever their value (beyond None), with what to do.
REFUSED_REDIS_PY_KWARGS = {
    "connection_pool": "slotwise manages its own connections: pass the pool's options "
    "(host=, port=, password=, ssl=...) to the client instead",
    "connection_pool_class": "slotwise manages its own connections",
    "connection_class": "slotwise's connections are native: for TLS pass ssl=True (and "
    "ssl_ca_certs=...)",
    "redis_connect_func": "slotwise's connections are native: use client_name=, lib_name= "
    "or a command after connecting instead",
    "queue_class": "slotwise manages its own connections",
    "timeout": "slotwise does not block waiting for a pooled connection: requests share one "
    "multiplexed connection per node; socket_timeout bounds each request",
    "nodes_flag": "route a command with target_nodes= instead",
    "unix_socket_path": "Redis Cluster nodes are reached over TCP only",
    "path": "Redis Cluster nodes are reached over TCP only",
    "retry_on_error": "slotwise retries connection errors, TRYAGAIN, CLUSTERDOWN and LOADING "
    "itself within socket_timeout; tune that with max_retries=",
    "cache": "client-side caching (CLIENT TRACKING) is not supported by slotwise",
    "cache_config": "client-side caching (CLIENT TRACKING) is not supported by slotwise",
    "event_dispatcher": "slotwise has no redis-py event hooks; see Cluster.stats() for "
    "redirects, retries and reconnects",
    "policy_resolver": "slotwise routes commands by its own command table; use target_nodes= "
    "for a command's nodes",
    "ssl_ca_data": "pass the CA certificates as a file with ssl_ca_certs=",
    "ssl_ca_path": "pass the CA certificates as one file with ssl_ca_certs=",
    "ssl_password": "slotwise reads only unencrypted PEM keys: decrypt the key (openssl pkey) "
    "and pass it with ssl_keyfile=",
    "ssl_include_verify_flags": "slotwise verifies certificates with its own (rustls) "
    "settings",
    "ssl_exclude_verify_flags": "slotwise verifies certificates with its own (rustls) "
    "settings",
    "ssl_min_version": "slotwise negotiates TLS 1.2 or 1.3 (any ssl_min_version up to "
    "TLSv1_2 is taken)",
    "ssl_ciphers": "slotwise negotiates TLS 1.2 or 1.3 only, with rustls' cipher suites",
    "ssl_validate_ocsp": "OCSP checks are not supported by slotwise",
    "ssl_validate_ocsp_stapled": "OCSP checks are not supported by slotwise",
    "ssl_ocsp_context": "OCSP checks are not supported by slotwise",
    "ssl_ocsp_expected_cert": "OCSP checks are not supported by slotwise",
}

#: Every redis-py keyword beyond the constructor's own parameters that slotwise knows (the
#: rest, handled one by one in :func:`_redis_py_options`); others are a TypeError.
_HANDLED_REDIS_PY_KWARGS = frozenset(
    {
        "db",
        "client_name",
        "lib_name",
        "lib_version",
        "driver_info",
        "retry",
        "retry_on_timeout",
        "cluster_error_retry_attempts",
        "load_balancing_strategy",
        "require_full_coverage",
        "dynamic_startup_nodes",
        "socket_keepalive",
        "socket_keepalive_options",
        "credential_provider",
        "legacy_responses",
        "maint_notifications_config",
    }
)

#: redis-py's ``load_balancing_strategy`` values (``LoadBalancingStrategy`` members or their
#: values) as slotwise read policies.
_LOAD_BALANCING = {
    "round_robin": "round_robin",
    "random": "round_robin",
    "round_robin_replicas": "prefer_replica",
    "random_replica": "prefer_replica",
}


def _config_error(message: str) -> ConfigError:
    return _error(ConfigError, message, "CONFIG")


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
            if k not in args:
                extra.setdefault(k, v)
            elif args[k] is None:
                args[k] = v
    known = _HANDLED_REDIS_PY_KWARGS | set(ACCEPTED_REDIS_PY_KWARGS) | set(REFUSED_REDIS_PY_KWARGS)
    unknown = sorted(set(extra) - known)
    if unknown:
        raise TypeError(f"Cluster() got unexpected keyword arguments: {', '.join(unknown)}")
    native = _redis_py_options(extra, args)
    encoding, errors = args["encoding"], args["encoding_errors"]
    if encoding.replace("-", "").lower() != "utf8" or errors != "strict":
        raise _config_error(
            "slotwise decodes replies as UTF-8 (strict) only: drop encoding= and "
            "encoding_errors=, or decode bytes replies yourself"
        )
    policy = (
        args["read_policy"]
        or native.pop("read_policy", None)
        or ("round_robin" if args["read_from_replicas"] else "primary")
    )
    seed_list = seeds(args["startup_nodes"], args["host"], args["port"])
    try:
        return _config(seed_list, args, policy, native)
    except DataError as e:
        if type(e) is DataError and e.code == "CONFIG":  # the native Config's checks
            raise _config_error(str(e)) from None
        raise


def _config(
    seed_list: list[str], args: Mapping[str, Any], policy: str, native: Mapping[str, Any]
) -> _native.Config:
    return _native.Config(
        seed_list,
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
        **native,
    )


def _non_negative(extra: Mapping[str, Any], name: str, integer: bool) -> None:
    v = extra.get(name)
    if v is None:
        return
    kind = (int,) if integer else (int, float)
    if isinstance(v, bool) or not isinstance(v, kind) or v < 0:
        what = "a non-negative integer" if integer else "a non-negative number"
        raise _config_error(f"{name} must be {what}, not {v!r}")


def _name(extra: Mapping[str, Any], key: str, what: str) -> Optional[str]:
    """A CLIENT SETNAME / SETINFO value: a str without spaces or newlines (the server
    refuses those); None or "" for none."""
    v = extra.get(key)
    if v is None or v == "":
        return None
    if not isinstance(v, str):
        raise _config_error(f"{key} must be a str, not {type(v).__name__}")
    if any(c.isspace() or not c.isprintable() for c in v):
        raise _config_error(
            f"{key} {v!r} contains spaces, newlines or control characters, which {what} "
            "refuses"
        )
    return v


#: ``socket_keepalive_options`` keys (``socket.TCP_KEEPIDLE``...) and the native keyword each
#: sets; a system without one of them has no entry.
_KEEPALIVE_OPTIONS = {
    getattr(socket, name): (name, keyword)
    for name, keyword in (
        ("TCP_KEEPIDLE", "tcp_keepalive_idle"),
        ("TCP_KEEPALIVE", "tcp_keepalive_idle"),  # macOS's name for the idle time
        ("TCP_KEEPINTVL", "tcp_keepalive_interval"),
        ("TCP_KEEPCNT", "tcp_keepalive_count"),
    )
    if hasattr(socket, name)
}


def _keepalive(on: Any, options: Any) -> dict[str, Any]:
    """The native keepalive keywords from redis-py's ``socket_keepalive`` and
    ``socket_keepalive_options`` (``{socket.TCP_KEEPIDLE: 60, socket.TCP_KEEPINTVL: 10,
    socket.TCP_KEEPCNT: 3}``)."""
    if not on:
        if options:
            raise _config_error(
                "socket_keepalive_options given without socket_keepalive=True: pass both"
            )
        return {}
    out: dict[str, Any] = {"tcp_keepalive": True}
    if not options:
        return out
    if not isinstance(options, Mapping):
        raise _config_error("socket_keepalive_options must be a dict of socket option: int")
    for key, value in options.items():
        known = _KEEPALIVE_OPTIONS.get(key)
        if known is None:
            names = ", ".join(f"socket.{n}" for n, _ in _KEEPALIVE_OPTIONS.values())
            raise _config_error(
                f"socket_keepalive_options: option {key!r} is not supported (only {names})"
            )
        name, keyword = known
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise _config_error(
                f"socket_keepalive_options[socket.{name}] must be a positive int, not {value!r}"
            )
        out[keyword] = value
    return out


def _redis_py_options(extra: dict[str, Any], args: dict[str, Any]) -> dict[str, Any]:
    """Checks the redis-py keywords beyond the constructor's parameters and returns the
    native ``Config`` keywords they set (``client_name``, ``lib_name``, ``lib_version``,
    ``read_policy``); sets ``max_retries``, ``username``/``password`` in ``args`` when a
    redis-py keyword gives them. Raises DataError (code CONFIG) for the values slotwise
    cannot honour, saying why and what to do."""
    tls_version = getattr(extra.get("ssl_min_version"), "name", None)
    if tls_version in ("TLSv1", "TLSv1_1", "TLSv1_2", "MINIMUM_SUPPORTED"):
        extra.pop("ssl_min_version")  # slotwise's floor, TLS 1.2, is at least that
    for key, why in REFUSED_REDIS_PY_KWARGS.items():
        if extra.get(key):
            raise _config_error(f"{key}= is not supported: {why}")
    if extra.get("db") not in (None, 0, "0"):
        raise _config_error("Redis Cluster has only database 0: drop db= (or pass db=0)")
    for key in ("max_connections", "reinitialize_steps", "cluster_error_retry_attempts"):
        _non_negative(extra, key, integer=True)
    if extra.get("max_connections") == 0:
        raise _config_error("max_connections must be at least 1")
    _non_negative(extra, "health_check_interval", integer=False)
    _non_negative(extra, "socket_read_size", integer=True)
    native: dict[str, Any] = {}

    native["client_name"] = _name(extra, "client_name", "CLIENT SETNAME")
    lib_name, lib_version = _name(extra, "lib_name", "CLIENT SETINFO"), _name(
        extra, "lib_version", "CLIENT SETINFO"
    )
    info = extra.get("driver_info")
    if info is not None:
        name, version = getattr(info, "formatted_name", None), getattr(info, "lib_version", None)
        if not isinstance(name, (str, type(None))) or not isinstance(version, (str, type(None))):
            raise _config_error(
                "driver_info must have formatted_name and lib_version strs (redis-py's "
                "DriverInfo); or pass lib_name= and lib_version="
            )
        lib_name = lib_name or _name({"driver_info": name}, "driver_info", "CLIENT SETINFO")
        lib_version = lib_version or _name(
            {"driver_info": version}, "driver_info", "CLIENT SETINFO"
        )
    native["lib_name"], native["lib_version"] = lib_name, lib_version

    retry = extra.get("retry")
    if retry is not None:
        get = getattr(retry, "get_retries", None)
        if not callable(get):
            raise _config_error(
                "retry must be a redis.retry.Retry (with get_retries()); or pass max_retries="
            )
        if args["max_retries"] is None:
            args["max_retries"] = int(get())
    attempts = extra.get("cluster_error_retry_attempts")
    if attempts is not None and args["max_retries"] is None:
        args["max_retries"] = attempts
    if extra.get("retry_on_timeout"):
        raise _config_error(
            "retry_on_timeout=True is not supported: socket_timeout bounds the whole request, "
            "its redirects and retries included (connection errors, TRYAGAIN, CLUSTERDOWN and "
            "LOADING are retried within it, up to max_retries); raise socket_timeout instead"
        )

    strategy = extra.get("load_balancing_strategy")
    if strategy is not None:
        value = getattr(strategy, "value", strategy)
        policy = _LOAD_BALANCING.get(value) if isinstance(value, str) else None
        if policy is None:
            raise _config_error(
                f"load_balancing_strategy must be a LoadBalancingStrategy "
                f"({', '.join(sorted(_LOAD_BALANCING))}), not {strategy!r}"
            )
        native["read_policy"] = policy

    if extra.get("require_full_coverage"):
        raise _config_error(
            "require_full_coverage=True is not supported: slotwise does not check slot "
            "coverage when it starts; it serves the covered slots and raises "
            "ClusterDownError for the others (redis-py's require_full_coverage=False); pass "
            "that, or check CLUSTER INFO's cluster_state yourself"
        )
    if extra.get("dynamic_startup_nodes") is False:
        raise _config_error(
            "dynamic_startup_nodes=False is not supported: slotwise reloads the slot map from "
            "the nodes it discovered, then the seeds; to reach nodes whose announced "
            "addresses are not reachable, map them with address_remap="
        )
    native.update(_keepalive(extra.get("socket_keepalive"), extra.get("socket_keepalive_options")))
    if extra.get("legacy_responses") is False:
        raise _config_error(
            "legacy_responses=False is not supported: slotwise's replies have redis-py's "
            "default (legacy) shapes"
        )
    maint = extra.get("maint_notifications_config")
    if maint is not None and getattr(maint, "enabled", True) is not False:
        raise _config_error(
            "maint_notifications_config is not supported: slotwise follows MOVED and refreshes "
            "its slot map on its own; drop it (or pass one with enabled=False)"
        )

    provider = extra.get("credential_provider")
    if provider is not None:
        if callable(getattr(provider, "on_next", None)):
            raise _config_error(
                "credential_provider: streaming providers (tokens that are renewed) are not "
                "supported: slotwise authenticates each connection with fixed credentials; "
                "pass username= and password="
            )
        if args["password"] is not None or args["username"] is not None:
            raise _config_error(
                "credential_provider= and username=/password= both given: pass one of them"
            )
        get_credentials = getattr(provider, "get_credentials", None)
        if not callable(get_credentials):
            raise _config_error(
                "credential_provider must have get_credentials() (redis-py's "
                "CredentialProvider)"
            )
        creds = tuple(get_credentials())
        if len(creds) == 1:
            args["password"] = creds[0]
        elif len(creds) == 2:
            args["username"], args["password"] = creds
        else:
            raise _config_error(
                "credential_provider.get_credentials() must return (password,) or "
                "(username, password)"
            )
    return native


_BOOL = {"1": True, "true": True, "yes": True, "0": False, "false": False, "no": False}
_BOOL_OPTIONS = (
    "decode_responses",
    "ssl",
    "read_from_replicas",
    "socket_keepalive",
    "retry_on_timeout",
    "require_full_coverage",
    "dynamic_startup_nodes",
    "single_connection_client",
)
_FLOAT_OPTIONS = (
    "socket_timeout",
    "socket_connect_timeout",
    "refresh_interval",
    "health_check_interval",
)
_INT_OPTIONS = (
    "max_redirects",
    "max_retries",
    "protocol",
    "max_connections",
    "reinitialize_steps",
    "cluster_error_retry_attempts",
)
_STR_OPTIONS = (
    "client_name",
    "lib_name",
    "lib_version",
    "load_balancing_strategy",
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

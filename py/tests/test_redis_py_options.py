"""redis-py's constructor options: each honoured (client_name, lib_name/lib_version,
load_balancing_strategy, retry, credential_provider...) or refused with a DataError that says
why, sync and asyncio, as keywords and URL options."""

from __future__ import annotations

import asyncio
import enum
import socket
import subprocess
import sys
from typing import Any, Callable, Iterator

import pytest

import slotwise
import slotwise.asyncio
from slotwise import _native, _options

from .cluster import Cluster
from .fakenode import FakeNode


class LoadBalancingStrategy(enum.Enum):
    """redis-py's enum, as a user's code passes it (by value)."""

    ROUND_ROBIN = "round_robin"
    ROUND_ROBIN_REPLICAS = "round_robin_replicas"
    RANDOM = "random"
    RANDOM_REPLICA = "random_replica"


class Retry:
    """The part of redis-py's Retry slotwise reads."""

    def __init__(self, retries: int) -> None:
        self._retries = retries

    def get_retries(self) -> int:
        return self._retries


class StaticProvider:
    def __init__(self, *creds: str) -> None:
        self.creds = creds

    def get_credentials(self) -> tuple[str, ...]:
        return self.creds


class StreamingProvider(StaticProvider):
    def on_next(self, callback: Callable[[Any], None]) -> None:
        pass


CLIENTS = [slotwise.Cluster, slotwise.asyncio.Cluster]


@pytest.fixture
def config_kwargs(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[dict[str, Any]]]:
    """The keywords each client construction hands the native Config (the Config is still
    built, so its own checks run)."""
    seen: list[dict[str, Any]] = []
    real = _native.Config

    def record(*args: Any, **kwargs: Any) -> Any:
        seen.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(_native, "Config", record)
    yield seen


def _build(cls: Any, **kwargs: Any) -> None:
    """Constructs a client of ``cls`` on a seed nobody listens on (the asyncio client
    connects lazily; the sync one fails to connect after its options were accepted)."""
    try:
        client = cls(startup_nodes=["127.0.0.1:1"], socket_connect_timeout=0.2,
                     socket_timeout=0.5, **kwargs)
    except slotwise.ConnectionError:
        return
    except slotwise.TimeoutError:
        return
    assert isinstance(client, slotwise.asyncio.Cluster)


@pytest.mark.parametrize("cls", CLIENTS)
def test_mapped_options_reach_the_native_config(cls: Any, config_kwargs: list[dict[str, Any]]) -> None:
    cases: list[tuple[dict[str, Any], dict[str, Any]]] = [
        ({"client_name": "app-1"}, {"client_name": "app-1"}),
        ({"client_name": ""}, {"client_name": None}),
        ({"lib_name": "mylib", "lib_version": "1.2"}, {"lib_name": "mylib", "lib_version": "1.2"}),
        ({"load_balancing_strategy": LoadBalancingStrategy.ROUND_ROBIN}, {"read_policy": "round_robin"}),
        ({"load_balancing_strategy": LoadBalancingStrategy.RANDOM}, {"read_policy": "round_robin"}),
        ({"load_balancing_strategy": LoadBalancingStrategy.ROUND_ROBIN_REPLICAS}, {"read_policy": "prefer_replica"}),
        ({"load_balancing_strategy": "random_replica"}, {"read_policy": "prefer_replica"}),
        ({}, {"read_policy": "primary", "max_retries": None, "client_name": None, "lib_name": None}),
        ({"retry": Retry(2)}, {"max_retries": 2}),
        ({"retry": Retry(2), "max_retries": 7}, {"max_retries": 7}),
        ({"cluster_error_retry_attempts": 4}, {"max_retries": 4}),
        ({"socket_keepalive": True}, {"tcp_keepalive": True, "tcp_keepalive_idle": None}),
        ({"socket_keepalive": True, "socket_keepalive_options": {
            socket.TCP_KEEPIDLE: 30, socket.TCP_KEEPINTVL: 5, socket.TCP_KEEPCNT: 3}},
         {"tcp_keepalive": True, "tcp_keepalive_idle": 30, "tcp_keepalive_interval": 5,
          "tcp_keepalive_count": 3}),
        ({"socket_keepalive": False}, {"tcp_keepalive": None}),
        ({"credential_provider": StaticProvider("pw")}, {"password": "pw", "username": None}),
        ({"credential_provider": StaticProvider("u", "pw")}, {"password": "pw", "username": "u"}),
        # accepted as they are (each has nothing left to do in slotwise)
        ({"max_connections": 10, "health_check_interval": 5, "single_connection_client": True,
          "reinitialize_steps": 3, "socket_read_size": 65536,
          "require_full_coverage": False, "dynamic_startup_nodes": True, "db": 0,
          "legacy_responses": True, "retry_on_timeout": False}, {}),
    ]
    for given, want in cases:
        config_kwargs.clear()
        _build(cls, **given)
        assert config_kwargs, given
        got = config_kwargs[-1]
        assert {k: got.get(k) for k in want} == want, given


def test_url_options_reach_the_native_config(config_kwargs: list[dict[str, Any]]) -> None:
    try:
        slotwise.Cluster.from_url(
            "redis://127.0.0.1:1?client_name=app-2&lib_name=l&lib_version=3"
            "&load_balancing_strategy=round_robin&health_check_interval=2&max_connections=5"
            "&socket_connect_timeout=0.2&socket_timeout=0.5"
        )
    except (slotwise.ConnectionError, slotwise.TimeoutError):
        pass
    got = config_kwargs[-1]
    assert (got["client_name"], got["lib_name"], got["lib_version"], got["read_policy"]) == (
        "app-2", "l", "3", "round_robin"
    )
    with pytest.raises(slotwise.DataError, match="require_full_coverage=True"):
        slotwise.Cluster.from_url("redis://127.0.0.1:1?require_full_coverage=true")


REFUSED: list[tuple[dict[str, Any], str]] = [
    ({"require_full_coverage": True}, "does not check slot coverage"),
    ({"dynamic_startup_nodes": False}, "address_remap"),
    ({"socket_keepalive_options": {socket.TCP_KEEPIDLE: 5}}, "without socket_keepalive=True"),
    ({"socket_keepalive": True, "socket_keepalive_options": {999: 1}}, "not supported"),
    ({"socket_keepalive": True, "socket_keepalive_options": {socket.TCP_KEEPCNT: b"3"}}, "positive int"),
    ({"retry_on_timeout": True}, "raise socket_timeout"),
    ({"retry_on_error": [TimeoutError]}, "max_retries"),
    ({"cache_config": object()}, "client-side caching"),
    ({"cache": object()}, "client-side caching"),
    ({"event_dispatcher": object()}, "stats"),
    ({"connection_class": object}, "ssl=True"),
    ({"connection_pool": object()}, "manages its own connections"),
    ({"ssl_password": "x"}, "unencrypted"),
    ({"ssl_ca_data": "PEM"}, "ssl_ca_certs"),
    ({"legacy_responses": False}, "legacy"),
    ({"load_balancing_strategy": "fastest"}, "LoadBalancingStrategy"),
    ({"client_name": "has space"}, "CLIENT SETNAME"),
    ({"lib_name": "a\nb"}, "CLIENT SETINFO"),
    ({"client_name": 5}, "must be a str"),
    ({"max_connections": 0}, "at least 1"),
    ({"health_check_interval": -1}, "non-negative"),
    ({"retry": object()}, "Retry"),
    ({"credential_provider": StreamingProvider("pw")}, "streaming"),
    ({"credential_provider": StaticProvider("pw"), "password": "x"}, "one of them"),
    ({"db": 2}, "database 0"),
]


@pytest.mark.parametrize("cls", CLIENTS)
@pytest.mark.parametrize("given,why", REFUSED, ids=[next(iter(g)) + str(i) for i, (g, _) in enumerate(REFUSED)])
def test_refused_options_say_why(cls: Any, given: dict[str, Any], why: str) -> None:
    with pytest.raises(slotwise.DataError, match=why) as e:
        cls(startup_nodes=["127.0.0.1:1"], **given)
    assert e.value.code == "CONFIG"


@pytest.mark.parametrize("cls", CLIENTS)
def test_unknown_keywords_are_a_type_error(cls: Any) -> None:
    with pytest.raises(TypeError, match="no_such_option"):
        cls(startup_nodes=["127.0.0.1:1"], no_such_option=1)


def test_client_name_names_every_connection(cluster: Cluster) -> None:
    with slotwise.Cluster(startup_nodes=cluster.seeds[:1], client_name="sw-app") as rc:
        assert rc.client_getname() in (b"sw-app", "sw-app")
        assert rc.execute_command("CLIENT", "GETNAME") in (b"sw-app", "sw-app")

    async def main() -> None:
        async with slotwise.asyncio.Cluster(
            startup_nodes=cluster.seeds[:1], client_name="sw-aio", decode_responses=True
        ) as arc:
            names = [line for line in (await arc.client_list()) if line.get("name") == "sw-aio"]
            assert names

    asyncio.run(main())


def test_lib_info_is_sent_and_an_old_servers_refusal_ignored(cluster: Cluster, p: str) -> None:
    # The test servers (Redis 7.0) do not know CLIENT SETINFO: the client still connects.
    with slotwise.Cluster(startup_nodes=cluster.seeds[:1], lib_name="mylib", lib_version="9") as rc:
        rc.set(p + "k", "v")
        assert rc.get(p + "k") == b"v"

    def script(argv: list[bytes]) -> bytes:
        if argv[:2] == [b"CLIENT", b"SETINFO"]:
            return b"-ERR unknown subcommand 'SETINFO'. Try CLIENT HELP.\r\n"
        return b"+OK\r\n"

    with FakeNode(script) as node, slotwise.Cluster(
        startup_nodes=[node.addr], lib_name="mylib", lib_version="9", client_name="n1"
    ) as rc:
        assert rc.set("k", "v") is True
        sent = node.commands(b"CLIENT")
        assert [b"CLIENT", b"SETNAME", b"n1"] in sent
        assert [b"CLIENT", b"SETINFO", b"LIB-NAME", b"mylib"] in sent
        assert [b"CLIENT", b"SETINFO", b"LIB-VER", b"9"] in sent


def test_credential_provider_authenticates(cluster: Cluster) -> None:
    def script(argv: list[bytes]) -> bytes:
        return b"+OK\r\n"

    with FakeNode(script) as node, slotwise.Cluster(
        startup_nodes=[node.addr], credential_provider=StaticProvider("app", "s3cret")
    ) as rc:
        assert rc.set("k", "v") is True
        assert [b"AUTH", b"app", b"s3cret"] in node.commands(b"AUTH")


@pytest.mark.skipif(sys.platform != "linux", reason="reads the kernel's keepalive timers (ss)")
def test_socket_keepalive_reaches_the_sockets(cluster: Cluster) -> None:
    """The connections a client opens run the kernel's keepalive timer (``ss -o`` shows
    ``timer:(keepalive,...)``) with socket_keepalive=True, sync and asyncio, and not without."""
    port = int(cluster.seeds[0].rpartition(":")[2])

    def sockets() -> dict[str, bool]:
        """Established connections to the seed: local address -> keepalive timer on."""
        out = subprocess.run(
            ["ss", "-tnoH", "state", "established", f"dport = :{port}"],
            capture_output=True, text=True,
        )
        if out.returncode != 0:
            pytest.skip("no ss here")
        return {line.split()[2]: "keepalive" in line for line in out.stdout.splitlines() if line.strip()}

    def opened_by(connect: Callable[[], object]) -> list[bool]:
        before = sockets()
        connect()
        new = [ka for local, ka in sockets().items() if local not in before]
        assert new, "the client opened no connection to the seed"
        return new

    opts = {socket.TCP_KEEPIDLE: 600, socket.TCP_KEEPINTVL: 5, socket.TCP_KEEPCNT: 3}
    clients: list[Any] = []

    def sync(**kwargs: Any) -> Callable[[], None]:
        def connect() -> None:
            rc = slotwise.Cluster(startup_nodes=cluster.seeds[:1], **kwargs)
            clients.append(rc)
            rc.execute_command("PING")
        return connect

    assert all(opened_by(sync(socket_keepalive=True, socket_keepalive_options=opts)))
    assert not any(opened_by(sync()))

    loop = asyncio.new_event_loop()
    try:
        arc = slotwise.asyncio.Cluster(startup_nodes=cluster.seeds[:1], socket_keepalive=True)
        assert all(opened_by(lambda: loop.run_until_complete(arc.initialize())))
        loop.run_until_complete(arc.aclose())
    finally:
        loop.close()
    for rc in clients:
        rc.close()

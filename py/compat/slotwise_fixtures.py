"""pytest plugin for redis-py's own test suite: its cluster client fixtures give slotwise.

Loaded with ``-p slotwise_fixtures`` (``py/compat`` on ``PYTHONPATH``) in a run of redis-py
8.1.0's ``tests/`` against a cluster (``--redis-url`` names one of its nodes). It swaps, as
each conftest registers and before pytest reads its fixtures:

* ``tests.conftest._get_client`` (behind ``r``, ``decoded_r``, ``r2``, ``r_timeout`` and the
  tests that call it directly): a ``slotwise.Cluster`` from the same URL, with the fixture's
  keyword options (``decode_responses``, ``protocol``, ...) passed on as given;
* ``tests.test_asyncio.conftest.create_redis`` (behind the asyncio ``r``, ``decoded_r``,
  ``r2``): a factory of ``slotwise.asyncio.Cluster``, same parameters and ids as redis-py's.

Options slotwise does not take make the constructor raise: such a test fails, it is not
quietly run on a different client. Every test that got a slotwise client carries the junit
property ``slotwise_client``; ``compare.py`` counts a test as exercising the client by it.
Teardown flushes the primaries with redis-py (the test tool), as redis-py's fixtures do.
"""

from __future__ import annotations

import sys
from typing import Any, Callable, List, Optional

import pytest
import pytest_asyncio

import slotwise
import slotwise.asyncio

_ORIGINAL: dict[str, Any] = {}
_FLUSHER: List[Any] = []


def _mark(request: Any) -> None:
    node = getattr(request, "node", None)
    if node is not None and ("slotwise_client", "1") not in node.user_properties:
        node.user_properties.append(("slotwise_client", "1"))


def _flush_primaries(url: str) -> None:
    import redis

    if not _FLUSHER:
        _FLUSHER.append(redis.RedisCluster.from_url(url))
    try:
        _FLUSHER[0].flushdb(target_nodes="primaries")
    except redis.RedisError:
        _FLUSHER.clear()


def _options(request: Any, kwargs: dict[str, Any], url: str) -> dict[str, Any]:
    """The fixture's keyword options, with the command-line defaults redis-py's fixtures
    apply (``--protocol``, ``--legacy-responses``)."""
    if "protocol" not in url and kwargs.get("protocol") is None:
        opt = request.config.getoption("--protocol")
        if opt:
            kwargs["protocol"] = opt
    if "legacy_responses" not in kwargs:
        opt = request.config.getoption("--legacy-responses")
        if opt and opt != "default":
            kwargs["legacy_responses"] = opt.lower() == "true"
    if kwargs.get("protocol") is not None:
        kwargs["protocol"] = int(kwargs["protocol"])
    return kwargs


def _get_client(
    cls: Any,
    request: Any,
    single_connection_client: bool = True,
    flushdb: bool = True,
    from_url: Optional[str] = None,
    **kwargs: Any,
) -> Any:
    """redis-py's ``_get_client`` with a ``slotwise.Cluster`` in its cluster branch."""
    from tests.conftest import REDIS_INFO

    if not REDIS_INFO.get("cluster_enabled"):
        raise RuntimeError("slotwise_fixtures needs --redis-url to name a cluster node")
    url = from_url or request.config.getoption("--redis-url")
    kwargs.pop("ssl", None)
    client = slotwise.Cluster.from_url(url, **_options(request, kwargs, url))
    if request is not None:
        _mark(request)

        def teardown() -> None:
            client.close()
            if flushdb:
                _flush_primaries(url)

        request.addfinalizer(teardown)
    return client


@pytest_asyncio.fixture(
    params=[
        pytest.param(
            (True,),
            marks=pytest.mark.skipif(
                'config.REDIS_INFO["cluster_enabled"]', reason="cluster mode enabled"
            ),
        ),
        (False,),
    ],
    ids=["single", "pool"],
)
async def create_redis(request: Any) -> Any:
    """redis-py's asyncio ``create_redis`` giving ``slotwise.asyncio.Cluster`` clients."""
    teardowns: List[Callable[[], Any]] = []

    async def client_factory(
        url: str = request.config.getoption("--redis-url"),
        cls: Any = None,
        flushdb: bool = True,
        **kwargs: Any,
    ) -> Any:
        kwargs.pop("single_connection_client", None)
        client = slotwise.asyncio.Cluster.from_url(url, **_options(request, kwargs, url))
        _mark(request)

        async def teardown() -> None:
            await client.aclose()
            if flushdb:
                _flush_primaries(url)

        teardowns.append(teardown)
        # Connected before the test, as redis-py's create_redis does: a test that mocks
        # every node of get_nodes() then runs a command (cluster_reset(target_nodes="all")...)
        # must find the nodes, not an empty list that leaves the real command unmocked.
        await client.initialize()
        return client

    yield client_factory
    for teardown in teardowns:
        await teardown()


@pytest.hookimpl(tryfirst=True)
def pytest_plugin_registered(plugin: Any, plugin_name: str) -> None:
    """Swaps the client builders of redis-py's conftests before their fixtures are read."""
    name = getattr(plugin, "__name__", "")
    if name == "tests.conftest":
        _ORIGINAL["_get_client"] = plugin._get_client
        plugin._get_client = _get_client
    elif name == "tests.test_asyncio.conftest":
        plugin.create_redis = create_redis


def pytest_collection_modifyitems(items: List[Any]) -> None:
    """Test modules that imported ``_get_client`` by name call slotwise's too."""
    original = _ORIGINAL.get("_get_client")
    for mod in list(sys.modules.values()):
        if getattr(mod, "__name__", "").startswith("tests.") and original is not None:
            if getattr(mod, "_get_client", None) is original:
                mod._get_client = _get_client

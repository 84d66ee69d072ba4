"""One command method run on each face: the sync and asyncio clients and their pipelines
(the ``call`` fixture of conftest.py)."""

from __future__ import annotations

import asyncio
import importlib
from typing import Any, Callable, Iterator

import pytest

import slotwise
import slotwise.asyncio

from .cluster import Cluster

#: Runs one command method: ``call("zadd", "z", {"a": 1})`` gives its reply.
Call = Callable[..., Any]

FACES = ["sync", "sync-pipeline", "asyncio", "asyncio-pipeline"]

#: The redis-py release the face follows (names, signatures, reply shapes).
REDIS_PY_VERSION = "8.1.0"


def redis_py(module: str = "redis") -> Any:
    """redis-py's ``module``, for the checks that compare slotwise with redis-py side by
    side; the test skips unless that release (REDIS_PY_VERSION) is installed (another release
    has other signatures: ``make bench-py`` installs a newer one into the same venv)."""
    redis = pytest.importorskip("redis")
    if redis.__version__ != REDIS_PY_VERSION:
        pytest.skip(f"compares with redis-py {REDIS_PY_VERSION}, not {redis.__version__}")
    return importlib.import_module(module)


def on_face(face: str, cluster: Cluster) -> Iterator[Call]:
    """Yields a :data:`Call` running methods on ``face`` (one of :data:`FACES`)."""
    if face.startswith("sync"):
        rc = slotwise.Cluster(startup_nodes=cluster.seeds[:1])

        def sync_call(method: str, *args: Any, **kwargs: Any) -> Any:
            if face == "sync":
                return getattr(rc, method)(*args, **kwargs)
            return getattr(rc.pipeline(), method)(*args, **kwargs).execute()[0]

        try:
            yield sync_call
        finally:
            rc.close()
        return

    loop = asyncio.new_event_loop()

    async def connect() -> slotwise.asyncio.Cluster:
        return await slotwise.asyncio.Cluster(startup_nodes=cluster.seeds[:1]).initialize()

    arc = loop.run_until_complete(connect())

    async def one(method: str, args: Any, kwargs: Any) -> Any:
        if face == "asyncio":
            return await getattr(arc, method)(*args, **kwargs)
        return (await getattr(arc.pipeline(), method)(*args, **kwargs).execute())[0]

    def async_call(method: str, *args: Any, **kwargs: Any) -> Any:
        return loop.run_until_complete(one(method, args, kwargs))

    try:
        yield async_call
    finally:
        loop.run_until_complete(arc.aclose())
        loop.close()

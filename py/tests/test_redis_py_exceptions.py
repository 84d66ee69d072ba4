"""redis-py's exception names and classes: NOSCRIPT/EXECABORT/... replies raise redis-py's
classes, and slotwise's classes derive from redis-py's when redis-py is imported (before or
after slotwise), without slotwise importing it (checked in subprocesses)."""

from __future__ import annotations

import asyncio
import os
import pathlib
import subprocess
import sys
import textwrap
from typing import Callable

import pytest

import slotwise
import slotwise.asyncio
from slotwise import exceptions

from .cluster import Cluster
from .fakenode import FakeNode

PYTHON_DIR = pathlib.Path(slotwise.__file__).resolve().parent.parent


def _run(code: str, python: str = sys.executable) -> str:
    """Runs ``code`` in a fresh interpreter seeing this slotwise; returns its stdout."""
    out = subprocess.run(
        [python, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(PYTHON_DIR), "PYTHONDONTWRITEBYTECODE": "1"},
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    return out.stdout


def _has_redis(python: str) -> bool:
    code = "import importlib.util, sys; sys.exit(importlib.util.find_spec('redis') is None)"
    return subprocess.run([python, "-c", code]).returncode == 0


def _python_with_redis() -> str:
    """An interpreter that can import redis-py: this one, ``$SLOTWISE_REDIS_PYTHON``, or
    the venv of ``make compat-py`` (target/compat/venv)."""
    candidates = [sys.executable, os.environ.get("SLOTWISE_REDIS_PYTHON", "")]
    root = pathlib.Path(__file__).resolve().parents[2]
    candidates.append(str(root / "target/compat/venv/bin/python"))
    for candidate in candidates:
        if candidate and pathlib.Path(candidate).exists() and _has_redis(candidate):
            return candidate
    pytest.skip("no interpreter with redis-py (set SLOTWISE_REDIS_PYTHON to one)")


def test_redis_py_names_are_all_there() -> None:
    for name in exceptions._TWINS:
        cls = getattr(slotwise, name)
        assert issubclass(cls, slotwise.RedisError), name
        assert cls is getattr(exceptions, name)
    assert slotwise.ClusterCrossSlotError is slotwise.CrossSlotError
    for cls in (slotwise.NoScriptError, slotwise.ExecAbortError, slotwise.OutOfMemoryError,
                slotwise.ModuleError, slotwise.CrossSlotError):
        assert issubclass(cls, slotwise.ResponseError)
    assert issubclass(slotwise.MasterDownError, slotwise.ClusterDownError)
    assert issubclass(slotwise.ClusterError, slotwise.RedisClusterException)
    assert issubclass(slotwise.RedirectBudgetError, slotwise.RedisClusterException)
    assert issubclass(slotwise.CrossSlotError, slotwise.RedisClusterException)
    assert issubclass(slotwise.ProtocolError, slotwise.InvalidResponse)
    assert issubclass(slotwise.ProtocolError, slotwise.ConnectionError)
    assert issubclass(slotwise.LockNotOwnedError, ValueError)
    err = slotwise.LockError("gone", lock_name="l")
    assert (err.message, err.lock_name, err.code, err.node) == ("gone", "l", "LOCK", None)
    assert slotwise.WatchError("x").code == "WATCH"
    assert slotwise.NoScriptError("x").code == "NOSCRIPT"
    assert repr(slotwise.ResponseError("ERR x")) == "ResponseError('ERR x')"


def test_without_redis_py_nothing_imports_it() -> None:
    """With redis-py unimportable (a path entry that hides it), slotwise imports, its classes
    have slotwise's bases only, and an import hook waits for redis.exceptions."""
    out = _run(
        """
        import sys

        class Hide:
            def find_spec(self, name, path=None, target=None):
                if name == "redis" or name.startswith("redis."):
                    raise ModuleNotFoundError(name)

        sys.meta_path.insert(0, Hide())
        import slotwise
        from slotwise import exceptions
        assert not any(m == "redis" or m.startswith("redis.") for m in sys.modules)
        assert exceptions._HOOK in sys.meta_path
        for cls in vars(exceptions).values():
            if isinstance(cls, type) and issubclass(cls, BaseException):
                assert all(not k.__module__.startswith("redis") for k in cls.__mro__), cls
        try:
            import redis.exceptions
        except ModuleNotFoundError:
            print("no redis")
        print(slotwise.RedisError.__mro__[1].__name__)
        """
    )
    assert out.splitlines() == ["no redis", "ErrorBase"]


@pytest.mark.parametrize("order", ["redis first", "slotwise first"])
def test_with_redis_py_every_class_derives_from_its_namesake(order: str) -> None:
    python = _python_with_redis()
    first, second = ("import redis", "import slotwise") if order == "redis first" else (
        "import slotwise", "import redis"
    )
    out = _run(
        f"""
        import sys
        {first}
        {second}
        import redis.exceptions as r
        from slotwise import exceptions as e
        assert e._HOOK not in sys.meta_path
        for name, twin in e._TWINS.items():
            assert issubclass(getattr(e, name), getattr(r, twin)), name
        assert issubclass(e.ClusterError, r.RedisClusterException)
        assert issubclass(e.CrossSlotError, r.RedisClusterException)
        assert issubclass(e.ProtocolError, r.InvalidResponse)
        assert issubclass(e.ConfigError, r.DataError)
        assert issubclass(e.ConfigError, r.RedisClusterException)
        assert issubclass(e.ClusterUnreachableError, r.ConnectionError)
        assert issubclass(e.ClusterUnreachableError, r.RedisClusterException)
        # redis.exceptions loads as usual: its own loader, nothing of slotwise's left behind
        assert type(r.__loader__).__name__ == "SourceFileLoader", r.__loader__
        try:
            raise e.NoScriptError("NOSCRIPT No matching script")
        except r.NoScriptError as caught:
            print(type(caught).__name__, caught.code, repr(caught))
        try:
            raise e.RedisError("x")
        except r.RedisError:
            print("root caught")
        """,
        python,
    )
    assert out.splitlines() == [
        "NoScriptError NOSCRIPT NoScriptError('NOSCRIPT No matching script')",
        "root caught",
    ]


@pytest.mark.parametrize("cls", [slotwise.Cluster, slotwise.asyncio.Cluster])
def test_option_errors_are_cluster_exceptions_too(cls: type) -> None:
    """As redis-py's cluster client raises RedisClusterException for its options, slotwise's
    ConfigError is one (and a DataError), from Python's checks and the native ones."""
    cases: list[dict[str, object]] = [
        {"startup_nodes": []},
        {"startup_nodes": ["127.0.0.1:1"], "db": 3},
        {"startup_nodes": ["127.0.0.1:1"], "read_policy": "fastest"},  # checked natively
    ]
    for kwargs in cases:
        with pytest.raises(slotwise.ConfigError) as e:
            cls(**kwargs)
        assert isinstance(e.value, slotwise.DataError)
        assert isinstance(e.value, slotwise.RedisClusterException)
        assert e.value.code == "CONFIG"


def test_no_reachable_seed_is_a_cluster_exception_too() -> None:
    with pytest.raises(slotwise.ClusterUnreachableError) as e:
        slotwise.Cluster(startup_nodes=["127.0.0.1:1"], socket_connect_timeout=0.5)
    assert isinstance(e.value, slotwise.ConnectionError)
    assert isinstance(e.value, slotwise.RedisClusterException)
    assert e.value.code == "CONNECTION"
    assert "127.0.0.1:1" in str(e.value)

    async def main() -> None:
        rc = slotwise.asyncio.Cluster(startup_nodes=["127.0.0.1:1"], socket_connect_timeout=0.5)
        with pytest.raises(slotwise.ClusterUnreachableError):
            await rc.initialize()
        await rc.aclose()

    asyncio.run(main())


def test_server_error_replies_raise_redis_py_classes() -> None:
    replies = {
        b"EVALSHA": b"-NOSCRIPT No matching script. Please use EVAL.\r\n",
        # A reply's class depends on its text only (EXEC itself is sent by pipelines).
        b"APPEND": b"-EXECABORT Transaction discarded because of previous errors.\r\n",
        b"SET": b"-OOM command not allowed when used memory > 'maxmemory'.\r\n",
        b"MODULE": b"-ERR Error loading the extension. Please check the server logs.\r\n",
        b"GET": b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
        b"INCR": b"-ERR max number of clients reached\r\n",
    }

    def script(argv: list[bytes]) -> bytes:
        return replies.get(argv[0].upper(), b"+OK\r\n")

    with FakeNode(script) as node, slotwise.Cluster(startup_nodes=[node.addr]) as rc:
        cases: list[tuple[type[slotwise.RedisError], str, Callable[[], object]]] = [
            (slotwise.NoScriptError, "NOSCRIPT", lambda: rc.execute_command("EVALSHA", "a" * 40, 1, "k")),
            (slotwise.ExecAbortError, "EXECABORT", lambda: rc.append("k", "v")),
            (slotwise.OutOfMemoryError, "OOM", lambda: rc.set("k", "v")),
            (slotwise.ModuleError, "ERR", lambda: rc.execute_command("MODULE", "LOAD", "/x.so")),
            (slotwise.ConnectionError, "ERR", lambda: rc.execute_command("INCR", "k")),
        ]
        for cls, code, call in cases:
            with pytest.raises(cls) as e:
                call()
            assert e.value.code == code
            assert e.value.node == node.addr
            assert isinstance(e.value, slotwise.RedisError)
        with pytest.raises(slotwise.ResponseError) as e:
            rc.get("k")
        assert type(e.value) is slotwise.ResponseError
        assert str(e.value).startswith("WRONGTYPE")


def test_noscript_from_a_real_node_and_in_a_pipeline(rc: slotwise.Cluster, p: str) -> None:
    with pytest.raises(slotwise.NoScriptError) as e:
        rc.execute_command("EVALSHA", "f" * 40, 1, p + "k")
    assert e.value.code == "NOSCRIPT"
    pipe = rc.pipeline()
    pipe.execute_command("EVALSHA", "f" * 40, 1, p + "k")
    pipe.set(p + "k", "v")
    results = pipe.execute(raise_on_error=False)
    assert isinstance(results[0], slotwise.NoScriptError)
    assert results[1] is True


def test_asyncio_noscript(cluster: Cluster, p: str) -> None:
    async def main() -> None:
        async with slotwise.asyncio.Cluster(startup_nodes=cluster.seeds[:1]) as rc:
            with pytest.raises(slotwise.NoScriptError):
                await rc.execute_command("EVALSHA", "f" * 40, 1, p + "k")

    asyncio.run(main())

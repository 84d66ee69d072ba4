"""address_remap mistakes: an answer or a dict entry that is not exactly an address is
refused at once with a DataError (code CONFIG) naming the announced address, the answer and
what is wrong, before anything connects to it (sync and asyncio clients)."""

from __future__ import annotations

import asyncio
import re
import time
from typing import Any, Callable

import pytest

import slotwise
import slotwise.asyncio

from .cluster import Cluster

#: Mistakes are reported at once, well inside this request timeout (the bug was waiting it
#: out).
TIMEOUT = 10.0

Remap = Callable[[tuple[str, int]], Any]

#: (answer for an announced (host, port), what the error says about it)
BAD_ANSWERS: list[tuple[Remap, str]] = [
    (
        lambda a: ("127.0.0.1", a[1], 3),
        r"address_remap returned \('127\.0\.0\.1', \d+, 3\): a tuple of 3 items, not a "
        r"\(host, port\) pair",
    ),
    (lambda a: (7000, 7001), r"\(7000, 7001\): the host 7000 is a int, not a str"),
    (
        lambda a: ("127.0.0.1", -5),
        r'to "127\.0\.0\.1:-5", which is not an address: the port "-5" is not a number '
        r"from 1 to 65535",
    ),
    (lambda a: ("127.0.0.1", 2**70), r"the port 1180591620717411303424 is not a number"),
    (
        lambda a: ("127.0.0.1 ", a[1]),
        r'to "127\.0\.0\.1 :\d+", which is not an address: the host "127\.0\.0\.1 " '
        r"contains whitespace",
    ),
    (
        lambda a: ("127.0.0.1\x1b", a[1]),
        r'the host "127\.0\.0\.1\\u\{1b\}" contains whitespace or a control character',
    ),
    (lambda a: ("127.0.0.1", str(a[1])), r"the port '\d+' is a str, not an int"),
    (lambda a: ("127.0.0.1", True), r"the port True is a bool, not an int"),
    (lambda a: a[1], r"returned \d+: a int is neither a \"host:port\" str nor a \(host, port\)"),
    (lambda a: f"127.0.0.1:{a[1] + 70000}", r'to "127\.0\.0\.1:\d+", which is not an address: the port'),
]


def check(e: pytest.ExceptionInfo[slotwise.DataError], expected: str, took: float) -> None:
    message = str(e.value)
    assert e.value.code == "CONFIG", message
    assert re.search(r"127\.0\.0\.1:\d+", message), f"names the announced address: {message}"
    assert re.search(expected, message), message
    assert not re.search(r"[\x00-\x1f\x7f]", message), f"control characters escaped: {message!r}"
    assert took < TIMEOUT / 2, f"refused after {took:.1f} s"


@pytest.mark.parametrize("answer,expected", BAD_ANSWERS)
def test_a_bad_answer_is_refused_at_once(cluster: Cluster, answer: Remap, expected: str) -> None:
    started = time.monotonic()
    with pytest.raises(slotwise.DataError) as e:
        slotwise.Cluster(startup_nodes=cluster.seeds[:1], socket_timeout=TIMEOUT, address_remap=answer)
    check(e, expected, time.monotonic() - started)


@pytest.mark.parametrize("answer,expected", BAD_ANSWERS)
def test_a_bad_answer_is_refused_at_once_asyncio(cluster: Cluster, answer: Remap, expected: str) -> None:
    async def main() -> None:
        async with slotwise.asyncio.Cluster(
            startup_nodes=cluster.seeds[:1], socket_timeout=TIMEOUT, address_remap=answer
        ) as rc:
            await rc.set("k", "v")

    started = time.monotonic()
    with pytest.raises(slotwise.DataError) as e:
        asyncio.run(main())
    check(e, expected, time.monotonic() - started)


def test_host_port_pairs_str_and_none_answers_work(cluster: Cluster, p: str) -> None:
    answers: list[Remap] = [
        lambda a: a,
        lambda a: [a[0], a[1]],
        lambda a: f"{a[0]}:{a[1]}",
        lambda a: None,
    ]
    for answer in answers:
        with slotwise.Cluster(startup_nodes=cluster.seeds[:1], address_remap=answer) as rc:
            rc.set(p + "k", "v")
            assert rc.get(p + "k") == b"v"


BAD_ENTRIES: list[tuple[Callable[[str, int], dict[Any, Any]], str]] = [
    (lambda a, port: {a: ("127.0.0.1", port, 3)}, r"a tuple of 3 items, not a \(host, port\) pair"),
    (lambda a, port: {a: (7000, 7001)}, r"the host 7000 is a int, not a str"),
    (
        lambda a, port: {a: ("127.0.0.1", -5)},
        r'the reachable address "127\.0\.0\.1:-5" is not "host:port" \(the port "-5"',
    ),
    (lambda a, port: {a: f"127.0.0.1 :{port}"}, r'the host "127\.0\.0\.1 " contains whitespace'),
    (lambda a, port: {a: "127.0.0.1\n:7000"}, r'the host "127\.0\.0\.1\\n" contains whitespace'),
    (lambda a, port: {"nowhere": a}, r'the announced address "nowhere" is not "host:port"'),
    (lambda a, port: {a: None}, r"None: a NoneType is neither"),
]


@pytest.mark.parametrize("entries,expected", BAD_ENTRIES)
def test_a_bad_dict_entry_is_refused_when_the_client_is_built(
    cluster: Cluster, entries: Callable[[str, int], dict[Any, Any]], expected: str
) -> None:
    node = cluster.nodes[0]
    with pytest.raises(slotwise.DataError) as e:
        slotwise.Cluster(startup_nodes=cluster.seeds[:1], address_remap=entries(node.addr, node.port))
    message = str(e.value)
    assert e.value.code == "CONFIG", message
    assert message.startswith("address_remap"), message
    assert re.search(expected, message), message
    assert not re.search(r"[\x00-\x1f\x7f]", message), repr(message)

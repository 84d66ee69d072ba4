"""Fixtures: one cluster for the whole session, fresh clusters for tests that change the
topology, and an authenticated cluster."""

from __future__ import annotations

import itertools
from typing import Iterator

import pytest

import slotwise

from .cluster import Cluster
from .faces import FACES, Call, on_face

_counter = itertools.count()


@pytest.fixture(scope="session")
def cluster() -> Iterator[Cluster]:
    c = Cluster.up()
    try:
        yield c
    finally:
        c.down()


@pytest.fixture
def fresh_cluster() -> Iterator[Cluster]:
    """A cluster of its own, for a test that moves slots or fails nodes over."""
    c = Cluster.up()
    try:
        yield c
    finally:
        c.down()


@pytest.fixture(scope="module")
def auth_cluster() -> Iterator[Cluster]:
    c = Cluster.up("--acl-user", "app:app-secret", password="s3cret")
    try:
        yield c
    finally:
        c.down()


@pytest.fixture
def rc(cluster: Cluster) -> Iterator[slotwise.Cluster]:
    client = slotwise.Cluster(startup_nodes=cluster.seeds[:1])
    try:
        yield client
    finally:
        client.close()


@pytest.fixture
def p(request: pytest.FixtureRequest) -> str:
    """A key prefix of this test's own."""
    return f"t{next(_counter)}:{request.node.name[:40]}:"


@pytest.fixture(params=FACES)
def call(request: pytest.FixtureRequest, cluster: Cluster) -> Iterator[Call]:
    """Runs one command method on each face in turn (see faces.py)."""
    yield from on_face(request.param, cluster)

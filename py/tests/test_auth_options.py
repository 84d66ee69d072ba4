"""Authentication, URLs, startup node forms, address remapping, TLS."""

from __future__ import annotations

import pytest

import slotwise

from .cluster import Cluster


def test_password_and_acl_user(auth_cluster: Cluster, p: str) -> None:
    with slotwise.Cluster(startup_nodes=auth_cluster.seeds[:1], password="s3cret") as rc:
        rc.set(p + "k", "v")
        assert rc.get(p + "k") == b"v"
    with slotwise.Cluster(startup_nodes=auth_cluster.seeds[:1], username="app", password="app-secret") as rc:
        assert rc.get(p + "k") == b"v"


def test_auth_failure_is_an_authentication_error(auth_cluster: Cluster) -> None:
    with pytest.raises(slotwise.AuthenticationError) as e:
        slotwise.Cluster(startup_nodes=auth_cluster.seeds[:1], password="wrong")
    assert e.value.code == "NOAUTH"
    assert "wrong" not in str(e.value)
    assert isinstance(e.value, slotwise.ConnectionError)
    with pytest.raises(slotwise.AuthenticationError):
        slotwise.Cluster(startup_nodes=auth_cluster.seeds[:1])
    with pytest.raises(slotwise.AuthenticationError):
        slotwise.Cluster(startup_nodes=auth_cluster.seeds[:1], username="app", password="nope")


def test_from_url(auth_cluster: Cluster, p: str) -> None:
    seed = auth_cluster.seeds[0]
    with slotwise.Cluster.from_url(f"redis://:s3cret@{seed}/0?decode_responses=true") as rc:
        rc.set(p + "k", "v")
        assert rc.get(p + "k") == "v"
    with slotwise.Cluster.from_url(f"redis://app:app-secret@{seed},{auth_cluster.seeds[1]}") as rc:
        assert rc.get(p + "k") == b"v"
    with slotwise.Cluster.from_url(f"redis://app:app-secret@{seed}", decode_responses=True) as rc:
        assert rc.get(p + "k") == "v"
    with pytest.raises(slotwise.DataError, match="scheme"):
        slotwise.Cluster.from_url(f"http://{seed}")
    with pytest.raises(slotwise.DataError, match="database 0"):
        slotwise.Cluster.from_url(f"redis://{seed}/3")


def test_startup_node_forms(cluster: Cluster) -> None:
    host, _, port = cluster.seeds[0].rpartition(":")
    forms: list[object] = [
        cluster.seeds[0],
        [cluster.seeds[0], "127.0.0.1:1"],
        [slotwise.ClusterNode(host, int(port))],
        [(host, int(port))],
    ]
    for form in forms:
        with slotwise.Cluster(startup_nodes=form) as rc:  # type: ignore[arg-type]
            assert rc.ping() is True
    with slotwise.Cluster(host=host, port=int(port)) as rc:
        assert len(rc.get_primaries()) == 3


def test_address_remap_callable_and_dict(cluster: Cluster, p: str) -> None:
    seen: list[tuple[str, int]] = []

    def remap(addr: tuple[str, int]) -> tuple[str, int]:
        seen.append(addr)
        return addr

    with slotwise.Cluster(startup_nodes=cluster.seeds[:1], address_remap=remap) as rc:
        rc.set(p + "k", 1)
        assert rc.get(p + "k") == b"1"
    assert seen and all(isinstance(h, str) and isinstance(port, int) for h, port in seen)

    # Announced addresses rewritten through "localhost" still reach the nodes.
    table = {n.addr: f"localhost:{n.port}" for n in cluster.nodes}
    with slotwise.Cluster(startup_nodes=cluster.seeds[:1], address_remap=table) as rc:
        assert rc.get(p + "k") == b"1"
        assert all(n.host == "localhost" for n in rc.get_primaries())


def test_read_from_replicas(cluster: Cluster, p: str) -> None:
    with slotwise.Cluster(startup_nodes=cluster.seeds[:1], read_from_replicas=True) as rc:
        rc.set(p + "k", "v")
        import time

        deadline = time.monotonic() + 5
        while rc.get(p + "k") != b"v" and time.monotonic() < deadline:
            time.sleep(0.05)  # replication is asynchronous
        assert rc.get(p + "k") == b"v"


def test_tls_cluster() -> None:
    c = Cluster.up("--tls")
    try:
        tls_seed = c.info["tls_seeds"][0]
        with slotwise.Cluster(startup_nodes=[tls_seed], ssl=True, ssl_ca_certs=c.info["ca_file"]) as rc:
            rc.set("tls-key", "v")
            assert rc.get("tls-key") == b"v"
        with slotwise.Cluster(startup_nodes=[tls_seed], ssl=True, ssl_cert_reqs="none") as rc:
            assert rc.get("tls-key") == b"v"
        with pytest.raises(slotwise.RedisError):
            # Verification against the public roots fails for the harness's own CA.
            slotwise.Cluster(startup_nodes=[tls_seed], ssl=True, socket_connect_timeout=1)
    finally:
        c.down()

"""Authentication, URLs, startup node forms, address remapping, TLS."""

from __future__ import annotations

import asyncio
import pathlib
from typing import Callable

import pytest

import slotwise
import slotwise.asyncio

from .cluster import Cluster


def test_password_and_acl_user(auth_cluster: Cluster, p: str) -> None:
    with slotwise.Cluster(startup_nodes=auth_cluster.seeds[:1], password="s3cret") as rc:
        rc.set(p + "k", "v")
        assert rc.get(p + "k") == b"v"
    with slotwise.Cluster(startup_nodes=auth_cluster.seeds[:1], username="app", password="app-secret") as rc:
        assert rc.get(p + "k") == b"v"


def test_a_username_without_a_password_authenticates_a_nopass_user(
    auth_cluster: Cluster, p: str
) -> None:
    # As redis-py: the password is empty, which an ACL `nopass` user accepts.
    with slotwise.Cluster(startup_nodes=auth_cluster.seeds[:1], password="s3cret") as admin:
        admin.acl_setuser("swnopass", enabled=True, nopass=True, keys=["*"], commands=["+@all"],
                          target_nodes="all")
        try:
            with slotwise.Cluster(startup_nodes=auth_cluster.seeds[:1], username="swnopass") as rc:
                rc.set(p + "k", "v")
                assert rc.acl_whoami() == "swnopass"
            # A user with a password still needs it.
            with pytest.raises(slotwise.AuthenticationError):
                slotwise.Cluster(startup_nodes=auth_cluster.seeds[:1], username="app")
        finally:
            admin.acl_deluser("swnopass", target_nodes="all")


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


def test_an_address_remap_that_fails_fails_the_connect_and_says_why(cluster: Cluster) -> None:
    # Nothing is sent to an address the callback did not choose: the views that needed
    # the mapping are refused, and the error says what the callback did.
    def raises(addr: tuple[str, int]) -> tuple[str, int]:
        raise KeyError(f"no route for {addr[0]}")

    with pytest.raises(slotwise.DataError, match="address_remap raised") as e:
        slotwise.Cluster(startup_nodes=cluster.seeds[:1], address_remap=raises)
    assert e.value.code == "CONFIG"
    assert "no route for 127.0.0.1" in str(e.value)
    assert "the address map failed for 127.0.0.1:" in str(e.value)

    def not_an_address(addr: tuple[str, int]) -> object:
        return 7000

    with pytest.raises(slotwise.DataError, match="address_remap returned 7000: a int") as e:
        slotwise.Cluster(
            startup_nodes=cluster.seeds[:1],
            address_remap=not_an_address,  # type: ignore[arg-type]
        )
    assert e.value.code == "CONFIG"


def test_read_from_replicas(cluster: Cluster, p: str) -> None:
    with slotwise.Cluster(startup_nodes=cluster.seeds[:1], read_from_replicas=True) as rc:
        rc.set(p + "k", "v")
        import time

        deadline = time.monotonic() + 5
        while rc.get(p + "k") != b"v" and time.monotonic() < deadline:
            time.sleep(0.05)  # replication is asynchronous
        assert rc.get(p + "k") == b"v"


def test_tls_cluster_with_client_certificates(tmp_path: pathlib.Path) -> None:
    # The nodes' TLS ports require a client certificate signed by the cluster's CA.
    c = Cluster.up("--tls-auth-clients")
    try:
        tls_seed = c.info["tls_seeds"][0]
        cert, key, ca = c.info["client_cert"], c.info["client_key"], c.info["ca_file"]
        with slotwise.Cluster(
            startup_nodes=[tls_seed], ssl=True, ssl_ca_certs=ca, ssl_certfile=cert, ssl_keyfile=key
        ) as rc:
            rc.set("tls-key", "v")
            assert rc.get("tls-key") == b"v"
        # As in redis-py, without ssl_keyfile the key is read from the certificate file.
        both = tmp_path / "client.pem"
        both.write_text(pathlib.Path(cert).read_text() + pathlib.Path(key).read_text())
        with slotwise.Cluster(startup_nodes=[tls_seed], ssl_ca_certs=ca, ssl_certfile=str(both)) as rc:
            assert rc.get("tls-key") == b"v"
        with slotwise.Cluster(
            startup_nodes=[tls_seed], ssl=True, ssl_cert_reqs="none", ssl_certfile=cert, ssl_keyfile=key
        ) as rc:
            assert rc.get("tls-key") == b"v"
        # Without a client certificate the nodes refuse, and the error says what to set.
        with pytest.raises(slotwise.ConnectionError, match="requires a TLS client certificate"):
            slotwise.Cluster(startup_nodes=[tls_seed], ssl=True, ssl_ca_certs=ca)
        with pytest.raises(slotwise.RedisError):
            # Verification against the public roots fails for the harness's own CA.
            slotwise.Cluster(
                startup_nodes=[tls_seed], ssl=True, ssl_certfile=cert, ssl_keyfile=key, socket_connect_timeout=1
            )
        # A key file without a key in it: refused before connecting, naming the file.
        with pytest.raises(slotwise.DataError, match="no private key") as e:
            slotwise.Cluster(startup_nodes=[tls_seed], ssl_ca_certs=ca, ssl_certfile=cert, ssl_keyfile=cert)
        assert cert in str(e.value)
        with pytest.raises(slotwise.DataError, match="ssl_keyfile given without ssl_certfile"):
            slotwise.Cluster(startup_nodes=[tls_seed], ssl_ca_certs=ca, ssl_keyfile=key)
        with pytest.raises(slotwise.DataError, match="ssl_check_hostname=False"):
            slotwise.Cluster(startup_nodes=[tls_seed], ssl_ca_certs=ca, ssl_check_hostname=False)
    finally:
        c.down()


SECRETS = ("hunter2pw", "bobuser")


def _message_of(f: Callable[[], object]) -> str:
    with pytest.raises(slotwise.DataError) as e:
        f()
    assert e.value.code == "CONFIG"
    return str(e.value)


@pytest.mark.parametrize(
    "make",
    [
        lambda: slotwise.Cluster(url="redis://:hunter2pw@/"),
        lambda: slotwise.Cluster(url="redis://bobuser:hunter2pw@"),
        lambda: slotwise.Cluster.from_url("redis://bobuser:hunter2pw@h:1/3"),
        lambda: slotwise.Cluster.from_url("http://bobuser:hunter2pw@h:1"),
        lambda: slotwise.Cluster.from_url("bobuser:hunter2pw@h:1"),
        lambda: slotwise.Cluster.from_url("redis://h:1/3?username=bobuser&password=hunter2pw"),
        lambda: slotwise.Cluster.from_url("redis://bob:p@ss/hunter2pw@h:1", max_retries="x"),
        lambda: slotwise.Cluster(startup_nodes=["redis://bobuser:hunter2pw@127.0.0.1:7000"]),
        lambda: slotwise.Cluster(startup_nodes=["bobuser:hunter2pw@127.0.0.1:7000"]),
        lambda: slotwise.Cluster(startup_nodes=[("bobuser:hunter2pw@127.0.0.1", 7000)]),
        lambda: slotwise.Cluster(startup_nodes=[slotwise.ClusterNode("bobuser:hunter2pw@h", 1)]),
        lambda: slotwise.Cluster(startup_nodes=[{"host": "bobuser:hunter2pw@h"}]),  # type: ignore[list-item]
        lambda: slotwise.Cluster(host="bobuser:hunter2pw@h", port=1),
        lambda: slotwise.Cluster(startup_nodes=[object(), "bobuser:hunter2pw@h:1"]),  # type: ignore[list-item]
        lambda: slotwise.Cluster(startup_nodes=["redis://bobuser:hunter2pw@h"]),
    ],
)
def test_urls_and_seeds_in_error_messages_never_show_credentials(make: Callable[[], object]) -> None:
    try:
        make()
    except slotwise.DataError as e:
        msg = str(e)
    except TypeError as e:  # a keyword of the wrong type
        msg = str(e)
    else:
        pytest.fail("no error")
    assert not any(s in msg for s in SECRETS), msg
    assert not any(s in repr(msg) for s in SECRETS), msg


def test_redact_hides_userinfo_and_query_credentials() -> None:
    from slotwise._options import redact

    assert redact("redis://:pw@/") == "redis://***@/"
    assert redact("redis://u:p@ss/w@h:1,h2:2/0") == "redis://***@h:1,h2:2/0"
    assert redact("u:pw@h:1") == "***@h:1"
    assert redact("redis://h:1?password=x&decode_responses=1") == "redis://h:1?password=***&decode_responses=1"
    assert redact("h:1") == "h:1"


def test_bad_url_query_options_are_data_errors_naming_option_and_value() -> None:
    msg = _message_of(lambda: slotwise.Cluster.from_url("redis://127.0.0.1:1?socket_timeout=soon"))
    assert "socket_timeout" in msg and "'soon'" in msg
    msg = _message_of(lambda: slotwise.Cluster.from_url("redis://127.0.0.1:1?max_retries=2.5"))
    assert "max_retries" in msg and "'2.5'" in msg and "integer" in msg
    msg = _message_of(lambda: slotwise.Cluster.from_url("redis://127.0.0.1:1?protocol=three"))
    assert "protocol" in msg and "'three'" in msg
    msg = _message_of(lambda: slotwise.Cluster.from_url("redis://127.0.0.1:1?no_such=1"))
    assert "'no_such'" in msg and "socket_timeout" in msg  # names what is supported


def test_url_hosts_without_a_port_get_6379_ipv6_included() -> None:
    from slotwise._options import from_url, split

    assert from_url("redis://[::1]")["startup_nodes"] == ["[::1]:6379"]
    assert from_url("redis://[::1]:7000,[fe80::2]/0")["startup_nodes"] == ["[::1]:7000", "[fe80::2]:6379"]
    assert from_url("redis://pw@example.com,h2:7001")["startup_nodes"] == ["example.com:6379", "h2:7001"]
    assert split("[::1]:6379") == ("::1", 6379)
    # The seed is usable as such (discovery fails here only because nothing listens).
    with pytest.raises(slotwise.ConnectionError, match=r"\[::1\]:6379"):
        slotwise.Cluster.from_url("redis://[::1]", socket_connect_timeout=0.5)


def test_reprs_show_no_credentials(auth_cluster: Cluster) -> None:
    seed = auth_cluster.seeds[0]
    with slotwise.Cluster(startup_nodes=[seed], username="app", password="app-secret") as rc:
        texts = [repr(rc), repr(rc.pipeline()), repr(rc.pipeline(transaction=True).set("k", "v"))]
        assert seed.rsplit(":", 1)[0] in texts[0]  # it does show the addresses

    async def main() -> list[str]:
        arc = slotwise.asyncio.Cluster.from_url(f"redis://app:app-secret@{seed}")
        before = repr(arc)
        async with arc:
            return [before, repr(arc), repr(arc.pipeline().get("k"))]

    texts += asyncio.run(main())
    texts.append(repr(slotwise._native.Config([seed], username="app", password="app-secret")))
    for t in texts:
        assert "app-secret" not in t and "app" not in t.replace("slotwise", ""), t

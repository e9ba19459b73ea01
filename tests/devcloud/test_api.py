"""devcloud's OpenStack APIs, driven by the real openstacksdk."""
import json
import urllib.error
import urllib.request
import uuid

import keystoneauth1.exceptions
import openstack
import pytest

from deploy.devcloud import catalogue


def test_catalogue(conn):
    assert {i.id: i.name for i in conn.image.images()} == {i.id: i.name for i in catalogue.IMAGES.values()}
    assert conn.image.get_image(catalogue.IMAGES["almalinux-desktop"].id).status == "active"
    small = conn.compute.find_flavor("m1.small", ignore_missing=False)
    assert (small.id, small.vcpus, small.ram, small.disk) == (catalogue.FLAVOURS["m1.small"].id, 2, 4096, 20)
    assert sorted(f.name for f in conn.compute.flavors()) == ["m1.large", "m1.medium", "m1.small"]


def test_limits_count_servers(conn, boot):
    boot(flavor_id=catalogue.FLAVOURS["m1.medium"].id)
    limits = conn.compute.get_limits().absolute
    assert (limits.instances, limits.total_cores, limits.total_ram) == tuple(
        catalogue.QUOTA[k] for k in ("instances", "cores", "ram")
    )
    assert (limits.instances_used, limits.total_cores_used, limits.total_ram_used) == (1, 4, 8192)


def test_wrong_password_is_refused(devcloud):
    with pytest.raises(keystoneauth1.exceptions.Unauthorized):
        openstack.connect(
            load_yaml_config=False, load_envvars=False, **{**devcloud.connect_kwargs, "password": "wrong"}
        ).compute.get_limits()


def test_tokens_can_be_validated(devcloud, conn):
    token = conn.session.get_token()
    request = urllib.request.Request(
        devcloud.auth_url + "/auth/tokens", headers={"X-Auth-Token": token, "X-Subject-Token": token}
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        assert json.load(response)["token"]["project"]["name"] == "visa"


@pytest.mark.parametrize("token", [None, "123.forged"])
def test_compute_needs_a_valid_token(devcloud, token):
    request = urllib.request.Request(devcloud.url + "/compute/v2.1/servers", headers={"X-Auth-Token": token or ""})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=5)
    assert refused.value.code == 401


def test_create_find_and_describe(conn, boot, devcloud):
    instance = str(uuid.uuid4())
    server = boot(name=f"visa-{instance}", metadata={"visa_instance": instance})
    assert server.status == "ACTIVE"
    address = server.addresses["devcloud-net"][0]
    assert (address["version"], address["OS-EXT-IPS:type"]) == (4, "fixed")
    assert address["addr"].startswith("127.") and server.access_ipv4 == address["addr"]
    assert server.metadata == {"visa_instance": instance}
    assert server.image.id == catalogue.IMAGES["ubuntu-desktop"].id
    assert (server.vm_state, server.task_state, server.power_state) == ("active", None, 1)
    assert [s.id for s in conn.compute.servers(name=instance)] == [server.id]  # a regex search, as in Nova
    assert [s.id for s in conn.compute.servers(name="^visa-", status="ACTIVE")] == [server.id]
    assert list(conn.compute.servers(status="SHUTOFF")) == []
    seen = devcloud.server(server.id)
    assert (seen["address"], seen["metadata"]) == (address["addr"], {"visa_instance": instance})
    assert "/etc/visa/vnc-password" in seen["user_data"]


def test_each_server_has_its_own_address(boot):
    assert boot(name="a").access_ipv4 != boot(name="b").access_ipv4


@pytest.mark.parametrize("field", ["image_id", "flavor_id"])
def test_unknown_image_or_flavour_is_a_bad_request(create, field):
    with pytest.raises(openstack.exceptions.BadRequestException):
        create(**{field: str(uuid.uuid4())})


def test_no_vnc_password_means_error(conn, create):
    server = conn.compute.wait_for_server(create(password=None), status="ERROR", interval=0.05, wait=10)
    assert server.fault["message"] == "no VNC password in user data"


def test_quota_is_enforced(create):
    large = catalogue.FLAVOURS["m1.large"].id
    for _ in range(catalogue.QUOTA["cores"] // catalogue.FLAVOURS["m1.large"].vcpus):
        create(flavor_id=large)
    with pytest.raises(openstack.exceptions.ForbiddenException, match="Quota exceeded for cores"):
        create(flavor_id=large)


def test_stop_start_reboot_delete(conn, boot):
    server = boot()
    conn.compute.stop_server(server)
    assert conn.compute.get_server(server.id).status == "SHUTOFF"
    with pytest.raises(openstack.exceptions.ConflictException):
        conn.compute.stop_server(server)
    with pytest.raises(openstack.exceptions.ConflictException):
        conn.compute.reboot_server(server, "SOFT")
    conn.compute.start_server(server)
    assert conn.compute.get_server(server.id).status == "ACTIVE"
    conn.compute.reboot_server(server, "SOFT")
    assert conn.compute.get_server(server.id).status == "REBOOT"
    conn.compute.wait_for_server(conn.compute.get_server(server.id), interval=0.05, wait=10)
    conn.compute.delete_server(server)
    conn.compute.wait_for_delete(server, interval=0.05, wait=10)
    with pytest.raises(openstack.exceptions.NotFoundException):
        conn.compute.delete_server(server, ignore_missing=False)


def test_microversion_is_negotiated(devcloud, conn):
    token = conn.session.get_token()
    request = urllib.request.Request(
        devcloud.url + "/compute/v2.1/flavors",
        headers={"X-Auth-Token": token, "OpenStack-API-Version": "compute 2.47"},
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.headers["OpenStack-API-Version"] == "compute 2.47"
        assert len(json.load(response)["flavors"]) == 3
    request.headers["Openstack-api-version"] = "compute 2.999"
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=5)
    assert refused.value.code == 406

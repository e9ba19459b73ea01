"""devcloud's Neutron, and Nova's servers on its networks and in its security groups, driven by
the real openstacksdk."""
import uuid

import openstack
import pytest

from deploy.devcloud import catalogue


def test_networks_subnets_and_the_catalogue_security_groups(conn):
    assert sorted(n.name for n in conn.network.networks()) == ["devcloud-net", "instrument-net", "internet-net"]
    instrument = conn.network.find_network("instrument-net", ignore_missing=False)
    assert instrument.id == catalogue.CATALOGUE["networks"]["instrument-net"]["id"]
    assert conn.network.find_network(instrument.id).name == "instrument-net"  # by id too
    (subnet,) = [conn.network.get_subnet(id) for id in instrument.subnet_ids]
    assert (subnet.cidr, subnet.network_id, subnet.ip_version) == ("10.20.0.0/24", instrument.id, 4)
    assert conn.network.find_network("no-such-net") is None
    assert sorted(g.name for g in conn.network.security_groups()) == ["default", "desktop", "instrument", "open-data"]
    (rule,) = conn.network.find_security_group("instrument").security_group_rules
    assert (rule["direction"], rule["remote_ip_prefix"]) == ("egress", "10.20.0.0/24")
    assert conn.network.find_security_group("no-such-group") is None


def test_security_groups_and_rules_are_made_and_removed_and_outlive_a_restart(devcloud, conn):
    group = conn.network.create_security_group(name="beamline-7", description="SSH from the beamline")
    rule = conn.network.create_security_group_rule(
        security_group_id=group.id, direction="ingress", protocol="tcp", port_range_min=22, port_range_max=22,
        remote_ip_prefix="10.20.0.0/24")
    rules = list(conn.network.security_group_rules(security_group_id=group.id))
    assert sorted(r.direction for r in rules) == ["egress", "egress", "ingress"]  # Neutron's egress defaults
    devcloud.restart()
    conn = devcloud.connect()
    assert conn.network.find_security_group("beamline-7").id == group.id
    conn.network.delete_security_group_rule(rule)
    assert len(list(conn.network.security_group_rules(security_group_id=group.id))) == 2
    conn.network.delete_security_group(group)
    assert conn.network.find_security_group("beamline-7") is None
    with pytest.raises(openstack.exceptions.ConflictException):
        conn.network.create_security_group(name="default")


def test_a_server_joins_its_networks_and_groups_and_shows_them(conn, boot, devcloud):
    instrument = conn.network.find_network("instrument-net")
    server = boot(networks=[{"uuid": conn.network.find_network("devcloud-net").id}, {"uuid": instrument.id}],
                  security_groups=[{"name": "desktop"}, {"name": "instrument"}])
    shown = conn.compute.get_server(server.id)
    assert list(shown.addresses) == ["devcloud-net", "instrument-net"]
    assert shown.addresses["devcloud-net"][0]["addr"] == shown.access_ipv4  # the desktop's own address
    assert shown.addresses["instrument-net"][0]["addr"].startswith("10.20.0.")
    assert [g["name"] for g in shown.security_groups] == ["desktop", "instrument"]
    ports = list(conn.network.ports(device_id=server.id))
    assert sorted(p.network_id for p in ports) == sorted([instrument.id, conn.network.find_network("devcloud-net").id])
    desktop_group = conn.network.find_security_group("desktop").id
    assert all(desktop_group in p.security_group_ids for p in ports)
    seen = devcloud.server(server.id)
    assert (seen["networks"], seen["security_groups"]) == (["devcloud-net", "instrument-net"], ["desktop", "instrument"])
    with pytest.raises(openstack.exceptions.ConflictException):  # in use, as Neutron says
        conn.network.delete_security_group(desktop_group)


def test_without_networks_or_groups_a_server_gets_the_projects_defaults(conn, boot):
    server = conn.compute.get_server(boot().id)
    assert list(server.addresses) == ["devcloud-net"]
    assert server.security_groups == [{"name": "default"}]


@pytest.mark.parametrize("placement, message", [
    ({"networks": [{"uuid": str(uuid.uuid4())}]}, "Network .* could not be found"),
    ({"networks": [{"uuid": "instrument-net"}]}, "Network instrument-net could not be found"),  # uuids only
    ({"security_groups": [{"name": "no-such-group"}]}, "Security group no-such-group not found"),
    ({"networks": "everywhere"}, "networks"),
])
def test_unknown_networks_and_groups_are_refused_and_nothing_is_made(conn, create, devcloud, placement, message):
    before = len(devcloud.servers())
    with pytest.raises(openstack.exceptions.BadRequestException, match=message):
        create(**placement)
    assert len(devcloud.servers()) == before

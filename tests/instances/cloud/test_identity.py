"""The owner's account in the VM: their facility identity (openaccess.FacilityAccount), as
cloud-init makes it and as devcloud's VM reports it; and a launch without one, where required."""
import json

import pytest
import yaml
from django.core.exceptions import ValidationError

from instances.cloud import cloudinit, driver
from instances.lifecycle import services
from openaccess.models import FacilityAccount
from quotas.refusals import IdentityRequired
from tests.support.factories import demo_image_and_flavour, make_instance, make_user


def rendered(owner):
    return yaml.safe_load(cloudinit.render(make_instance(owner, state="BUILDING")))


def account_file(config):
    return json.loads(next(f["content"] for f in config["write_files"] if f["path"] == cloudinit.ACCOUNT_PATH))


def test_a_full_facility_identity_with_groups_and_an_nfs_home(db, settings):
    settings.VISA_HOME_NFS_SERVER = "home.facility.test"
    owner = make_user()
    FacilityAccount.objects.create(user=owner, facility_user_id="F-1", login="alice", uid=41001, gid=4100,
                                   group="users-spb", groups=["spb", "xfel:3001"], home="/gpfs/home/alice")
    config = rendered(owner)
    user = config["users"][1]
    assert config["users"][0] == "default"
    assert user == {"name": "alice", "uid": 41001, "primary_group": "users-spb", "groups": ["spb", "xfel"],
                    "homedir": "/gpfs/home/alice", "shell": "/bin/bash", "no_create_home": True}
    # groups with the facility's gids exist before cloud-init makes the user; the others by name
    assert config["bootcmd"] == [["groupadd", "-f", "-g", "4100", "users-spb"], ["groupadd", "-f", "-g", "3001", "xfel"]]
    assert config["groups"] == ["spb"]
    assert config["mounts"][0] == ["home.facility.test:/gpfs/home/alice", "/gpfs/home/alice", "nfs4",
                                   "rw,nfsvers=4.1,nosuid,nodev,_netdev", "0", "0"]
    assert account_file(config) == {"name": "alice", "uid": 41001, "gid": 4100, "group": "users-spb",
                                    "groups": ["spb", "xfel"], "home": "/gpfs/home/alice"}


def test_a_login_and_uid_alone_take_the_defaults(db):
    owner = make_user()
    FacilityAccount.objects.create(user=owner, login="bob", uid=5002)
    config = rendered(owner)
    assert config["users"][1] == {"name": "bob", "uid": 5002, "primary_group": "bob", "homedir": "/home/bob",
                                  "shell": "/bin/bash"}
    assert "bootcmd" not in config and "groups" not in config and config["mounts"] == []  # no NFS home by default


@pytest.mark.parametrize("account", [None, {"facility_user_id": "F-9"}, {"login": "carol"}, {"uid": 7}])
def test_without_a_facility_identity_the_account_is_named_as_in_visa(db, account):
    owner = make_user()
    if account:
        FacilityAccount.objects.create(user=owner, **account)
    config = rendered(owner)
    assert config["users"] == ["default", {"name": owner.username, "shell": "/bin/bash"}]
    assert account_file(config) == {"name": owner.username}


@pytest.mark.parametrize("field, value", [
    ("uid", 0), ("uid", 65534), ("gid", 2**31), ("login", "Alice"), ("login", "a b"), ("login", "-rf"),
    ("home", "/home/../etc"), ("home", "home/alice"), ("home", "/home/alice\nrm"), ("groups", ["wheel:0"]),
    ("groups", ["ok", "Bad Group"]), ("group", "x;y"),
])
def test_an_identity_that_could_harm_the_vm_is_refused(db, field, value):
    account = FacilityAccount(user=make_user(), **{"login": "alice", "uid": 1000, field: value})
    with pytest.raises(ValidationError) as refused:
        account.full_clean()
    assert field in refused.value.message_dict


def test_devclouds_vm_reports_the_account_it_was_given(db, devcloud):
    owner = make_user()
    FacilityAccount.objects.create(user=owner, login="dora", uid=6001, gid=6000, groups=["fxe:6100"])
    instance = make_instance(owner, state="BUILDING")
    conn = devcloud.connect()
    server = driver.create_server(conn, instance, cloudinit.render(instance))
    try:
        assert devcloud.server(server.id)["account"] == {
            "name": "dora", "uid": 6001, "group": "dora", "gid": 6000, "groups": ["fxe"], "home": "/home/dora"}
    finally:
        conn.compute.delete_server(server)


def test_a_launch_without_an_identity_is_refused_when_the_site_requires_one(db, settings, client):
    settings.VISA_REQUIRE_FACILITY_IDENTITY = True
    image, flavour = demo_image_and_flavour()
    owner = make_user()
    with pytest.raises(IdentityRequired, match="Desktops here run as your account at European XFEL"):
        services.launch(owner, [], image, flavour)
    client.force_login(owner)
    page = client.post("/instances/new", {"image": image.pk, "flavour": flavour.pk}).content.decode()
    assert "visa does not know it yet" in page and "ask the user office" in page
    assert not owner.instances.exists()

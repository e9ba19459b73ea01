"""Launches through the running service with placement rules and a facility identity: the VM is
made on the rules' networks, in their security groups, with the owner's account; a rule naming
what the cloud lacks stops the build before anything is made."""
import pytest

from instances.models import PlacementRule
from openaccess.models import FacilityAccount
from tests.support.factories import make_user
from tests.support.rfbclient import non_blank
from tests.support.web import WebUser


@pytest.fixture
def rules(committed):
    """Make placement rules that the stack's processes see; removed after the test."""
    made = []

    def rule(name, **fields):
        made.append(PlacementRule.objects.create(name=name, **fields))
        return made[-1]

    yield rule
    PlacementRule.objects.filter(pk__in=[r.pk for r in made]).delete()


@pytest.fixture
def scientist(stack, committed, launch):
    user = make_user()
    FacilityAccount.objects.create(user=user, login=f"sci{user.pk}", uid=40000 + user.pk, gid=4000,
                                   groups=["xfel:4100"])
    return WebUser(stack.url, user.username, "pw-for-tests"), user


def test_the_vm_gets_the_rules_networks_groups_and_the_owners_account(scientist, rules, launch, devcloud):
    web, user = scientist
    rules("desktops", networks="devcloud-net", security_groups="desktop", priority=10)
    rules("open data", networks="internet-net", security_groups="open-data", data="open", priority=20)
    rules("instruments", networks="instrument-net", instrument="FXE", priority=30)  # not this data's
    uuid = launch(web)

    server = next(s for s in devcloud.servers() if s["metadata"].get("visa_instance") == uuid)
    assert (server["networks"], server["security_groups"]) == (["devcloud-net", "internet-net"],
                                                               ["desktop", "open-data"])
    shown = devcloud.connect().compute.get_server(server["id"])  # as Nova shows it
    assert list(shown.addresses) == ["devcloud-net", "internet-net"]
    assert [g["name"] for g in shown.security_groups] == ["desktop", "open-data"]
    assert server["account"] == {"name": f"sci{user.pk}", "uid": 40000 + user.pk, "group": f"sci{user.pk}",
                                 "gid": 4000, "groups": ["xfel"], "home": f"/home/sci{user.pk}"}
    with web.open_desktop(uuid) as desktop:  # reached on its first network
        assert non_blank(desktop.framebuffer())

    page = web.get(f"/instances/{uuid}/").text
    assert "devcloud-net, internet-net" in page and "desktop, open-data" in page
    assert "open data: the data is all open." in page and "instruments" not in page


def test_a_rule_naming_what_the_cloud_lacks_fails_the_build_before_anything_is_made(stack, committed, rules,
                                                                                    devcloud):
    user = make_user()
    web = WebUser(stack.url, user.username, "pw-for-tests")
    rules("typo", networks="instrumnet-net", security_groups="desktop,no-such-group")
    uuid, _ = web.launch_from_doi()
    with pytest.raises(AssertionError, match="The cloud has no network instrumnet-net and no security group "
                                             "no-such-group: an operator must correct the placement rules"):
        web.wait_for_state(uuid, "ACTIVE")
    assert not [s for s in devcloud.servers() if s["metadata"].get("visa_instance") == uuid]
    web.delete_instance(uuid)

"""Two clouds at once: the session's devcloud (the cloud of the settings) and a second devcloud
registered as "Site B" with its password in the environment. Launches, reconciliation, deletion
and expiry each act on the instance's own cloud; one cloud down stops nothing on the other."""
import io
import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.utils import timezone

from deploy.devcloud import catalogue
from deploy.devcloud.testing import start_devcloud
from instances.models import Cloud, Flavour, Image, Instance
from tests.support.apiclient import ApiClient
from tests.support.cleanup import remove
from tests.support.factories import give_room, make_user
from tests.support.scrape import readiness, scrape, total
from tests.support.stack import SECOND_CLOUD_PASSWORD, SECOND_CLOUD_VARIABLE
from tests.support.waiting import eventually
from tests.support.web import WebUser


@pytest.fixture(scope="module")
def site_b_devcloud(tmp_path_factory):
    directory = tmp_path_factory.mktemp("site-b")
    cloud = start_devcloud(directory, password=SECOND_CLOUD_PASSWORD, max_instances=5)
    yield cloud
    cloud.stop()


@pytest.fixture
def site_b(site_b_devcloud, stack, committed, monkeypatch):
    """Site B registered as an operator would in admin, with an environment and a size of its own."""
    monkeypatch.setenv(SECOND_CLOUD_VARIABLE, SECOND_CLOUD_PASSWORD)  # this process asks it too
    cloud = Cloud.objects.create(
        name="Site B", description="The second site's cloud", priority=200, auth_url=site_b_devcloud.auth_url,
        region_name="RegionOne", project_name="visa", username="visa", password_variable=SECOND_CLOUD_VARIABLE)
    cloud.full_clean()  # the variable is set, the way to connect is one
    image = Image.objects.create(provider=cloud, name="Ubuntu at Site B", cloud_id=catalogue.IMAGES["ubuntu-desktop"].id)
    flavour = Flavour.objects.create(provider=cloud, name="b1.small", cloud_id=catalogue.FLAVOURS["m1.small"].id,
                                     cpus=2, ram_mb=4096)
    yield SimpleNamespace(devcloud=site_b_devcloud, cloud=cloud, image=image, flavour=flavour)
    site_b_devcloud.clear_faults()
    remove(list(Instance.objects.filter(cloud=cloud)))
    image.delete()
    flavour.delete()
    cloud.delete()


@pytest.fixture
def scientist(stack, committed):
    user = give_room(make_user())
    yield SimpleNamespace(user=user, api=ApiClient(stack.url, user), web=WebUser(stack.url, user.username, "pw-for-tests"))
    remove(list(Instance.objects.filter(owner=user)))


def launch(scientist, **choices):
    answer = scientist.api.post("/api/instances/", choices)
    assert answer.status_code == 201, answer.text
    return answer.json()


def servers(devcloud):
    return {s["metadata"].get("visa_instance") for s in devcloud.servers()}


def state(uuid):
    return Instance.objects.get(uuid=uuid).state


def test_a_desktop_on_each_cloud_each_server_where_it_belongs(stack, devcloud, site_b, scientist):
    default = Cloud.objects.get(from_settings=True)
    clouds = scientist.api.get("/api/clouds/").json()["results"]
    assert [c["name"] for c in clouds] == [default.name, "Site B"]  # by priority: the rule's choice first

    here = launch(scientist)  # no cloud named: the first the user may use
    there = launch(scientist, cloud="Site B")  # its environment and size are Site B's
    assert (here["cloud"], there["cloud"]) == (default.name, "Site B")
    for uuid in (here["uuid"], there["uuid"]):
        scientist.web.wait_for_state(uuid, "ACTIVE")
    assert here["uuid"] in servers(devcloud) and here["uuid"] not in servers(site_b.devcloud)
    assert there["uuid"] in servers(site_b.devcloud) and there["uuid"] not in servers(devcloud)
    assert Instance.objects.get(uuid=there["uuid"]).image == site_b.image

    with scientist.web.open_desktop(there["uuid"]) as desktop:  # the proxy reaches Site B's VM
        assert desktop.width > 0
    mixed = scientist.api.post("/api/instances/", {"cloud": "Site B", "image": Image.objects.get(
        name="Ubuntu 24.04 Desktop").pk})
    assert mixed.status_code == 400 and "is not offered on Site B" in mixed.text
    group = Group.objects.create(name="site-b-users")
    site_b.cloud.groups.add(group)  # now only for that group
    barred = scientist.api.post("/api/instances/", {"cloud": "Site B"})
    assert barred.status_code == 400 and barred.json()["cloud"] == [
        "You may not launch on Site B: GET /api/clouds/ lists the clouds you may use."]
    assert [c["name"] for c in scientist.api.get("/api/clouds/").json()["results"]] == [default.name]
    group.delete()
    figures = scrape(stack.url)
    assert total(figures, "visa_instances", state="ACTIVE", cloud="Site B") >= 1
    assert total(figures, "visa_cloud_calls_total", call="create_server", cloud="Site B") >= 1


def test_one_cloud_down_stops_nothing_on_the_other(stack, devcloud, site_b, scientist, settings):
    settings.OPENSTACK = {**settings.OPENSTACK, "auth_url": devcloud.auth_url}  # this process, as the stack's
    here, there = launch(scientist)["uuid"], launch(scientist, cloud="Site B")["uuid"]
    for uuid in (here, there):
        scientist.web.wait_for_state(uuid, "ACTIVE")

    site_b.devcloud.faults(hang=True)  # Site B accepts connections and never answers
    try:
        eventually(lambda: state(there) == "UNKNOWN", timeout=30)
        assert state(here) == "ACTIVE"
        another = launch(scientist)["uuid"]  # launches go on where the cloud answers
        scientist.web.wait_for_state(another, "ACTIVE")
        refused = scientist.api.post("/api/instances/", {"cloud": "Site B"})
        assert refused.status_code == 409 and refused.json()["detail"] == \
            "The cloud Site B did not answer: try again in a few minutes."
        assert readiness(stack.url)[0] == 200  # one cloud answers: the web processes stay in service
        report = io.StringIO()
        with pytest.raises(CommandError, match=r"^Not answering: Site B\.$"):
            call_command("check_clouds", stdout=report)
        assert re.search(r"^RegionOne: answers; instances \d+ of 50", report.getvalue(), re.MULTILINE)
        scientist.web.delete_instance(another)
        assert another not in servers(devcloud)
        assert state(here) == "ACTIVE"
    finally:
        site_b.devcloud.clear_faults()
    eventually(lambda: state(there) == "ACTIVE", timeout=30)  # the reconciler finds it again
    scientist.web.delete_instance(there)
    assert there not in servers(site_b.devcloud) and here in servers(devcloud)


def test_expiry_deletes_on_each_cloud(stack, devcloud, site_b, scientist):
    here, there = launch(scientist)["uuid"], launch(scientist, cloud="Site B")["uuid"]
    for uuid in (here, there):
        scientist.web.wait_for_state(uuid, "ACTIVE")
    Instance.objects.filter(uuid__in=[here, there]).update(expires_at=timezone.now() - timedelta(seconds=1))
    for uuid in (here, there):
        scientist.web.wait_for_state(uuid, "DELETED", timeout=30)
    assert here not in servers(devcloud) and there not in servers(site_b.devcloud)

"""Faults with the real worker and devcloud over HTTP: every run ends with the database and the
cloud in agreement and a user who can read what happened."""
import time

import pytest

from instances.models import Instance
from instances.states import LIVE
from tests.support.factories import give_room, make_user
from tests.support.waiting import eventually
from tests.support.web import WebUser


@pytest.fixture
def cloud(devcloud):
    yield devcloud
    devcloud.clear_faults()


@pytest.fixture
def scientist(stack, committed):
    user = give_room(make_user())
    return WebUser(stack.url, user.username, "pw-for-tests")


def state(uuid):
    return Instance.objects.get(uuid=uuid).state


def servers_of(cloud, uuid):
    return [s for s in cloud.servers() if s["metadata"].get("visa_instance") == str(uuid)]


def no_orphans(cloud):
    """Every server visa made belongs to a live instance."""
    made = {s["metadata"]["visa_instance"] for s in cloud.servers() if "visa_instance" in s["metadata"]}
    live = {str(u) for u in Instance.objects.filter(uuid__in=made, state__in=LIVE).values_list("uuid", flat=True)}
    return made == live


def test_a_worker_killed_in_the_middle_of_provisioning_leaves_one_server(stack, cloud, scientist):
    cloud.faults(delay=1)  # the cloud makes the server, then answers slowly
    uuid, _ = scientist.launch_from_doi(another=True)
    eventually(lambda: servers_of(cloud, uuid), every=0.02)
    stack.kill_worker()  # before the worker heard of the server it asked for
    assert Instance.objects.get(uuid=uuid).server_id == ""
    cloud.clear_faults()

    scientist.wait_for_state(uuid, "ACTIVE")
    assert len(servers_of(cloud, uuid)) == 1


def test_twenty_launches_with_a_third_of_cloud_calls_failing(cloud, scientist):
    cloud.faults(error_rate=0.3)
    uuids = [scientist.launch_from_doi(another=True)[0] for _ in range(20)]
    instances = Instance.objects.filter(uuid__in=uuids)
    eventually(lambda: not instances.exclude(state__in=["ACTIVE", "ERROR"]).exists(), timeout=60)
    cloud.clear_faults()

    for instance in instances.filter(state="ERROR"):
        assert instance.state_reason.startswith("The cloud"), instance.state_reason
    assert instances.filter(state="ACTIVE").exists()
    eventually(lambda: no_orphans(cloud), timeout=10)
    for instance in instances.filter(state="ACTIVE"):
        assert len(servers_of(cloud, instance.uuid)) == 1
    for uuid in uuids:  # make room in devcloud for the other tests
        scientist.delete_instance(uuid, wait=False)
    eventually(lambda: not instances.exclude(state__in=["DELETED", "ERROR"]).exists())


def test_the_cloud_stopped_and_restarted(cloud, scientist):
    uuid, _ = scientist.launch_from_doi(another=True)
    scientist.wait_for_state(uuid, "ACTIVE")
    cloud.stop()
    try:
        eventually(lambda: state(uuid) == "UNKNOWN", timeout=15)
        assert "does not answer" in scientist.get(f"/instances/{uuid}/status").json()["reason"]
    finally:
        cloud.start()
    eventually(lambda: state(uuid) == "ACTIVE", timeout=15)
    assert "UNKNOWN → ACTIVE" in scientist.get(f"/instances/{uuid}/").text


def test_a_cloud_that_stops_answering(cloud, scientist):
    uuid, _ = scientist.launch_from_doi(another=True)
    scientist.wait_for_state(uuid, "ACTIVE")
    cloud.faults(hang=True)  # connections accepted, no answers: calls time out (VISA_CLOUD_TIMEOUT, 3 s here)
    try:
        eventually(lambda: state(uuid) == "UNKNOWN", timeout=15)
        assert "ConnectTimeout" in Instance.objects.get(uuid=uuid).state_reason
    finally:
        cloud.clear_faults()
    eventually(lambda: state(uuid) == "ACTIVE", timeout=15)


def test_servers_that_vanish_or_break_behind_visas_back_are_reported(cloud, scientist):
    gone, _ = scientist.launch_from_doi(another=True)
    broken, _ = scientist.launch_from_doi(another=True)
    for uuid in (gone, broken):
        scientist.wait_for_state(uuid, "ACTIVE")
    cloud.vanish(servers_of(cloud, gone)[0]["id"])
    cloud.break_server(servers_of(cloud, broken)[0]["id"], "host lost power")

    eventually(lambda: state(gone) == "ERROR" and state(broken) == "ERROR", timeout=5)  # period: 1 s
    assert "Its virtual machine disappeared from the cloud." in scientist.get(f"/instances/{gone}/").text
    assert "The virtual machine failed: host lost power" in scientist.get(f"/instances/{broken}/").text
    eventually(lambda: not servers_of(cloud, broken), timeout=5)  # no longer live: its server is removed


def test_a_server_stopped_or_started_in_the_cloud_itself_is_adopted(cloud, scientist):
    uuid, _ = scientist.launch_from_doi(another=True)
    scientist.wait_for_state(uuid, "ACTIVE")
    server = servers_of(cloud, uuid)[0]["id"]
    conn = cloud.connect()

    conn.compute.stop_server(server)  # an operator, in the cloud's own tools
    eventually(lambda: state(uuid) == "STOPPED", timeout=10)  # reconcile period: 1 s
    assert "The virtual machine was stopped outside visa." in scientist.get(f"/instances/{uuid}/").text
    conn.compute.start_server(server)
    eventually(lambda: state(uuid) == "ACTIVE", timeout=10)
    with scientist.open_desktop(uuid) as desktop:
        assert desktop.width > 0
    scientist.delete_instance(uuid)


def test_one_reconciliation_at_a_time(stack, cloud, committed):
    from django.db import connection

    from deploy.devcloud import catalogue
    from deploy.devcloud.testing import vnc_user_data
    from instances.lifecycle.reconcile import LOCK_KEY

    orphan = cloud.connect().compute.create_server(
        name="visa-orphan", image_id=catalogue.IMAGES["ubuntu-desktop"].id,
        flavor_id=catalogue.FLAVOURS["m1.small"].id, user_data=vnc_user_data("pw"),
        metadata={"visa_instance": "00000000-0000-4000-8000-00000000beef"},
    )
    with connection.cursor() as cursor:  # another reconciler is running, in this test's session
        cursor.execute("SELECT pg_advisory_lock(%s)", [LOCK_KEY])
    try:
        time.sleep(2.5)  # two periods: the stack's runs step aside
        assert any(s["id"] == orphan.id for s in cloud.servers())
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])
    eventually(lambda: not any(s["id"] == orphan.id for s in cloud.servers()), timeout=5)

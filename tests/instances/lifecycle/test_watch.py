"""Waiting on the cloud (instances/lifecycle/watch.py): while servers build, one watcher per cloud
lists them, where each step used to sleep in a worker slot and ask for its own server five times
a second. More launches than the worker has slots, on a cloud that takes seconds to build."""
from types import SimpleNamespace

import pytest

from deploy.devcloud import catalogue
from deploy.devcloud.testing import start_devcloud
from instances.models import Cloud, Flavour, Image, Instance
from tests.support.apiclient import ApiClient
from tests.support.cleanup import remove
from tests.support.factories import give_room, make_user
from tests.support.scrape import scrape, total
from tests.support.stack import SECOND_CLOUD_PASSWORD, SECOND_CLOUD_VARIABLE
from tests.support.web import WebUser

LAUNCHES, BUILD_SECONDS = 8, 3  # twice the stack worker's 4 slots


@pytest.fixture
def slow_cloud(stack, committed, tmp_path, monkeypatch):
    # Room to spare: at exactly LAUNCHES, a server created but not yet recorded by its step counts
    # both as the cloud's and as waiting in the launch's room check (quota._check_cloud), which
    # then refused the last launch now and then (CI, 2026-12-03).
    devcloud = start_devcloud(tmp_path, password=SECOND_CLOUD_PASSWORD, max_instances=LAUNCHES + 4,
                              build_seconds=BUILD_SECONDS)
    monkeypatch.setenv(SECOND_CLOUD_VARIABLE, SECOND_CLOUD_PASSWORD)
    cloud = Cloud.objects.create(
        name="Slow site", priority=300, auth_url=devcloud.auth_url, region_name="RegionOne", project_name="visa",
        username="visa", password_variable=SECOND_CLOUD_VARIABLE)
    Image.objects.create(provider=cloud, name="Ubuntu at the slow site", cloud_id=catalogue.IMAGES["ubuntu-desktop"].id)
    Flavour.objects.create(provider=cloud, name="s1.small", cloud_id=catalogue.FLAVOURS["m1.small"].id,
                           cpus=2, ram_mb=4096)
    yield SimpleNamespace(devcloud=devcloud, cloud=cloud)
    remove(list(Instance.objects.filter(cloud=cloud)))
    Image.objects.filter(provider=cloud).delete()
    Flavour.objects.filter(provider=cloud).delete()
    cloud.delete()
    devcloud.stop()


def test_more_launches_than_worker_slots_are_watched_with_one_listing_per_look(stack, slow_cloud):
    user = give_room(make_user())
    api, web = ApiClient(stack.url, user), WebUser(stack.url, user.username, "pw-for-tests")
    before = scrape(stack.url)
    calls = {call: total(before, "visa_cloud_calls_total", call=call, cloud="Slow site")
             for call in ("get_server", "server_statuses")}
    uuids = []
    for _ in range(LAUNCHES):
        answer = api.post("/api/instances/", {"cloud": "Slow site"})
        assert answer.status_code == 201, answer.text
        uuids.append(answer.json()["uuid"])
    for uuid in uuids:
        web.wait_for_state(uuid, "ACTIVE")

    figures = scrape(stack.url)
    asked = {call: total(figures, "visa_cloud_calls_total", call=call, cloud="Slow site") - before
             for call, before in calls.items()}
    # Sleeping steps asked for each server every 0.1 s of its 3 s build: 30 times a server. Now a
    # step looks once as it wakes, and the watcher lists all of them at once.
    assert asked["get_server"] <= 2 * LAUNCHES, asked
    assert asked["server_statuses"] >= 1, asked
    # None was left for the reconciler to find stuck (it looks each second here, after 3 s).
    assert total(figures, "visa_reconciler_drift_total", kind="stuck") == \
        total(before, "visa_reconciler_drift_total", kind="stuck")
    # Nothing is left waiting, nor watched.
    assert not Instance.objects.filter(uuid__in=uuids, step_task__startswith="wait:").exists()

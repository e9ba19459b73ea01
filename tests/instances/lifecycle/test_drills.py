"""Drills: the broker stops in the middle of launches and actions, a worker is killed in the middle
of a step. Each drill runs a stack of its own on a private redis-server, with the reconciler's rule
for quiet instances as slow as in production (VISA_STUCK_AFTER 600 s here), so what recovers is the
mechanism under test: queueing left to the reconciler, the broker's visibility timeout."""
import time
import uuid as uuids

import pytest

from instances.models import Instance
from tests.support.apiclient import ApiClient
from tests.support.factories import demo_image_and_flavour, give_room, make_user
from tests.support.redisserver import drill_stack
from tests.support.waiting import eventually


@pytest.fixture
def drill(devcloud, committed, redis_server, tmp_path):
    stack = drill_stack(redis_server, tmp_path, devcloud.auth_url)
    user = give_room(make_user())
    script = ApiClient(stack.url, user)
    yield stack, user, script
    devcloud.clear_faults()
    for instance in user.instances.exclude(state__in=["DELETED", "ERROR"]):
        script.delete(f"/api/instances/{instance.uuid}/")  # devcloud's room is the session's
    eventually(lambda: not user.instances.exclude(state__in=["DELETED", "ERROR"]).exists(), timeout=30)
    stack.stop()


def launch(script, key):
    """Launch as a careful script does: with an Idempotency-Key, so that it may simply try again."""
    image, flavour = demo_image_and_flavour()
    return script.post("/api/instances/", {"image": image.pk, "flavour": flavour.pk},
                       headers={"Idempotency-Key": key}, timeout=30)


def states(uuids_):
    return dict(Instance.objects.filter(uuid__in=uuids_).values_list("uuid", "state"))


def servers_of(devcloud, uuid):
    return [s for s in devcloud.servers() if s["metadata"].get("visa_instance") == str(uuid)]


def test_the_broker_stops_during_launches_and_actions(drill, redis_server, devcloud):
    stack, user, script = drill
    keys = [str(uuids.uuid4()) for _ in range(6)]
    answers = [launch(script, keys[0])]
    eventually(lambda: states([answers[0].json()["uuid"]]).popitem()[1] == "ACTIVE")
    answers.append(launch(script, keys[1]))  # its build under way when the broker stops

    redis_server.stop()
    stopped = time.monotonic()
    answers += [launch(script, key) for key in keys[2:5]]
    retried = launch(script, keys[2])  # the script did not hear the answer, and tries again
    action = script.post(f"/api/instances/{answers[0].json()['uuid']}/stop/", timeout=30)
    time.sleep(max(0.0, 4 - (time.monotonic() - stopped)))
    redis_server.start()
    recovered = time.monotonic()
    answers.append(launch(script, keys[5]))

    assert [a.status_code for a in answers] == [201] * 6, [a.text for a in answers]
    assert (retried.status_code, retried.json()["uuid"]) == (200, answers[2].json()["uuid"])
    assert action.status_code == 202, action.text
    launched = [a.json()["uuid"] for a in answers]
    assert user.instances.count() == 6  # no duplicate

    def settled():
        now = states(launched)
        return now.pop(uuids.UUID(launched[0])) in ("STOPPED", "ERROR") and set(now.values()) <= {"ACTIVE", "ERROR"}
    eventually(settled, timeout=30)
    took = time.monotonic() - recovered
    for instance in Instance.objects.filter(uuid__in=launched):
        assert instance.state != "ERROR" or instance.state_reason, instance
        if instance.state != "ERROR":
            assert len(servers_of(devcloud, instance.uuid)) == 1
    print(f"every launch settled {took:.1f} s after the broker came back")


def test_a_killed_workers_step_is_picked_up_within_seconds(drill, devcloud):
    stack, user, script = drill
    devcloud.faults(delay=1)  # the cloud makes the server, then answers slowly
    uuid = launch(script, str(uuids.uuid4())).json()["uuid"]
    eventually(lambda: servers_of(devcloud, uuid), every=0.02)
    stack.kill_worker()  # its task unacknowledged, in the middle of a step
    restarted = time.monotonic()
    devcloud.clear_faults()

    eventually(lambda: Instance.objects.get(uuid=uuid).state == "ACTIVE", timeout=25)
    print(f"ACTIVE {time.monotonic() - restarted:.1f} s after a new worker started")
    assert len(servers_of(devcloud, uuid)) == 1

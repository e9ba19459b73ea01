"""Stop, start, reboot and delete from the instance page, carried out by the worker in devcloud."""
import pytest

from tests.support.factories import make_user
from tests.support.web import WebUser


@pytest.fixture
def scientist(stack, committed):
    user = make_user()
    return WebUser(stack.url, user.username, "pw-for-tests")


def press(user, uuid, action):
    return user.post_form(f"/instances/{uuid}/", f"/instances/{uuid}/{action}", {})


def test_stop_start_reboot_and_delete_from_the_page(devcloud, scientist):
    uuid, page = scientist.launch_from_doi()
    scientist.wait_for_state(uuid, "ACTIVE")
    assert ">Stop<" in scientist.get(f"/instances/{uuid}/").text

    press(scientist, uuid, "stop")
    scientist.wait_for_state(uuid, "STOPPED")
    (server,) = [s for s in devcloud.servers() if s["metadata"].get("visa_instance") == uuid]
    assert devcloud.server(server["id"])["status"] == "SHUTOFF"
    page = scientist.get(f"/instances/{uuid}/").text
    assert ">Start<" in page and ">Reboot<" not in page

    answer = press(scientist, uuid, "reboot")  # not while stopped: said, and nothing changes
    assert "You cannot reboot “" in answer.text and "” now: it is stopped." in answer.text
    press(scientist, uuid, "start")
    scientist.wait_for_state(uuid, "ACTIVE")
    press(scientist, uuid, "reboot")
    scientist.wait_for_state(uuid, "ACTIVE")
    with scientist.open_desktop(uuid) as desktop:
        assert desktop.width > 0

    history = scientist.get(f"/instances/{uuid}/").text
    for step in ("ACTIVE → STOPPING", "STOPPING → STOPPED", "STOPPED → STARTING", "ACTIVE → REBOOTING",
                 "REBOOTING → ACTIVE"):
        assert step in history
    press(scientist, uuid, "delete")
    scientist.wait_for_state(uuid, "DELETED")
    assert not [s for s in devcloud.servers() if s["metadata"].get("visa_instance") == uuid]


def test_operators_stop_and_delete_in_admin(admin_client):
    from django.utils import timezone

    from instances.models import Instance
    from tests.support.factories import demo_image_and_flavour

    image, flavour = demo_image_and_flavour()
    running, stopped = (
        Instance.objects.create(owner=make_user(), image=image, flavour=flavour, name=name, state=state,
                                state_changed_at=timezone.now())
        for name, state in (("running", "ACTIVE"), ("stopped", "STOPPED"))
    )
    selected = {"action": "stop", "_selected_action": [running.pk, stopped.pk]}
    answer = admin_client.post("/admin/instances/instance/", selected, follow=True)
    assert "Stopped: An instance cannot go from STOPPED to STOPPING." in answer.content.decode()
    assert "delete_selected" not in answer.content.decode()  # rows stay; the server goes by "delete"
    admin_client.post("/admin/instances/instance/", {"action": "delete", "_selected_action": [stopped.pk]})
    running.refresh_from_db(), stopped.refresh_from_db()
    assert (running.state, stopped.state) == ("STOPPING", "DELETING")
    assert running.events.last().actor == "admin" and running.state_reason == "stopped by admin"

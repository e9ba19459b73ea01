"""Pages stay current over WebSocket: each change to an instance reaches the open home page and
instance page as a re-rendered fragment, with Redis between processes and, in the demo's setup
without Redis, by the page looking for changes itself."""
import re

import pytest
import websockets
from websockets.sync.client import connect

from tests.support.factories import make_user
from tests.support.stack import Stack
from tests.support.web import WebUser


def live(user, path):
    url = user.base_url.replace("http", "ws", 1) + path
    return connect(url, additional_headers={"Cookie": user.cookie_header, "Origin": user.base_url}, open_timeout=10)


def states_pushed(socket, until, timeout=60):
    """The states the pushed fragments showed, in order, until one shows `until`."""
    seen = []
    while not seen or seen[-1] != until:
        fragment = socket.recv(timeout=timeout)
        state = re.search(r'class="badge state-(\w+)"', fragment)[1]
        if not seen or seen[-1] != state:
            seen.append(state)
    return seen


def launch_and_watch(user):
    with live(user, "/ws/live") as home:
        assert 'id="my-instances"' in home.recv(timeout=10)  # the page as it is now, on connecting
        uuid, _ = user.launch_from_doi(another=True)
        assert f'id="card-{uuid}"' in home.recv(timeout=10)
        with live(user, f"/ws/instances/{uuid}/live") as page:
            states = states_pushed(page, "ACTIVE")
    assert states[-1] == "ACTIVE" and set(states) <= {"PENDING", "BUILDING", "STARTING", "ACTIVE"}
    return uuid


@pytest.fixture
def scientist(stack, committed):
    return WebUser(stack.url, make_user().username, "pw-for-tests")


def test_home_and_instance_pages_hear_each_change_through_redis(scientist):
    uuid = launch_and_watch(scientist)
    with live(scientist, f"/ws/instances/{uuid}/live") as page:
        scientist.post_form(f"/instances/{uuid}/", f"/instances/{uuid}/stop", {})
        assert states_pushed(page, "STOPPED")[-1] == "STOPPED"
    scientist.delete_instance(uuid)


def test_without_redis_pages_still_see_the_workers_changes(devcloud, tmp_path, committed):
    demo = Stack(tmp_path, devcloud.auth_url, env={"REDIS_URL": ""})
    try:
        user = WebUser(demo.url, make_user().username, "pw-for-tests")
        uuid = launch_and_watch(user)
        user.delete_instance(uuid)
    finally:
        demo.stop()


def test_live_updates_only_for_those_who_may_see_the_instance(stack, scientist, committed):
    uuid, _ = scientist.launch_from_doi(another=True)
    stranger = WebUser(stack.url, make_user().username, "pw-for-tests")
    anonymous = WebUser(stack.url)
    for user, path in [(stranger, f"/ws/instances/{uuid}/live"), (anonymous, "/ws/live"),
                       (anonymous, f"/ws/instances/{uuid}/live")]:
        with pytest.raises(websockets.InvalidStatus) as refusal:
            live(user, path)
        assert refusal.value.response.status_code == 403
    with pytest.raises(websockets.InvalidStatus):
        connect(stack.url.replace("http", "ws", 1) + "/ws/live", open_timeout=10,
                additional_headers={"Cookie": scientist.cookie_header, "Origin": "http://evil.example"})
    scientist.delete_instance(uuid)

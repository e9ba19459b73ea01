"""Drill: Redis (the channel layer) stops for a few seconds while people are on a desktop. What is
still connected afterwards works, what was closed left no session row and no connection to the VM,
and a new connection works once Redis is back."""
import time

import pytest
import websockets
import websockets.sync.client

from instances.models import DesktopSession, Instance
from tests.support.factories import make_user
from tests.support.hostile import vm_connections
from tests.support.redisserver import drill_stack
from tests.support.rfbclient import non_blank
from tests.support.sharing import inputs
from tests.support.waiting import eventually
from tests.support.web import WebUser


def open_sessions(uuid):
    return DesktopSession.objects.filter(instance__uuid=uuid, ended_at=None).count()


def connect(user, uuid):
    return websockets.sync.client.connect(
        user.base_url.replace("http", "ws", 1) + f"/ws/instances/{uuid}/desktop", origin=user.base_url,
        additional_headers={"Cookie": user.cookie_header}, open_timeout=10)


def works(connection):
    """The connection is open and its picture still comes."""
    try:
        return non_blank(connection.framebuffer())
    except (ConnectionError, TimeoutError, websockets.ConnectionClosed):
        return False


def test_redis_away_with_desktops_connected(devcloud, committed, redis_server, tmp_path):
    stack = drill_stack(redis_server, tmp_path, devcloud.auth_url)
    owner, viewer = (WebUser(stack.url, make_user().username, "pw-for-tests") for _ in range(2))
    uuid = None
    try:
        uuid, _ = owner.launch_from_doi()
        owner.wait_for_state(uuid, "ACTIVE")
        address = Instance.objects.get(uuid=uuid).address
        viewer.join(owner.share(uuid))
        connections = [owner.open_desktop(uuid), owner.open_desktop(uuid), viewer.open_desktop(uuid),
                       viewer.open_desktop(uuid)]
        assert all(works(c) for c in connections)
        assert (open_sessions(uuid), len(vm_connections(stack.web.pid, address))) == (4, 4)

        redis_server.stop()
        stopped = time.monotonic()
        with pytest.raises(websockets.ConnectionClosed) as refusal:  # a connection meanwhile: told to wait
            with connect(owner, uuid) as meanwhile:
                meanwhile.recv(timeout=10)
        assert (refusal.value.rcvd.code, refusal.value.rcvd.reason) == (
            4503, "visa cannot admit you just now; try again in a minute.")
        time.sleep(max(0.0, 4 - (time.monotonic() - stopped)))
        redis_server.start()

        alive = [c for c in connections if works(c)]
        print(f"{len(alive)} of {len(connections)} connections still open after Redis came back")
        # Nothing left behind: a session row and a VM connection for each open connection only.
        assert eventually(lambda: (open_sessions(uuid), len(vm_connections(stack.web.pid, address)))
                          == (len(alive), len(alive)), timeout=10)
        with owner.open_desktop(uuid) as new:
            assert non_blank(new.framebuffer())
            before = inputs(devcloud, uuid)["key"]
            new.key(0x61)
            assert eventually(lambda: inputs(devcloud, uuid)["key"] == before + 1, timeout=5)
            assert open_sessions(uuid) == len(alive) + 1
        for connection in connections:
            connection.close()
        assert eventually(lambda: open_sessions(uuid) == 0 and not vm_connections(stack.web.pid, address),
                          timeout=10)
        # The owner's grace period ran out while Redis was away: said, not an unretrieved task error.
        assert "Task exception was never retrieved" not in (tmp_path / "web.log").read_text()
    finally:
        if uuid:
            owner.delete_instance(uuid)
        stack.stop()

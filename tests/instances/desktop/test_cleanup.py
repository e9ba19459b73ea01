"""Whatever ends a desktop connection, it leaves nothing behind: no open session row (which would
make its person look connected), no connection to the VM, and the owner leaving still counts."""
import time

import websockets
from websockets.sync.client import connect

from instances.models import DesktopSession, Instance
from protocols import rfb
from tests.support.hostile import frame, malformed_handshake, upgrade, vm_connections
from tests.support.rfbclient import non_blank
from tests.support.sharing import eventually


def desktop_url(stack, uuid):
    return stack.url.replace("http", "ws", 1) + f"/ws/instances/{uuid}/desktop"


def open_sessions(uuid):
    return DesktopSession.objects.filter(instance__uuid=uuid, ended_at=None).count()


def test_malformed_handshakes_leave_no_session_and_no_vm_connection(stack, owner, person, launch):
    uuid = launch(owner)
    address = Instance.objects.get(uuid=uuid).address
    viewer = person()
    viewer.join(owner.share(uuid))
    with owner.open_desktop(uuid) as owning:
        owning.framebuffer()
        watching = viewer.open_desktop(uuid)
        for _ in range(10):
            malformed_handshake(desktop_url(stack, uuid), owner.cookie_header)
        assert eventually(lambda: open_sessions(uuid) == 2)  # the owner's and the viewer's, no more
        assert len(vm_connections(stack.web.pid, address)) == 2
        assert non_blank(watching.framebuffer())
    # The owner's malformed attempts do not keep the owner "connected": leaving still ends the others'.
    assert watching.closed_by_server(timeout=3)
    assert watching.close_reason == (4401, "The owner left the desktop.")
    assert eventually(lambda: open_sessions(uuid) == 0 and not vm_connections(stack.web.pid, address))


def test_connections_dropped_during_the_upgrade_leave_nothing(stack, owner, launch):
    uuid = launch(owner)
    address = Instance.objects.get(uuid=uuid).address
    for _ in range(10):
        upgrade(desktop_url(stack, uuid), owner.cookie_header, wait=False).close()
    time.sleep(1)
    eventually(lambda: open_sessions(uuid) == 0 and not vm_connections(stack.web.pid, address), timeout=5)
    assert (open_sessions(uuid), vm_connections(stack.web.pid, address)) == (0, [])


def test_a_message_larger_than_a_browser_sends_closes_the_connection(owner, desktop):
    with owner.open_desktop(desktop) as connection:
        connection.send(bytes([rfb.KEY_EVENT, 1, 0, 0, 0, 0, 0, 0x61]) * (rfb.MAX_FRAME // 8 + 1))
        assert connection.closed_by_server(timeout=2)
        assert connection.close_reason[0] == 4400 and "More input than a desktop client sends" in connection.close_reason[1]


def flood(stack, user, uuid):
    """Key events in 32 KiB messages as fast as they go (at most 64 MiB); the close code and reason."""
    with connect(desktop_url(stack, uuid), additional_headers={"Cookie": user.cookie_header},
                 origin=stack.url, max_size=None) as flooding:
        flooding.recv(timeout=5)
        flooding.send(rfb.VERSION_3_8)
        flooding.recv(timeout=5)
        flooding.send(bytes([rfb.SECURITY_NONE, 1]))
        key = bytes([rfb.KEY_EVENT, 1, 0, 0, 0, 0, 0, 0x61]) * (rfb.MAX_FRAME // 8)
        try:
            for _ in range(2000):  # 64 MiB as fast as it goes
                flooding.send(key)
            flooding.recv(timeout=5)
            while True:
                flooding.recv(timeout=5)
        except websockets.ConnectionClosed as closed:
            return closed.rcvd.code, closed.rcvd.reason


def test_a_flood_of_input_closes_the_connection(stack, owner, desktop):
    code, reason = flood(stack, owner, desktop)
    assert code == 4400 and "10518528 at once, 1048576 bytes a second" in reason


def test_a_viewer_may_send_much_less(stack, owner, person, desktop):
    viewer = person()
    viewer.join(owner.share(desktop))
    code, reason = flood(stack, viewer, desktop)
    assert code == 4400 and "262144 at once, 65536 bytes a second" in reason


def test_frames_in_one_write_after_the_handshake_are_relayed(stack, owner, desktop):
    """Several frames in one write are several messages, as the browser's stream splits them."""
    sock = upgrade(desktop_url(stack, desktop), owner.cookie_header)
    sock.sendall(frame(rfb.VERSION_3_8) + frame(bytes([rfb.SECURITY_NONE])) + frame(b"\x01"))
    data = b""
    while b"devcloud" not in data:  # the desktop's name, at the end of ServerInit
        chunk = sock.recv(4096)
        assert chunk, f"closed after {data!r}"
        data += chunk
    sock.close()

"""A membership changed anywhere reaches the member's open desktop and pages at once: in Django
admin a role change makes a user view-only without reconnecting and a removal disconnects them;
the owner's kick on the page closes the kicked person's live page too."""
import time

import pytest
from django.contrib.auth import get_user_model
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from instances.models import Instance
from tests.support import admin
from tests.support.rfbclient import non_blank
from tests.support.sharing import inputs


@pytest.fixture
def operator(person):
    """An operator signed in to Django admin (a superuser)."""
    operator = person(staff=True)
    get_user_model().objects.filter(username=operator.username).update(is_superuser=True)
    return operator


def live_page(stack, user, uuid):
    """The instance page's live-updates socket, as the page opens it, after its first push."""
    socket = connect(stack.url.replace("http", "ws", 1) + f"/ws/instances/{uuid}/live",
                     additional_headers={"Cookie": user.cookie_header}, origin=stack.url, legacy=True)
    socket.recv(timeout=5)
    return socket


def closed_with(socket, timeout=2):
    """The close code and reason the server ends the socket with (pushes before it are skipped)."""
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            socket.recv(timeout=deadline - time.monotonic())
    except ConnectionClosed as closed:
        return closed.rcvd.code, closed.rcvd.reason
    except TimeoutError:
        return None


def test_a_role_changed_or_membership_removed_in_django_admin_reaches_the_open_desktop(
        stack, owner, person, desktop, devcloud, operator):
    user = person()
    user.join(owner.share(desktop, access="interactive"))
    instance = Instance.objects.get(uuid=desktop)
    change_page = f"/admin/instances/instance/{instance.pk}/change/"
    with user.open_desktop(desktop) as working, live_page(stack, user, desktop) as page:
        assert non_blank(working.framebuffer())
        admin.change(operator, change_page, **{"members-0-role": "guest"})
        time.sleep(0.3)  # the change travels over Redis
        before = inputs(devcloud, desktop)
        working.key(0x61)
        assert non_blank(working.framebuffer())  # still connected, now watching
        assert inputs(devcloud, desktop) == before
        assert "guest" in owner.get(f"/instances/{desktop}/sharing").text

        admin.change(operator, change_page, **{"members-0-DELETE": "on"})
        assert working.closed_by_server(timeout=1)
        assert working.close_reason == (4401, "You no longer have access to this desktop.")
        assert closed_with(page) == (4403, "")


def test_a_kick_on_the_page_closes_the_kicked_persons_live_page(stack, owner, person, desktop):
    viewer = person()
    viewer.join(owner.share(desktop))
    with viewer.open_desktop(desktop) as watching, live_page(stack, viewer, desktop) as page:
        watching.framebuffer()
        connected = owner.get(f"/instances/{desktop}/sharing").json()["connected"]
        kicked = [c["id"] for c in connected if c["name"] == viewer.username]
        assert owner.post_form(f"/instances/{desktop}/", f"/instances/{desktop}/sessions/{kicked[0]}/kick", {}).ok
        assert closed_with(page) == (4403, "")

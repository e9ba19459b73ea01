"""Launch from a DOI over HTTP, a real Celery worker builds the VM in devcloud, and the desktop
answers over the WebSocket proxy."""
import pytest
import websockets

from tests.support.factories import make_user
from tests.support.rfbclient import non_blank
from tests.support.web import WebUser


@pytest.fixture
def scientist(stack, committed):
    user = make_user()
    return WebUser(stack.url, user.username, "pw-for-tests")


def test_launch_from_a_doi_reaches_active_and_the_desktop_streams(scientist):
    uuid, page = scientist.launch_from_doi()
    assert "/pnfs/xfel.eu/exfel/archive/XFEL/raw/SPB/201701/p700000" in page.text
    assert "read-only" in page.text

    states = scientist.wait_for_state(uuid, "ACTIVE")
    assert states[-1] == "ACTIVE" and set(states) <= {"PENDING", "BUILDING", "STARTING", "ACTIVE"}

    with scientist.open_desktop(uuid) as desktop:
        assert desktop.width > 0 and desktop.height > 0
        pixels = desktop.framebuffer()
    assert len(pixels) == desktop.width * desktop.height * 4 and non_blank(pixels)

    history = scientist.get(f"/instances/{uuid}/").text
    for step in ("PENDING → BUILDING", "BUILDING → STARTING", "STARTING → ACTIVE"):
        assert step in history


def test_the_proxy_refuses_anonymous_foreign_origin_non_owner_and_unknown(stack, scientist, committed):
    uuid, _ = scientist.launch_from_doi()
    scientist.wait_for_state(uuid, "ACTIVE")
    intruder = make_user()
    other = WebUser(stack.url, intruder.username, "pw-for-tests")

    def refused(uuid, user=scientist, **kwargs):
        with pytest.raises(websockets.InvalidStatus) as refusal:
            user.open_desktop(uuid, **kwargs)
        return refusal.value.response.status_code

    assert refused(uuid, cookie="") == 403  # not signed in
    assert refused(uuid, origin="http://evil.example") == 403
    assert refused(uuid, user=other) == 403
    assert refused("00000000-0000-4000-8000-000000000000") == 403
    with scientist.open_desktop(uuid) as desktop:  # the owner still gets in
        assert non_blank(desktop.framebuffer())

"""Launch from a DOI over HTTP, a real Celery worker builds the VM in devcloud, and the desktop
answers over the WebSocket proxy."""
import re

import pytest
import websockets

from tests.factories import make_user
from tests.rfbclient import RfbClient, non_blank
from tests.web import WebUser

DOI_PAGE = "/doi/10.22003/XFEL.EU-DATA-700000-00"


def launch_from_doi(user):
    page = user.get(DOI_PAGE)
    image = re.search(r'name="image">\s*<option value="(\d+)"', page.text).group(1)
    flavour = re.search(r'name="flavour">\s*<option value="(\d+)"', page.text).group(1)
    experiment = re.search(r'name="experiment" value="(\d+)"', page.text).group(1)
    answer = user.post_form(DOI_PAGE, "/instances/launch",
                            {"experiment": experiment, "image": image, "flavour": flavour})
    match = re.search(r"/instances/([0-9a-f-]{36})/$", answer.url)
    assert match, f"not taken to the instance page: {answer.url}"
    return match.group(1), answer


def open_desktop(stack, uuid, cookie, origin=None):
    url = stack.url.replace("http", "ws") + f"/ws/instances/{uuid}/desktop"
    return RfbClient.through_proxy(url, cookie, origin=origin or stack.url)


@pytest.fixture
def scientist(stack, committed):
    user = make_user()
    return WebUser(stack.url, user.username, "pw-for-tests")


def test_launch_from_a_doi_reaches_active_and_the_desktop_streams(stack, scientist):
    uuid, page = launch_from_doi(scientist)
    assert "/pnfs/xfel.eu/exfel/archive/XFEL/raw/SPB/201701/p700000" in page.text
    assert "read-only" in page.text

    states = scientist.wait_for_state(uuid, "ACTIVE")
    assert states[-1] == "ACTIVE" and set(states) <= {"PENDING", "BUILDING", "STARTING", "ACTIVE"}

    with open_desktop(stack, uuid, scientist.cookie_header) as desktop:
        assert desktop.width > 0 and desktop.height > 0
        pixels = desktop.framebuffer()
    assert len(pixels) == desktop.width * desktop.height * 4 and non_blank(pixels)

    history = scientist.get(f"/instances/{uuid}/").text
    for step in ("PENDING → BUILDING", "BUILDING → STARTING", "STARTING → ACTIVE"):
        assert step in history


def test_the_proxy_refuses_anonymous_foreign_origin_non_owner_and_unknown(stack, scientist, committed):
    uuid, _ = launch_from_doi(scientist)
    scientist.wait_for_state(uuid, "ACTIVE")
    intruder = make_user()
    other = WebUser(stack.url, intruder.username, "pw-for-tests")

    def refused(uuid, cookie="", origin=None):
        with pytest.raises(websockets.InvalidStatus) as refusal:
            open_desktop(stack, uuid, cookie, origin)
        return refusal.value.response.status_code

    assert refused(uuid) == 403  # not signed in
    assert refused(uuid, scientist.cookie_header, origin="http://evil.example") == 403
    assert refused(uuid, other.cookie_header) == 403
    assert refused("00000000-0000-4000-8000-000000000000", scientist.cookie_header) == 403
    with open_desktop(stack, uuid, scientist.cookie_header) as desktop:  # the owner still gets in
        assert non_blank(desktop.framebuffer())

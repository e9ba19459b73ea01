"""Sharing a live desktop through the real stack: share links, roles, kick, revoke, room lock,
support requests, as people use them over HTTP and through the WebSocket proxy to devcloud's VNC
server, which counts the input messages that reach it."""
import struct
import time

import pytest
import websockets

from instances.models import Instance
from tests.support.factories import make_experiment, make_user
from tests.support.rfbclient import non_blank
from tests.support.stack import end
from tests.support.web import WebUser

KEY = struct.pack(">BBxxI", 4, 1, 0x61)
POINTER = struct.pack(">BBHH", 5, 1, 10, 10)
CUT_TEXT = struct.pack(">B3xI", 6, 2) + b"hi"
QEMU_KEY = struct.pack(">BBHII", 255, 0, 1, 0x61, 30)
INPUT = {"key": 0, "pointer": 0, "clipboard": 0}


@pytest.fixture
def person(stack, committed):
    def person(staff=False):
        user = make_user()
        if staff:
            user.is_staff = True
            user.save()
        return WebUser(stack.url, user.username, "pw-for-tests")
    return person


@pytest.fixture
def owner(person):
    return person()


@pytest.fixture
def launch():
    """Launch an ACTIVE instance for a user; each is deleted after the test (devcloud holds ten)."""
    launched = []

    def launch(user):
        uuid, _ = user.launch_from_doi()
        launched.append((user, uuid))
        user.wait_for_state(uuid, "ACTIVE")
        return uuid
    yield launch
    for user, uuid in launched:
        user.delete_instance(uuid, wait=False)
    for user, uuid in launched:
        user.wait_for_state(uuid, "DELETED")


@pytest.fixture
def desktop(owner, launch):
    """A running desktop of `owner`, who is connected to it (others join while the owner is there)."""
    uuid = launch(owner)
    with owner.open_desktop(uuid) as connection:
        assert non_blank(connection.framebuffer())
        yield uuid


def inputs(devcloud, uuid):
    """The key, pointer and clipboard messages the VM's VNC server has received."""
    return devcloud.server(Instance.objects.get(uuid=uuid).server_id)["inputs"]


def send_all_input(connection):
    for message in (KEY, POINTER, CUT_TEXT, QEMU_KEY):
        connection.send(message)


def eventually(check, timeout=2):
    """Whether check() comes true within `timeout` seconds (what the owner's page polls for)."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def refused(user, uuid, **kwargs):
    with pytest.raises(websockets.InvalidStatus) as refusal:
        user.open_desktop(uuid, **kwargs)
    return refusal.value.response.status_code


def test_a_view_only_link_shows_the_desktop_and_no_input_reaches_the_vm(owner, person, desktop, devcloud):
    link = owner.share(desktop, label="beamline team")
    viewer = person()
    assert "beamline team" not in viewer.get(link.removeprefix(viewer.base_url)).text  # no label leaks
    page = viewer.join(link)
    assert page.url.endswith(f"/instances/{desktop}/") and "You watch this desktop" in page.text

    before = inputs(devcloud, desktop)
    with viewer.open_desktop(desktop) as watching:
        send_all_input(watching)
        assert non_blank(watching.framebuffer())  # the control messages around the input got through
    assert inputs(devcloud, desktop) == before

    interactive = person()
    interactive.join(owner.share(desktop, access="interactive"))
    with interactive.open_desktop(desktop) as working:
        working.key(0x61)
        working.pointer(5, 5)
        working.framebuffer()
    after = inputs(devcloud, desktop)
    assert (after["key"] - before["key"], after["pointer"] - before["pointer"]) == (1, 1)


def test_the_owner_sees_who_is_connected_and_kicks_one(owner, person, desktop):
    viewer = person()
    viewer.join(owner.share(desktop))
    with viewer.open_desktop(desktop) as watching:
        connected = owner.get(f"/instances/{desktop}/sharing").json()["connected"]
        assert [(c["name"], c["role"]) for c in connected] == [
            (owner.username, "owner"), (viewer.username, "guest")]
        kicked = owner.post_form(f"/instances/{desktop}/", f"/instances/{desktop}/sessions/{connected[1]['id']}/kick", {})
        assert kicked.ok
        assert watching.closed_by_server(timeout=1)
        assert watching.close_reason == (4401, "The owner disconnected you from this desktop.")
    assert eventually(lambda: [c["role"] for c in owner.get(f"/instances/{desktop}/sharing").json()["connected"]]
                      == ["owner"])
    assert refused(viewer, desktop) == 403


def test_revoking_on_one_asgi_process_disconnects_a_viewer_on_another_within_a_second(
        stack, owner, person, desktop):
    other_url, other_process = stack.start_web("web2")
    try:
        link = owner.share(desktop)
        viewer = person()
        viewer.join(link)
        with viewer.open_desktop(desktop, server=other_url) as watching:
            assert non_blank(watching.framebuffer())
            links = owner.get(f"/instances/{desktop}/sharing").json()["links"]
            started = time.monotonic()
            assert owner.post_form(f"/instances/{desktop}/", f"/instances/{desktop}/links/{links[0]['id']}/revoke", {}).ok
            assert watching.closed_by_server(timeout=1)
            assert time.monotonic() - started < 1
            assert watching.close_reason == (4401, "The share link you joined with was revoked.")
        assert refused(viewer, desktop) == 403
        page = viewer.get(link.removeprefix(viewer.base_url))
        assert page.status_code == 410 and "revoked" in page.text
    finally:
        end(other_process)


def test_bad_tokens_get_a_clear_page_and_the_api_a_clear_error(owner, person, desktop):
    viewer = person()
    unknown = viewer.get("/join/not-a-token")
    assert unknown.status_code == 410 and "This link is not valid" in unknown.text

    used_up = owner.share(desktop, max_uses="1")
    viewer.join(used_up)
    late = person()
    page = late.get(used_up.removeprefix(late.base_url))
    assert page.status_code == 410 and "used as often as its owner allowed" in page.text
    answer = late.http.post(used_up, headers={"Accept": "application/json", "X-CSRFToken": late.http.cookies["csrftoken"]})
    assert (answer.status_code, answer.json()) == (410, {"error": "This link has been used as often as its owner allowed."})

    expiring = owner.share(desktop, hours="0.0003")  # about one second
    time.sleep(1.2)
    assert "This link has expired." in late.get(expiring.removeprefix(late.base_url)).text

    bad = owner.post_form(f"/instances/{desktop}/", f"/instances/{desktop}/links", {"access": "root"})
    assert (bad.status_code, bad.json()) == (400, {"error": "Choose view-only or interactive."})


def test_a_token_for_one_instance_never_opens_another(owner, person, desktop, launch):
    other_owner = person()
    other = launch(other_owner)
    viewer = person()
    viewer.join(owner.share(desktop))
    with other_owner.open_desktop(other):
        assert refused(viewer, other) == 403
        assert viewer.get(f"/instances/{other}/").status_code == 404
        with viewer.open_desktop(desktop) as watching:
            assert non_blank(watching.framebuffer())


def test_an_invitation_is_e_mailed_and_is_for_one_named_person_once(stack, owner, person, desktop):
    invited, stranger = person(), person()
    link = owner.share(desktop, email=f"{invited.username}@visa.test")
    mail = next(m for m in stack.mails() if f"To: {invited.username}@visa.test" in m)
    assert "invites you to watch the desktop" in mail and link in mail
    refusal = stranger.join(link)
    assert refusal.status_code == 410 and "This invitation is for someone else." in refusal.text
    assert invited.join(link).url.endswith(f"/instances/{desktop}/")
    assert "used as often" in stranger.get(link.removeprefix(stranger.base_url)).text


def test_the_join_page_asks_to_sign_in_and_guests_need_the_operator_setting(owner, desktop, stack):
    link = owner.share(desktop)
    anonymous = WebUser(stack.url)
    answer = anonymous.join(link)
    assert "/accounts/login/" in answer.url  # off by default: sign in first
    assert refused(anonymous, desktop, cookie=anonymous.cookie_header) == 403


def test_room_lock_stops_a_users_input_at_once(owner, person, desktop, devcloud):
    user = person()
    user.join(owner.share(desktop, access="interactive"))
    with user.open_desktop(desktop) as working:
        assert owner.post_form(f"/instances/{desktop}/", f"/instances/{desktop}/lock", {"locked": "1"}).ok
        time.sleep(0.3)  # the lock travels over Redis
        before = inputs(devcloud, desktop)
        working.key(0x61)
        working.framebuffer()
        assert inputs(devcloud, desktop) == before
        owner.post_form(f"/instances/{desktop}/", f"/instances/{desktop}/lock", {"locked": "0"})
        time.sleep(0.3)
        working.key(0x61)
        working.framebuffer()
        assert inputs(devcloud, desktop)["key"] == before["key"] + 1


def test_when_the_owner_leaves_everyone_is_disconnected(owner, person, launch):
    uuid = launch(owner)
    viewer = person()
    viewer.join(owner.share(uuid))
    assert refused(viewer, uuid) == 403  # nobody is admitted while the owner is away
    with owner.open_desktop(uuid) as owning:
        owning.framebuffer()
        watching = viewer.open_desktop(uuid)
        assert non_blank(watching.framebuffer())
    assert watching.closed_by_server(timeout=2)
    assert watching.close_reason == (4401, "The owner left the desktop.")


def test_an_owner_who_reloads_the_page_disconnects_nobody(owner, person, launch):
    uuid = launch(owner)
    viewer = person()
    viewer.join(owner.share(uuid))
    with owner.open_desktop(uuid) as owning:
        owning.framebuffer()
        watching = viewer.open_desktop(uuid)
    with owner.open_desktop(uuid) as owning_again:  # within the grace period (VISA_OWNER_GRACE)
        time.sleep(1)
        assert non_blank(owning_again.framebuffer())
        assert non_blank(watching.framebuffer())  # still connected
    watching.close()


def test_support_asks_for_access_and_the_owner_admits_them(owner, person, desktop):
    support = person(staff=True)
    page = support.get(f"/instances/{desktop}/")
    assert "Ask the owner for access" in page.text
    assert refused(support, desktop) == 403
    support.post_form(f"/instances/{desktop}/", f"/instances/{desktop}/request-access", {})
    requests = owner.get(f"/instances/{desktop}/sharing").json()["requests"]
    assert [r["name"] for r in requests] == [support.username]
    owner.post_form(f"/instances/{desktop}/", f"/instances/{desktop}/requests/{requests[0]['id']}/answer",
                    {"answer": "support"})
    assert "You have support access" in support.get(f"/instances/{desktop}/").text
    with support.open_desktop(desktop) as helping:
        assert non_blank(helping.framebuffer())


def test_an_unknown_message_closes_that_connection_with_a_reason(owner, desktop):
    with owner.open_desktop(desktop) as connection:
        connection.send(b"\x07")
        assert connection.closed_by_server(timeout=2)
        assert connection.close_reason == (4400, "unknown RFB client message type 7")


def test_where_the_operator_allows_it_a_guest_without_account_watches_open_data(stack, owner, desktop, devcloud):
    guests_url, guests_web = stack.start_web("web-guests", VISA_OPEN_DATA_GUESTS="1")
    try:
        anonymous = WebUser(guests_url)
        path = owner.share(desktop).removeprefix(owner.base_url)
        page = anonymous.post_form(path, path, {})
        assert page.url.endswith(f"/instances/{desktop}/") and "You watch this desktop" in page.text
        before = inputs(devcloud, desktop)
        with anonymous.open_desktop(desktop, server=guests_url) as watching:
            send_all_input(watching)
            assert non_blank(watching.framebuffer())
            assert inputs(devcloud, desktop) == before
            guest = next(c for c in owner.get(f"/instances/{desktop}/sharing").json()["connected"] if c["role"] == "guest")
            assert guest["name"] == "Guest"
            owner.post_form(f"/instances/{desktop}/", f"/instances/{desktop}/sessions/{guest['id']}/kick", {})
            assert watching.closed_by_server(timeout=1)
        assert refused(anonymous, desktop, server=guests_url) == 403  # the kick ended the guest's access

        interactive = owner.share(desktop, access="interactive").removeprefix(owner.base_url)
        assert "/accounts/login/" in WebUser(guests_url).post_form(interactive, interactive, {}).url
    finally:
        end(guests_web)


def test_where_the_operator_chose_lock_the_owner_leaving_locks_the_room(stack, owner, person, launch, devcloud):
    uuid = launch(owner)
    lock_url, lock_web = stack.start_web("web-lock", VISA_OWNER_LEAVES="lock")
    try:
        user = person()
        user.join(owner.share(uuid, access="interactive"))
        with owner.open_desktop(uuid, server=lock_url) as owning:
            owning.framebuffer()
        assert eventually(lambda: Instance.objects.get(uuid=uuid).room_locked)
        before = inputs(devcloud, uuid)
        with user.open_desktop(uuid, server=lock_url) as working:  # admitted without the owner, only to watch
            working.key(0x61)
            assert non_blank(working.framebuffer())
        assert inputs(devcloud, uuid) == before
        assert "the owner has locked the room" in user.get(f"/instances/{uuid}/").text
    finally:
        end(lock_web)


def test_a_collaborator_who_may_not_read_the_data_is_refused(person):
    from django.contrib.auth import get_user_model

    owner, stranger = person(), person()
    member = get_user_model().objects.get(username=owner.username)
    experiment = make_experiment(members=[member], dois=["10.5555/sharing-closed"])
    uuid, _ = owner.launch_from_doi("/doi/10.5555/sharing-closed")
    owner.wait_for_state(uuid, "ACTIVE")
    try:
        with owner.open_desktop(uuid):
            refusal = stranger.join(owner.share(uuid))
            assert refusal.status_code == 410
            assert f"This desktop shows data you may not read (proposal {experiment.proposal_id})" in refusal.text
            assert refused(stranger, uuid) == 403
    finally:
        owner.delete_instance(uuid)

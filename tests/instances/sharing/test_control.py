"""The owner in control of a shared desktop through the real stack: who is connected, kick, revoke
(across ASGI processes), room lock, the owner leaving or reloading, support requests, and a
connection closed for a bad message."""
import time

from instances.models import Instance
from tests.support.rfbclient import non_blank
from tests.support.sharing import eventually, inputs, refused
from tests.support.stack import end


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

"""Home-page thumbnails: taken from the VM's real VNC server (devcloud's built-in one and Xvnc),
stored, refreshed for desktops in use, and served only to those who may see the instance."""
import io
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image as Picture

from instances.desktop import thumbnails
from instances.models import DesktopSession, Image, Instance, InstanceMember, Role, Thumbnail
from instances.tasks import refresh_thumbnails
from protocols import rfb
from tests.support.factories import demo_image_and_flavour, make_user
from tests.support.rfbclient import non_blank
from tests.support.web import WebUser

SECRET = "thumb-pw"


def in_thread(function, *args):
    """Call a function that runs its own event loop (as the Celery worker does) from a thread of
    its own: once a browser test ran, Playwright keeps an event loop running in the test's thread."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(function, *args).result()


def decoded(jpeg):
    picture = Picture.open(io.BytesIO(jpeg))
    assert picture.format == "JPEG"
    return picture


def pixels(picture):
    return picture.convert("RGBX").tobytes()


@pytest.fixture(params=["builtin", "xvnc"])
def desktop(request, tmp_path):
    """(address, port) of a devcloud server's VNC desktop, of each kind devcloud runs."""
    from deploy.devcloud.testing import listening, start_devcloud, vnc_user_data

    cloud = start_devcloud(tmp_path, vnc=request.param)
    try:
        conn = cloud.connect()
        server = conn.compute.create_server(
            name="thumbnail", image_id=next(conn.image.images()).id, flavor_id=next(conn.compute.flavors()).id,
            user_data=vnc_user_data(SECRET), networks="auto")
        server = conn.compute.wait_for_server(server, wait=30, interval=0.1)
        address = next(a["addr"] for net in server.addresses.values() for a in net)
        deadline = time.monotonic() + 15
        while not listening(address) and time.monotonic() < deadline:
            time.sleep(0.1)
        yield address, 5900
    finally:
        cloud.stop()


def test_a_thumbnail_is_a_small_jpeg_of_what_the_desktop_shows(desktop):
    deadline = time.monotonic() + 10
    while True:  # Xvnc answers before its message window is drawn
        picture = decoded(in_thread(thumbnails.picture, *desktop, [SECRET]))
        if non_blank(pixels(picture)) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert picture.size == (thumbnails.WIDTH, thumbnails.WIDTH * 768 // 1024)
    assert non_blank(pixels(picture))


def test_a_wrong_secret_or_no_desktop_is_an_error_not_a_picture(desktop):
    with pytest.raises(rfb.RFBError, match="refused its password"):
        in_thread(thumbnails.picture, *desktop, ["wrong-pw"])
    with pytest.raises(OSError):
        in_thread(thumbnails.picture, "127.0.0.1", 9, [SECRET])  # nothing listens on the discard port


def test_during_a_rotation_the_old_secret_is_tried_then_the_new(desktop):
    assert non_blank(pixels(decoded(in_thread(thumbnails.picture, *desktop, ["old-pw", SECRET]))))


def test_capture_skips_a_desktop_it_cannot_reach_and_keeps_the_last_picture(committed):
    _, flavour = demo_image_and_flavour()
    unreachable = Image.objects.create(name="No desktop here", cloud_id="none", vnc_port=9)  # discard port
    instance = Instance.objects.create(owner=make_user(), image=unreachable, flavour=flavour, state="ACTIVE",
                                       address="127.0.0.1")
    taken = timezone.now() - timedelta(minutes=5)
    Thumbnail.objects.create(instance=instance, jpeg=b"old", taken_at=taken)
    assert in_thread(thumbnails.capture, instance.pk) is False
    assert Thumbnail.objects.get(instance=instance).taken_at == taken
    Instance.objects.filter(pk=instance.pk).update(state="DELETED")


@pytest.mark.django_db
def test_thumbnails_are_refreshed_for_desktops_in_use_and_taken_once_for_new_ones():
    image, flavour = demo_image_and_flavour()
    owner, now = make_user(), timezone.now()

    def instance(state="ACTIVE", picture=True, **fields):
        made = Instance.objects.create(owner=owner, image=image, flavour=flavour, state=state, **fields)
        if picture:
            Thumbnail.objects.create(instance=made, jpeg=b"x", taken_at=now)
        return made

    watched = instance(last_activity_at=now - timedelta(days=1))
    DesktopSession.objects.create(instance=watched, name="a", role=Role.OWNER, channel_name="c")
    used_lately = instance(last_activity_at=now - timedelta(seconds=10))
    new = instance(picture=False)
    idle = instance(last_activity_at=now - timedelta(days=1))
    left = instance(last_activity_at=now - timedelta(days=1))
    DesktopSession.objects.create(instance=left, name="a", role=Role.OWNER, channel_name="c", ended_at=now)
    stopped = instance(state="STOPPED", picture=False)
    assert set(thumbnails.due()) == {watched.pk, used_lately.pk, new.pk}
    assert not {idle.pk, left.pk, stopped.pk} & set(thumbnails.due())


def test_the_home_page_gets_a_picture_once_the_desktop_is_active_for_those_who_may_see_it(stack, committed):
    owner = WebUser(stack.url, make_user().username, "pw-for-tests")
    member, stranger = make_user(), make_user()
    uuid, _ = owner.launch_from_doi(another=True)
    owner.wait_for_state(uuid, "ACTIVE")
    deadline = time.monotonic() + 20
    while (answer := owner.get(f"/instances/{uuid}/thumbnail")).status_code == 404 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert answer.status_code == 200 and answer.headers["Content-Type"] == "image/jpeg"
    assert answer.headers["Cache-Control"] == "private, max-age=3600"
    assert non_blank(pixels(decoded(answer.content)))
    assert f"/instances/{uuid}/thumbnail?v=" in owner.get("/").text

    first = Thumbnail.objects.get(instance__uuid=uuid).taken_at
    with owner.open_desktop(uuid):  # in use: the periodic refresh takes a new one
        refresh_thumbnails.delay()
        deadline = time.monotonic() + 20
        while Thumbnail.objects.get(instance__uuid=uuid).taken_at == first and time.monotonic() < deadline:
            time.sleep(0.2)
    assert Thumbnail.objects.get(instance__uuid=uuid).taken_at > first

    instance = Instance.objects.get(uuid=uuid)
    InstanceMember.objects.create(instance=instance, user=member, role=Role.GUEST)
    support = make_user()
    support.is_staff = True
    support.save()
    assert WebUser(stack.url, member.username, "pw-for-tests").get(f"/instances/{uuid}/thumbnail").status_code == 200
    # staff see the picture only once the owner admits them (tests/instances/pages/test_data_policy.py)
    for visitor in (WebUser(stack.url, stranger.username, "pw-for-tests"), WebUser(stack.url),
                    WebUser(stack.url, support.username, "pw-for-tests")):
        refused = visitor.get(f"/instances/{uuid}/thumbnail")
        assert refused.status_code == 404 and "image" not in refused.headers["Content-Type"]
    owner.delete_instance(uuid)
    assert owner.get(f"/instances/{uuid}/thumbnail").status_code == 404  # gone with the desktop

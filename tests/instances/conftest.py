"""Fixtures for live desktops through the real stack (the proxy's and the sharing tests): people
signed in over HTTP, their launched desktops (deleted after each test), and a desktop its owner is
connected to."""
import pytest

from tests.support.factories import make_user
from tests.support.redisserver import RedisServer
from tests.support.rfbclient import non_blank
from tests.support.web import WebUser


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


@pytest.fixture
def redis_server(tmp_path):
    """A private redis-server, for drills that stop Redis (the machine's shared one keeps running)."""
    server = RedisServer(tmp_path)
    yield server
    server.stop()

"""Fixtures that start the real parts: devcloud, an ASGI server and a Celery worker, against the
test database (PostgreSQL) and Redis, and a real browser. Their helpers are in tests.support."""
import os
from urllib.parse import quote, urlsplit

import hypothesis
import pytest
import redis
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test.utils import setup_databases, teardown_databases

from tests.support.browser import WatchedBrowser, open_page, sign_in
from tests.support.factories import make_user
from tests.support.redisserver import RedisServer
from tests.support.rfbclient import non_blank
from tests.support.stack import Stack
from tests.support.web import WebUser

# Every devcloud answer of the session, checked against tempest's schemas at its end.
pytest_plugins = ["tests.support.schemacheck"]

# Property tests check results, not speed (benchmarks do that): no per-example deadline, which a
# loaded machine would miss.
hypothesis.settings.register_profile("visa", deadline=None)
hypothesis.settings.load_profile("visa")


@pytest.fixture(scope="session")
def django_db_setup(django_test_environment, django_db_blocker):
    """Always create the test database: integration tests use it without the `db` fixture,
    because the stack's processes must see what they commit."""
    with django_db_blocker.unblock():
        databases = setup_databases(verbosity=0, interactive=False, aliases={"default"})
    yield
    with django_db_blocker.unblock():
        with connection.cursor() as cursor:  # a stack process may still be closing its connection
            cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                           "WHERE datname = current_database() AND pid <> pg_backend_pid()")
        teardown_databases(databases, verbosity=0)


@pytest.fixture(scope="session", autouse=True)
def seeded(django_db_setup, django_db_blocker):
    """The demo data (images, flavours, the open XFEL dataset), committed for every test."""
    with django_db_blocker.unblock():
        call_command("seed_demo", stdout=open(os.devnull, "w"))


@pytest.fixture(scope="session")
def devcloud(tmp_path_factory):
    from deploy.devcloud.testing import start_devcloud

    directory = tmp_path_factory.mktemp("devcloud")
    cloud = start_devcloud(directory, max_instances=50, dcache_root=directory / "dcache")
    yield cloud
    cloud.stop()


@pytest.fixture(scope="session")
def stack(seeded, devcloud, tmp_path_factory):
    assert settings.DATABASES["default"]["ENGINE"].endswith("postgresql"), "integration tests run on PostgreSQL"
    redis.Redis.from_url(settings.REDIS_URL).flushdb()  # no tasks left over from an earlier run
    stack = Stack(tmp_path_factory.mktemp("stack"), devcloud.auth_url)
    yield stack
    stack.stop()


@pytest.fixture
def committed(django_db_blocker):
    """Make rows outside the test transaction, so the stack's processes see them."""
    with django_db_blocker.unblock():
        yield


@pytest.fixture
def signed_in(browser, stack):
    """signed_in(user, path="/"): a laptop-sized browser page of its own, signed in as `user` and
    at `path`; each is closed after the test."""
    pages = []

    def signed_in_page(user, path="/"):
        page = open_page(browser, stack.url)
        pages.append(page)
        page.goto(f"/accounts/login/?next={quote(path)}")
        sign_in(page, user)
        page.wait_for_url(lambda url: urlsplit(url).path == urlsplit(path).path)
        return page

    yield signed_in_page
    for page in pages:
        page.context.close()


@pytest.fixture
def operator(page, committed):
    """A browser page signed in as a new superuser, at the admin's front page."""
    user = make_user()
    user.is_staff = user.is_superuser = True
    user.save()
    page.goto("/accounts/login/?next=/admin/")
    sign_in(page, user)
    page.wait_for_url(lambda url: urlsplit(url).path == "/admin/")
    return page


@pytest.fixture
def page(browser, stack):
    page = open_page(browser, stack.url)
    yield page
    page.context.close()


@pytest.fixture(scope="session")
def browser():
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"],
        )
        yield WatchedBrowser(browser)
        browser.close()


@pytest.fixture(autouse=True)
def no_csp_violations(request):
    """A test that used the browser fails if a page broke the Content-Security-Policy (an inline
    script, an eval, a file from elsewhere): the page would not work as the test saw it."""
    if "browser" not in request.fixturenames:
        yield
        return
    browser = request.getfixturevalue("browser")
    browser.violations.clear()
    yield
    assert not browser.violations, "Content-Security-Policy violations:\n" + "\n".join(browser.violations)


# Live desktops through the real stack (the proxy's, sharing's and monitoring's tests): people
# signed in over HTTP, their launched desktops (deleted after each test), and a desktop its owner is
# connected to.

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
    """A private redis-server: for drills that stop Redis (the machine's shared one keeps running),
    and for a stack whose beat's tasks must reach its own worker, not the session's."""
    server = RedisServer(tmp_path)
    yield server
    server.stop()

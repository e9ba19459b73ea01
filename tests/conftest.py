"""Fixtures that start the real parts: devcloud, an ASGI server and a Celery worker, against the
test database (PostgreSQL) and Redis, and a real browser."""
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import hypothesis
import pytest
import redis
from django.conf import settings

# Property tests check results, not speed (benchmarks do that): no per-example deadline, which a
# loaded machine would miss.
hypothesis.settings.register_profile("visa", deadline=None)
hypothesis.settings.load_profile("visa")
from django.core.management import call_command
from django.db import connection
from django.test.utils import setup_databases, teardown_databases

ROOT = Path(__file__).resolve().parent.parent


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


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port, process, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args} exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing answered on port {port}")


class Stack:
    """visa's processes as `make run` starts them, on the test database and Redis; env adds
    settings, worker=False leaves out the Celery worker for tests that launch nothing, and
    beat=False runs the worker without beat (one beat per deployment)."""

    def __init__(self, tmp, devcloud_url, env=(), port=None, worker=True, beat=True):
        port = port or free_port()
        self.env = {
            **os.environ,
            "DATABASE_URL": _database_url(),
            "OPENSTACK_AUTH_URL": devcloud_url,
            "VISA_VAR_DIR": str(tmp),
            "VISA_BUILD_TIMEOUT": "60",
            "PYTHONUNBUFFERED": "1",
            # Short periods, so fault and expiry tests see the periodic tasks act within seconds.
            "VISA_RECONCILE_PERIOD": "1",
            "VISA_EXPIRY_PERIOD": "1",
            "VISA_STUCK_AFTER": "3",
            "VISA_POLL_INTERVAL": "0.1",
            "VISA_OWNER_GRACE": "0.5",
            "VISA_CLOUD_TIMEOUT": "3",
            "VISA_CLOUD_BACKOFF": "0.1",
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(tmp / "mail"),
            # e-mails link here, and the VMs' mount agents ask here
            "VISA_SITE_URL": f"http://127.0.0.1:{port}",
            "VISA_AGENT_POLL_SECONDS": "2",
            **dict(env),
        }
        self.mail = tmp / "mail"
        self.logs = tmp
        self.worker = self.start_worker(beat) if worker else None
        self.url, self.web = self.start_web(port=port)

    def start(self, name, *args, **env):
        log = open(self.logs / f"{name}.log", "ab")
        # Its own process group, so that a test can kill it with all its children.
        return subprocess.Popen([sys.executable, *args], cwd=ROOT, env={**self.env, **env}, stdout=log,
                                stderr=subprocess.STDOUT, process_group=0)

    def start_web(self, name="web", port=None, **env):
        """An ASGI server on the stack's database and Redis (a test may start another); its URL and process."""
        port = port or free_port()
        process = self.start(name, "-m", "uvicorn", "visa.asgi:application", "--port", str(port),
                             "--ws-per-message-deflate", "false", **env)
        wait_for_port(port, process)
        return f"http://127.0.0.1:{port}", process

    def start_worker(self, beat=True):
        beat_args = ["--beat", "--schedule", str(self.logs / "beat-schedule")] if beat else []
        return self.start("worker", "-m", "celery", "-A", "visa", "worker", *beat_args, "--concurrency", "4",
                          "--loglevel", "INFO")

    def kill_worker(self):
        """SIGKILL the worker and its pool, as a crashed machine would, and start a new one."""
        os.killpg(self.worker.pid, signal.SIGKILL)
        self.worker.wait(10)
        self.worker = self.start_worker()

    def mails(self):
        """The e-mails sent so far, as the file backend wrote them."""
        return [path.read_text() for path in sorted(self.mail.glob("*.log"))] if self.mail.exists() else []

    def stop(self):
        end(*(process for process in (self.web, self.worker) if process))


def end(*processes):
    """Stop processes the stack started: politely, then (an ASGI server waiting on open
    WebSockets, a worker in a long task) for good after 10 s."""
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _database_url():
    s = connection.settings_dict
    return f"postgres://{s['USER']}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


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


VIEWPORT = {"width": 1280, "height": 800}  # a laptop's screen


def open_page(browser, base_url):
    """A new browser page with cookies of its own, laptop-sized, on base_url."""
    page = browser.new_context(base_url=base_url, viewport=VIEWPORT).new_page()
    page.set_default_timeout(30_000)
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
        yield browser
        browser.close()

"""Scale out as docs/operators.md describes it: two ASGI processes and two Celery workers (one
beat) on the same PostgreSQL and Redis. A launch through one process, the desktop through the
other, and the provisioning task runs once."""
import time

import pytest

from tests.support.factories import make_user
from tests.support.rfbclient import RfbClient, non_blank
from tests.support.stack import Stack
from tests.support.web import WebUser


@pytest.fixture(scope="module")
def second_node(stack, devcloud, tmp_path_factory):
    """Another web process and a worker without beat, beside the session's stack."""
    node = Stack(tmp_path_factory.mktemp("second-node"), devcloud.auth_url, beat=False)
    deadline = time.monotonic() + 60  # a loaded machine takes a while to start a worker
    while "ready." not in (node.logs / "worker.log").read_text() and time.monotonic() < deadline:
        time.sleep(0.2)
    yield node
    node.stop()


def test_launch_through_one_node_and_open_the_desktop_through_the_other(stack, second_node, committed):
    user = make_user()
    scientist = WebUser(stack.url, user.username, "pw-for-tests")
    uuid, _ = scientist.launch_from_doi()
    scientist.wait_for_state(uuid, "ACTIVE")

    url = second_node.url.replace("http", "ws", 1) + f"/ws/instances/{uuid}/desktop"
    with RfbClient.through_proxy(url, scientist.cookie_header, origin=second_node.url) as desktop:
        assert non_blank(desktop.framebuffer())

    # Either worker may have taken the task; together they built the VM once.
    history = WebUser(second_node.url, user.username, "pw-for-tests").get(f"/instances/{uuid}/").text
    assert history.count("PENDING → BUILDING") == 1
    assert second_node.worker.poll() is None and "ready." in (second_node.logs / "worker.log").read_text()

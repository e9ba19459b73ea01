"""While the database is away, the desktops already open go on (activity and heartbeats are
written beside the relay) and a new connection is refused within seconds, not a minute, with
HTTP 503 and what to do (not a 500 and a traceback)."""
import time

import pytest
import websockets
from websockets.sync.client import connect

from instances.sharing.sockets import DB_TIMEOUT, UNAVAILABLE
from tests.support.dbproxy import DatabaseProxy
from tests.support.rfbclient import non_blank
from tests.support.sharing import inputs
from tests.support.stack import end


@pytest.fixture
def database():
    database = DatabaseProxy()
    yield database
    database.away()


def test_open_desktops_go_on_and_new_ones_fail_fast_while_the_database_is_away(
        stack, owner, launch, devcloud, database):
    uuid = launch(owner)
    # Every input would record activity (no throttle), the heartbeat beats each second.
    url, web = stack.start_web("web-db", DATABASE_URL=database.url, VISA_ACTIVITY_THROTTLE="0",
                               VISA_SESSION_HEARTBEAT="1")
    try:
        with owner.open_desktop(uuid, server=url) as working:
            assert non_blank(working.framebuffer())
            database.away()
            before, started = inputs(devcloud, uuid)["key"], time.monotonic()
            for _ in range(10):
                working.key(0x61)
                assert non_blank(working.framebuffer())
            assert time.monotonic() - started < 1
            assert inputs(devcloud, uuid)["key"] == before + 10

            started = time.monotonic()
            with pytest.raises(websockets.InvalidStatus) as refusal:
                connect(url.replace("http", "ws", 1) + f"/ws/instances/{uuid}/desktop", origin=url,
                        additional_headers={"Cookie": owner.cookie_header}, open_timeout=30)
            took = time.monotonic() - started
            assert took < DB_TIMEOUT + 1.5, took  # the admission's timeout (was the pool's, 10 s, then a 500)
            response = refusal.value.response
            assert (response.status_code, response.body.decode()) == (503, UNAVAILABLE)
            assert response.headers["Retry-After"] == "60"
            assert non_blank(working.framebuffer())  # and the open one still goes on
    finally:
        end(web)
    log = (stack.logs / "web-db.log").read_text()
    assert "refused: its user could not be loaded" in log
    assert "Exception in ASGI application" not in log and "Traceback" not in log

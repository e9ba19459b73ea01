"""While the database is away, the desktops already open go on (activity and heartbeats are
written beside the relay) and a new connection is refused within seconds, not a minute."""
import time

import pytest
import websockets
from websockets.sync.client import connect

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
            with pytest.raises((websockets.InvalidStatus, websockets.ConnectionClosed)) as refusal:
                with connect(url.replace("http", "ws", 1) + f"/ws/instances/{uuid}/desktop", origin=url,
                             additional_headers={"Cookie": owner.cookie_header}, open_timeout=30) as new:
                    new.recv(timeout=30)
            assert time.monotonic() - started < 13  # VISA_DB_POOL_TIMEOUT, 10 s (was 60)
            refused = refusal.value
            assert (refused.response.status_code == 500 if isinstance(refused, websockets.InvalidStatus)
                    else refused.rcvd.code == 4503)
            assert non_blank(working.framebuffer())  # and the open one still goes on
    finally:
        end(web)

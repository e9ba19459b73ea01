"""What the desktop proxy and live pages count: connections by role, bytes relayed (added up at
the heartbeat and at the end, never per message), open desktop sessions from the database, and
live-update sockets open now."""
from websockets.sync.client import connect

from tests.support.rfbclient import non_blank
from tests.support.scrape import scrape, total
from tests.support.waiting import eventually


def test_a_desktop_connection_is_counted_by_role_with_the_bytes_it_relayed(stack, owner, launch):
    uuid = launch(owner)
    before = scrape(stack.url)
    with owner.open_desktop(uuid) as desktop:
        assert non_blank(desktop.framebuffer())
        during = scrape(stack.url)
        assert total(during, "visa_desktop_sessions", role="owner") == total(before, "visa_desktop_sessions",
                                                                            role="owner") + 1
        assert total(during, "visa_desktop_connections_total", role="owner") == \
            total(before, "visa_desktop_connections_total", role="owner") + 1

    def relayed():
        """the connection's bytes, counted once it ended"""
        now = scrape(stack.url)
        return all(total(now, "visa_desktop_relayed_bytes_total", direction=direction)
                   > total(before, "visa_desktop_relayed_bytes_total", direction=direction)
                   for direction in ("to_browser", "to_vm")) and now
    after = eventually(relayed, timeout=15)
    # a whole screen went to the browser
    assert total(after, "visa_desktop_relayed_bytes_total", direction="to_browser") - \
        total(before, "visa_desktop_relayed_bytes_total", direction="to_browser") > 100_000


def test_live_sockets_open_now(stack, owner):
    live = stack.url.replace("http", "ws", 1) + "/ws/live"
    before = total(scrape(stack.url), "visa_live_sockets")
    with connect(live, additional_headers={"Cookie": owner.cookie_header, "Origin": stack.url}, open_timeout=10) as page:
        page.recv(timeout=10)  # its first push: the socket is counted
        assert total(scrape(stack.url), "visa_live_sockets") == before + 1
    assert eventually(lambda: total(scrape(stack.url), "visa_live_sockets") == before, timeout=10)

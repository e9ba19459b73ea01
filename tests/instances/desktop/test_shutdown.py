"""Stopping a web process with desktops and live pages open ends within its graceful timeout
(uvicorn's --timeout-graceful-shutdown, as deploy/ runs it), and each desktop sees its connection
close, so that systemd's TimeoutStopSec and rolling restarts are bounded."""
import signal
import time

from tests.support.rfbclient import non_blank


def test_sigterm_with_desktops_open_ends_within_the_graceful_timeout(stack, owner, person, launch):
    uuid = launch(owner)
    url, process = stack.start_web(name="web-stopping")
    viewer = person()
    viewer.join(owner.share(uuid))
    with owner.open_desktop(uuid, server=url) as working, viewer.open_desktop(uuid, server=url) as watching:
        assert non_blank(working.framebuffer()) and non_blank(watching.framebuffer())
        began = time.monotonic()
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=15)  # --timeout-graceful-shutdown 10, and a little to exit
        took = time.monotonic() - began
        assert working.closed_by_server(timeout=1) and watching.closed_by_server(timeout=1)
    assert took < 12, f"the web process took {took:.1f} s to stop"

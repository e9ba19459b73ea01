"""The builtin VNC server of devcloud's servers, spoken to with a real RFB client."""
import time
from collections import Counter

import pytest

from deploy.devcloud.testing import listening
from tests.support.rfbclient import NOVNC_PIXEL_FORMAT, SecurityFailure


def colours(pixels):
    return {pixels[i : i + 4] for i in range(0, len(pixels), 4)}


def most_common_colour(pixels):
    return Counter(pixels[i : i + 4] for i in range(0, len(pixels), 4)).most_common(1)[0][0]


def test_framebuffer_is_a_changing_picture(boot, desktop):
    vnc = desktop(boot(name="alice-desktop"))
    assert (vnc.width, vnc.height, vnc.name) == (1024, 768, "devcloud alice-desktop")
    first = vnc.framebuffer()
    assert len(first) == 1024 * 768 * 4 and len(colours(first)) > 10
    time.sleep(0.1)
    assert vnc.framebuffer() != first


def test_wrong_password_is_refused(boot, desktop):
    with pytest.raises(SecurityFailure, match="Authentication failed"):
        desktop(boot(), password="guess")


def test_pixel_format_is_honoured(boot, desktop):
    server = boot()
    ours, novnc = desktop(server), desktop(server)
    novnc.set_pixel_format(NOVNC_PIXEL_FORMAT)
    novnc.set_encodings([0, -223, -239])  # raw plus pseudo-encodings, as noVNC sends
    # Most of the top row is background: red 20, green 40, blue 90.
    assert most_common_colour(ours.framebuffer()[: 1024 * 4]) == bytes((90, 40, 20, 0))
    assert most_common_colour(novnc.framebuffer()[: 1024 * 4]) == bytes((20, 40, 90, 0))


def test_incremental_updates_only_carry_changes(boot, desktop):
    vnc = desktop(boot())
    vnc.framebuffer()
    vnc.request_update(incremental=True)
    rects = vnc.read_update()  # held until the next frame
    assert 0 < sum(w * h for _, _, w, h, _ in rects) < 1024 * 768


def test_input_is_counted_and_pointer_drawn(boot, desktop, devcloud):
    server = boot()
    vnc = desktop(server)
    vnc.key(0x61)
    vnc.key(0x61, down=False)
    vnc.cut_text("hello")
    vnc.pointer(500, 400)
    deadline = time.monotonic() + 2
    while devcloud.server(server.id)["inputs"] != {"key": 2, "pointer": 1, "clipboard": 1}:
        assert time.monotonic() < deadline, devcloud.server(server.id)["inputs"]
        time.sleep(0.02)
    time.sleep(0.1)  # the next frame draws the marker
    pixels = vnc.framebuffer()
    offset = (400 * 1024 + 500) * 4
    assert pixels[offset : offset + 3] == b"\xff\xff\xff"


def test_exclusive_client_disconnects_the_others(boot, desktop):
    server = boot()
    first, second = desktop(server), desktop(server, shared=True)
    assert not first.closed_by_server(timeout=0.3)
    exclusive = desktop(server, shared=False)
    assert first.closed_by_server() and second.closed_by_server()
    assert len(exclusive.framebuffer()) == 1024 * 768 * 4


def test_desktop_follows_the_server_lifecycle(conn, boot, desktop):
    server = boot()
    watcher = desktop(server)
    conn.compute.stop_server(server)
    assert watcher.closed_by_server() and not listening(server.access_ipv4)
    conn.compute.start_server(server)
    assert listening(server.access_ipv4)
    desktop(server)
    conn.compute.reboot_server(server, "HARD")
    assert not listening(server.access_ipv4)
    conn.compute.wait_for_server(conn.compute.get_server(server.id), interval=0.05, wait=10)
    assert listening(server.access_ipv4)
    conn.compute.delete_server(server)
    assert not listening(server.access_ipv4)

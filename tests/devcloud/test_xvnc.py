"""devcloud with TigerVNC's Xvnc as the servers' desktops."""
from pathlib import Path

import pytest

from deploy.devcloud import xvnc
from deploy.devcloud.testing import start_devcloud
from tests.support.rfbclient import SecurityFailure

pytestmark = pytest.mark.skipif(not xvnc.available(), reason="TigerVNC's Xvnc is not installed")


@pytest.fixture(scope="module")
def devcloud(tmp_path_factory):
    cloud = start_devcloud(tmp_path_factory.mktemp("devcloud"), vnc="xvnc")
    yield cloud
    cloud.stop()


def xvnc_serving(address):
    """Whether an Xvnc process listens on this address."""
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            arguments = cmdline.read_bytes().split(b"\0")
        except OSError:  # the process has gone
            continue
        if Path(arguments[0].decode()).name == "Xvnc" and address.encode() in arguments:
            return True
    return False


def test_desktop_is_xvnc(devcloud, conn, boot, desktop):
    server = boot(name="xvnc-desktop")
    vnc = desktop(server)
    assert (vnc.width, vnc.height, vnc.name) == (1024, 768, "devcloud xvnc-desktop")
    assert any(vnc.framebuffer())
    with pytest.raises(SecurityFailure):
        desktop(server, password="guess")
    assert devcloud.server(server.id)["inputs"] is None  # Xvnc does not tell

    conn.compute.stop_server(server)
    assert vnc.closed_by_server() and not xvnc_serving(server.access_ipv4)
    conn.compute.start_server(server)
    assert xvnc_serving(server.access_ipv4)


def test_exclusive_client_disconnects_the_others(boot, desktop):
    server = boot()
    shared = desktop(server)
    desktop(server, shared=False)
    assert shared.closed_by_server()


def test_stopping_devcloud_stops_xvnc(devcloud, boot):
    server = boot()
    devcloud.stop()
    try:
        assert not xvnc_serving(server.access_ipv4)
    finally:
        devcloud.start()
    assert xvnc_serving(server.access_ipv4)

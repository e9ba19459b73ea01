"""A devcloud server's mount agent takes rotated secrets as visa's agent does: it asks again with
the new token at once, and its desktop wants the new password from then on, after a reboot too."""
import base64
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import yaml

from deploy.devcloud import catalogue, xvnc
from deploy.devcloud.testing import start_devcloud
from protocols.mount_agent import CONFIG_PATH, VNC_PASSWORD_PATH
from tests.support.rfbclient import RfbClient, SecurityFailure
from tests.support.waiting import eventually

ROTATION = {"token": "second-token", "vnc_password": "new-pw"}


class Visa(BaseHTTPRequestHandler):
    """visa's agent endpoint as far as a rotation goes: the first token is answered the rotation."""
    tokens = []

    def do_GET(self):  # noqa: N802 (http.server's name)
        token = self.headers["Authorization"].removeprefix("Bearer ")
        self.tokens.append(token)
        body = json.dumps({"mounts": [], **({"rotate": ROTATION} if token == "first-token" else {})}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def visa():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Visa)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    Visa.tokens = []
    yield f"http://127.0.0.1:{server.server_port}/api/agent/mounts"
    server.shutdown()


def user_data(agent_url):
    config = {"url": agent_url, "token": "first-token", "root": "/data", "interval": 0.2}
    files = [{"path": VNC_PASSWORD_PATH, "content": "old-pw"}, {"path": CONFIG_PATH, "content": json.dumps(config)}]
    return base64.b64encode(("#cloud-config\n" + yaml.safe_dump({"write_files": files})).encode()).decode()


@pytest.mark.parametrize("vnc", ["builtin", pytest.param("xvnc", marks=pytest.mark.skipif(
    not xvnc.available(), reason="TigerVNC's Xvnc is not installed"))])
def test_the_server_takes_new_secrets_and_keeps_them(tmp_path, visa, vnc):
    cloud = start_devcloud(tmp_path, vnc=vnc)
    try:
        conn = cloud.connect()
        server = conn.compute.wait_for_server(conn.compute.create_server(
            name="rotated", image_id=catalogue.IMAGES["ubuntu-desktop"].id,
            flavor_id=catalogue.FLAVOURS["m1.small"].id, user_data=user_data(visa)), interval=0.05, wait=10)
        eventually(lambda: "second-token" in Visa.tokens, timeout=10)
        assert Visa.tokens[:2] == ["first-token", "second-token"]  # at once, not a poll later
        assert cloud.server(server.id)["written"][VNC_PASSWORD_PATH] == "new-pw"
        with pytest.raises(SecurityFailure):
            RfbClient(server.access_ipv4, 5900, "old-pw")
        RfbClient(server.access_ipv4, 5900, "new-pw").close()

        conn.compute.stop_server(server)
        conn.compute.wait_for_server(server, status="SHUTOFF", interval=0.05, wait=10)
        Visa.tokens.clear()
        conn.compute.start_server(server)
        conn.compute.wait_for_server(server, interval=0.05, wait=10)
        eventually(lambda: Visa.tokens, timeout=10)
        assert set(Visa.tokens) == {"second-token"}  # its disk kept the new token
        RfbClient(server.access_ipv4, 5900, "new-pw").close()
    finally:
        cloud.stop()

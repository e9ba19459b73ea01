"""The desktop through Debian's nginx with deploy/nginx/visa.conf as shipped (tests.support.nginx
changes only ports, host name, certificate and paths): the file is valid for nginx 1.22, sign-in
passes the CSRF check behind TLS on a port other than 443, a desktop streams over wss://, a file
goes up in the largest pieces and comes back, other host names are dropped, and an ASGI process
that is down costs no request."""
import os
import re

import pytest
import requests

from instances.api.files import MAX_PIECE
from tests.support.factories import make_user
from tests.support.nginx import HOST, Nginx, trust
from tests.support.rfbclient import non_blank
from tests.support.stack import free_port
from tests.support.web import WebUser


@pytest.fixture
def nginx(stack, tmp_path, monkeypatch):
    web_port = int(stack.url.rsplit(":", 1)[1])
    server = Nginx(tmp_path, [web_port, free_port()])  # the second ASGI process is down, as in a restart
    trust(monkeypatch, server.cert)
    valid, said = server.check()
    assert valid, said
    yield server.start()
    server.stop()


def test_a_desktop_through_nginx_over_tls_with_one_asgi_process_down(nginx, committed):
    user = make_user()
    scientist = WebUser(nginx.url, user.username, "pw-for-tests")  # CSRF: the Host keeps its port
    assert all(scientist.get("/").status_code == 200 for _ in range(10))  # each tried on the live one
    uuid, _ = scientist.launch_from_doi()
    try:
        scientist.wait_for_state(uuid, "ACTIVE")
        with scientist.open_desktop(uuid) as desktop:  # wss:// through nginx, origin checked
            assert non_blank(desktop.framebuffer())
    finally:
        scientist.delete_instance(uuid, wait=True)


def test_other_host_names_get_no_answer_plain_http_goes_to_https_and_static_files_keep(nginx):
    with pytest.raises(requests.ConnectionError):  # 444: nginx closes without a word, Django never sees it
        requests.get(f"http://127.0.0.1:{nginx.http_port}/", headers={"Host": "scanner.example"})
    with pytest.raises(requests.exceptions.SSLError):  # no certificate shown to a name not served
        requests.get(f"https://127.0.0.1:{nginx.https_port}/", verify=False)
    page = requests.get(nginx.url + "/accounts/login/")
    assert page.headers["Server"] == "nginx"  # no version told
    stylesheet = re.search(r'href="(/static/visa/visa\.[0-9a-f]{12}\.css)"', page.text)[1]
    hashed = requests.get(nginx.url + stylesheet)  # served by nginx from STATIC_ROOT, for good
    assert hashed.status_code == 200 and "immutable" in hashed.headers["Cache-Control"]
    moved = requests.get(f"http://127.0.0.1:{nginx.http_port}/doi/x", headers={"Host": HOST}, allow_redirects=False)
    assert moved.status_code == 301 and moved.headers["Location"] == f"https://{HOST}/doi/x"


def test_a_file_goes_up_in_the_largest_pieces_and_comes_back_through_nginx(nginx, committed):
    user = make_user()
    scientist = WebUser(nginx.url, user.username, "pw-for-tests")
    uuid, _ = scientist.launch_from_doi()
    try:
        scientist.wait_for_state(uuid, "ACTIVE")
        files = f"{nginx.url}/api/instances/{uuid}/files/"
        content = os.urandom(MAX_PIECE + 1000)  # past nginx's 10m for other requests
        for offset in (0, MAX_PIECE):
            answer = scientist.http.put(files + "upload", params={"path": "home/big.bin", "offset": offset,
                                                                  "size": len(content)},
                                        data=content[offset:offset + MAX_PIECE],
                                        headers={"X-CSRFToken": scientist.http.cookies["csrftoken"]})
            assert answer.status_code == 200, answer.text
        assert answer.json() == {"received": len(content), "done": True}
        assert scientist.http.get(files + "download", params={"path": "home/big.bin"}).content == content
    finally:
        scientist.delete_instance(uuid, wait=True)

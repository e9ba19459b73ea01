"""A WebSocket is accepted only from this site's own pages: the origin's scheme, host and port
must all be the site's (visa.origins), also behind a TLS proxy."""
import pytest
import websockets
from websockets.sync.client import connect

from tests.support.factories import make_user
from tests.support.stack import end
from tests.support.web import WebUser


def opens(base_url, cookie, origin=None, **headers):
    """Whether /ws/live opens for this Origin; the refusal's HTTP status otherwise."""
    if origin:
        headers["Origin"] = origin
    try:
        with connect(base_url.replace("http", "ws", 1) + "/ws/live", open_timeout=10,
                     additional_headers={"Cookie": cookie, **headers}):
            return True
    except websockets.InvalidStatus as refusal:
        return refusal.response.status_code


@pytest.fixture
def user(stack, committed):
    return WebUser(stack.url, make_user().username, "pw-for-tests")


def test_only_the_sites_own_origin_opens_a_websocket(stack, user):
    host, port = stack.url.removeprefix("http://").split(":")
    assert opens(stack.url, user.cookie_header, stack.url) is True
    assert opens(stack.url, user.cookie_header, f"http://{host}:{int(port) + 1}") == 403  # same host, other port
    assert opens(stack.url, user.cookie_header, f"https://{host}:{port}") == 403  # other scheme
    assert opens(stack.url, user.cookie_header, f"http://localhost:{port}") == 403  # another name for it
    assert opens(stack.url, user.cookie_header, "null") == 403  # a sandboxed frame or a file
    assert opens(stack.url, user.cookie_header) == 403  # no Origin at all: refused (browsers always send one)


def test_behind_a_tls_proxy_the_origin_must_be_https(stack, user):
    """nginx with DJANGO_HTTPS=1 passes X-Forwarded-Proto: https and the Host; the browser's page
    was https://host, so an http:// page on the same host and port is another origin."""
    url, process = stack.start_web(name="web-https", DJANGO_HTTPS="1")
    try:
        https_origin = url.replace("http://", "https://")
        proxied = {"X-Forwarded-Proto": "https"}
        assert opens(url, user.cookie_header, https_origin, **proxied) is True
        assert opens(url, user.cookie_header, url, **proxied) == 403
        assert opens(url, user.cookie_header, https_origin, **{"X-Forwarded-Proto": "http"}) == 403
    finally:
        end(process)

"""A hostile client against the notebook origins, over plain HTTP and WebSockets: forged, replayed
and misdirected tickets, a cookie of one instance on another's origin, writes and WebSockets from
another origin, and visa's pages on a notebook origin."""
import socket
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import websockets
from websockets.sync.client import connect

from instances.models import Instance
from tests.support.waiting import eventually

NAVIGATE = {"Sec-Fetch-Mode": "navigate", "Accept": "text/html"}


class Notebook:
    """Requests to one instance's notebook origin, sent to the stack's address with that Host."""

    def __init__(self, stack, uuid):
        self.port = urlsplit(stack.url).port
        self.uuid, self.origin = uuid, f"http://{uuid}.localhost:{self.port}"
        self.http = requests.Session()

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def request(self, method, path, headers=(), **kwargs):
        return self.http.request(method, f"http://127.0.0.1:{self.port}{path}", allow_redirects=False,
                                 headers={"Host": f"{self.uuid}.localhost:{self.port}", **dict(headers)}, **kwargs)

    def redeem(self, ticket_url, headers=NAVIGATE):
        location = urlsplit(ticket_url)
        return self.get(f"{location.path}?{location.query}", headers=headers)

    def socket(self, path, origin):
        cookie = "; ".join(f"{name}={value}" for name, value in self.http.cookies.items())
        return connect(f"ws://{self.uuid}.localhost:{self.port}{path}", origin=origin,
                       sock=socket.create_connection(("127.0.0.1", self.port)),
                       additional_headers={"Cookie": cookie}, open_timeout=10)


def ticket_url(user, uuid):
    answer = user.get(f"/instances/{uuid}/jupyter", allow_redirects=False)
    assert answer.status_code == 302, answer.text
    return answer.headers["Location"]


def test_tickets_cookies_and_origins_are_checked(stack, owner, person, launch):
    neighbour = person()
    uuid, other = launch(owner), launch(neighbour)
    mine = Notebook(stack, uuid)
    # the API gives the link that opens it (through visa's origin)
    listed = owner.get("/api/instances/").json()
    row = next(row for row in listed.get("results", listed) if row["uuid"] == uuid)
    assert row["jupyter_url"] == f"{stack.url}/instances/{uuid}/jupyter"
    # visa's pages do not answer on a notebook origin: what a notebook's code reaches there is Jupyter's
    assert mine.get("/api/instances/").status_code == 401
    assert mine.get("/admin/").status_code == 401
    # a forged ticket, and a ticket for another instance, set no cookie
    assert mine.redeem(f"{mine.origin}/_visa/ticket?ticket=forged&next=/lab").status_code == 403
    elsewhere = ticket_url(neighbour, other)
    assert mine.redeem(elsewhere.replace(other, uuid, 1)).status_code == 403
    assert not mine.http.cookies
    # a ticket is redeemed by a navigation only, never by a page's script
    url = ticket_url(owner, uuid)
    assert mine.redeem(url, headers={"Sec-Fetch-Mode": "cors"}).status_code == 403
    entered = mine.redeem(url)
    assert entered.status_code == 302 and entered.headers["Location"] == "/lab"
    assert "HttpOnly" in entered.headers["Set-Cookie"] and "SameSite=Lax" in entered.headers["Set-Cookie"]
    # once only
    replayed = Notebook(stack, uuid)
    assert replayed.redeem(url).status_code == 403 and not replayed.http.cookies
    # the ticket's next is a path of the notebook origin, never another site
    hostile_next = ticket_url(owner, uuid)
    query = parse_qs(urlsplit(hostile_next).query)
    sneaky = Notebook(stack, uuid)
    answer = sneaky.get(f"/_visa/ticket?ticket={query['ticket'][0]}&next=//evil.example/x", headers=NAVIGATE)
    assert answer.headers["Location"] == "/lab"
    # Jupyter answers through the proxy once it started (devcloud starts it at the first request)
    assert eventually(lambda: mine.get("/api/status").status_code == 200, timeout=60, every=1)
    assert mine.get("/api/instances").status_code == 404  # Jupyter's answer: visa's API is not here
    # the cookie of one instance is nothing on another's origin
    theirs = Notebook(stack, other)
    theirs.http.cookies.update(mine.http.cookies)
    assert theirs.get("/api/status").status_code == 401
    # writes from another origin (another instance's notebook, visa's pages, none) are refused
    for origin in (theirs.origin, stack.url, None):
        headers = {"Origin": origin} if origin else {}
        assert mine.request("POST", "/api/kernels", headers=headers, json={}).status_code == 403
    assert mine.request("POST", "/api/contents", headers={"Origin": mine.origin}, json={"type": "file"}).status_code == 201
    # WebSockets only from this instance's own notebook origin
    for origin in (theirs.origin, stack.url):
        with pytest.raises(websockets.InvalidStatus) as refusal:
            mine.socket("/api/events/subscribe", origin)
        assert refusal.value.response.status_code == 403
    with mine.socket("/api/events/subscribe", mine.origin) as events:
        assert events.protocol.state.name == "OPEN"
    # without a cookie: refused too
    stranger = Notebook(stack, uuid)
    with pytest.raises(websockets.InvalidStatus):
        stranger.socket("/api/events/subscribe", stranger.origin)


def test_a_download_from_jupyterlab_stops_when_the_reader_loses_access(stack, owner, person, launch, devcloud):
    """Jupyter's own file download (its /files/ path) through the proxy: cut off within about a
    second of the member's removal, not sent to the end."""
    uuid = launch(owner)
    # the notebook's folder (the VM's home), where devcloud's JupyterLab starts
    root = devcloud.directory / "devcloud-jupyter" / Instance.objects.get(uuid=uuid).server_id / "root"
    size = 512 << 20
    with open(root / "big.h5", "wb") as file:
        file.truncate(size)  # sparse: quick to make, long to send
    with owner.open_desktop(uuid):
        member = person()
        member.join(owner.share(uuid, access="interactive"))
        lab = Notebook(stack, uuid)
        assert lab.redeem(ticket_url(member, uuid)).status_code == 302
        assert eventually(lambda: lab.get("/api/status").status_code == 200, timeout=60, every=1)
        sharing = owner.get(f"/instances/{uuid}/sharing").json()
        mine = next(m for m in sharing["members"] if m["username"] == member.username)
        received, removed, cut = 0, False, False
        try:
            with lab.get("/files/big.h5", stream=True, timeout=30) as answer:
                assert answer.status_code == 200, answer.text
                for chunk in answer.iter_content(1 << 20):
                    received += len(chunk)
                    if not removed and received >= 1 << 20:
                        token = owner.csrf(owner.get(f"/instances/{uuid}/").text)
                        action = f"{owner.base_url}/instances/{uuid}/members/{mine['id']}/remove"
                        assert owner.http.post(action, data={"csrfmiddlewaretoken": token}).ok
                        removed = True
                        time.sleep(1.5)
        except requests.exceptions.RequestException:  # cut off: fewer bytes than announced
            cut = True
        assert removed and cut and received < size

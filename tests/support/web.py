"""A signed-in HTTP session against the running stack, as a browser would hold one."""
import re
import time

import requests

from tests.support.rfbclient import RfbClient

DEMO_DOI_PAGE = "/doi/10.22003/XFEL.EU-DATA-700000-00"


def preselected(html):
    """The environment and size a launch form has chosen for the user."""
    return {name: re.search(rf'name="{name}" value="(\d+)" checked', html)[1] for name in ("image", "flavour")}


class WebUser:
    def __init__(self, base_url, username=None, password=None):
        """Signed in as `username`, or anonymous without one."""
        self.base_url, self.username = base_url, username
        self.http = requests.Session()
        self.http.headers["Referer"] = base_url + "/"
        if username is None:
            return
        page = self.get("/accounts/login/")
        answer = self.http.post(self.base_url + "/accounts/login/", data={
            "username": username, "password": password, "csrfmiddlewaretoken": self.csrf(page.text),
        })
        assert answer.url.rstrip("/") == base_url, f"login failed for {username}"

    @staticmethod
    def csrf(html):
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)

    def get(self, path, **kwargs):
        return self.http.get(self.base_url + path, **kwargs)

    def post_form(self, page_path, action, data):
        """Submit a form the way the page does, with the CSRF token the page carries."""
        page = self.get(page_path)
        return self.http.post(self.base_url + action, data={**data, "csrfmiddlewaretoken": self.csrf(page.text)})

    def post_json(self, path, data):
        """Call the API as the site's own scripts do: session cookie and CSRF token header."""
        if "csrftoken" not in self.http.cookies:
            self.get("/")
        return self.http.post(self.base_url + path, json=data, headers={"X-CSRFToken": self.http.cookies["csrftoken"]})

    @property
    def cookie_header(self):
        return "; ".join(f"{c.name}={c.value}" for c in self.http.cookies)

    def wait_for_state(self, uuid, wanted, timeout=60):
        deadline, seen = time.monotonic() + timeout, []
        while time.monotonic() < deadline:
            state = self.get(f"/instances/{uuid}/status").json()
            if not seen or seen[-1] != state["state"]:
                seen.append(state["state"])
            if state["state"] == wanted:
                return seen
            if state["state"] == "ERROR":
                raise AssertionError(f"instance went to ERROR: {state['reason']}")
            time.sleep(0.2)
        raise TimeoutError(f"instance still {seen[-1]} after {timeout} s; went through {seen}")

    def launch_from_doi(self, doi_page=DEMO_DOI_PAGE, another=False):
        """Press Launch on a DOI page with the preselected environment and size (`another`: a new
        desktop even if the user has one with this data); return the instance's UUID and the
        instance page it led to."""
        page = self.get(doi_page).text
        form = {**preselected(page), "experiment": re.search(r'name="experiment" value="(\d+)"', page)[1]}
        answer = self.post_form(doi_page, "/instances/launch", {**form, **({"another": "1"} if another else {})})
        match = re.search(r"/instances/([0-9a-f-]{36})/$", answer.url)
        assert match, f"not taken to the instance page: {answer.url}"
        return match.group(1), answer

    def share(self, uuid, access="view-only", **fields):
        """Create a share link (or with `email`, an invitation) as the owner's page does; its URL."""
        answer = self.post_form(f"/instances/{uuid}/", f"/instances/{uuid}/links", {"access": access, **fields})
        assert answer.status_code == 201, answer.text
        return answer.json()["url"]

    def join(self, url):
        """Open a share link and press Join; the answer is the page it leads to."""
        path = url.removeprefix(self.base_url)
        return self.post_form(path, path, {})

    def delete_instance(self, uuid, wait=True):
        """Press Delete on the instance page; with `wait`, until the instance is DELETED."""
        self.post_form(f"/instances/{uuid}/", f"/instances/{uuid}/delete", {})
        if wait:
            self.wait_for_state(uuid, "DELETED")

    def open_desktop(self, uuid, origin=None, cookie=None, server=None):
        """An RFB session through the desktop proxy, as noVNC in this user's browser opens it;
        `server` is another ASGI process's URL, for tests with more than one."""
        server = server or self.base_url
        url = server.replace("http", "ws", 1) + f"/ws/instances/{uuid}/desktop"
        return RfbClient.through_proxy(url, self.cookie_header if cookie is None else cookie,
                                       origin=origin or server)

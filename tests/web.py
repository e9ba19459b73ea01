"""A signed-in HTTP session against the running stack, as a browser would hold one."""
import re
import time

import requests


class WebUser:
    def __init__(self, base_url, username, password):
        self.base_url = base_url
        self.http = requests.Session()
        self.http.headers["Referer"] = base_url + "/"
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

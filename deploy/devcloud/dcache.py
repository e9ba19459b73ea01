"""A stand-in for dCache's WebDAV door, as far as visa uses it: read-only macaroons scoped to a
path, and a local folder standing in for the data, which the desktops list."""
import base64
import hmac
import re
import secrets
import threading
import time
from pathlib import Path

from .web import HttpError, Reply, Routes

routes = Routes()
PREFIX = "/dcache"


class Door:
    def __init__(self, root, username, password):
        self.root = Path(root)
        self._credentials = f"{username}:{password}".encode()
        self._lock = threading.Lock()
        self.issued = []  # what a test may check: path, caveats and expiry of each macaroon

    def authorised(self, header):
        scheme, _, value = (header or "").partition(" ")
        try:
            given = base64.b64decode(value, validate=True)
        except ValueError:
            return False
        return scheme == "Basic" and hmac.compare_digest(given, self._credentials)

    def issue(self, path, caveats, seconds):
        token = secrets.token_urlsafe(32)
        with self._lock:
            self.issued.append({"path": path, "caveats": caveats, "expires": int(time.time()) + seconds})
        return token

    def folder(self, path):
        """The local folder standing in for `path` (inside the root, whatever the path says)."""
        folder = (self.root / path.lstrip("/")).resolve()
        return folder if folder.is_relative_to(self.root.resolve()) else self.root.resolve()

    def listing(self, path, most=6):
        """A few names in the folder standing in for `path`, folders marked with a slash."""
        folder = (self.root / path.lstrip("/")).resolve()
        if not folder.is_relative_to(self.root.resolve()) or not folder.is_dir():
            return []
        entries = sorted(folder.iterdir())
        return [entry.name + ("/" if entry.is_dir() else "") for entry in entries[:most]]


@routes.add("POST", PREFIX + r"(?P<path>/.*)", public=True)
def request_macaroon(request, path):
    """dCache's macaroon request: POST to the path with Content-Type application/macaroon-request."""
    door = request.app.door
    if not door.authorised(request.headers.get("Authorization")):
        raise HttpError(401, {"error": "authentication required"})
    if request.headers.get("Content-Type") != "application/macaroon-request":
        raise HttpError(415, {"error": "expected application/macaroon-request"})
    body = request.json()
    match = re.fullmatch(r"PT(\d+)S", str(body.get("validity", "")))
    if not match:
        raise HttpError(400, {"error": "validity must be an ISO 8601 duration in seconds, PT<n>S"})
    token = door.issue(path, list(body.get("caveats") or []), int(match[1]))
    target = f"{request.base_url}{PREFIX}{path}"
    return Reply(200, {"macaroon": token, "uri": {"target": target, "targetWithMacaroon": f"{target}?authz={token}"}})


@routes.add("GET", "/devcloud/macaroons", public=True)
def issued(request):
    return Reply(200, {"macaroons": request.app.door.issued})

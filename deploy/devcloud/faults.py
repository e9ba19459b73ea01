"""Faults a real cloud has, switched on at run time over HTTP for tests and benchmarks.

    POST /devcloud/faults {"error_rate": 0.3, "delay": 0.5, "hang": false}   (omitted keys: unchanged)
    GET  /devcloud/faults
    POST /devcloud/servers/<id>/error {"message": "..."}   the server goes to ERROR
    POST /devcloud/servers/<id>/vanish                      the server is gone, as if deleted behind visa's back

Faults apply to the OpenStack APIs (Keystone, Nova, Glance), never to /devcloud/ itself, and end
with the process.
"""
import random
import threading
import time
from dataclasses import asdict, dataclass

from .cloud import NotFound
from .web import HttpError, Reply, Routes

routes = Routes()


@dataclass
class Faults:
    error_rate: float = 0.0  # share of calls answered with HTTP 500
    delay: float = 0.0  # seconds between doing what was asked and answering
    hang: bool = False  # accept connections but never answer

    def __post_init__(self):
        self._lock = threading.Lock()

    def update(self, changes):
        with self._lock:
            for name, value in changes.items():
                if name not in asdict(self):
                    raise HttpError(400, {"error": {"code": 400, "message": f"no fault called {name}"}})
                setattr(self, name, type(getattr(self, name))(value))

    def before(self):
        """Called before a cloud API request is handled: True to drop it without an answer;
        raises HttpError for an injected failure, which has no effect."""
        if self.hang:
            while self.hang:  # until told otherwise; the client's time-out ends it first
                time.sleep(0.1)
            return True
        if self.error_rate and random.random() < self.error_rate:
            raise HttpError(500, {"computeFault": {"code": 500, "message": "devcloud: injected fault"}})
        return False

    def after(self):
        """Called once the request took effect, before the answer goes out: a slow cloud has
        done the work (a server exists) by the time its client, perhaps, gives up waiting."""
        if self.delay:
            time.sleep(self.delay)


@routes.add("GET", "/devcloud/faults", public=True)
def show(request):
    return Reply(200, asdict(request.app.faults))


@routes.add("POST", "/devcloud/faults", public=True)
def change(request):
    body = request.json()
    if not isinstance(body, dict):
        raise HttpError(400, {"error": {"code": 400, "message": "a JSON object of faults"}})
    request.app.faults.update(body)
    return Reply(200, asdict(request.app.faults))


@routes.add("POST", "/devcloud/servers/(?P<server_id>[^/]+)/error", public=True)
def break_server(request, server_id):
    message = (request.json() if request.body else {}).get("message", "devcloud: injected failure")
    try:
        request.app.cloud.fail(server_id, message)
    except NotFound:
        raise HttpError(404, {"error": {"code": 404, "message": f"no server {server_id}"}}) from None
    return Reply(204)


@routes.add("POST", "/devcloud/servers/(?P<server_id>[^/]+)/vanish", public=True)
def vanish(request, server_id):
    try:
        request.app.cloud.delete(server_id)
    except NotFound:
        raise HttpError(404, {"error": {"code": 404, "message": f"no server {server_id}"}}) from None
    return Reply(204)

"""HTTP plumbing: requests, JSON replies and a small regex router on top of http.server."""
import json
import logging
import re
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

log = logging.getLogger(__name__)


@dataclass
class Reply:
    status: int
    body: object = None  # serialised as JSON unless None
    headers: dict = field(default_factory=dict)


class HttpError(Exception):
    """Raised by a handler to answer with an error; `body` is in the format of the API concerned."""

    def __init__(self, status, body):
        super().__init__(status, body)
        self.reply = Reply(status, body)


@dataclass
class Request:
    method: str
    path: str
    query: dict  # name -> list of values
    headers: object  # email.message.Message: case-insensitive
    body: bytes
    base_url: str  # how the client reached us, for links and the service catalog
    app: object  # the App: cloud, identity

    def json(self):
        try:
            return json.loads(self.body)
        except ValueError:
            raise HttpError(400, {"badRequest": {"code": 400, "message": "Malformed request body"}}) from None

    def param(self, name):
        values = self.query.get(name)
        return values[0] if values else None


class Routes:
    """(method, path pattern) -> handler; handlers take the request and the pattern's named groups.

    `headers(request)`, if given, names headers for every answer of these routes once the caller is
    authenticated, errors included (Nova's microversion); it may refuse the request with HttpError.
    """

    def __init__(self, headers=None):
        self.table = []
        self.headers = headers

    def add(self, method, pattern, public=False):
        """Register a handler; unless `public`, it needs a valid X-Auth-Token."""

        def register(handler):
            self.table.append((method, re.compile(pattern), public, handler))
            return handler

        return register


@dataclass
class App:
    cloud: object
    identity: object
    routes: list  # Routes of every API
    faults: object  # faults.Faults, applied to every API but devcloud's own
    door: object  # dcache.Door
    network: object = None  # neutron.Network: security groups
    recorder: object = None  # recording.Recorder of every answer but devcloud's own API, if asked


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address, app):
        super().__init__(address, Handler)
        self.app = app


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as clients of a real cloud expect
    disable_nagle_algorithm = True  # headers and body go out in two writes; Nagle would delay the body 40 ms

    def do_GET(self):
        self._dispatch()

    do_POST = do_DELETE = do_GET

    def _dispatch(self):
        url = urlsplit(self.path)
        app = self.server.app
        host = self.headers.get("Host") or "%s:%s" % self.server.server_address[:2]
        request = Request(
            self.command,
            url.path,
            parse_qs(url.query),
            self.headers,
            self.rfile.read(int(self.headers.get("Content-Length") or 0)),
            f"http://{host}",
            app,
        )
        faulty = not request.path.startswith("/devcloud/")  # faults spare devcloud's own API
        try:
            if faulty and app.faults.before():
                self.close_connection = True  # "stop answering": drop the request unanswered
                return
            reply = self._route(request, app)
        except HttpError as error:
            reply = error.reply
        except Exception:  # a bug in devcloud: answer like a cloud would rather than drop the connection
            log.exception("%s %s failed", request.method, request.path)
            reply = Reply(500, {"error": {"code": 500, "message": "devcloud failed, see its log"}})
        if faulty:
            app.faults.after()
            if app.recorder:
                app.recorder.write(request, reply)
        self._send(reply)

    @staticmethod
    def _route(request, app):
        path_matched = False
        for routes in app.routes:
            for method, pattern, public, handler in routes.table:
                match = pattern.fullmatch(request.path)
                if not match:
                    continue
                path_matched = True
                if method != request.method:
                    continue
                if not public and not app.identity.valid(request.headers.get("X-Auth-Token")):
                    raise unauthorized(request)
                headers = routes.headers(request) if routes.headers else {}
                try:
                    reply = handler(request, **match.groupdict())
                except HttpError as error:
                    reply = error.reply
                reply.headers = {**headers, **reply.headers}
                return reply
        if path_matched:
            raise HttpError(405, {"error": {"code": 405, "message": f"{request.method} not allowed"}})
        raise HttpError(404, {"error": {"code": 404, "message": f"no such resource: {request.path}"}})

    def _send(self, reply):
        payload = b"" if reply.body is None else json.dumps(reply.body).encode()
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if payload:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format, *args):
        log.info("%s %s", self.address_string(), format % args)


def unauthorized(request):
    """A 401 as keystonemiddleware (and Keystone) answer it when a token or password is wrong:
    the body, and where to authenticate."""
    body = {
        "error": {
            "code": 401,
            "title": "Unauthorized",
            "message": "The request you have made requires authentication.",
        }
    }
    error = HttpError(401, body)
    error.reply.headers["WWW-Authenticate"] = f'Keystone uri="{request.base_url}"'
    return error

"""An upload piece's body goes from the browser's connection to the VM while it arrives, instead
of Django reading it whole first (into a temporary file past 2.5 MB) and the view sending it on
after: one hop's time, not two (tests/benchmarks/files.py)."""
import asyncio

from django.core.exceptions import RequestAborted
from django.urls import Resolver404, resolve

UPLOAD = "api-files-upload"


class StreamedUploads:
    """ASGI middleware: Django handles an upload request as any other (session, CSRF, access, the
    piece's numbers), with an empty body; the view reads the real one from scope["visa.body"]."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "PUT" or not _is_upload(scope["path"]):
            return await self.app(scope, receive, send)
        body = Body(receive)
        await self.app({**scope, "visa.body": body}, body.receive_after, send)


def _is_upload(path):
    try:
        return resolve(path).url_name == UPLOAD
    except Resolver404:
        return False


class Body:
    """The request's body as it arrives (`chunks()`). Django is told the body is empty
    (`receive_after`), and hears of a disconnect only after the view has read the body."""

    def __init__(self, receive):
        self._receive, self._told, self._more, self._read = receive, False, True, asyncio.Event()

    async def chunks(self):
        """What is left of the body, as it arrives; RequestAborted if the browser goes away."""
        while self._more:
            message = await self._receive()
            self._more = message["type"] == "http.request" and message.get("more_body", False)
            if not self._more:
                self._read.set()
            if message["type"] == "http.disconnect":
                raise RequestAborted()
            if message.get("body"):
                yield message["body"]

    async def discard(self, most, seconds):
        """Read what is left and drop it: a browser still sending hears an answer given before the
        body was read only then (a connection closed with bytes unread is reset, answer and all).
        At most `most` bytes and `seconds` of waiting: a hostile or stalled sender is left unread."""
        try:
            async with asyncio.timeout(seconds):
                async for chunk in self.chunks():
                    most -= len(chunk)
                    if most < 0:
                        return
        except (TimeoutError, RequestAborted):
            pass

    async def receive_after(self):
        if not self._told:  # Django reading the body before the view: none for it
            self._told = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await self._read.wait()  # Django listening for a disconnect: the body comes first
        return await self._receive()

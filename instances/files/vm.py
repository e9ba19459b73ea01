"""visa's side of a VM's file API (protocols/file_api.py, served by the mount agent on
VISA_FILES_PORT): a listing, an upload piece and a download, each with the instance's file token.
Bytes pass through in blocks as they come: an upload piece from the request to the VM, a download
from the VM to the browser in the event loop, so no file is ever held whole in the web process.

An upload piece and a download go over a connection of their own (_Link, an asyncio protocol), not
through httpx, whose reads are of 64 kB whatever the body, nor asyncio streams, which copy every
block into their buffer and out again: a block goes on as the event loop read it. A download passes
on up to READ bytes a time, and Django passes them on unsliced (visa.asgi.Handler)."""
import asyncio
import collections
import http.client
import io
import json
import logging
from urllib.parse import urlencode

import httpx
from asgiref.sync import async_to_sync
from django.conf import settings
from django.core.exceptions import RequestAborted

from instances.cloud import vmsecrets
from protocols.file_api import Refused

log = logging.getLogger(__name__)

TIMEOUT = httpx.Timeout(10, read=60)
READ = 256 << 10  # bytes a download reads a time: 1 MB measured slower (tests/benchmarks/files.py)
UNREACHABLE = ("The desktop's file service does not answer. If the desktop has just started, try again in a "
               "minute; if it goes on, its environment may lack visa's agent: ask support.")
_http = httpx.Client(timeout=TIMEOUT)  # one for the process: a client per request costs an SSL context
_tokens = {}  # instance uuid -> the file token its VM took last, so a piece is sent once


def _url(instance, operation):
    return f"http://{instance.address}:{settings.VISA_FILES_PORT}/{operation}"


def _refusal(status, content):
    """The VM's refusal (its status and JSON body) as visa's: its message and status (its own
    failures are visa's 502)."""
    try:
        body = json.loads(content)
    except ValueError:
        body = None
    body = body if isinstance(body, dict) else {}
    message = str(body.get("error") or f"The desktop's file service answered {status}.")
    details = {"received": body["received"]} if isinstance(body.get("received"), int) else {}
    return Refused(502 if status >= 500 else status, message, **details)


def token_for(instance):
    """The file token the VM holds: the one it took last, else the first it accepts (it may have taken
    a rotated one, or have been given one under an older service key)."""
    tokens = vmsecrets.files_tokens(instance)
    if _tokens.get(instance.uuid) in tokens:
        return _tokens[instance.uuid]
    for token in tokens:
        try:
            answer = _http.get(_url(instance, "list"), params={"path": ""}, headers=_auth(token))
        except httpx.HTTPError:
            raise Refused(502, UNREACHABLE) from None
        if answer.status_code != 401:
            _tokens[instance.uuid] = token
            return token
    log.warning("instance %s: its VM took none of its file tokens", instance.uuid)
    raise Refused(502, "The desktop's file service does not take visa's token; ask support to check its agent.")


def _auth(token):
    return {"Authorization": f"Bearer {token}"}


def _checked(instance, status, content):
    """The VM's JSON answer, or its refusal as visa's."""
    if status == 401:
        _tokens.pop(instance.uuid, None)  # rotated meanwhile: the next request finds the new one
        raise Refused(503, "The desktop's secrets changed just now; try again.")
    if status != 200:
        raise _refusal(status, content)
    return json.loads(content)


def listing(instance, path):
    token = token_for(instance)
    try:
        answer = _http.get(_url(instance, "list"), params={"path": path}, headers=_auth(token))
    except httpx.HTTPError:
        raise Refused(502, UNREACHABLE) from None
    return _checked(instance, answer.status_code, answer.content)["entries"]


def upload(instance, path, offset, size, body, length):
    """Send the piece at `offset` of a file of `size` bytes to the VM while its `length` bytes come
    from `body` (instances.files.asgi.Body); how many bytes of the file the VM has now."""
    query = {"path": path, "offset": offset, "size": size}
    return _checked(instance, *async_to_sync(_put)(instance, token_for(instance), query, body, length))["received"]


async def _put(instance, token, query, body, length):
    """(status, body) of the VM's answer to a piece sent on as it comes."""
    link = await _Link.open(instance)
    try:
        chunks, vm_stalled, loop = body.chunks(), False, asyncio.get_running_loop()
        try:
            await link.send(_request("PUT", "upload", query, instance, token, length))
            # A browser or VM that stops for a minute frees all the piece holds. The deadline moves at
            # most once a second: a timeout per block cost a tenth of the relay's CPU.
            moved = loop.time()
            async with asyncio.timeout(moved + TIMEOUT.read) as deadline:
                async for chunk in chunks:
                    vm_stalled = True
                    await link.send(chunk)
                    vm_stalled = False
                    if loop.time() - moved > 1:
                        moved = loop.time()
                        deadline.reschedule(moved + TIMEOUT.read)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the VM stopped reading: it has answered (a refusal), or _answer finds it unreachable
        except TimeoutError:
            if vm_stalled:
                raise Refused(502, UNREACHABLE) from None
            raise Refused(408, "Nothing more of the piece came for a minute; send the rest again.") from None
        except RequestAborted:  # nobody hears this answer; the VM keeps what came
            raise Refused(400, "The browser went away before the piece was whole.") from None
        status, _, content = await _answer(link, whole=True)
        return status, content
    finally:
        link.close()


async def open_download(instance, path, token):
    """(link, length) once the VM's answer to a download has begun, its body to come from the
    link (a _Link); length is None for a folder's zip, which ends when the VM closes. Or Refused."""
    link = await _Link.open(instance)
    try:
        try:
            await link.send(_request("GET", "download", {"path": path}, instance, token))
        except OSError:
            raise Refused(502, UNREACHABLE) from None
        status, length, refusal = await _answer(link, whole=False)
        if status != 200:
            _checked(instance, status, refusal)  # raises: the VM's refusal as visa's
    except Refused:
        link.close()
        raise
    return link, length


class _Link(asyncio.Protocol):
    """A connection to the VM's file API that passes blocks on as they are: each one the event loop
    read, and each one given to send() (asyncio streams copy every block into their buffer and out
    again). Up to AHEAD bytes are read before the relay asks for them."""
    AHEAD = 1 << 20

    def __init__(self):
        self.blocks, self.queued, self.closed, self.paused = collections.deque(), 0, False, False
        self.readable, self.writable = asyncio.Event(), asyncio.Event()
        self.writable.set()

    @classmethod
    async def open(cls, instance):
        try:
            async with asyncio.timeout(TIMEOUT.connect):
                _, link = await asyncio.get_running_loop().create_connection(cls, instance.address,
                                                                             settings.VISA_FILES_PORT)
        except (OSError, TimeoutError):
            raise Refused(502, UNREACHABLE) from None
        return link

    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data):
        self.blocks.append(data)
        self.queued += len(data)
        self.readable.set()
        if self.queued > self.AHEAD and not self.paused:
            self.paused = True
            self.transport.pause_reading()

    def connection_lost(self, exc):
        self.closed = True
        self.readable.set()
        self.writable.set()

    def pause_writing(self):
        self.writable.clear()

    def resume_writing(self):
        self.writable.set()

    async def send(self, data):
        if self.closed:
            raise BrokenPipeError("the VM closed the connection")
        self.transport.write(data)
        await self.writable.wait()

    async def recv(self, most):
        """Up to `most` bytes as they come; b"" once the VM has closed."""
        while not self.blocks:
            if self.closed:
                return b""
            self.readable.clear()
            await self.readable.wait()
        block = self.blocks.popleft()
        if len(block) > most:
            self.blocks.appendleft(block[most:])
            block = block[:most]
        self.queued -= len(block)
        if self.paused and self.queued <= self.AHEAD:
            self.paused = False
            self.transport.resume_reading()
        return block

    async def recv_exactly(self, count):
        data = b""
        while len(data) < count:
            more = await self.recv(count - len(data))
            if not more:
                raise ConnectionError("the VM closed before the end of its answer")
            data += more
        return data

    async def head(self):
        """The status line and header fields of the VM's answer (64 kB at most)."""
        data = b""
        while b"\r\n\r\n" not in data:
            more = await self.recv(1 << 16)
            if not more or len(data) > 1 << 16:
                raise ConnectionError("the VM's answer has no header, or one too long")
            data += more
        head, _, rest = data.partition(b"\r\n\r\n")
        if rest:  # the body's first bytes: the next to come
            self.blocks.appendleft(rest)
            self.queued += len(rest)
        return head

    def close(self):
        self.transport.close()


def _request(method, operation, query, instance, token, length=None):
    return (f"{method} /{operation}?{urlencode(query)} HTTP/1.1\r\nHost: {instance.address}\r\n"
            f"Authorization: Bearer {token}\r\nConnection: close\r\n"
            + (f"Content-Length: {length}\r\n" if length is not None else "") + "\r\n").encode()


async def _answer(link, whole):
    """(status, Content-Length or None, body) of the VM's answer: its body read (a JSON message of
    at most 64 kB) if `whole` or a refusal, else left to come from `link`."""
    try:
        async with asyncio.timeout(TIMEOUT.read):
            status_line, _, fields = (await link.head()).partition(b"\r\n")
            status, headers = int(status_line.split()[1]), http.client.parse_headers(io.BytesIO(fields + b"\r\n"))
            length = headers.get("Content-Length")
            length = int(length) if length is not None else None
            if whole or status != 200:
                body = await (link.recv(1 << 16) if length is None else link.recv_exactly(min(length, 1 << 16)))
            else:
                body = None
    except (OSError, TimeoutError, ValueError, IndexError, http.client.HTTPException):
        raise Refused(502, UNREACHABLE) from None
    return status, length, body


async def relay(link, length):
    """The body of a download as the VM sends it (`length` bytes, or until it closes if None)."""
    left = length
    try:
        while left is None or left > 0:
            async with asyncio.timeout(TIMEOUT.read):
                block = await link.recv(READ if left is None else min(READ, left))
            if not block:
                if left:
                    raise ConnectionError(f"the VM's file service stopped {left} bytes short")
                return
            left = None if left is None else left - len(block)
            yield block
    finally:
        link.close()

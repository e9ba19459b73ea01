"""visa's side of a VM's file API (protocols/file_api.py, served by the mount agent on
VISA_FILES_PORT): a listing, an upload piece and a download, each with the instance's file token.
Bytes pass through in blocks as they come: an upload piece from the request to the VM, a download
from the VM to the browser in the event loop, so no file is ever held whole in the web process."""
import asyncio
import logging

import httpx
from asgiref.sync import sync_to_async
from django.conf import settings

from instances.cloud import vmsecrets
from protocols.file_api import BLOCK, Refused

log = logging.getLogger(__name__)

TIMEOUT = httpx.Timeout(10, read=60)
RECHECK_SECONDS = 1  # a download checks this often that its reader may still read
UNREACHABLE = ("The desktop's file service does not answer. If the desktop has just started, try again in a "
               "minute; if it goes on, its environment may lack visa's agent: ask support.")
_tokens = {}  # instance uuid -> the file token its VM took last, so a piece is sent once


def _url(instance, operation):
    return f"http://{instance.address}:{settings.VISA_FILES_PORT}/{operation}"


def _refusal(answer):
    """The VM's refusal as visa's: its message and status (its own failures are visa's 502)."""
    try:
        body = answer.json()
    except ValueError:
        body = {}
    message = str(body.get("error") or f"The desktop's file service answered {answer.status_code}.")
    details = {"received": body["received"]} if isinstance(body.get("received"), int) else {}
    return Refused(502 if answer.status_code >= 500 else answer.status_code, message, **details)


def token_for(instance):
    """The file token the VM holds: the one it took last, else the first it accepts (it may have taken
    a rotated one, or have been given one under an older service key)."""
    tokens = vmsecrets.files_tokens(instance)
    if _tokens.get(instance.uuid) in tokens:
        return _tokens[instance.uuid]
    for token in tokens:
        try:
            answer = httpx.get(_url(instance, "list"), params={"path": ""}, headers=_auth(token), timeout=TIMEOUT)
        except httpx.HTTPError:
            raise Refused(502, UNREACHABLE) from None
        if answer.status_code != 401:
            _tokens[instance.uuid] = token
            return token
    log.warning("instance %s: its VM took none of its file tokens", instance.uuid)
    raise Refused(502, "The desktop's file service does not take visa's token; ask support to check its agent.")


def _auth(token):
    return {"Authorization": f"Bearer {token}"}


def _send(instance, method, operation, params, **options):
    token = token_for(instance)
    try:
        answer = httpx.request(method, _url(instance, operation), params=params, headers={**_auth(token),
                               **options.pop("headers", {})}, timeout=TIMEOUT, **options)
    except httpx.HTTPError:
        raise Refused(502, UNREACHABLE) from None
    if answer.status_code == 401:
        _tokens.pop(instance.uuid, None)  # rotated meanwhile: the next request finds the new one
        raise Refused(503, "The desktop's secrets changed just now; try again.")
    if answer.status_code != 200:
        raise _refusal(answer)
    return answer.json()


def listing(instance, path):
    return _send(instance, "GET", "list", {"path": path})["entries"]


def upload(instance, path, offset, size, body, length):
    """Send `length` bytes of `body` (a file-like request) as the piece at `offset` of a file of `size`
    bytes; how many bytes of the file the VM has now."""
    def blocks():
        left = length
        while left > 0:
            data = body.read(min(BLOCK, left))
            if not data:
                return
            left -= len(data)
            yield data

    return _send(instance, "PUT", "upload", {"path": path, "offset": offset, "size": size}, content=blocks(),
                 headers={"Content-Length": str(length)})["received"]


async def open_download(instance, path, token):
    """(client, answer) with the VM's answer's headers read and its body still to come, or Refused."""
    client = httpx.AsyncClient(timeout=TIMEOUT)
    try:
        answer = await client.send(client.build_request("GET", _url(instance, "download"), params={"path": path},
                                                        headers=_auth(token)), stream=True)
    except httpx.HTTPError:
        await client.aclose()
        raise Refused(502, UNREACHABLE) from None
    if answer.status_code != 200:
        await answer.aread()
        await answer.aclose()
        await client.aclose()
        if answer.status_code == 401:
            _tokens.pop(instance.uuid, None)
        raise _refusal(answer)
    return client, answer


class Revoked(Exception):
    """The reader lost access during a download: it is cut off, so the browser sees it failed."""


async def relay(client, answer, still_allowed):
    """The body of a download as the VM sends it; `still_allowed()` (sync) is asked every
    RECHECK_SECONDS, so a revoked reader's download stops within about that."""
    loop = asyncio.get_running_loop()
    checked = loop.time()
    try:
        async for block in answer.aiter_raw():  # as the socket gives them: no copying into bigger blocks
            yield block
            if loop.time() - checked > RECHECK_SECONDS:
                if not await sync_to_async(still_allowed)():
                    raise Revoked()
                checked = loop.time()
    finally:
        await answer.aclose()
        await client.aclose()

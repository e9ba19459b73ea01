"""The HTTP side of a notebook origin: JupyterLab's pages, static files and REST API (contents,
kernels, sessions, terminals) relayed to the Jupyter server in the VM, streamed both ways (no
whole body is held), with the instance's Jupyter token added here so that no browser ever has it.

Every request is decided again (`tickets.access_of`): a member removed, kicked or made a guest is
refused at their next request, and an answer still under way (a large file) is cut off within a
second (`sharing.streams.rechecked`). A page load without a valid cookie goes back through visa's origin
for a ticket. Requests that change something must come from the instance's own notebook origin
(Origin header): JupyterLab's own XSRF check does not apply to token-authenticated requests, so
this is the defence against another page (another instance's notebook) posting here with the
user's cookie.
"""
import asyncio
import html
import json
import logging
import time
from urllib.parse import parse_qs, quote

import httpx
from django.conf import settings
from django.urls import reverse

from instances.cloud import vmsecrets
from instances.lifecycle import services
from instances.sharing.access import Refused, SignInRequired
from instances.sharing.sockets import DB_TIMEOUT, UNAVAILABLE, in_thread
from instances.sharing.streams import rechecked

from . import tickets
from .origins import header, same_origin
from .views import TICKET_PATH, landing

log = logging.getLogger(__name__)
logging.getLogger("httpx").setLevel(logging.WARNING)  # not a line per proxied request
HOP_BY_HOP = {b"connection", b"keep-alive", b"proxy-authenticate", b"proxy-authorization", b"te", b"trailer",
              b"transfer-encoding", b"upgrade"}
# Not forwarded to Jupyter: what the proxy sets itself (the token, Jupyter's cookies without
# ours), and where the request came from (its origin is checked here, not by Jupyter).
NOT_FORWARDED = HOP_BY_HOP | {b"host", b"authorization", b"cookie", b"origin", b"referer"}
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
TIMEOUT = httpx.Timeout(connect=5, read=None, write=60, pool=10)  # a kernel's answer may take long
STARTING = "JupyterLab is not answering: it may still be starting. Try again in a few seconds."
_client = None
_activity = {}  # instance id -> monotonic time activity was last recorded by this process


class ClientGone(Exception):
    """The browser left while its request's body was being sent on."""


def client():
    global _client
    if _client is None:
        _client = httpx.AsyncClient(timeout=TIMEOUT, follow_redirects=False,
                                    limits=httpx.Limits(max_connections=200, max_keepalive_connections=40))
    return _client


def upstream(instance):
    return f"http://{instance.address}:{instance.image.jupyter_port}"


def note_activity(instance_id):
    """Notebook use counts as activity (the inactivity rule); written at most once per
    VISA_ACTIVITY_THROTTLE by this process, beside the request."""
    now = time.monotonic()
    if now - _activity.get(instance_id, float("-inf")) >= settings.VISA_ACTIVITY_THROTTLE:
        _activity[instance_id] = now
        task = asyncio.ensure_future(in_thread(services.record_activity)(instance_id))
        task.add_done_callback(lambda done: done.cancelled() or done.exception() and log.warning(
            "activity of %s not recorded: %s", instance_id, done.exception()))


async def respond(send, status, text, *, navigation, headers=(), again=False):
    """A refusal in the form the asker reads: a page for a browser's navigation (`again`: which
    tries again by itself), else JSON as Jupyter answers."""
    if navigation:
        body = ("<!doctype html><meta charset=utf-8><title>JupyterLab</title>"
                + ('<meta http-equiv="refresh" content="3">' if again else "")
                + f"<p role=alert>{html.escape(text)}</p>").encode()
        kind = b"text/html; charset=utf-8"
    else:
        body, kind = json.dumps({"message": text}).encode(), b"application/json"
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", kind), (b"cache-control", b"no-store"), *headers]})
    await send({"type": "http.response.body", "body": body})


def is_navigation(scope):
    mode = header(scope, b"sec-fetch-mode")
    return mode == "navigate" if mode else "text/html" in (header(scope, b"accept") or "")


async def app(scope, receive, send, instance_uuid):
    navigation = is_navigation(scope)
    if scope["method"] not in SAFE_METHODS and not same_origin(scope, instance_uuid):
        return await respond(send, 403, "Requests that change something must come from this JupyterLab.",
                             navigation=navigation)
    if scope["path"] == TICKET_PATH:
        return await redeem(scope, send, instance_uuid, navigation)
    try:
        access = await asyncio.wait_for(in_thread(tickets.access_of)(scope, instance_uuid), DB_TIMEOUT)
    except SignInRequired as refusal:
        if navigation and scope["method"] == "GET":
            query = scope["query_string"].decode("latin1")
            back = quote(scope["path"] + (f"?{query}" if query else ""))
            visa = settings.VISA_SITE_URL.rstrip("/") + reverse("instance-jupyter", args=[instance_uuid])
            return await respond(send, 302, str(refusal), navigation=True,
                                 headers=[(b"location", f"{visa}?next={back}".encode())])
        return await respond(send, 401, str(refusal), navigation=navigation)
    except Refused as refusal:
        return await respond(send, 403, str(refusal), navigation=navigation)
    except Exception as error:  # the database is away
        log.warning("JupyterLab request of %s not admitted: %r", instance_uuid, error)
        return await respond(send, 503, UNAVAILABLE, navigation=navigation)
    note_activity(access.instance.pk)

    def still_allowed():
        try:
            tickets.access_of(scope, instance_uuid)
        except (Refused, SignInRequired):
            log.info("JupyterLab of %s: a reader lost access during an answer", instance_uuid)
            return False
        return True

    await relay(scope, receive, send, access.instance, navigation, still_allowed)


async def redeem(scope, send, instance_uuid, navigation):
    """The way in: a one-time ticket from visa's origin becomes this origin's cookie."""
    query = parse_qs(scope["query_string"].decode("latin1"))
    if not navigation:  # a ticket is redeemed by the browser's own navigation, never by a page's script
        return await respond(send, 403, tickets.NOT_VALID, navigation=False)
    try:
        user_id = await asyncio.wait_for(in_thread(tickets.redeem)((query.get("ticket") or [""])[0], instance_uuid),
                                         DB_TIMEOUT)
    except Refused as refusal:
        return await respond(send, 403, str(refusal), navigation=True)
    except Exception as error:
        log.warning("JupyterLab ticket for %s not redeemed: %r", instance_uuid, error)
        return await respond(send, 503, UNAVAILABLE, navigation=True)
    await respond(send, 302, "JupyterLab", navigation=True, headers=[
        (b"location", landing((query.get("next") or [""])[0]).encode()),
        (b"set-cookie", tickets.cookie_header(instance_uuid, user_id)),
        (b"referrer-policy", b"no-referrer")])


def forwarded_headers(scope, token):
    kept = [(name.decode("latin1"), value.decode("latin1")) for name, value in scope["headers"]
            if name.lower() not in NOT_FORWARDED]
    cookies = tickets.without_cookie(header(scope, b"cookie") or "")
    return [*kept, ("authorization", f"token {token}"), *([("cookie", cookies)] if cookies else [])]


async def relay(scope, receive, send, instance, navigation, still_allowed):
    has_body = any(name in (b"content-length", b"transfer-encoding") for name, _ in scope["headers"])

    async def body():
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise ClientGone  # stop sending to Jupyter
            yield message.get("body", b"")
            if not message.get("more_body"):
                return

    tokens = vmsecrets.jupyter_tokens(instance)
    url = upstream(instance) + quote(scope["path"], safe="/%:@!$&'()*+,;=~")
    if scope["query_string"]:
        url += "?" + scope["query_string"].decode("latin1")
    for number, token in enumerate(tokens):
        request = client().build_request(scope["method"], url, headers=forwarded_headers(scope, token),
                                         content=body() if has_body else None)
        try:
            response = await client().send(request, stream=True)
        except ClientGone:
            return
        except httpx.HTTPError as error:
            log.info("JupyterLab of %s not answering: %r", instance.uuid, error)
            return await respond(send, 502, STARTING, navigation=navigation, headers=[(b"retry-after", b"3")],
                                 again=True)
        # While a rotation waits, the VM has either token: a refusal of a request without a body is tried with the next.
        if response.status_code == 403 and not has_body and number + 1 < len(tokens):
            await response.aclose()
            continue
        break
    try:
        await send({"type": "http.response.start", "status": response.status_code, "headers": [
            (name, value) for name, value in response.headers.raw if name.lower() not in HOP_BY_HOP]})
        async for chunk in rechecked(response.aiter_raw(), still_allowed):  # a long download too is cut off
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b""})
    finally:
        await response.aclose()

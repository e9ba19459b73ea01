"""The base of visa's WebSocket consumers (the desktop proxy, live pages): who the connection is
from (`AuthMiddlewareStack`), failing fast while the database is away, and one way to end.

Channels runs `disconnect()` only when the server reports the client gone; a consumer that raised
(a send after close, the channel layer failing, a client gone during accept) never got there, and
kept its VM connection, tasks, group membership and session row. Here `end()` runs whatever
happened, once, and nothing is sent after the close.
"""
import asyncio
import logging

from channels.auth import AuthMiddleware
from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.sessions import CookieMiddleware, SessionMiddleware

log = logging.getLogger(__name__)
CLOSE_ERROR = 1011
LAYER_TIMEOUT = 5  # seconds for a channel layer call while ending (Redis may be away)
DB_TIMEOUT = 5  # seconds an admission waits for the database before refusing: fail fast
UNAVAILABLE = "visa cannot admit you just now; try again in a minute."


def in_thread(function):
    """Run a database function off the event loop, in a thread of its own: channels' default runs
    every consumer's calls one after another on one thread, where one stuck query stalls them all."""
    return database_sync_to_async(function, thread_sensitive=False)


class UserMiddleware(AuthMiddleware):
    """channels' AuthMiddleware (the session's user in scope["user"]), giving up after DB_TIMEOUT:
    while the database is away the upgrade is refused with HTTP 503 and what to do, not answered
    with a 500 and a traceback once PostgreSQL's pool gives up (VISA_DB_POOL_TIMEOUT)."""

    async def __call__(self, scope, receive, send):
        scope = dict(scope)
        self.populate_scope(scope)
        try:
            await asyncio.wait_for(self.resolve_scope(scope), DB_TIMEOUT)
        except Exception as error:
            log.warning("WebSocket %s refused: its user could not be loaded: %r", scope["path"], error)
            await receive()  # websocket.connect
            if "websocket.http.response" in scope.get("extensions", {}):
                await send({"type": "websocket.http.response.start", "status": 503,
                            "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"retry-after", b"60")]})
                await send({"type": "websocket.http.response.body", "body": UNAVAILABLE.encode()})
            else:  # an ASGI server without denial responses answers 403
                await send({"type": "websocket.close"})
            return
        return await self.inner(scope, receive, send)


def AuthMiddlewareStack(inner):
    """channels' AuthMiddlewareStack, with UserMiddleware."""
    return CookieMiddleware(SessionMiddleware(UserMiddleware(inner)))


class GuardedConsumer(AsyncWebsocketConsumer):
    closed = False  # we sent the close, or the client is gone: nothing more is sent
    ending = None

    async def __call__(self, scope, receive, send):
        self.tasks = set()

        async def guarded_receive():
            message = await receive()
            if message["type"] == "websocket.disconnect":
                self.closed = True
            return message

        async def guarded_send(message):
            if self.closed:
                return
            self.closed = message["type"] == "websocket.close"
            try:
                await send(message)
            except Exception as error:  # the client went away (uvicorn's ClientDisconnected, or
                self.closed = True      # websockets' InvalidState when it left during the upgrade)
                log.debug("%s: send failed: %r", type(self).__name__, error)

        try:
            await self.serve(scope, guarded_receive, guarded_send)
        except Exception:
            log.exception("%s at %s failed", type(self).__name__, scope.get("path"))
            await self.close(code=CLOSE_ERROR)
        finally:
            await self.finish()

    async def serve(self, scope, receive, send):
        """Take messages from the client and the channel layer until the connection ends: channels'
        own loop here; the desktop proxy has a leaner one (`DesktopConsumer.serve`)."""
        await super().__call__(scope, receive, send)

    async def dispatch(self, message):
        # Without channels' per-message close_old_connections, a thread hop shared by every
        # consumer: handlers here use the database only through in_thread(), which does it.
        await getattr(self, get_handler_name(message))(message)

    async def websocket_disconnect(self, message):
        # Ends here rather than after channels' dispatch loop: its tidying up waits for a cancelled
        # channel layer receive, which does not always come back.
        await self.finish()
        raise StopConsumer()

    async def finish(self):
        """End the connection once, whichever way it ends, and not cut short by a cancellation."""
        if self.ending is None:
            self.ending = asyncio.ensure_future(self._end())
        await asyncio.shield(self.ending)

    def spawn(self, coroutine, what):
        """A task that ends with the connection; its failure is logged, never raised."""
        async def run():
            try:
                await coroutine
            except Exception as error:
                log.warning("%s: %s failed: %s", type(self).__name__, what, error)
        task = asyncio.create_task(run())
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task

    async def _end(self):
        for task in list(self.tasks):
            task.cancel()
        for group in self.groups:
            try:
                await asyncio.wait_for(self.channel_layer.group_discard(group, self.channel_name), LAYER_TIMEOUT)
            except Exception as error:  # the layer expires the membership itself (group_expiry)
                log.warning("could not leave %s: %s", group, error)
        try:
            await self.end()
        except Exception:
            log.exception("%s: ending failed", type(self).__name__)

    async def end(self):
        """Release what the connection holds besides tasks and groups (subclasses)."""

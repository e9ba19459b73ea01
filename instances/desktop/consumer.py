"""The desktop proxy: noVNC in the browser <-> WebSocket <-> this consumer <-> TCP <-> the VM.

Every connection is authorised (`sharing.access.desktop_access`): the owner, members and guests
admitted
by a share link. The consumer authenticates to the VM's VNC server itself as a shared client and
offers the browser security type None, so the VM's VNC secret never reaches a browser. Bytes from
the VM are relayed chunk by chunk as the socket gives them, untouched (`vmlink`); the browser's
stream is split into whole messages (`rfb.ClientMessages`) so that input is dropped for whoever
may not control the desktop now.
"""
import asyncio
import logging
import time

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.db import DatabaseError

from instances.lifecycle import services
from instances.models import Role
from instances.sharing import roles, sessions
from instances.sharing.access import Refused, desktop_access
from protocols import rfb

from .vmlink import VmLink

log = logging.getLogger(__name__)
VM_CONNECT_TIMEOUT = 10
CLOSE_PROTOCOL = 4400
CLOSE_REMOVED = 4401  # kicked, link revoked, owner left: the reason says which
CLOSE_FORBIDDEN = 4403
CLOSE_DESKTOP_UNAVAILABLE = 4502


PENDING = set()  # owner_gone tasks, which outlive the connection that started them


async def owner_gone(instance_id):
    await asyncio.sleep(settings.VISA_OWNER_GRACE)
    await database_sync_to_async(sessions.owner_left)(instance_id)


class DesktopConsumer(AsyncWebsocketConsumer):
    access = vm = relay = session_id = heartbeat = None
    activity_recorded = float("-inf")  # monotonic time of the last record_activity

    async def record_activity(self):
        """A connection, or input from someone who controls the desktop, is use of it (for the
        inactivity rule); written at most once per VISA_ACTIVITY_THROTTLE seconds per connection
        (services.record_activity throttles too)."""
        if time.monotonic() - self.activity_recorded >= settings.VISA_ACTIVITY_THROTTLE:
            self.activity_recorded = time.monotonic()
            await database_sync_to_async(services.record_activity)(self.access.instance.pk)

    async def connect(self):
        try:
            self.access = await database_sync_to_async(desktop_access)(
                self.scope["user"], self.scope.get("session"), self.scope["url_route"]["kwargs"]["uuid"])
        except Refused as refusal:
            log.info("desktop refused to %s: %s", self.scope["user"], refusal)
            await self.close(code=CLOSE_FORBIDDEN)  # before accept: HTTP 403
            return
        instance = self.access.instance
        try:
            self.vm = await asyncio.wait_for(VmLink.open(instance.address, instance.image.vnc_port),
                                             VM_CONNECT_TIMEOUT)
            self.server_init = await asyncio.wait_for(
                rfb.authenticate_to_server(self.vm, self.vm, instance.vnc_secret), VM_CONNECT_TIMEOUT
            )
        except (TimeoutError, OSError, asyncio.IncompleteReadError, rfb.RFBError) as error:
            log.warning("desktop of %s unavailable: %s", instance.uuid, error)
            await self.close(code=CLOSE_DESKTOP_UNAVAILABLE)
            return
        subprotocol = "binary" if "binary" in self.scope.get("subprotocols", []) else None
        await self.accept(subprotocol)
        self.room_locked = instance.room_locked
        self.session_id = await database_sync_to_async(sessions.open_session)(self.access, self.channel_name)
        self.heartbeat = asyncio.create_task(self.beat())
        await self.channel_layer.group_add(sessions.instance_group(instance.uuid), self.channel_name)
        await self.record_activity()
        self.handshake = rfb.BrowserHandshake()
        self.messages = rfb.ClientMessages()
        await self.send(bytes_data=rfb.VERSION_3_8)

    async def dispatch(self, message):
        # Browser bytes take the short way: channels' dispatch would first close stale database
        # connections in a worker thread, a thread hop per message. The relay uses no database
        # (database_sync_to_async closes stale connections itself where one is used).
        if message["type"] == "websocket.receive":
            await self.receive(text_data=message.get("text"), bytes_data=message.get("bytes"))
        else:
            await super().dispatch(message)

    @property
    def controls(self):
        return roles.may_control(self.access.role, self.room_locked)

    async def receive(self, text_data=None, bytes_data=None):
        if not bytes_data:
            return
        if self.relay is None:
            try:
                reply, bytes_data = self.handshake.feed(bytes_data)
            except rfb.RFBError as error:
                await self.close(code=CLOSE_FORBIDDEN, reason=str(error)[:120])
                return
            if reply:
                await self.send(bytes_data=reply)
            if not self.handshake.done:
                return
            await self.send(bytes_data=self.server_init)
            self.relay = asyncio.create_task(self.relay_to_browser())
        try:
            data, inputs = self.messages.feed(bytes_data, self.controls)
        except rfb.RFBError as error:
            await self.close(code=CLOSE_PROTOCOL, reason=str(error)[:120])
            return
        if data:
            self.vm.write(data)
        if inputs and self.controls:
            await self.record_activity()

    async def relay_to_browser(self):
        send = self.base_send  # straight to the ASGI server: no per-chunk work but framing
        try:
            while data := await self.vm.next_chunk():
                await send({"type": "websocket.send", "bytes": data})
        except OSError:  # the browser went away (uvicorn's ClientDisconnected)
            return
        await self.close(code=CLOSE_DESKTOP_UNAVAILABLE, reason="The desktop closed the connection.")

    async def beat(self):
        """Tell the database this connection is alive (`sessions.end_lost_sessions`)."""
        while True:
            await asyncio.sleep(settings.VISA_SESSION_HEARTBEAT)
            try:
                await database_sync_to_async(sessions.session_alive)(self.session_id)
            except DatabaseError as error:  # the next beat may get through; three missed end the session
                log.warning("desktop session %s: heartbeat not recorded: %s", self.session_id, error)

    # Control messages from instances.sharing, over the channel layer.

    async def desktop_close(self, message):
        await self.close(code=CLOSE_REMOVED, reason=message["reason"])

    async def desktop_lock(self, message):
        self.room_locked = message["locked"]

    async def desktop_owner_left(self, message):
        if self.access.role != Role.OWNER:
            await self.close(code=CLOSE_REMOVED, reason="The owner left the desktop.")

    async def disconnect(self, code):
        if self.relay is not None:
            self.relay.cancel()
        if self.vm is not None:
            self.vm.close()
        if self.session_id is not None:
            self.heartbeat.cancel()
            await self.channel_layer.group_discard(sessions.instance_group(self.access.instance.uuid),
                                                   self.channel_name)
            if await database_sync_to_async(sessions.close_session)(self.session_id):
                grace = asyncio.create_task(owner_gone(self.access.instance.pk))
                PENDING.add(grace)  # the loop keeps only weak references to tasks
                grace.add_done_callback(PENDING.discard)

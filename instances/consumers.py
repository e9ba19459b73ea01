"""The desktop proxy: noVNC in the browser <-> WebSocket <-> this consumer <-> TCP <-> the VM.

The consumer authenticates to the VM's VNC server itself and offers the browser security type
None, so the VM's VNC secret never reaches a browser.
"""
import asyncio
import logging
import time

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from . import rfb, services
from .models import Instance
from .states import State

log = logging.getLogger(__name__)
VM_CONNECT_TIMEOUT = 10
CLOSE_FORBIDDEN = 4403
CLOSE_DESKTOP_UNAVAILABLE = 4502


@database_sync_to_async
def authorised_instance(user, uuid):
    """The instance if this user may use its desktop now, else None."""
    if not user.is_authenticated:
        return None
    return (
        Instance.objects.select_related("image")
        .filter(uuid=uuid, owner=user, state=State.ACTIVE)
        .first()
    )


class DesktopConsumer(AsyncWebsocketConsumer):
    vm_writer = None
    relay = None
    activity_recorded = float("-inf")  # monotonic time of the last record_activity

    async def record_activity(self):
        """A connection or a message from the browser is use of the desktop; written at most
        once per VISA_ACTIVITY_THROTTLE seconds per connection (services.record_activity throttles too)."""
        if time.monotonic() - self.activity_recorded >= settings.VISA_ACTIVITY_THROTTLE:
            self.activity_recorded = time.monotonic()
            await database_sync_to_async(services.record_activity)(self.instance_pk)

    async def connect(self):
        instance = await authorised_instance(self.scope["user"], self.scope["url_route"]["kwargs"]["uuid"])
        if instance is None:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        try:
            reader, self.vm_writer = await asyncio.wait_for(
                asyncio.open_connection(instance.address, instance.image.vnc_port), VM_CONNECT_TIMEOUT
            )
            self.server_init = await asyncio.wait_for(
                rfb.authenticate_to_server(reader, self.vm_writer, instance.vnc_secret), VM_CONNECT_TIMEOUT
            )
        except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError, rfb.RFBError) as error:
            log.warning("desktop of %s unavailable: %s", instance.uuid, error)
            await self.close(code=CLOSE_DESKTOP_UNAVAILABLE)
            return
        self.vm_reader = reader
        self.instance_pk = instance.pk
        await self.record_activity()
        subprotocol = "binary" if "binary" in self.scope.get("subprotocols", []) else None
        await self.accept(subprotocol)
        self.handshake = rfb.BrowserHandshake()
        await self.send(bytes_data=rfb.VERSION_3_8)

    async def receive(self, text_data=None, bytes_data=None):
        if not bytes_data:
            return
        if self.relay is not None:
            self.vm_writer.write(bytes_data)
            await self.record_activity()
            return
        try:
            reply, rest = self.handshake.feed(bytes_data)
        except rfb.RFBError as error:
            await self.close(code=CLOSE_FORBIDDEN, reason=str(error)[:120])
            return
        if reply:
            await self.send(bytes_data=reply)
        if self.handshake.done:
            await self.send(bytes_data=self.server_init)
            if rest:
                self.vm_writer.write(rest)
            self.relay = asyncio.create_task(self.relay_to_browser())

    async def relay_to_browser(self):
        try:
            while data := await self.vm_reader.read(1 << 16):
                await self.send(bytes_data=data)
        except OSError:
            pass
        await self.close(code=CLOSE_DESKTOP_UNAVAILABLE)

    async def disconnect(self, code):
        if self.relay is not None:
            self.relay.cancel()
        if self.vm_writer is not None:
            self.vm_writer.close()

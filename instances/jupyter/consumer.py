"""The WebSocket side of a notebook origin: kernels, terminals and JupyterLab's events, relayed
message by message to the Jupyter server in the VM with the instance's token added here.

Admitted like the desktop (`sharing.access.jupyter_access`, from the notebook cookie's user) and
registered in the same registry of live connections (a `DesktopSession` row of channel
"jupyter", the instance's group) before the final check, so a kick, revoke or removal anywhere
closes these sockets too, on whichever process they run; a member made guest, or a USER when the
room is locked, loses them at once (JupyterLab has no view-only mode). Only the instance's own
notebook origin may open them.
"""
import asyncio
import logging
from urllib.parse import quote

from django.conf import settings
from websockets import ConnectionClosed, InvalidStatus
from websockets.asyncio.client import connect

from instances.cloud import vmsecrets
from instances.models import DesktopSession, Role
from instances.sharing import roles, sessions
from instances.sharing.access import Refused
from instances.sharing.sockets import DB_TIMEOUT, UNAVAILABLE, GuardedConsumer, in_thread
from visa import logs

from . import tickets
from .origins import same_origin
from .proxy import note_activity

log = logging.getLogger(__name__)
CLOSE_REMOVED = 4401
CLOSE_UNAVAILABLE = 4503
CLOSE_JUPYTER_GONE = 4502
VM_CONNECT_TIMEOUT = 10
MAX_MESSAGE = 16 << 20  # from Jupyter: a cell's output (pictures) may be large; the browser's are held by uvicorn
NOT_CONTROLLING = "You may only watch this desktop now, and JupyterLab runs code: it is closed."


class JupyterConsumer(GuardedConsumer):
    access = upstream = session_id = None

    async def admit(self):
        return await asyncio.wait_for(in_thread(tickets.access_of)(self.scope, self.scope["notebook"]), DB_TIMEOUT)

    async def connect(self):
        instance_uuid = self.scope["notebook"]
        logs.INSTANCE.set(str(instance_uuid))
        if not same_origin(self.scope, instance_uuid):
            log.info("JupyterLab socket of %s refused: from another origin", instance_uuid)
            await self.close()  # before accept: HTTP 403
            return
        try:
            self.access = await self.admit()
            group = sessions.instance_group(instance_uuid)
            self.groups.append(group)
            await asyncio.wait_for(self.channel_layer.group_add(group, self.channel_name), DB_TIMEOUT)
            self.session_id = await asyncio.wait_for(in_thread(sessions.open_session)(
                self.access, self.channel_name, DesktopSession.Channel.JUPYTER), DB_TIMEOUT)
            self.access = await self.admit()  # registered first: nothing slips between check and use
        except Refused as refusal:
            log.info("JupyterLab socket refused to %s: %s", tickets.user_id_of(self.scope, instance_uuid), refusal)
            await self.close()
            return
        except Exception as error:
            log.warning("JupyterLab socket not admitted: %r", error)
            await self.accept()
            await self.close(code=CLOSE_UNAVAILABLE, reason=UNAVAILABLE)
            return
        self.spawn(self.beat(), "heartbeat")
        try:
            self.upstream = await self.open_upstream(self.access.instance)
        except (OSError, TimeoutError, InvalidStatus) as error:
            log.warning("JupyterLab of %s unavailable: %r", instance_uuid, error)
            await self.close()
            return
        await self.accept(self.upstream.subprotocol)
        note_activity(self.access.instance.pk)
        self.spawn(self.relay_to_browser(), "relay")

    async def open_upstream(self, instance):
        url = f"ws://{instance.address}:{instance.image.jupyter_port}{quote(self.scope['path'])}"
        if self.scope["query_string"]:
            url += "?" + self.scope["query_string"].decode("latin1")
        tokens = vmsecrets.jupyter_tokens(instance)  # while a rotation waits, the VM has either
        for number, token in enumerate(tokens):
            try:
                return await connect(url, additional_headers={"Authorization": f"token {token}"},
                                     subprotocols=self.scope.get("subprotocols") or None, compression=None,
                                     proxy=None, max_size=MAX_MESSAGE, open_timeout=VM_CONNECT_TIMEOUT, close_timeout=2,
                                     ping_interval=None)
            except InvalidStatus as error:
                if error.response.status_code != 403 or number + 1 == len(tokens):
                    raise

    async def receive(self, text_data=None, bytes_data=None):
        if self.upstream is None or self.closed:
            return
        try:
            await self.upstream.send(text_data if text_data is not None else bytes_data)
        except ConnectionClosed:
            return  # relay_to_browser closes
        note_activity(self.access.instance.pk)

    async def relay_to_browser(self):
        try:
            async for message in self.upstream:
                if isinstance(message, str):
                    await self.send(text_data=message)
                else:
                    await self.send(bytes_data=message)
        except ConnectionClosed:
            pass
        await self.close(code=CLOSE_JUPYTER_GONE, reason="JupyterLab closed the connection.")

    async def beat(self):
        """Alive in the registry (`sessions.end_lost_sessions` ends the rows of a process that died)."""
        while True:
            await asyncio.sleep(settings.VISA_SESSION_HEARTBEAT)
            try:
                await in_thread(sessions.session_alive)(self.session_id)
            except Exception as error:
                log.warning("JupyterLab session %s: heartbeat not recorded: %s", self.session_id, error)

    # Control messages from instances.sharing, over the channel layer (as for the desktop).

    async def desktop_close(self, message):
        await self.close(code=CLOSE_REMOVED, reason=message["reason"])

    async def desktop_lock(self, message):
        self.access.instance.room_locked = message["locked"]
        await self.still_controls()

    async def desktop_role(self, message):
        self.access.role = message["role"]
        await self.still_controls()

    async def desktop_owner_left(self, message):
        if self.access.role != Role.OWNER:
            await self.close(code=CLOSE_REMOVED, reason="The owner left the desktop.")

    async def still_controls(self):
        if not roles.may_control(self.access.role, self.access.instance.room_locked):
            await self.close(code=CLOSE_REMOVED, reason=NOT_CONTROLLING)

    async def end(self):
        if self.upstream is not None:
            await self.upstream.close()
        if self.session_id is not None:
            await in_thread(sessions.close_session)(self.session_id)

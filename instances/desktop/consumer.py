"""The desktop proxy: noVNC in the browser <-> WebSocket <-> this consumer <-> TCP <-> the VM.

Every connection is authorised (`sharing.access.desktop_access`): the owner, members and guests
admitted by a share link; checked again once the connection is registered, so that no revoke slips
between check and use. The consumer authenticates to the VM's VNC server itself as a shared client and
offers the browser security type None, so the VM's VNC secret never reaches a browser. Bytes from
the VM are relayed chunk by chunk as the socket gives them, untouched (`vmlink`); the browser's
stream is split into whole messages (`rfb.ClientMessages`) so that input is dropped for whoever
may not control the desktop now; that work is bounded per message and per second. The relay never
waits for the database: activity and heartbeats are written beside it, and admission gives up
after DB_TIMEOUT. Whatever ends a connection, `end()` releases it (`sharing.sockets`).
"""
import asyncio
import functools
import logging
import time

from channels.exceptions import StopConsumer
from channels.layers import get_channel_layer
from django.conf import settings

from instances.lifecycle import services
from instances.models import Role
from instances.sharing import roles, sessions
from instances.sharing.access import Refused, desktop_access
from instances.sharing.sockets import DB_TIMEOUT, UNAVAILABLE, GuardedConsumer, in_thread
from protocols import rfb
from visa import logs, metrics
from visa import sessions as sessions_of

from .vmlink import VmLink

log = logging.getLogger(__name__)
VM_CONNECT_TIMEOUT = 10
CLOSE_PROTOCOL = 4400
CLOSE_REMOVED = 4401  # kicked, link revoked, removed, owner left: the reason says which
CLOSE_FORBIDDEN = 4403
CLOSE_DESKTOP_UNAVAILABLE = 4502
CLOSE_UNAVAILABLE = 4503  # visa itself (its database or channel layer) is away; try again later
# Bytes from the browser, per connection, as (burst, then bytes a second): for someone who controls
# the desktop, a burst as large as the longest clipboard text; someone who watches sends update
# requests and little else. A person typing and moving the mouse sends a few kB a second.
INPUT_LIMITS = {True: (rfb.MAX_CUT_TEXT + rfb.MAX_FRAME, 1 << 20), False: (256 << 10, 64 << 10)}


PENDING = set()  # owner_gone tasks, which outlive the connection that started them


async def owner_gone(instance_id):
    await asyncio.sleep(settings.VISA_OWNER_GRACE)
    try:
        await in_thread(sessions.owner_left)(instance_id)
    except Exception as error:  # Redis away: the others' connections ended with it, and admission
        # refuses them while the owner is away (access.desktop_access)
        log.warning("instance %s: the owner left, not applied: %r", instance_id, error)


class DesktopConsumer(GuardedConsumer):
    access = vm = relay = session_id = activity = None
    activity_recorded = float("-inf")  # monotonic time of the last record_activity
    # Bytes relayed and not yet counted: added to the metric with each heartbeat and at the end,
    # not per message (the relay is the hot path).
    to_browser = to_vm = 0

    def record_activity(self):
        """A connection, or input from someone who controls the desktop, is use of it (for the
        inactivity rule); written beside the relay, which never waits for the database, at most
        once per VISA_ACTIVITY_THROTTLE seconds per connection (services.record_activity throttles too)."""
        if time.monotonic() - self.activity_recorded >= settings.VISA_ACTIVITY_THROTTLE and (
                self.activity is None or self.activity.done()):
            self.activity_recorded = time.monotonic()
            self.activity = self.spawn(in_thread(services.record_activity)(self.access.instance.pk), "activity")

    async def admit(self, session):
        return await asyncio.wait_for(in_thread(desktop_access)(
            self.scope["user"], session, self.scope["url_route"]["kwargs"]["uuid"]), DB_TIMEOUT)

    async def connect(self):
        logs.INSTANCE.set(str(self.scope["url_route"]["kwargs"]["uuid"]))  # for this connection's task
        try:
            self.access = await self.admit(self.scope.get("session"))
            # Registered (session row with this channel, the instance's group) before the final
            # check: a revoke, kick, removal, role change or lock committed after that check finds
            # this connection and tells it; one committed before it, the check sees.
            group = sessions.instance_group(self.access.instance.uuid)
            self.groups.append(group)  # left again when it ends, even if joining timed out
            await asyncio.wait_for(self.channel_layer.group_add(group, self.channel_name), DB_TIMEOUT)
            self.session_id = await asyncio.wait_for(
                in_thread(sessions.open_session)(self.access, self.channel_name), DB_TIMEOUT)
            self.access = await self.admit(await in_thread(sessions_of.fresh)(self.scope.get("session")))
        except Refused as refusal:
            log.info("desktop refused to %s: %s", self.scope["user"], refusal)
            await self.close(code=CLOSE_FORBIDDEN)  # before accept: HTTP 403
            return
        except Exception as error:  # the database or the channel layer is away: say so at once
            log.warning("desktop connection not admitted: %r", error)
            await self.accept()
            await self.close(code=CLOSE_UNAVAILABLE, reason=UNAVAILABLE)
            return
        self.spawn(self.beat(), "heartbeat")
        instance = self.access.instance
        try:
            self.vm, _, self.server_init = await asyncio.wait_for(rfb.authenticate_with_any(
                lambda: self._open_vm(instance), instance.vnc_secrets), VM_CONNECT_TIMEOUT)
        except (TimeoutError, OSError, asyncio.IncompleteReadError, rfb.RFBError) as error:
            log.warning("desktop of %s unavailable: %s", instance.uuid, error)
            await self.close(code=CLOSE_DESKTOP_UNAVAILABLE)
            return
        subprotocol = "binary" if "binary" in self.scope.get("subprotocols", []) else None
        await self.accept(subprotocol)
        metrics.DESKTOP_CONNECTIONS.labels(self.access.role).inc()
        self.record_activity()
        self.handshake = rfb.BrowserHandshake()
        self.messages = rfb.ClientMessages()
        self.budget, self.budget_at = INPUT_LIMITS[True][0], time.monotonic()
        await self.send(bytes_data=rfb.VERSION_3_8)

    @staticmethod
    async def _open_vm(instance):
        link = await VmLink.open(instance.address, instance.image.vnc_port)
        return link, link

    async def serve(self, scope, receive, send):
        """channels' AsyncConsumer.__call__ without its await_many_dispatch, which starts a task and
        waits on asyncio.wait for every message: three loop steps before a browser's message is
        seen, one here. websocket.connect (admission) is handled before any control message, as
        channels does; then the browser's messages and the channel layer's (kicks, role changes)
        each have a loop of their own, and the first to end or fail ends the connection."""
        self.scope, self.base_send = scope, send
        self.channel_layer = get_channel_layer(self.channel_layer_alias)
        self.channel_name = await self.channel_layer.new_channel()
        control = functools.partial(self.channel_layer.receive, self.channel_name)
        try:
            await self.dispatch(await receive())
            loops = [asyncio.create_task(self.take(receive)), asyncio.create_task(self.take(control))]
            try:
                done, _ = await asyncio.wait(loops, return_when=asyncio.FIRST_COMPLETED)
                for loop in done:
                    loop.result()  # StopConsumer once the browser is gone; a failure of Redis raises
            finally:
                for loop in loops:  # not awaited: a cancelled channel layer receive does not always come back
                    loop.cancel()
        except StopConsumer:
            pass

    async def take(self, receive):
        while True:
            await self.dispatch(await receive())
            # A receive that finds a message waiting returns without yielding: without this, a
            # flood's queued messages would be handled back to back while other connections wait.
            await asyncio.sleep(0)

    async def dispatch(self, message):
        # Browser bytes take the short way, straight to receive().
        if message["type"] == "websocket.receive":
            await self.receive(text_data=message.get("text"), bytes_data=message.get("bytes"))
        else:
            await super().dispatch(message)

    @property
    def controls(self):
        return roles.may_control(self.access.role, self.access.instance.room_locked)

    def over_budget(self, size):
        """Whether this message is more than a browser sends: too large, or too much input a second."""
        now, (burst, rate) = time.monotonic(), INPUT_LIMITS[self.controls]
        self.budget = min(burst, self.budget + (now - self.budget_at) * rate) - size
        self.budget_at = now
        return size > rfb.MAX_FRAME or self.budget < 0

    async def receive(self, text_data=None, bytes_data=None):
        if not bytes_data or self.closed:
            return
        if self.over_budget(len(bytes_data)):
            burst, rate = INPUT_LIMITS[self.controls]
            await self.close(code=CLOSE_PROTOCOL, reason=f"More input than a desktop client sends (at most "
                             f"{rfb.MAX_FRAME} bytes a message, {burst} at once, {rate} bytes a second).")
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
            self.relay = self.spawn(self.relay_to_browser(), "relay")
        try:
            data, inputs = self.messages.feed(bytes_data, self.controls)
        except rfb.RFBError as error:
            await self.close(code=CLOSE_PROTOCOL, reason=str(error)[:120])
            return
        if data:
            self.vm.write(data)
            self.to_vm += len(data)
        if inputs and self.controls:
            self.record_activity()

    async def relay_to_browser(self):
        send = self.base_send  # straight to the ASGI server: no per-chunk work but framing
        while data := await self.vm.next_chunk():
            await send({"type": "websocket.send", "bytes": data})
            self.to_browser += len(data)
            if self.closed:
                return
        await self.close(code=CLOSE_DESKTOP_UNAVAILABLE, reason="The desktop closed the connection.")

    async def beat(self):
        """Tell the database this connection is alive (`sessions.end_lost_sessions`), beside the relay."""
        while True:
            await asyncio.sleep(settings.VISA_SESSION_HEARTBEAT)
            self.count_relayed()
            try:
                await in_thread(sessions.session_alive)(self.session_id)
            except Exception as error:  # the next beat may get through; three missed end the session
                log.warning("desktop session %s: heartbeat not recorded: %s", self.session_id, error)

    def count_relayed(self):
        metrics.RELAYED_BYTES.labels("to_browser").inc(self.to_browser)
        metrics.RELAYED_BYTES.labels("to_vm").inc(self.to_vm)
        self.to_browser = self.to_vm = 0

    # Control messages from instances.sharing, over the channel layer.

    async def desktop_close(self, message):
        await self.close(code=CLOSE_REMOVED, reason=message["reason"])

    async def desktop_lock(self, message):
        self.access.instance.room_locked = message["locked"]

    async def desktop_role(self, message):
        """The participant's role changed (page, API, Django admin): it applies to the next input."""
        self.access.role = message["role"]

    async def desktop_owner_left(self, message):
        if self.access.role != Role.OWNER:
            await self.close(code=CLOSE_REMOVED, reason="The owner left the desktop.")

    async def end(self):
        self.count_relayed()
        if self.vm is not None:
            self.vm.close()
        if self.session_id is not None and await in_thread(sessions.close_session)(self.session_id):
            grace = asyncio.create_task(owner_gone(self.access.instance.pk))
            PENDING.add(grace)  # the loop keeps only weak references to tasks
            grace.add_done_callback(PENDING.discard)

"""Live pages: keeps an open page current over a WebSocket (`instances.live` announces changes).
The connection is authorised as the page itself is, at connect and again before every push (a
membership, role, link or data change is announced), and closed once the visitor may not see it."""
import asyncio

from django.contrib.auth import get_user_model

from instances import live
from instances.models import Instance
from instances.sharing import access
from instances.sharing.sockets import GuardedConsumer, in_thread
from visa import metrics, sessions

from .home import home_fragment
from .instance import VIEW_ANY, instance_fragment

CLOSE_FORBIDDEN = 4403


class LiveConsumer(GuardedConsumer):
    """Keeps a page current (`instances.live`): at /ws/live the home page's instances, at
    /ws/instances/<uuid>/live one instance's page. Each change is pushed as the page's re-rendered
    live fragment, which the htmx ws extension swaps in by id."""

    counted = False  # in visa_live_sockets

    async def connect(self):
        self.uuid = self.scope["url_route"]["kwargs"].get("uuid")
        group = await in_thread(self.group)(self.scope.get("session"))
        if group is None:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.groups.append(group)  # left again when it ends (sockets.GuardedConsumer)
        await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()
        metrics.LIVE_SOCKETS.inc()
        self.counted = True
        # The page may have missed a change between its rendering and now (or while it was
        # reconnecting): start from the present.
        await self.push()
        if live.polls():
            self.spawn(self.poll(), "poll")

    def group(self, session):
        """The group this page listens on, or None if the visitor may not see it (now)."""
        user = self.scope["user"]
        if user.is_authenticated and not get_user_model().objects.filter(pk=user.pk, is_active=True).exists():
            return None
        if self.uuid is None:
            return live.user_group(user.pk) if user.is_authenticated else None
        instance = Instance.objects.filter(uuid=self.uuid).first()
        if instance is None:
            return None
        if access.page_role(user, session, instance) or user.is_staff or user.has_perm(VIEW_ANY):
            return live.instance_group(self.uuid)
        return None

    async def end(self):
        if self.counted:
            metrics.LIVE_SOCKETS.dec()

    async def receive(self, text_data=None, bytes_data=None):
        """A page pings to time the round trip (its connection quality)."""
        if text_data == "ping":
            await self.send(text_data="pong")

    async def instance_changed(self, event):
        await self.push()

    async def push(self):
        fragment = await in_thread(self.fragment)()
        if fragment is None:
            await self.close(code=CLOSE_FORBIDDEN)
        else:
            await self.send(text_data=fragment)

    def fragment(self):
        """The page's live fragment, or None once the visitor may no longer see the page."""
        if self.group(sessions.fresh(self.scope.get("session"))) is None:
            return None
        if self.uuid is None:
            return home_fragment(self.scope["user"])
        return instance_fragment(self.scope["user"], self.scope.get("session"), self.uuid)

    async def poll(self):
        signature = in_thread(live.signature)
        seen = await signature(self.scope["user"], self.uuid)
        while True:
            await asyncio.sleep(live.LIVE_POLL_SECONDS)
            now = await signature(self.scope["user"], self.uuid)
            if now != seen:
                seen = now
                await self.push()

"""Live pages: keeps an open page current over a WebSocket (`instances.live` announces changes).
The connection is authorised as the page itself is."""
import asyncio

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from instances import live
from instances.models import Instance
from instances.sharing import access

from .home import home_fragment
from .instance import VIEW_ANY, instance_fragment

CLOSE_FORBIDDEN = 4403


class LiveConsumer(AsyncWebsocketConsumer):
    """Keeps a page current (`instances.live`): at /ws/live the home page's instances, at
    /ws/instances/<uuid>/live one instance's page. Each change is pushed as the page's re-rendered
    live fragment, which the htmx ws extension swaps in by id."""

    poller = None

    async def connect(self):
        self.uuid = self.scope["url_route"]["kwargs"].get("uuid")
        group = await database_sync_to_async(self.group)()
        if group is None:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        await self.channel_layer.group_add(group, self.channel_name)
        self.groups.append(group)  # left again on disconnect by the base class
        await self.accept()
        # The page may have missed a change between its rendering and now (or while it was
        # reconnecting): start from the present.
        await self.push()
        if live.polls():
            self.poller = asyncio.create_task(self.poll())

    def group(self):
        """The group this page listens on, or None if the visitor may not see it."""
        user = self.scope["user"]
        if self.uuid is None:
            return live.user_group(user.pk) if user.is_authenticated else None
        instance = Instance.objects.filter(uuid=self.uuid).first()
        if instance is None:
            return None
        if access.page_role(user, self.scope.get("session"), instance) or user.is_staff or user.has_perm(VIEW_ANY):
            return live.instance_group(self.uuid)
        return None

    async def receive(self, text_data=None, bytes_data=None):
        """A page pings to time the round trip (its connection quality)."""
        if text_data == "ping":
            await self.send(text_data="pong")

    async def instance_changed(self, event):
        await self.push()

    async def push(self):
        await self.send(text_data=await database_sync_to_async(self.fragment)())

    def fragment(self):
        if self.uuid is None:
            return home_fragment(self.scope["user"])
        return instance_fragment(self.scope["user"], self.scope.get("session"), self.uuid)

    async def poll(self):
        signature = database_sync_to_async(live.signature)
        seen = await signature(self.scope["user"], self.uuid)
        while True:
            await asyncio.sleep(live.LIVE_POLL_SECONDS)
            now = await signature(self.scope["user"], self.uuid)
            if now != seen:
                seen = now
                await self.push()

    async def disconnect(self, code):
        if self.poller:
            self.poller.cancel()

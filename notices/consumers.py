"""/ws/notices, which every page opens: the notices and the bell as they are now, again whenever
one changes (published, closed, started or ended) or a notification arrives."""
import asyncio
import contextlib

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.template.loader import render_to_string
from django.utils import timezone

from visa import sessions

from . import services


class NoticeConsumer(AsyncWebsocketConsumer):
    timer = None

    async def connect(self):
        user = self.scope["user"]
        self.groups = [services.EVERYONE, *([services.user_group(user.pk)] if user.is_authenticated else [])]
        for group in self.groups:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()
        await self.notices_changed()

    async def disconnect(self, code):
        if self.timer:
            self.timer.cancel()

    async def notices_changed(self, event=None):
        fragment, at = await database_sync_to_async(self.render)()
        await self.send(text_data=fragment)
        if self.timer:
            self.timer.cancel()
        if at is not None:  # a notice starts or ends by itself then: show it without a reload
            self.timer = asyncio.create_task(self.at(at))

    async def at(self, when):
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.sleep(max((when - timezone.now()).total_seconds(), 0) + 0.1)
            await self.notices_changed()

    def render(self):
        session, user = sessions.fresh(self.scope.get("session")), self.scope["user"]  # notices closed since
        context = {"notices": services.showing(user, session), "unread": services.unread(user), "user": user,
                   "live": True}
        return render_to_string("notices/_live.html", context), services.next_change()

"""Live page updates over WebSocket (Channels + the htmx ws extension).

A service that changes an instance calls `announce(instance)`; once the transaction commits, every
open page that shows the instance re-renders its live fragment and pushes it, and htmx swaps it in
by element id. Pages: "home" (the user's own and shared instances) and "instance" (one instance).

The demo's in-memory channel layer does not reach across processes, so it would not hear the
Celery worker's state changes; without Redis a page therefore also compares its instances' state
every LIVE_POLL_SECONDS and pushes when it changed.
"""
import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import transaction

from .models import Instance

log = logging.getLogger(__name__)
LIVE_POLL_SECONDS = 1.0
MESSAGE = {"type": "instance.changed"}


def user_group(user_id):
    return f"live-user-{user_id}"


def instance_group(uuid):
    return f"live-instance-{uuid}"


def polls():
    """Whether pages must look for changes themselves: the layer does not span processes."""
    return not settings.REDIS_URL


def announce(instance):
    """Tell every page showing this instance to refresh, after the current transaction commits."""
    users = [instance.owner_id, *instance.members.values_list("user_id", flat=True)]
    groups = [instance_group(instance.uuid), *(user_group(user_id) for user_id in users)]

    def send():
        layer = get_channel_layer()
        try:
            for group in groups:
                async_to_sync(layer.group_send)(group, MESSAGE)
        except Exception as error:  # best effort: the change is committed; an open page misses one refresh
            log.warning("could not announce a change to %s: %s", instance.uuid, error)

    transaction.on_commit(send)


def signature(user, uuid=None):
    """What a page's fragment depends on that other processes change: the watched instances'
    states, deadlines and thumbnails. A change in it means the page is out of date."""
    instances = Instance.objects.filter(uuid=uuid) if uuid else Instance.objects.visible_to(user)
    return list(instances.order_by("pk").values_list(
        "uuid", "state", "state_changed_at", "expires_at", "thumbnail__taken_at"))

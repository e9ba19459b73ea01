"""Notices and notifications as pages and the live socket use them. A change is pushed after it
commits to the group of every open page ("notices") or of the user's pages, best effort: the
change is saved either way and shows at the next page load."""
import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.utils import timezone

from .models import Notice, NoticeSeen, Notification

log = logging.getLogger(__name__)
EVERYONE = "notices"
MESSAGE = {"type": "notices.changed"}
GUEST_SESSION_KEY = "visa_closed_notices"  # notices closed by a visitor without an account
SHOWN_NOTIFICATIONS = 50


def user_group(user_id):
    return f"notices-user-{user_id}"


def push(group):
    def send():
        try:
            async_to_sync(get_channel_layer().group_send)(group, MESSAGE)
        except Exception as error:
            log.warning("could not push notices to %s: %s", group, error)
    transaction.on_commit(send)


def showing(user, session):
    """The notices this visitor sees now: current, not closed or acknowledged by them."""
    notices = Notice.objects.filter(Notice.current())
    if user.is_authenticated:
        return list(notices.exclude(seen__user=user))
    closed = (session or {}).get(GUEST_SESSION_KEY, [])
    return [notice for notice in notices if notice.pk not in closed]


def next_change(at=None):
    """When the notices shown next change by themselves (one starts or ends), or None."""
    at = at or timezone.now()
    starts = Notice.objects.filter(starts_at__gt=at).order_by("starts_at").values_list("starts_at", flat=True).first()
    ends = Notice.objects.filter(ends_at__gt=at).order_by("ends_at").values_list("ends_at", flat=True).first()
    return min(filter(None, (starts, ends)), default=None)


def close(notice, user, session):
    """The visitor closes or acknowledges `notice`; a fixed one stays."""
    if notice.closing == Notice.Closing.FIXED:
        return
    if user.is_authenticated:
        NoticeSeen.objects.get_or_create(notice=notice, user=user)
        push(user_group(user.pk))
    else:
        session[GUEST_SESSION_KEY] = [*session.get(GUEST_SESSION_KEY, []), notice.pk]


def notify(user, text, url=""):
    """Tell `user` under their bell (and their open pages at once)."""
    Notification.objects.create(user=user, text=text[:500], url=url)
    push(user_group(user.pk))


def unread(user):
    return user.notifications.filter(read_at=None).count() if user.is_authenticated else 0


def read(user):
    """The user's latest notifications, which are read from now on; each says whether it was new."""
    shown = list(user.notifications.all()[:SHOWN_NOTIFICATIONS])
    user.notifications.filter(read_at=None).update(read_at=timezone.now())
    push(user_group(user.pk))
    return shown

"""Desktop sessions, one per live proxy connection, and the control messages (kick, revoke, lock,
owner left) the desktop proxy obeys.

Control messages go over the channel layer, so they reach a connection on whichever ASGI process
it runs: to the instance's group (lock, owner left) or to each connection's own channel, kept in
its DesktopSession row (kick, revoke).
"""
from datetime import timedelta

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from instances import live
from instances.models import DesktopSession, Instance, Role


def instance_group(uuid):
    return f"desktop-{uuid}"


def live_sessions(instance):
    return DesktopSession.objects.filter(instance=instance, ended_at=None)


def connected(instance):
    """Who is connected, one row per person and channel: JupyterLab opens several sockets."""
    seen, shown = set(), []
    for session in live_sessions(instance):
        if (key := (session.user_id, session.session_key, session.channel)) not in seen:
            seen.add(key)
            shown.append(session)
    return shown


def owner_connected(instance):
    return live_sessions(instance).filter(role=Role.OWNER).exists()


def open_session(access, channel_name, channel=DesktopSession.Channel.DESKTOP):
    session = DesktopSession.objects.create(
        instance=access.instance, user_id=access.user_id, name=access.name, role=access.role,
        token_id=access.token_id, session_key=access.session_key, channel_name=channel_name, channel=channel,
    )
    live.announce(access.instance)  # who is connected is on the instance's page
    return session.pk


def close_session(session_id):
    """End a session; True when it was the owner's last (then `owner_left` follows a grace period)."""
    session = DesktopSession.objects.select_related("instance").get(pk=session_id)
    DesktopSession.objects.filter(pk=session_id).update(ended_at=timezone.now())
    live.announce(session.instance)
    return session.role == Role.OWNER and not owner_connected(session.instance)


def owner_left(instance_id):
    """Apply the operator's owner-leaves setting, unless the owner came back meanwhile (a reload
    of their page is a new connection seconds later, and must not end everyone else's)."""
    instance = Instance.objects.filter(pk=instance_id).first()
    if instance is None or owner_connected(instance):  # gone meanwhile, or the owner is back
        return
    if settings.VISA_OWNER_LEAVES == "lock":
        set_room_lock(instance, True)
    else:
        send_group(instance_group(instance.uuid), {"type": "desktop.owner_left"})


def session_alive(session_id):
    DesktopSession.objects.filter(pk=session_id).update(seen_at=timezone.now())


def end_lost_sessions():
    """End the sessions whose proxy connection stopped beating (its ASGI process died), so that
    they no longer count as connected; they end when they were last seen."""
    silent = timezone.now() - timedelta(seconds=3 * settings.VISA_SESSION_HEARTBEAT)
    ended = 0
    for session in DesktopSession.objects.filter(ended_at=None, seen_at__lt=silent).select_related("instance"):
        if DesktopSession.objects.filter(pk=session.pk, ended_at=None).update(ended_at=session.seen_at):
            ended += 1  # not by a run beside this one (reconcile calls this outside its lock)
            live.announce(session.instance)
    return ended


def set_room_lock(instance, locked):
    """Lock the room (users only watch) or open it; connected users see the change at once (told
    after it commits, so that a connection's final check and the message cannot both miss it)."""
    Instance.objects.filter(pk=instance.pk).update(room_locked=locked)
    instance.room_locked = locked
    live.announce(instance)  # the pages say whether users control or watch
    transaction.on_commit(lambda: send_group(instance_group(instance.uuid), {"type": "desktop.lock", "locked": locked}))


def set_role(instance_id, user_id, role):
    """Tell a member's live connections their new role (after it commits), and show it."""
    connections = live_sessions(instance_id).filter(user=user_id)

    def tell():
        connections.update(role=role)
        for channel in live_channels(connections):
            async_to_sync(get_channel_layer().send)(channel, {"type": "desktop.role", "role": role})
    transaction.on_commit(tell)


def close_on_commit(connections, reason):
    """Close these connections once the current transaction commits: looked up then, so that one
    registered before the commit is found (and one registered after sees the change)."""
    transaction.on_commit(lambda: close_channels(live_channels(connections), reason))


def live_channels(sessions):
    return list(sessions.filter(ended_at=None).values_list("channel_name", flat=True))


def close_channels(channels, reason):
    layer = get_channel_layer()
    for channel in channels:
        async_to_sync(layer.send)(channel, {"type": "desktop.close", "reason": reason})


def send_group(group, message):
    async_to_sync(get_channel_layer().group_send)(group, message)

"""Sharing a desktop: who may use it with which role, share links and invitations, who is
connected, and the control messages (kick, revoke, lock, owner left) the desktop proxy obeys.

Control messages go over the channel layer, so they reach a connection on whichever ASGI process
it runs: to the instance's group (lock, owner left) or to each connection's own channel, kept in
its DesktopSession row (kick, revoke).
"""
import hashlib
import logging
import smtplib
from datetime import timedelta
import secrets
from importlib import import_module
from dataclasses import dataclass

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone

from openaccess.policy import can_read, is_open

from . import live
from .models import AccessRequest, DesktopSession, Instance, InstanceMember, Role, ShareToken
from .states import State

log = logging.getLogger(__name__)
GUEST_SESSION_KEY = "visa_guest_tokens"  # {instance uuid: token id} for guests without an account
CONTROLLERS = (Role.OWNER, Role.SUPPORT)
MAX_LINK_HOURS = 24 * 14  # a share link expires within 14 days
MAX_LINK_USES = 10_000


class Refused(Exception):
    """A token or a request that admits nobody, with the reason a person can read."""


class SignInRequired(Refused):
    pass


# Who may do what --------------------------------------------------------------------------------

def role_of(instance, user):
    """The signed-in user's role on this instance, or None."""
    if not user.is_authenticated:
        return None
    if instance.owner_id == user.pk:
        return Role.OWNER
    return InstanceMember.objects.filter(instance=instance, user=user).values_list("role", flat=True).first()


def instances_of(user):
    """role_of() as a query: the instances the user owns or is a member of, each annotated with
    the user's member_role (None where they own it)."""
    member_role = InstanceMember.objects.filter(instance=OuterRef("pk"), user=user).values("role")[:1]
    return (Instance.objects.filter(Q(owner=user) | Q(members__user=user)).distinct()
            .annotate(member_role=Subquery(member_role)))


def may_control(role, room_locked):
    return role in CONTROLLERS or (role == Role.USER and not room_locked)


@dataclass
class Access:
    """Who a desktop connection is: what the proxy needs to admit, label and control it."""

    instance: Instance
    role: str
    name: str
    user_id: int | None = None
    token_id: int | None = None  # set for guests without an account: revoking the token ends it
    session_key: str = ""  # theirs, so that a kick can end their access


def desktop_access(user, session, uuid):
    """Access to the desktop of the ACTIVE instance `uuid` for this user (or anonymous session),
    or raise Refused."""
    instance = Instance.objects.select_related("image").filter(uuid=uuid, state=State.ACTIVE).first()
    if instance is None:
        raise Refused("There is no running desktop here.")
    role = role_of(instance, user)
    if role in (Role.USER, Role.GUEST):
        _check_data(user, instance)
    if role is not None:
        access = Access(instance, role, user.get_full_name() or user.username, user_id=user.pk)
    else:
        token = _guest_token(session, instance)
        if token is None:
            raise Refused("You have no access to this desktop.")
        access = Access(instance, Role.GUEST, "Guest", token_id=token.pk, session_key=session.session_key)
    if role != Role.OWNER and settings.VISA_OWNER_LEAVES == "disconnect" and not owner_connected(instance):
        raise Refused("The owner is not connected to this desktop.")
    return access


def _guest_token(session, instance):
    """The still valid token that admitted this anonymous session to the instance, if any."""
    token_id = (session or {}).get(GUEST_SESSION_KEY, {}).get(str(instance.uuid))
    token = ShareToken.objects.filter(pk=token_id, instance=instance, revoked_at=None).first()
    return token if token and settings.VISA_OPEN_DATA_GUESTS else None


def page_role(user, session, instance):
    """The visitor's role on the instance's page: a member's, a link guest's (GUEST), or None."""
    return role_of(instance, user) or (Role.GUEST if _guest_token(session, instance) else None)


def _check_data(user, instance):
    """A collaborator sees the desktop's data: refuse one who may not read all of it (the policy
    in openaccess decides; a membership may have ended or an embargo come back)."""
    closed = [e.proposal_id for e in instance.experiments.all() if not can_read(user, e)]
    if closed:
        raise Refused(f"This desktop shows data you may not read (proposal {', '.join(closed)}).")


def only_open_data(instance):
    experiments = list(instance.experiments.all())
    return bool(experiments) and all(is_open(e) for e in experiments)


# Share links and invitations ---------------------------------------------------------------------

def _digest(secret):
    # The secret is 256 random bits, so a plain hash is enough to make the stored value useless.
    return hashlib.sha256(secret.encode()).hexdigest()


def find_token(secret):
    return ShareToken.objects.select_related("instance").filter(digest=_digest(secret)).first()


def create_token(instance, by, role, label="", expires_at=None, max_uses=None, email=""):
    """A new share link (or, with an e-mail, a one-time invitation); returns it and its secret,
    which exists only in this answer."""
    if role not in (Role.USER, Role.GUEST):
        raise ValueError(f"a link admits users or guests, not {role}")
    secret = secrets.token_urlsafe(32)
    token = ShareToken.objects.create(
        instance=instance, created_by=by, digest=_digest(secret), label=label, role=role,
        expires_at=expires_at, max_uses=1 if email else max_uses, email=email,
    )
    live.announce(instance)  # the owner's share panel lists it
    return token, secret


def email_invitation(token, url):
    """Send an invitation's link to its address; False when the mail server would not take it
    (the owner has the link on their page and can pass it on)."""
    owner = token.created_by.get_full_name() or token.created_by.username
    access = "watch" if token.view_only else "work on"
    try:
        send_mail(
            f"visa: {owner} invites you to a shared desktop",
            f"{owner} invites you to {access} the desktop “{token.instance.name}” with them.\n\n"
            f"Open this link to join (it works once, for {token.email}): {url}\n",
            None, [token.email], fail_silently=False,
        )
    except (OSError, smtplib.SMTPException) as error:
        log.warning("invitation %s not e-mailed: %s", token.pk, error)
        return False
    return True


def join(secret, request):
    """Admit the person behind the request to the token's instance with the token's role; return
    the instance. Raises Refused with the reason when the token admits nobody."""
    user = request.user
    with transaction.atomic():
        token = (ShareToken.objects.select_for_update().select_related("instance")
                 .filter(digest=_digest(secret)).first())
        if token is None:
            raise Refused("This link is not valid. Check that you copied all of it.")
        instance = token.instance
        if instance.state in (State.DELETING, State.DELETED):
            raise Refused("The desktop this link was for no longer exists.")
        problem = token.problem()
        if problem:
            raise Refused(problem)
        if not user.is_authenticated:
            if not (settings.VISA_OPEN_DATA_GUESTS and token.view_only and not token.email
                    and only_open_data(instance)):
                raise SignInRequired("Sign in to join this desktop.")
            request.session.setdefault(GUEST_SESSION_KEY, {})[str(instance.uuid)] = token.pk
            request.session.modified = True
        elif token.email and token.email.lower() != user.email.lower():
            raise Refused("This invitation is for someone else.")
        elif role_of(instance, user) is None:
            _check_data(user, instance)
            InstanceMember.objects.create(instance=instance, user=user, role=token.role, token=token)
        else:
            return instance  # already in; their role stays and no use is counted
        ShareToken.objects.filter(pk=token.pk).update(uses=token.uses + 1)
    return instance


def revoke(token):
    """Revoke a link: nobody joins with it again, everyone it admitted loses access and is disconnected."""
    with transaction.atomic():
        ShareToken.objects.filter(pk=token.pk, revoked_at=None).update(revoked_at=timezone.now())
        admitted = Q(token=token) | Q(user__in=token.members.values("user"))
        channels = _live_channels(DesktopSession.objects.filter(admitted, instance=token.instance_id))
        token.members.all().delete()
        live.announce(token.instance)
    _close(channels, "The share link you joined with was revoked.")


def kick(session):
    """Disconnect one person from the desktop; they also lose access (a link may admit them again)."""
    sessions = DesktopSession.objects.filter(instance=session.instance_id)
    if session.user_id is None:
        sessions = sessions.filter(pk=session.pk)
        _forget_guest(session)
    else:
        sessions = sessions.filter(user=session.user_id)
        InstanceMember.objects.filter(instance=session.instance_id, user=session.user_id).delete()
    _close(_live_channels(sessions), "The owner disconnected you from this desktop.")


def _forget_guest(desktop_session):
    """Take the link's admission out of a guest's own (server-side) session."""
    guest_session = import_module(settings.SESSION_ENGINE).SessionStore(desktop_session.session_key)
    admitted = guest_session.get(GUEST_SESSION_KEY, {})
    if admitted.pop(str(desktop_session.instance.uuid), None) is not None:
        guest_session[GUEST_SESSION_KEY] = admitted
        guest_session.save()


def set_room_lock(instance, locked):
    """Lock the room (users only watch) or open it; connected users see the change at once."""
    Instance.objects.filter(pk=instance.pk).update(room_locked=locked)
    instance.room_locked = locked
    live.announce(instance)  # the pages say whether users control or watch
    _send_group(instance_group(instance.uuid), {"type": "desktop.lock", "locked": locked})


# Support access requests -------------------------------------------------------------------------

def request_access(instance, user):
    """A support operator who is not a member asks the owner to be let in."""
    if not user.is_staff:
        raise Refused("Only support staff may ask for access.")
    if role_of(instance, user) is not None:
        raise Refused("You already have access.")
    access_request, created = AccessRequest.objects.get_or_create(instance=instance, user=user, answer="")
    if created:
        live.announce(instance)  # the owner's page shows the request
    return access_request


def answer_request(access_request, answer):
    with transaction.atomic():
        access_request.answer, access_request.answered_at = answer, timezone.now()
        access_request.save()
        if answer != AccessRequest.Answer.REFUSED:
            InstanceMember.objects.update_or_create(
                instance=access_request.instance, user=access_request.user,
                defaults={"role": answer, "token": None},
            )
        live.announce(access_request.instance)  # an admitted operator's page opens the desktop


# Desktop sessions (one per live proxy connection) ------------------------------------------------

def instance_group(uuid):
    return f"desktop-{uuid}"


def live_sessions(instance):
    return DesktopSession.objects.filter(instance=instance, ended_at=None)


def owner_connected(instance):
    return live_sessions(instance).filter(role=Role.OWNER).exists()


def open_session(access, channel_name):
    session = DesktopSession.objects.create(
        instance=access.instance, user_id=access.user_id, name=access.name, role=access.role,
        token_id=access.token_id, session_key=access.session_key, channel_name=channel_name,
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
        _send_group(instance_group(instance.uuid), {"type": "desktop.owner_left"})


def session_alive(session_id):
    DesktopSession.objects.filter(pk=session_id).update(seen_at=timezone.now())


def end_lost_sessions():
    """End the sessions whose proxy connection stopped beating (its ASGI process died), so that
    they no longer count as connected; they end when they were last seen."""
    silent = timezone.now() - timedelta(seconds=3 * settings.VISA_SESSION_HEARTBEAT)
    lost = DesktopSession.objects.filter(ended_at=None, seen_at__lt=silent).select_related("instance")
    for session in lost:
        DesktopSession.objects.filter(pk=session.pk).update(ended_at=session.seen_at)
        live.announce(session.instance)
    return len(lost)


def _live_channels(sessions):
    return list(sessions.filter(ended_at=None).values_list("channel_name", flat=True))


def _close(channels, reason):
    layer = get_channel_layer()
    for channel in channels:
        async_to_sync(layer.send)(channel, {"type": "desktop.close", "reason": reason})


def _send_group(group, message):
    async_to_sync(get_channel_layer().group_send)(group, message)

"""The access decision for a desktop: who a connection or a page visitor is (a member's role, or
a guest admitted by a link), refused with a reason a person can read; and taking it away (kick)."""
from dataclasses import dataclass
from importlib import import_module

from django.conf import settings
from django.db import transaction

from instances.models import DesktopSession, Instance, InstanceMember, Role, ShareToken
from instances.states import State
from openaccess.policy import can_read, is_open

from . import sessions
from .roles import may_control, role_of

GUEST_SESSION_KEY = "visa_guest_tokens"  # {instance uuid: token id} for guests without an account


class Refused(Exception):
    """A token or a request that admits nobody, with the reason a person can read."""


class SignInRequired(Refused):
    pass


@dataclass
class Access:
    """Who a desktop connection is: what the proxy needs to admit, label and control it."""

    instance: Instance
    role: str
    name: str
    user_id: int | None = None
    token_id: int | None = None  # set for guests without an account: revoking the token ends it
    session_key: str = ""  # theirs, so that a kick can end their access


NO_DESKTOP = "This environment has no remote desktop: it offers JupyterLab only."


def desktop_access(user, session, uuid):
    """Access to the remote desktop of the ACTIVE instance `uuid` for this user (or anonymous
    session), or raise Refused."""
    access = instance_access(user, session, uuid)
    if not access.instance.image.has_desktop:
        raise Refused(NO_DESKTOP)
    return access


def instance_access(user, session, uuid):
    """Access to the ACTIVE instance `uuid` (its desktop or JupyterLab) for this user (or anonymous
    session), or raise Refused."""
    instance = Instance.objects.select_related("image").filter(uuid=uuid, state=State.ACTIVE).first()
    if instance is None:
        raise Refused("There is no running desktop here.")
    role = role_of(instance, user)
    if role in (Role.USER, Role.GUEST):
        check_data(user, instance)
    if role is not None:
        access = Access(instance, role, user.get_full_name() or user.username, user_id=user.pk)
    else:
        token = _guest_token(session, instance)
        if token is None:
            raise Refused("You have no access to this desktop.")
        access = Access(instance, Role.GUEST, "Guest", token_id=token.pk, session_key=session.session_key)
    if role != Role.OWNER and settings.VISA_OWNER_LEAVES == "disconnect" and not sessions.owner_connected(instance):
        raise Refused("The owner is not connected to this desktop.")
    return access


def jupyter_access(user, uuid):
    """Access to JupyterLab on the ACTIVE instance `uuid` for this signed-in user, or raise Refused.
    JupyterLab runs code as the desktop's user and has no view-only mode: only those who may
    control the desktop now (owner, SUPPORT once admitted, USER while the room is not locked), never
    a GUEST or a link's guest without an account; the desktop's other rules (its data, the owner
    being connected) hold as for the desktop."""
    if not user.is_authenticated or not user.is_active:
        raise SignInRequired("Sign in to visa to use JupyterLab.")
    access = instance_access(user, None, uuid)
    if not access.instance.image.has_jupyter:
        raise Refused("This instance's environment has no JupyterLab.")
    if not may_control(access.role, access.instance.room_locked):
        raise Refused("JupyterLab runs code on the desktop: it is for those who may control it, and you may only "
                      "watch. Ask the owner for interactive access.")
    return access


def _guest_token(session, instance):
    """The token that admitted this anonymous session to the instance, while it still admits
    (not revoked, not expired) and the desktop shows open data only, as when they joined."""
    token_id = (session or {}).get(GUEST_SESSION_KEY, {}).get(str(instance.uuid))
    if token_id is None or not settings.VISA_OPEN_DATA_GUESTS:
        return None
    token = ShareToken.objects.filter(pk=token_id, instance=instance).first()
    # Their join was counted among the link's uses: a link used up since still admits them.
    if token is None or token.problem(counting_uses=False) or not only_open_data(instance):
        return None
    return token


def page_role(user, session, instance):
    """The visitor's role on the instance's page: a member's, a link guest's (GUEST), or None."""
    return role_of(instance, user) or (Role.GUEST if _guest_token(session, instance) else None)


def check_data(user, instance):
    """A collaborator sees the desktop's data: refuse one who may not read all of it (the policy
    in openaccess decides; a membership may have ended or an embargo come back)."""
    closed = [e.proposal_id for e in instance.experiments.all() if not can_read(user, e)]
    if closed:
        raise Refused(f"This desktop shows data you may not read (proposal {', '.join(closed)}).")


def only_open_data(instance):
    experiments = list(instance.experiments.all())
    return bool(experiments) and all(is_open(e) for e in experiments)


def kick(session):
    """Disconnect one person from the desktop; they also lose access (a link may admit them again).
    Their connections are looked up after the change commits: one registered before it is found,
    one registered after it sees the change at its final check."""
    connections = DesktopSession.objects.filter(instance=session.instance_id)
    with transaction.atomic():
        if session.user_id is None:
            sessions.close_on_commit(connections.filter(session_key=session.session_key),
                                     "The owner disconnected you from this desktop.")
            _forget_guest(session)
        else:
            sessions.close_on_commit(connections.filter(user=session.user_id),
                                     "The owner disconnected you from this desktop.")
            InstanceMember.objects.filter(instance=session.instance_id, user=session.user_id).delete()


def _forget_guest(desktop_session):
    """Take the link's admission out of a guest's own (server-side) session."""
    guest_session = import_module(settings.SESSION_ENGINE).SessionStore(desktop_session.session_key)
    admitted = guest_session.get(GUEST_SESSION_KEY, {})
    if admitted.pop(str(desktop_session.instance.uuid), None) is not None:
        guest_session[GUEST_SESSION_KEY] = admitted
        guest_session.save()

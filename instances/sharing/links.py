"""Share links and invitations: a link admits to one instance with its role (view-only = GUEST,
interactive = USER), expires, has a number of uses, and can be revoked; an invitation is a
one-time link for a named e-mail. Only the link's digest is stored."""
import datetime
import logging
import smtplib

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from instances import live
from instances.models import DesktopSession, InstanceMember, Role, ShareToken
from instances.states import GONE
from notices import services as notices
from visa.tokens import digest, new_secret

from . import sessions
from .access import GUEST_SESSION_KEY, Refused, SignInRequired, check_data, only_open_data
from .members import check_not_blocked, find_person
from .roles import role_of

log = logging.getLogger(__name__)
MAX_LINK_HOURS = 24 * 14  # a share link expires within 14 days
MAX_LINK_USES = 10_000


class InvalidLink(ValueError):
    """What is wrong with a link the owner asked for: `errors` maps each choice to why."""

    def __init__(self, errors):
        super().__init__(" ".join(errors.values()))
        self.errors = errors


def create_link(instance, by, access, hours=24, max_uses=None, email="", label=""):
    """The owner's request for a link (page or API): check it, then make it; returns the token and
    its secret. Raises InvalidLink."""
    email, errors = email.strip(), {}
    if email and "@" not in email:  # an invitation by user name goes to their account's address
        person = find_person(email)
        if person is None or not person.email:
            errors["email"] = (f"There is no account “{email}” with an e-mail address. "
                               "Enter their e-mail address, or add them under People.")
        email = person.email if person else ""
    if access not in ShareToken.ACCESS:
        errors["access"] = "Choose view-only or interactive."
    if not 0 < hours <= MAX_LINK_HOURS:
        errors["hours"] = f"A link expires after at most {MAX_LINK_HOURS} hours."
    if max_uses is not None and not 1 <= max_uses <= MAX_LINK_USES:
        errors["max_uses"] = f"A link allows from 1 to {MAX_LINK_USES} uses."
    if email and "email" not in errors:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = "That is not an e-mail address."
    if errors:
        raise InvalidLink(errors)
    return create_token(instance, by, ShareToken.ACCESS[access], label=label.strip()[:100], max_uses=max_uses,
                        expires_at=timezone.now() + datetime.timedelta(hours=hours), email=email)


def clear_revoked(instance):
    """Forget the instance's revoked links (they admit nobody and their members are gone already)."""
    instance.share_tokens.exclude(revoked_at=None).delete()
    live.announce(instance)


def find_token(secret):
    return ShareToken.objects.select_related("instance").filter(digest=digest(secret)).first()


def create_token(instance, by, role, label="", expires_at=None, max_uses=None, email=""):
    """A new share link (or, with an e-mail, a one-time invitation); returns it and its secret,
    which exists only in this answer."""
    if role not in (Role.USER, Role.GUEST):
        raise ValueError(f"a link admits users or guests, not {role}")
    secret = new_secret()
    token = ShareToken.objects.create(
        instance=instance, created_by=by, digest=digest(secret), label=label, role=role,
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
    for person in get_user_model().objects.filter(email__iexact=token.email, is_active=True):
        # Not the link: its secret is in the e-mail only, as the database keeps its digest.
        notices.notify(person, f"{owner} invites you to {access} the desktop “{token.instance.name}”: "
                               f"the link is in the e-mail sent to {token.email}.")
    return True


def join(secret, request):
    """Admit the person behind the request to the token's instance with the token's role; return
    the instance. Raises Refused with the reason when the token admits nobody."""
    user = request.user
    with transaction.atomic():
        token = (ShareToken.objects.select_for_update().select_related("instance")
                 .filter(digest=digest(secret)).first())
        if token is None:
            raise Refused("This link is not valid. Check that you copied all of it.")
        instance = token.instance
        if instance.state in GONE:
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
            check_not_blocked(instance, user)
            check_data(user, instance)
            InstanceMember.objects.create(instance=instance, user=user, role=token.role, token=token)
        else:
            return instance  # already in; their role stays and no use is counted
        ShareToken.objects.filter(pk=token.pk).update(uses=token.uses + 1)
    return instance


def revoke(token):
    """Revoke a link: nobody joins with it again, everyone it admitted loses access and is disconnected."""
    with transaction.atomic():
        ShareToken.objects.filter(pk=token.pk, revoked_at=None).update(revoked_at=timezone.now())
        admitted = Q(token=token) | Q(user__in=list(token.members.values_list("user", flat=True)))
        # Before the members' own removal messages, so that this reason is the one they see.
        sessions.close_on_commit(DesktopSession.objects.filter(admitted, instance=token.instance_id),
                                 "The share link you joined with was revoked.")
        token.members.all().delete()
        live.announce(token.instance)

"""The people a desktop is shared with, as its owner manages them: add someone by user name or
e-mail, change them between interactive and view-only, remove them, or remove and block them so
that no link lets them in again until the owner adds them back. Live connections follow each
change (receivers.py); a removal tells the person why."""
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q

from instances import live
from instances.models import BlockedUser, DesktopSession, InstanceMember, ShareToken

from . import sessions
from .access import Refused, check_data

REMOVED = "The owner removed you from this desktop."


class MemberError(ValueError):
    """Why the owner's change to the people cannot be made, in words for the owner."""


def name_of(user):
    return user.get_full_name() or user.username


def find_person(who):
    """The account with this user name or e-mail address (either in any case), or None."""
    who = who.strip()
    if not who:
        return None
    matches = list(get_user_model().objects.filter(Q(username__iexact=who) | Q(email__iexact=who))[:2])
    return matches[0] if len(matches) == 1 else None


def role_for(access):
    if access not in ShareToken.ACCESS:
        raise MemberError("Choose view-only or interactive.")
    return ShareToken.ACCESS[access]


def add(instance, who, access):
    """Give the person named by `who` access to the desktop (unblocking them); returns the member."""
    role = role_for(access)
    user = find_person(who)
    if user is None:
        raise MemberError(f"Nobody with the user name or e-mail address “{who.strip()}” has signed in to visa "
                          "yet. Send them an invitation by e-mail instead.")
    if user.pk == instance.owner_id:
        raise MemberError("That is you: as the owner you always have access.")
    try:
        check_data(user, instance)
    except Refused:
        raise MemberError(f"{name_of(user)} may not read the data this desktop shows.") from None
    with transaction.atomic():
        BlockedUser.objects.filter(instance=instance, user=user).delete()
        member, _ = InstanceMember.objects.update_or_create(instance=instance, user=user, defaults={"role": role})
    return member


def set_access(member, access):
    """Make a member interactive or view-only; their open desktop follows at once."""
    member.role = role_for(access)
    member.save(update_fields=["role"])


def remove(member, block=False):
    """Take a member's access away and disconnect them; with `block`, no link admits them again."""
    with transaction.atomic():
        # Before the membership's own removal message, so that this reason is the one they see.
        sessions.close_on_commit(DesktopSession.objects.filter(instance=member.instance_id, user=member.user_id),
                                 REMOVED)
        if block:
            BlockedUser.objects.get_or_create(instance=member.instance, user=member.user)
        member.delete()


def unblock(block):
    with transaction.atomic():
        block.delete()
        live.announce(block.instance)


def check_not_blocked(instance, user):
    if BlockedUser.objects.filter(instance=instance, user=user).exists():
        raise Refused(f"{REMOVED} Ask them to add you again.")

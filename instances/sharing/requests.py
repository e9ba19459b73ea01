"""Support access requests: a support operator who is not a member asks the owner to be let in;
the owner admits them as guest or support, or refuses."""
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from instances import live
from instances.models import AccessRequest, InstanceMember
from notices import services as notices

from .access import Refused
from .members import check_not_blocked
from .roles import role_of


def request_access(instance, user):
    """A support operator who is not a member asks the owner to be let in."""
    if not user.is_staff:
        raise Refused("Only support staff may ask for access.")
    if role_of(instance, user) is not None:
        raise Refused("You already have access.")
    check_not_blocked(instance, user)
    access_request, created = AccessRequest.objects.get_or_create(instance=instance, user=user, answer="")
    if created:
        live.announce(instance)  # the owner's page shows the request
        notices.notify(instance.owner, f"{user.get_full_name() or user.username} (support) asks for access to "
                       f"your desktop “{instance.name}”.", reverse("instance", args=[instance.uuid]))
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

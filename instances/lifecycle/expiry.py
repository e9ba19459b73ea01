"""Expiry: instances end when their lifetime is over or nobody used them for a while, with an
e-mail warning first; owners may ask for a longer lifetime, operators (or the image) decide.
`expire` runs periodically (Celery beat); a second run at the same time changes nothing twice,
because each warning is claimed by a conditional UPDATE and each deletion by `transition`."""
import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from instances import live
from instances.models import Instance, LifetimeExtension
from instances.states import LIVE, RESTING, IllegalTransition
from notices import services as notices
from quotas.limits import limits_for

from . import services

log = logging.getLogger(__name__)
EXPIRY = "expiry"
MAX_EXTENSION_DAYS = 90  # what an owner may ask for at once; the quota's longest lifetime may be less
SOON = timedelta(days=1)  # pages highlight an end this close and offer to extend


class ExtensionRefused(Exception):
    """Why a request for a longer lifetime cannot be made, in words for the owner."""


def ends_soon(instance, now=None):
    return bool(instance.expires_at) and instance.expires_at - (now or timezone.now()) < SOON


def hours(value):
    return timedelta(hours=value)


def expire(now=None):
    now = now or timezone.now()
    inactivity = hours(settings.VISA_INACTIVITY_HOURS)
    instances = Instance.objects.filter(state__in=RESTING).select_related("owner")
    for instance in instances.filter(expires_at__lte=now):
        _delete(instance, "Its lifetime ended.")
    for instance in instances.filter(last_activity_at__lte=now - inactivity):
        _delete(instance, f"Nobody used it for {in_words(inactivity)}.")
    lifetime_warnings = instances.filter(
        lifetime_warned_at=None, expires_at__lte=now + hours(settings.VISA_LIFETIME_WARNING_HOURS)
    )
    for instance in lifetime_warnings:
        _warn(instance, "lifetime_warned_at", now, instance.expires_at, "its lifetime ends")
    inactivity_warnings = instances.filter(
        inactivity_warned_at=None,
        last_activity_at__lte=now - inactivity + hours(settings.VISA_INACTIVITY_WARNING_HOURS),
    )
    for instance in inactivity_warnings:
        _warn(instance, "inactivity_warned_at", now, instance.last_activity_at + inactivity,
              f"nobody has used it for {in_words(inactivity - hours(settings.VISA_INACTIVITY_WARNING_HOURS))}")


def in_words(delta):
    """A duration as e-mails and the help page say it: '4 days', '12 hours'."""
    days, hours = delta / timedelta(days=1), delta / timedelta(hours=1)
    return f"{days:g} day{'s' * (days != 1)}" if days >= 1 else f"{hours:g} hour{'s' * (hours != 1)}"


def _delete(instance, reason):
    try:
        services.delete(instance, EXPIRY, reason)
    except IllegalTransition:  # another run or its owner got there first
        pass


def _warn(instance, field, now, deadline, why):
    """E-mail the owner once per warning; the UPDATE claims it, so two runs send one e-mail."""
    if not Instance.objects.filter(pk=instance.pk, **{field: None}).update(**{field: now}):
        return
    page = settings.VISA_SITE_URL.rstrip("/") + reverse("instance", args=[instance.uuid])
    when = timezone.localtime(deadline).strftime("%d %b %Y %H:%M %Z")
    services.note(instance, EXPIRY, f"warned its owner: to be deleted on {when}, as {why}")
    send_mail(
        f"visa: “{instance.name}” will be deleted on {when}",
        f"Your visa instance “{instance.name}” will be deleted on {when}, as {why}.\n\n"
        f"Use its desktop to keep it ({page}), or ask for a longer lifetime: {page}#extend\n",
        None,
        [instance.owner.email],
        fail_silently=False,
    )
    notices.notify(instance.owner, f"“{instance.name}” will be deleted on {when}, as {why}: use it, or ask for "
                                   "more days.", reverse("instance", args=[instance.uuid]))
    log.info("instance %s: warned %s (%s)", instance.uuid, instance.owner.email, why)


def request_extension(instance, user, days, reason):
    """The owner asks for `days` more, at most the quota's longest lifetime at once and one request
    at a time; granted at once if the image allows it. Raises ExtensionRefused."""
    longest = int(limits_for(instance.owner, instance.purpose).lifetime.total_seconds() // 86400)
    if days > longest:
        raise ExtensionRefused(f"You may ask for at most {longest} days at once: your quota's longest lifetime.")
    with transaction.atomic():
        locked = Instance.objects.select_for_update().get(pk=instance.pk)  # two requests at once: one waits
        if locked.state not in LIVE:
            raise IllegalTransition(f"An instance in {locked.state} has no lifetime to extend.")
        if pending := locked.extensions.filter(decision=LifetimeExtension.Decision.PENDING).first():
            raise ExtensionRefused(f"You asked for {pending.days} more days already; "
                                   "the operators have not decided yet.")
        extension = LifetimeExtension.objects.create(instance=locked, requested_by=user, days=days, reason=reason)
        services.note(locked, user.username, f"asked for {days} more days: {reason}")
        live.announce(locked)
    if instance.image.auto_accept_extensions:
        decide(extension, "image policy", accept=True)
        extension.refresh_from_db()
    return extension


def decide(extension, actor, accept):
    """Accept (the lifetime grows, a lifetime warning is void) or refuse a pending request; False
    if it was decided before."""
    with transaction.atomic():
        extension = LifetimeExtension.objects.select_for_update().get(pk=extension.pk)
        if extension.decision != LifetimeExtension.Decision.PENDING:
            return False
        if accept:
            Instance.objects.filter(pk=extension.instance_id).update(
                expires_at=F("expires_at") + timedelta(days=extension.days), lifetime_warned_at=None
            )
        extension.decision = LifetimeExtension.Decision.ACCEPTED if accept else LifetimeExtension.Decision.REFUSED
        extension.decided_by, extension.decided_at = actor, timezone.now()
        extension.save()
        verdict = "accepted" if accept else "refused"
        services.note(extension.instance, actor, f"{verdict} the request for {extension.days} more days")
        if actor != "image policy":  # granted at once: the owner sees it where they asked
            notices.notify(extension.instance.owner, f"Your request for {extension.days} more days for "
                           f"“{extension.instance.name}” was {verdict}.",
                           reverse("instance", args=[extension.instance.uuid]))
        live.announce(extension.instance)  # the owner's pages show the decision
    return True


def expiring_soon(within):
    """Instances that end (lifetime or inactivity) within `within`, for operators."""
    now = timezone.now()
    idle_before = now - hours(settings.VISA_INACTIVITY_HOURS) + within
    return Instance.objects.filter(state__in=RESTING).filter(
        Q(expires_at__lte=now + within) | Q(last_activity_at__lte=idle_before)
    )
